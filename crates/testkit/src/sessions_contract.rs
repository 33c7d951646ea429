//! The sessions port's contract, with the channel's pending photos (`PendingPhotos`, what a
//! conversation leaves to fetch after its reply). Every adapter runs every case through
//! `sessions_contract!`.

use chrono::Duration;
use chrono::{DateTime, Utc};
use jiesu_domain::ports::{AttemptKey, ChannelSessions, PendingPhoto, PendingPhotos, PhotoOutcome, Saved};
use jiesu_domain::request::Channel;

#[macro_export]
macro_rules! sessions_contract {
    ($factory:path) => {
        $crate::sessions_contract!(@cases $factory;
            a_new_session_is_saved_with_its_message_s_reply,
            a_message_is_handled_once,
            a_session_changed_meanwhile_is_a_conflict_and_nothing_is_recorded,
            a_nonce_belongs_to_the_first_message_that_claims_it,
            old_records_are_purged_but_sessions_stay,
            attempts_are_counted_per_key_and_window,
            concurrent_attempts_each_get_their_own_count,
            old_attempt_windows_are_purged,
            a_pending_photo_is_queued_once_leased_by_one_and_settled,
        );
    };
    (@cases $factory:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let (store, _guard) = $factory().await;
                $crate::sessions_contract::$case(store).await;
            }
        )*
    };
}

const WX: Channel = Channel::Wechat;

pub async fn a_new_session_is_saved_with_its_message_s_reply(s: impl ChannelSessions) {
    let now = jiesu_domain::time::now();
    assert_eq!(s.session(WX, "u1").await.expect("read"), None);
    assert_eq!(
        s.save_session(WX, "u1", None, "{\"step\":1}", "m1", "请发送位置", now).await.expect("save"),
        Saved::Saved
    );
    let session = s.session(WX, "u1").await.expect("read").expect("saved");
    assert_eq!((session.version, session.state.as_str(), session.updated_at), (1, "{\"step\":1}", now));
    assert_eq!(s.recorded_reply(WX, "m1").await.expect("read").as_deref(), Some("请发送位置"));
    assert_eq!(
        s.save_session(WX, "u1", Some(1), "{\"step\":2}", "m2", "已受理", now).await.expect("save"),
        Saved::Saved
    );
    assert_eq!(s.session(WX, "u1").await.expect("read").map(|x| x.version), Some(2));
    assert_eq!(s.session(Channel::Web, "u1").await.expect("read"), None, "channels are separate");
}

pub async fn a_message_is_handled_once(s: impl ChannelSessions) {
    let now = jiesu_domain::time::now();
    s.save_session(WX, "u1", None, "first", "m1", "reply one", now).await.expect("save");
    // WeChat's retry of m1: nothing changes, the first reply stands.
    assert_eq!(
        s.save_session(WX, "u1", Some(1), "second", "m1", "reply two", now).await.expect("save"),
        Saved::AlreadyHandled
    );
    assert_eq!(s.session(WX, "u1").await.expect("read").map(|x| x.state), Some("first".into()));
    assert_eq!(s.recorded_reply(WX, "m1").await.expect("read").as_deref(), Some("reply one"));
}

pub async fn a_session_changed_meanwhile_is_a_conflict_and_nothing_is_recorded(s: impl ChannelSessions) {
    let now = jiesu_domain::time::now();
    s.save_session(WX, "u1", None, "v1", "m1", "r1", now).await.expect("save");
    s.save_session(WX, "u1", Some(1), "v2", "m2", "r2", now).await.expect("save");
    // Another message was handled from version 1, but the session is at 2 now.
    assert_eq!(
        s.save_session(WX, "u1", Some(1), "stale", "m3", "r3", now).await.expect("save"),
        Saved::Conflict
    );
    assert_eq!(s.recorded_reply(WX, "m3").await.expect("read"), None, "rolled back: m3 can be redone");
    // Two first messages of a new user at once: only one creates the session.
    assert_eq!(s.save_session(WX, "u2", None, "a", "m4", "r", now).await.expect("save"), Saved::Saved);
    assert_eq!(s.save_session(WX, "u2", None, "b", "m5", "r", now).await.expect("save"), Saved::Conflict);
}

pub async fn a_nonce_belongs_to_the_first_message_that_claims_it(s: impl ChannelSessions) {
    let now = jiesu_domain::time::now();
    assert_eq!(s.claim_nonce(WX, "1700000000:42", "m1", now).await.expect("claim"), "m1");
    assert_eq!(
        s.claim_nonce(WX, "1700000000:42", "m1", now).await.expect("claim"),
        "m1",
        "the same message again"
    );
    assert_eq!(
        s.claim_nonce(WX, "1700000000:42", "forged", now).await.expect("claim"),
        "m1",
        "a replay with another body"
    );
}

pub async fn old_records_are_purged_but_sessions_stay(s: impl ChannelSessions) {
    let now = jiesu_domain::time::now();
    let old = now - Duration::days(2);
    s.save_session(WX, "u1", None, "v1", "old", "r", old).await.expect("save");
    s.claim_nonce(WX, "n-old", "old", old).await.expect("claim");
    s.save_session(WX, "u1", Some(1), "v2", "new", "r", now).await.expect("save");
    s.claim_nonce(WX, "n-new", "new", now).await.expect("claim");
    assert_eq!(s.purge_channel_records(now - Duration::days(1)).await.expect("purge"), 2);
    assert_eq!(s.recorded_reply(WX, "old").await.expect("read"), None);
    assert!(s.recorded_reply(WX, "new").await.expect("read").is_some());
    assert!(s.session(WX, "u1").await.expect("read").is_some());
}

