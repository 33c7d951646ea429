//! A request's history in words, for people: Open311's `notes[]` and the citizens' tracking page
//! (`describe`: what the public may read), and the staff API (`describe_in_full`: with reasons,
//! notes and decisions, which stay inside the administration).

mod escalation;
mod workflow;

use jiesu_domain::area::Placement;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::district::District;
use jiesu_domain::event::{Event, EventKind};
use jiesu_domain::request::Channel;
use jiesu_domain::routing::RouteReason;
use jiesu_domain::task::TaskRole;

/// The language of a page or note: Chinese first, English on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// `?lang=en` selects English; anything else (or nothing) is Chinese.
    pub fn from_param(p: Option<&str>) -> Self {
        if p.is_some_and(|l| l.eq_ignore_ascii_case("en")) { Self::En } else { Self::Zh }
    }

    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Zh => zh,
            Self::En => en,
        }
    }
}

pub fn bureau_name(d: &District, code: &BureauCode, lang: Lang) -> String {
    match d.bureau(code) {
        Some(b) => lang.pick(&b.name, b.name_en.as_deref().unwrap_or(&b.name)).to_owned(),
        None => code.to_string(),
    }
}

fn area_name(d: &District, placement: &Placement, lang: Lang) -> String {
    match d.areas().get(placement.area()) {
        Some(a) => lang.pick(&a.name, a.name_en.as_deref().unwrap_or(&a.name)).to_owned(),
        None => placement.area().to_string(),
    }
}

fn channel_name(c: Channel, lang: Lang) -> &'static str {
    match c {
        Channel::Web => lang.pick(c.name_zh(), "the web form"),
        Channel::Wechat => lang.pick(c.name_zh(), "WeChat"),
        Channel::Hotline => lang.pick(c.name_zh(), "the 12345 hotline"),
        Channel::Open311 => lang.pick(c.name_zh(), "the Open311 API"),
    }
}

fn reason(d: &District, r: &RouteReason, lang: Lang) -> String {
    match (r, lang) {
        (RouteReason::Rule { .. }, Lang::Zh) => r.explain_zh(),
        (RouteReason::Rule { .. }, Lang::En) => format!("responsibility-list {}", r.explain()),
        (RouteReason::AreaDefaultOwner { area }, lang) => {
            let name = d.areas().get(area).map_or_else(
                || area.to_string(),
                |a| lang.pick(&a.name, a.name_en.as_deref().unwrap_or(&a.name)).to_owned(),
            );
            match lang {
                Lang::Zh => format!("{name}兜底单位"),
                Lang::En => format!("default owner of {name}"),
            }
        }
    }
}

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
            let place = placement.as_ref().map(|p| area_name(d, p, lang));
            match (lang, place) {
                (Lang::Zh, Some(p)) => format!(
                    "定位于{p}；按{}确定承办单位：{}",
                    reason(d, &lead.reason, lang),
                    bureau_name(d, &lead.bureau, lang)
                ),
                (Lang::Zh, None) => {
                    format!(
                        "按{}确定承办单位：{}",
                        reason(d, &lead.reason, lang),
                        bureau_name(d, &lead.bureau, lang)
                    )
                }
                (Lang::En, Some(p)) => format!(
                    "Placed in {p}; {} leads by {}",
                    bureau_name(d, &lead.bureau, lang),
                    reason(d, &lead.reason, lang)
                ),
                (Lang::En, None) => {
                    format!(
                        "{} leads by {}",
                        bureau_name(d, &lead.bureau, lang),
                        reason(d, &lead.reason, lang)
                    )
                }
            }
        }
        (EventKind::RequestAnswered { .. }, _) => {
            lang.pick("已当场答复，办结", "Answered on receipt and closed").to_owned()
        }
        (EventKind::TaskDispatched { bureau, role, .. }, Lang::Zh) => {
            let role = if *role == TaskRole::Lead { "主办" } else { "协办" };
            format!("已派单至{}（{role}）", bureau_name(d, bureau, lang))
        }
        (EventKind::TaskDispatched { bureau, role, .. }, Lang::En) => {
            let role = if *role == TaskRole::Lead { "lead" } else { "assisting" };
            format!("Dispatched to {} ({role})", bureau_name(d, bureau, lang))
        }
        (kind, lang) => workflow::sentence(kind, d, lang, full),
    }
}
