//! Staff accounts (`/staff/admin`): every account with its role, bureau, state and last sign-in;
//! a form to create one; and on each, the changes an administrator makes: role or bureau, a new
//! password, disable or enable, unlock. A refused change re-renders the page with the reason
//! (and a 4xx); a done one redirects back with a notice, so a reload does not repeat it.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiesu_auth::password::{MAX_CHARS, MIN_CHARS};
use jiesu_auth::{AccountChange, AccountError, By, Password, WeakPassword};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::ports::{AccountState, Accounts, Cases, Store};
use jiesu_domain::staff::{StaffRole, User, Username};
use jiesu_words::Lang;
use jiesu_words::names::bureau_name;
use maud::{Markup, html};
use serde::Deserialize;

use super::super::layout::{self, Section, flash, role_label};
use super::super::session::Viewer;
use super::super::{Pages, State};
use super::{Admin, AdminForm, Tab, tabs, unreadable};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct UsersQuery {
    done: Option<String>,
    /// Part of a username.
    q: Option<String>,
    role: Option<String>,
}

impl UsersQuery {
    fn keeps(&self, a: &AccountState) -> bool {
        let q = self.q.as_deref().map(str::trim).unwrap_or_default().to_ascii_lowercase();
        let role = self.role.as_deref().and_then(StaffRole::parse);
        a.user.username.as_str().contains(&q) && role.is_none_or(|r| a.user.role == r)
    }
}

/// `GET /staff/admin`.
pub(crate) async fn list<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    Admin(viewer): Admin<S>,
    Query(q): Query<UsersQuery>,
) -> Response {
    let notice = q.done.as_deref().and_then(|d| done_notice(d, viewer.lang));
    render(&pages, &viewer, StatusCode::OK, notice, &q).await
}

fn done_notice(done: &str, lang: Lang) -> Option<Markup> {
    let said = match done {
        "created" => lang.pick("账号已创建。", "The account was created."),
        "disable" => lang.pick("账号已停用，其登录已全部结束。", "The account was disabled; its sessions have ended."),
        "enable" => lang.pick("账号已启用。", "The account was enabled."),
        "role" => lang.pick("角色或单位已变更。", "The role or bureau was changed."),
        "password" => lang.pick(
            "密码已重置，该账号的登录已全部结束。请当面或电话告知新密码。",
            "The password was reset and the account's sessions have ended. Give the new one in person or by phone.",
        ),
        "unlock" => lang.pick("已解除锁定。", "The account was unlocked."),
        _ => return None,
    };
    Some(flash("ok", said))
}

async fn render<S: Store + Cases + Accounts>(
    pages: &Pages<S>,
    viewer: &Viewer<S>,
    status: StatusCode,
    notice: Option<Markup>,
    filter: &UsersQuery,
) -> Response {
    let lang = viewer.lang;
    let accounts = match pages.auth.account_states().await {
        Ok(a) => a,
        Err(e) => return unreadable(lang, &e, "账号", "The accounts"),
    };
    let total = accounts.len();
    let shown: Vec<&AccountState> = accounts.iter().filter(|a| filter.keeps(a)).collect();
    let chosen = filter.role.as_deref().and_then(StaffRole::parse);
    let body = html! {
        h1 { (lang.pick("系统管理", "Administration")) }
        (tabs(Tab::Users, lang))
        @if let Some(n) = notice { (n) }
        form.card.filters #user-filters method="get" action="/staff/admin" {
            label for="f-q" { (lang.pick("用户名", "Username"))
                input type="search" id="f-q" name="q" value=[filter.q.as_deref()] autocomplete="off" autocapitalize="none";
            }
            label for="f-role" { (lang.pick("角色", "Role"))
                select id="f-role" name="role" {
                    option value="" { (lang.pick("全部", "All")) }
                    @for r in StaffRole::ALL { option value=(r.as_str()) selected[chosen == Some(r)] { (role_label(r, lang)) } }
                }
            }
            div.actions { button.secondary type="submit" id="find-users" { (lang.pick("查找", "Find")) } }
        }
        (create_form(pages, viewer))
        section.card aria-labelledby="h-users" {
            h2 #h-users { (lang.pick("账号", "Accounts")) " " span.muted.small { "(" (shown.len()) " / " (total) ")" } }
            @if shown.is_empty() {
                p.muted { (lang.pick("没有符合条件的账号。", "No account matches.")) }
            }
            ul.rows.accounts #users {
                @for a in shown { (account_row(pages, viewer, a)) }
            }
        }
    };
    let title = lang.pick("用户管理", "Users");
    layout::respond(status, layout::page(viewer.chrome(), Section::Admin, title, body))
}

