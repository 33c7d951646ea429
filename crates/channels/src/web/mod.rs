//! The citizens' web channel: the report form at `/`, the tracking page at `/track`, the return
//! visit at `/track/visit`; the photos citizens attach go to the photo store (`jiesu_media`).
//! Chinese first; `?lang=en` for English.
//!
//! The phone number is optional. Every submission is answered with the request's private link
//! (`visit_link`: its number and its return-visit secret, `secret::ServerKey::visit_secret`), which
//! shows the request and, once resolved, takes its return visit; for a citizen who gave no phone
//! it is the only way back. With a phone, the tracking page also shows a request to whoever gives
//! its number and the last four digits (staff never see those digits), and gives the link.
//! Nobody can make the link from what staff see, so a bureau cannot give its own return visit.
//!
//! Like every channel, a submission is answered with its tracking number only once the intake
//! queue confirmed it. A form submitted twice (a double click, a reload) is stored once.

mod areas;
mod form;
mod instant;
mod limiter;
mod map;
mod pages;
mod text;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Form, Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::ports::{Cases, ChannelSessions, Notifications, OptOut, Queue, RequestView, Store};
use jiesu_domain::request::MediaUrl;
use jiesu_domain::secret::ServerKey;
use jiesu_media::MediaDir;
use jiesu_words::Lang;
use maud::Markup;
use serde::Deserialize;

pub use form::MAX_PHOTOS;
use form::{Values, check, read};
pub use limiter::{AttemptLimits, Attempts, Keys, client_address};
pub use map::{MapTiles, TileCrs};
use text::text;

use crate::publish::Intake;

#[derive(Debug)]
pub struct Web<S, Q> {
    pub store: S,
    pub queue: Q,
    pub district: LiveDistrict,
    pub media: MediaDir,
    pub public_url: String,
    pub max_photo_bytes: usize,
    pub attempts: Attempts,
    /// How the district handles disclaims (the return visit may reopen a request).
    pub policy: jiesu_domain::workflow::Policy,
    /// The server's key: tracking numbers and return-visit links are derived with it.
    pub key: ServerKey,
    /// Tiles under the form's map, if the deployment has any.
    pub map: MapTiles,
    /// 秒回: the district's knowledge base, offered as the citizen types (none: not offered).
    pub answers: Option<Arc<jiesu_answers::KnowledgeBase>>,
}

type Shared<S, Q> = Arc<Web<S, Q>>;

impl<S, Q> Web<S, Q> {
    pub fn new(
        store: S,
        queue: Q,
        district: LiveDistrict,
        media: MediaDir,
        public_url: String,
        max_photo_bytes: usize,
        key: ServerKey,
    ) -> Self {
        let attempts = Attempts::new(AttemptLimits::default());
        let policy = jiesu_domain::workflow::Policy::default();
        let map = MapTiles::default();
        Self {
            store,
            queue,
            district,
            media,
            public_url,
            max_photo_bytes,
            attempts,
            policy,
            key,
            map,
            answers: None,
        }
    }

    /// The largest photo accepted, in MB, as the pages state it (`{mb}` in their text).
    fn photo_mb(&self) -> String {
        const MB: usize = 1024 * 1024;
        let (whole, rest) = (self.max_photo_bytes / MB, self.max_photo_bytes % MB);
        // Never overstated: a tenth rounded down.
        if rest == 0 { whole.to_string() } else { format!("{whole}.{}", rest * 10 / MB) }
    }

    /// The report form, as given (`values`), with what is wrong or worth saying; its security
    /// policy also allows the map's tiles.
    fn form_page(
        &self,
        status: StatusCode,
        lang: Lang,
        values: &Values,
        said: (&[&str], Option<&str>),
    ) -> Response {
        let markup =
            pages::report_form(&self.district.current(), lang, values, said, &self.photo_mb(), &self.map);
        page_allowing(status, markup, self.map.image_source().as_deref())
    }
}

