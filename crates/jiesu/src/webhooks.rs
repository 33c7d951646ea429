//! `jiesu webhook add | list | remove`: client applications' webhooks from the command line (the
//! administration pages do the same; both write the audit log). `add` prints the signing secret,
//! once: the client's receiver checks every call with it.

use std::io::Write;
use std::process::ExitCode;

use clap::Subcommand;
use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::ports::{Store, StoreError, Webhooks};
use jiesu_domain::webhook::{TOPICS, Webhook, WebhookSecret, WebhookUrl};

use crate::backends::{AnyStore, open_store};
use crate::settings::Settings;

#[derive(Debug, Subcommand)]
pub enum WebhookAction {
    /// Register a URL for an API client (by the name its key was created with); prints the secret.
    Add {
        /// The API client's name (`jiesu api-key add <name>`).
        #[arg(long)]
        client: String,
        /// https://… (plain http only to this machine).
        url: String,
        /// The notices to send, comma-separated (received, dispatched, coordinating, resolved,
        /// reopened, closed). Default: all.
        #[arg(long, value_delimiter = ',')]
        topics: Vec<String>,
    },
    /// List the webhooks.
    List,
    /// Remove a webhook by its id (`list` shows it); its pending calls are given up.
    Remove { id: uuid::Uuid },
}

fn say(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

fn fail(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr().lock(), "error: {message}");
    ExitCode::FAILURE
}

pub async fn run(settings: &Settings, action: WebhookAction) -> ExitCode {
    match open_store(settings, true).await {
        Ok(AnyStore::Sqlite(s)) => act(&s, action).await,
        Ok(AnyStore::Postgres(s)) => act(&s, action).await,
        Err(e) => fail(&e.to_string()),
    }
}

async fn act<S: Store + Webhooks>(store: &S, action: WebhookAction) -> ExitCode {
    let now = jiesu_domain::time::now();
    match action {
        WebhookAction::Add { client, url, topics } => {
            let url = match WebhookUrl::parse(&url) {
                Ok(u) => u,
                Err(e) => return fail(&e.to_string()),
            };
            let clients = match store.api_clients().await {
                Ok(c) => c,
                Err(e) => return fail(&e.to_string()),
            };
            let Some(owner) = clients.iter().find(|c| c.client.name == client && c.revoked_at.is_none())
            else {
                return fail(&format!("no API client `{client}` with a good key (`jiesu api-key add`)"));
            };
            // 256 bits from the thread-local CSPRNG (ChaCha, seeded from the operating system).
            let secret = WebhookSecret::from_random(rand::random());
            let hook = match Webhook::new(owner.client.id, url, &topics, secret, now) {
                Ok(h) => h,
                Err(e) => return fail(&e.to_string()),
            };
            let audit = AuditEntry::new(None, AuditAction::WebhookAdded, &client, hook.url.as_str(), now);
            match store.add_webhook(&hook, &audit).await {
                Ok(()) => {
                    say(hook.secret.expose());
                    let _ = writeln!(
                        std::io::stderr().lock(),
                        "webhook {} for `{client}` registered: {}. The secret above signs its calls; it is shown only this once.",
                        hook.id,
                        hook.url.as_str()
                    );
                    ExitCode::SUCCESS
                }
                Err(StoreError::Conflict(_)) => fail(&format!("`{client}` has registered that URL already")),
                Err(e) => fail(&e.to_string()),
            }
        }
        WebhookAction::List => match store.webhooks().await {
            Ok(all) => {
                for w in all {
                    let h = &w.webhook;
                    let topics = if h.topics.is_empty() { TOPICS.join(",") } else { h.topics.join(",") };
                    let state = if w.active() { "active" } else { "key revoked" };
                    say(&format!("{}\t{}\t{}\t{topics}\t{state}", h.id, w.client_name, h.url.as_str()));
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e.to_string()),
        },
        WebhookAction::Remove { id } => {
            let name = match store.webhooks().await {
                Ok(all) => all.into_iter().find(|w| w.webhook.id == id).map(|w| w.client_name),
                Err(e) => return fail(&e.to_string()),
            };
            let Some(name) = name else { return fail(&format!("there is no webhook {id}")) };
            let audit = AuditEntry::new(None, AuditAction::WebhookRemoved, &name, &id.to_string(), now);
            match store.remove_webhook(id, &audit).await {
                Ok(_) => {
                    say(&format!("webhook {id} removed"));
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e.to_string()),
            }
        }
    }
}
