//! Adopting a rule a coordination meeting proposed: the responsibility-list rule it becomes (with
//! the meeting as its provenance), a supervisor's edits, and the decision together with the event
//! that records it in the request's history (and, through the outbox, tells other services).
//!
//! Whether the rule fits the list (known bureaus, categories and areas; no tie with another rule)
//! is the district's to say: see `district::check_acceptance`.

use chrono::{DateTime, Utc};

use jiesu_events::event::{Actor, Event, EventKind};
use jiesu_model::ValidationError;
use jiesu_model::area::AreaCode;
use jiesu_model::bureau::BureauCode;
use jiesu_model::category::CategoryCode;
use jiesu_model::note::{Decision, Note};
use jiesu_routing::{Rule, RuleId, RuleVersion};

use super::proposal::{ProposalState, ProposedRule};

/// What a supervisor changes before accepting; a field left `None` keeps what the meeting
/// proposed. The usual edit is a narrower area, when the meeting's rule would tie with another.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProposalEdits {
    pub categories: Option<Vec<CategoryCode>>,
    pub areas: Option<Vec<AreaCode>>,
    pub lead: Option<BureauCode>,
    pub assists: Option<Vec<BureauCode>>,
    /// The rule's note (why), replacing the meeting's.
    pub note: Option<Note>,
}

impl ProposalEdits {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Into the responsibility list, with these edits (none: as proposed).
    Accept(ProposalEdits),
    Decline,
}

/// A supervisor's decision on a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalDecision {
    pub verdict: Verdict,
    /// The supervisor's username.
    pub by: String,
    /// Why, for the record (not the rule's own note).
    pub note: Option<Note>,
    pub at: DateTime<Utc>,
}

/// Why a decision cannot be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProposalRefused {
    /// A proposal is decided once; a later change to the list is made in the files.
    #[error("the proposal was already {}", .0.as_str())]
    AlreadyDecided(ProposalState),
}

impl ProposedRule {
    /// The rule's id: `meeting-` and the last 12 hex digits of the proposal id. Those are its
    /// random part: a UUIDv7 begins with its timestamp, which proposals of one day would share.
    pub fn rule_id(&self) -> RuleId {
        let hex = self.id.as_uuid().simple().to_string();
        RuleId::parse(&format!("meeting-{}", &hex[hex.len() - 12..])).expect("a lowercase hex slug")
    }

    /// The rule's version names its provenance and date: `meeting-2026-11-30` (district time), as
    /// a rule file's version names the file's edition.
    pub fn rule_version(&self) -> RuleVersion {
        let day = self.proposed_at.with_timezone(&jiesu_model::time::LOCAL).format("%Y-%m-%d");
        RuleVersion::parse(&format!("meeting-{day}")).expect("a version without spaces")
    }

    /// The responsibility-list rule: these categories in these areas (none: the whole district)
    /// go to the lead, with the assists. A meeting settles a kind of problem, so a rule without a
    /// category is refused (it would claim every request of its areas).
    pub fn to_rule(&self) -> Result<Rule, ValidationError> {
        if self.categories.is_empty() {
            return Err(ValidationError::invalid(
                "categories",
                "a rule from a meeting names at least one category",
            ));
        }
        if self.assists.contains(&self.lead) {
            return Err(ValidationError::invalid(
                "assists",
                format!("the lead `{}` cannot also assist", self.lead),
            ));
        }
        let mut rule = Rule::new(self.rule_id(), self.rule_version(), self.lead.clone());
        rule.categories = dedup(&self.categories);
        rule.areas = dedup(&self.areas);
        rule.assists = dedup(&self.assists);
        rule.note = self.note.as_ref().map(|n| n.as_str().to_owned());
        rule.meeting = Some(self.meeting_id);
        Ok(rule)
    }

    /// The proposal with the supervisor's edits applied (still undecided).
    pub fn with_edits(&self, edits: &ProposalEdits) -> ProposedRule {
        let mut p = self.clone();
        if let Some(c) = &edits.categories {
            p.categories = c.clone();
        }
        if let Some(a) = &edits.areas {
            p.areas = a.clone();
        }
        if let Some(l) = &edits.lead {
            p.lead = l.clone();
        }
        if let Some(a) = &edits.assists {
            p.assists = a.clone();
        }
        if let Some(n) = &edits.note {
            p.note = Some(n.clone());
        }
        p
    }

    /// Decides the proposal: the proposal as it now stands and the event to append to its
    /// request's history in the same transaction.
    pub fn decide(&self, d: &ProposalDecision) -> Result<(ProposedRule, Event), ProposalRefused> {
        if self.state != ProposalState::Proposed {
            return Err(ProposalRefused::AlreadyDecided(self.state));
        }
        let decision = Decision { by: d.by.clone(), at: d.at, note: d.note.clone() };
        let (decided, kind) = match &d.verdict {
            Verdict::Accept(edits) => {
                let p = ProposedRule {
                    state: ProposalState::Accepted,
                    decision: Some(decision),
                    ..self.with_edits(edits)
                };
                let kind = EventKind::RuleAccepted {
                    proposal: p.id,
                    meeting: p.meeting_id,
                    rule: p.rule_id(),
                    categories: p.categories.clone(),
                    areas: p.areas.clone(),
                    lead: p.lead.clone(),
                    assists: p.assists.clone(),
                    edited: p.categories != self.categories
                        || p.areas != self.areas
                        || p.lead != self.lead
                        || p.assists != self.assists
                        || p.note != self.note,
                    note: d.note.clone(),
                };
                (p, kind)
            }
            Verdict::Decline => {
                let p =
                    ProposedRule { state: ProposalState::Declined, decision: Some(decision), ..self.clone() };
                let kind =
                    EventKind::RuleDeclined { proposal: p.id, meeting: p.meeting_id, note: d.note.clone() };
                (p, kind)
            }
        };
        let event = Event::new(self.request_id, None, Actor::User { username: d.by.clone() }, kind, d.at);
        Ok((decided, event))
    }
}

/// The codes in their given order, each once.
fn dedup<T: PartialEq + Clone>(items: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for i in items {
        if !out.contains(i) {
            out.push(i.clone());
        }
    }
    out
}

#[cfg(test)]
#[path = "adoption_tests.rs"]
mod tests;
