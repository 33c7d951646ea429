//! Several notices to one person by email, due together, go as one message: the daily digest
//! (a staff member who chose it has the day's notices due at the digest hour) and a burst of
//! notices to someone who chose email at once. Every other notice goes alone.

use jiesu_domain::notices::Audience;
use jiesu_domain::ports::{Notification, Outgoing, Via};

/// The batch's rows (with their positions) as sending units: the email rows to one person
/// together, in order, each other row alone.
pub fn units(rows: Vec<(usize, Notification)>) -> Vec<Vec<(usize, Notification)>> {
    let mut out: Vec<Vec<(usize, Notification)>> = Vec::new();
    for (i, n) in rows {
        let to = |m: &Notification| match (&m.audience, m.via) {
            (Audience::Person(p), Via::Email) => Some(p.clone()),
            _ => None,
        };
        let key = to(&n);
        let same = key.as_ref().and_then(|k| out.iter().position(|u| to(&u[0].1).as_ref() == Some(k)));
        match same {
            Some(at) => out[at].push((i, n)),
            None => out.push(vec![(i, n)]),
        }
    }
    out
}

/// One message for `messages` (at least one, all to the same address): the message itself when
/// alone, else a digest whose subject counts them and whose text lists each with its link.
pub fn combine(mut messages: Vec<Outgoing>) -> Option<Outgoing> {
    if messages.len() <= 1 {
        return messages.pop();
    }
    let n = messages.len();
    let text = messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let link =
                m.params.iter().find(|(k, _)| *k == "link").map(|(_, v)| v.as_str()).unwrap_or_default();
            format!("{}. 【{}】{}\n{link}", i + 1, m.subject, m.text)
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    let first = messages.swap_remove(0);
    Some(Outgoing {
        subject: format!("接诉即办：{n} 条通知"),
        text: format!("您有 {n} 条通知：\n\n{text}"),
        params: Vec::new(),
        ..first
    })
}
