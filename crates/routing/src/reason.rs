//! Why a bureau is a candidate, in a form stored with the routing (JSON in `request_routed` and
//! `task_dispatched` events) and told to people in English or Chinese.
//!
//! Stored reasons are read back for as long as the database lives, so every field added since the
//! first version is optional: `{"by":"rule","rule":"road-damage","matched":"010102"}` from before
//! rule files had versions still reads, its category under the old name `matched`.

use serde::{Deserialize, Serialize};

use crate::hours::Hours;
use crate::rule::{RuleId, RuleVersion};
use jiesu_model::area::AreaCode;
use jiesu_model::category::CategoryCode;
use jiesu_model::ids::MeetingId;
use jiesu_model::request::{Channel, Kind};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum RouteReason {
    /// A responsibility-list rule matched. Each field says what matched, and is set only for the
    /// conditions the rule states.
    Rule {
        rule: RuleId,
        /// The rule file's version; `None` in routings made before rule files had versions.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<RuleVersion>,
        /// The rule's category code that the request's category falls under.
        #[serde(default, alias = "matched", skip_serializing_if = "Option::is_none")]
        category: Option<CategoryCode>,
        /// The rule's keywords found in the request's text, longest first.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        keywords: Vec<String>,
        /// The rule's area that the request lies in.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        area: Option<AreaCode>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kind: Option<Kind>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        channel: Option<Channel>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hours: Option<Hours>,
        /// The coordination meeting the rule came from (a rule a supervisor accepted into the
        /// list); absent for the files' rules and in routings made before meetings proposed any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        meeting: Option<MeetingId>,
    },
    /// No rule placed it (or the rules' bureaus are exhausted): the default owner (兜底单位) of the
    /// area it is in, or of the district.
    AreaDefaultOwner { area: AreaCode },
}

impl RouteReason {
    /// The reason in English, e.g. "rule `night-noise` (list 2026-11-30): category 0301, keyword
    /// 「夜间」, hours 22:00-07:00"; a rule from a coordination meeting says so, naming the meeting.
    pub fn explain(&self) -> String {
        match self {
            Self::Rule { rule, version, meeting, .. } => {
                let list = version.as_ref().map(|v| format!(" (list {v})")).unwrap_or_default();
                let origin =
                    meeting.map(|m| format!(", decided by coordination meeting {m}")).unwrap_or_default();
                format!("rule `{rule}`{list}{origin}: {}", self.matched_parts(Lang::En).join(", "))
            }
            Self::AreaDefaultOwner { area } => format!("default owner of area {area}"),
        }
    }

    /// The reason in Chinese, e.g. "职责清单（2026-11-30版）规则 night-noise（问题分类 0301，关键词「夜间」，
    /// 时段 22:00-07:00）": parenthesised, so that it reads within a sentence ("按…确定承办单位").
    /// A rule from a coordination meeting is introduced as such: "协调会（会议 …）议定的职责清单…".
    pub fn explain_zh(&self) -> String {
        match self {
            Self::Rule { rule, version, meeting, .. } => {
                let list = version.as_ref().map(|v| format!("（{v}版）")).unwrap_or_default();
                let origin = meeting.map(|m| format!("协调会（会议 {m}）议定的")).unwrap_or_default();
                format!("{origin}职责清单{list}规则 {rule}（{}）", self.matched_parts(Lang::Zh).join("，"))
            }
            Self::AreaDefaultOwner { area } => format!("区域 {area} 的兜底单位"),
        }
    }

    fn matched_parts(&self, lang: Lang) -> Vec<String> {
        let Self::Rule { category, keywords, area, kind, channel, hours, .. } = self else {
            return Vec::new();
        };
        let zh = lang == Lang::Zh;
        let mut parts = Vec::new();
        if let Some(c) = category {
            parts.push(if zh { format!("问题分类 {c}") } else { format!("category {c}") });
        }
        if !keywords.is_empty() {
            let quoted: Vec<String> = keywords.iter().map(|k| format!("「{k}」")).collect();
            parts.push(if zh {
                format!("关键词{}", quoted.join("、"))
            } else {
                format!("keyword {} found", quoted.join(", "))
            });
        }
        if let Some(a) = area {
            parts.push(if zh { format!("区域 {a}") } else { format!("area {a}") });
        }
        if let Some(k) = kind {
            parts.push(if zh {
                format!("诉求类型 {}", k.name_zh())
            } else {
                format!("kind {}", k.as_str())
            });
        }
        if let Some(c) = channel {
            parts.push(if zh {
                format!("渠道 {}", c.name_zh())
            } else {
                format!("channel {}", c.as_str())
            });
        }
        if let Some(h) = hours {
            parts.push(if zh { format!("时段 {h}") } else { format!("hours {h}") });
        }
        if parts.is_empty() {
            parts.push(if zh { "条件均满足".into() } else { "all its conditions hold".into() });
        }
        parts
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lang {
    En,
    Zh,
}
