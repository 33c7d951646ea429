//! Staff accounts end to end: created with `jiesu user`, signed in over HTTP, recognised by
//! `GET /api/v1/me`, locked after repeated failures, signed out; and neither passwords nor tokens
//! in the logs.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use jiesu::Roles;
use jiesu_e2e::Backend;
use jiesu_e2e::process::Server;
use reqwest::StatusCode;
use serde_json::{Value, json};

const JIESU: &str = env!("CARGO_BIN_EXE_jiesu-under-test");
const PASSWORD: &str = "correct horse battery";

jiesu_e2e::e2e_on_both_backends!(
    a_staff_member_signs_in_and_is_recognised_until_the_session_ends,
    wrong_passwords_are_refused_and_five_lock_the_account,
    the_pages_sign_in_with_an_http_only_cookie,
    passwords_and_tokens_never_appear_in_the_logs,
);

/// Runs `jiesu user ...` on the backend with `stdin` as its standard input.
fn jiesu_user(backend: &Backend, dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut cmd = Command::new(JIESU);
    cmd.arg("user").args(args).current_dir(dir);
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, v) in backend.env() {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run jiesu user");
    feed(&mut child, stdin);
    child.wait_with_output().expect("jiesu user finishes")
}

/// Writes `stdin` to the child. A command refused on its arguments exits before it reads the
/// password, so the pipe may already be closed: that is the command's answer, not a failure.
fn feed(child: &mut std::process::Child, stdin: &str) {
    match child.stdin.take().expect("stdin").write_all(stdin.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("write the password: {e}"),
        _ => {}
    }
}

