//! Notices in the history (issue 16): "短信已发送至 138****5678（受理通知）". The address is
//! already masked in the event; the public view leaves it out altogether, and the reason a notice
//! was given up (a gateway's code) is for staff only.

use jiesu_domain::district::District;
use jiesu_domain::event::EventKind;
use jiesu_domain::notice::Via;
use jiesu_domain::notices::Audience;

use crate::Lang;
use crate::names::bureau_name;

/// What a channel's messages are called.
pub fn via_name(via: Via, lang: Lang) -> &'static str {
    match via {
        Via::Sms => lang.pick("短信", "A text message"),
        Via::WeChat => lang.pick("微信消息", "A WeChat message"),
        Via::WeCom => lang.pick("企业微信消息", "A WeCom message"),
        Via::Email => lang.pick("邮件", "An email"),
        Via::Webhook => lang.pick("回调通知", "A webhook call"),
    }
}

/// What a notice of this topic is called (`Topic::key`).
pub fn topic_name(key: &str, lang: Lang) -> &str {
    match key {
        "received" => lang.pick("受理通知", "receipt"),
        "dispatched" => lang.pick("派单通知", "dispatch notice"),
        "coordinating" => lang.pick("协调通知", "coordination notice"),
        "resolved" => lang.pick("办结通知", "resolution notice"),
        "reopened" => lang.pick("重办通知", "reopening notice"),
        "closed" => lang.pick("结案通知", "closure notice"),
        "new_task" => lang.pick("新任务提醒", "new task"),
        "deadline_near" => lang.pick("时限预警", "deadline warning"),
        "missed_deadline" => lang.pick("超时提醒", "missed deadline"),
        "meeting" => lang.pick("协调会通知", "meeting notice"),
        "extension_decided" => lang.pick("延期审批结果", "extension decision"),
        other => other,
    }
}

/// Who a notice is for, as a sentence names them ("the citizen", "坪山区水务局管理员").
pub fn audience_name(d: &District, audience: &Audience, lang: Lang) -> String {
    match audience {
        Audience::Citizen => lang.pick("诉求人", "the citizen").to_owned(),
        Audience::Bureau(b) => bureau_name(d, b, lang),
        Audience::BureauAdmins(b) => match lang {
            Lang::Zh => format!("{}管理员", bureau_name(d, b, lang)),
            Lang::En => format!("the administrators of {}", bureau_name(d, b, lang)),
        },
        Audience::Supervisors => lang.pick("督办人员", "the supervisors").to_owned(),
        Audience::Desk => lang.pick("分拨中心", "the dispatch desk").to_owned(),
        Audience::Webhook(_) => lang.pick("接入系统的回调地址", "a client application's webhook").to_owned(),
        Audience::Person(u) => u.to_string(),
    }
}

/// Who it went to: the citizen's masked address, or the staff it was for.
fn recipient(audience: &str, to: Option<&str>, d: &District, lang: Lang, full: bool) -> String {
    match (Audience::parse(audience), to) {
        (Some(Audience::Citizen), Some(to)) if full => to.to_owned(),
        (Some(a), _) => audience_name(d, &a, lang),
        (None, _) => audience.to_owned(),
    }
}

/// A `NoticeSent` or `NoticeGivenUp` event in words (anything else: empty).
pub(super) fn sentence(kind: &EventKind, d: &District, lang: Lang, full: bool) -> String {
    let (via, audience, to, topic, error) = match kind {
        EventKind::NoticeSent { via, audience, to, topic } => (via, audience, to, topic, None),
        EventKind::NoticeGivenUp { via, audience, to, topic, error } => {
            (via, audience, to, topic, Some(error))
        }
        _ => return String::new(),
    };
    let whom = recipient(audience, to.as_deref(), d, lang, full);
    let (what, topic) = (via_name(*via, lang), topic_name(topic, lang));
    let opted_out = error.is_some_and(|e| e == jiesu_domain::ports::OPTED_OUT);
    match (error, lang) {
        (Some(_), Lang::Zh) if opted_out => format!("{what}未发送至{whom}（{topic}）：已退订"),
        (Some(_), Lang::En) if opted_out => format!("{what} to {whom} ({topic}) was not sent: opted out"),
        (None, Lang::Zh) => format!("{what}已发送至{whom}（{topic}）"),
        (None, Lang::En) => format!("{what} was sent to {whom} ({topic})"),
        (Some(e), Lang::Zh) => {
            let base = format!("{what}未能发送至{whom}（{topic}），已停止重试");
            if full { format!("{base}：{e}") } else { base }
        }
        (Some(e), Lang::En) => {
            let base = format!("{what} to {whom} ({topic}) could not be delivered; no more tries");
            if full { format!("{base}: {e}") } else { base }
        }
    }
}
