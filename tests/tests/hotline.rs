//! The 12345 hotline: work orders pushed by the call centre, and its nightly CSV export imported
//! with the CLI, through the real queue and dispatcher, on both backends.

use std::process::Command;
use std::time::Duration;

use jiesu::Roles;
use jiesu_e2e::client::push_work_order;
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;
use serde_json::{Value, json};

const JIESU: &str = env!("CARGO_BIN_EXE_jiesu-under-test");

jiesu_e2e::e2e_on_both_backends!(
    a_work_order_is_routed_and_a_resend_gets_the_same_tracking_number,
    a_consultation_answered_on_the_phone_is_stored_closed,
    a_bad_token_or_a_bad_field_is_refused_by_name,
    an_export_is_imported_once_in_utf8_or_gbk,
);

fn order(no: &str) -> Value {
    json!({
        "order_no": no,
        "call_time": "2026-11-22T09:15:00+08:00",
        "caller_number": "13912345678",
        "caller_name": "张先生",
        "confidential": false,
        "kind": "投诉",
        "category": "施工噪声",
        "title": "夜间施工噪音扰民",
        "content": "金沙社区旁工地每晚十一点后仍在施工",
        "street": "坑梓街道",
        "community": "金沙社区",
        "urgency": "紧急",
        "operator_id": "A0123"
    })
}

async fn a_work_order_is_routed_and_a_resend_gets_the_same_tracking_number(backend: Backend) {
    let key = backend.hotline_key("12345 call centre").await;
    let app = backend.start(Roles::ALL).await;
    let (status, first) = push_work_order(&app.base, &key, &order("GD20261122000123")).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (_, again) = push_work_order(&app.base, &key, &order("GD20261122000123")).await;
    assert_eq!(first["tracking_number"], again["tracking_number"], "a resend gets the same number");
    let tracking = first["tracking_number"].as_str().expect("tracking number");
    let record = Open311Client::new(&app.base, "").wait_for(tracking, Duration::from_secs(10)).await;
    // 施工噪声 is read as construction noise (030101), which the sample rules give to ecology.
    assert_eq!(record["service_code"], "030101");
    assert_eq!(record["agency_responsible"], "深圳市生态环境局坪山管理局");
    assert_eq!(record["address"], "坑梓街道金沙社区");
    app.stop().await;
    assert_eq!(backend.count_requests().await, 1, "stored once");
}

async fn a_consultation_answered_on_the_phone_is_stored_closed(backend: Backend) {
    let key = backend.hotline_key("12345 call centre").await;
    let app = backend.start(Roles::ALL).await;
    let mut body = order("GD20261122000124");
    body["kind"] = json!("咨询");
    body["answer"] = json!("办理居住证请携带身份证到社区工作站");
    // ISO 8601 without a zone is China time, as documented (it was once refused).
    body["call_time"] = json!("2026-11-22T09:15:00");
    let (status, reply) = push_work_order(&app.base, &key, &body).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    let record = Open311Client::new(&app.base, "")
        .wait_for(reply["tracking_number"].as_str().expect("tracking"), Duration::from_secs(10))
        .await;
    let called = chrono::DateTime::parse_from_rfc3339(record["requested_datetime"].as_str().expect("time"))
        .expect("RFC 3339");
    assert_eq!(called, chrono::DateTime::parse_from_rfc3339("2026-11-22T09:15:00+08:00").expect("valid"));
    assert_eq!(record["status"], "closed");
    assert_eq!(record["service_notice"], "办理居住证请携带身份证到社区工作站");
    assert!(record["agency_responsible"].is_null(), "never dispatched");
    app.stop().await;
}

