//! The GET resources.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::ports::{Cursor, Listing, Queue, RequestQuery, RequestView, Store, split_page};
use serde_json::{Value, json};

use super::errors::Open311Error;
use super::format::{Format, render};
use super::{Shared, check_jurisdiction, query, view};

type Params = Query<Vec<(String, String)>>;

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// What a resource answers: its root element and value, and for a list with more to come, the
/// `Link` to the next page.
struct Answer {
    root: &'static str,
    value: Value,
    next: Option<String>,
}

impl From<(&'static str, Value)> for Answer {
    fn from((root, value): (&'static str, Value)) -> Self {
        Self { root, value, next: None }
    }
}

/// Runs a handler body with the format taken from the file name; an unknown suffix is a 404
/// (in JSON, having no better choice).
async fn respond<F, A>(file: &str, body: impl FnOnce(String) -> F) -> Response
where
    F: Future<Output = Result<A, Open311Error>>,
    A: Into<Answer>,
{
    let Some((stem, format)) = Format::split(file) else {
        return Open311Error::not_found(format!("`{file}`: use the .json or .xml format"))
            .render(Format::Json);
    };
    match body(stem.to_owned()).await.map(Into::into) {
        Ok(Answer { root, value, next }) => {
            let mut response = render(format, StatusCode::OK, root, &value);
            // Made of a URL-encoded query and the configured or `Host` base: always a valid value.
            if let Some(link) = next.and_then(|l| HeaderValue::from_str(&l).ok()) {
                response.headers_mut().insert(header::LINK, link);
            }
            response
        }
        Err(e) => e.render(format),
    }
}

fn unavailable(e: impl std::fmt::Display) -> Open311Error {
    tracing::error!(error = %e, "cannot read requests");
    Open311Error::unavailable()
}

/// The request if the public may see it: a non-public (confidential) request is answered exactly
/// as an unknown one, so its existence is not confirmed either.
fn public(view: Option<RequestView>) -> Option<RequestView> {
    view.filter(|v| v.request.submitted.is_public())
}

/// `discovery`, `services` and `requests` (the list).
pub async fn top<S: Store, Q: Queue>(
    State(s): State<Shared<S, Q>>,
    Path(file): Path<String>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    let path = format!("/open311/v2/{file}");
    respond(&file, |stem| async move {
        check_jurisdiction(&s.district.current(), param(&params, "jurisdiction_id"))?;
        let base = crate::base_url(&s.public_url, &headers);
        match stem.as_str() {
            "discovery" => Ok(("discovery", view::discovery(&base, s.changeset)).into()),
            "services" => Ok(("services", view::services(&s.district.current())).into()),
            "requests" => {
                let q = query::parse(&params, jiesu_domain::time::now())?;
                let size = q.query.page.limit;
                let views = if size == 0 {
                    vec![]
                } else {
                    // One more than the page: whether another page follows, without counting.
                    let fetch = RequestQuery { page: q.query.page.and_one_more(), ..q.query };
                    s.store.list_requests(&fetch).await.map_err(unavailable)?
                };
                let (views, next) = split_page(views, size, Listing::Requests, Cursor::of_request);
                let events = if q.extensions {
                    let ids: Vec<_> = views.iter().map(|v| v.request.submitted.id).collect();
                    Some(s.store.events_of_requests(&ids).await.map_err(unavailable)?)
                } else {
                    None
                };
                let records =
                    views.iter().map(|v| view::record(v, &s.district.current(), events.as_deref())).collect();
                let next = next.map(|after| query::next_link(&base, &path, &params, &after));
                Ok(Answer { root: "service_requests", value: Value::Array(records), next })
            }
            other => Err(Open311Error::not_found(format!("no resource `{other}`"))),
        }
    })
    .await
}

/// `services/{service_code}`: the service definition (its extra questions).
pub async fn definition<S: Store, Q: Queue>(
    State(s): State<Shared<S, Q>>,
    Path(file): Path<String>,
    Query(params): Params,
) -> Response {
    respond(&file, |code| async move {
        let district = s.district.current();
        check_jurisdiction(&district, param(&params, "jurisdiction_id"))?;
        let category = jiesu_domain::category::CategoryCode::parse(&code)
            .ok()
            .filter(|c| district.taxonomy().is_leaf(c))
            .and_then(|c| district.taxonomy().get(&c))
            .ok_or_else(|| Open311Error::not_found(format!("no service `{code}`")))?;
        Ok(("service_definition", view::definition(category)))
    })
    .await
}

/// `requests/{id}`: one request, as a list of one.
pub async fn one<S: Store, Q: Queue>(
    State(s): State<Shared<S, Q>>,
    Path(file): Path<String>,
    Query(params): Params,
) -> Response {
    respond(&file, |id| async move {
        check_jurisdiction(&s.district.current(), param(&params, "jurisdiction_id"))?;
        let not_found = || Open311Error::not_found(format!("no service request with id `{id}`"));
        let tracking = TrackingNumber::parse(&id).map_err(|_| not_found())?;
        let view = public(s.store.request_by_tracking(&tracking).await.map_err(unavailable)?)
            .ok_or_else(not_found)?;
        let extensions = param(&params, "extensions").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let events = if extensions {
            Some(s.store.request_events(view.request.submitted.id).await.map_err(unavailable)?)
        } else {
            None
        };
        Ok((
            "service_requests",
            Value::Array(vec![view::record(&view, &s.district.current(), events.as_deref())]),
        ))
    })
    .await
}

/// `tokens/{token}`. Requests here are realtime, so a POST already answers with the id; the token
/// of a request is its tracking number, resolved once the request is stored.
pub async fn token<S: Store, Q: Queue>(
    State(s): State<Shared<S, Q>>,
    Path(file): Path<String>,
    Query(params): Params,
) -> Response {
    respond(&file, |token| async move {
        check_jurisdiction(&s.district.current(), param(&params, "jurisdiction_id"))?;
        let not_found = || Open311Error::not_found(format!("no token `{token}`"));
        let tracking = TrackingNumber::parse(&token).map_err(|_| not_found())?;
        public(s.store.request_by_tracking(&tracking).await.map_err(unavailable)?).ok_or_else(not_found)?;
        Ok(("service_requests", json!([{ "service_request_id": tracking.as_str(), "token": token }])))
    })
    .await
}