fn add_water_staff(backend: &Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let args = ["add", "--username", "li.lei", "--role", "bureau_staff", "--bureau", "water"];
    let out = jiesu_user(backend, dir.path(), &args, &format!("{PASSWORD}\n"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("user li.lei created (bureau_staff of water)"), "{said}");
}

async fn login(http: &reqwest::Client, base: &str, username: &str, password: &str) -> (StatusCode, Value) {
    let resp = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .expect("POST login");
    let status = resp.status();
    (status, resp.json().await.expect("JSON body"))
}

async fn me(http: &reqwest::Client, base: &str, token: &str) -> reqwest::Response {
    http.get(format!("{base}/api/v1/me")).bearer_auth(token).send().await.expect("GET me")
}

async fn logout(http: &reqwest::Client, base: &str, token: &str) -> reqwest::Response {
    http.post(format!("{base}/api/v1/auth/logout")).bearer_auth(token).send().await.expect("POST logout")
}

fn token(body: &Value) -> String {
    body["token"].as_str().unwrap_or_else(|| panic!("a token in {body}")).to_owned()
}

async fn a_staff_member_signs_in_and_is_recognised_until_the_session_ends(backend: Backend) {
    add_water_staff(&backend);
    let app = backend.start(Roles::ALL).await;
    let http = reqwest::Client::new();
    let (status, body) = login(&http, &app.base, "li.lei", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"], json!({ "username": "li.lei", "role": "bureau_staff", "bureau": "water" }));
    assert!(body["expires_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{body}");
    let first = token(&body);
    let second = token(&login(&http, &app.base, "li.lei", PASSWORD).await.1);

    let r = me(&http, &app.base, &first).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.expect("JSON")["bureau"], "water");

    assert_eq!(logout(&http, &app.base, &first).await.status(), StatusCode::NO_CONTENT);
    let r = me(&http, &app.base, &first).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "a logged-out token is refused");
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    assert_eq!(r.json::<Value>().await.expect("JSON")["error"]["code"], "unauthenticated");
    assert_eq!(me(&http, &app.base, &second).await.status(), StatusCode::OK, "the other session lives");

    // An administrator sets a new password from the command line: every session ends.
    let dir = tempfile::tempdir().expect("tempdir");
    let out = jiesu_user(&backend, dir.path(), &["passwd", "--username", "li.lei"], "a brand new password\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(me(&http, &app.base, &second).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(login(&http, &app.base, "li.lei", "a brand new password").await.0, StatusCode::OK);

    let none = http.get(format!("{}/api/v1/me", app.base)).send().await.expect("GET me");
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED, "no token at all");
    app.stop().await;
}

async fn wrong_passwords_are_refused_and_five_lock_the_account(backend: Backend) {
    add_water_staff(&backend);
    let app = backend.start(Roles::ALL).await;
    let http = reqwest::Client::new();
    let (status, wrong) = login(&http, &app.base, "li.lei", "wrong password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong["error"]["code"], "invalid_credentials");
    let (status, unknown) = login(&http, &app.base, "nobody", PASSWORD).await;
    assert_eq!((status, &unknown), (StatusCode::UNAUTHORIZED, &wrong), "unknown users look the same");

    for attempt in 2..=4 {
        assert_eq!(
            login(&http, &app.base, "li.lei", "wrong password").await.0,
            StatusCode::UNAUTHORIZED,
            "{attempt}"
        );
    }
    let (status, fifth) = login(&http, &app.base, "li.lei", "wrong password").await;
    assert_eq!(status, StatusCode::LOCKED, "{fifth}");
    assert_eq!(fifth["error"]["code"], "account_locked");
    assert!(fifth["error"]["locked_until"].is_string(), "{fifth}");
    let resp = http
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({ "username": "li.lei", "password": PASSWORD }))
        .send()
        .await
        .expect("POST login");
    assert_eq!(resp.status(), StatusCode::LOCKED, "even the right password while locked");
    let wait: i64 = resp.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((14 * 60..=15 * 60).contains(&wait), "{wait}");

    for bad in ["not json", "{\"username\": \"li.lei\"}"] {
        let resp = http
            .post(format!("{}/api/v1/auth/login", app.base))
            .header("content-type", "application/json")
            .body(bad)
            .send()
            .await
            .expect("POST login");
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert_eq!(resp.json::<Value>().await.expect("JSON")["error"]["code"], "invalid_json");
    }
    app.stop().await;
}

async fn the_pages_sign_in_with_an_http_only_cookie(backend: Backend) {
    add_water_staff(&backend);
    let app = backend.start(Roles::ALL).await;
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{}/api/v1/auth/login?cookie=true", app.base))
        .json(&json!({ "username": "li.lei", "password": PASSWORD }))
        .send()
        .await
        .expect("POST login");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let set = resp.headers()["set-cookie"].to_str().expect("ascii").to_owned();
    assert!(set.ends_with("; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200"), "{set}");
    let body: Value = resp.json().await.expect("JSON");
    assert!(body.get("token").is_none(), "the page's script never sees the token: {body}");
    let cookie = set.split(';').next().expect("name=value").to_owned();

    let r = http.get(format!("{}/api/v1/me", app.base)).header("cookie", &cookie).send().await.expect("me");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.expect("JSON")["username"], "li.lei");

    let out = http
        .post(format!("{}/api/v1/auth/logout", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert!(out.headers()["set-cookie"].to_str().expect("ascii").starts_with("jiesu_session=; "));
    let r = http.get(format!("{}/api/v1/me", app.base)).header("cookie", &cookie).send().await.expect("me");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

async fn passwords_and_tokens_never_appear_in_the_logs(backend: Backend) {
    add_water_staff(&backend);
    let server = Server::start_with(JIESU, &backend, &[("JIESU__LOG__FILTER", "trace")]).await;
    let http = reqwest::Client::new();
    let wrong = "wrong-but-close-password";
    assert_eq!(login(&http, &server.base, "li.lei", wrong).await.0, StatusCode::UNAUTHORIZED);
    // People type their password into the username field; that is not logged either.
    assert_eq!(login(&http, &server.base, "hunter2hunter2", PASSWORD).await.0, StatusCode::UNAUTHORIZED);
    let (status, body) = login(&http, &server.base, "li.lei", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let token = token(&body);
    assert_eq!(me(&http, &server.base, &token).await.status(), StatusCode::OK);
    assert_eq!(logout(&http, &server.base, &token).await.status(), StatusCode::NO_CONTENT);
    let output = server.output.clone();
    assert!(server.terminate().await.success());
    let logs = output.lock().expect("lock").join("\n");
    assert!(logs.contains("staff member signed in"), "the logs do show the login");
    for secret in [PASSWORD, wrong, "hunter2hunter2", token.as_str(), &token[..16]] {
        assert!(!logs.contains(secret), "`{secret}` leaked into the logs");
    }
}

#[test]
fn user_add_checks_the_role_the_bureau_and_the_password_before_storing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(JIESU)
            .arg("user")
            .args(args)
            .current_dir(dir.path())
            .env("JIESU__LOG__FILTER", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run jiesu");
        feed(&mut child, stdin);
        let out = child.wait_with_output().expect("finishes");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let staff = ["add", "--username", "li.lei", "--role", "bureau_staff"];
    let (ok, _, err) = run(&staff, "secret-pass\n");
    assert!(!ok && err.contains("give --bureau"), "{err}");
    let (ok, _, err) = run(&[&staff[..], &["--bureau", "ministry-of-magic"]].concat(), "secret-pass\n");
    assert!(!ok && err.contains("no bureau `ministry-of-magic`"), "{err}");
    let (ok, _, err) =
        run(&["add", "--username", "han", "--role", "operator", "--bureau", "water"], "secret-pass\n");
    assert!(!ok && err.contains("belongs to no bureau"), "{err}");
    let (ok, _, err) = run(&["add", "--username", "han", "--role", "chief"], "secret-pass\n");
    assert!(!ok && err.contains("one of operator, bureau_staff"), "{err}");
    let (ok, _, err) = run(&["add", "--username", "han", "--role", "operator"], "short\n");
    assert!(!ok && err.contains("at least 8 characters"), "{err}");

    let (ok, out, err) = run(&[&staff[..], &["--bureau", "water"]].concat(), "secret-pass\n");
    assert!(ok, "{err}");
    assert!(out.contains("user li.lei created (bureau_staff of water)"), "{out}");
    assert!(!out.contains("secret-pass") && !err.contains("secret-pass"), "no password echo");
    let (ok, _, err) = run(&[&staff[..], &["--bureau", "water"]].concat(), "other-pass\n");
    assert!(!ok && err.contains("taken"), "{err}");
    let (ok, out, _) = run(&["add", "--username", "han", "--role", "operator"], "secret-pass\n");
    assert!(ok && out.contains("(operator)"), "{out}");

    let (ok, out, _) = run(&["list"], "");
    assert!(ok);
    assert!(out.contains("han     operator") && out.contains("li.lei  bureau_staff of water"), "{out}");
    let (ok, _, _) = run(&["disable", "--username", "han"], "");
    assert!(ok);
    assert!(run(&["list"], "").1.contains("(disabled)"));
    let (ok, out, _) = run(&["enable", "--username", "han"], "");
    assert!(ok && out.contains("user han enabled"), "{out}");
    assert!(!run(&["list"], "").1.contains("(disabled)"));
    let (ok, out, _) = run(&["unlock", "--username", "han"], "");
    assert!(ok && out.contains("user han unlocked"), "{out}");
    let (ok, _, err) =
        run(&["role", "--username", "li.lei", "--role", "supervisor", "--bureau", "water"], "");
    assert!(!ok && err.contains("belongs to no bureau"), "{err}");
    let (ok, out, _) = run(&["role", "--username", "li.lei", "--role", "supervisor"], "");
    assert!(ok && out.contains("user li.lei is now supervisor"), "{out}");
    assert!(run(&["list"], "").1.contains("li.lei  supervisor"));

    for file in ["var/jiesu.sqlite", "var/jiesu.sqlite-wal"] {
        let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
        assert!(!bytes.windows(11).any(|w| w == b"secret-pass"), "only the hash is stored ({file})");
    }
}
