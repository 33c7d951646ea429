//! The command line as an operator uses it.

use std::path::Path;
use std::process::Command;

fn jiesu(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_jiesu-under-test"))
        .args(args)
        .current_dir(dir)
        .env("JIESU__LOG__FILTER", "warn")
        .output()
        .expect("run jiesu")
}

fn copy_config(to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config");
    for sub in ["", "areas", "rules", "answers"] {
        std::fs::create_dir_all(to.join("config").join(sub)).expect("mkdir");
        for entry in std::fs::read_dir(from.join(sub)).expect("read config") {
            let path = entry.expect("entry").path();
            if path.is_file() {
                std::fs::copy(&path, to.join("config").join(sub).join(path.file_name().expect("name")))
                    .expect("copy");
            }
        }
    }
}

#[test]
fn check_config_accepts_the_sample_district() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_config(dir.path());
    let out = jiesu(dir.path(), &["check-config"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("OK"));
}

#[test]
fn check_config_reads_the_districts_knowledge_base_as_serve_would() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_config(dir.path());
    let bad = "[[entry]]\nid = \"local-permit\"\nquestions = [\"本地停车证怎么办\"]\nanswer = \"到社区工作站办理。\"\nbureau = \"ministry-of-magic\"\ncategory = \"household\"\n";
    std::fs::write(dir.path().join("config/answers/local.toml"), bad).expect("write");
    let out = jiesu(dir.path(), &["check-config"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("entry `local-permit` names unknown bureau `ministry-of-magic`"), "{err}");
    std::fs::write(dir.path().join("config/answers/local.toml"), "[[entry]]\nid = \"Bad Id\"\n")
        .expect("write");
    let err = String::from_utf8_lossy(&jiesu(dir.path(), &["check-config"]).stderr).into_owned();
    assert!(err.contains("local.toml"), "the file is named: {err}");
}

#[test]
fn check_config_reports_each_error_with_its_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_config(dir.path());
    let rules = dir.path().join("config/rules/extra.toml");
    std::fs::write(
        &rules,
        // Every rule file states its version (recorded with each routing it makes).
        "# a new rule\nversion = \"extra-1\"\n[[rule]]\nid = \"wrong\"\ncategories = [\"990101\"]\nlead = \"ministry-of-magic\"\n",
    )
    .expect("write");
    let out = jiesu(dir.path(), &["check-config"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("config/rules/extra.toml:3: rule `wrong` names unknown bureau `ministry-of-magic`"),
        "{err}"
    );
}

#[test]
fn check_config_names_an_escalation_setting_the_district_cannot_honour() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_config(dir.path());
    let check = |key: &str, value: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_jiesu-under-test"))
            .arg("check-config")
            .current_dir(dir.path())
            .env("JIESU__LOG__FILTER", "warn")
            .env(key, value)
            .output()
            .expect("run jiesu");
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (ok, err) = check("JIESU__ESCALATION__CONVENER", "ministry-of-magic");
    assert!(!ok && err.contains("escalation.convener: `ministry-of-magic` is not a bureau"), "{err}");
    let (ok, err) = check("JIESU__ESCALATION__REMINDER_GRACE", "soon");
    assert!(!ok && err.contains("escalation.reminder_grace"), "{err}");
    let (ok, err) = check("JIESU__ESCALATION__CONVENER", "service-centre");
    assert!(ok, "a bureau of the district convenes: {err}");
}

#[test]
fn check_config_names_each_notification_setting_serve_would_refuse() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_config(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_jiesu-under-test"))
        .arg("check-config")
        .current_dir(dir.path())
        .env("JIESU__LOG__FILTER", "warn")
        .env("JIESU__NOTIFY__EMAIL__HOST", "smtp.example.cn")
        .env("JIESU__NOTIFY__EMAIL__SECURITY", "ssl")
        .env("JIESU__NOTIFY__EMAIL__DIGEST_AT", "half past eight")
        .env("JIESU__NOTIFY__QUIET_START", "22h")
        .output()
        .expect("run jiesu");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for named in ["notify.email.security", "notify.email.digest_at", "notify.quiet_start"] {
        assert!(err.contains(named), "{named} in: {err}");
    }
}

