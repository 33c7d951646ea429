//! Notices in words (issue 16): what a citizen's SMS or WeChat message and a clerk's 企业微信
//! message say, in Chinese or English. Plain words, local times, the tracking number the
//! citizen asks by; never an internal id, a phone number or an OpenID.

use chrono::{DateTime, Utc};
use jiesu_domain::district::District;
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::notices::Topic;
use jiesu_domain::task::TaskRole;

use crate::Lang;
use crate::names::bureau_name;
use crate::time::local_time;

/// The notice's text for `topic` about the request `tracking`, as of `now` (for the times).
pub fn notice_text(
    topic: &Topic,
    tracking: &TrackingNumber,
    d: &District,
    now: DateTime<Utc>,
    lang: Lang,
) -> String {
    let n = tracking.grouped();
    let b = |code| bureau_name(d, code, lang);
    let at = |t: &DateTime<Utc>| local_time(*t, now, lang);
    match (topic, lang) {
        (Topic::Received, Lang::Zh) => format!("您的诉求已受理，工单编号 {n}，可凭编号查询办理进度。"),
        (Topic::Received, Lang::En) => {
            format!("Your request was received. Its number is {n}: use it to follow its progress.")
        }
        (Topic::Dispatched { bureau }, Lang::Zh) => format!("您的诉求（{n}）已交由{}办理。", b(bureau)),
        (Topic::Dispatched { bureau }, Lang::En) => {
            format!("Your request {n} has gone to {} to handle.", b(bureau))
        }
        (Topic::Coordinating { at: t }, Lang::Zh) => {
            format!(
                "您的诉求（{n}）涉及多个部门，区民生诉求服务中心已召集协调会（{}），会后将明确办理单位。",
                at(t)
            )
        }
        (Topic::Coordinating { at: t }, Lang::En) => format!(
            "Your request {n} concerns several departments: a coordination meeting is called for {}, to settle who handles it.",
            at(t)
        ),
        (Topic::Resolved, Lang::Zh) => format!("您的诉求（{n}）已办结，请对办理结果进行评价。"),
        (Topic::Resolved, Lang::En) => {
            format!("Your request {n} has been resolved. Please tell us how it was handled.")
        }
        (Topic::Reopened, Lang::Zh) => format!("您的诉求（{n}）已退回承办单位重新办理。"),
        (Topic::Reopened, Lang::En) => format!("Your request {n} has been sent back to be handled again."),
        (Topic::Closed, Lang::Zh) => format!("您的诉求（{n}）已结案，感谢您的反映。"),
        (Topic::Closed, Lang::En) => format!("Your request {n} is closed. Thank you for reporting it."),
        (Topic::NewTask { role, .. }, _) => {
            let lead = *role == TaskRole::Lead;
            match lang {
                Lang::Zh => format!("新{}任务：工单 {n}，请及时签收。", if lead { "主办" } else { "协办" }),
                Lang::En => format!(
                    "A new task {} for your bureau: request {n}. Please claim it.",
                    if lead { "to lead" } else { "to assist with" }
                ),
            }
        }
        (Topic::DeadlineNear { kind, due_at }, _) => {
            let what = lang.pick(kind.name_zh(), kind.as_str());
            match lang {
                Lang::Zh => format!("工单 {n} 的{what}时限将到（{}），请抓紧办理。", at(due_at)),
                Lang::En => {
                    format!("The {what} deadline on request {n} is near ({}): please act on it.", at(due_at))
                }
            }
        }
        (Topic::MissedDeadline { bureau, kind, due_at }, _) => {
            let what = lang.pick(kind.name_zh(), kind.as_str());
            match lang {
                Lang::Zh => format!("{}的{what}时限（{}）已过：工单 {n}。", b(bureau), at(due_at)),
                Lang::En => {
                    format!("{} missed its {what} deadline ({}) on request {n}.", b(bureau), at(due_at))
                }
            }
        }
        (Topic::Meeting { at: t, changed: false, .. }, Lang::Zh) => {
            format!("协调会邀请：工单 {n}，{}。", at(t))
        }
        (Topic::Meeting { at: t, changed: false, .. }, Lang::En) => {
            format!("Coordination meeting on request {n}: {}.", at(t))
        }
        (Topic::Meeting { at: t, changed: true, .. }, Lang::Zh) => {
            format!("协调会改期：工单 {n}，改为 {}。", at(t))
        }
        (Topic::Meeting { at: t, changed: true, .. }, Lang::En) => {
            format!("The coordination meeting on request {n} moved to {}.", at(t))
        }
        (Topic::ExtensionDecided { approved, .. }, Lang::Zh) => {
            format!("工单 {n} 的延期申请{}。", if *approved { "已批准" } else { "未获批准" })
        }
        (Topic::ExtensionDecided { approved, .. }, Lang::En) => {
            format!(
                "The extension asked on request {n} was {}.",
                if *approved { "approved" } else { "refused" }
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use jiesu_domain::bureau::BureauCode;
    use jiesu_domain::ids::{ExtensionId, MeetingId, TaskId};
    use jiesu_domain::sla::DeadlineKind;

    #[test]
    fn every_notice_names_the_request_by_its_number_in_plain_words_and_no_id() {
        let d = jiesu_testkit::fixtures::district();
        let tracking = TrackingNumber::parse("7ECP7JH1T9EW").expect("number");
        let now = noon();
        let water = BureauCode::parse("water").expect("code");
        let task = TaskId::generate();
        let meeting = MeetingId::generate();
        let extension = ExtensionId::generate();
        let topics = [
            Topic::Received,
            Topic::Dispatched { bureau: water.clone() },
            Topic::Coordinating { at: now },
            Topic::Resolved,
            Topic::Reopened,
            Topic::Closed,
            Topic::NewTask { task, role: TaskRole::Lead },
            Topic::MissedDeadline { bureau: water, kind: DeadlineKind::Response, due_at: now },
            Topic::Meeting { meeting, at: now, changed: true },
            Topic::ExtensionDecided { extension, approved: true },
        ];
        for t in &topics {
            for lang in [Lang::Zh, Lang::En] {
                let text = notice_text(t, &tracking, d, now, lang);
                assert!(text.contains("7ECP-7JH1-T9EW"), "{text}");
                for id in [task.to_string(), meeting.to_string(), extension.to_string()] {
                    assert!(!text.contains(&id), "no internal id: {text}");
                }
                assert!(!text.contains("water"), "a bureau by its name, not its code: {text}");
            }
        }
        assert_eq!(
            notice_text(&Topic::Coordinating { at: now }, &tracking, d, now, Lang::Zh),
            "您的诉求（7ECP-7JH1-T9EW）涉及多个部门，区民生诉求服务中心已召集协调会（12月7日 12:00），会后将明确办理单位。"
        );
    }

    fn noon() -> DateTime<Utc> {
        jiesu_domain::time::LOCAL
            .with_ymd_and_hms(2026, 12, 7, 12, 0, 0)
            .single()
            .expect("time")
            .with_timezone(&Utc)
    }
}
