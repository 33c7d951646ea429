//! Exports of requests, on both backends: CSV (UTF-8 with a byte-order mark) and XLSX, opened and
//! parsed back (the XLSX with calamine, a reader independent of the writer), the same rows in
//! both (a citizen's text that looks like a formula is made inert in the CSV, and is a plain
//! string cell in the XLSX); phone numbers masked and a confidential caller's name left out; the period and status
//! filters applied; bureau staff refused.

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::Backend;
use jiesu_e2e::client::{accepted_work_order, noise_order};
use jiesu_e2e::staff::StaffClient;
use reqwest::StatusCode;

jiesu_e2e::e2e_on_both_backends!(requests_export_as_csv_and_xlsx_masked_and_filtered);

async fn download(who: &StaffClient, path: &str) -> (StatusCode, Vec<u8>) {
    let resp = reqwest::Client::new()
        .get(format!("{}{path}", who.base))
        .bearer_auth(&who.token)
        .send()
        .await
        .expect("GET");
    (resp.status(), resp.bytes().await.expect("body").to_vec())
}

/// A CSV's records (the parser of RFC 4180 quoting is a few lines: no commas in these cells but
/// quotes and line breaks are handled).
fn records(text: &str) -> Vec<Vec<String>> {
    let (mut out, mut row, mut cell, mut quoted) = (Vec::new(), Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut cell)),
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut cell));
                out.push(std::mem::take(&mut row));
            }
            (c, _) => cell.push(c),
        }
    }
    out
}

async fn requests_export_as_csv_and_xlsx_masked_and_filtered(backend: Backend) {
    let key = backend.hotline_key("12345 call centre").await;
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    backend.add_staff("eco-staff", StaffRole::BureauStaff, Some("ecology-environment")).await;
    let app = backend.start(Roles::ALL).await;
    let open = accepted_work_order(
        &app.base,
        &key,
        &noise_order("GD20261122000601", false, "工地夜间施工，\"太吵了\"，已经三晚"),
    )
    .await;
    let secret =
        accepted_work_order(&app.base, &key, &noise_order("GD20261122000602", true, "=1+1 夜间施工噪声"))
            .await;
    let boss = StaffClient::login(&app.base, "boss").await;
    for t in [&open, &secret] {
        boss.get_until(&format!("/api/v1/requests/{t}"), |v| v["request"]["tracking"].is_string()).await;
    }

    let query = "from=2026-11-01&to=2026-11-30";
    let (status, body) = download(&boss, &format!("/api/v1/exports/requests.csv?{query}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 with a byte-order mark, for Excel");
    let text = String::from_utf8(body[3..].to_vec()).expect("UTF-8");
    let csv = records(&text);
    assert_eq!(csv[0][0], "工单编号");
    assert_eq!(csv.len(), 3, "the header and both requests: {text}");
    assert!(!text.contains("13912345678"), "phone numbers are masked");
    assert!(text.contains("139********"));
    let row = |tracking: &str| csv.iter().find(|r| r[0] == tracking).cloned().expect("the request's row");
    assert_eq!(row(&open)[10], "张先生");
    assert_eq!(row(&secret)[10], "（保密）", "a confidential caller's name is not exported");
    assert_eq!(row(&open)[8], "工地夜间施工，\"太吵了\"，已经三晚", "quotes survive the round trip");
    assert_eq!(row(&secret)[8], "'=1+1 夜间施工噪声", "a formula is made inert");

    let (status, body) = download(&boss, &format!("/api/v1/exports/requests.xlsx?{query}")).await;
    assert_eq!(status, StatusCode::OK);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(body)).expect("an XLSX");
    let sheet = book.worksheet_range_at(0).expect("a sheet").expect("readable");
    let xlsx: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(xlsx.len(), csv.len(), "the same rows in both");
    // The same cells, but for the CSV's apostrophe before what a spreadsheet would take for a
    // formula: an XLSX string cell is never one.
    let inert = |cell: &String| {
        if cell.starts_with(['=', '+', '-', '@']) { format!("'{cell}") } else { cell.clone() }
    };
    for (a, b) in xlsx.iter().zip(&csv) {
        assert_eq!(&a.iter().map(inert).collect::<Vec<_>>(), b, "the same cells in both");
    }

    // Filters: another month has nothing; closed requests (none yet) nothing.
    let (_, empty) = download(&boss, "/api/v1/exports/requests.csv?from=2026-10-01&to=2026-10-31").await;
    assert_eq!(records(&String::from_utf8_lossy(&empty[3..])).len(), 1, "the header only");
    let (_, closed) = download(&boss, &format!("/api/v1/exports/requests.csv?{query}&status=closed")).await;
    assert_eq!(records(&String::from_utf8_lossy(&closed[3..])).len(), 1);
    let (status, _) = download(&boss, "/api/v1/exports/requests.csv?status=lost").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let clerk = StaffClient::login(&app.base, "eco-staff").await;
    for ext in ["csv", "xlsx"] {
        let (status, _) = download(&clerk, &format!("/api/v1/exports/requests.{ext}?{query}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a bureau's staff export nothing");
    }
}