/// The page again, with why the form was refused.
async fn refuse<S: Store + Cases + Accounts>(
    pages: &Pages<S>,
    viewer: &Viewer<S>,
    status: StatusCode,
    why: &str,
) -> Response {
    render(pages, viewer, status, Some(flash("error", why)), &UsersQuery::default()).await
}

fn state_words(a: &AccountState, lang: Lang) -> (String, &'static str) {
    let now = jiesu_domain::time::now();
    if a.user.disabled {
        (lang.pick("已停用", "disabled").to_owned(), "late")
    } else if let Some(until) = a.locked_until {
        let until = jiesu_words::time::local_time(until, now, lang);
        let said = match lang {
            Lang::Zh => format!("已锁定至 {until}"),
            Lang::En => format!("locked until {until}"),
        };
        (said, "soon")
    } else {
        (lang.pick("正常", "active").to_owned(), "ok")
    }
}

fn account_row<S: Store + Cases + Accounts>(pages: &Pages<S>, v: &Viewer<S>, a: &AccountState) -> Markup {
    let lang = v.lang;
    let d = pages.work.workflow.district();
    let u = &a.user;
    let name = u.username.as_str();
    let base = format!("/staff/admin/users/{name}");
    let (state, tone) = state_words(a, lang);
    let csrf = v.csrf.as_str();
    let myself = u.username == v.me.username;
    html! {
        li id={ "user-" (name) } {
            span.title { (name) }
            div.meta {
                span { (role_label(u.role, lang)) }
                @if let Some(b) = &u.bureau { span { (bureau_name(&d, b, lang)) } }
                span class={ "clock " (tone) } { (state) }
                span.muted {
                    (lang.pick("最近登录：", "Last sign-in: "))
                    @match a.last_sign_in {
                        Some(t) => (jiesu_words::time::local_time(t, jiesu_domain::time::now(), lang)),
                        None => (lang.pick("从未", "never")),
                    }
                }
            }
            div.acct-tools {
                @if a.locked_until.is_some() {
                    form method="post" action={ (base) "/unlock" } {
                        input type="hidden" name="csrf" value=(csrf);
                        button type="submit" id={ "unlock-" (name) } { (lang.pick("解除锁定", "Unlock")) }
                    }
                }
                @if u.disabled {
                    form method="post" action={ (base) "/enable" } {
                        input type="hidden" name="csrf" value=(csrf);
                        button.secondary type="submit" id={ "enable-" (name) } { (lang.pick("启用", "Enable")) }
                    }
                } @else if !myself {
                    form method="post" action={ (base) "/disable" } data-confirm=(lang.pick("确定停用该账号？其登录将全部结束。", "Disable this account? Its sessions end.")) {
                        input type="hidden" name="csrf" value=(csrf);
                        button.danger type="submit" id={ "disable-" (name) } { (lang.pick("停用", "Disable")) }
                    }
                }
                details.tool {
                    summary { (lang.pick("变更角色或单位", "Change role or bureau")) }
                    form method="post" action={ (base) "/role" } {
                        input type="hidden" name="csrf" value=(csrf);
                        (role_fields(pages, lang, &format!("-{name}"), Some(u)))
                        button.secondary type="submit" id={ "save-role-" (name) } { (lang.pick("保存", "Save")) }
                    }
                }
                details.tool {
                    summary { (lang.pick("重置密码", "Reset the password")) }
                    form method="post" action={ (base) "/password" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label for={ "pw-" (name) } { (lang.pick("新密码（至少 8 个字符）", "New password (at least 8 characters)")) }
                        input type="password" id={ "pw-" (name) } name="password" autocomplete="new-password" required minlength="8";
                        button.secondary type="submit" id={ "password-" (name) } { (lang.pick("重置", "Reset")) }
                    }
                }
            }
        }
    }
}

