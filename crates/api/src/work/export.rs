//! `GET /api/v1/exports/requests.csv` and `.xlsx`: the requests of a period (with the console's
//! filters) as a spreadsheet, streamed page by page from the store, so a million rows never sit
//! in memory: the CSV goes out as it is written (UTF-8 with a byte-order mark, so Excel reads the
//! Chinese), the XLSX is written row by row to a temporary file in constant memory and that file
//! streamed. Contact fields are masked for every role (a full number is read one request at a
//! time, and each reading is recorded: an export is not a way round that); a confidential caller's
//! name is not exported at all.

use std::collections::VecDeque;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::district::District;
use jiesu_domain::ports::{Cursor, Page, RequestQuery, RequestView, Store};
use jiesu_domain::time::LOCAL;
use jiesu_words::Lang;
use jiesu_words::names::{area_name, bureau_name, category_name, channel_name, kind_name, status_name};
use serde::Deserialize;

use super::extract::QueryOf;
use super::tasks::Api;
use crate::ApiError;
use crate::error::ErrorBody;
use crate::staff::DistrictWide;

/// Rows read from the store at a time.
const PAGE: u32 = 1_000;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExportParams {
    /// The first day of receipt (district time); default: the first of this month.
    pub from: Option<NaiveDate>,
    /// The last day of receipt; default: today.
    pub to: Option<NaiveDate>,
    /// `open` or `closed`; default: both.
    pub status: Option<String>,
    /// This category and every one below it.
    pub category: Option<String>,
    /// `zh` (default) or `en`: the headers' and names' language.
    pub lang: Option<String>,
}

/// What to export, checked.
pub(crate) struct Export {
    query: RequestQuery,
    lang: Lang,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

fn invalid(field: &str, why: &str) -> ApiError {
    ApiError::new(axum::http::StatusCode::BAD_REQUEST, "invalid_query", format!("`{field}` {why}"))
}

impl Export {
    pub(crate) fn of(d: &District, p: &ExportParams) -> Result<Self, ApiError> {
        let today = jiesu_domain::time::now().with_timezone(&LOCAL).date_naive();
        let to = p.to.unwrap_or(today);
        let from = p.from.unwrap_or_else(|| chrono::Datelike::with_day(&to, 1).unwrap_or(to));
        if from > to {
            return Err(invalid("from", "is after `to`"));
        }
        let open = match p.status.as_deref() {
            None | Some("") => None,
            Some("open") => Some(true),
            Some("closed") => Some(false),
            Some(_) => return Err(invalid("status", "is `open` or `closed`")),
        };
        // A category stands for itself and everything below it in the taxonomy.
        let categories = match p.category.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            None => Vec::new(),
            Some(raw) => {
                let top =
                    CategoryCode::parse(raw).map_err(|_| invalid("category", "is not a category code"))?;
                let under: Vec<CategoryCode> = d
                    .taxonomy()
                    .iter()
                    .filter(|c| c.code.as_str().starts_with(top.as_str()))
                    .map(|c| c.code.clone())
                    .collect();
                if under.is_empty() { vec![top] } else { under }
            }
        };
        let start = |day: NaiveDate| Some(jiesu_domain::time::local_midnight(day));
        let query = RequestQuery {
            categories,
            open,
            received_from: start(from),
            received_to: to.succ_opt().and_then(start).map(|t| t - chrono::Duration::microseconds(1)),
            page: Page::first(PAGE),
            staff: true,
            ..RequestQuery::default()
        };
        let lang = if p.lang.as_deref() == Some("en") { Lang::En } else { Lang::Zh };
        Ok(Self { query, lang, from, to })
    }

    fn file_name(&self, extension: &str) -> String {
        format!("requests-{}-{}.{extension}", self.from, self.to)
    }
}

/// The columns, in the export's language.
pub(crate) fn headers(lang: Lang) -> [&'static str; 13] {
    [
        lang.pick("工单编号", "Tracking number"),
        lang.pick("受理时间", "Received"),
        lang.pick("渠道", "Channel"),
        lang.pick("诉求类型", "Kind"),
        lang.pick("问题分类", "Category"),
        lang.pick("所属区域", "Area"),
        lang.pick("状态", "Status"),
        lang.pick("承办单位", "Lead bureau"),
        lang.pick("诉求内容", "Description"),
        lang.pick("地址", "Address"),
        lang.pick("联系人", "Contact"),
        lang.pick("联系电话", "Phone"),
        lang.pick("最后更新", "Last change"),
    ]
}

