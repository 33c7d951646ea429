//! The call centre's nightly export: a CSV of work orders, in UTF-8 (with or without a BOM) or
//! GBK, with Chinese column headers (English field names are accepted too). Reading never
//! panics, whatever the bytes: a bad file is one error, a bad row is that row's error.

use super::order::{FieldError, WorkOrder, parse_confidential};

/// Column headers, Chinese then English, for each work-order field.
const COLUMNS: [(&str, &str); 15] = [
    ("工单编号", "order_no"),
    ("来电时间", "call_time"),
    ("来电号码", "caller_number"),
    ("来电人", "caller_name"),
    ("是否保密", "confidential"),
    ("诉求类型", "kind"),
    ("问题分类", "category"),
    ("标题", "title"),
    ("主要内容", "content"),
    ("事发地址", "address"),
    ("街道", "street"),
    ("社区", "community"),
    ("紧急程度", "urgency"),
    ("受理员", "operator_id"),
    ("直接答复", "answer"),
];

const REQUIRED: [&str; 4] = ["order_no", "call_time", "kind", "content"];

/// One data row: its line in the file and the order it holds, or why it cannot be read.
#[derive(Debug)]
pub struct Row {
    pub line: u64,
    pub order: Result<WorkOrder, FieldError>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("the file is neither UTF-8 nor GBK text")]
    Encoding,
    #[error("the header row is missing")]
    NoHeader,
    #[error("unknown column `{0}`")]
    UnknownColumn(String),
    #[error("column `{0}` appears twice")]
    DuplicateColumn(String),
    #[error("required column `{0}` is missing")]
    MissingColumn(&'static str),
}

/// Decodes the export: UTF-8 when it is valid UTF-8 (a BOM is dropped), else GBK.
pub fn decode(bytes: &[u8]) -> Result<String, CsvError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(bytes);
    if had_errors { Err(CsvError::Encoding) } else { Ok(text.into_owned()) }
}

fn field_of(header: &str) -> Option<&'static str> {
    let h = header.trim();
    COLUMNS.iter().find(|(zh, en)| *zh == h || en.eq_ignore_ascii_case(h)).map(|(_, en)| *en)
}

pub fn read(bytes: &[u8]) -> Result<Vec<Row>, CsvError> {
    // CRLF (what Windows exports write) to LF: the csv crate's line numbers lag by one on CRLF.
    let text = decode(bytes)?.replace("\r\n", "\n");
    let mut reader = ::csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|_| CsvError::NoHeader)?.clone();
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(CsvError::NoHeader);
    }
    let mut fields = Vec::with_capacity(headers.len());
    for h in &headers {
        let f = field_of(h).ok_or_else(|| CsvError::UnknownColumn(h.trim().to_owned()))?;
        if fields.contains(&f) {
            return Err(CsvError::DuplicateColumn(h.trim().to_owned()));
        }
        fields.push(f);
    }
    if let Some(missing) = REQUIRED.iter().find(|r| !fields.contains(r)) {
        return Err(CsvError::MissingColumn(missing));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let (line, order) = match record {
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line());
                if r.iter().all(|v| v.trim().is_empty()) {
                    continue; // a blank line at the end of an export
                }
                let order = if r.len() == fields.len() {
                    to_order(&fields, &r)
                } else {
                    Err(FieldError {
                        field: "row",
                        message: format!("has {} fields, the header has {}", r.len(), fields.len()),
                    })
                };
                (line, order)
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                (line, Err(FieldError { field: "row", message: e.to_string() }))
            }
        };
        rows.push(Row { line, order });
    }
    Ok(rows)
}

