//! The knowledge base's queue and its stored answers, once for both backends (see
//! `jiesu_ports::answers`). Questions are read from the requests themselves (consultations with
//! no answer given on receipt, by their current lead task); `kb_questions_done` takes one off.

use chrono::{DateTime, NaiveDate, Utc};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::ids::{RequestId, TrackingNumber};
use jiesu_domain::ports::{AnswerBook, AnswerState, OpenQuestion, Review, StoreError, StoredAnswer};
use jiesu_domain::staff::Username;
use uuid::Uuid;

use crate::backend::{Backend, SqlStore};
use crate::dialect::{Col, Conn, DbTime, Dialect, Stmt, all, optional, run};
use crate::records::CorruptRow;
use crate::{corrupt, store_error};

/// The lead tasks that answer for a request now (a disclaimed or released one no longer does).
const OPEN_QUESTIONS: &str = "SELECT r.id, r.tracking, r.description, r.received_at, t.bureau
     FROM requests r
     JOIN tasks t ON t.request_id = r.id AND t.role = 'lead'
          AND t.state IN ('dispatched', 'claimed', 'disclaim_requested', 'resolved')
     WHERE r.kind = 'consultation' AND r.answer IS NULL
       AND NOT EXISTS (SELECT 1 FROM kb_questions_done d WHERE d.request_id = r.id)";

#[derive(Debug, sqlx::FromRow)]
pub struct QuestionRow {
    pub id: Uuid,
    pub tracking: String,
    pub description: String,
    pub received_at: DbTime,
    pub bureau: String,
}

