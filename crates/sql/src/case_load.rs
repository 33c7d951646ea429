//! Reading whole cases: one request's (`load_case`, a point read of each table) or many at once
//! (`load_cases`, one read of each table for all of them, so a consumer's batch of a hundred
//! requests costs ten statements, not a thousand).

use std::collections::HashMap;

use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::StoreError;
use jiesu_domain::request::Request;
use jiesu_domain::workflow::Case;
use uuid::Uuid;

use crate::backend::Backend;
use crate::dialect::{Conn, DbList, Dialect, Read, Stmt, all, optional};
use crate::escalations::with_linked;
use crate::records::{
    CaseHead, DeadlineRecord, DeskClockRecord, DisclaimRecord, EscalationRecord, ExemptionRecord,
    ExtensionRecord, MeetingRecord, TaskRecord, VisitRecord,
};
use crate::store::parse;
use crate::{corrupt, store_error};

/// Which requests a read is for.
enum Which {
    One(RequestId),
    Many(DbList<Uuid>),
}

impl Which {
    /// `SELECT * FROM table` for these requests, in `order`. Table and order are constants of
    /// this module; a request's rows keep that order when many are read together.
    fn select<DB: Dialect>(&self, table: &str, column: &str, order: &str) -> Stmt<DB> {
        match self {
            Self::One(id) => {
                Stmt::assembled(format!("SELECT * FROM {table} WHERE {column} = $1 ORDER BY {order}"))
                    .bind(id.as_uuid())
            }
            Self::Many(ids) => {
                let filter = DB::any_id(column, 1);
                Stmt::assembled(format!("SELECT * FROM {table} WHERE {filter} ORDER BY {order}"))
                    .bind(ids.clone())
            }
        }
    }
}

/// One table's rows of the requests.
async fn rows_of<DB: Dialect + Read<R>, R>(
    c: &mut Conn<DB>,
    which: &Which,
    table: &str,
    order: &str,
) -> Result<Vec<R>, StoreError> {
    all(c, which.select::<DB>(table, "request_id", order)).await.map_err(store_error)
}

/// Everything of a case but its request row, for one request or several.
#[derive(Default)]
struct Parts {
    tasks: Vec<jiesu_domain::task::Task>,
    disclaims: Vec<jiesu_domain::workflow::Disclaim>,
    extensions: Vec<jiesu_domain::workflow::Extension>,
    exemptions: Vec<jiesu_domain::workflow::Exemption>,
    deadlines: Vec<jiesu_domain::deadline::Deadline>,
    desk_clocks: Vec<jiesu_domain::desk::DeskClock>,
    visits: Vec<jiesu_domain::workflow::ReturnVisit>,
    escalations: Vec<jiesu_domain::escalation::Escalation>,
    meetings: Vec<jiesu_domain::escalation::Meeting>,
}

impl Parts {
    async fn read<B: Backend>(c: &mut Conn<B::Db>, which: &Which) -> Result<Self, StoreError> {
        let mut escalations =
            parse(rows_of::<B::Db, EscalationRecord>(c, which, "escalations", "opened_at, id").await?)?;
        with_linked::<B::Db>(c, &mut escalations).await?;
        Ok(Self {
            tasks: parse(rows_of::<B::Db, TaskRecord>(c, which, "tasks", "dispatched_at, id").await?)?,
            disclaims: parse(rows_of::<B::Db, DisclaimRecord>(c, which, "disclaims", "at, id").await?)?,
            extensions: parse(
                rows_of::<B::Db, ExtensionRecord>(c, which, "extensions", "requested_at, id").await?,
            )?,
            exemptions: parse(
                rows_of::<B::Db, ExemptionRecord>(c, which, "exemptions", "requested_at, id").await?,
            )?,
            deadlines: parse(rows_of::<B::Db, DeadlineRecord>(c, which, "deadlines", "due_at, id").await?)?,
            desk_clocks: parse(
                rows_of::<B::Db, DeskClockRecord>(c, which, "desk_clocks", "started_at, id").await?,
            )?,
            visits: parse(rows_of::<B::Db, VisitRecord>(c, which, "return_visits", "at, id").await?)?,
            escalations,
            meetings: parse(rows_of::<B::Db, MeetingRecord>(c, which, "meetings", "called_at, id").await?)?,
        })
    }