/// The role and bureau pickers, with `suffix` making their ids unique on the page.
fn role_fields<S: Store + Cases + Accounts>(
    pages: &Pages<S>,
    lang: Lang,
    suffix: &str,
    current: Option<&User>,
) -> Markup {
    let d = pages.work.workflow.district();
    let mut bureaus: Vec<_> = d.bureaus().map(|b| (b.code.clone(), bureau_name(&d, &b.code, lang))).collect();
    bureaus.sort_by(|a, b| a.1.cmp(&b.1));
    let role = current.map(|u| u.role);
    let bureau = current.and_then(|u| u.bureau.clone());
    html! {
        label for={ "role" (suffix) } { (lang.pick("角色", "Role")) }
        select id={ "role" (suffix) } name="role" required {
            @for r in StaffRole::ALL {
                option value=(r.as_str()) selected[role == Some(r)] { (role_label(r, lang)) }
            }
        }
        label for={ "bureau" (suffix) } {
            (lang.pick("单位", "Bureau"))
            span.hint { (lang.pick("（承办人员、单位管理员必选；其他角色不选）", " (for bureau staff and bureau admins only)")) }
        }
        select id={ "bureau" (suffix) } name="bureau" {
            option value="" selected[bureau.is_none()] { (lang.pick("（不属于单位）", "(no bureau)")) }
            @for (code, name) in &bureaus {
                option value=(code.as_str()) selected[bureau.as_ref() == Some(code)] { (name) }
            }
        }
    }
}

fn create_form<S: Store + Cases + Accounts>(pages: &Pages<S>, v: &Viewer<S>) -> Markup {
    let lang = v.lang;
    html! {
        details.act #new-user-panel {
            summary { (lang.pick("新建账号", "New account")) }
            form #new-user method="post" action="/staff/admin/users" {
                input type="hidden" name="csrf" value=(v.csrf.as_str());
                label for="new-username" {
                    (lang.pick("用户名", "Username"))
                    span.hint { (lang.pick("（3 到 32 个小写字母、数字或 . _ -）", " (3 to 32 lowercase letters, digits, . _ -)")) }
                }
                input type="text" id="new-username" name="username" required autocomplete="off" autocapitalize="none";
                (role_fields(pages, lang, "-new", None))
                label for="new-password" { (lang.pick("初始密码（至少 8 个字符）", "First password (at least 8 characters)")) }
                input type="password" id="new-password" name="password" required minlength="8" autocomplete="new-password";
                div.actions { button type="submit" id="create-user" { (lang.pick("创建", "Create")) } }
            }
        }
    }
}

/// The fields of the account forms (creating one uses them all; a change, the ones it needs).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AccountForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    bureau: String,
    #[serde(default)]
    password: String,
}

/// The role and bureau of a form, checked against the district.
fn role_and_bureau<S: Store + Cases + Accounts>(
    pages: &Pages<S>,
    role: &str,
    bureau: &str,
    lang: Lang,
) -> Result<(StaffRole, Option<BureauCode>), String> {
    let role =
        StaffRole::parse(role).ok_or_else(|| lang.pick("请选择角色。", "Choose a role.").to_owned())?;
    let bureau = match bureau.trim() {
        "" => None,
        raw => {
            let known =
                BureauCode::parse(raw).ok().filter(|c| pages.work.workflow.district().bureau(c).is_some());
            Some(known.ok_or_else(|| lang.pick("没有这个单位。", "There is no such bureau.").to_owned())?)
        }
    };
    jiesu_domain::staff::check_role(role, bureau.as_ref()).map_err(|_| {
        if role.belongs_to_bureau() {
            lang.pick("承办人员和单位管理员须选择单位。", "Bureau staff and bureau admins need a bureau.")
                .to_owned()
        } else {
            lang.pick("该角色面向全区，不属于任何单位。", "That role works district-wide: choose no bureau.")
                .to_owned()
        }
    })?;
    Ok((role, bureau))
}

fn weak_password(weak: WeakPassword, lang: Lang) -> String {
    match (weak, lang) {
        (WeakPassword::TooShort, Lang::Zh) => format!("密码太短：至少 {MIN_CHARS} 个字符。"),
        (WeakPassword::TooShort, Lang::En) => {
            format!("The password is too short: at least {MIN_CHARS} characters.")
        }
        (WeakPassword::TooLong, Lang::Zh) => format!("密码太长：最多 {MAX_CHARS} 个字符。"),
        (WeakPassword::TooLong, Lang::En) => {
            format!("The password is too long: at most {MAX_CHARS} characters.")
        }
    }
}