fn to_order(fields: &[&'static str], record: &::csv::StringRecord) -> Result<WorkOrder, FieldError> {
    let mut o = WorkOrder::default();
    for (field, value) in fields.iter().zip(record.iter()) {
        let text = value.trim().to_owned();
        let optional = || (!text.is_empty()).then(|| text.clone());
        match *field {
            "order_no" => o.order_no = text,
            "call_time" => o.call_time = text,
            "caller_number" => o.caller_number = optional(),
            "caller_name" => o.caller_name = optional(),
            "confidential" => o.confidential = parse_confidential(&text)?,
            "kind" => o.kind = text,
            "category" => o.category = optional(),
            "title" => o.title = optional(),
            "content" => o.content = text,
            "address" => o.address = optional(),
            "street" => o.street = optional(),
            "community" => o.community = optional(),
            "urgency" => o.urgency = optional(),
            "operator_id" => o.operator_id = optional(),
            _ => o.answer = optional(),
        }
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "工单编号,来电时间,来电号码,来电人,是否保密,诉求类型,问题分类,标题,主要内容,事发地址,街道,社区,紧急程度,受理员,直接答复";

    fn file(rows: &[&str]) -> String {
        std::iter::once(HEADER).chain(rows.iter().copied()).collect::<Vec<_>>().join("\r\n")
    }

    #[test]
    fn an_export_in_utf8_or_gbk_reads_the_same() {
        let text = file(&[
            "GD1,2026-11-22 09:15:00,13912345678,张先生,是,投诉,施工噪声,噪音,工地夜间施工,,坑梓街道,金沙社区,紧急,A01,",
        ]);
        let (gbk, _, errors) = encoding_rs::GBK.encode(&text);
        assert!(!errors);
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        for bytes in [text.as_bytes(), &gbk, &with_bom] {
            let rows = read(bytes).expect("readable");
            let o = rows[0].order.as_ref().expect("valid row");
            assert_eq!(
                (o.order_no.as_str(), o.confidential, o.community.as_deref()),
                ("GD1", true, Some("金沙社区"))
            );
            assert_eq!(rows[0].line, 2);
        }
    }

    proptest::proptest! {
        /// Whatever bytes arrive, reading answers and never panics. (The fuzz target `hotline_csv`
        /// pushes this much further; this runs on every test run.)
        #[test]
        fn reading_any_bytes_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let _ = read(&bytes);
        }

        #[test]
        fn csv_shaped_input_never_panics(rows in proptest::collection::vec("[^\\n]{0,80}", 0..6)) {
            let text = std::iter::once(HEADER.to_owned()).chain(rows).collect::<Vec<_>>().join("\n");
            if let Ok(rows) = read(text.as_bytes()) {
                for r in rows {
                    if let Ok(o) = r.order {
                        let _ = o.into_request(&jiesu_domain::secret::test_key(), jiesu_testkit::fixtures::district(), chrono::Utc::now());
                    }
                }
            }
        }
    }

    #[test]
    fn english_headers_and_any_column_order_work() {
        let rows =
            read(b"content,kind,call_time,order_no,address\nno water,help,2026-11-22 09:00,GD2,Shijing\n")
                .expect("ok");
        assert_eq!(rows[0].order.as_ref().map(|o| o.order_no.as_str()), Ok("GD2"));
    }

    #[test]
    fn bad_files_and_bad_rows_are_told_apart() {
        assert_eq!(read(b"\xff\xfe\xfd").map(|_| ()), Err(CsvError::Encoding));
        assert_eq!(read(b"").map(|_| ()), Err(CsvError::NoHeader));
        assert_eq!(
            read("工单编号,颜色\n".as_bytes()).map(|_| ()),
            Err(CsvError::UnknownColumn("颜色".into()))
        );
        assert_eq!(
            read("工单编号,来电时间,主要内容\n".as_bytes()).map(|_| ()),
            Err(CsvError::MissingColumn("kind"))
        );
        let rows = read(
            file(&["GD1,2026-11-22 09:15:00", "GD2,2026-11-22 09:15:00,,,也许,求助,,,x,y,,,,,"]).as_bytes(),
        )
        .expect("ok");
        assert_eq!(rows[0].order.as_ref().map(|_| ()).map_err(|e| e.field), Err("row"));
        assert_eq!(rows[1].order.as_ref().map(|_| ()).map_err(|e| e.field), Err("confidential"));
        assert_eq!((rows[0].line, rows[1].line), (2, 3));
    }
}