impl TryFrom<QuestionRow> for OpenQuestion {
    type Error = StoreError;
    fn try_from(r: QuestionRow) -> Result<Self, StoreError> {
        let bad = |what: &str| corrupt(CorruptRow { table: "requests", message: what.to_owned() });
        Ok(Self {
            request: RequestId::from_uuid(r.id),
            tracking: TrackingNumber::parse(&r.tracking).map_err(|_| bad("tracking"))?,
            text: r.description,
            received_at: r.received_at.0,
            bureau: BureauCode::parse(&r.bureau).map_err(|_| bad("bureau"))?,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct AnswerRow {
    pub id: Uuid,
    pub bureau: String,
    pub category: String,
    pub questions: String,
    pub answer: String,
    pub source: Option<String>,
    pub valid_to: Option<String>,
    pub state: String,
    pub proposed_by: String,
    pub proposed_at: DbTime,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DbTime>,
    pub review_note: Option<String>,
}

impl TryFrom<AnswerRow> for StoredAnswer {
    type Error = StoreError;
    fn try_from(r: AnswerRow) -> Result<Self, StoreError> {
        let bad = |what: &str| corrupt(CorruptRow { table: "kb_answers", message: what.to_owned() });
        let valid_to = match r.valid_to.as_deref() {
            Some(d) => Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| bad("valid_to"))?),
            None => None,
        };
        let user = |u: &str| Username::parse(u).map_err(|_| bad("username"));
        Ok(Self {
            id: r.id,
            bureau: BureauCode::parse(&r.bureau).map_err(|_| bad("bureau"))?,
            category: r.category,
            questions: serde_json::from_str(&r.questions).map_err(|_| bad("questions"))?,
            answer: r.answer,
            source: r.source,
            valid_to,
            state: AnswerState::parse(&r.state).ok_or_else(|| bad("state"))?,
            proposed_by: user(&r.proposed_by)?,
            proposed_at: r.proposed_at.0,
            reviewed_by: r.reviewed_by.as_deref().map(user).transpose()?,
            reviewed_at: r.reviewed_at.map(|t| t.0),
            review_note: r.review_note,
        })
    }
}

fn questions_json(questions: &[String]) -> String {
    serde_json::Value::from(questions.to_vec()).to_string()
}

/// Whether `request` is an open question `bureau` leads, read inside the caller's transaction.
async fn is_open_for<DB: Dialect>(
    c: &mut Conn<DB>,
    request: RequestId,
    bureau: &BureauCode,
) -> Result<bool, StoreError> {
    let sql = format!("SELECT r.id FROM ({OPEN_QUESTIONS} AND r.id = $1 AND t.bureau = $2) r");
    let s = Stmt::<DB>::assembled(sql).bind(request.as_uuid()).bind(bureau.as_str().to_owned());
    let found: Option<Col<Uuid>> = optional(c, s).await.map_err(store_error)?;
    Ok(found.is_some())
}

impl<B: Backend> AnswerBook for SqlStore<B> {
    async fn open_questions(
        &self,
        bureau: Option<&BureauCode>,
        since: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<OpenQuestion>, StoreError> {
        let scoped = if bureau.is_some() { " AND t.bureau = $3" } else { " AND $3 = ''" };
        let sql = format!(
            "{OPEN_QUESTIONS} AND r.received_at >= $1{scoped} ORDER BY r.received_at DESC, r.id LIMIT $2"
        );
        let s = Stmt::<B::Db>::assembled(sql)
            .bind(DbTime(since))
            .bind(i64::from(limit))
            .bind(bureau.map_or_else(String::new, |b| b.as_str().to_owned()));
        let rows: Vec<QuestionRow> = all(&mut *self.read().await?, s).await.map_err(store_error)?;
        rows.into_iter().map(OpenQuestion::try_from).collect()
    }

    async fn propose_answer(&self, answer: &StoredAnswer, covers: &[RequestId]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for request in covers {
            if !is_open_for::<B::Db>(&mut *tx, *request, &answer.bureau).await? {
                return Err(StoreError::Conflict(format!(
                    "{request} is not an open question of this bureau"
                )));
            }
        }
        let s = Stmt::<B::Db>::new(
            "INSERT INTO kb_answers (id, bureau, category, questions, answer, source, valid_to, state,
                                     proposed_by, proposed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(answer.id)
        .bind(answer.bureau.as_str().to_owned())
        .bind(answer.category.clone())
        .bind(questions_json(&answer.questions))
        .bind(answer.answer.clone())
        .bind(answer.source.clone())
        .bind(answer.valid_to.map(|d| d.format("%Y-%m-%d").to_string()))
        .bind(answer.state.as_str().to_owned())
        .bind(answer.proposed_by.as_str().to_owned())
        .bind(DbTime(answer.proposed_at));
        run(&mut *tx, s).await.map_err(store_error)?;
        for request in covers {
            let s = Stmt::<B::Db>::new(
                "INSERT INTO kb_questions_done (request_id, answer_id, done_by, done_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(request.as_uuid())
            .bind(Some(answer.id))
            .bind(answer.proposed_by.as_str().to_owned())
            .bind(DbTime(answer.proposed_at));
            run(&mut *tx, s).await.map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)
    }

    async fn set_aside(
        &self,
        request: RequestId,
        bureau: &BureauCode,
        by: &Username,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        if !is_open_for::<B::Db>(&mut *tx, request, bureau).await? {
            return Ok(false);
        }
        let s = Stmt::<B::Db>::new(
            "INSERT INTO kb_questions_done (request_id, answer_id, done_by, done_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(request.as_uuid())
        .bind(None::<Uuid>)
        .bind(by.as_str().to_owned())
        .bind(DbTime(at));
        run(&mut *tx, s).await.map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(true)
    }

    async fn stored_answers(
        &self,
        state: AnswerState,
        bureau: Option<&BureauCode>,
        limit: u32,
    ) -> Result<Vec<StoredAnswer>, StoreError> {
        let scoped = if bureau.is_some() { " AND bureau = $3" } else { " AND $3 = ''" };
        let order = match state {
            AnswerState::Proposed => "proposed_at, id",
            _ => "reviewed_at DESC, id",
        };
        let sql = format!("SELECT * FROM kb_answers WHERE state = $1{scoped} ORDER BY {order} LIMIT $2");
        let s = Stmt::<B::Db>::assembled(sql)
            .bind(state.as_str().to_owned())
            .bind(i64::from(limit))
            .bind(bureau.map_or_else(String::new, |b| b.as_str().to_owned()));
        let rows: Vec<AnswerRow> = all(&mut *self.read().await?, s).await.map_err(store_error)?;
        rows.into_iter().map(StoredAnswer::try_from).collect()
    }

    async fn covered_questions(&self, answer: Uuid) -> Result<Vec<OpenQuestion>, StoreError> {
        // The lead as it stands, or as it stood when resolved: any lead task will name the bureau.
        let s = Stmt::<B::Db>::new(
            "SELECT r.id, r.tracking, r.description, r.received_at,
                    COALESCE((SELECT t.bureau FROM tasks t WHERE t.request_id = r.id AND t.role = 'lead'
                              ORDER BY t.dispatched_at DESC LIMIT 1), '') AS bureau
             FROM kb_questions_done d JOIN requests r ON r.id = d.request_id
             WHERE d.answer_id = $1
             ORDER BY r.received_at DESC, r.id",
        )
        .bind(answer);
        let rows: Vec<QuestionRow> = all(&mut *self.read().await?, s).await.map_err(store_error)?;
        rows.into_iter().map(OpenQuestion::try_from).collect()
    }

    async fn review_answer(&self, review: &Review) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let state = if review.approve { AnswerState::Approved } else { AnswerState::Rejected };
        let s = Stmt::<B::Db>::new(
            "UPDATE kb_answers
             SET state = $2, reviewed_by = $3, reviewed_at = $4, review_note = $5,
                 questions = COALESCE($6, questions), answer = COALESCE($7, answer)
             WHERE id = $1 AND state = 'proposed'",
        )
        .bind(review.id)
        .bind(state.as_str().to_owned())
        .bind(review.by.as_str().to_owned())
        .bind(DbTime(review.at))
        .bind(review.note.clone())
        .bind(review.questions.as_deref().map(questions_json))
        .bind(review.answer.clone());
        if run(&mut *tx, s).await.map_err(store_error)? == 0 {
            return Ok(false);
        }
        if !review.approve {
            // Its questions wait again, for a better answer.
            let s = Stmt::<B::Db>::new("DELETE FROM kb_questions_done WHERE answer_id = $1").bind(review.id);
            run(&mut *tx, s).await.map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(true)
    }
}
