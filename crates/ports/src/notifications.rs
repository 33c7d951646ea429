//! Notification rows (issue 16): one per (event, audience, channel), written by the notify
//! consumer in its own transaction, then sent after commit and settled: sent, tried again later,
//! or given up after its last try (visible to supervisors). The unique key is what keeps a
//! redelivered event from notifying twice. No address is stored: the sender reads the citizen's
//! phone or OpenID from the request when it sends, so the rows hold no personal data.

use std::future::Future;

use chrono::{DateTime, Utc};
use jiesu_decisions::notices::{Audience, Notice, Topic};
use jiesu_events::event::Event;
use jiesu_model::bureau::BureauCode;
use jiesu_model::ids::{EventId, RequestId, TrackingNumber};
use jiesu_model::staff::{StaffRole, UserId, Username};
use uuid::Uuid;

pub use jiesu_model::notice::{EmailAddress, NoticePrefs, OPTED_OUT, OptOut, StaffNotices, Via};

use crate::store::StoreError;

/// Where a notification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeState {
    /// To send at `next_at`.
    Pending,
    Sent,
    /// Its last try failed, or the gateway said it never would go through.
    GivenUp,
}

impl NoticeState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::GivenUp => "given_up",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Pending, Self::Sent, Self::GivenUp].into_iter().find(|s| s.as_str() == raw)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: Uuid,
    pub event_id: EventId,
    pub request_id: RequestId,
    pub audience: Audience,
    pub via: Via,
    pub topic: Topic,
    pub urgent: bool,
    pub state: NoticeState,
    /// Tries made so far (counted when a sender takes the row).
    pub attempts: u32,
    /// When to try (next); a sent or given-up row keeps its last.
    pub next_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub settled_at: Option<DateTime<Utc>>,
    /// The gateway's id for the message (Alibaba `BizId`, Tencent `SerialNo`).
    pub gateway_id: Option<String>,
    /// The last failure's code, never the recipient.
    pub last_error: Option<String>,
}

impl Notification {
    /// A notice of `event` to send by `via`, due at `at` (now, or the end of quiet hours).
    pub fn new(
        event_id: EventId,
        request_id: RequestId,
        notice: Notice,
        via: Via,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: Uuid::now_v7(),
            event_id,
            request_id,
            audience: notice.audience,
            via,
            topic: notice.topic,
            urgent: notice.urgent,
            state: NoticeState::Pending,
            attempts: 0,
            next_at: at,
            created_at: at,
            settled_at: None,
            gateway_id: None,
            last_error: None,
        }
    }
}

/// A try to record: the row, what came of it, and its line in the request's history.
#[derive(Debug, Clone, PartialEq)]
pub struct Try {
    pub id: Uuid,
    pub outcome: Settle,
    pub history: Option<Event>,
    /// A row to record with it, as `record_notifications` would (once per event, audience and
    /// channel): the same notice by another channel, when this one cannot reach its recipient.
    pub instead: Option<Notification>,
}

/// A staff member who can be notified, with their settings: the recorder picks who in a staff
/// group hears by email, the sender who by 企业微信.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffPrefs {
    pub user: UserId,
    pub username: Username,
    pub role: StaffRole,
    pub bureau: Option<BureauCode>,
    pub prefs: NoticePrefs,
}

impl StaffPrefs {
    /// Their 企业微信 account: the one they gave, else their username (the usual directory id).
    pub fn wecom_id(&self) -> String {
        self.prefs.wecom_id.clone().unwrap_or_else(|| self.username.to_string())
    }
}

/// A notice given up on, as the supervisors' list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Undelivered {
    pub notice: Notification,
    pub tracking: TrackingNumber,
}

/// What a try came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settle {
    Sent {
        gateway_id: String,
    },
    /// Try again at `next_at`.
    Retry {
        next_at: DateTime<Utc>,
        error: String,
    },
    GiveUp {
        error: String,
    },
}

pub trait Notifications: Clone + Send + Sync + 'static {
    /// Stores the rows a consumer decided on; a row whose (event, audience, via) is stored
    /// already is left as it is (a redelivered event). Answers how many were new.
    fn record_notifications(
        &self,
        rows: &[Notification],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Takes up to `limit` pending rows due by `now`, the earliest first, for sending: each
    /// one's try is counted and it is not due again before `lease_until`, so two senders never
    /// send the same row at once, and a sender that dies mid-send leaves its rows to be tried
    /// again when the lease ends.
    fn claim_notifications(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Notification>, StoreError>> + Send;

    /// Records how tries of pending rows came out at `at`, each with its `history` (the
    /// `NoticeSent` or `NoticeGivenUp` event for the request's history) and the row it calls for
    /// `instead`, all in one transaction.
    /// Answers, for each, whether it was recorded: `false` when the row was not pending any more
    /// (another sender settled it first), and then nothing of it is written.
    fn settle_notifications(
        &self,
        tries: &[Try],
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<bool>, StoreError>> + Send;

    /// `settle_notifications` for one try.
    fn settle_notification(
        &self,
        id: Uuid,
        outcome: &Settle,
        at: DateTime<Utc>,
        history: Option<&Event>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        let one = [Try { id, outcome: outcome.clone(), history: history.cloned(), instead: None }];
        async move { Ok(self.settle_notifications(&one, at).await?.first().copied().unwrap_or(false)) }
    }

    /// Records that `who` wants no more text messages, from `at`; `false` when it was on the
    /// list already.
    fn opt_out(
        &self,
        who: &OptOut,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Which of `who` are on the opt-out list.
    fn opted_out(&self, who: &[OptOut]) -> impl Future<Output = Result<Vec<OptOut>, StoreError>> + Send;

    /// Every staff member who is not disabled, with their notice settings (the default for
    /// those who never chose).
    fn staff_prefs(&self) -> impl Future<Output = Result<Vec<StaffPrefs>, StoreError>> + Send;

    /// One staff member's notice settings (the default if they never chose).
    fn notice_prefs(&self, user: UserId) -> impl Future<Output = Result<NoticePrefs, StoreError>> + Send;

    /// Sets a staff member's notice settings.
    fn set_notice_prefs(
        &self,
        user: UserId,
        prefs: &NoticePrefs,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Rows given up on, the latest first, each with its request's tracking number: for
    /// supervisors. A notice not sent because its recipient opted out (`OPTED_OUT`) is not one,
    /// nor one sent by another channel instead (its row there is listed if that failed too).
    fn given_up_notifications(
        &self,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Undelivered>, StoreError>> + Send;
}
