//! The HTTP composition: which routers this process mounts, for its roles, and the one middleware
//! stack in front of them all. Each adapter crate (the channels, the photo store, the staff API)
//! builds its own routes with its own state and knows nothing of the others; they meet here.
//!
//! - every request gets an `x-request-id` (kept if the client sent one), echoed in the response,
//!   recorded in the trace span and carried onto queue messages;
//! - bodies are size-limited (each channel reports it in its own format) and requests time out;
//! - a panic in a handler becomes a 500 with a stable JSON error, not a dropped connection;
//! - every response says `X-Content-Type-Options: nosniff`.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use jiesu_api::{ApiError, Authenticator, auth, ops, pages, work};
use jiesu_auth::Auth;
use jiesu_channels::hotline::{self, Hotline};
use jiesu_channels::open311::{self, Open311};
use jiesu_channels::web::{self, Web};
use jiesu_channels::wechat::{self, Wechat};
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::ports::Queue;
use jiesu_media::MediaDir;

use crate::backends::FullStore;
use jiesu_notify::inbound::Replies;
use jiesu_notify::sms::replies::Provider;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnFailure, TraceLayer};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpRoles {
    /// Channel submission endpoints.
    pub intake: bool,
    /// Reading endpoints, the tracking page, the photos and the staff API.
    pub api: bool,
}

#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub body_limit: usize,
    pub request_timeout: Duration,
    /// Mark the staff session cookie `Secure` (the public URL is https).
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client at login (`auth.trusted_proxies`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Where the SMS provider pushes citizens' replies: its format and the callback URL's key
    /// (`notify.sms.reply_key`); `None`: no such endpoint.
    pub sms_replies: Option<(Provider, String)>,
    /// Whether the notify role calls client applications' webhooks (`notify.webhooks.enabled`):
    /// the administration page says so when it does not.
    pub webhooks_on: bool,
}

/// Everything the routes need.
#[derive(Debug)]
pub struct Context<S, Q> {
    pub store: S,
    pub district: LiveDistrict,
    pub open311: Arc<Open311<S, Q>>,
    pub hotline: Arc<Hotline<S, Q>>,
    pub web: Arc<Web<S, Q>>,
    /// `None` when the WeChat channel is not configured.
    pub wechat: Option<Arc<Wechat<S, Q>>>,
    /// The photos citizens and staff attach.
    pub media: MediaDir,
    /// Staff sign-in and sessions; the `Staff` extractor asks it.
    pub auth: Auth<S>,
    /// The staff's work: tasks, the dispatch desk, extensions.
    pub work: Arc<work::WorkApi<S>>,
    /// Readiness and metrics.
    pub ops: ops::Ops<Q>,
    /// Derives the staff pages' form tokens.
    pub key: jiesu_domain::secret::ServerKey,
}

/// The OpenAPI document served at `/api/v1/openapi.json`: the staff API's and the hotline API's,
/// each generated from its own handlers and types.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    work::openapi::staff().merge_from(hotline::openapi())
}

pub fn router<S: FullStore, Q: Queue>(
    ctx: Context<S, Q>,
    roles: HttpRoles,
    settings: &HttpSettings,
) -> Router {
    let mut app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(ops::routes(ctx.store.clone(), ctx.ops.clone()));
    if roles.intake {
        app = app
            .merge(open311::submit_routes(ctx.open311.clone()))
            .merge(hotline::routes(ctx.hotline.clone()))
            .merge(web::submit_routes(ctx.web.clone()));
        if let Some(w) = &ctx.wechat {
            app = app.merge(wechat::routes(w.clone()));
        }
        if let Some((provider, secret)) = &settings.sms_replies {
            let (store, key) = (ctx.store.clone(), ctx.key.clone());
            let replies = Replies { store, key, provider: *provider, secret: secret.clone() };
            app = app.merge(jiesu_notify::inbound::routes(replies));
        }
    }
    if roles.api {
        app = app
            .merge(open311::read_routes(ctx.open311.clone()))
            .merge(web::read_routes(ctx.web.clone()))
            .merge(jiesu_media::routes(ctx.media.clone()));
        app = app
            .merge(auth::routes(ctx.auth.clone(), settings.secure_cookies, settings.trusted_proxies.clone()))
            .merge(work::routes(ctx.work.clone()))
            .merge(pages::routes(Arc::new(pages::Pages {
                work: ctx.work.clone(),
                auth: ctx.auth.clone(),
                key: ctx.key.clone(),
                secure_cookie: settings.secure_cookies,
                trusted_proxies: settings.trusted_proxies.clone(),
                webhooks_on: settings.webhooks_on,
            })))
            .merge(jiesu_assets::routes())
            .merge(work::openapi::routes(&openapi_document()));
    }
    // Every route can take a `Staff` argument: the extractor finds the sessions here.
    app = app.layer(axum::Extension(Authenticator::new(ctx.auth)));
    app.fallback(|| async { ApiError::not_found("no such resource") }).layer(
        ServiceBuilder::new()
            // Outermost, so every answer carries it, the timeout's and the panic handler's too: no
            // browser guesses a type other than the one we state (a JSON error as HTML, say).
            .layer(SetResponseHeaderLayer::overriding(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(|req: &Request<_>| {
                        let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
                        tracing::info_span!("http", http.request_id = %id, http.method = %req.method(), http.path = %req.uri().path())
                    })
                    // A 5xx is logged once, with its cause, where it is handled; not again here.
                    .on_failure(DefaultOnFailure::new().level(tracing::Level::DEBUG)),
            )
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .layer(CatchPanicLayer::custom(|_| ApiError::internal().into_response()))
            // Enforced by the body extractors, so each channel answers an oversized body in its own
            // format (an Open311 error list, ...).
            .layer(DefaultBodyLimit::max(settings.body_limit))
            .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, settings.request_timeout)),
    )
}
