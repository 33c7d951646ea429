//! The audit log (`/staff/admin/audit`): newest first, filtered by action, by person (as actor or
//! as subject) and by local date; the same filters export as CSV (UTF-8 with BOM for Excel,
//! formula-inert cells), streamed page by page.

use axum::body::Body;
use axum::extract::Query;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use futures_util::StreamExt;
use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::ports::{Accounts, AuditQuery, Cases, Cursor, Listing, Page, Store, split_page};
use jiesu_domain::time::{LOCAL, local_midnight};
use jiesu_words::Lang;
use maud::html;
use serde::Deserialize;

use super::super::State;
use super::super::layout::{self, Section};
use super::{Admin, Tab, tabs, unreadable};

const PAGE_SIZE: u32 = 50;
/// Rows an export reads at once.
const EXPORT_BATCH: u32 = 500;

#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct AuditFilters {
    action: Option<String>,
    who: Option<String>,
    /// Local dates, both included.
    from: Option<String>,
    to: Option<String>,
    after: Option<String>,
}

impl AuditFilters {
    fn query(&self, page: Page) -> AuditQuery {
        let day = |raw: &Option<String>| {
            raw.as_deref().and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        };
        AuditQuery {
            actions: self.action.as_deref().and_then(AuditAction::parse).into_iter().collect(),
            who: self.who.as_deref().map(str::trim).filter(|w| !w.is_empty()).map(str::to_ascii_lowercase),
            from: day(&self.from).map(local_midnight),
            until: day(&self.to).and_then(|d| d.succ_opt()).map(local_midnight),
            page,
        }
    }

    /// The filters as a query string, with `after` when given.
    fn link(&self, path: &str, after: Option<&str>) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("action", &self.action), ("who", &self.who), ("from", &self.from), ("to", &self.to)] {
            if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
                s.append_pair(k, v);
            }
        }
        if let Some(a) = after {
            s.append_pair("after", a);
        }
        format!("{path}?{}", s.finish())
    }
}

fn action_name(a: AuditAction, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => a.name_zh(),
        Lang::En => a.name_en(),
    }
}

/// `GET /staff/admin/audit`.
pub(crate) async fn list<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    Admin(viewer): Admin<S>,
    Query(f): Query<AuditFilters>,
) -> Response {
    let lang = viewer.lang;
    let page = f
        .after
        .as_deref()
        .and_then(|a| Cursor::decode(Listing::Audit, a).ok())
        .map_or(Page::first(PAGE_SIZE), |c| Page::after(PAGE_SIZE, c));
    let found = match pages.auth.accounts().audit_log(&f.query(page.and_one_more())).await {
        Ok(found) => found,
        Err(e) => return unreadable(lang, &e, "审计日志", "The audit log"),
    };
    let (found, next) = split_page(found, PAGE_SIZE, Listing::Audit, |e| Cursor::new(e.at, e.id));
    let now = jiesu_domain::time::now();
    let chosen = f.action.as_deref().and_then(AuditAction::parse);
    let body = html! {
        h1 { (lang.pick("系统管理", "Administration")) }
        (tabs(Tab::Audit, lang))
        form.card.filters #audit-filters method="get" action="/staff/admin/audit" {
            label for="f-action" { (lang.pick("事项", "Action"))
                select id="f-action" name="action" {
                    option value="" { (lang.pick("全部", "All")) }
                    @for a in AuditAction::ALL {
                        option value=(a.as_str()) selected[chosen == Some(a)] { (action_name(a, lang)) }
                    }
                }
            }
            label for="f-who" { (lang.pick("人员（用户名）", "Person (username)"))
                input type="search" id="f-who" name="who" value=[f.who.as_deref()] autocomplete="off";
            }
            label for="f-from" { (lang.pick("起始日期", "From"))
                input type="date" id="f-from" name="from" value=[f.from.as_deref()];
            }
            label for="f-to" { (lang.pick("截止日期", "To"))
                input type="date" id="f-to" name="to" value=[f.to.as_deref()];
            }
            div.actions {
                button type="submit" id="filter" { (lang.pick("筛选", "Filter")) }
                a.button.secondary #export-audit href=(f.link("/staff/admin/audit.csv", None)) hx-boost="false" download { (lang.pick("导出 CSV", "Export CSV")) }
            }
        }
        @if found.is_empty() {
            p.card.muted #empty { (lang.pick("没有符合条件的记录。", "Nothing matches.")) }
        } @else {
            div.table-wrap tabindex="0" role="region" aria-label=(lang.pick("审计日志", "Audit log")) {
                table #audit {
                    thead { tr {
                        th scope="col" { (lang.pick("时间", "When")) }
                        th.text scope="col" { (lang.pick("操作人", "By")) }
                        th.text scope="col" { (lang.pick("事项", "Action")) }
                        th.text scope="col" { (lang.pick("对象", "Subject")) }
                        th.text scope="col" { (lang.pick("来源地址", "From")) }
                        th.text scope="col" { (lang.pick("说明", "Detail")) }
                    } }
                    tbody {
                        @for e in &found {
                            tr data-action=(e.action.as_str()) {
                                th scope="row" { (jiesu_words::time::local_time(e.at, now, lang)) }
                                td.text { (actor(e, lang)) }
                                td.text { (action_name(e.action, lang)) }
                                td.text { (e.subject) }
                                td.text { (e.client.as_deref().unwrap_or("")) }
                                td.text { (e.detail) }
                            }
                        }
                    }
                }
            }
        }
        div.pager {
            span {}
            @if let Some(n) = &next { a #next-page href=(f.link("/staff/admin/audit", Some(n))) { (lang.pick("下一页 »", "Next page »")) } }
        }
    };
    let title = lang.pick("审计日志", "Audit log");
    layout::respond(StatusCode::OK, layout::page(viewer.chrome(), Section::Admin, title, body))
}

