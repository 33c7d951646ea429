//! A citizen building a request over several WeChat messages, as people do: some text, then a
//! location, then a photo; or a tap on a menu item first. Pure: the session state goes in, the
//! new state and what to do come out. The handler persists it and talks to the queue.

use chrono::{DateTime, Duration, Utc};
use jiesu_domain::ValidationError;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::contact::{Contact, OpenId};
use jiesu_domain::district::District;
use jiesu_domain::geo::{GeoPoint, gcj02_to_wgs84};
use jiesu_domain::ids::{RequestId, TrackingNumber};
use jiesu_domain::request::{Channel, ChannelRef, Details, Kind, Location, MediaUrl, NewRequest};
use jiesu_domain::secret::ServerKey;
use jiesu_domain::text::{AddressText, Answer, Description};
use serde::{Deserialize, Serialize};

use super::message::Push;

pub const MAX_PHOTOS: usize = 3;

/// What is kept per user between messages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    #[serde(default)]
    pub draft: Option<Draft>,
    /// The last request this user submitted, for "查询".
    #[serde(default)]
    pub last: Option<TrackingNumber>,
    /// An instant answer offered for the user's question, until they say whether it settled it.
    #[serde(default)]
    pub offered: Option<Offered>,
}

/// What the knowledge base would answer to a question.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub entry: String,
    pub answer: String,
}

/// An instant answer (秒回) offered, and the question it was offered for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offered {
    /// Becomes the consultation's channel reference if the answer settles it.
    pub id: String,
    pub entry: String,
    pub question: String,
    pub answer: String,
}

impl Offered {
    /// The consultation's tracking number, the same however often the step is redone.
    pub fn tracking(&self, key: &ServerKey) -> TrackingNumber {
        TrackingNumber::for_key(key, Channel::Wechat.as_str(), "answered", &self.id)
    }

    /// The question, answered at once: a consultation stored closed, never dispatched. It has no
    /// place of its own: the district's name stands for it.
    pub fn into_request(
        self,
        key: &ServerKey,
        openid: OpenId,
        district: &District,
        now: DateTime<Utc>,
    ) -> Result<NewRequest, ValidationError> {
        let place = AddressText::parse(&district.areas().root().name)?;
        Ok(NewRequest {
            id: RequestId::generate(),
            tracking: self.tracking(key),
            channel: Channel::Wechat,
            channel_ref: ChannelRef::parse(&self.id)?,
            kind: Kind::Consultation,
            category: None,
            description: Description::parse(&self.question)?,
            location: Location::new(None, Some(place))?,
            contact: Contact { openid: Some(openid), ..Contact::default() },
            attributes: Default::default(),
            media: Vec::new(),
            details: Details {
                answer: Some(Answer::parse(&format!("秒回：{}", self.answer))?),
                ..Details::default()
            },
            received_at: now,
        })
    }
}

/// A request being put together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// Becomes the request's channel reference, so a resubmission is recognised.
    pub id: String,
    pub category: Option<CategoryCode>,
    pub text: Vec<String>,
    /// WGS84, converted from WeChat's GCJ-02 on arrival.
    pub point: Option<GeoPoint>,
    pub label: Option<String>,
    pub photos: Vec<String>,
    pub started_at: DateTime<Utc>,
    /// A question 秒回 offered an answer to and the citizen said it did not settle: the request
    /// is a consultation (咨询), so it also waits in the knowledge base's queue for its bureau.
    #[serde(default)]
    pub question: bool,
}

