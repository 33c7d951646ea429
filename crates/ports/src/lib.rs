//! Ports: the traits the domain needs from the outside world. Adapters implement them in their
//! own crates (SQLite and PostgreSQL stores; RabbitMQ and local queues) and are chosen once, at
//! start-up. Each port has a contract test suite (`jiesu-testkit`) that every adapter must pass.

pub mod accounts;
pub mod answers;
pub mod audit;
pub mod cases;
mod cursors;
pub mod escalations;
pub mod gateway;
pub mod history;
pub mod notifications;
pub mod page;
pub mod photos;
pub mod queue;
pub mod rulebook;
pub mod sessions;
pub mod stats;
pub mod store;
pub mod tokens;
pub mod webhooks;

pub use accounts::{
    AccountState, Accounts, LockoutPolicy, LoginClient, LoginRecord, LoginState, NewStaffSession,
    PasswordHash, SessionKind, TokenHash, UserChange, UserRecord,
};
pub use answers::{AnswerBook, AnswerState, OpenQuestion, Review, StoredAnswer};
pub use audit::{Audit, AuditQuery};
pub use cases::{Cases, ClockWindow, Committed, DeskItem, TaskFilter, TaskListing, TaskQuery};
pub use escalations::{EscalationQuery, Escalations};
pub use gateway::{Address, Gateway, NO_RECIPIENT, Outgoing, Sent};
pub use history::{Histories, History};
pub use notifications::{
    EmailAddress, NoticePrefs, NoticeState, Notification, Notifications, OPTED_OUT, OptOut, Settle,
    StaffNotices, StaffPrefs, Try, Undelivered, Via,
};
pub use page::{Cursor, CursorError, Listing, Page, Start, split_page};
pub use photos::{PendingPhoto, PendingPhotos, PhotoOutcome};
pub use queue::{Consumer, DeadLetter, Delivery, Message, Queue, QueueError, Selection};
pub use rulebook::{Decided, RuleBook, RulebookRevision, StoredDay};
pub use sessions::{AttemptKey, ChannelSessions, Saved, Session};
pub use stats::{CaseTallies, Stats, StatsBy, StatsFilter, StatsQuery, StatsRow};
pub use store::{ApiClientState, IngestOutcome, OutboxEvent, RequestQuery, RequestView, Store, StoreError};
pub use tokens::{AccessToken, AccessTokens};
pub use webhooks::{RegisteredWebhook, Webhooks};
