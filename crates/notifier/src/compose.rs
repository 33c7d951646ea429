//! A notification row made into the message its gateway sends: the address read from the
//! request now (the rows keep none), the words in the citizen's language, and the SMS template's
//! variables (the tracking number, the link, the bureau, the time, the notice's name). Citizens'
//! links go to the public tracking page; staff's to their own pages (the task, the meeting).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use jiesu_domain::district::District;
use jiesu_domain::notices::{Audience, CitizenRoute, Topic, citizen_route};
use jiesu_domain::ports::{Address, Notification, OPTED_OUT, Outgoing, StaffNotices, StaffPrefs, Via};
use jiesu_domain::request::Request;
use jiesu_domain::secret::ServerKey;
use jiesu_domain::webhook::Webhook;
use jiesu_words::Lang;
use jiesu_words::history::topic_name;
use jiesu_words::links::{StaffPage, staff_link, track_link, visit_link};
use jiesu_words::names::bureau_name;
use jiesu_words::notices::notice_text;
use jiesu_words::time::local_time;
use uuid::Uuid;

/// What the messages link to and sign with.
#[derive(Debug, Clone)]
pub struct Links {
    /// The public URL the citizens' pages are served at (`https://12345.example.gov.cn`).
    pub public_url: String,
    /// Signs the return-visit links.
    pub key: ServerKey,
}

/// Why a notification cannot be sent at all (given up at once, with this code).
pub const NO_ADDRESS: &str = "no_address";

/// A webhook's notice whose webhook was removed, or whose client's key was revoked.
pub const NO_WEBHOOK: &str = "webhook_removed";

/// A webhook's notice of a request made confidential since: a third party hears nothing of it.
pub const NOT_PUBLIC: &str = "not_public";

/// The registered webhooks by id: where webhook notices go.
pub type Hooks = HashMap<Uuid, Webhook>;

/// Who the batch's staff and webhook notices go to, read once per batch.
#[derive(Debug, Default)]
pub struct Directory {
    pub hooks: Hooks,
    /// The staff with their notice settings (read when the batch has a staff notice).
    pub staff: Vec<StaffPrefs>,
}

/// The citizen's language: English when they wrote in it (letters and no Chinese), else Chinese.
pub fn language(request: &Request) -> Lang {
    let text = request.submitted.description.as_str();
    let cjk = text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    if !cjk && text.chars().any(|c| c.is_ascii_alphabetic()) { Lang::En } else { Lang::Zh }
}

/// Where `n` goes by its channel, as the request stands now, or why it has nowhere to go (the
/// citizen's route changed, or the row's channel is not the one the route now takes; the
/// webhook was removed; the request became confidential).
fn address(n: &Notification, request: &Request, dir: &Directory) -> Result<Address, &'static str> {
    match (&n.audience, n.via) {
        (Audience::Webhook(_), _) if !request.submitted.is_public() => Err(NOT_PUBLIC),
        (Audience::Webhook(id), _) => dir.hooks.get(id).cloned().map(Address::Webhook).ok_or(NO_WEBHOOK),
        // A person's email, if they still want email (they may have changed their mind, or
        // left: then it is not sent, and not a failure either).
        (Audience::Person(who), _) => dir
            .staff
            .iter()
            .find(|p| p.username == *who)
            .filter(|p| p.prefs.how.by_email())
            .and_then(|p| p.prefs.email.clone())
            .map(Address::Email)
            .ok_or(OPTED_OUT),
        // A staff group by 企业微信: as the configuration maps it, else those of it who chose it.
        (group, Via::WeCom) if group.is_staff_group() => Ok(Address::People {
            audience: group.key(),
            ids: dir
                .staff
                .iter()
                .filter(|p| p.prefs.how == StaffNotices::WeCom && group.includes(p.role, p.bureau.as_ref()))
                .map(StaffPrefs::wecom_id)
                .collect(),
        }),
        // A text message goes to the phone given, whichever route the request takes (a WeChat
        // citizen WeChat could not reach is sent one instead).
        (Audience::Citizen, Via::Sms) => {
            request.submitted.contact.phone.clone().map(Address::Phone).ok_or(NO_ADDRESS)
        }
        (Audience::Citizen, via) => match (citizen_route(request), via) {
            (Some(CitizenRoute::WeChat(openid)), Via::WeChat) => Ok(Address::OpenId(openid)),
            _ => Err(NO_ADDRESS),
        },
        (staff, _) => Ok(Address::Staff(staff.key())),
    }
}

/// The message for `n` about `request`, or why there is none.
pub fn compose(
    n: &Notification,
    request: &Request,
    district: &District,
    links: &Links,
    dir: &Directory,
    now: DateTime<Utc>,
) -> Result<Outgoing, &'static str> {
    let to = address(n, request, dir)?;
    let lang = if n.audience == Audience::Citizen { language(request) } else { Lang::Zh };
    let request = &request.submitted;
    let tracking = &request.tracking;
    let mut params = vec![("number", tracking.grouped()), ("tracking", tracking.as_str().to_owned())];
    let base = &links.public_url;
    let webhook = matches!(n.audience, Audience::Webhook(_));
    let staff = !webhook && n.audience != Audience::Citizen;
    let link = match &n.topic {
        // The return-visit link is the citizen's own (it carries their proof): a webhook gets
        // the public tracking page.
        Topic::Resolved if !webhook => visit_link(base, tracking, &links.key.visit_secret(request.id)),
        // Staff go to their own pages: the task to claim, the meeting, else the request.
        Topic::NewTask { task, .. } if staff => staff_link(base, StaffPage::Task(*task)),
        Topic::Meeting { meeting, .. } if staff => staff_link(base, StaffPage::Meeting(*meeting)),
        _ if staff => staff_link(base, StaffPage::Request(tracking)),
        _ => track_link(base, tracking),
    };
    params.push(("link", link));
    let bureau = match (&n.topic, &n.audience) {
        (Topic::Dispatched { bureau } | Topic::MissedDeadline { bureau, .. }, _) => Some(bureau),
        (_, Audience::Bureau(b) | Audience::BureauAdmins(b)) => Some(b),
        _ => None,
    };
    if let Some(b) = bureau {
        params.push(("bureau", bureau_name(district, b, lang)));
    }
    let time = match &n.topic {
        Topic::Coordinating { at } | Topic::Meeting { at, .. } => Some(at),
        Topic::MissedDeadline { due_at, .. } | Topic::DeadlineNear { due_at, .. } => Some(due_at),
        _ => None,
    };
    if let Some(t) = time {
        params.push(("time", local_time(*t, now, lang)));
    }
    let subject = topic_name(n.topic.key(), lang).to_owned();
    params.push(("status", subject.clone()));
    Ok(Outgoing {
        reference: n.id,
        via: n.via,
        to,
        topic: n.topic.key(),
        params,
        subject,
        text: notice_text(&n.topic, tracking, district, now, lang),
    })
}
