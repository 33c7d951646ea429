//! SMS calls as each gateway expects them, and their answers read as sent, retry or give up.

use chrono::{TimeZone, Utc};
use jiesu_model::contact::PhoneNumber;
use jiesu_notify::sign::{alibaba as acs3, tencent as tc3};
use jiesu_notify::sms::{Outcome, Sms, alibaba, e164, tencent};

fn sms() -> Sms {
    Sms {
        to: PhoneNumber::parse("138 0013 8000").expect("phone"),
        template: "SMS_154950909".to_owned(),
        params: vec![("tracking".to_owned(), "7ECP-7JH1-T9EW".to_owned())],
        reference: "0193a0c4-notification".to_owned(),
    }
}

fn header<'a>(call: &'a jiesu_notify::sms::Call, name: &str) -> &'a str {
    call.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map_or("", |(_, v)| v.as_str())
}

#[test]
fn an_alibaba_call_carries_the_message_in_its_signed_query() {
    let account = alibaba::Account {
        endpoint: "https://dysmsapi.aliyuncs.com".to_owned(),
        access_key_id: "YourAccessKeyId".to_owned(),
        access_key_secret: "YourAccessKeySecret".to_owned(),
        sign_name: "坪山区民生诉求".to_owned(),
    };
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 1, 2, 3).single().expect("time");
    let call = alibaba::call(&account, &sms(), now, "3156853299f313e23d1673dc12e1703d");
    assert_eq!(call.method, "POST");
    assert!(
        call.url.starts_with(
            "https://dysmsapi.aliyuncs.com/?OutId=0193a0c4-notification&PhoneNumbers=13800138000&"
        )
    );
    assert!(call.url.contains("&TemplateParam=%7B%22tracking%22%3A%227ECP-7JH1-T9EW%22%7D"), "{}", call.url);
    assert!(call.url.contains("SignName=%E5%9D%AA%E5%B1%B1"), "{}", call.url);
    assert_eq!(header(&call, "host"), "dysmsapi.aliyuncs.com");
    assert_eq!(header(&call, "x-acs-date"), "2026-12-07T01:02:03Z");
    assert_eq!(header(&call, "x-acs-version"), "2017-05-25");
    // What the gateway recomputes from what it received is what was sent.
    let query: Vec<(String, String)> = form_pairs(call.url.split_once('?').expect("query").1);
    let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let signed: Vec<(&str, &str)> = call
        .headers
        .iter()
        .filter(|(k, _)| k != "authorization")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let key = acs3::Key { access_key_id: "YourAccessKeyId", access_key_secret: "YourAccessKeySecret" };
    let again = acs3::sign(
        key,
        acs3::Request { method: "POST", path: "/", query: &query, headers: &signed, body: b"" },
    );
    assert_eq!(header(&call, "authorization"), again.authorization);
    assert!(again.authorization.contains(
        "SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"
    ));
}

/// A query string's pairs, percent-decoded (as a gateway reads them).
fn form_pairs(q: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let mut out = Vec::new();
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' && i + 3 <= b.len() {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("hex"));
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8(out).expect("utf-8")
    };
    q.split('&').filter_map(|p| p.split_once('=')).map(|(k, v)| (decode(k), decode(v))).collect()
}

#[test]
fn alibaba_answers_are_read_as_sent_retry_or_give_up() {
    let sent = br#"{"Code":"OK","Message":"OK","BizId":"900619746936498440^0","RequestId":"F655A8D5"}"#;
    assert_eq!(alibaba::outcome(200, sent), Outcome::Sent { id: "900619746936498440^0".to_owned() });
    let bad = br#"{"Code":"isv.MOBILE_NUMBER_ILLEGAL","Message":"invalid","RequestId":"x"}"#;
    assert_eq!(alibaba::outcome(200, bad), Outcome::GiveUp { code: "isv.MOBILE_NUMBER_ILLEGAL".to_owned() });
    let limited = br#"{"Code":"isv.BUSINESS_LIMIT_CONTROL","Message":"flow control","RequestId":"x"}"#;
    assert_eq!(
        alibaba::outcome(200, limited),
        Outcome::Retry { code: "isv.BUSINESS_LIMIT_CONTROL".to_owned() }
    );
    let forged = br#"{"Code":"SignatureDoesNotMatch","Message":"...","RequestId":"x"}"#;
    assert!(matches!(alibaba::outcome(400, forged), Outcome::GiveUp { .. }));
    assert_eq!(
        alibaba::outcome(502, b"<html>Bad Gateway</html>"),
        Outcome::Retry { code: "http_502".to_owned() }
    );
    assert!(matches!(alibaba::outcome(404, b"not json"), Outcome::GiveUp { .. }));
}