/// One request's cells, masked as the module says.
pub(crate) fn cells(d: &District, v: &RequestView, lang: Lang) -> [String; 13] {
    let r = &v.request;
    let s = &r.submitted;
    let time =
        |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&LOCAL).format("%Y-%m-%d %H:%M").to_string();
    let contact = &s.contact;
    let name = match (&contact.name, contact.confidential) {
        (_, true) => lang.pick("（保密）", "(confidential)").to_owned(),
        (Some(n), false) => n.as_str().to_owned(),
        (None, false) => String::new(),
    };
    [
        s.tracking.as_str().to_owned(),
        time(s.received_at),
        channel_name(s.channel, lang).to_owned(),
        kind_name(s.kind, lang).to_owned(),
        s.category
            .as_ref()
            .map(|c| category_name(d, c, lang).unwrap_or_else(|| c.to_string()))
            .unwrap_or_default(),
        r.area.as_ref().map(|a| area_name(d, a, lang)).unwrap_or_default(),
        status_name(r.status, lang),
        jiesu_domain::task::current_lead(&v.tasks)
            .map(|t| bureau_name(d, &t.bureau, lang))
            .unwrap_or_default(),
        s.description.as_str().to_owned(),
        s.location.address().map(|a| a.as_str().to_owned()).unwrap_or_default(),
        name,
        contact.phone.as_ref().map(|p| p.masked()).unwrap_or_default(),
        time(r.updated_at),
    ]
}

/// A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180); and a leading
/// `=`, `+`, `-` or `@` made inert, so a citizen's text cannot become a spreadsheet formula.
fn field(raw: &str) -> String {
    let safe = if raw.starts_with(['=', '+', '-', '@']) { format!("'{raw}") } else { raw.to_owned() };
    if safe.contains([',', '"', '\n', '\r']) { format!("\"{}\"", safe.replace('"', "\"\"")) } else { safe }
}

pub(crate) fn line(fields: &[String]) -> String {
    let mut out: String = fields.iter().map(|f| field(f)).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    out
}

/// The pages of an export, one after another, from the newest request back.
pub(crate) struct Pages<S> {
    store: S,
    query: RequestQuery,
    done: bool,
}

impl<S: Store> Pages<S> {
    pub(crate) fn new(store: S, e: &Export) -> Self {
        Self { store, query: e.query.clone(), done: false }
    }

    /// The next page of requests, or `None` after the last.
    pub(crate) async fn next(&mut self) -> Option<Result<Vec<RequestView>, ApiError>> {
        if self.done {
            return None;
        }
        let page = match self.store.list_requests(&self.query).await {
            Ok(p) => p,
            Err(e) => return Some(Err(e.into())),
        };
        match page.last() {
            Some(last) if page.len() == PAGE as usize => {
                self.query.page = Page::after(PAGE, Cursor::of_request(last));
            }
            _ => self.done = true,
        }
        Some(Ok(page))
    }
}

fn attachment(content_type: &'static str, name: &str, body: Body) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    ([(CONTENT_TYPE, content_type.to_owned()), (CONTENT_DISPOSITION, disposition)], body).into_response()
}

/// Requests as CSV
///
/// Who: operators, supervisors, admins. UTF-8 with a byte-order mark; streamed.
#[utoipa::path(
    get, operation_id = "export_requests_csv", path = "/api/v1/exports/requests.csv", tag = "supervisors",
    params(ExportParams),
    responses(
        (status = 200, content_type = "text/csv", body = String), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
)]
pub(super) async fn csv<S: Store + jiesu_domain::ports::Cases>(
    State(api): Api<S>,
    DistrictWide(_): DistrictWide,
    QueryOf(p): QueryOf<ExportParams>,
) -> Result<Response, ApiError> {
    let d = api.workflow.district();
    let export = Export::of(&d, &p)?;
    let lang = export.lang;
    let head = format!("\u{feff}{}", line(&headers(lang).map(str::to_owned)));
    let pages = Pages::new(api.workflow.store().clone(), &export);
    let state = (pages, VecDeque::from([Bytes::from(head)]), d);
    let stream = futures_util::stream::unfold(state, move |(mut pages, mut ready, d)| async move {
        loop {
            if let Some(chunk) = ready.pop_front() {
                return Some((Ok::<_, std::io::Error>(chunk), (pages, ready, d)));
            }
            match pages.next().await? {
                Ok(rows) => {
                    let text: String = rows.iter().map(|v| line(&cells(&d, v, lang))).collect();
                    if !text.is_empty() {
                        ready.push_back(Bytes::from(text));
                    }
                }
                // Headers are sent: the only way left to say it failed is to stop short.
                Err(e) => return Some((Err(std::io::Error::other(e.message)), (pages, ready, d))),
            }
        }
    });
    Ok(attachment("text/csv; charset=utf-8", &export.file_name("csv"), Body::from_stream(stream)))
}

