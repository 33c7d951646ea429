//! The citizen's side of the tracking page: looking a request up with the phone digits, and
//! answering the return visit with the link the page gives.

use reqwest::StatusCode;

/// The tracking page for `tracking`, proven with the phone's last four digits.
pub async fn track(base: &str, tracking: &str, last4: &str) -> (StatusCode, String) {
    let resp = reqwest::Client::new()
        .post(format!("{base}/track"))
        .form(&[("n", tracking), ("last4", last4)])
        .send()
        .await
        .expect("POST /track");
    (resp.status(), resp.text().await.expect("page"))
}

/// The return-visit secret (`k`) in a tracking page's return-visit link, if the page has one.
pub fn visit_secret(page: &str) -> Option<String> {
    let at = page.find("/track/visit?n=")?;
    let rest = &page[at..];
    let k = &rest[rest.find("k=")? + 2..];
    let end = k.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(k.len());
    Some(k[..end].to_owned())
}

/// The return visit as the citizen gives it: the secret from their tracking page (proven with
/// `last4`), then the form posted with it and `answers`.
pub async fn give_visit(
    base: &str,
    tracking: &str,
    last4: &str,
    answers: &[(&str, &str)],
) -> (StatusCode, String) {
    let (status, page) = track(base, tracking, last4).await;
    assert_eq!(status, StatusCode::OK, "the tracking page: {page}");
    let k = visit_secret(&page).unwrap_or_else(|| panic!("no return-visit link on the page: {page}"));
    post_visit(base, &[&[("n", tracking), ("k", k.as_str())], answers].concat()).await
}

/// Posts the return-visit form as given.
pub async fn post_visit(base: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let resp = reqwest::Client::new()
        .post(format!("{base}/track/visit"))
        .form(form)
        .send()
        .await
        .expect("POST /track/visit");
    (resp.status(), resp.text().await.expect("page"))
}

/// Reports a request on the web form (as its multipart POST), with the phone 138 1234 5678, in
/// Pingshan street; answers the tracking number.
pub async fn report_on_web(base: &str, category: &str) -> String {
    let form = reqwest::multipart::Form::new()
        .text("form_token", uuid::Uuid::now_v7().to_string())
        .text("category", category.to_owned())
        .text("kind", "help")
        .text("description", "六联路口排水管道堵塞，下雨天积水很深")
        .text("address", "坪山街道六联路口")
        .text("lat", "22.6967")
        .text("lon", "114.3465")
        .text("phone", "13812345678");
    let resp = reqwest::Client::new()
        .post(format!("{base}/requests"))
        .multipart(form)
        .send()
        .await
        .expect("POST /requests");
    assert_eq!(resp.status(), StatusCode::OK, "the form is accepted");
    let page = resp.text().await.expect("page");
    let at = page.find("id=\"tracking\">").expect("the received page") + "id=\"tracking\">".len();
    page[at..at + 14].replace('-', "")
}

/// Asks a consultation (咨询) on the web form, under `category`, in Liulian community, with no
/// phone; answers its tracking number.
pub async fn ask_on_web(base: &str, category: &str, question: &str) -> String {
    let form = reqwest::multipart::Form::new()
        .text("form_token", uuid::Uuid::now_v7().to_string())
        .text("category", category.to_owned())
        .text("kind", "consultation")
        .text("description", question.to_owned())
        .text("address", "坪山街道六联社区");
    let resp =
        reqwest::Client::new().post(format!("{base}/requests")).multipart(form).send().await.expect("POST");
    assert_eq!(resp.status(), StatusCode::OK, "the form is accepted");
    let page = resp.text().await.expect("page");
    let at = page.find("id=\"tracking\">").expect("the received page") + "id=\"tracking\">".len();
    page[at..at + 14].replace('-', "")
}