impl Draft {
    fn new(category: Option<CategoryCode>, now: DateTime<Utc>) -> Self {
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            category,
            text: Vec::new(),
            point: None,
            label: None,
            photos: Vec::new(),
            started_at: now,
            question: false,
        }
    }

    fn ready(&self) -> bool {
        !self.text.is_empty() && self.point.is_some()
    }

    /// The tracking number the request from this draft has, before and after it is stored.
    pub fn tracking(&self, key: &ServerKey) -> TrackingNumber {
        TrackingNumber::for_key(key, Channel::Wechat.as_str(), "draft", &self.id)
    }

    pub fn into_request(
        self,
        key: &ServerKey,
        openid: OpenId,
        district: &District,
        now: DateTime<Utc>,
    ) -> Result<NewRequest, ValidationError> {
        let tracking = self.tracking(key);
        let kind = match self.question {
            true => Kind::Consultation,
            false => self
                .category
                .as_ref()
                .and_then(|c| district.taxonomy().get(c))
                .and_then(|c| c.kind)
                .unwrap_or(Kind::Help),
        };
        let address = self.label.as_deref().map(AddressText::parse).transpose()?;
        Ok(NewRequest {
            id: RequestId::generate(),
            tracking,
            channel: Channel::Wechat,
            channel_ref: ChannelRef::parse(&self.id)?,
            kind,
            category: self.category,
            description: Description::parse(&self.text.join("\n"))?,
            location: Location::new(self.point, address)?,
            contact: Contact { openid: Some(openid), ..Contact::default() },
            attributes: Default::default(),
            media: self.photos.iter().filter_map(|p| MediaUrl::parse(p).ok()).collect(),
            details: Default::default(),
            received_at: now,
        })
    }
}

/// A push, as far as the conversation cares.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Text(String),
    /// A voice message; `Some` when WeChat recognised the speech.
    Voice(Option<String>),
    /// WeChat's GCJ-02 coordinates, and the place name it gives.
    Location {
        lat: f64,
        lon: f64,
        label: Option<String>,
    },
    Image(String),
    /// A tap on a custom menu item (its EventKey).
    Menu(String),
    Subscribe,
    /// Anything we do not answer (unsubscribe, link clicks, delivery reports, ...).
    Ignore,
}

impl Input {
    pub fn from_push(p: &Push) -> Self {
        let text =
            |s: &Option<String>| s.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
        match (p.msg_type.as_str(), p.event.as_deref()) {
            ("text", _) => text(&p.content).map_or(Self::Ignore, Self::Text),
            ("voice", _) => Self::Voice(text(&p.recognition)),
            ("location", _) => match (num(&p.location_x), num(&p.location_y)) {
                (Some(lat), Some(lon)) => Self::Location { lat, lon, label: text(&p.label) },
                _ => Self::Ignore,
            },
            ("image", _) => text(&p.pic_url).map_or(Self::Ignore, Self::Image),
            ("event", Some(e)) if e.eq_ignore_ascii_case("CLICK") => {
                Self::Menu(text(&p.event_key).unwrap_or_default())
            }
            ("event", Some(e)) if e.eq_ignore_ascii_case("subscribe") => Self::Subscribe,
            _ => Self::Ignore,
        }
    }
}

fn num(s: &Option<String>) -> Option<f64> {
    s.as_deref().and_then(|v| v.trim().parse::<f64>().ok()).filter(|v| v.is_finite())
}

/// What the handler does after a step.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Reply(String),
    /// Send this draft as a request, then tell the user its tracking number.
    Submit(Draft),
    /// Tell the user where their last request stands.
    Status,
    /// Give the user the link to their list of requests (我的诉求).
    Mine,
    /// The offered answer settled the question: store it as a consultation answered at once.
    Answered(Offered),
    /// Answer nothing (WeChat then shows nothing).
    Silent,
}

pub const HELP: &str = "您好，这里是“接诉即办”。请直接发送文字描述问题，再发送位置（点击“+”→“位置”），\
可附照片（最多3张）。信息齐全后回复“提交”即可提交。回复“查询”查看最近一件诉求的进度，回复“我的诉求”查看您反映过的全部诉求，回复“取消”放弃未提交的内容。";

