//! `GET requests` parameters: `service_request_id` (a comma list that overrides the rest),
//! `service_code`, `status`, `start_date`, `end_date`, the default window of 90 days and 1000
//! results, and the `page_size`, `after`, `page` and `extensions` extensions.
//!
//! Pages: `after` is the cursor the previous page's `Link: <...>; rel="next"` header carries (the
//! database seeks to it, so a page costs the same however deep, and requests arriving while a
//! client walks the list neither repeat nor go missing); `page`, a page number counted from the
//! top on every call, is kept for existing clients. Both at once is a 400.

use chrono::{DateTime, Duration, Utc};
use jiesu_domain::category::CategoryCode;
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::ports::{Cursor, Listing, Page, RequestQuery};

use super::errors::Open311Error;

pub const MAX_RESULTS: u32 = 1000;
const DEFAULT_WINDOW_DAYS: i64 = 90;

#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub query: RequestQuery,
    pub extensions: bool,
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
}

fn list(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').map(str::trim).filter(|x| !x.is_empty())
}

fn date(params: &[(String, String)], name: &str) -> Result<Option<DateTime<Utc>>, Open311Error> {
    param(params, name)
        .map(|v| {
            DateTime::parse_from_rfc3339(v).map(|t| t.with_timezone(&Utc)).map_err(|_| {
                Open311Error::bad_request(format!("{name} must be a W3C date and time with a zone"))
            })
        })
        .transpose()
}

fn number(params: &[(String, String)], name: &str, default: u32) -> Result<u32, Open311Error> {
    param(params, name).map_or(Ok(default), |v| {
        v.parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| Open311Error::bad_request(format!("{name} must be a positive integer")))
    })
}