#[test]
fn a_tencent_call_is_json_with_the_number_in_e164_and_signs_the_action() {
    let account = tencent::Account {
        endpoint: "https://sms.tencentcloudapi.com".to_owned(),
        secret_id: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE".to_owned(),
        secret_key: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE".to_owned(),
        sdk_app_id: "1400006666".to_owned(),
        sign_name: "坪山区民生诉求".to_owned(),
        region: "ap-guangzhou".to_owned(),
    };
    let now = Utc.timestamp_opt(1_765_069_323, 0).single().expect("time");
    let mut message = sms();
    message.template = "1110".to_owned();
    let call = tencent::call(&account, &message, now);
    let body: serde_json::Value = serde_json::from_slice(&call.body).expect("JSON");
    assert_eq!(body["PhoneNumberSet"], serde_json::json!(["+8613800138000"]));
    assert_eq!(body["TemplateParamSet"], serde_json::json!(["7ECP-7JH1-T9EW"]));
    assert_eq!(body["SessionContext"], "0193a0c4-notification");
    assert_eq!(body["SmsSdkAppId"], "1400006666");
    assert_eq!(header(&call, "X-TC-Timestamp"), "1765069323");
    assert_eq!(header(&call, "X-TC-Version"), "2021-01-11");
    let signed = [
        ("content-type", header(&call, "Content-Type")),
        ("host", header(&call, "Host")),
        ("x-tc-action", header(&call, "X-TC-Action")),
    ];
    let key = tc3::Key { secret_id: &account.secret_id, secret_key: &account.secret_key };
    let request = tc3::Request {
        method: "POST",
        path: "/",
        query: "",
        headers: &signed,
        payload: &call.body,
        service: "sms",
        timestamp: 1_765_069_323,
    };
    assert_eq!(header(&call, "Authorization"), tc3::sign(key, request).authorization);
    assert!(
        header(&call, "Authorization")
            .contains("/2025-12-07/sms/tc3_request, SignedHeaders=content-type;host;x-tc-action,")
    );
}

#[test]
fn tencent_answers_are_read_per_number_or_for_the_whole_request() {
    let sent = br#"{"Response":{"SendStatusSet":[{"SerialNo":"5000:1045710669157053657849499619","PhoneNumber":"+8613800138000","Fee":1,"SessionContext":"r","Code":"Ok","Message":"send success","IsoCode":"CN"}],"RequestId":"a0aabda6"}}"#;
    assert_eq!(
        tencent::outcome(200, sent),
        Outcome::Sent { id: "5000:1045710669157053657849499619".to_owned() }
    );
    let daily = br#"{"Response":{"SendStatusSet":[{"SerialNo":"","PhoneNumber":"+8613800138000","Fee":0,"Code":"LimitExceeded.PhoneNumberDailyLimit","Message":"limit"}],"RequestId":"b"}}"#;
    assert!(matches!(tencent::outcome(200, daily), Outcome::Retry { .. }));
    let wrong = br#"{"Response":{"SendStatusSet":[{"Code":"InvalidParameterValue.IncorrectPhoneNumber","Message":"bad"}],"RequestId":"c"}}"#;
    assert!(matches!(tencent::outcome(200, wrong), Outcome::GiveUp { .. }));
    let forged = br#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"The provided credentials could not be validated."},"RequestId":"d"}}"#;
    assert_eq!(
        tencent::outcome(200, forged),
        Outcome::GiveUp { code: "AuthFailure.SignatureFailure".to_owned() }
    );
    let busy =
        br#"{"Response":{"Error":{"Code":"InternalError.Timeout","Message":"timeout"},"RequestId":"e"}}"#;
    assert!(matches!(tencent::outcome(200, busy), Outcome::Retry { .. }));
    assert_eq!(tencent::outcome(503, b""), Outcome::Retry { code: "http_503".to_owned() });
}

#[test]
fn numbers_are_written_in_e164() {
    let p = |s: &str| PhoneNumber::parse(s).expect("phone");
    assert_eq!(e164(&p("13800138000")), "+8613800138000");
    assert_eq!(e164(&p("0755-2345 6789")), "+8675523456789");
    assert_eq!(e164(&p("+85291234567")), "+85291234567");
}
