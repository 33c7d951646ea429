//! The workflow's events in words: claims, progress, results, disclaims, decisions, visits, and
//! the supervisors' decisions on the rules coordination meetings propose.
//! With `full` false (the public's view), reasons, notes and staff decisions are left out.

use crate::Lang;
use crate::names::{bureau_name, role_name};
use jiesu_domain::district::District;
use jiesu_domain::event::{AssignedWhy, AwaitReason, EventKind};
use jiesu_domain::workflow::ExemptionKind;

fn with_note(base: String, note: Option<&str>, full: bool, lang: Lang) -> String {
    match note {
        Some(n) if full => format!("{base}{}{n}", lang.pick("：", ": ")),
        _ => base,
    }
}

pub(super) fn sentence(kind: &EventKind, d: &District, lang: Lang, full: bool) -> String {
    let b = |code| bureau_name(d, code, lang);
    let zh = lang == Lang::Zh;
    match kind {
        EventKind::TaskAssigned { bureau, role: r, why, .. } => {
            let (why_zh, why_en, note) = match why {
                AssignedWhy::Operator { note } => {
                    ("分拨中心指派", "assigned by the dispatch desk", note.as_ref())
                }
                AssignedWhy::Transfer { note, .. } => {
                    ("分拨中心改派", "transferred by the dispatch desk", note.as_ref())
                }
                AssignedWhy::Assist { note } => ("增加协办单位", "brought in to assist", note.as_ref()),
                AssignedWhy::Reopened => ("重办", "reopened", None),
                AssignedWhy::Meeting { scope, .. } => {
                    ("协调会决定", "by a coordination meeting's decision", Some(scope))
                }
            };
            let base = if zh {
                format!("{why_zh}：{}（{}）", b(bureau), role_name(*r, lang))
            } else {
                format!("{} ({}) {why_en}", b(bureau), role_name(*r, lang))
            };
            with_note(base, note.map(|n| n.as_str()), full, lang)
        }
        EventKind::RequestAwaitingOperator { reason } => match (reason, zh) {
            (AwaitReason::Unplaced, true) => "未能定位，转分拨中心人工分拨".into(),
            (AwaitReason::Unplaced, false) => "Could not be placed; waiting for the dispatch desk".into(),
            (AwaitReason::DisclaimReview, true) => "承办单位申请退单，待分拨中心审核".into(),
            (AwaitReason::DisclaimReview, false) => {
                "The bureau asked to send it back; the dispatch desk reviews".into()
            }
        },
        EventKind::TaskClaimed { bureau } => {
            if zh {
                format!("{}已签收", b(bureau))
            } else {
                format!("{} claimed it", b(bureau))
            }
        }
        EventKind::TaskProgressed { bureau, note, .. } => {
            let base = if zh {
                format!("{}反馈办理进展", b(bureau))
            } else {
                format!("{} reported progress", b(bureau))
            };
            with_note(base, Some(note.as_str()), full, lang)
        }
        // The result is the citizen's answer: everyone sees it.
        EventKind::TaskResolved { bureau, result, .. } => {
            let base =
                if zh { format!("{}已办结", b(bureau)) } else { format!("{} resolved it", b(bureau)) };
            with_note(base, Some(result.as_str()), true, lang)
        }
        EventKind::TaskDisclaimed { bureau, reason, explanation, .. } => {
            if !full {
                return if zh {
                    format!("{}退回，重新分拨", b(bureau))
                } else {
                    format!("{} sent it back", b(bureau))
                };
            }
            if zh {
                format!("{}退单（{}）：{}", b(bureau), reason.name_zh(), explanation)
            } else {
                format!("{} disclaimed it ({}): {}", b(bureau), reason.as_str(), explanation)
            }
        }
        EventKind::DisclaimReviewed { bureau, accepted, note } => {
            let base = match (accepted, zh) {
                (true, true) => format!("分拨中心同意{}退单", b(bureau)),
                (false, true) => format!("分拨中心不同意{}退单，由其继续办理", b(bureau)),
                (true, false) => format!("The dispatch desk accepted {}'s disclaim", b(bureau)),
                (false, false) => {
                    format!("The dispatch desk refused {}'s disclaim; it keeps the task", b(bureau))
                }
            };
            with_note(base, note.as_ref().map(|n| n.as_str()), full, lang)
        }
        EventKind::TaskCancelled { bureau } => {
            if zh {
                format!("{}的任务已撤回", b(bureau))
            } else {
                format!("{}'s task was withdrawn", b(bureau))
            }
        }
        EventKind::TaskReleased { bureau, note } => {
            let base = if zh {
                format!("{}不再协办", b(bureau))
            } else {
                format!("{} no longer assists", b(bureau))
            };
            with_note(base, note.as_ref().map(|n| n.as_str()), full, lang)
        }
        EventKind::RequestEscalated { disclaimed, .. } => {
            if zh {
                format!("{}个单位均认为不属本单位职责，提请协调", disclaimed.len())
            } else {
                format!(
                    "All {} candidate bureaus disclaimed it; escalated for coordination",
                    disclaimed.len()
                )
            }
        }
        EventKind::ExtensionRequested { bureau, days, reason, .. } => {
            let base = if zh {
                format!("{}申请延期{days}个工作日", b(bureau))
            } else {
                format!("{} asked for {days} more working days", b(bureau))
            };
            with_note(base, Some(reason.as_str()), full, lang)
        }
        EventKind::ExtensionDecided { bureau, approved, new_due, note, .. } => {
            let due = new_due
                .map(|t| t.with_timezone(&jiesu_domain::time::LOCAL).format("%Y-%m-%d %H:%M").to_string());
            let base = match (approved, zh) {
                (true, true) => {
                    format!("{}的延期申请已批准，办结时限延至{}", b(bureau), due.unwrap_or_default())
                }
                (false, true) => format!("{}的延期申请未获批准", b(bureau)),
                (true, false) => {
                    format!("{}'s extension approved; due {}", b(bureau), due.unwrap_or_default())
                }
                (false, false) => format!("{}'s extension refused", b(bureau)),
            };
            with_note(base, note.as_ref().map(|n| n.as_str()), full, lang)
        }
        EventKind::ExemptionRequested { bureau, exemption_kind, reason, .. } => {
            match (exemption_kind, zh) {
                (ExemptionKind::Appeal, true) => with_note(
                    format!("{}对回访结果提出申诉，待审核", b(bureau)),
                    Some(reason.as_str()),
                    full,
                    lang,
                ),
                (ExemptionKind::Appeal, false) => with_note(
                    format!("{} appealed the return visit; under review", b(bureau)),
                    Some(reason.as_str()),
                    full,
                    lang,
                ),
                // A final reply is addressed to the citizen: everyone reads it.
                (ExemptionKind::FinalReply, true) => format!("{}作出最终答复（待审核）：{reason}", b(bureau)),
                (ExemptionKind::FinalReply, false) => {
                    format!("{} gave its final reply (under review): {reason}", b(bureau))
                }
            }
        }
        EventKind::ExemptionDecided { exemption_kind, granted, note, .. } => {
            let base = match (exemption_kind, granted, zh) {
                (ExemptionKind::Appeal, true, true) => "经审核，申诉成立，不计入承办单位考核",
                (ExemptionKind::Appeal, false, true) => "经审核，申诉不成立",
                (ExemptionKind::FinalReply, true, true) => "最终答复经审核同意，诉求结案",
                (ExemptionKind::FinalReply, false, true) => "最终答复未获同意，继续办理",
                (ExemptionKind::Appeal, true, false) => "Appeal upheld: left out of the bureau's rates",
                (ExemptionKind::Appeal, false, false) => "Appeal rejected",
                (ExemptionKind::FinalReply, true, false) => "Final reply approved: the request is closed",
                (ExemptionKind::FinalReply, false, false) => "Final reply refused: work goes on",
            };
            with_note(base.to_owned(), Some(note.as_str()), full, lang)
        }
        EventKind::RequestResolved => {
            lang.pick("各承办单位均已办结，待结案审核", "Every bureau is done; closure review pending").into()
        }
        EventKind::ResolutionReviewed { approved, note } => {
            let base = match (approved, zh) {
                (true, true) => "结案审核通过，待回访".to_owned(),
                (false, true) => "结案审核未通过，退回承办单位".to_owned(),
                (true, false) => "Closure review passed; return visit pending".to_owned(),
                (false, false) => "Closure review sent it back to the bureau".to_owned(),
            };
            with_note(base, note.as_ref().map(|n| n.as_str()), full, lang)
        }
        EventKind::ReturnVisitRecorded { solved, satisfaction, stars, comment, by_phone } => {
            let how = match (by_phone, zh) {
                (true, true) => "电话回访",
                (false, true) => "市民评价",
                (true, false) => "Return visit by phone",
                (false, false) => "The citizen's answer",
            };
            let verdict = match (solved, zh) {
                (true, true) => "已解决",
                (false, true) => "未解决",
                (true, false) => "solved",
                (false, false) => "not solved",
            };
            let rating =
                satisfaction.map(|s| if zh { s.name_zh().to_owned() } else { s.as_str().replace('_', " ") });
            let mut base = match rating {
                Some(r) => format!("{how}{}{verdict}, {r}", lang.pick("：", ": ")),
                None => format!("{how}{}{verdict}", lang.pick("：", ": ")),
            };
            if let Some(s) = stars {
                base = format!("{base} {}", s.drawn());
            }
            with_note(base, comment.as_ref().map(|n| n.as_str()), full, lang)
        }
        EventKind::RequestReopened { bureau } => {
            if zh {
                format!("重办：退回{}重新办理", b(bureau))
            } else {
                format!("Reopened: back to {}", b(bureau))
            }
        }
        EventKind::RequestClosed => lang.pick("已结案", "Closed").into(),
        EventKind::PhoneRevealed => lang
            .pick("分拨员查看了来电号码，以便电话回访", "The desk read the caller's number to call back")
            .into(),
        EventKind::RuleAccepted { lead, edited, note, .. } => {
            let base = match (edited, zh) {
                (false, true) => format!("协调会议定的规则已纳入职责清单：此类诉求今后由{}主办", b(lead)),
                (true, true) => {
                    format!("协调会议定的规则经修改后纳入职责清单：此类诉求今后由{}主办", b(lead))
                }
                (false, false) => format!(
                    "The coordination meeting's rule is now in the responsibility list: {} leads such requests",
                    b(lead)
                ),
                (true, false) => format!(
                    "The coordination meeting's rule, edited, is now in the responsibility list: {} leads such requests",
                    b(lead)
                ),
            };
            with_note(base, note.as_ref().map(|n| n.as_str()), full, lang)
        }
        EventKind::RuleDeclined { note, .. } => {
            let base = lang.pick(
                "协调会提出的职责清单规则未获采纳",
                "The rule the coordination meeting proposed for the responsibility list was declined",
            );
            with_note(base.to_owned(), note.as_ref().map(|n| n.as_str()), full, lang)
        }
        // Described by the caller (received, routed, answered, dispatched), or by `escalation`.
        other => super::escalation::sentence(other, d, lang, full),
    }
}