/// The form and its submission: what the intake role serves.
pub fn submit_routes<S: Store, Q: Queue>(state: Shared<S, Q>) -> Router {
    // Room for the photos and the text fields.
    let limit = MAX_PHOTOS * state.max_photo_bytes + 1024 * 1024;
    Router::new()
        .route("/", get(report_form::<S, Q>))
        .route("/areas.geojson", get(areas_geojson::<S, Q>))
        .route("/answers", get(instant::answers::<S, Q>))
        .route("/requests", axum::routing::post(submit::<S, Q>).layer(DefaultBodyLimit::max(limit)))
        .with_state(state)
}

/// Tracking and the return visit: what the API role serves (with the photos, `jiesu_media::routes`).
pub fn read_routes<S: Store + Cases + ChannelSessions + Notifications, Q: Queue>(
    state: Shared<S, Q>,
) -> Router {
    Router::new()
        .route("/track", get(track_form).post(track::<S, Q>))
        .route("/track/visit", get(visit_page::<S, Q>).post(visit::<S, Q>))
        .route("/track/quiet", axum::routing::post(quiet::<S, Q>))
        .with_state(state)
}

/// A page with the headers every page gets: no framing by other sites, nothing loaded from
/// elsewhere, and no inline code (the style sheets and the script are Jiesu's static files; WeUI's
/// icons are `data:` images in its sheet).
fn page(status: StatusCode, markup: Markup) -> Response {
    page_allowing(status, markup, None)
}

/// As `page`, with images also from `tiles` (the map's tile server) and the district's areas
/// fetched from here.
fn page_allowing(status: StatusCode, markup: Markup, tiles: Option<&str>) -> Response {
    let csp = format!(
        "default-src 'none'; img-src 'self' data:{}; style-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'",
        tiles.map(|t| format!(" {t}")).unwrap_or_default()
    );
    let headers = [
        (header::X_FRAME_OPTIONS, "DENY".to_owned()),
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::REFERRER_POLICY, "same-origin".to_owned()),
    ];
    (status, headers, Html(markup.into_string())).into_response()
}

/// The district's areas for the form's map, in the page's language (`jiesu_channels::web::areas`).
async fn areas_geojson<S: Store, Q: Queue>(
    State(s): State<Shared<S, Q>>,
    Query(q): Query<PageQuery>,
) -> Response {
    let lang = Lang::from_param(q.lang.as_deref());
    let body = areas::geojson(&s.district.current(), lang).to_string();
    let headers =
        [(header::CONTENT_TYPE, "application/geo+json"), (header::CACHE_CONTROL, "public, max-age=300")];
    (StatusCode::OK, headers, body).into_response()
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    lang: Option<String>,
    n: Option<String>,
}

async fn report_form<S: Store, Q: Queue>(
    State(s): State<Shared<S, Q>>,
    Query(q): Query<PageQuery>,
) -> Response {
    let lang = Lang::from_param(q.lang.as_deref());
    s.form_page(StatusCode::OK, lang, &Values { lang: lang_param(lang), ..Values::fresh() }, (&[], None))
}

fn lang_param(lang: Lang) -> String {
    text(lang).param.to_owned()
}

