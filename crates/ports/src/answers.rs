//! How 秒回's knowledge base learns (issue 17): the consultations it could not answer wait for
//! their bureau (the lead of the request) to write an answer, which the desk approves into the
//! knowledge base or sends back. The answers approved are composed with the district's files.
//!
//! A question is a consultation (咨询) received with no answer given on receipt. It leaves the
//! queue when an answer covering it is proposed (and comes back if the desk rejects that answer),
//! or when its bureau sets it aside as no matter for the knowledge base (a personal case).

use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use jiesu_model::bureau::BureauCode;
use jiesu_model::ids::{RequestId, TrackingNumber};
use jiesu_model::staff::Username;
use uuid::Uuid;

use crate::store::StoreError;

/// A consultation waiting to be answered into the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenQuestion {
    pub request: RequestId,
    pub tracking: TrackingNumber,
    /// The citizen's words (the request's description).
    pub text: String,
    pub received_at: DateTime<Utc>,
    /// The bureau leading the request: the one that answers.
    pub bureau: BureauCode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerState {
    /// Written by a bureau, waiting for the desk.
    Proposed,
    /// In the knowledge base.
    Approved,
    /// Sent back by the desk with a note; its questions went back to the queue.
    Rejected,
}

impl AnswerState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Proposed, Self::Approved, Self::Rejected].into_iter().find(|s| s.as_str() == raw)
    }
}

/// An answer a bureau wrote for the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub id: Uuid,
    pub bureau: BureauCode,
    /// The knowledge base's topic slug (`marriage`, `household`, ...).
    pub category: String,
    /// The question in the wordings citizens use (at least one).
    pub questions: Vec<String>,
    pub answer: String,
    /// The policy document it rests on.
    pub source: Option<String>,
    /// The last day it holds, when it lapses.
    pub valid_to: Option<NaiveDate>,
    pub state: AnswerState,
    pub proposed_by: Username,
    pub proposed_at: DateTime<Utc>,
    pub reviewed_by: Option<Username>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Why the desk sent it back (or what it noted on approving).
    pub review_note: Option<String>,
}

impl StoredAnswer {
    /// Its id in the knowledge base: `kb-` and the uuid's hex, a slug no file entry uses.
    pub fn entry_id(&self) -> String {
        format!("kb-{}", self.id.simple())
    }
}

/// The desk's decision on a proposed answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub id: Uuid,
    pub approve: bool,
    /// The desk's edits of the wording, applied before it is approved.
    pub questions: Option<Vec<String>>,
    pub answer: Option<String>,
    pub note: Option<String>,
    pub by: Username,
    pub at: DateTime<Utc>,
}

pub trait AnswerBook: Clone + Send + Sync + 'static {
    /// Consultations received since `since`, without an answer given on receipt, neither covered
    /// by an answer proposed or approved nor set aside; those `bureau` leads (every bureau's for
    /// `None`); the newest first, at most `limit`.
    fn open_questions(
        &self,
        bureau: Option<&BureauCode>,
        since: DateTime<Utc>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<OpenQuestion>, StoreError>> + Send;

    /// Stores `answer` (state `Proposed`) and takes `covers` off the queue, in one transaction.
    /// `Conflict` (and nothing written) unless every one of them is an open question that
    /// `answer.bureau` leads.
    fn propose_answer(
        &self,
        answer: &StoredAnswer,
        covers: &[RequestId],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Takes an open question `bureau` leads off the queue with no answer; `false` when it is not
    /// such a question (another bureau's, answered, set aside already).
    fn set_aside(
        &self,
        request: RequestId,
        bureau: &BureauCode,
        by: &Username,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The answers in `state`, of `bureau` (every bureau's for `None`): the oldest proposed first
    /// for `Proposed` (the desk's queue), else the latest reviewed first; at most `limit`.
    fn stored_answers(
        &self,
        state: AnswerState,
        bureau: Option<&BureauCode>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<StoredAnswer>, StoreError>> + Send;

    /// The questions an answer covers (their citizens' words), the newest first.
    fn covered_questions(
        &self,
        answer: Uuid,
    ) -> impl Future<Output = Result<Vec<OpenQuestion>, StoreError>> + Send;

    /// Approves or rejects a proposed answer; a rejection puts its questions back on the queue.
    /// `false` (nothing changed) when it is not waiting for the desk.
    fn review_answer(&self, review: &Review) -> impl Future<Output = Result<bool, StoreError>> + Send;
}
