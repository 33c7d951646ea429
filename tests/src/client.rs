//! A small Open311 client, as a third-party application would use the API.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

/// A street light out in Kengzi, with a point and a phone number: routed to urban management, then
/// the Kengzi street office, then the district's service centre.
pub const LAMP: [(&str, &str); 5] = [
    ("service_code", "010101"),
    ("lat", "22.742"),
    ("long", "114.387"),
    ("description", "秀新路口的路灯连续三晚不亮"),
    ("phone", "13812345678"),
];

#[derive(Debug, Clone)]
pub struct Open311Client {
    pub base: String,
    pub api_key: String,
    http: reqwest::Client,
}

/// The answer to a POST: the status and the parsed JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    /// The `service_request_id` of a successful POST.
    pub fn id(&self) -> String {
        assert_eq!(self.status, StatusCode::OK, "expected success, got {}: {}", self.status, self.body);
        self.body[0]["service_request_id"].as_str().expect("service_request_id").to_owned()
    }

    /// The single error of an Open311 error list.
    pub fn error(&self) -> (u64, String) {
        let e = &self.body[0];
        (e["code"].as_u64().expect("code"), e["description"].as_str().expect("description").to_owned())
    }
}

impl Open311Client {
    pub fn new(base: &str, api_key: &str) -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("HTTP client");
        Self { base: base.to_owned(), api_key: api_key.to_owned(), http }
    }

    /// POSTs a form; `api_key` is added unless the fields carry their own.
    pub async fn post(
        &self,
        fields: &[(&str, &str)],
        idempotency_key: Option<&str>,
    ) -> Result<Reply, reqwest::Error> {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        if !fields.iter().any(|(k, _)| *k == "api_key") {
            form.push(("api_key", &self.api_key));
        }
        let body = form.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
        let mut req = self
            .http
            .post(format!("{}/open311/v2/requests.json", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(key) = idempotency_key {
            req = req.header("Idempotency-Key", key);
        }
        let resp = req.send().await?;
        let status = resp.status();
        Ok(Reply { status, body: resp.json().await? })
    }

    pub async fn get(&self, id: &str) -> Reply {
        let resp = self
            .http
            .get(format!("{}/open311/v2/requests/{id}.json", self.base))
            .send()
            .await
            .expect("GET request");
        let status = resp.status();
        Reply { status, body: resp.json().await.expect("JSON body") }
    }

    /// Polls `GET requests/{id}.json` until the request is stored (the dispatcher is asynchronous).
    pub async fn wait_for(&self, id: &str, within: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let r = self.get(id).await;
            if r.status == StatusCode::OK {
                return r.body[0].clone();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "request {id} not stored within {within:?}: {}",
                r.body
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Percent-encodes a form component (UTF-8, `application/x-www-form-urlencoded`).
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Sends a 12345 work order with the call centre's key: the status and the JSON reply.
/// A 12345 work order about a construction site's night noise in Jinsha community (Kengzi), with
/// the caller's name and number, confidential or not.
pub fn noise_order(no: &str, confidential: bool, content: &str) -> Value {
    serde_json::json!({
        "order_no": no,
        "call_time": "2026-11-22T09:15:00+08:00",
        "caller_number": "13912345678",
        "caller_name": "张先生",
        "confidential": confidential,
        "kind": "投诉",
        "category": "施工噪声",
        "content": content,
        "street": "坑梓街道",
        "community": "金沙社区",
    })
}

pub async fn push_work_order(base: &str, key: &str, body: &Value) -> (StatusCode, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{base}/hotline/v1/work-orders"))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .expect("POST work order");
    (resp.status(), resp.json().await.expect("JSON reply"))
}

/// Sends a work order that must be accepted; its tracking number.
pub async fn accepted_work_order(base: &str, key: &str, body: &Value) -> String {
    let (status, reply) = push_work_order(base, key, body).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    reply["tracking_number"].as_str().expect("tracking number").to_owned()
}
