//! Reloading the district while serving: when a file under `district.dir` changes (checked every
//! `district.reload_secs`) or on SIGHUP, the folder is loaded and checked again, and only a district
//! that passes every check replaces the one in force. A broken edit is logged with its
//! `file:line` errors and changes nothing, so a typo in a rule file cannot stop the dispatcher.
//!
//! The district in force is the files plus the rules supervisors accepted from coordination
//! meetings (`jiesu_workflow::RulebookService`): each reload composes them onto the files, and
//! every `district.reload_secs` the rulebook's revision is polled too, so a rule accepted through
//! another process's API is in force here within that time.
//!
//! Polling file sizes and modification times rather than subscribing to inotify: it works the same
//! on every filesystem (network mounts, container volumes, editors that replace files by rename),
//! and a few `stat` calls every few seconds cost nothing.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use jiesu_domain::ports::RuleBook;
use jiesu_workflow::RulebookService;
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

/// What became of a reload of the folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reloaded {
    /// In force, with the accepted rules composed onto it.
    Yes,
    /// The files fail a check: logged, and the district in force stays.
    Refused,
    /// The accepted rules could not be read: nothing changed; try again.
    Later,
}

/// Loads the folder; on success puts it in force, with the rules accepted from meetings.
pub async fn reload<R: RuleBook>(dir: &Path, rules: &RulebookService<R>) -> Reloaded {
    let path = dir.to_path_buf();
    // Reading and compiling (automaton, R-tree) is CPU and file work: keep it off the runtime.
    let loaded = tokio::task::spawn_blocking(move || jiesu_district::load_dir(&path)).await;
    match loaded {
        Ok(Ok(d)) => match rules.replace_files(d).await {
            Ok(()) => {
                tracing::info!(dir = %dir.display(), "district reloaded");
                Reloaded::Yes
            }
            Err(e) => {
                tracing::warn!(error = %e, "district not reloaded yet: cannot read the accepted rules");
                Reloaded::Later
            }
        },
        Ok(Err(errors)) => {
            for e in &errors.0 {
                tracing::error!(problem = %e, "district not reloaded");
            }
            rules.note_refused(errors.0.iter().map(ToString::to_string).collect());
            tracing::error!(dir = %dir.display(), problems = errors.0.len(), "the district in force stays as it was");
            Reloaded::Refused
        }
        Err(e) => {
            tracing::error!(error = %e, "district reload failed");
            rules.note_refused(vec![format!("the reload stopped: {e}")]);
            Reloaded::Refused
        }
    }
}

/// Watches `dir` and the rulebook until `shutdown`. `every` zero: only SIGHUP reloads (and an
/// acceptance through this process's API).
pub async fn watch<R: RuleBook>(
    dir: PathBuf,
    rules: RulebookService<R>,
    every: Duration,
    shutdown: CancellationToken,
) {
    // Without a folder the built-in sample is in force: only accepted rules can change it.
    let files = dir.is_dir();
    if !files {
        tracing::info!(dir = %dir.display(), "the built-in sample district is in use: only accepted rules change it");
    }
    let mut hangup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGHUP; the district reloads when polled only");
            None
        }
    };
    let mut seen = if files { fingerprint(&dir) } else { Vec::new() };
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
                if files {
                    seen = fingerprint(&dir);
                    reload(&dir, &rules).await;
                } else if let Err(e) = rules.refresh().await {
                    tracing::warn!(error = %e, "cannot read the accepted rules; the district in force stays");
                }
            }
            () = tokio::time::sleep(poll) => {
                if files {
                    let now = fingerprint(&dir);
                    if now != seen {
                        // Composes the accepted rules too: no separate check needed this round.
                        if reload(&dir, &rules).await != Reloaded::Later {
                            seen = now;
                        }
                        continue;
                    }
                }
                if let Err(e) = rules.refresh_if_changed().await {
                    tracing::warn!(error = %e, "cannot check the accepted rules; trying again");
                }
            }
        }
    }
}
