//! The gateways' signatures against the worked examples they publish: every intermediate step
//! where the example prints it, so a difference says where the implementation went wrong.

use jiesu_notify::sign::{alibaba, tencent, webhook};

/// The CVM DescribeInstances example's request, signed with these headers and this key.
fn describe_instances(headers: &[(&str, &str)], secret_id: &str, secret_key: &str) -> tencent::Signed {
    let payload =
        br#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
    let request = tencent::Request {
        method: "POST",
        path: "/",
        query: "",
        headers,
        payload,
        service: "cvm",
        timestamp: 1_551_113_065,
    };
    tencent::sign(tencent::Key { secret_id, secret_key }, request)
}

/// Tencent Cloud API signature v3, the CVM DescribeInstances example of
/// cloud.tencent.com/document/api/213/30654 (the revision that prints the secret key in full and
/// signs content-type and host).
#[test]
fn tencent_tc3_reproduces_the_published_example() {
    let headers = [("Content-Type", "application/json; charset=utf-8"), ("Host", "cvm.tencentcloudapi.com")];
    let s = describe_instances(
        &headers,
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
    );
    assert_eq!(
        s.canonical_request,
        "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n\
         content-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    );
    assert_eq!(
        s.string_to_sign,
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n\
         5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    );
    assert_eq!(s.signature, "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
    assert_eq!(
        s.authorization,
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, \
         SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    );
}

/// The current revision of the same page signs `x-tc-action` too (its value lowercased), with the
/// key as printed there (masked: the signature is of that string).
#[test]
fn tencent_tc3_signs_the_action_header_lowercased_as_the_current_example_does() {
    let headers = [
        ("Content-Type", "application/json; charset=utf-8"),
        ("Host", "cvm.tencentcloudapi.com"),
        ("X-TC-Action", "DescribeInstances"),
    ];
    let s = describe_instances(
        &headers,
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******",
        "Gu5t9xGARNpq86cd98joQYCN3*******",
    );
    assert!(
        s.canonical_request.contains("\nx-tc-action:describeinstances\n\ncontent-type;host;x-tc-action\n")
    );
    assert!(s.string_to_sign.ends_with("7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"));
    assert_eq!(s.signature, "be4f67d323c78ab9acb7395e43c0dbcf822a9cfac32fea2449a7bc7726b770a3");
}

/// Alibaba Cloud's V3 signature, the "fixed parameter values" example of help.aliyun.com's
/// "Request syntax and signature method V3" (ECS RunInstances).
#[test]
fn alibaba_acs3_reproduces_the_published_example() {
    let body = b"";
    let hash = alibaba::content_sha256(body);
    assert_eq!(hash, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    let headers = [
        ("host", "ecs.cn-shanghai.aliyuncs.com"),
        ("x-acs-action", "RunInstances"),
        ("x-acs-version", "2014-05-26"),
        ("x-acs-date", "2023-10-26T10:22:32Z"),
        ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
        ("x-acs-content-sha256", hash.as_str()),
    ];
    let query =
        [("RegionId", "cn-shanghai"), ("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd")];
    let request = alibaba::Request { method: "POST", path: "/", query: &query, headers: &headers, body };
    let key = alibaba::Key { access_key_id: "YourAccessKeyId", access_key_secret: "YourAccessKeySecret" };
    let s = alibaba::sign(key, request);
    assert_eq!(
        s.canonical_request,
        format!(
            "POST\n/\nImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n\
             host:ecs.cn-shanghai.aliyuncs.com\nx-acs-action:RunInstances\nx-acs-content-sha256:{hash}\n\
             x-acs-date:2023-10-26T10:22:32Z\nx-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n\
             x-acs-version:2014-05-26\n\n\
             host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n{hash}"
        )
    );
    assert_eq!(
        s.string_to_sign,
        "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
    );
    assert_eq!(s.signature, "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0");
    assert_eq!(
        s.authorization,
        "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,\
         SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,\
         Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
    );
}

/// The Alibaba Cloud SDK's own test (aliyun/darabonba-openapi-util, test_get_authorization): an
/// empty query value, a header sent twice under two spellings.
#[test]
fn alibaba_acs3_merges_a_repeated_header_and_keeps_an_empty_value_as_the_sdk_does() {
    let headers = [("x-acs-test", "http"), ("x-acs-TEST", "https")];
    let query = [("test", "ok"), ("empty", "")];
    let request = alibaba::Request { method: "GET", path: "/", query: &query, headers: &headers, body: b"" };
    let key = alibaba::Key { access_key_id: "acesskey", access_key_secret: "secret" };
    let payload = "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23";
    let s = alibaba::sign_hashed(key, request, payload);
    assert_eq!(
        s.canonical_request,
        format!("GET\n/\nempty=&test=ok\nx-acs-test:http,https\n\nx-acs-test\n{payload}")
    );
    assert_eq!(
        s.authorization,
        "ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,\
         Signature=d16b30a7699ae9e43875b13195b2f81bcc3ed10c14a9b5eb780e51619aa50be1"
    );
}

/// RFC 3986 as the V3 signature wants it: Chinese text by its UTF-8 bytes, JSON's punctuation
/// encoded, a space as %20 and `*` as %2A, `-_.~` left alone.
#[test]
fn alibaba_percent_encoding_is_rfc_3986() {
    assert_eq!(alibaba::percent_encode("阿里云"), "%E9%98%BF%E9%87%8C%E4%BA%91");
    assert_eq!(alibaba::percent_encode(r#"{"code":"1234"}"#), "%7B%22code%22%3A%221234%22%7D");
    assert_eq!(alibaba::percent_encode("a b*c-_.~"), "a%20b%2Ac-_.~");
}

/// Our webhooks: HMAC-SHA256 of `timestamp.body` under the client's secret (checked against
/// Python's hmac module).
#[test]
fn a_webhook_signature_covers_the_timestamp_and_the_body() {
    let body = br#"{"event":"request_received"}"#;
    assert_eq!(
        webhook::signature(b"whsec-test", 1_765_000_000, body),
        "sha256=d3bb1cfc8ebfc22e29bba16beb173d1443f51dbfc32782b2a8c60b7e94198405"
    );
    assert_ne!(
        webhook::signature(b"whsec-test", 1_765_000_001, body),
        webhook::signature(b"whsec-test", 1_765_000_000, body)
    );
}
