//! Rules proposed by coordination meetings, stored for end-to-end tests as the escalation service
//! will store them: a decided meeting on a request (plain SQL, `jiesu_testkit::meetings`) and the
//! rule it proposes (through the rulebook port).

use jiesu_domain::area::AreaCode;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::escalation::{ProposalId, ProposalState, ProposedRule};
use jiesu_domain::ids::{RequestId, TrackingNumber};
use jiesu_domain::ports::{RuleBook, Store};
use jiesu_store_postgres::{PgSettings, PgStore};
use jiesu_store_sqlite::{SqlitePools, SqliteSettings, SqliteStore};
use jiesu_testkit::meetings::MeetingFixture;

use crate::backend::{Backend, Kind};

/// What a meeting proposes: these categories in these areas go to `lead`.
#[derive(Debug, Clone, Copy)]
pub struct Proposal<'a> {
    pub categories: &'a [&'a str],
    pub areas: &'a [&'a str],
    pub lead: &'a str,
    pub assists: &'a [&'a str],
}

async fn store_proposal<S: Store + RuleBook + MeetingFixture>(
    store: &S,
    tracking: &str,
    p: Proposal<'_>,
) -> ProposedRule {
    let tracking = TrackingNumber::parse(tracking).expect("tracking number");
    let view = store.request_by_tracking(&tracking).await.expect("read").expect("the request is stored");
    let request_id: RequestId = view.request.submitted.id;
    let meeting_id = store.insert_meeting(request_id).await;
    let rule = ProposedRule {
        id: ProposalId::generate(),
        request_id,
        meeting_id,
        categories: p.categories.iter().map(|c| CategoryCode::parse(c).expect("category")).collect(),
        areas: p.areas.iter().map(|a| AreaCode::parse(a).expect("area")).collect(),
        lead: BureauCode::parse(p.lead).expect("bureau"),
        assists: p.assists.iter().map(|b| BureauCode::parse(b).expect("bureau")).collect(),
        note: None,
        state: ProposalState::Proposed,
        proposed_at: jiesu_domain::time::now(),
        decision: None,
    };
    assert!(store.insert_proposal(&rule).await.expect("insert the proposal"), "stored");
    rule
}

impl Backend {
    /// Records that a coordination meeting on the request with `tracking` proposed a rule. One
    /// meeting per request: propose each rule on a request of its own.
    pub async fn propose_rule(&self, tracking: &str, p: Proposal<'_>) -> ProposedRule {
        match self.kind {
            Kind::Embedded { .. } => {
                let pools =
                    SqlitePools::open(&self.database_url, &SqliteSettings::default()).await.expect("open");
                let rule = store_proposal(&SqliteStore::new(pools.clone()), tracking, p).await;
                pools.close().await;
                rule
            }
            Kind::AtScale { .. } => {
                let settings = PgSettings { max_connections: 1, ..PgSettings::default() };
                let store = PgStore::connect(&self.database_url, &settings).await.expect("connect");
                let rule = store_proposal(&store, tracking, p).await;
                store.close().await;
                rule
            }
        }
    }
}
