//! `jiesu dlq list | show | replay | drop`: the dead-letter queues, for an operator.
//!
//! A message a consumer could not process waits in `<queue>.dlq` with why. `list` shows what
//! waits (a table: id, queue, kind, when, reason, which request or event: never a citizen's
//! phone number or OpenID), `show` one message with its payload masked, `replay` sends messages
//! back to their queue (consumers are idempotent, so a replay is safe), `drop` deletes them for
//! good (after `--yes` or a confirmation at a terminal). The answer goes to stdout, logs to
//! stderr. Exit status 0: done; 1: the backends failed; 2: nothing matched, or not confirmed.

pub mod view;

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use jiesu_domain::messages::INTAKE_QUEUE;
use jiesu_domain::ports::{
    Accounts, Cases, ChannelSessions, DeadLetter, Escalations, Queue, Selection, Store,
};
use jiesu_escalation::{ESCALATION_QUEUE, HOTSPOT_QUEUE};
use jiesu_stats::STATS_QUEUE;
use uuid::Uuid;

use crate::app::StartError;
use crate::backends::{OpenOptions, UseBackends, with_backends};
use crate::settings::Settings;

/// The queues whose dead letters an operator looks after.
pub const QUEUES: [&str; 4] = [INTAKE_QUEUE, ESCALATION_QUEUE, HOTSPOT_QUEUE, STATS_QUEUE];

