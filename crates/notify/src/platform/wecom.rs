//! 企业微信 / 政务微信 application messages: a token from `GET /cgi-bin/gettoken?corpid&corpsecret`,
//! then `POST /cgi-bin/message/send?access_token=` with a `textcard` (a title, the notice, a link
//! to the task) to the members, departments or tags a notice's audience is, from the district's
//! application (`agentid`). The platform's own duplicate check is on: the same card to the same
//! people within `duplicate_check_interval` seconds is shown once, which absorbs the second send
//! of a notice whose first send was accepted but not yet recorded (a notify process killed
//! between the two).

use serde_json::json;

use super::{Reply, post_json, read_reply, with_token};
use crate::call::Call;

/// A district's 企业微信 application.
#[derive(Debug, Clone)]
pub struct Account {
    /// `https://qyapi.weixin.qq.com`, or the on-premises 政务微信's address.
    pub endpoint: String,
    pub corp_id: String,
    /// The application's secret (each application has its own).
    pub secret: String,
    pub agent_id: i64,
}

impl Account {
    /// The name its token is stored under, shared by every notify process.
    pub fn token_name(&self) -> String {
        format!("wecom:{}:{}", self.corp_id, self.agent_id)
    }
}

/// Who receives a message, as 企业微信 names them: member ids, department ids and tag ids, each
/// list `|`-separated (`zhangsan|lisi`, `12|13`). At least one must be non-empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recipients {
    pub users: String,
    pub parties: String,
    pub tags: String,
}

impl Recipients {
    pub fn is_empty(&self) -> bool {
        self.users.is_empty() && self.parties.is_empty() && self.tags.is_empty()
    }
}

/// A text card: its title, the notice, and where a tap leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub title: String,
    pub description: String,
    pub url: String,
}

/// The call that fetches the application's token.
pub fn token_call(a: &Account) -> Call {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("corpid", &a.corp_id)
        .append_pair("corpsecret", &a.secret)
        .finish();
    Call {
        method: "GET",
        url: format!("{}/cgi-bin/gettoken?{query}", a.endpoint.trim_end_matches('/')),
        headers: Vec::new(),
        body: Vec::new(),
    }
}

/// The call that sends `card` to `to`, with the platform's duplicate check over
/// `duplicate_check_secs` (at most four hours, as 企业微信 allows).
pub fn message_call(
    a: &Account,
    token: &str,
    to: &Recipients,
    card: &Card,
    duplicate_check_secs: u32,
) -> Call {
    let body = json!({
        "touser": to.users,
        "toparty": to.parties,
        "totag": to.tags,
        "msgtype": "textcard",
        "agentid": a.agent_id,
        "textcard": {
            "title": card.title,
            "description": card.description,
            "url": card.url,
            "btntxt": "详情",
        },
        "enable_duplicate_check": 1,
        "duplicate_check_interval": duplicate_check_secs.clamp(1, 14_400),
    });
    post_json(with_token(&a.endpoint, "/cgi-bin/message/send", token), &body)
}

/// What the answer to `message_call` means. `errcode` 0 is sent even when some of the
/// recipients were unknown (`invaliduser`): the others had it. 81013 (every member, department
/// and tag unknown or out of the application's reach) and 40056 (a wrong `agentid`) are a
/// directory or configuration to fix: given up, listed for the supervisors.
pub fn reply(status: u16, body: &[u8]) -> Reply {
    read_reply(status, body)
}
