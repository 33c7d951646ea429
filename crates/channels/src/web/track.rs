//! The tracking pages' handlers: a request shown to whoever proves it is theirs (the phone's last
//! four digits, or the private link's secret), the return visit taken with that link, and the
//! offer to stop its notices; failed proofs counted against the number and the client
//! (`limiter`).

use std::net::{IpAddr, SocketAddr};

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::ports::{Cases, ChannelSessions, Notifications, OptOut, Queue, RequestView, Store};
use jiesu_words::Lang;
use serde::Deserialize;

use super::limiter::{Keys, client_address};
use super::text::text;
use super::{PageQuery, Shared, Web, page, pages};

pub(super) async fn track_form(Query(q): Query<PageQuery>) -> Response {
    let lang = Lang::from_param(q.lang.as_deref());
    page(StatusCode::OK, pages::track_form(lang, q.n.as_deref().unwrap_or_default(), None))
}

#[derive(Debug, Deserialize)]
pub(super) struct TrackQuery {
    n: String,
    last4: String,
    lang: Option<String>,
}

/// The peer's address, when the server provided it (it always does; a router served otherwise,
/// in a test say, goes without).
type Peer = Option<axum::Extension<ConnectInfo<SocketAddr>>>;

fn peer_address(peer: Peer) -> Option<SocketAddr> {
    peer.map(|axum::Extension(ConnectInfo(a))| a)
}

/// The request, if the digits are the last four of the phone number it was reported with: the same
/// answer (`None`) for an unknown number and for wrong digits, so neither can be told apart.
async fn proven<S: Store + ChannelSessions, Q: Queue>(
    s: &Web<S, Q>,
    lang: Lang,
    number: &str,
    last4: &str,
    client: Option<IpAddr>,
) -> Result<RequestView, Response> {
    let digits = last4.trim();
    proven_by(s, lang, number, client, |v| {
        v.request.submitted.contact.phone.as_ref().is_some_and(|p| p.last_four() == digits)
    })
    .await
}

/// The request, if `secret` is its return-visit secret: the same answer as for an unknown number
/// otherwise, and the same limit on failed attempts as the phone digits.
async fn proven_by_link<S: Store + ChannelSessions, Q: Queue>(
    s: &Web<S, Q>,
    lang: Lang,
    number: &str,
    secret: &str,
    client: Option<IpAddr>,
) -> Result<RequestView, Response> {
    proven_by(s, lang, number, client, |v| s.key.visit_secret(v.request.submitted.id).matches(secret)).await
}

/// The request with this number if `proof` holds for it; an unknown number and a failed proof get
/// the same answer, and too many failures lock the number for a while.
async fn proven_by<S: Store + ChannelSessions, Q: Queue>(
    s: &Web<S, Q>,
    lang: Lang,
    number: &str,
    client: Option<IpAddr>,
    proof: impl Fn(&RequestView) -> bool,
) -> Result<RequestView, Response> {
    let t = text(lang);
    let not_found = || page(StatusCode::NOT_FOUND, pages::track_form(lang, number, Some(t.not_found)));
    let Ok(tracking) = TrackingNumber::parse(number) else { return Err(not_found()) };
    let keys = Keys::new(&tracking, client);
    if s.attempts.locked(&s.store, &keys).await {
        return Err(page(StatusCode::TOO_MANY_REQUESTS, pages::track_form(lang, number, Some(t.too_many))));
    }
    let view = s.store.request_by_tracking(&tracking).await.map_err(|e| {
        tracing::error!(error = %e, "cannot read a request for the tracking page");
        page(StatusCode::SERVICE_UNAVAILABLE, pages::track_form(lang, number, Some(t.busy)))
    })?;
    match view.filter(|v| proof(v)) {
        Some(v) => Ok(v),
        None => {
            s.attempts.failed(&s.store, &keys).await;
            Err(not_found())
        }
    }
}

