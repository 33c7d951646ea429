//! The citizens' web channel: the report form at `/`, the tracking page at `/track`, the return
//! visit at `/track/visit`, a WeChat citizen's list at `/track/mine` (`mine`); the photos citizens attach go to the photo store (`jiesu_media`).
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
pub mod mine;
mod pages;
mod text;
mod track;

use std::sync::Arc;

use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::ports::{Cases, ChannelSessions, Notifications, Queue, Store};
use jiesu_domain::request::MediaUrl;
use jiesu_domain::secret::ServerKey;
use jiesu_media::MediaDir;
use jiesu_words::Lang;
use maud::Markup;
use serde::Deserialize;

pub use form::MAX_PHOTOS;
use form::{Values, check, read};
pub use jiesu_words::links::visit_link;
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
    pub answers: Option<jiesu_answers::LiveAnswers>,
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
        .route("/track", get(track::track_form).post(track::track::<S, Q>))
        .route("/track/visit", get(track::visit_page::<S, Q>).post(track::visit::<S, Q>))
        .route("/track/mine", get(mine::mine::<S, Q>))
        .route("/track/quiet", axum::routing::post(track::quiet::<S, Q>))
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
    let kb = s.answers.as_ref().map(jiesu_answers::LiveAnswers::current);
    if let Some(entry) = instant::accepted(kb.as_ref(), &values) {
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