pub fn parse(params: &[(String, String)], now: DateTime<Utc>) -> Result<ListQuery, Open311Error> {
    let extensions = param(params, "extensions").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let page_size = number(params, "page_size", MAX_RESULTS)?.min(MAX_RESULTS);
    let page = match (param(params, "after"), param(params, "page")) {
        (Some(_), Some(_)) => {
            return Err(Open311Error::bad_request(
                "give after (from the Link header of the previous page) or page, not both",
            ));
        }
        (Some(after), None) => Page::after(
            page_size,
            Cursor::decode(Listing::Requests, after).map_err(|e| Open311Error::bad_request(e.to_string()))?,
        ),
        (None, _) => Page::numbered(number(params, "page", 1)?, page_size),
    };

    if let Some(ids) = param(params, "service_request_id") {
        // An id that is not a tracking number matches nothing; an explicit list overrides the rest.
        let tracking: Vec<TrackingNumber> =
            list(ids).filter_map(|id| TrackingNumber::parse(id).ok()).collect();
        // Only such ids: nothing can match (an empty list would mean "no filter" to the store).
        let page = if tracking.is_empty() { Page { limit: 0, ..page } } else { page };
        return Ok(ListQuery {
            query: RequestQuery { tracking, page, ..RequestQuery::default() },
            extensions,
        });
    }

    let categories = param(params, "service_code")
        .map(|v| {
            list(v)
                .map(|c| {
                    CategoryCode::parse(c)
                        .map_err(|_| Open311Error::bad_request(format!("service_code `{c}` is not a code")))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let open = match param(params, "status") {
        None => None,
        Some(v) => {
            let (mut open, mut closed) = (false, false);
            for s in list(v) {
                match s.to_ascii_lowercase().as_str() {
                    "open" => open = true,
                    "closed" => closed = true,
                    other => {
                        return Err(Open311Error::bad_request(format!(
                            "status `{other}` is neither open nor closed"
                        )));
                    }
                }
            }
            if open == closed { None } else { Some(open) }
        }
    };
    let (start, end) = (date(params, "start_date")?, date(params, "end_date")?);
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Err(Open311Error::bad_request("start_date is after end_date"));
    }
    // Without dates, the spec's default window: the last 90 days.
    let received_from = start.or_else(|| Some(end.unwrap_or(now) - Duration::days(DEFAULT_WINDOW_DAYS)));
    Ok(ListQuery {
        query: RequestQuery {
            tracking: vec![],
            categories,
            open,
            received_from,
            received_to: end,
            page,
            staff: false,
        },
        extensions,
    })
}

/// The `Link` header's value for the page after this one: the list's own address and query, with
/// `after` in place of `page` (and of the cursor that led here).
pub fn next_link(base: &str, path: &str, params: &[(String, String)], after: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.extend_pairs(params.iter().filter(|(k, _)| k != "page" && k != "after"));
    query.append_pair("after", after);
    format!("<{base}{path}?{}>; rel=\"next\"", query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn without_filters_it_is_the_last_90_days_and_1000_results() {
        let now = Utc::now();
        let q = parse(&[], now).expect("valid").query;
        assert_eq!(q.received_from, Some(now - Duration::days(90)));
        assert_eq!((q.page, q.open), (Page::first(1000), None));
    }

    #[test]
    fn ids_override_everything_else() {
        let t = TrackingNumber::parse("0000AAAA1111").expect("valid");
        let q =
            parse(&p(&[("service_request_id", "0000AAAA1111, nonsense"), ("status", "closed")]), Utc::now())
                .expect("valid")
                .query;
        assert_eq!(q.tracking, [t]);
        assert_eq!((q.open, q.received_from), (None, None));
        let q = parse(&p(&[("service_request_id", "nonsense")]), Utc::now()).expect("valid").query;
        assert_eq!(q.page.limit, 0, "only unknown ids: nothing can match");
    }

    #[test]
    fn filters_and_pages_are_read() {
        let q = parse(
            &p(&[
                ("service_code", "010101,030102"),
                ("status", "open"),
                ("start_date", "2026-11-01T00:00:00+08:00"),
                ("end_date", "2026-11-20T00:00:00Z"),
                ("page", "3"),
                ("page_size", "20"),
                ("extensions", "true"),
            ]),
            Utc::now(),
        )
        .expect("valid");
        assert!(q.extensions);
        assert_eq!(q.query.categories.len(), 2);
        assert_eq!(q.query.open, Some(true));
        assert_eq!(q.query.page, Page::numbered(3, 20));
        assert_eq!(q.query.received_from.map(|t| t.to_rfc3339()), Some("2026-10-31T16:00:00+00:00".into()));
    }

    #[test]
    fn bad_values_are_400s() {
        for bad in [("status", "pending"), ("start_date", "yesterday"), ("page", "0"), ("service_code", "x")]
        {
            assert_eq!(
                parse(&p(&[bad]), Utc::now()).map(|_| ()).expect_err("bad").status.as_u16(),
                400,
                "{bad:?}"
            );
        }
        let crossed = p(&[("start_date", "2026-11-20T00:00:00Z"), ("end_date", "2026-11-01T00:00:00Z")]);
        assert!(parse(&crossed, Utc::now()).is_err());
    }

    #[test]
    fn the_next_link_keeps_the_filters_and_replaces_the_page() {
        let params = p(&[
            ("service_code", "010101,030102"),
            ("page", "2"),
            ("start_date", "2026-11-01T00:00:00+08:00"),
        ]);
        assert_eq!(
            next_link("https://jiesu.example.gov.cn", "/open311/v2/requests.xml", &params, "cXdl-_"),
            "<https://jiesu.example.gov.cn/open311/v2/requests.xml?service_code=010101%2C030102\
             &start_date=2026-11-01T00%3A00%3A00%2B08%3A00&after=cXdl-_>; rel=\"next\""
        );
    }

    #[test]
    fn a_page_after_a_cursor_starts_there_and_a_bad_cursor_or_page_with_it_is_a_400() {
        let cursor = Cursor::new(Utc::now(), uuid::Uuid::now_v7());
        let at = cursor.encode(Listing::Requests);
        let q = parse(&p(&[("after", at.as_str()), ("page_size", "10")]), Utc::now()).expect("valid").query;
        assert_eq!(q.page, Page::after(10, Cursor::decode(Listing::Requests, &at).expect("cursor")));
        let tasks = cursor.encode(Listing::Tasks);
        let (at, tasks) = (at.as_str(), tasks.as_str());
        for bad in [vec![("after", "nonsense")], vec![("after", tasks)], vec![("after", at), ("page", "2")]] {
            let e = parse(&p(&bad), Utc::now()).map(|_| ()).expect_err("bad");
            assert_eq!(e.status.as_u16(), 400, "{bad:?}");
            assert!(e.description.contains("after"), "{}", e.description);
        }
    }
}
