//! Escalations and coordination meetings in words. The public sees that the request was escalated
//! and a meeting settled it; staff also see reminders, levels and who was invited.

use jiesu_domain::district::District;
use jiesu_domain::event::{EventKind, ReminderTo};

use crate::Lang;
use crate::names::bureau_name;

fn time(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&jiesu_domain::time::LOCAL).format("%Y-%m-%d %H:%M").to_string()
}

pub(super) fn sentence(kind: &EventKind, d: &District, lang: Lang, full: bool) -> String {
    let b = |code| bureau_name(d, code, lang);
    let zh = lang == Lang::Zh;
    match kind {
        EventKind::DeadlineApproaching { bureau, kind, due_at, .. } => {
            if zh {
                format!("{}{}时限（{}）将到，已预警", b(bureau), kind.name_zh(), time(due_at))
            } else {
                format!(
                    "{}'s {} deadline ({}) is near; the bureau was warned",
                    b(bureau),
                    kind.as_str(),
                    time(due_at)
                )
            }
        }
        EventKind::DeadlineReminder { bureau, kind, due_at, to, .. } => {
            let who = match (to, zh) {
                (ReminderTo::BureauAdmins { .. }, true) => "提醒单位管理员",
                (ReminderTo::Supervisors, true) => "提醒督办人员",
                (ReminderTo::Desk, true) => "提醒分拨员",
                (ReminderTo::BureauAdmins { .. }, false) => "its administrators reminded",
                (ReminderTo::Supervisors, false) => "supervisors reminded",
                (ReminderTo::Desk, false) => "the desk reminded",
            };
            if zh {
                format!("{}{}时限（{}）已过，{who}", b(bureau), kind.name_zh(), time(due_at))
            } else {
                format!("{}'s {} deadline ({}) passed; {who}", b(bureau), kind.as_str(), time(due_at))
            }
        }
        EventKind::DeskReminder { kind, due_at, to, .. } => {
            let who = match (to, zh) {
                (ReminderTo::Supervisors, true) => "提醒督办人员",
                (_, true) => "提醒分拨员",
                (ReminderTo::Supervisors, false) => "supervisors reminded",
                (_, false) => "the desk reminded",
            };
            if zh {
                format!(
                    "分拨台{}时限（{}）已过，{who}",
                    crate::names::desk_clock_name(*kind, lang),
                    time(due_at)
                )
            } else {
                format!(
                    "The desk's deadline to {} ({}) passed; {who}",
                    crate::names::desk_clock_name(*kind, lang),
                    time(due_at)
                )
            }
        }
        EventKind::EscalationOpened { trigger, level, owner, linked, .. } => {
            let owner = owner.as_ref().map(b).unwrap_or_default();
            match (zh, full) {
                (true, true) => format!(
                    "升级（{}）至{}级：{owner}，关联工单{}件",
                    trigger.name_zh(),
                    level.name_zh(),
                    linked.len()
                ),
                (true, false) => "已升级处理".to_owned(),
                (false, true) => {
                    format!("Escalated ({}) at {} level: {owner}", trigger.as_str(), level.as_str())
                }
                (false, false) => "Escalated".to_owned(),
            }
        }
        EventKind::HotspotLinked { linked, .. } => match (zh, full) {
            (true, true) => format!("附近{}件同类诉求并入热点问题", linked.len()),
            (true, false) => "附近同类诉求已关联处理".to_owned(),
            (false, true) => format!("{} more requests nearby linked to the hotspot", linked.len()),
            (false, false) => "Similar requests nearby were linked to this one".to_owned(),
        },
        EventKind::EscalationRaised { level, owner, .. } => {
            let owner = owner.as_ref().map(b).unwrap_or_default();
            if zh {
                format!("升级至{}级：{owner}", level.name_zh())
            } else {
                format!("Raised to {} level: {owner}", level.as_str())
            }
        }
        EventKind::EscalationOverdue { .. } => lang
            .pick("协调未能按时作出决定，提请督办", "Not settled in time; referred to the supervisors")
            .to_owned(),
        EventKind::EscalationClosed { outcome, .. } => match (outcome.as_str(), zh) {
            ("dismissed", true) => "督办人员撤销升级".to_owned(),
            ("dismissed", false) => "A supervisor closed the escalation".to_owned(),
            (_, true) => "升级事项已了结".to_owned(),
            (_, false) => "The escalation is settled".to_owned(),
        },
        EventKind::MeetingCalled { convener, scheduled_at, invitees, .. } => {
            if zh {
                format!("{}召集协调会，定于{}，邀请{}个单位", b(convener), time(scheduled_at), invitees.len())
            } else {
                format!(
                    "{} called a coordination meeting for {}, {} bureaus invited",
                    b(convener),
                    time(scheduled_at),
                    invitees.len()
                )
            }
        }
        EventKind::MeetingConfirmed { bureau, .. } => {
            if zh {
                format!("{}确认参会", b(bureau))
            } else {
                format!("{} will attend", b(bureau))
            }
        }
        EventKind::MeetingRescheduled { scheduled_at, .. } => {
            if zh {
                format!("协调会改期至{}", time(scheduled_at))
            } else {
                format!("The meeting moved to {}", time(scheduled_at))
            }
        }
        EventKind::MeetingDecided { lead, assists, .. } => {
            let names: Vec<String> = assists.iter().map(b).collect();
            match (zh, names.is_empty()) {
                (true, true) => format!("协调会决定：{}主办", b(lead)),
                (true, false) => format!("协调会决定：{}主办，{}协办", b(lead), names.join("、")),
                (false, true) => format!("The meeting decided: {} leads", b(lead)),
                (false, false) => {
                    format!("The meeting decided: {} leads, {} assist", b(lead), names.join(", "))
                }
            }
        }
        EventKind::MeetingLapsed { .. } => {
            lang.pick("协调会未按时作出决定", "The meeting did not decide in time").to_owned()
        }
        EventKind::RuleProposed { lead, .. } => {
            if zh {
                format!("建议将此类问题写入职责清单，由{}主办", b(lead))
            } else {
                format!("A responsibility-list rule is proposed: {} leads", b(lead))
            }
        }
        other => other.name().to_owned(),
    }
}