/// `POST /staff/admin/users`.
pub(crate) async fn create<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    posted: AdminForm<S, AccountForm>,
) -> Response {
    let AdminForm { viewer, form, client } = posted;
    let lang = viewer.lang;
    let checked = (|| {
        let username = Username::parse(form.username.trim()).map_err(|_| {
            lang.pick(
                "用户名须为 3 到 32 个小写字母、数字或 . _ - 。",
                "A username is 3 to 32 lowercase letters, digits, `.`, `_` or `-`.",
            )
            .to_owned()
        })?;
        let (role, bureau) = role_and_bureau(&pages, &form.role, &form.bureau, lang)?;
        let password = Password::new(&form.password).map_err(|w| weak_password(w, lang))?;
        let user = User::new(username, role, bureau, jiesu_domain::time::now()).map_err(|e| e.to_string())?;
        Ok::<_, String>((user, password))
    })();
    let (user, password) = match checked {
        Ok(c) => c,
        Err(why) => return refuse(&pages, &viewer, StatusCode::BAD_REQUEST, &why).await,
    };
    let by = By::staff(&viewer.me.username, client);
    match pages.auth.add_user(&user, &password, &by).await {
        Ok(()) => Redirect::to("/staff/admin?done=created").into_response(),
        Err(AccountError::UsernameTaken(_)) => {
            let why = lang.pick("该用户名已被使用。", "That username is taken.").to_owned();
            refuse(&pages, &viewer, StatusCode::CONFLICT, &why).await
        }
        Err(e) => failed(&pages, &viewer, &e).await,
    }
}

async fn failed<S: Store + Cases + Accounts>(
    pages: &Pages<S>,
    viewer: &Viewer<S>,
    e: &AccountError,
) -> Response {
    tracing::error!(error = %e, "an account change failed");
    let why = viewer.lang.pick("操作未能完成，请重试。", "That did not go through; try again.");
    refuse(pages, viewer, StatusCode::SERVICE_UNAVAILABLE, why).await
}

/// `POST /staff/admin/users/{username}/{action}`: `disable`, `enable`, `role`, `password`, `unlock`.
pub(crate) async fn change<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    Path((username, action)): Path<(String, String)>,
    posted: AdminForm<S, AccountForm>,
) -> Response {
    let AdminForm { viewer, form, client } = posted;
    let lang = viewer.lang;
    let Ok(username) = Username::parse(&username) else { return no_such_user(lang) };
    let change = match action.as_str() {
        "disable" if username == viewer.me.username => {
            let why = lang.pick("不能停用自己的账号。", "You cannot disable your own account.").to_owned();
            return refuse(&pages, &viewer, StatusCode::BAD_REQUEST, &why).await;
        }
        "disable" => AccountChange::Disable,
        "enable" => AccountChange::Enable,
        "unlock" => AccountChange::Unlock,
        "role" => match role_and_bureau(&pages, &form.role, &form.bureau, lang) {
            Ok((role, bureau)) => AccountChange::Role { role, bureau },
            Err(why) => {
                return refuse(&pages, &viewer, StatusCode::BAD_REQUEST, &why).await;
            }
        },
        "password" => match Password::new(&form.password) {
            Ok(p) => AccountChange::Password(p),
            Err(weak) => {
                let why = weak_password(weak, lang);
                return refuse(&pages, &viewer, StatusCode::BAD_REQUEST, &why).await;
            }
        },
        _ => return no_such_user(lang),
    };
    let by = By::staff(&viewer.me.username, client);
    match pages.auth.change(&username, change, &by).await {
        Ok(()) => Redirect::to(&format!("/staff/admin?done={action}#user-{username}")).into_response(),
        Err(AccountError::NoSuchUser(_)) => no_such_user(lang),
        Err(AccountError::Invalid(why)) => refuse(&pages, &viewer, StatusCode::BAD_REQUEST, &why).await,
        Err(e) => failed(&pages, &viewer, &e).await,
    }
}

fn no_such_user(lang: Lang) -> Response {
    layout::error_page(lang, StatusCode::NOT_FOUND, lang.pick("没有这个账号。", "There is no such account."))
}