/// The last row a worksheet holds (Excel's limit); an export past it goes on in another sheet.
const SHEET_ROWS: u32 = 1_048_575;

/// Writes the workbook on a blocking thread as pages of cells arrive, row by row in constant
/// memory; answers the finished file, rewound.
fn xlsx_writer(
    lang: Lang,
    mut rows: tokio::sync::mpsc::Receiver<Vec<[String; 13]>>,
) -> tokio::task::JoinHandle<Result<std::fs::File, String>> {
    tokio::task::spawn_blocking(move || {
        use std::io::{Seek, SeekFrom};
        let fail = |e: rust_xlsxwriter::XlsxError| e.to_string();
        let mut book = rust_xlsxwriter::Workbook::new();
        let mut sheet = book.add_worksheet_with_constant_memory().map_err(fail)?;
        let heads = headers(lang);
        let mut row: u32 = 0;
        for (col, h) in (0u16..).zip(heads) {
            sheet.write_string(0, col, h).map_err(fail)?;
        }
        while let Some(page) = rows.blocking_recv() {
            for cells in page {
                if row == SHEET_ROWS {
                    sheet = book.add_worksheet_with_constant_memory().map_err(fail)?;
                    for (col, h) in (0u16..).zip(heads) {
                        sheet.write_string(0, col, h).map_err(fail)?;
                    }
                    row = 0;
                }
                row += 1;
                for (col, cell) in (0u16..).zip(cells) {
                    if !cell.is_empty() {
                        sheet.write_string(row, col, cell).map_err(fail)?;
                    }
                }
            }
        }
        let mut file = tempfile::tempfile().map_err(|e| e.to_string())?;
        book.save_to_writer(&mut file).map_err(fail)?;
        file.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
        Ok(file)
    })
}

/// Builds the workbook from every page (the store read here, the writing on its own thread).
async fn build_xlsx<S: Store>(
    mut pages: Pages<S>,
    d: std::sync::Arc<District>,
    lang: Lang,
) -> Result<std::fs::File, String> {
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    let writer = xlsx_writer(lang, rx);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| e.message)?;
        let cells: Vec<[String; 13]> = page.iter().map(|v| cells(&d, v, lang)).collect();
        if tx.send(cells).await.is_err() {
            break;
        }
    }
    drop(tx);
    writer.await.map_err(|e| e.to_string())?
}

/// Where an XLSX response stands: the workbook still to build, or its file being sent.
enum Sending<S> {
    Build(Pages<S>, std::sync::Arc<District>, Lang),
    Send(tokio::fs::File),
}

/// Requests as XLSX
///
/// Who: operators, supervisors, admins. The workbook is written row by row to a temporary file
/// (constant memory), then sent; a sheet holds Excel's 1,048,575 rows, more go on in the next.
#[utoipa::path(
    get, operation_id = "export_requests_xlsx", path = "/api/v1/exports/requests.xlsx", tag = "supervisors",
    params(ExportParams),
    responses(
        (status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
)]
pub(super) async fn xlsx<S: Store + jiesu_domain::ports::Cases>(
    State(api): Api<S>,
    DistrictWide(_): DistrictWide,
    QueryOf(p): QueryOf<ExportParams>,
) -> Result<Response, ApiError> {
    let d = api.workflow.district();
    let export = Export::of(&d, &p)?;
    let pages = Pages::new(api.workflow.store().clone(), &export);
    // Built inside the body's stream, so the response's deadline is not the export's.
    let start = Some(Sending::Build(pages, d, export.lang));
    let stream = futures_util::stream::unfold(start, |state| async move {
        use tokio::io::AsyncReadExt;
        let mut file = match state? {
            Sending::Send(file) => file,
            Sending::Build(pages, d, lang) => match build_xlsx(pages, d, lang).await {
                Ok(file) => tokio::fs::File::from_std(file),
                Err(e) => return Some((Err(std::io::Error::other(e)), None)),
            },
        };
        let mut chunk = vec![0; 64 * 1024];
        match file.read(&mut chunk).await {
            Ok(0) => None,
            Ok(n) => {
                chunk.truncate(n);
                Some((Ok(Bytes::from(chunk)), Some(Sending::Send(file))))
            }
            Err(e) => Some((Err(e), None)),
        }
    });
    let kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    Ok(attachment(kind, &export.file_name("xlsx"), Body::from_stream(stream)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_formulas_made_inert() {
        assert_eq!(field("路灯不亮"), "路灯不亮");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("他说\"快修\""), "\"他说\"\"快修\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-1"), "'-1");
        assert_eq!(line(&["a".into(), "b\nc".into()]), "a,\"b\nc\"\r\n");
    }
}
