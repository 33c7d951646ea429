//! Notices that could not be delivered (`/staff/console/notices`, 未送达通知): what the notify
//! role gave up on, the latest first, each with its request (a link to its page), who it was
//! for, by what, what it said, how many tries and why, so a supervisor can have that citizen or
//! bureau reached another way. The same list as `GET /api/v1/notifications/undelivered`; never
//! an address.

use axum::http::StatusCode;
use axum::response::Response;
use jiesu_domain::district::District;
use jiesu_domain::notices::Audience;
use jiesu_domain::ports::{Accounts, Cases, Notifications, Store, Undelivered};
use jiesu_words::Lang;
use jiesu_words::history::{audience_name, topic_name, via_name};
use jiesu_words::time::local_time;
use maud::{Markup, html};

use super::console::Supervisor;
use super::layout::{self, Section};
use super::{State, words};

/// Who a notice was for, as a table cell says it (capitalized in English).
fn audience_cell(d: &District, audience: &Audience, lang: Lang) -> String {
    let name = audience_name(d, audience, lang);
    let mut chars = name.chars();
    chars.next().map_or(String::new(), |first| first.to_uppercase().chain(chars).collect())
}

/// Why it was given up, in words where the code is a common one; the code itself beside.
fn reason(code: Option<&str>, lang: Lang) -> String {
    let Some(code) = code else { return String::new() };
    let words = match code {
        "no_address" => Some(lang.pick("诉求未留联系方式", "no contact on the request")),
        "http_503" | "timeout" | "unreachable" | "answer_unreadable" => {
            Some(lang.pick("网关多次无法连通", "the gateway could not be reached"))
        }
        "isv.MOBILE_NUMBER_ILLEGAL" | "InvalidParameterValue.IncorrectPhoneNumber" => {
            Some(lang.pick("手机号码无效", "not a valid phone number"))
        }
        "no_template" | "template_params" | "not_carried" => {
            Some(lang.pick("消息模板配置有误", "the message templates are misconfigured"))
        }
        "no_recipient" | "81013" => {
            Some(lang.pick("企业微信通讯录中没有该单位的收件人", "nobody in the 企业微信 directory for them"))
        }
        "43004" | "43101" => {
            Some(lang.pick("诉求人已取消关注或拒收公众号消息", "the citizen unfollowed the account"))
        }
        "45015" => {
            Some(lang.pick("已超出微信客服消息的48小时回复时限", "past WeChat's 48-hour reply window"))
        }
        c if c.starts_with("token_") => {
            Some(lang.pick("微信/企业微信的凭证获取失败，请检查配置", "the platform refused our credentials"))
        }
        _ => None,
    };
    match words {
        Some(w) => format!("{w}（{code}）"),
        None => code.to_owned(),
    }
}

/// The columns' names: the table's head, and each cell's label when a phone shows a row as a card.
fn columns(lang: Lang) -> [&'static str; 7] {
    [
        lang.pick("停止时间", "Given up"),
        lang.pick("诉求", "Request"),
        lang.pick("对象", "For"),
        lang.pick("方式", "By"),
        lang.pick("内容", "About"),
        lang.pick("尝试", "Tries"),
        lang.pick("原因", "Why"),
    ]
}

fn row(d: &District, lang: Lang, u: &Undelivered) -> Markup {
    let n = &u.notice;
    let now = jiesu_domain::time::now();
    let tracking = u.tracking.as_str();
    let [at, request, whom, by, about, tries, why] = columns(lang);
    html! {
        tr {
            td data-label=(at) { (n.settled_at.map(|t| local_time(t, now, lang)).unwrap_or_default()) }
            td data-label=(request) { a href={ "/staff/requests/" (tracking) } { (u.tracking.grouped()) } }
            td data-label=(whom) { (audience_cell(d, &n.audience, lang)) }
            td data-label=(by) { (via_name(n.via, lang)) }
            td data-label=(about) { (topic_name(n.topic.key(), lang)) }
            td data-label=(tries) { (n.attempts) }
            td.small data-label=(why) { (reason(n.last_error.as_deref(), lang)) }
        }
    }
}

/// `GET /staff/console/notices`.
pub(crate) async fn list<S: Store + Cases + Accounts + Notifications>(
    axum::extract::State(pages): State<S>,
    Supervisor(viewer): Supervisor<S>,
) -> Response {
    let lang = viewer.lang;
    let rows = match pages.work.workflow.store().given_up_notifications(crate::work::notices::LIMIT).await {
        Ok(rows) => rows,
        Err(e) => {
            let e = crate::ApiError::from(e);
            return layout::error_page(lang, e.status, &words::refusal(&e, lang));
        }
    };
    let d = pages.work.workflow.district();
    let body = html! {
        p { a href="/staff/console" hx-boost="false" { (lang.pick("← 返回督办台", "← Back to the console")) } }
        h1 { (lang.pick("未送达的通知", "Notices not delivered")) }
        p.muted.small { (lang.pick(
            "短信等通知多次发送失败或被网关拒收后停止重试，列在这里（最近的在前），请安排电话等其他方式告知。",
            "Notices the gateways refused for good, or that failed every try, latest first: reach these people another way.",
        )) }
        @if rows.is_empty() {
            p.card.muted #empty { (lang.pick("没有未送达的通知。", "Every notice was delivered.")) }
        } @else {
            div.table-wrap tabindex="0" role="region" aria-label=(lang.pick("未送达的通知", "Notices not delivered")) {
                table.list.stack #undelivered {
                    thead { tr { @for c in columns(lang) { th scope="col" { (c) } } } }
                    tbody { @for u in &rows { (row(&d, lang, u)) } }
                }
            }
        }
    };
    let title = lang.pick("未送达的通知", "Notices not delivered");
    layout::respond(StatusCode::OK, layout::page(viewer.chrome(), Section::Console, title, body))
}