/// What to ask for next, or to submit when everything is there.
fn next(state: &mut State, prefix: &str) -> Action {
    let Some(d) = &state.draft else {
        return Action::Reply(format!("{prefix}{HELP}"));
    };
    let photos = match d.photos.len() {
        0 => String::new(),
        n => format!("已收到{n}张照片（最多{MAX_PHOTOS}张）。"),
    };
    let ask = match (d.text.is_empty(), d.point.is_none()) {
        (true, true) => "请用文字描述您要反映的问题，并发送问题位置（点击“+”→“位置”）。",
        (true, false) => "已收到位置。请用文字描述您要反映的问题。",
        (false, true) => "已记录您的描述。请发送问题位置（点击“+”→“位置”），可附照片。",
        // Never submitted by itself: the citizen may still be sending photos.
        (false, false) if d.photos.len() < MAX_PHOTOS => {
            "描述和位置已齐全。可以继续发送照片，或回复“提交”提交。"
        }
        (false, false) => "描述和位置已齐全，请回复“提交”提交。",
    };
    Action::Reply(format!("{prefix}{photos}{ask}"))
}

fn submit(state: &mut State) -> Action {
    match state.draft.take() {
        // The handler records it as the user's last request (`State::last`), once it knows its
        // number: that takes the server's key, which this pure state machine is not given.
        Some(d) => Action::Submit(d),
        None => Action::Reply(HELP.into()),
    }
}

fn command(text: &str) -> Option<&'static str> {
    let t = text
        .trim()
        .trim_matches(|c: char| c.is_ascii_punctuation() || "。，！？ ".contains(c))
        .to_lowercase();
    match t.as_str() {
        "提交" | "submit" => Some("submit"),
        "取消" | "cancel" => Some("cancel"),
        "查询" | "进度" | "status" => Some("status"),
        "我的诉求" | "我的工单" | "mine" => Some("mine"),
        "帮助" | "help" | "?" | "？" => Some("help"),
        _ => None,
    }
}

/// Greetings, thanks and "are you there": answered, never written into a request's description.
fn small_talk(text: &str) -> Option<&'static str> {
    let t: String = text
        .trim()
        .trim_matches(|c: char| c.is_ascii_punctuation() || "。，！？～~ ".contains(c))
        .to_lowercase();
    match t.as_str() {
        "你好" | "您好" | "你好呀" | "您好呀" | "hello" | "hi" | "嗨" | "哈喽" | "在吗" | "在不在"
        | "有人吗" => Some("您好，我在。"),
        "谢谢" | "谢谢你" | "谢谢您" | "多谢" | "thanks" | "thank you" => Some("不客气。"),
        "好的" | "好" | "嗯" | "嗯嗯" | "ok" | "收到" => Some(""),
        _ => None,
    }
}

/// The citizen's answer to an offered instant answer: settled (stored as answered), not settled
/// (the question becomes a draft's description), or something else (the offer lapses, and the
/// words are taken as a new message).
fn settle_offer(state: &mut State, text: String, now: DateTime<Utc>) -> Action {
    let Some(offered) = state.offered.take() else { return Action::Reply(HELP.into()) };
    match verdict(&text) {
        Some(true) => Action::Answered(offered),
        Some(false) => {
            let d = draft(state, now);
            d.text.push(offered.question);
            d.question = true;
            next(state, "好的，我们会转交部门办理。")
        }
        None if small_talk(&text).is_some() => {
            state.offered = Some(offered);
            Action::Reply(ASK_SETTLED.into())
        }
        None => {
            draft(state, now).text.push(text);
            next(state, "")
        }
    }
}

fn draft(state: &mut State, now: DateTime<Utc>) -> &mut Draft {
    state.draft.get_or_insert_with(|| Draft::new(None, now))
}

/// The citizen's verdict on an offered answer: settled, not settled, or something else.
fn verdict(text: &str) -> Option<bool> {
    let t: String =
        text.trim().trim_matches(|c: char| c.is_ascii_punctuation() || "。，！？ ".contains(c)).to_owned();
    match t.as_str() {
        "解决了" | "已解决" | "解决" | "有用" | "是的" | "是" | "明白了" | "知道了" => {
            Some(true)
        }
        "没解决" | "没有解决" | "未解决" | "没用" | "不是" | "不行" | "没有" | "否" => {
            Some(false)
        }
        _ => None,
    }
}

const ASK_SETTLED: &str =
    "这个回答解决您的问题了吗？回复“解决了”结束；回复“没解决”，我们记下您的问题，转交部门办理。";

