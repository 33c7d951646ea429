//! What a proposed rule would have done (the supervisors' what-if preview, 规则预演): the requests
//! of a recent period routed again, once by the district in force and once with the rule, and the
//! ones whose lead differs counted by where they would have gone, with how many of those the
//! bureau that got them sent back as not theirs. A rule that moves requests away from a bureau
//! that kept disclaiming them is the kind a meeting means to write; one that moves requests a
//! bureau handled without complaint deserves a second look.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiesu_model::bureau::BureauCode;
use jiesu_model::request::Request;
use jiesu_model::task::{Task, TaskRole, TaskState};
use jiesu_routing::district::District;

/// Requests that would have gone from one lead to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub from: BureauCode,
    pub to: BureauCode,
    pub requests: u64,
    /// Of those, how many the bureau that got the request (its first lead) disclaimed.
    pub disclaimed_by_first: u64,
}

/// The preview's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WhatIf {
    pub examined: u64,
    pub differ: u64,
    pub disclaimed_by_first: u64,
    /// Largest first.
    pub moves: Vec<Move>,
}

/// Tallies requests one at a time (a caller pages through the store), so a long period needs
/// no more memory than its moves.
#[derive(Debug)]
pub struct Preview {
    now: Arc<District>,
    with_rule: Arc<District>,
    moves: BTreeMap<(BureauCode, BureauCode), (u64, u64)>,
    examined: u64,
}

impl Preview {
    pub fn new(now: Arc<District>, with_rule: Arc<District>) -> Self {
        Self { now, with_rule, moves: BTreeMap::new(), examined: 0 }
    }

    /// Routes `request` both ways; `tasks` are its tasks, oldest first.
    pub fn add(&mut self, request: &Request, tasks: &[Task]) {
        self.examined += 1;
        let area = request.area.as_ref();
        let before = self.now.route_request(&request.submitted, area).lead().bureau.clone();
        let after = self.with_rule.route_request(&request.submitted, area).lead().bureau.clone();
        if before == after {
            return;
        }
        let first = tasks.iter().filter(|t| t.role == TaskRole::Lead).min_by_key(|t| t.dispatched_at);
        let disclaimed = first.is_some_and(|t| t.state == TaskState::Disclaimed);
        let entry = self.moves.entry((before, after)).or_default();
        entry.0 += 1;
        entry.1 += u64::from(disclaimed);
    }

    pub fn finish(self) -> WhatIf {
        let mut moves: Vec<Move> = self
            .moves
            .into_iter()
            .map(|((from, to), (requests, disclaimed_by_first))| Move {
                from,
                to,
                requests,
                disclaimed_by_first,
            })
            .collect();
        moves.sort_by(|a, b| b.requests.cmp(&a.requests).then_with(|| a.from.cmp(&b.from)));
        WhatIf {
            examined: self.examined,
            differ: moves.iter().map(|m| m.requests).sum(),
            disclaimed_by_first: moves.iter().map(|m| m.disclaimed_by_first).sum(),
            moves,
        }
    }
}