#[test]
fn an_api_key_is_printed_once_and_names_are_unique() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = jiesu(dir.path(), &["api-key", "add", "坪山 app"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(key.starts_with("jsk_") && key.len() == 44, "{key}");
    // Stored hashed: the key itself is nowhere in the database file, nor in its write-ahead log.
    for file in ["var/jiesu.sqlite", "var/jiesu.sqlite-wal"] {
        let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
        assert!(!bytes.windows(key.len()).any(|w| w == key.as_bytes()), "the key is in {file}");
    }
    let again = jiesu(dir.path(), &["api-key", "add", "坪山 app"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    // The call centre's key opens the hotline channel only (tests/tests/hotline.rs uses one).
    let centre = jiesu(dir.path(), &["api-key", "add", "12345 call centre", "--channel", "hotline"]);
    assert!(centre.status.success(), "{}", String::from_utf8_lossy(&centre.stderr));
    assert!(String::from_utf8_lossy(&centre.stderr).contains("hotline key"));
    let unknown = jiesu(dir.path(), &["api-key", "add", "x", "--channel", "wechat"]);
    assert!(!unknown.status.success(), "no such channel");
}

#[test]
fn migrate_brings_a_new_database_up_to_date() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = jiesu(dir.path(), &["migrate"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("var/jiesu.sqlite").is_file());
}

#[test]
fn a_typo_in_the_settings_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("site.toml"), "[server]\nlisten_on = \"0.0.0.0:1\"\n").expect("write");
    let out = jiesu(dir.path(), &["--config", "site.toml", "check-config"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("listen_on"));
}

/// Logs go to stderr, so a script capturing a command's answer gets only the answer, even with
/// PostgreSQL (whose migrations raise notices) and verbose logging.
#[tokio::test]
async fn stdout_carries_only_the_answer() {
    let backend = jiesu_e2e::Backend::at_scale().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jiesu-under-test"));
    cmd.args(["api-key", "add", "script"]).current_dir(dir.path());
    for (k, v) in backend.env() {
        cmd.env(k, v);
    }
    let out = cmd.env("JIESU__LOG__FILTER", "debug").output().expect("run jiesu");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.starts_with("jsk_") && said.trim_end().len() == 44, "only the key: {said:?}");
    assert!(!String::from_utf8_lossy(&out.stderr).is_empty(), "the logs went to stderr");
}

/// `jiesu migrate` with verbose logs to a pipe, in the given log format: its stderr.
fn logs_of_migrate(format: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_jiesu-under-test"))
        .arg("migrate")
        .current_dir(dir.path())
        .env_remove("RUST_LOG")
        .env("JIESU__LOG__FILTER", "debug")
        .env("JIESU__LOG__FORMAT", format)
        .output()
        .expect("run jiesu");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!out.stderr.is_empty(), "it logged something");
    String::from_utf8(out.stderr).expect("logs are UTF-8")
}

/// `serve 2> serve.log` must give a readable file: no terminal colour codes when stderr is not a
/// terminal, and with `log.format = "json"` one JSON object per line, for a collector.
#[test]
fn logs_to_a_file_or_pipe_are_plain_text_or_json_lines_without_colour_codes() {
    let text = logs_of_migrate("text");
    assert!(!text.contains('\u{1b}'), "no escape sequences: {text:?}");
    let json = logs_of_migrate("json");
    assert!(!json.contains('\u{1b}'), "no escape sequences: {json:?}");
    for line in json.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line:?}"));
        assert!(v["level"].is_string() && v["fields"].is_object(), "a log record: {line}");
    }
}