async fn submit<S: Store, Q: Queue>(
    State(s): State<Shared<S, Q>>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let unreadable = || {
        s.form_page(StatusCode::BAD_REQUEST, Lang::Zh, &Values::fresh(), (&[text(Lang::Zh).err_form], None))
    };
    let Ok(multipart) = multipart else { return unreadable() };
    let Ok(submitted) = read(multipart, s.max_photo_bytes).await else { return unreadable() };
    let values = submitted.values;
    let lang = Lang::from_param(Some(&values.lang));
    let t = text(lang);
    if let Some(entry) = instant::accepted(s.answers.as_ref(), &values) {
        return settled_at_once(&s, &headers, lang, &values, entry).await;
    }
    let photo_mb = s.photo_mb();
    let too_large = t.err_photo_size.replace("{mb}", &photo_mb);
    let mut errors: Vec<&str> = submitted.photo_errors.iter().map(|e| e.text(t, &too_large)).collect();
    let checked = check(&values, &s.key, &s.district.current(), t, jiesu_domain::time::now());
    if let Err(e) = &checked {
        errors.extend(e.iter().copied());
    }
    let mut request = match checked {
        Ok(r) if errors.is_empty() => r,
        _ => {
            let notice = (!submitted.photos.is_empty() || !submitted.photo_errors.is_empty())
                .then_some(t.reselect_photos);
            return s.form_page(StatusCode::BAD_REQUEST, lang, &values, (&errors, notice));
        }
    };
    let busy =
        |values: &Values| s.form_page(StatusCode::SERVICE_UNAVAILABLE, lang, values, (&[], Some(t.busy)));

    // Photos are stored once the form is known to be good, so a refused form leaves none behind.
    let base = crate::base_url(&s.public_url, &headers);
    let staged: Vec<_> = submitted.photos.into_iter().map(|p| MediaDir::stage(p.bytes, p.kind)).collect();
    if let Err(e) = s.media.write_all(&staged).await {
        tracing::error!(error = %e, "cannot store a photo");
        return busy(&values);
    }
    let stored = || staged.iter().map(jiesu_media::Staged::name);
    request.media =
        stored().filter_map(|name| MediaUrl::parse(&format!("{base}/media/{name}")).ok()).collect();

    if let Err(e) = Intake::for_http(&s.queue, &headers).send([&request]).await {
        tracing::error!(error = %e, request.id = %request.id, "the intake queue did not accept a web request");
        s.media.remove_all(stored()).await;
        return busy(&values);
    }
    tracing::debug!(request.id = %request.id, tracking = %request.tracking, photos = staged.len(), "web request received");
    let link = visit_link(&base, &request.tracking, &s.key.visit_secret(request.id));
    let link = format!("{link}&lang={}", t.param);
    page(StatusCode::OK, pages::received(lang, &request.tracking, &link, request.contact.phone.is_some()))
}

/// The citizen said an instant answer settled the question: the consultation is queued as
/// answered (closed on receipt, never dispatched) and the page says so, with its number. Only once
/// the queue confirmed, as for every submission.
async fn settled_at_once<S: Store, Q: Queue>(
    s: &Web<S, Q>,
    headers: &HeaderMap,
    lang: Lang,
    values: &Values,
    entry: &jiesu_answers::Entry,
) -> Response {
    let t = text(lang);
    let now = jiesu_domain::time::now();
    let Ok(request) = instant::answered(values, entry, &s.key, &s.district.current(), now) else {
        return s.form_page(StatusCode::BAD_REQUEST, lang, values, (&[t.err_description], None));
    };
    if let Err(e) = Intake::for_http(&s.queue, headers).send([&request]).await {
        tracing::error!(error = %e, request.id = %request.id, "the intake queue did not accept an answered consultation");
        return s.form_page(StatusCode::SERVICE_UNAVAILABLE, lang, values, (&[], Some(t.busy)));
    }
    tracing::debug!(request.id = %request.id, entry = %entry.id, "web question answered by the knowledge base");
    page(StatusCode::OK, pages::answered(lang, &request.tracking, &entry.answer))
}

async fn track_form(Query(q): Query<PageQuery>) -> Response {
    let lang = Lang::from_param(q.lang.as_deref());
    page(StatusCode::OK, pages::track_form(lang, q.n.as_deref().unwrap_or_default(), None))
}

#[derive(Debug, Deserialize)]
struct TrackQuery {
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

pub use jiesu_words::links::visit_link;

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

async fn track<S: Store + Cases + ChannelSessions + Notifications, Q: Queue>(
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
struct VisitQuery {
    n: String,
    #[serde(default)]
    k: String,
    lang: Option<String>,
}

/// The return-visit link: the request's page with the form, for whoever holds the link.
async fn visit_page<S: Store + Cases + ChannelSessions + Notifications, Q: Queue>(
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
struct VisitForm {
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
async fn visit<S: Store + Cases + ChannelSessions + Notifications, Q: Queue>(
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
struct QuietForm {
    n: String,
    /// The return-visit secret: the proof the page's form carries, as for the return visit.
    #[serde(default)]
    k: String,
    lang: Option<String>,
}

/// The citizen asks for no more notices about this request (any channel): kept on the opt-out
/// list, which the notify role checks before every send.
async fn quiet<S: Store + Cases + ChannelSessions + Notifications, Q: Queue>(
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
