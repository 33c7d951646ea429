//! WeChat's side of the conversation, played by wechatpy (tests/wechat/peer.py): it builds the
//! pushes WeChat would send, signs and encrypts them, and decrypts and verifies our replies.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::peers::{python, workspace};

/// WeChat's published sample account settings (reproduced by wechatpy; see tests/wechat).
pub const TOKEN: &str = "pamtest";
pub const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
pub const APP_ID: &str = "wxb11529c136998cb6";
pub const ACCOUNT: &str = "gh_jiesu_test";

/// Runs `peer.py` with `args`, feeding `stdin`, and parses its JSON answer.
pub fn peer(args: &[&str], stdin: Option<&str>) -> Value {
    let mut cmd = Command::new(python());
    cmd.arg(workspace().join("tests/wechat/peer.py"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = cmd.spawn().expect("run peer.py");
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input.as_bytes()).expect("write to peer.py");
    }
    let out = child.wait_with_output().expect("peer.py output");
    assert!(out.status.success(), "peer.py {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("peer.py prints JSON")
}

/// A push message's XML, built by wechatpy's conventions: `kind` and its options.
pub fn message(from: &str, msg_id: Option<&str>, kind: &[&str]) -> String {
    let mut args = vec!["message", "--raw", "--to", ACCOUNT, "--from", from];
    if let Some(id) = msg_id {
        args.extend(["--msg-id", id]);
    }
    args.extend(kind);
    let mut cmd = Command::new(python());
    cmd.arg(workspace().join("tests/wechat/peer.py")).args(&args);
    let out = cmd.output().expect("run peer.py");
    assert!(out.status.success(), "peer.py {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 XML")
}

/// A push as WeChat would send it: the query string and the body. `encrypted`: safe mode.
#[derive(Debug, Clone)]
pub struct Push {
    pub query: Vec<(String, String)>,
    pub body: String,
}

pub fn push(xml: &str, encrypted: bool, timestamp: Option<i64>, nonce: Option<&str>) -> Push {
    let ts = timestamp.map(|t| t.to_string());
    let mut args = if encrypted {
        vec!["encrypted-push", "--token", TOKEN, "--aes-key", AES_KEY, "--appid", APP_ID]
    } else {
        vec!["plain-push", "--token", TOKEN]
    };
    args.extend(["--xml-file", "-"]);
    if let Some(t) = &ts {
        args.extend(["--timestamp", t]);
    }
    if let Some(n) = nonce {
        args.extend(["--nonce", n]);
    }
    let v = peer(&args, Some(xml));
    let query = v["query"]
        .as_object()
        .expect("a query")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
        .collect();
    Push { query, body: v["body"].as_str().expect("a body").to_owned() }
}

/// Decrypts and verifies (signature, AppId, 32-byte padding) an encrypted reply with wechatpy;
/// returns its fields.
pub fn decrypt_reply(body: &str) -> Value {
    let v = peer(
        &[
            "decrypt-reply",
            "--strict",
            "--token",
            TOKEN,
            "--aes-key",
            AES_KEY,
            "--appid",
            APP_ID,
            "--xml-file",
            "-",
        ],
        Some(body),
    );
    v["fields"].clone()
}

/// Sends a push to the server; returns the status and body.
pub async fn send(base: &str, p: &Push) -> (reqwest::StatusCode, String) {
    let resp = reqwest::Client::new()
        .post(format!("{base}/wechat"))
        .query(&p.query)
        .body(p.body.clone())
        .send()
        .await
        .expect("POST /wechat");
    (resp.status(), resp.text().await.expect("body"))
}

/// Says `xml` to the account (`encrypted`: in safe mode) and answers the reply's text, checking
/// the reply goes back to the push's sender from the account (decrypted and verified by
/// wechatpy in safe mode; in plain mode the reply is the message XML itself).
pub async fn say(base: &str, xml: &str, encrypted: bool) -> String {
    let (status, body) = send(base, &push(xml, encrypted, None, None)).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    let sender = cdata(xml, "FromUserName");
    if encrypted {
        let fields = decrypt_reply(&body);
        assert_eq!(fields["ToUserName"].as_str(), Some(sender.as_str()));
        assert_eq!(fields["FromUserName"], ACCOUNT);
        fields["Content"].as_str().unwrap_or_default().to_owned()
    } else {
        assert_eq!(cdata(&body, "ToUserName"), sender);
        cdata(&body, "Content")
    }
}

/// The text of `<field><![CDATA[...]]></field>` in a message's XML (empty when absent).
fn cdata(xml: &str, field: &str) -> String {
    xml.split(&format!("<{field}><![CDATA["))
        .nth(1)
        .and_then(|c| c.split(&format!("]]></{field}>")).next())
        .unwrap_or_default()
        .to_owned()
}

/// `who` reports `what` in plain mode (a text, a location on Xiuxin Road, 提交), with `ids` as
/// the three messages' ids; answers the reply to 提交, once the request is stored.
pub async fn report(base: &str, who: &str, ids: [&str; 3], what: &str) -> String {
    say(base, &message(who, Some(ids[0]), &["--type", "text", "--content", what]), false).await;
    let at = ["--type", "location", "--lat", "22.7393", "--lng", "114.3918", "--label", "坑梓街道秀新路"];
    say(base, &message(who, Some(ids[1]), &at), false).await;
    let reply = say(base, &message(who, Some(ids[2]), &["--type", "text", "--content", "提交"]), false).await;
    assert!(reply.starts_with("已受理"), "{reply}");
    let tracking: String =
        reply.split("工单编号：").nth(1).expect("a number").chars().take(14).filter(|c| *c != '-').collect();
    crate::Open311Client::new(base, "").wait_for(&tracking, std::time::Duration::from_secs(10)).await;
    reply
}

/// The 我的诉求 link in a reply, as a URL on this server.
pub fn mine_link(base: &str, reply: &str) -> String {
    let link = reply.split("我的诉求").find_map(|part| part.split_once("/track/mine?t=")).map(|(_, t)| t);
    let token: String = link
        .unwrap_or_else(|| panic!("no 我的诉求 link in {reply:?}"))
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    format!("{base}/track/mine?t={token}")
}
