//! The workflow service: loads a request's case, lets the domain decide a command, and commits
//! the change if nobody changed the request meanwhile; otherwise it loads and decides again, so
//! two staff acting at once on one request never overwrite each other.
//!
//! Staff reach tasks through their scope: a task of another bureau is "not found", exactly as a
//! task that does not exist.
//!
//! `rulebook`: supervisors' decisions on the rules coordination meetings propose, and the
//! district in force composed from the files and the accepted rules.

mod rulebook;

pub use rulebook::{CalendarError, RuleDecisionError, RulebookService};

use std::sync::Arc;

use jiesu_domain::district::District;
use jiesu_domain::ids::{RequestId, TaskId, TrackingNumber};
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::ports::{Cases, Committed, StoreError};
use jiesu_domain::staff::Principal;
use jiesu_domain::workflow::{Caller, Case, Command, Ctx, Policy, WorkflowError, decide};

/// How often a decision is retried when other writers keep moving the request.
const ATTEMPTS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum ActError {
    /// The domain refused the command; nothing was written.
    #[error(transparent)]
    Refused(#[from] WorkflowError),
    /// Other writers changed the request on every attempt.
    #[error("the request kept changing while we decided; try again")]
    Contended,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone)]
pub struct Workflow<S> {
    store: S,
    /// Read once per decision: a reload of the district applies from the next one.
    district: LiveDistrict,
    policy: Policy,
}

impl<S: Cases> Workflow<S> {
    pub fn new(store: S, district: LiveDistrict, policy: Policy) -> Self {
        Self { store, district, policy }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn district(&self) -> Arc<District> {
        self.district.current()
    }

    /// What the district decided about its workflow and escalations (the hotspot trigger reads
    /// its radius, window and minimum from here).
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Runs a command on a request and returns the case as committed.
    pub async fn act(
        &self,
        caller: Caller<'_>,
        request: RequestId,
        command: Command,
    ) -> Result<Case, ActError> {
        self.act_at(caller, request, command, jiesu_domain::time::now()).await
    }

    /// As `act`, deciding as of `now` (the scanner decides as of the time it scanned).
    pub async fn act_at(
        &self,
        caller: Caller<'_>,
        request: RequestId,
        command: Command,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Case, ActError> {
        for attempt in 1..=ATTEMPTS {
            let case = self.store.load_case(request).await?.ok_or(WorkflowError::NotFound("request"))?;
            let district = self.district.current();
            let ctx = Ctx { district: &district, policy: &self.policy, now };
            let change = decide(case.clone(), caller, command.clone(), &ctx)?;
            if change.is_empty()
                && (change.status, &change.area, &change.routing)
                    == (case.request.status, &case.request.area, &case.routing)
            {
                // Nothing to do (a redelivered event, a repeated review): writing it would only
                // bump the version and the update time, and make a concurrent writer go stale.
                return Ok(case);
            }
            match self.store.commit(&change).await? {
                Committed::Yes => {
                    tracing::debug!(request.id = %request, events = change.events.len(), "workflow change committed");
                    // Worked out from what was written (eight reads fewer per action), unless only
                    // the store can tell.
                    if let Some(committed) = case.committed(&change) {
                        return Ok(committed);
                    }
                    return self
                        .store
                        .load_case(request)
                        .await?
                        .ok_or(ActError::Refused(WorkflowError::NotFound("request")));
                }
                Committed::Stale => {
                    tracing::debug!(request.id = %request, attempt, "request changed meanwhile; deciding again")
                }
            }
        }
        Err(ActError::Contended)
    }

    /// Decides a command on the request's case as it stands, without committing anything: whether
    /// it would be refused now. A caller that must do something outside the database before
    /// acting (write photos) checks first, then does it, then acts, and undoes it if the act is
    /// refused after all (the case moved in between).
    pub async fn check(
        &self,
        caller: Caller<'_>,
        request: RequestId,
        command: &Command,
    ) -> Result<(), ActError> {
        let case = self.store.load_case(request).await?.ok_or(WorkflowError::NotFound("request"))?;
        let district = self.district.current();
        let ctx = Ctx { district: &district, policy: &self.policy, now: jiesu_domain::time::now() };
        decide(case, caller, command.clone(), &ctx)?;
        Ok(())
    }

    /// Runs a command on one of the staff member's tasks.
    pub async fn act_on_task(
        &self,
        who: &Principal,
        task: TaskId,
        command: Command,
    ) -> Result<Case, ActError> {
        let request = self.task_request(who, task).await?;
        self.act(Caller::Staff(who), request, command).await
    }

    /// The request of a task the staff member may reach.
    pub async fn task_request(&self, who: &Principal, task: TaskId) -> Result<RequestId, ActError> {
        self.store
            .task_request(task, &who.scope())
            .await?
            .ok_or(ActError::Refused(WorkflowError::NotFound("task")))
    }

    /// A request the staff member may reach, by its tracking number.
    pub async fn request_for(
        &self,
        who: &Principal,
        tracking: &TrackingNumber,
    ) -> Result<RequestId, ActError> {
        self.store
            .request_in_scope(tracking, &who.scope())
            .await?
            .ok_or(ActError::Refused(WorkflowError::NotFound("request")))
    }

    /// The case of a request the staff member may reach.
    pub async fn case_for(&self, who: &Principal, request: RequestId) -> Result<Case, ActError> {
        let case = self.store.load_case(request).await?.ok_or(WorkflowError::NotFound("request"))?;
        in_scope(who, case)
    }
}

/// The case, if the staff member may see it: a bureau's staff only where their bureau has
/// (or had) a task. For a case already in hand, such as the one an action answers with.
pub fn in_scope(who: &Principal, case: Case) -> Result<Case, ActError> {
    match who.scope().bureau() {
        Some(b) if !case.tasks.iter().any(|t| &t.bureau == b) => {
            Err(WorkflowError::NotFound("request").into())
        }
        _ => Ok(case),
    }
}