/// A step with no knowledge base: nothing is ever answered at once.
pub fn step(state: &mut State, input: Input, now: DateTime<Utc>, ttl: Duration) -> Action {
    step_with(state, input, now, ttl, &|_| None)
}

/// A step; `answers` is the knowledge base, asked for a question that starts no draft yet.
pub fn step_with(
    state: &mut State,
    input: Input,
    now: DateTime<Utc>,
    ttl: Duration,
    answers: &dyn Fn(&str) -> Option<Suggestion>,
) -> Action {
    let mut prefix = "";
    if state.draft.as_ref().is_some_and(|d| d.started_at + ttl < now) {
        state.draft = None;
        prefix = "上次未提交的内容已过期，已清除。";
    }
    match input {
        Input::Text(t) | Input::Voice(Some(t)) => match command(&t) {
            Some("submit") if state.draft.as_ref().is_some_and(Draft::ready) => submit(state),
            // "提交" again after the automatic answer, or sent twice: it is in already.
            Some("submit") if state.draft.is_none() && state.last.is_some() => Action::Reply(format!(
                "您的诉求已经提交，工单编号：{}。回复“查询”查看办理进度。",
                state.last.as_ref().map(|n| n.grouped()).unwrap_or_default()
            )),
            Some("submit") => next(state, "信息还不完整，暂不能提交。"),
            Some("cancel") => {
                state.draft = None;
                Action::Reply("已取消，未提交的内容已清除。".into())
            }
            Some("status") => Action::Status,
            Some("mine") => Action::Mine,
            Some(_) => Action::Reply(HELP.into()),
            None if state.offered.is_some() => settle_offer(state, t, now),
            None if state.draft.is_none() && small_talk(&t).is_none() => match answers(&t) {
                Some(s) => {
                    let reply = format!("{}\n\n{ASK_SETTLED}", s.answer);
                    let id = uuid::Uuid::now_v7().to_string();
                    state.offered = Some(Offered { id, entry: s.entry, question: t, answer: s.answer });
                    Action::Reply(reply)
                }
                None => {
                    draft(state, now).text.push(t);
                    next(state, prefix)
                }
            },
            None => match small_talk(&t) {
                Some(hello) => {
                    let said =
                        if state.draft.is_some() { next(state, prefix) } else { Action::Reply(HELP.into()) };
                    match said {
                        Action::Reply(r) => Action::Reply(format!("{hello}{r}")),
                        other => other,
                    }
                }
                None => {
                    draft(state, now).text.push(t);
                    next(state, prefix)
                }
            },
        },
        Input::Voice(None) => Action::Reply("抱歉，没能识别这段语音，请发送文字。".into()),
        Input::Location { lat, lon, label } => {
            let (lat, lon) = gcj02_to_wgs84(lat, lon);
            match GeoPoint::new(lat, lon) {
                Ok(p) => {
                    let d = draft(state, now);
                    d.point = Some(p);
                    d.label = label;
                    next(state, prefix)
                }
                Err(_) => Action::Reply("这个位置无法识别，请重新发送。".into()),
            }
        }
        Input::Image(url) => {
            let d = draft(state, now);
            if d.photos.len() >= MAX_PHOTOS {
                return Action::Reply(format!("最多可附{MAX_PHOTOS}张照片。回复“提交”即可提交。"));
            }
            d.photos.push(url);
            next(state, prefix)
        }
        Input::Menu(key) => match key.as_str() {
            "STATUS" => Action::Status,
            "MY_REQUESTS" => Action::Mine,
            "REPORT" => {
                state.draft = Some(Draft::new(None, now));
                next(state, "")
            }
            k => match k.strip_prefix("CATEGORY_").and_then(|c| CategoryCode::parse(c).ok()) {
                Some(code) => {
                    state.draft = Some(Draft::new(Some(code), now));
                    next(state, "")
                }
                None => Action::Reply(HELP.into()),
            },
        },
        Input::Subscribe => Action::Reply(HELP.into()),
        Input::Ignore => Action::Silent,
    }
}

#[cfg(test)]
#[path = "conversation_tests.rs"]
mod tests;