#[derive(Debug, Subcommand)]
pub enum DlqAction {
    /// List the dead letters: id, queue, kind, when, why, and which request or event.
    List {
        #[command(flatten)]
        queue: QueueArg,
        /// At most this many per queue.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Show one dead letter, its payload with personal data masked.
    Show {
        id: Uuid,
        #[command(flatten)]
        queue: QueueArg,
    },
    /// Send dead letters back to the queue they came from, then remove them from the dead-letter queue.
    Replay {
        #[command(flatten)]
        which: Which,
        #[command(flatten)]
        queue: QueueArg,
    },
    /// Delete dead letters for good.
    Drop {
        #[command(flatten)]
        which: Which,
        #[command(flatten)]
        queue: QueueArg,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct QueueArg {
    /// Only this queue's dead letters (intake or escalation). Default: every queue.
    #[arg(long, value_parser = parse_queue)]
    queue: Option<String>,
}

impl QueueArg {
    fn queues(&self) -> Vec<String> {
        match &self.queue {
            Some(q) => vec![q.clone()],
            None => QUEUES.iter().map(|q| (*q).to_owned()).collect(),
        }
    }
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Which {
    /// The messages' ids, as `list` shows them.
    ids: Vec<Uuid>,
    /// Every dead letter (of `--queue`, or of every queue).
    #[arg(long)]
    all: bool,
}

impl Which {
    fn selection(&self) -> Selection {
        if self.all { Selection::All } else { Selection::Ids(self.ids.clone()) }
    }
}

fn parse_queue(raw: &str) -> Result<String, String> {
    QUEUES
        .iter()
        .find(|q| **q == raw)
        .map(|q| (*q).to_owned())
        .ok_or_else(|| format!("one of {}", QUEUES.join(", ")))
}

/// What the command found, to print once the backends are closed.
enum Answer {
    List(Vec<DeadLetter>),
    Show(Option<DeadLetter>),
    /// How many were replayed or dropped, and the ids asked for that were not found.
    Done {
        verb: &'static str,
        count: usize,
        missing: Vec<Uuid>,
    },
}

struct Job {
    action: DlqAction,
}

impl UseBackends for Job {
    type Output = Answer;

    async fn run<S: Store + ChannelSessions + Cases + Accounts + Escalations, Q: Queue>(
        self,
        _store: S,
        queue: Q,
    ) -> Result<Answer, StartError> {
        let queues = match &self.action {
            DlqAction::List { queue, .. } | DlqAction::Show { queue, .. } => queue.queues(),
            DlqAction::Replay { queue, .. } | DlqAction::Drop { queue, .. } => queue.queues(),
        };
        // Declaring is idempotent; it makes sure the dead-letter queues exist before reading them.
        for q in &queues {
            queue.declare(q, &[]).await?;
        }
        match self.action {
            DlqAction::List { limit, .. } => {
                let mut all = Vec::new();
                for q in &queues {
                    all.extend(queue.dead_letters(q, limit).await?);
                }
                Ok(Answer::List(all))
            }
            DlqAction::Show { id, .. } => {
                for q in &queues {
                    if let Some(found) =
                        queue.dead_letters(q, usize::MAX).await?.into_iter().find(|l| l.message.id == id)
                    {
                        return Ok(Answer::Show(Some(found)));
                    }
                }
                Ok(Answer::Show(None))
            }
            DlqAction::Replay { which, .. } => settle(&queue, &queues, &which, true).await,
            DlqAction::Drop { which, .. } => settle(&queue, &queues, &which, false).await,
        }
    }
}

async fn settle<Q: Queue>(
    queue: &Q,
    queues: &[String],
    which: &Which,
    replay: bool,
) -> Result<Answer, StartError> {
    let selection = which.selection();
    let mut missing: Vec<Uuid> = which.ids.clone();
    let mut count = 0;
    for q in queues {
        if let Selection::Ids(ids) = &selection {
            let present: Vec<Uuid> =
                queue.dead_letters(q, usize::MAX).await?.into_iter().map(|l| l.message.id).collect();
            missing.retain(|id| !present.contains(id));
            if !ids.iter().any(|id| present.contains(id)) {
                continue;
            }
        }
        count +=
            if replay { queue.replay(q, &selection).await? } else { queue.discard(q, &selection).await? };
    }
    Ok(Answer::Done { verb: if replay { "replayed" } else { "dropped" }, count, missing })
}

fn fail(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr().lock(), "error: {message}");
    ExitCode::FAILURE
}

/// `drop` without `--yes`: asks at a terminal; refuses in a script.
fn confirmed(action: &DlqAction) -> Result<bool, String> {
    let DlqAction::Drop { which, yes: false, .. } = action else { return Ok(true) };
    if !std::io::stdin().is_terminal() {
        return Err("dropping deletes messages for good: add --yes".into());
    }
    let what = if which.all {
        "every dead letter".to_owned()
    } else {
        format!("{} dead letter(s)", which.ids.len())
    };
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "Delete {what} for good? [y/N] ");
    let _ = err.flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

pub async fn run(settings: &Settings, action: DlqAction) -> ExitCode {
    match confirmed(&action) {
        Ok(true) => {}
        Ok(false) => {
            let _ = writeln!(std::io::stderr().lock(), "nothing dropped");
            return ExitCode::from(2);
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {e}");
            return ExitCode::from(2);
        }
    }
    let options = OpenOptions { serve: false, migrate: settings.database.migrate_on_start };
    let answer = match with_backends(settings, options, Job { action }).await {
        Ok((answer, _)) => answer,
        Err(e) => return fail(&e.to_string()),
    };
    let mut out = std::io::stdout().lock();
    match answer {
        Answer::List(letters) => {
            let _ = write!(out, "{}", table(&letters));
            ExitCode::SUCCESS
        }
        Answer::Show(Some(letter)) => {
            let _ = write!(out, "{}", details(&letter));
            ExitCode::SUCCESS
        }
        Answer::Show(None) => {
            let _ = writeln!(std::io::stderr().lock(), "no such dead letter");
            ExitCode::from(2)
        }
        Answer::Done { verb, count, missing } => {
            let _ = writeln!(out, "{verb} {count}");
            for id in &missing {
                let _ = writeln!(std::io::stderr().lock(), "not found: {id}");
            }
            if missing.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) }
        }
    }
}

fn when(letter: &DeadLetter) -> String {
    letter.dead_at.map_or_else(
        || "-".into(),
        |t| t.with_timezone(&jiesu_domain::time::LOCAL).format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

/// One line per dead letter, under a header; the free-text columns last, as they vary in width.
pub fn table(letters: &[DeadLetter]) -> String {
    let mut out = format!(
        "{:<36}  {:<10}  {:<11}  {:<19}  {:<50}  {}\n",
        "ID", "QUEUE", "KIND", "DEAD SINCE", "REASON", "SUMMARY"
    );
    for l in letters {
        out.push_str(&format!(
            "{:<36}  {:<10}  {:<11}  {:<19}  {:<50}  {}\n",
            l.message.id,
            l.queue,
            view::cut(&l.message.kind, 11),
            when(l),
            view::cut(&view::mask_text(&l.reason).replace('\n', " "), 50),
            view::summary(l),
        ));
    }
    out
}

/// Everything about one dead letter, its payload masked.
pub fn details(l: &DeadLetter) -> String {
    let mut out = String::new();
    let mut line = |k: &str, v: &str| out.push_str(&format!("{k:<11} {v}\n"));
    line("id", &l.message.id.to_string());
    line("queue", &l.queue);
    line("kind", &l.message.kind);
    line("dead since", &when(l));
    line("deliveries", &l.deliveries.to_string());
    line("reason", &view::mask_text(&l.reason));
    line("summary", &view::summary(l));
    for (k, v) in &l.message.headers {
        line(&format!("header {k}"), &view::mask_text(v));
    }
    out.push_str("payload:\n");
    out.push_str(&view::masked_payload(&l.message.payload));
    out.push('\n');
    out
}
