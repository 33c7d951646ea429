//! A request's tallies as the store keeps them beside the summary (to take them back out when the
//! case changes): compact, because there is one per request. The request's own dimensions are
//! written once per group of rows that share them (one group, in practice), each row as its day,
//! its bureau and only its non-zero counters.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use jiesu_model::area::AreaCode;
use jiesu_model::bureau::BureauCode;
use jiesu_model::category::CategoryCode;
use jiesu_model::request::{Channel, Kind};

use crate::counts::{Counts, Key, Tallies};

/// A row: its day, its bureau, and its non-zero counters as (index in `Counts::NAMES`, value).
type Row = (NaiveDate, Option<BureauCode>, Vec<(u8, i64)>);

#[derive(Serialize, Deserialize)]
struct Group {
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    street: Option<AreaCode>,
    #[serde(rename = "m", default, skip_serializing_if = "Option::is_none")]
    community: Option<AreaCode>,
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    category: Option<CategoryCode>,
    #[serde(rename = "h")]
    channel: Channel,
    #[serde(rename = "k")]
    kind: Kind,
    #[serde(rename = "r")]
    rows: Vec<Row>,
}

/// The tallies as stored text.
pub fn encode(t: &Tallies) -> String {
    let mut groups: Vec<Group> = Vec::new();
    for (k, c) in t {
        let same = |g: &&mut Group| {
            g.street == k.street
                && g.community == k.community
                && g.category == k.category
                && g.channel == k.channel
                && g.kind == k.kind
        };
        let values: Vec<(u8, i64)> = c
            .values()
            .into_iter()
            .enumerate()
            .filter(|(_, v)| *v != 0)
            .map(|(i, v)| (u8::try_from(i).unwrap_or(u8::MAX), v))
            .collect();
        let row = (k.day, k.bureau.clone(), values);
        match groups.iter_mut().find(same) {
            Some(g) => g.rows.push(row),
            None => groups.push(Group {
                street: k.street.clone(),
                community: k.community.clone(),
                category: k.category.clone(),
                channel: k.channel,
                kind: k.kind,
                rows: vec![row],
            }),
        }
    }
    serde_json::to_string(&groups).unwrap_or_else(|_| "[]".to_owned())
}

/// Stored text back to tallies.
pub fn decode(text: &str) -> Result<Tallies, serde_json::Error> {
    let groups: Vec<Group> = serde_json::from_str(text)?;
    let mut out = Tallies::new();
    for g in groups {
        for (day, bureau, values) in g.rows {
            let mut all = vec![0; Counts::NAMES.len()];
            for (i, v) in values {
                if let Some(slot) = all.get_mut(usize::from(i)) {
                    *slot = v;
                }
            }
            let key = Key {
                day,
                bureau,
                street: g.street.clone(),
                community: g.community.clone(),
                category: g.category.clone(),
                channel: g.channel,
                kind: g.kind,
            };
            *out.entry(key).or_default() += Counts::from_values(&all);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_read_back_from_their_stored_text_and_stay_small() {
        let key = |day: u32, bureau: Option<&str>| Key {
            day: NaiveDate::from_ymd_opt(2026, 12, day).expect("date"),
            bureau: bureau.map(|b| BureauCode::parse(b).expect("code")),
            street: Some(AreaCode::parse("pingshan.kengzi").expect("area")),
            community: None,
            category: Some(CategoryCode::parse("010101").expect("code")),
            channel: Channel::Web,
            kind: Kind::Help,
        };
        let mut t = Tallies::new();
        t.insert(
            key(1, Some("urban-management")),
            Counts { received: 1, dispatched: 1, responded: 1, ..Counts::default() },
        );
        t.insert(
            key(3, Some("urban-management")),
            Counts { resolved: 1, handling_minutes: 2_000, ..Counts::default() },
        );
        t.insert(key(4, None), Counts { visits: 1, solved: 1, satisfied: 1, closed: 1, ..Counts::default() });
        let text = encode(&t);
        assert_eq!(decode(&text).expect("decodes"), t);
        assert!(text.len() < 260, "{} bytes: {text}", text.len());
    }
}