fn actor(e: &AuditEntry, lang: Lang) -> String {
    match &e.actor {
        Some(u) => u.as_str().to_owned(),
        None if e.action == AuditAction::SignInFailed || e.action == AuditAction::Locked => String::new(),
        None => lang.pick("服务器命令行", "server command line").to_owned(),
    }
}

/// `GET /staff/admin/audit.csv`: every entry the filters match, newest first.
pub(crate) async fn export<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    _admin: Admin<S>,
    Query(f): Query<AuditFilters>,
) -> Response {
    let store = pages.auth.accounts().clone();
    let header = "\u{feff}time (UTC+8),actor,action,subject,client,detail\r\n".to_owned();
    // Page after page, each read when the client has taken the one before.
    let pages_of_rows = futures_util::stream::unfold(Some(Page::first(EXPORT_BATCH)), move |page| {
        let (store, f) = (store.clone(), f.clone());
        async move {
            let page = page?;
            match store.audit_log(&f.query(page)).await {
                Ok(rows) => {
                    let next = (rows.len() == EXPORT_BATCH as usize)
                        .then(|| rows.last().map(|e| Page::after(EXPORT_BATCH, Cursor::new(e.at, e.id))))
                        .flatten();
                    let text: String = rows.iter().map(csv_line).collect();
                    Some((Ok::<_, std::io::Error>(text), next))
                }
                Err(e) => {
                    tracing::error!(error = %e, "the audit export stopped");
                    Some((Err(std::io::Error::other("the audit log cannot be read")), None))
                }
            }
        }
    });
    let body = futures_util::stream::once(async move { Ok(header) }).chain(pages_of_rows);
    let name = format!("audit-{}.csv", jiesu_domain::time::now().format("%Y%m%d"));
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

fn csv_line(e: &AuditEntry) -> String {
    crate::work::export::line(&[
        e.at.with_timezone(&LOCAL).format("%Y-%m-%d %H:%M:%S").to_string(),
        e.actor.as_ref().map(|a| a.as_str().to_owned()).unwrap_or_default(),
        e.action.as_str().to_owned(),
        e.subject.clone(),
        e.client.clone().unwrap_or_default(),
        e.detail.clone(),
    ])
}
