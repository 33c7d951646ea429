//! Notices that could not be delivered (issue 16): what the notify role gave up on, for the
//! supervisors who must reach those citizens or bureaus some other way. Never an address.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use jiesu_domain::ports::{Cases, Notifications, Store, Undelivered};
use serde::Serialize;
use utoipa::ToSchema;

use super::tasks::Api;
use crate::ApiError;
use crate::error::ErrorBody;
use crate::staff::Supervising;

/// The most the list gives, latest first.
pub(crate) const LIMIT: u32 = 200;

/// A notice given up on.
#[derive(Debug, Serialize, ToSchema)]
pub struct UndeliveredView {
    pub id: uuid::Uuid,
    /// The request's tracking number.
    pub tracking_number: String,
    /// `sms`, `wechat`, `wecom`, `email` or `webhook`.
    pub via: String,
    /// `citizen`, `bureau:<code>`, `bureau_admins:<code>`, `supervisors` or `desk`.
    pub audience: String,
    /// What it said: `received`, `dispatched`, `resolved`, `new_task`, ...
    pub topic: String,
    pub attempts: u32,
    /// The gateway's last error code (`isv.MOBILE_NUMBER_ILLEGAL`, `http_503`, `no_address`).
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub given_up_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UndeliveredNotices {
    pub notices: Vec<UndeliveredView>,
}

impl From<&Undelivered> for UndeliveredView {
    fn from(u: &Undelivered) -> Self {
        let n = &u.notice;
        Self {
            id: n.id,
            tracking_number: u.tracking.as_str().to_owned(),
            via: n.via.as_str().to_owned(),
            audience: n.audience.key(),
            topic: n.topic.key().to_owned(),
            attempts: n.attempts,
            error: n.last_error.clone(),
            created_at: n.created_at,
            given_up_at: n.settled_at,
        }
    }
}

/// Notices that could not be delivered
///
/// What the notify role gave up on (the gateway refused for good, or every try failed), the
/// latest first, at most 200.
///
/// Who: supervisors, admins
#[utoipa::path(
    get, operation_id = "notifications_undelivered", path = "/api/v1/notifications/undelivered",
    tag = "supervisors",
    responses(
        (status = 200, body = UndeliveredNotices), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    ),
)]
pub(super) async fn undelivered<S: Store + Cases + Notifications>(
    State(api): Api<S>,
    Supervising(_): Supervising,
) -> Result<Json<UndeliveredNotices>, ApiError> {
    let rows = api.workflow.store().given_up_notifications(LIMIT).await?;
    Ok(Json(UndeliveredNotices { notices: rows.iter().map(UndeliveredView::from).collect() }))
}