/// Whether the page offers to stop the request's notices, and whether it was asked already (a
/// store that cannot say: not offered this time).
async fn quiet_of<S: Notifications, Q: Queue>(s: &Web<S, Q>, view: &RequestView) -> pages::Quiet {
    let r = &view.request;
    let contact = &r.submitted.contact;
    let closed = r.status == jiesu_domain::request::RequestStatus::Closed;
    if closed || (contact.phone.is_none() && contact.openid.is_none()) {
        return pages::Quiet::NotOffered;
    }
    match s.store.opted_out(&[OptOut::request(r.submitted.id)]).await {
        Ok(asked) if asked.is_empty() => pages::Quiet::Offered,
        Ok(_) => pages::Quiet::Asked,
        Err(_) => pages::Quiet::NotOffered,
    }
}

/// The tracking page for a proven request, with its history (and the case's meetings, for where
/// they are held).
async fn result_page<S: Store + Cases + Notifications, Q: Queue>(
    s: &Web<S, Q>,
    lang: Lang,
    view: &RequestView,
    notice: Option<pages::Notice>,
) -> Response {
    let id = view.request.submitted.id;
    let secret = s.key.visit_secret(id);
    let quiet = quiet_of(s, view).await;
    let read = async {
        Ok::<_, jiesu_domain::ports::StoreError>((
            s.store.request_events(id).await?,
            s.store.load_case(id).await?,
        ))
    };
    match read.await {
        Ok((events, case)) => {
            let meetings = case.map(|c| c.meetings).unwrap_or_default();
            let d = s.district.current();
            page(
                StatusCode::OK,
                pages::track_result(&d, lang, (view, &events, &meetings), &secret, notice, quiet),
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot read a request's history");
            let t = text(lang);
            let number = view.request.submitted.tracking.as_str();
            page(StatusCode::SERVICE_UNAVAILABLE, pages::track_form(lang, number, Some(t.busy)))
        }
    }
}

pub(super) async fn track<S: Store + Cases + ChannelSessions + Notifications, Q: Queue>(
    State(s): State<Shared<S, Q>>,
    peer: Peer,
    headers: HeaderMap,
    form: Result<Form<TrackQuery>, FormRejection>,
) -> Response {
    let Ok(Form(q)) = form else {
        return page(StatusCode::BAD_REQUEST, pages::track_form(Lang::Zh, "", Some(text(Lang::Zh).err_form)));
    };
    let lang = Lang::from_param(q.lang.as_deref());
    let client = client_address(peer_address(peer), &headers);
    match proven(&s, lang, &q.n, &q.last4, client).await {
        Ok(view) => result_page(&s, lang, &view, None).await,
        Err(refused) => refused,
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct VisitQuery {
    n: String,
    #[serde(default)]
    k: String,
    lang: Option<String>,
}

/// The return-visit link: the request's page with the form, for whoever holds the link.
pub(super) async fn visit_page<S: Store + Cases + ChannelSessions + Notifications, Q: Queue>(
    State(s): State<Shared<S, Q>>,
    peer: Peer,
    headers: HeaderMap,
    query: Result<Query<VisitQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(q)) = query else {
        return page(StatusCode::BAD_REQUEST, pages::track_form(Lang::Zh, "", Some(text(Lang::Zh).err_form)));
    };
    let lang = Lang::from_param(q.lang.as_deref());
    let client = client_address(peer_address(peer), &headers);
    match proven_by_link(&s, lang, &q.n, &q.k, client).await {
        Ok(view) => result_page(&s, lang, &view, None).await,
        Err(refused) => refused,
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct VisitForm {
    n: String,
    /// The return-visit secret: the form takes no other proof (not the phone digits).
    #[serde(default)]
    k: String,
    lang: Option<String>,
    /// `yes` or `no`.
    solved: Option<String>,
    satisfaction: Option<String>,
    /// One to five stars, where given.
    stars: Option<String>,
    comment: Option<String>,
}

/// The citizen's return visit (回访): solved or not, and how satisfied. "Not solved" reopens the
/// request to the bureau that resolved it.
pub(super) async fn visit<S: Store + Cases + ChannelSessions + Notifications, Q: Queue>(
    State(s): State<Shared<S, Q>>,
    peer: Peer,
    headers: HeaderMap,
    form: Result<Form<VisitForm>, FormRejection>,
) -> Response {
    use jiesu_domain::workflow::{Caller, Command, Note, Satisfaction, Stars};
    let Ok(Form(f)) = form else { return bad_form() };
    let (lang, view) = match proven_form(&s, peer, &headers, &f.n, &f.k, f.lang.as_deref()).await {
        Ok(proven) => proven,
        Err(refused) => return refused,
    };
    let solved = match f.solved.as_deref() {
        Some("yes") => true,
        Some("no") => false,
        _ => return result_page(&s, lang, &view, Some(pages::Notice::VisitIncomplete)).await,
    };
    let satisfaction =
        f.satisfaction.as_deref().filter(|x| !x.is_empty()).map(Satisfaction::parse).transpose();
    let stars = f.stars.as_deref().filter(|x| !x.is_empty()).map(Stars::parse).transpose();
    let comment = f.comment.as_deref().filter(|x| !x.trim().is_empty()).map(Note::parse).transpose();
    let (Ok(satisfaction), Ok(stars), Ok(comment)) = (satisfaction, stars, comment) else {
        return result_page(&s, lang, &view, Some(pages::Notice::VisitIncomplete)).await;
    };
    let workflow = jiesu_workflow::Workflow::new(s.store.clone(), s.district.clone(), s.policy.clone());
    let id = view.request.submitted.id;
    let command = Command::RecordVisit { solved, satisfaction, stars, comment };
    let outcome = workflow.act(Caller::Citizen, id, command).await;
    if let Err(e) = outcome {
        // Answered twice (a double click), or not yet reviewed: show the page as it stands.
        tracing::info!(request.id = %id, refused = %e, "return visit not recorded");
    }
    let notice = if solved { pages::Notice::Thanks } else { pages::Notice::Reopened };
    let tracking = view.request.submitted.tracking.clone();
    match s.store.request_by_tracking(&tracking).await {
        Ok(Some(v)) => result_page(&s, lang, &v, Some(notice)).await,
        _ => result_page(&s, lang, &view, Some(notice)).await,
    }
}

/// A form that could not be read.
fn bad_form() -> Response {
    page(StatusCode::BAD_REQUEST, pages::track_form(Lang::Zh, "", Some(text(Lang::Zh).err_form)))
}

/// A posted form's request, proved by its return-visit secret (`k`), and the page's language; or
/// the answer to give instead.
async fn proven_form<S: Store + ChannelSessions, Q: Queue>(
    s: &Web<S, Q>,
    peer: Peer,
    headers: &HeaderMap,
    number: &str,
    secret: &str,
    lang: Option<&str>,
) -> Result<(Lang, RequestView), Response> {
    let lang = Lang::from_param(lang);
    let client = client_address(peer_address(peer), headers);
    proven_by_link(s, lang, number, secret, client).await.map(|v| (lang, v))
}

#[derive(Debug, Deserialize)]
pub(super) struct QuietForm {
    n: String,
    /// The return-visit secret: the proof the page's form carries, as for the return visit.
    #[serde(default)]
    k: String,
    lang: Option<String>,
}

/// The citizen asks for no more notices about this request (any channel): kept on the opt-out
/// list, which the notify role checks before every send.
pub(super) async fn quiet<S: Store + Cases + ChannelSessions + Notifications, Q: Queue>(
    State(s): State<Shared<S, Q>>,
    peer: Peer,
    headers: HeaderMap,
    form: Result<Form<QuietForm>, FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else { return bad_form() };
    let (lang, view) = match proven_form(&s, peer, &headers, &f.n, &f.k, f.lang.as_deref()).await {
        Ok(proven) => proven,
        Err(refused) => return refused,
    };
    let id = view.request.submitted.id;
    if let Err(e) = s.store.opt_out(&OptOut::request(id), jiesu_domain::time::now()).await {
        tracing::error!(request.id = %id, error = %e, "cannot record that a request's notices stop");
        let t = text(lang);
        return page(StatusCode::SERVICE_UNAVAILABLE, pages::track_form(lang, &f.n, Some(t.busy)));
    }
    result_page(&s, lang, &view, Some(pages::Notice::Quiet)).await
}
