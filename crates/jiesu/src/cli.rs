//! The command line: `serve`, `migrate`, `check-config`, `api-key add`, `webhook ...`, `import hotline`, `user ...`,
//! `dlq ...`, `generate-history`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use jiesu_domain::api_client::{ApiClient, ApiKey, ClientChannel};
use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::ports::{Store, StoreError};

use crate::app::{App, Role, Roles};
use crate::backends::{AnyStore, open_store};
use crate::settings::{DatabaseKind, Settings};

#[derive(Debug, Parser)]
#[command(
    name = "jiesu",
    version,
    about = "接诉即办: routes citizens' requests to the units responsible for them"
)]
struct Cli {
    /// A settings file layered over config/default.toml (environment variables JIESU__SECTION__KEY win over both).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the service: every role in one process unless --role says which.
    Serve {
        /// Roles to run, comma-separated (intake, api, dispatch, relay, escalation, stats). Default: all.
        #[arg(long, value_delimiter = ',')]
        role: Vec<Role>,
        /// Listen on this address instead of server.listen.
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Bring the database schema up to date.
    Migrate,
    /// Check the settings and the district data (bureaus, areas, categories, rules); report every error with its file and line.
    CheckConfig,
    /// Import requests from another system's export.
    Import {
        #[command(subcommand)]
        what: ImportKind,
    },
    /// Manage the API keys of client applications (Open311 apps, the 12345 call centre).
    ApiKey {
        #[command(subcommand)]
        action: ApiKeyAction,
    },
    /// Manage client applications' webhooks (signed calls on their requests' public notices).
    Webhook {
        #[command(subcommand)]
        action: crate::webhooks::WebhookAction,
    },
    /// Manage staff accounts (passwords are read from standard input).
    User {
        #[command(subcommand)]
        action: crate::users::UserAction,
    },
    /// Look after the dead-letter queues: list, show, replay or drop what consumers could not process.
    Dlq {
        #[command(subcommand)]
        action: crate::dlq::DlqAction,
    },
    /// Fill the database with a realistic history of requests (for measuring at volume).
    GenerateHistory(crate::generate::GenerateArgs),
    /// The summary the supervisors' rates are read from.
    Stats {
        #[command(subcommand)]
        action: crate::stats::StatsAction,
    },
}

#[derive(Debug, Subcommand)]
enum ImportKind {
    /// A 12345 call centre's CSV export (UTF-8 or GBK; Chinese or English headers). Every row is
    /// imported whole or reported; orders already received are skipped, so rerunning a file
    /// imports nothing twice. Exit status 0: all imported; 2: some rows rejected; 1: stopped.
    Hotline {
        /// The CSV file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum ApiKeyAction {
    /// Create a client application and print its new key (shown once; only its hash is stored).
    Add {
        /// The client application's name, e.g. "坪山 WeChat mini program".
        name: String,
        /// The one channel the key opens.
        #[arg(long, value_enum, default_value_t = KeyChannel::Open311)]
        channel: KeyChannel,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum KeyChannel {
    /// Posting requests through Open311 GeoReport v2.
    Open311,
    /// Posting 12345 hotline work orders (the call centre).
    Hotline,
}

impl From<KeyChannel> for ClientChannel {
    fn from(c: KeyChannel) -> Self {
        match c {
            KeyChannel::Open311 => Self::Open311,
            KeyChannel::Hotline => Self::Hotline,
        }
    }
}

fn say(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

fn fail(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr().lock(), "error: {message}");
    ExitCode::FAILURE
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    crate::telemetry::init(&settings.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    runtime.block_on(async move {
        match cli.command {
            Command::Serve { role, listen } => serve(settings, Roles::from_list(&role), listen).await,
            Command::Migrate => migrate(&settings).await,
            Command::CheckConfig => check_config(&settings),
            Command::ApiKey { action: ApiKeyAction::Add { name, channel } } => {
                add_api_key(&settings, &name, channel.into()).await
            }
            Command::Import { what: ImportKind::Hotline { file } } => {
                Box::pin(crate::import::hotline(&settings, &file)).await
            }
            Command::User { action } => crate::users::run(&settings, action).await,
            Command::Webhook { action } => crate::webhooks::run(&settings, action).await,
            Command::Dlq { action } => crate::dlq::run(&settings, action).await,
            Command::GenerateHistory(args) => crate::generate::run(&settings, args).await,
            Command::Stats { action } => crate::stats::run(&settings, action).await,
        }
    })
}

async fn serve(mut settings: Settings, roles: Roles, listen: Option<SocketAddr>) -> ExitCode {
    if let Some(addr) = listen {
        settings.server.listen = addr;
    }
    let app = match App::build(&settings, roles).await {
        Ok(app) => app,
        Err(e) => return fail(&e.to_string()),
    };
    if let Some(addr) = app.local_addr() {
        tracing::info!(%addr, "listening");
        say(&format!("Jiesu is listening on http://{addr}/"));
    }
    app.run_until(termination()).await;
    ExitCode::SUCCESS
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM (what systemd and Kubernetes send).
async fn termination() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

async fn migrate(settings: &Settings) -> ExitCode {
    match open_store(settings, true).await {
        Ok(_) => {
            say("the database schema is up to date");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.to_string()),
    }
}

fn check_config(settings: &Settings) -> ExitCode {
    let mut problems = Vec::new();
    if let Err(e) = settings.database_kind() {
        problems.push(e);
    }
    if let Err(e) = settings.amqp_url() {
        problems.push(e);
    }
    if matches!((settings.database_kind(), settings.amqp_url()), (Ok(DatabaseKind::Postgres), Ok(None))) {
        problems.push("with PostgreSQL, queue.url must name a RabbitMQ server".into());
    }
    let dir = &settings.district.dir;
    let district = match jiesu_district::load_dir(dir) {
        Ok(d) => Some(d),
        Err(errors) => {
            problems.extend(errors.0.iter().map(ToString::to_string));
            None
        }
    };
    // The workflow and escalation settings, against the district when it loaded.
    let policy = match &district {
        Some(d) => settings.policy_for(d).map(drop),
        None => settings.policy().map(drop),
    };
    if let Err(e) = policy {
        problems.push(e);
    }
    // The district's 秒回 knowledge base, as serve would read it.
    if let Some(d) = &district {
        match crate::answers::load_answers(dir) {
            Ok(kb) => problems.extend(crate::answers::unknown_bureaus(&kb, d)),
            Err(e) => problems.push(e),
        }
    }
    problems.extend(settings.notify.problems());
    if !problems.is_empty() {
        for p in &problems {
            let _ = writeln!(std::io::stderr().lock(), "{p}");
        }
        return fail(&format!("{} problem(s) found", problems.len()));
    }
    if let Some(d) = district {
        // A calendar that runs out makes deadlines fall back to plain weekdays: worth a warning,
        // not a failure (the State Council publishes next year's holidays late in the year).
        let today = jiesu_domain::time::now().with_timezone(&jiesu_domain::time::LOCAL).date_naive();
        for w in jiesu_district::calendar_warnings(&d, today) {
            let _ = writeln!(std::io::stderr().lock(), "warning: {w}");
        }
        say(&format!(
            "{}: OK ({} bureaus, {} areas, {} services, {} rules, {} time-limit classes, calendar {})",
            dir.display(),
            d.bureaus().count(),
            d.areas().iter().count(),
            d.taxonomy().leaves().count(),
            d.rules().len(),
            d.time_limits().classes().count(),
            d.calendar().covered_years().map(|y| y.to_string()).collect::<Vec<_>>().join(", "),
        ));
    }
    ExitCode::SUCCESS
}

async fn add_api_key(settings: &Settings, name: &str, channel: ClientChannel) -> ExitCode {
    let client = match ApiClient::new(name, channel, jiesu_domain::time::now()) {
        Ok(c) => c,
        Err(e) => return fail(&e.to_string()),
    };
    // 160 bits from the thread-local CSPRNG (ChaCha, seeded from the operating system).
    let key = ApiKey::from_random(rand::random());
    let entry = AuditEntry::new(None, AuditAction::KeyCreated, name, channel.as_str(), client.created_at);
    let inserted = match open_store(settings, true).await {
        Ok(AnyStore::Sqlite(s)) => s.insert_api_client(&client, &key.hash(), &entry).await,
        Ok(AnyStore::Postgres(s)) => s.insert_api_client(&client, &key.hash(), &entry).await,
        Err(e) => return fail(&e.to_string()),
    };
    match inserted {
        Ok(()) => {
            say(key.expose());
            let _ = writeln!(
                std::io::stderr().lock(),
                "{} key for `{name}` created. It is shown only this once: only its hash is stored.",
                channel.as_str()
            );
            ExitCode::SUCCESS
        }
        Err(StoreError::Conflict(_)) => fail(&format!("an API client named `{name}` already exists")),
        Err(e) => fail(&e.to_string()),
    }
}