async fn a_bad_token_or_a_bad_field_is_refused_by_name(backend: Backend) {
    let key = backend.hotline_key("12345 call centre").await;
    let app = backend.start(Roles::ALL).await;
    let (status, body) =
        push_work_order(&app.base, "jsk_0000000000000000000000000000000000000000", &order("GD1")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");
    // An Open311 app's key does not open the call centre's channel, nor the other way round.
    let app_key = backend.api_key("some Open311 app").await;
    let (status, body) = push_work_order(&app.base, &app_key, &order("GD1")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")));
    let form =
        [("service_code", "010101"), ("address_string", "坑梓街道秀新路"), ("description", "路灯不亮")];
    let refused = Open311Client::new(&app.base, &key).post(&form, None).await.expect("POST");
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    for (field, value, code) in [
        ("caller_number", json!("12345"), "invalid_field"),
        ("urgency", json!("很急"), "invalid_field"),
        ("call_time", json!("昨天"), "invalid_field"),
        ("call_time", json!("1970-01-01T00:00:00Z"), "invalid_field"),
        ("call_time", json!("2099-01-01 09:00:00"), "invalid_field"),
        ("colour", json!("red"), "invalid_json"),
    ] {
        let mut body = order("GD2");
        body[field] = value;
        let (status, reply) = push_work_order(&app.base, &key, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {reply}");
        assert_eq!(reply["error"]["code"], code, "{reply}");
        if code == "invalid_field" {
            assert_eq!(reply["error"]["field"], field);
        }
    }
    app.stop().await;
    assert_eq!(backend.count_requests().await, 0);
}

const EXPORT: &str = "工单编号,来电时间,来电号码,来电人,是否保密,诉求类型,问题分类,标题,主要内容,事发地址,街道,社区,紧急程度,受理员,直接答复
GD20261121000001,2026-11-21 08:01:00,13800000001,李女士,否,求助,010101,路灯,秀新路口路灯不亮,秀新路口,坑梓街道,,一般,A01,
GD20261121000002,2026-11-21 09:30:00,0755-28330001,王先生,是,投诉,噪音扰民,噪音,楼下饭店深夜噪音,某小区,石井街道,,紧急,A02,
GD20261121000003,2026-11-21 10:00:00,13800000003,赵先生,否,咨询,,居住证,居住证怎么办理,,,,一般,A03,请到社区工作站办理
GD20261121000004,2026-11-21 11:00:00,12345,钱先生,否,求助,010102,坑洼,路面坑洼,坪山大道,,,一般,A04,
";

fn import(backend: &Backend, file: &std::path::Path) -> (i32, String) {
    let mut cmd = Command::new(JIESU);
    cmd.args(["import", "hotline"]).arg(file).current_dir(file.parent().expect("folder"));
    for (k, v) in backend.env() {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run jiesu import");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

async fn an_export_is_imported_once_in_utf8_or_gbk(backend: Backend) {
    // No service yet: the import's rows wait on the queue, not stored.
    let dir = tempfile::tempdir().expect("tempdir");
    let utf8 = dir.path().join("orders-utf8.csv");
    std::fs::write(&utf8, EXPORT).expect("write");
    let (code, report) = import(&backend, &utf8);
    assert_eq!(code, 2, "one row is rejected: {report}");
    assert!(report.contains("orders-utf8.csv:5 GD20261121000004: rejected: caller_number"), "{report}");
    assert!(report.contains("3 imported, 0 already received, 1 rejected"), "{report}");

    // The same orders exported in GBK, while the first import's rows are still on the queue:
    // nothing is imported twice, and the report says so.
    let (gbk, _, _) = encoding_rs::GBK.encode(EXPORT);
    let gbk_file = dir.path().join("orders-gbk.csv");
    std::fs::write(&gbk_file, &gbk).expect("write");
    let (_, report) = import(&backend, &gbk_file);
    assert!(report.contains("0 imported, 3 already received, 1 rejected"), "{report}");
    assert!(report.contains("GD20261121000001: already received, tracking number"), "{report}");

    // Once stored, the same.
    let app = backend.start(Roles::ALL).await; // its dispatcher stores what the imports queued
    for _ in 0..100 {
        if backend.count_requests().await == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, report) = import(&backend, &gbk_file);
    assert!(report.contains("0 imported, 3 already received, 1 rejected"), "{report}");
    app.stop().await;
    assert_eq!(backend.count_requests().await, 3);
}
