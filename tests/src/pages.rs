//! Using the staff pages as people do, in the browser: sign in through the form, find a task in
//! the inbox, act on the case page; and axe-core's accessibility check of whatever page is open
//! (axe-core vendored from npm in `vendor/axe-core`, injected into the page under test).

use fantoccini::{Client, Locator};
use serde_json::Value;

use crate::staff::PASSWORD;

const AXE: &str = include_str!("../../vendor/axe-core/axe.min.js");

/// Desktop and phone (an iPhone 12-14's CSS pixels).
pub const DESKTOP: (u32, u32) = (1280, 900);
pub const PHONE: (u32, u32) = (390, 844);

/// Signs in through `/staff/login` (asked for from `path`, so the form sends us back there) and
/// waits for the page after it.
pub async fn sign_in(c: &Client, base: &str, username: &str, path: &str) {
    c.goto(&format!("{base}{path}")).await.expect("open a staff page");
    c.wait().for_element(Locator::Css("#login")).await.expect("sent to the sign-in form");
    c.find(Locator::Css("#username")).await.expect("username").send_keys(username).await.expect("type");
    c.find(Locator::Css("#password")).await.expect("password").send_keys(PASSWORD).await.expect("type");
    click(c, "#sign-in").await;
    let url = c.current_url().await.expect("url");
    assert!(!url.path().starts_with("/staff/login"), "signed in as {username}: {url}");
}

/// Signs out with the top bar's button.
pub async fn sign_out(c: &Client) {
    click(c, "form[action='/staff/logout'] button").await;
    c.wait().for_element(Locator::Css("#login")).await.expect("back at the sign-in form");
}

/// The text of the element `css` (found again if the page was swapped under it).
pub async fn text(c: &Client, css: &str) -> String {
    for _ in 0..50 {
        let e = c.wait().for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
        if let Ok(t) = e.text().await {
            return t;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{css} kept going stale")
}

/// Clicks `css` and waits for the page it leads to: the old page's `#main` gone (htmx swaps the
/// body of a boosted page; a full navigation replaces the document), a new one there.
pub async fn click(c: &Client, css: &str) {
    let old = c.find(Locator::Css("#main")).await.expect("a page with #main");
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).click().await.expect("click");
    wait_replaced(c, old).await;
}

/// Waits until `old` is no longer in the page and a new `#main h1` is.
pub async fn wait_replaced(c: &Client, old: fantoccini::elements::Element) {
    for _ in 0..200 {
        if old.tag_name().await.is_err() {
            c.wait().for_element(Locator::Css("#main h1")).await.expect("a page");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the page was not replaced after a click");
}

/// Types into the field `css`.
pub async fn fill(c: &Client, css: &str, value: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(value)
        .await
        .expect("type");
}

/// Runs axe-core on the open page at the given window size and answers the serious and critical
/// violations, each as "id (impact): help, N nodes: first node's selector".
pub async fn axe(c: &Client, size: (u32, u32)) -> Vec<String> {
    c.set_window_size(size.0, size.1).await.expect("resize");
    let loaded: Value = c.execute("return typeof axe !== 'undefined'", vec![]).await.expect("probe");
    if loaded != Value::Bool(true) {
        c.execute(AXE, vec![]).await.expect("inject axe-core");
    }
    let script = "const done = arguments[arguments.length - 1];
        axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => `${v.id} (${v.impact}): ${v.help}, ${v.nodes.length} nodes: ${v.nodes[0].target.join(' ')}`)));";
    let found = c.execute_async(script, vec![]).await.expect("run axe-core");
    serde_json::from_value(found).expect("a list of violations")
}

