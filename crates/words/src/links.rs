//! The links a notice sends people to: the citizens' pages and the staff's. The web channel
//! serves these pages; the notify role puts the links in its messages, so both build them here.

use jiesu_domain::ids::{MeetingId, TaskId, TrackingNumber};
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

/// A staff page a notice links to.
#[derive(Debug, Clone, Copy)]
pub enum StaffPage<'a> {
    Task(TaskId),
    Meeting(MeetingId),
    Request(&'a TrackingNumber),
}

/// The staff page's link, with `base` the public URL (staff sign in there first; the sign-in
/// page sends them on).
pub fn staff_link(base: &str, page: StaffPage<'_>) -> String {
    match page {
        StaffPage::Task(id) => format!("{base}/staff/tasks/{id}"),
        StaffPage::Meeting(id) => format!("{base}/staff/meetings/{id}"),
        StaffPage::Request(t) => format!("{base}/staff/requests/{}", t.as_str()),
    }
}
