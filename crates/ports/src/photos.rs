//! Photos a channel announced and Jiesu must still fetch (a WeChat image message carries only a
//! `MediaId` and a temporary link). The photo is named in the photo store at once, and the name
//! goes into the citizen's draft; the download is a row here, written before the reply, so it
//! survives a restart and any process serving the channel can do it. Rows are leased (a lease is
//! a `due_at` moved forward), so two processes never fetch one photo at once.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::store::StoreError;

/// A photo to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingPhoto {
    /// The photo store's name it is written under (and already linked by).
    pub name: String,
    /// WeChat's `MediaId`: what the media API is asked for.
    pub media_id: String,
    /// WeChat's temporary link, kept as the fallback an operator can follow if the download
    /// fails for good.
    pub pic_url: String,
    /// Tries so far, this lease's included.
    pub attempts: u32,
}

/// How a try ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoOutcome {
    /// Written to the photo store: the row goes.
    Stored,
    /// Not now (the platform down, a token refused twice): try again at this time; why, for
    /// the operators.
    Retry { at: DateTime<Utc>, why: String },
    /// Never (the media expired or is unknown, the answer is not an image): the row stays,
    /// not due again, with why and the temporary link.
    Failed { why: String },
}

pub trait PendingPhotos: Clone + Send + Sync + 'static {
    /// Records a photo to fetch, due at once; a second record under the same name (the step
    /// redone, WeChat's retry) changes nothing.
    fn queue_photo(
        &self,
        photo: &PendingPhoto,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Leases up to `limit` photos due at `now` until `lease_until`, counting a try on each.
    fn lease_photos(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<PendingPhoto>, StoreError>> + Send;

    /// Settles a leased photo's try.
    fn settle_photo(
        &self,
        name: &str,
        outcome: &PhotoOutcome,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Why the photo under `name` could not be fetched, if it failed for good (`None` while it
    /// is pending, once it is stored, and for a name never recorded).
    fn photo_failure(&self, name: &str) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
}
