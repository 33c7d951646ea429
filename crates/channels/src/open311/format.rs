//! The format a resource is asked for (`.json` or `.xml`, the spec's suffixes) and the rendering
//! of a reply in it. Both carry `charset=utf-8`: clients that default to ISO-8859-1 for an
//! unlabelled body would garble Chinese text.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::xml;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// Splits `requests.json` into (`requests`, Json). `None` for any other suffix.
    pub fn split(file: &str) -> Option<(&str, Format)> {
        let (stem, ext) = file.rsplit_once('.')?;
        match ext {
            "json" => Some((stem, Format::Json)),
            "xml" => Some((stem, Format::Xml)),
            _ => None,
        }
    }
}

/// Renders `value` with `root` as the XML document element (a list's items get the spec's names).
pub fn render(format: Format, status: StatusCode, root: &str, value: &Value) -> Response {
    let (body, content_type) = match format {
        Format::Json => (value.to_string(), "application/json; charset=utf-8"),
        Format::Xml => (xml::document(root, value), "text/xml; charset=utf-8"),
    };
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
