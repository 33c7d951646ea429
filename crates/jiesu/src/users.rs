//! `jiesu user add | list | passwd | disable | enable | unlock | role`: staff accounts from the
//! command line (the administration pages do the same; both write the audit log). Passwords are
//! read from standard input (the first line), so they never appear in the process list or the
//! shell history: `echo 'secret-pass' | jiesu user add --username li.lei --role operator`.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::Subcommand;
use jiesu_auth::{AccountChange, Auth, By, Password};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::ports::Accounts;
use jiesu_domain::staff::{StaffRole, User, Username};

use crate::app::load_district;
use crate::backends::{AnyStore, open_store};
use crate::settings::Settings;

/// An account's name, role and bureau, as `add` and `role` take them.
#[derive(Debug, clap::Args)]
pub struct RoleArgs {
    #[arg(long, value_parser = parse_username)]
    username: Username,
    /// operator, bureau_staff, bureau_admin, supervisor or admin.
    #[arg(long, value_parser = parse_role)]
    role: StaffRole,
    /// The bureau's code (bureaus.toml); required for bureau_staff and bureau_admin only.
    #[arg(long, value_parser = parse_bureau)]
    bureau: Option<BureauCode>,
}

#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Create a staff account; the password is the first line of standard input.
    Add(RoleArgs),
    /// List the staff accounts.
    List,
    /// Set a new password (first line of standard input); the user's sessions end.
    Passwd {
        #[arg(long, value_parser = parse_username)]
        username: Username,
    },
    /// Disable an account: it can no longer sign in and its sessions end.
    Disable {
        #[arg(long, value_parser = parse_username)]
        username: Username,
    },
    /// Enable a disabled account.
    Enable {
        #[arg(long, value_parser = parse_username)]
        username: Username,
    },
    /// Lift every lock on an account (whichever addresses caused them).
    Unlock {
        #[arg(long, value_parser = parse_username)]
        username: Username,
    },
    /// Change an account's role and bureau (they must fit, as for `add`).
    Role(RoleArgs),
}

fn parse_username(raw: &str) -> Result<Username, String> {
    Username::parse(raw).map_err(|e| e.to_string())
}

fn parse_role(raw: &str) -> Result<StaffRole, String> {
    StaffRole::parse(raw).ok_or_else(|| {
        let all: Vec<_> = StaffRole::ALL.iter().map(|r| r.as_str()).collect();
        format!("one of {}", all.join(", "))
    })
}

fn parse_bureau(raw: &str) -> Result<BureauCode, String> {
    BureauCode::parse(raw).map_err(|e| e.to_string())
}

fn say(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

fn fail(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr().lock(), "error: {message}");
    ExitCode::FAILURE
}

pub async fn run(settings: &Settings, action: UserAction) -> ExitCode {
    // Everything that can be checked without the database is checked first.
    let job = match prepare(settings, action) {
        Ok(job) => job,
        Err(e) => return fail(&e),
    };
    match open_store(settings, true).await {
        Ok(AnyStore::Sqlite(s)) => job.run(Auth::new(s, settings.auth.to_auth())).await,
        Ok(AnyStore::Postgres(s)) => job.run(Auth::new(s, settings.auth.to_auth())).await,
        Err(e) => fail(&e.to_string()),
    }
}

/// A command with its password read and its user checked.
enum Job {
    Add(User, Password),
    Change(Username, AccountChange),
    List,
}

fn prepare(settings: &Settings, action: UserAction) -> Result<Job, String> {
    Ok(match action {
        UserAction::Add(RoleArgs { username, role, bureau }) => {
            Job::Add(new_user(settings, username, role, bureau)?, read_password()?)
        }
        UserAction::Passwd { username } => Job::Change(username, AccountChange::Password(read_password()?)),
        UserAction::Disable { username } => Job::Change(username, AccountChange::Disable),
        UserAction::Enable { username } => Job::Change(username, AccountChange::Enable),
        UserAction::Unlock { username } => Job::Change(username, AccountChange::Unlock),
        UserAction::Role(RoleArgs { username, role, bureau }) => {
            known_bureau(settings, bureau.as_ref())?;
            Job::Change(username, AccountChange::Role { role, bureau })
        }
        UserAction::List => Job::List,
    })
}

/// The role and bureau must fit (`User::new`) and the bureau must exist in the district.
fn new_user(
    settings: &Settings,
    username: Username,
    role: StaffRole,
    bureau: Option<BureauCode>,
) -> Result<User, String> {
    known_bureau(settings, bureau.as_ref())?;
    User::new(username, role, bureau, jiesu_domain::time::now()).map_err(|e| e.to_string())
}

fn known_bureau(settings: &Settings, bureau: Option<&BureauCode>) -> Result<(), String> {
    if let Some(code) = bureau {
        let district = load_district(&settings.district.dir).map_err(|e| format!("district data:\n{e}"))?;
        if district.bureau(code).is_none() {
            return Err(format!("there is no bureau `{code}` in the district"));
        }
    }
    Ok(())
}

impl Job {
    async fn run<A: Accounts>(self, auth: Auth<A>) -> ExitCode {
        let done = match self {
            Job::Add(user, password) => auth
                .add_user(&user, &password, &By::command_line())
                .await
                .map(|()| format!("user {} created ({})", user.username, describe(&user))),
            Job::Change(username, change) => {
                let said = match &change {
                    AccountChange::Password(_) => {
                        format!("password of {username} changed; their sessions have ended")
                    }
                    AccountChange::Disable => format!("user {username} disabled; their sessions have ended"),
                    AccountChange::Enable => format!("user {username} enabled"),
                    AccountChange::Unlock => format!("user {username} unlocked"),
                    AccountChange::Role { role, bureau } => {
                        format!("user {username} is now {}", jiesu_auth::describe(*role, bureau))
                    }
                };
                auth.change(&username, change, &By::command_line()).await.map(|()| said)
            }
            Job::List => auth.list_users().await.map(|users| listing(&users)),
        };
        match done {
            Ok(message) => {
                say(&message);
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e.to_string()),
        }
    }
}

fn describe(user: &User) -> String {
    jiesu_auth::describe(user.role, &user.bureau)
}

fn listing(users: &[User]) -> String {
    if users.is_empty() {
        return "no staff accounts yet (add one with `jiesu user add`)".into();
    }
    let width = users.iter().map(|u| u.username.as_str().len()).max().unwrap_or(0);
    users
        .iter()
        .map(|u| {
            let disabled = if u.disabled { "  (disabled)" } else { "" };
            format!("{:width$}  {}{disabled}", u.username.as_str(), describe(u))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first line of standard input, checked against the password policy. At a terminal the
/// typing is not echoed.
fn read_password() -> Result<Password, String> {
    let stdin = std::io::stdin();
    let at_terminal = stdin.is_terminal();
    if at_terminal {
        let _ = write!(std::io::stderr().lock(), "password: ");
        echo(false);
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if at_terminal {
        echo(true);
        let _ = writeln!(std::io::stderr().lock());
    }
    match read {
        Ok(0) => return Err("no password on standard input".into()),
        Ok(_) => {}
        Err(e) => return Err(format!("cannot read the password from standard input: {e}")),
    }
    Password::new(line.trim_end_matches(['\n', '\r'])).map_err(|e| e.to_string())
}

/// Turns the terminal's echo off or on (best effort: without `stty` the password shows).
fn echo(on: bool) {
    let _ = std::process::Command::new("stty").arg(if on { "echo" } else { "-echo" }).status();
}
