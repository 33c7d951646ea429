//! Reloading the district while serving: when a file under `district.dir` changes (checked every
//! `district.reload_secs`) or on SIGHUP, the folder is loaded and checked again, and only a district
//! that passes every check replaces the one in force. A broken edit is logged with its
//! `file:line` errors and changes nothing, so a typo in a rule file cannot stop the dispatcher.
//!
//! Polling file sizes and modification times rather than subscribing to inotify: it works the same
//! on every filesystem (network mounts, container volumes, editors that replace files by rename),
//! and a few `stat` calls every few seconds cost nothing.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use jiesu_domain::live_district::LiveDistrict;
use tokio_util::sync::CancellationToken;

/// What the folder looks like: every file's path, size and modification time, sorted.
type Fingerprint = Vec<(PathBuf, u64, Option<SystemTime>)>;

fn fingerprint(dir: &Path) -> Fingerprint {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            match e.metadata() {
                Ok(m) if m.is_dir() => stack.push(path),
                Ok(m) => out.push((path, m.len(), m.modified().ok())),
                Err(_) => {}
            }
        }
    }
    out.sort();
    out
}

/// Loads the folder; on success puts it in force. Returns whether it did.
pub async fn reload(dir: &Path, live: &LiveDistrict) -> bool {
    let path = dir.to_path_buf();
    // Reading and compiling (automaton, R-tree) is CPU and file work: keep it off the runtime.
    let loaded = tokio::task::spawn_blocking(move || jiesu_district::load_dir(&path)).await;
    match loaded {
        Ok(Ok(d)) => {
            let rules = d.rules().len();
            live.replace(d);
            tracing::info!(dir = %dir.display(), rules, "district reloaded");
            true
        }
        Ok(Err(errors)) => {
            for e in &errors.0 {
                tracing::error!(problem = %e, "district not reloaded");
            }
            tracing::error!(dir = %dir.display(), problems = errors.0.len(), "the district in force stays as it was");
            false
        }
        Err(e) => {
            tracing::error!(error = %e, "district reload failed");
            false
        }
    }
}

/// Watches `dir` until `shutdown`. `every` zero: only SIGHUP reloads.
pub async fn watch(dir: PathBuf, live: LiveDistrict, every: Duration, shutdown: CancellationToken) {
    if !dir.is_dir() {
        tracing::info!(dir = %dir.display(), "the built-in sample district is in use: nothing to reload");
        return;
    }
    let mut hangup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGHUP; the district reloads on file changes only");
            None
        }
    };
    let mut seen = fingerprint(&dir);
    let poll = if every.is_zero() { Duration::from_secs(3600 * 24 * 365) } else { every };
    loop {
        let signalled = async {
            match hangup.as_mut() {
                Some(h) => h.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = signalled => {
                tracing::info!("SIGHUP: reloading the district");
                seen = fingerprint(&dir);
                reload(&dir, &live).await;
            }
            () = tokio::time::sleep(poll) => {
                let now = fingerprint(&dir);
                if now != seen {
                    seen = now;
                    reload(&dir, &live).await;
                }
            }
        }
    }
}
