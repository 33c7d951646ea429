//! The citizens' links: where a notice sends them. The web channel serves these pages; the
//! notify role puts the links in its messages, so both build them here.

use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::secret::VisitSecret;

/// The request's tracking page, asking for the last four digits of the phone (`base` empty: a
/// link within the site).
pub fn track_link(base: &str, tracking: &TrackingNumber) -> String {
    format!("{base}/track?n={}", tracking.as_str())
}

/// The link that gives a request's return visit. The notice that a request was resolved carries
/// it, with `base` the public URL.
pub fn visit_link(base: &str, tracking: &TrackingNumber, secret: &VisitSecret) -> String {
    format!("{base}/track/visit?n={}&k={}", tracking.as_str(), secret.as_str())
}