/// Asserts no serious or critical axe-core violation on the open page, at desktop and phone size.
/// With `JIESU_SCREENSHOTS` set to a directory, it also saves each size's screenshot there (named
/// after `page`), to look at what was checked.
pub async fn assert_accessible(c: &Client, page: &str) {
    for size in [DESKTOP, PHONE] {
        let v = axe(c, size).await;
        assert!(v.is_empty(), "{page} at {}×{}: {v:#?}", size.0, size.1);
        if let Some(dir) = std::env::var_os("JIESU_SCREENSHOTS") {
            let name: String = page.chars().map(|ch| if ch.is_alphanumeric() { ch } else { '-' }).collect();
            let png = c.screenshot().await.expect("a screenshot");
            let file = std::path::Path::new(&dir).join(format!("{name}-{}x{}.png", size.0, size.1));
            std::fs::write(&file, png).expect("write the screenshot");
        }
    }
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.expect("resize");
}

/// A browser's session on the staff pages, driven over plain HTTP: its cookies and the form token
/// its pages carry. For checks a browser would not make (posting another bureau's ids by URL,
/// posting without the token).
#[derive(Debug, Clone)]
pub struct PageSession {
    pub base: String,
    cookie: String,
    /// The form token the pages of this session carry.
    pub csrf: String,
    http: reqwest::Client,
}

/// The value of the hidden input `name` in a page.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + 15..];
    rest.split('"').next().map(str::to_owned)
}

fn cookie_of(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_owned())
}

impl PageSession {
    /// Signs in through the sign-in form, as a browser does, with the tests' password.
    pub async fn sign_in(base: &str, username: &str) -> Self {
        Self::sign_in_with(base, username, PASSWORD).await
    }

    /// Signs in through the sign-in form with this password.
    pub async fn sign_in_with(base: &str, username: &str, password: &str) -> Self {
        match Self::try_sign_in(base, username, password).await {
            Ok(s) => s,
            Err(status) => panic!("{username} signs in: {status}"),
        }
    }

    /// Tries the sign-in form: the session, or the status the form answered with.
    pub async fn try_sign_in(
        base: &str,
        username: &str,
        password: &str,
    ) -> Result<Self, reqwest::StatusCode> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("HTTP client");
        let form = http.get(format!("{base}/staff/login")).send().await.expect("GET the sign-in form");
        let login = cookie_of(&form, "jiesu_login").expect("the sign-in form's cookie");
        let token = hidden(&form.text().await.expect("page"), "csrf").expect("the form's token");
        let resp = http
            .post(format!("{base}/staff/login"))
            .header(reqwest::header::COOKIE, format!("jiesu_login={login}"))
            .form(&[
                ("username", username),
                ("password", password),
                ("csrf", &token),
                ("next", "/staff/inbox"),
            ])
            .send()
            .await
            .expect("POST the sign-in form");
        if resp.status() != reqwest::StatusCode::SEE_OTHER {
            return Err(resp.status());
        }
        let session = cookie_of(&resp, "jiesu_session").expect("a session cookie");
        let mut s = Self {
            base: base.to_owned(),
            cookie: format!("jiesu_session={session}"),
            csrf: String::new(),
            http,
        };
        let (status, inbox) = s.get("/staff/inbox").await;
        assert_eq!(status, reqwest::StatusCode::OK);
        s.csrf = hidden(&inbox, "csrf").expect("the sign-out form's token");
        Ok(s)
    }

    pub async fn get(&self, path: &str) -> (reqwest::StatusCode, String) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, &self.cookie)
            .send()
            .await
            .expect("GET");
        (resp.status(), resp.text().await.expect("body"))
    }

    /// POSTs an urlencoded form as given (add `("csrf", &s.csrf)` to carry the token).
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (reqwest::StatusCode, String) {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, &self.cookie)
            .form(form)
            .send()
            .await
            .expect("POST");
        (resp.status(), resp.text().await.expect("body"))
    }
}

/// Chooses `value` in the select `css`.
pub async fn choose(c: &Client, css: &str, value: &str) {
    let select = c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    select.select_by_value(value).await.unwrap_or_else(|e| panic!("{css} = {value}: {e}"));
}

/// Clicks `css`, accepts the confirmation the page asks for, and waits for the next page.
pub async fn click_confirmed(c: &Client, css: &str) {
    let old = c.find(Locator::Css("#main")).await.expect("a page with #main");
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).click().await.expect("click");
    c.accept_alert().await.expect("the confirmation");
    wait_replaced(c, old).await;
}