fn key(n: u8) -> AttemptKey {
    AttemptKey::from_bytes([n; 32])
}

/// A window start as the tracking page makes them: whole seconds.
fn window(minutes_ago: i64) -> DateTime<Utc> {
    let now = jiesu_domain::time::now() - Duration::minutes(minutes_ago);
    DateTime::from_timestamp(now.timestamp(), 0).expect("in range")
}

pub async fn attempts_are_counted_per_key_and_window(s: impl ChannelSessions) {
    let (earlier, later) = (window(15), window(0));
    assert_eq!(s.attempts(&key(1), earlier).await.expect("read"), 0, "nothing counted yet");
    for expected in 1..=3 {
        assert_eq!(s.count_attempt(&key(1), earlier).await.expect("count"), expected);
    }
    assert_eq!(s.count_attempt(&key(2), earlier).await.expect("count"), 1, "per key");
    assert_eq!(s.attempts(&key(1), earlier).await.expect("read"), 3);
    // A new window starts again from one, and the old one is gone.
    assert_eq!(s.count_attempt(&key(1), later).await.expect("count"), 1);
    assert_eq!(s.attempts(&key(1), later).await.expect("read"), 1);
    // A process whose clock lags counts into the newer window rather than resetting it.
    assert_eq!(s.count_attempt(&key(1), earlier).await.expect("count"), 2);
    assert_eq!(s.attempts(&key(1), later).await.expect("read"), 2);
}

pub async fn concurrent_attempts_each_get_their_own_count(s: impl ChannelSessions) {
    let w = window(0);
    let counting: Vec<_> = (0..16)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.count_attempt(&key(7), w).await.expect("count") })
        })
        .collect();
    let mut counts = Vec::new();
    for c in counting {
        counts.push(c.await.expect("task"));
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=16).collect::<Vec<u32>>(), "no two failures saw the same count");
    assert_eq!(s.attempts(&key(7), w).await.expect("read"), 16);
}

pub async fn old_attempt_windows_are_purged(s: impl ChannelSessions) {
    let now = jiesu_domain::time::now();
    s.count_attempt(&key(1), window(60 * 48)).await.expect("count");
    s.count_attempt(&key(2), window(0)).await.expect("count");
    assert_eq!(s.purge_channel_records(now - Duration::days(1)).await.expect("purge"), 1);
    assert_eq!(s.attempts(&key(1), window(60 * 48)).await.expect("read"), 0);
    assert_eq!(s.attempts(&key(2), window(0)).await.expect("read"), 1);
}

pub async fn a_pending_photo_is_queued_once_leased_by_one_and_settled(s: impl PendingPhotos) {
    let now = jiesu_domain::time::now();
    let photo = |name: &str| PendingPhoto {
        name: name.to_owned(),
        media_id: format!("media-{name}"),
        pic_url: format!("http://mmbiz.qpic.cn/{name}"),
        attempts: 0,
    };
    for p in [photo("a.jpg"), photo("a.jpg"), photo("b.jpg"), photo("c.jpg")] {
        s.queue_photo(&p, now).await.expect("queue");
    }
    let lease = now + Duration::minutes(2);
    let mut leased = s.lease_photos(now, lease, 10).await.expect("lease");
    leased.sort_by(|x, y| x.name.cmp(&y.name));
    let names: Vec<_> = leased.iter().map(|p| (p.name.as_str(), p.attempts)).collect();
    assert_eq!(names, [("a.jpg", 1), ("b.jpg", 1), ("c.jpg", 1)], "queued once each, a try counted");
    assert_eq!(leased[0], PendingPhoto { attempts: 1, ..photo("a.jpg") });
    assert!(s.lease_photos(now, lease, 10).await.expect("lease").is_empty(), "leased: not due again");

    s.settle_photo("a.jpg", &PhotoOutcome::Stored).await.expect("stored");
    let later = now + Duration::minutes(1);
    s.settle_photo("b.jpg", &PhotoOutcome::Retry { at: later, why: "-1".into() }).await.expect("retry");
    s.settle_photo("c.jpg", &PhotoOutcome::Failed { why: "40007".into() }).await.expect("failed");
    let again = s.lease_photos(later, later + Duration::minutes(2), 10).await.expect("lease");
    let names: Vec<_> = again.iter().map(|p| (p.name.as_str(), p.attempts)).collect();
    assert_eq!(names, [("b.jpg", 2)], "the retry comes back; the stored and the failed do not");
    assert_eq!(s.photo_failure("c.jpg").await.expect("read").as_deref(), Some("40007"));
    assert_eq!(s.photo_failure("b.jpg").await.expect("read"), None);
    assert_eq!(s.photo_failure("a.jpg").await.expect("read"), None);
    // A stored photo queued again (WeChat's retry after the row went) is fetched once more at
    // most: the downloader finds the file and settles it.
    s.queue_photo(&photo("a.jpg"), later).await.expect("queue");
}
