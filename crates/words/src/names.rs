//! Display names, in the reader's language. The domain keeps each value's Chinese name with its
//! code (both are accepted where people type them: config files, hotline exports); the English
//! words and the choice between the two are made here, once for every page, reply and API view.

use jiesu_domain::area::AreaCode;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::desk::DeskClockKind;
use jiesu_domain::district::District;
use jiesu_domain::note::DisclaimReason;
use jiesu_domain::request::{Channel, Kind, Urgency};
use jiesu_domain::request_status::RequestStatus;
use jiesu_domain::routing::RouteReason;
use jiesu_domain::task::{TaskRole, TaskState};

use crate::Lang;

/// A name from the district's files: the English one if there is one, else the Chinese.
pub fn local_name(name: &str, name_en: Option<&str>, lang: Lang) -> String {
    lang.pick(name, name_en.unwrap_or(name)).to_owned()
}

/// A bureau's name; its code if the district does not know it (any more).
pub fn bureau_name(d: &District, code: &BureauCode, lang: Lang) -> String {
    match d.bureau(code) {
        Some(b) => local_name(&b.name, b.name_en.as_deref(), lang),
        None => code.to_string(),
    }
}

/// An area's name; its code if the district does not know it (any more).
pub fn area_name(d: &District, code: &AreaCode, lang: Lang) -> String {
    match d.areas().get(code) {
        Some(a) => local_name(&a.name, a.name_en.as_deref(), lang),
        None => code.to_string(),
    }
}

/// A category's name, if the district's taxonomy knows it.
pub fn category_name(d: &District, code: &CategoryCode, lang: Lang) -> Option<String> {
    d.taxonomy().get(code).map(|c| local_name(&c.name, c.name_en.as_deref(), lang))
}

/// The channel a request came through, as a phrase ("through the web form").
pub fn channel_name(c: Channel, lang: Lang) -> &'static str {
    match c {
        Channel::Web => lang.pick(c.name_zh(), "the web form"),
        Channel::Wechat => lang.pick(c.name_zh(), "WeChat"),
        Channel::Hotline => lang.pick(c.name_zh(), "the 12345 hotline"),
        Channel::Open311 => lang.pick(c.name_zh(), "the Open311 API"),
    }
}

pub fn kind_name(kind: Kind, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => kind.name_zh(),
        Lang::En => match kind {
            Kind::Consultation => "Question",
            Kind::Help => "Request for help",
            Kind::Complaint => "Complaint",
            Kind::Report => "Report of wrongdoing",
            Kind::Suggestion => "Suggestion",
            Kind::Praise => "Praise",
        },
    }
}

pub fn status_name(status: RequestStatus, lang: Lang) -> String {
    match lang {
        Lang::Zh => status.name_zh().to_owned(),
        Lang::En => status.as_str().replace('_', " "),
    }
}

/// A task's role: the lead bureau or an assisting one.
pub fn role_name(role: TaskRole, lang: Lang) -> &'static str {
    match (role, lang) {
        (TaskRole::Lead, Lang::Zh) => "主办",
        (TaskRole::Assist, Lang::Zh) => "协办",
        (TaskRole::Lead, Lang::En) => "lead",
        (TaskRole::Assist, Lang::En) => "assisting",
    }
}

/// Why a bureau was chosen: the responsibility-list rule, or the area's default owner.
pub fn route_reason(d: &District, r: &RouteReason, lang: Lang) -> String {
    match (r, lang) {
        (RouteReason::Rule { .. }, Lang::Zh) => r.explain_zh(),
        (RouteReason::Rule { .. }, Lang::En) => format!("responsibility-list {}", r.explain()),
        (RouteReason::AreaDefaultOwner { area }, lang) => {
            let name = area_name(d, area, lang);
            match lang {
                Lang::Zh => format!("{name}兜底单位"),
                Lang::En => format!("default owner of {name}"),
            }
        }
    }
}

/// A task's state as its bureau says it.
pub fn task_state_name(state: TaskState, lang: Lang) -> &'static str {
    use TaskState as T;
    match state {
        T::Dispatched => lang.pick("待签收", "to claim"),
        T::Claimed => lang.pick("办理中", "in hand"),
        T::Resolved => lang.pick("已办结", "resolved"),
        T::DisclaimRequested => lang.pick("退单审核中", "disclaim under review"),
        T::Disclaimed => lang.pick("已退单", "disclaimed"),
        T::Released => lang.pick("已解除协办", "released"),
        T::Cancelled => lang.pick("已撤销", "withdrawn"),
    }
}

pub fn urgency_name(u: Urgency, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => u.name_zh(),
        Lang::En => match u {
            Urgency::Normal => "normal",
            Urgency::Urgent => "urgent",
            Urgency::Critical => "critical",
        },
    }
}

/// Why a bureau says a request is not its own (退单理由).
pub fn disclaim_reason_name(r: DisclaimReason, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => r.name_zh(),
        Lang::En => match r {
            DisclaimReason::NotOurFunction => "not our function",
            DisclaimReason::NotOurArea => "outside our area",
            DisclaimReason::UnclearOwnership => "ownership unclear",
            DisclaimReason::OverlappingDuties => "overlapping duties",
        },
    }
}

/// What a desk clock times, as the desk's queues name it.
pub fn desk_clock_name(kind: DeskClockKind, lang: Lang) -> &'static str {
    match kind {
        DeskClockKind::Placement => lang.pick("分拨", "place the request"),
        DeskClockKind::DisclaimReview => lang.pick("退单审核", "review the disclaim"),
        DeskClockKind::ClosureReview => lang.pick("结案审核", "review the result"),
    }
}