    /// Each request's own parts, every list in the order it was read.
    fn by_request(self) -> HashMap<RequestId, Self> {
        let mut out = HashMap::new();
        spread(self.tasks, |t| t.request_id, &mut out, |p| &mut p.tasks);
        spread(self.disclaims, |d| d.request_id, &mut out, |p| &mut p.disclaims);
        spread(self.extensions, |e| e.request_id, &mut out, |p| &mut p.extensions);
        spread(self.exemptions, |e| e.request_id, &mut out, |p| &mut p.exemptions);
        spread(self.deadlines, |d| d.request_id, &mut out, |p| &mut p.deadlines);
        spread(self.desk_clocks, |d| d.request_id, &mut out, |p| &mut p.desk_clocks);
        spread(self.visits, |v| v.request_id, &mut out, |p| &mut p.visits);
        spread(self.escalations, |e| e.request_id, &mut out, |p| &mut p.escalations);
        spread(self.meetings, |m| m.request_id, &mut out, |p| &mut p.meetings);
        out
    }

    fn into_case(self, head: CaseHead) -> Result<Case, StoreError> {
        Ok(Case {
            routing: head.routing()?,
            version: head.version,
            request: Request::try_from(head.request).map_err(corrupt)?,
            tasks: self.tasks,
            disclaims: self.disclaims,
            extensions: self.extensions,
            exemptions: self.exemptions,
            deadlines: self.deadlines,
            desk_clocks: self.desk_clocks,
            visits: self.visits,
            escalations: self.escalations,
            meetings: self.meetings,
        })
    }
}

/// Deals `items` out to their requests' parts, keeping their order.
fn spread<T>(
    items: Vec<T>,
    request: impl Fn(&T) -> RequestId,
    out: &mut HashMap<RequestId, Parts>,
    list: impl Fn(&mut Parts) -> &mut Vec<T>,
) {
    for item in items {
        list(out.entry(request(&item)).or_default()).push(item);
    }
}

/// One request's case: a point read of each table.
pub(crate) async fn load_case<B: Backend>(
    c: &mut Conn<B::Db>,
    id: RequestId,
) -> Result<Option<Case>, StoreError> {
    let which = Which::One(id);
    let Some(head) = optional::<_, CaseHead>(c, which.select::<B::Db>("requests", "id", "id"))
        .await
        .map_err(store_error)?
    else {
        return Ok(None);
    };
    Parts::read::<B>(c, &which).await?.into_case(head).map(Some)
}

/// The cases of `ids` in the order asked, each once (an id asked twice comes at its first place;
/// one with no request is left out): ten statements whatever their number.
pub(crate) async fn load_cases<B: Backend>(
    c: &mut Conn<B::Db>,
    ids: &[RequestId],
) -> Result<Vec<Case>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let which = Which::Many(ids.iter().map(|id| id.as_uuid()).collect());
    let heads: Vec<CaseHead> =
        all(c, which.select::<B::Db>("requests", "id", "id")).await.map_err(store_error)?;
    let mut heads: HashMap<RequestId, CaseHead> =
        heads.into_iter().map(|h| (RequestId::from_uuid(h.request.id), h)).collect();
    let mut parts = Parts::read::<B>(c, &which).await?.by_request();
    let mut out = Vec::with_capacity(heads.len());
    for id in ids {
        if let Some(head) = heads.remove(id) {
            out.push(parts.remove(id).unwrap_or_default().into_case(head)?);
        }
    }
    Ok(out)
}
