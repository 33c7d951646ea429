//! `GET/POST /staff/notifications`: how a staff member hears of their notices (new tasks,
//! deadlines, meetings, extensions): 企业微信 (the default), an email at once, one email a day
//! with the day's notices, or nothing (they read the inbox). Everyone sets their own; the notify
//! role reads the choice when it records and when it sends.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiesu_domain::notice::{EmailAddress, NoticePrefs, StaffNotices};
use jiesu_domain::ports::{Accounts, Cases, Notifications, Store};
use jiesu_words::Lang;
use maud::{Markup, html};
use serde::Deserialize;

use super::State;
use super::layout::{self, Section, flash};
use super::session::{Checked, Viewer};

fn choice(how: StaffNotices, lang: Lang) -> (&'static str, &'static str) {
    match how {
        StaffNotices::WeCom => (
            lang.pick("企业微信（政务微信）", "WeCom (政务微信)"),
            lang.pick("每条通知即时推送到企业微信。", "Each notice at once, in WeCom."),
        ),
        StaffNotices::Email => (
            lang.pick("邮件，即时", "Email, at once"),
            lang.pick("每条通知即时发到邮箱。", "Each notice at once, by email."),
        ),
        StaffNotices::Digest => (
            lang.pick("邮件，每日汇总", "Email, a daily digest"),
            lang.pick(
                "每天一封邮件，汇总前一天以来的通知。",
                "One email a day listing the notices since the last.",
            ),
        ),
        StaffNotices::Off => (
            lang.pick("不接收", "None"),
            lang.pick("不发通知，我自己查看待办。", "No notices: I check my inbox myself."),
        ),
    }
}

fn page<S>(v: &Viewer<S>, prefs: &NoticePrefs, notice: Option<Markup>) -> Markup {
    let lang = v.lang;
    let body = html! {
        div.card.narrow {
            h1 { (lang.pick("通知方式", "How I am notified")) }
            p.muted { (v.me.username.as_str()) }
            @if let Some(n) = notice { (n) }
            form #notice-settings method="post" action="/staff/notifications" {
                input type="hidden" name="csrf" value=(v.csrf.as_str());
                fieldset {
                    legend { (lang.pick("新任务、时限预警、协调会、延期审批等通知", "New tasks, deadline warnings, meetings, extension decisions")) }
                    @for how in StaffNotices::ALL {
                        @let (name, hint) = choice(how, lang);
                        div.choice {
                            input type="radio" name="how" id={ "how-" (how.as_str()) } value=(how.as_str())
                                checked[prefs.how == how] aria-describedby={ "how-" (how.as_str()) "-hint" };
                            label for={ "how-" (how.as_str()) } { (name) }
                            span.hint id={ "how-" (how.as_str()) "-hint" } { (hint) }
                        }
                    }
                }
                label for="notice-email" { (lang.pick("邮箱（选择邮件时必填）", "Email (needed for email)")) }
                input type="email" id="notice-email" name="email" maxlength="254" autocomplete="email"
                    value=[prefs.email.as_ref().map(EmailAddress::as_str)];
                label for="notice-wecom" { (lang.pick("企业微信账号（与用户名不同时填写）", "WeCom account (if not your username)")) }
                input type="text" id="notice-wecom" name="wecom_id" maxlength="64" autocomplete="off"
                    value=[prefs.wecom_id.as_deref()];
                div.actions { button #save-notices type="submit" { (lang.pick("保存", "Save")) } }
            }
            p { a href="/staff/password" { (lang.pick("修改密码", "Change password")) } }
        }
    };
    layout::page(v.chrome(), Section::Account, lang.pick("通知方式", "How I am notified"), body)
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Saved {
    saved: Option<String>,
}

/// `GET /staff/notifications`.
pub(crate) async fn show<S: Store + Cases + Accounts + Notifications>(
    axum::extract::State(pages): State<S>,
    viewer: Viewer<S>,
    Query(q): Query<Saved>,
) -> Response {
    let lang = viewer.lang;
    let notice = q.saved.map(|_| flash("ok", lang.pick("已保存。", "Saved.")));
    match pages.work.workflow.store().notice_prefs(viewer.me.user_id).await {
        Ok(prefs) => layout::respond(StatusCode::OK, page(&viewer, &prefs, notice)),
        Err(e) => unwell(&viewer, &e),
    }
}

fn unwell<S>(viewer: &Viewer<S>, e: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %e, "cannot read or save notice settings");
    let lang = viewer.lang;
    layout::error_page(
        lang,
        StatusCode::SERVICE_UNAVAILABLE,
        lang.pick(
            "暂时无法读取或保存通知方式，请稍后再试。",
            "Your settings cannot be read or saved just now; try again shortly.",
        ),
    )
}

#[derive(Debug, Deserialize)]
pub(crate) struct Form {
    #[serde(default)]
    how: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    wecom_id: String,
}

/// `POST /staff/notifications`.
pub(crate) async fn save<S: Store + Cases + Accounts + Notifications>(
    axum::extract::State(pages): State<S>,
    checked: Checked<S, Form>,
) -> Response {
    let Checked { viewer, form } = checked;
    let lang = viewer.lang;
    let how = StaffNotices::parse(&form.how).unwrap_or_default();
    let email = match form.email.trim() {
        "" => None,
        raw => match EmailAddress::parse(raw) {
            Ok(e) => Some(e),
            Err(_) => {
                return refuse(
                    &viewer,
                    how,
                    lang.pick(
                        "邮箱格式不对，例如 li.lei@pingshan.gov.cn。",
                        "That is not an email address, e.g. li.lei@pingshan.gov.cn.",
                    ),
                );
            }
        },
    };
    if how.by_email() && email.is_none() {
        return refuse(
            &viewer,
            how,
            lang.pick("选择邮件时请填写邮箱。", "Give an email address to be notified by email."),
        );
    }
    let wecom_id = Some(form.wecom_id.trim().to_owned()).filter(|w| !w.is_empty() && w.len() <= 64);
    let prefs = NoticePrefs { how, email, wecom_id };
    let store = pages.work.workflow.store();
    match store.set_notice_prefs(viewer.me.user_id, &prefs, jiesu_domain::time::now()).await {
        Ok(()) => Redirect::to("/staff/notifications?saved=1").into_response(),
        Err(e) => unwell(&viewer, &e),
    }
}

/// The form again with what was chosen and why it was not saved.
fn refuse<S>(viewer: &Viewer<S>, how: StaffNotices, why: &str) -> Response {
    let prefs = NoticePrefs { how, ..NoticePrefs::default() };
    layout::respond(StatusCode::BAD_REQUEST, page(viewer, &prefs, Some(flash("error", why))))
}
