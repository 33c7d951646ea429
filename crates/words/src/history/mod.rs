//! A request's history in words, for people: Open311's `notes[]` and the citizens' tracking page
//! (`describe`: what the public may read), and the staff API (`describe_in_full`: with reasons,
//! notes and decisions, which stay inside the administration).

mod escalation;
mod notice;

pub use notice::{audience_name, topic_name, via_name};
mod workflow;

use jiesu_domain::district::District;
use jiesu_domain::event::{Event, EventKind};

use crate::Lang;
use crate::names::{area_name, bureau_name, category_name, channel_name, role_name, route_reason};

/// One event as a sentence for the citizen and the public: who handles it and what came of it,
/// not the bureaus' internal reasons and notes.
pub fn describe(e: &Event, d: &District, lang: Lang) -> String {
    sentence(e, d, lang, false)
}

/// One event as a sentence for staff, with the reasons, notes and decisions.
pub fn describe_in_full(e: &Event, d: &District, lang: Lang) -> String {
    sentence(e, d, lang, true)
}

fn sentence(e: &Event, d: &District, lang: Lang, full: bool) -> String {
    match (&e.kind, lang) {
        (EventKind::RequestReceived { channel, tracking, .. }, Lang::Zh) => {
            format!("通过{}受理，工单编号 {}", channel_name(*channel, lang), tracking.grouped())
        }
        (EventKind::RequestReceived { channel, tracking, .. }, Lang::En) => {
            format!(
                "Received through {}, tracking number {}",
                channel_name(*channel, lang),
                tracking.grouped()
            )
        }
        (EventKind::RequestRouted { placement, routing, .. }, _) => {
            let lead = routing.lead();
            let place = placement.as_ref().map(|p| area_name(d, p.area(), lang));
            match (lang, place) {
                (Lang::Zh, Some(p)) => format!(
                    "定位于{p}；按{}确定承办单位：{}",
                    route_reason(d, &lead.reason, lang),
                    bureau_name(d, &lead.bureau, lang)
                ),
                (Lang::Zh, None) => {
                    format!(
                        "按{}确定承办单位：{}",
                        route_reason(d, &lead.reason, lang),
                        bureau_name(d, &lead.bureau, lang)
                    )
                }
                (Lang::En, Some(p)) => format!(
                    "Placed in {p}; {} leads by {}",
                    bureau_name(d, &lead.bureau, lang),
                    route_reason(d, &lead.reason, lang)
                ),
                (Lang::En, None) => {
                    format!(
                        "{} leads by {}",
                        bureau_name(d, &lead.bureau, lang),
                        route_reason(d, &lead.reason, lang)
                    )
                }
            }
        }
        (EventKind::RequestRecategorized { from, to }, _) => {
            let name = |c: &jiesu_domain::category::CategoryCode| {
                category_name(d, c, lang).unwrap_or_else(|| c.to_string())
            };
            match (lang, from) {
                (Lang::Zh, Some(f)) => format!("分拨中心将问题分类由“{}”改为“{}”", name(f), name(to)),
                (Lang::Zh, None) => format!("分拨中心将问题分类定为“{}”", name(to)),
                (Lang::En, Some(f)) => {
                    format!("The dispatch desk changed the category from {} to {}", name(f), name(to))
                }
                (Lang::En, None) => format!("The dispatch desk set the category to {}", name(to)),
            }
        }
        (EventKind::RequestAnswered { .. }, _) => {
            lang.pick("已当场答复，办结", "Answered on receipt and closed").to_owned()
        }
        (EventKind::TaskDispatched { bureau, role, .. }, Lang::Zh) => {
            format!("已派单至{}（{}）", bureau_name(d, bureau, lang), role_name(*role, lang))
        }
        (EventKind::TaskDispatched { bureau, role, .. }, Lang::En) => {
            format!("Dispatched to {} ({})", bureau_name(d, bureau, lang), role_name(*role, lang))
        }
        (kind @ (EventKind::NoticeSent { .. } | EventKind::NoticeGivenUp { .. }), lang) => {
            notice::sentence(kind, d, lang, full)
        }
        (kind, lang) => workflow::sentence(kind, d, lang, full),
    }
}
