//! A WeChat photo, fetched after the reply. An image push carries only a `MediaId` (and a link
//! that expires), and WeChat waits five seconds for the reply, so the photo is not downloaded
//! while the citizen waits. Instead, when the push arrives, the photo gets its name in the photo
//! store at once (`ServerKey::photo_name` of the message: a redone step or WeChat's retry names
//! the same photo), the draft keeps that name's URL, a durable row (`PendingPhotos`) says what
//! to fetch, written before the reply; and this downloader, running in every process that serves
//! `/wechat`, leases due rows, fetches the bytes through the media API, writes them under the
//! name, and settles the row. A restart loses nothing (the row is still due); a fetch that fails
//! for now is retried with a doubling wait; one that never can (40007: the media is unknown or
//! past its three days, or the bytes are no image) is kept with why and WeChat's link.
//!
//! Until the download lands, the request's photo URL answers 404; it is usually there within a
//! second of the reply.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use jiesu_domain::ports::{PendingPhoto, PendingPhotos, PhotoOutcome};
use jiesu_media::{ImageType, MediaDir};
use tokio::sync::Notify;

/// Where photos come from: the media API, in the binary (`jiesu_notify::media`), which this
/// adapter does not depend on.
pub trait PhotoSource: Send + Sync + 'static {
    fn fetch(&self, media_id: &str) -> impl Future<Output = Fetched> + Send;
}

/// What a fetch gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    Bytes(Vec<u8>),
    /// Not now, and why (the platform busy or unreachable, no token to be had).
    Retry(String),
    /// Never, and why (the media expired or unknown).
    Never(String),
}

/// Photo downloads are on: the endpoint wakes the downloader through this after queueing one.
#[derive(Debug, Clone, Default)]
pub struct Downloads {
    wake: Arc<Notify>,
}

impl Downloads {
    /// Tells the downloader a photo was queued (a wake-up, not a promise: it also polls).
    pub fn queued(&self) {
        self.wake.notify_one();
    }
}

/// How the downloader paces itself.
#[derive(Debug, Clone)]
pub struct DownloadSettings {
    /// How long a lease lasts: a process that dies mid-download leaves the row due after it.
    pub lease: Duration,
    /// The first retry's wait, doubling up to `retry_max`.
    pub retry_first: Duration,
    pub retry_max: Duration,
    /// Tries before giving up: WeChat keeps temporary media three days.
    pub max_attempts: u32,
    /// How often it looks for due rows when nobody wakes it.
    pub poll: Duration,
    pub batch: u32,
}

impl Default for DownloadSettings {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(120),
            retry_first: Duration::from_secs(10),
            retry_max: Duration::from_secs(3600),
            max_attempts: 30,
            poll: Duration::from_secs(5),
            batch: 16,
        }
    }
}

/// The downloader: leases due photos, fetches, writes, settles.
#[derive(Debug)]
pub struct Downloader<S, F> {
    pub store: S,
    pub source: F,
    pub media: MediaDir,
    pub downloads: Downloads,
    pub settings: DownloadSettings,
}

impl<S: PendingPhotos, F: PhotoSource> Downloader<S, F> {
    /// Runs until `shutdown` completes.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) {
        tokio::pin!(shutdown);
        loop {
            let leased = self.round().await;
            if leased >= self.settings.batch as usize {
                continue; // more may be due at once
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = self.downloads.wake.notified() => {}
                () = tokio::time::sleep(self.settings.poll) => {}
            }
        }
    }

    /// One round: the due photos fetched and settled; how many were leased.
    pub async fn round(&self) -> usize {
        let now = jiesu_domain::time::now();
        let until =
            now + chrono::Duration::from_std(self.settings.lease).unwrap_or(chrono::Duration::hours(1));
        let leased = match self.store.lease_photos(now, until, self.settings.batch).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "cannot lease WeChat photos to download");
                return 0;
            }
        };
        for photo in &leased {
            let outcome = self.download(photo).await;
            match &outcome {
                PhotoOutcome::Stored => tracing::debug!(photo = %photo.name, "WeChat photo stored"),
                PhotoOutcome::Retry { why, .. } => {
                    tracing::info!(photo = %photo.name, attempts = photo.attempts, why, "WeChat photo: retry later");
                }
                PhotoOutcome::Failed { why } => {
                    tracing::warn!(photo = %photo.name, why, "WeChat photo cannot be downloaded: WeChat's link kept");
                }
            }
            if let Err(e) = self.store.settle_photo(&photo.name, &outcome).await {
                // The lease runs out and the row is tried again: the write is idempotent.
                tracing::warn!(error = %e, photo = %photo.name, "cannot settle a WeChat photo");
            }
        }
        leased.len()
    }

    async fn download(&self, photo: &PendingPhoto) -> PhotoOutcome {
        // Written already by a try whose settle was lost.
        if self.media.has(&photo.name).await {
            return PhotoOutcome::Stored;
        }
        let retry = |why: String| self.retry(photo.attempts, why, jiesu_domain::time::now());
        match self.source.fetch(&photo.media_id).await {
            Fetched::Bytes(bytes) if ImageType::sniff(&bytes).is_none() => {
                PhotoOutcome::Failed { why: "not_an_image".to_owned() }
            }
            Fetched::Bytes(bytes) => {
                let Some(staged) = MediaDir::stage_as(&photo.name, bytes) else {
                    return PhotoOutcome::Failed { why: "bad_name".to_owned() };
                };
                match self.media.write_all(std::slice::from_ref(&staged)).await {
                    Ok(()) => PhotoOutcome::Stored,
                    Err(e) => retry(format!("write: {e}")),
                }
            }
            Fetched::Retry(why) => retry(why),
            Fetched::Never(why) => PhotoOutcome::Failed { why },
        }
    }

    fn retry(&self, attempts: u32, why: String, now: DateTime<Utc>) -> PhotoOutcome {
        backoff(&self.settings, attempts, why, now)
    }
}

/// After the `attempts`-th failed try: again after a wait doubling from `retry_first` (capped at
/// `retry_max`), or given up after the last try.
fn backoff(s: &DownloadSettings, attempts: u32, why: String, now: DateTime<Utc>) -> PhotoOutcome {
    if attempts >= s.max_attempts {
        return PhotoOutcome::Failed { why: format!("gave_up: {why}") };
    }
    let wait = s.retry_first.saturating_mul(2u32.saturating_pow(attempts.saturating_sub(1))).min(s.retry_max);
    let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
    PhotoOutcome::Retry { at: now + wait, why }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_download_waits_doubling_up_to_the_cap_then_gives_up() {
        let s = DownloadSettings::default();
        let now = jiesu_domain::time::now();
        let at = |attempts| match backoff(&s, attempts, "-1".into(), now) {
            PhotoOutcome::Retry { at, .. } => Some((at - now).num_seconds()),
            _ => None,
        };
        assert_eq!([at(1), at(2), at(3), at(20)], [Some(10), Some(20), Some(40), Some(3600)]);
        assert_eq!(
            backoff(&s, s.max_attempts, "-1".into(), now),
            PhotoOutcome::Failed { why: "gave_up: -1".into() }
        );
    }
}
