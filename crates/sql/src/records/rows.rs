//! The smaller rows the ports read: a case's head (the request with its version and routing),
//! accounts, channel sessions, API clients, outbox events, hotspot neighbours, expected dates.

use jiesu_domain::api_client::{ApiClient, ClientChannel};
use jiesu_domain::escalation::hotspot::{NeighbourRecord, SubjectRecord};
use jiesu_domain::ports::{LoginState, OutboxEvent, Session, StoreError, UserRecord};
use jiesu_domain::routing::Routing;
use jiesu_domain::staff::User;
use uuid::Uuid;

use super::{CorruptRow, RequestRecord};
use crate::dialect::{DbTime, JsonValue, RawJson};

/// A request as a case loads it: the row, the version commits are checked against, the routing.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseHead {
    #[sqlx(flatten)]
    pub request: RequestRecord,
    pub version: i64,
    pub routing: Option<JsonValue>,
}

impl CaseHead {
    pub fn routing(&self) -> Result<Routing, StoreError> {
        match &self.routing {
            Some(json) => serde_json::from_value(json.0.clone())
                .map_err(|e| StoreError::Unexpected(format!("corrupt routing: {e}"))),
            // Answered on receipt: never routed.
            None => Ok(Routing { candidates: Vec::new(), urgency: None, time_limit: None }),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub role: String,
    pub bureau: Option<String>,
    pub created_at: DbTime,
    pub disabled: bool,
}

impl TryFrom<UserRow> for User {
    type Error = CorruptRow;
    fn try_from(r: UserRow) -> Result<Self, CorruptRow> {
        let UserRow { id, username, role, bureau, created_at, disabled } = r;
        UserRecord { id, username, role, bureau, created_at: created_at.0, disabled }.try_into()
    }
}

/// A user with its latest running lock and newest session, for the administrators' list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub locked_until: Option<DbTime>,
    pub last_sign_in: Option<DbTime>,
}

/// A user, then the password hash and the failures of one client.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoginRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub password_hash: String,
    pub failed_logins: i32,
    pub locked_until: Option<DbTime>,
}

pub fn login_state(failed_logins: i32, locked_until: Option<DbTime>) -> LoginState {
    LoginState {
        failed_logins: u32::try_from(failed_logins).unwrap_or(0),
        locked_until: locked_until.map(|t| t.0),
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub version: i64,
    pub state: String,
    pub updated_at: DbTime,
}

impl From<SessionRow> for Session {
    fn from(r: SessionRow) -> Self {
        Session { version: r.version, state: r.state, updated_at: r.updated_at.0 }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiClientRow {
    pub id: Uuid,
    pub name: String,
    pub channel: String,
    pub created_at: DbTime,
}

impl TryFrom<ApiClientRow> for ApiClient {
    type Error = StoreError;
    fn try_from(r: ApiClientRow) -> Result<Self, StoreError> {
        let channel = ClientChannel::parse(&r.channel)
            .map_err(|e| StoreError::Unexpected(format!("corrupt api client: {e}")))?;
        Ok(ApiClient { id: r.id, name: r.name, channel, created_at: r.created_at.0 })
    }
}

/// A client with its revocation and last use, for the administrators' list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiClientStateRow {
    #[sqlx(flatten)]
    pub client: ApiClientRow,
    pub revoked_at: Option<DbTime>,
    pub last_used_at: Option<DbTime>,
}

/// An event as the outbox hands it out.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub seq: i64,
    pub payload: RawJson,
}

impl TryFrom<OutboxRow> for OutboxEvent {
    type Error = StoreError;
    fn try_from(r: OutboxRow) -> Result<Self, StoreError> {
        Ok(OutboxEvent { seq: r.seq, event: crate::decode_event(r.payload)? })
    }
}

/// A request near a hotspot's centre, with the hotspot it already belongs to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NeighbourRow {
    pub id: Uuid,
    pub lat: f64,
    pub lon: f64,
    pub received_at: DbTime,
    pub escalation_id: Option<Uuid>,
    pub anchor_id: Option<Uuid>,
    pub escalation_state: Option<String>,
}

impl From<NeighbourRow> for NeighbourRecord {
    fn from(r: NeighbourRow) -> Self {
        NeighbourRecord {
            id: r.id,
            lat: r.lat,
            lon: r.lon,
            received_at: r.received_at.0,
            escalation_id: r.escalation_id,
            anchor_id: r.anchor_id,
            escalation_state: r.escalation_state,
        }
    }
}

/// A request as the hotspot trigger sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubjectRow {
    pub id: Uuid,
    pub category: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub received_at: DbTime,
    pub status: String,
    pub escalation_id: Option<Uuid>,
    pub anchor_id: Option<Uuid>,
    pub escalation_state: Option<String>,
}

impl From<SubjectRow> for SubjectRecord {
    fn from(r: SubjectRow) -> Self {
        SubjectRecord {
            id: r.id,
            category: r.category,
            lat: r.lat,
            lon: r.lon,
            received_at: r.received_at.0,
            closed: r.status == "closed",
            escalation_id: r.escalation_id,
            anchor_id: r.anchor_id,
            escalation_state: r.escalation_state,
        }
    }
}

/// A request's expected resolution: its latest running resolution clock.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueRow {
    pub request_id: Uuid,
    pub due_at: DbTime,
}
