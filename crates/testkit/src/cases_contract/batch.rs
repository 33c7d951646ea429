//! Many cases read at once (`load_cases`, what the stats consumer reads for a batch of events):
//! each exactly as `load_case` reads it alone, in the order asked.

use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::{Cases, Store};
use jiesu_domain::trigger::Trigger;

use super::keyset::{escalate, opened};
use super::{lived, stored};
use crate::fixtures::{admission, new_request};

pub async fn many_cases_read_together_are_each_as_read_alone<S: Store + Cases>(store: S) {
    let closed = lived(&store).await;
    let fresh = stored(&store).await;
    let a = admission(new_request());
    store.ingest(std::slice::from_ref(&a)).await.expect("ingest");
    let now = jiesu_domain::time::now();
    escalate(
        &store,
        &a,
        vec![opened(&a, Trigger::Exhausted, now, None), opened(&a, Trigger::PingPong, now, None)],
    )
    .await;
    let escalated = a.request.submitted.id;
    let missing = RequestId::generate();

    let asked = [fresh.id(), missing, escalated, closed.id(), fresh.id()];
    let read = store.load_cases(&asked).await.expect("load");

    let mut alone = Vec::new();
    for id in [fresh.id(), escalated, closed.id()] {
        alone.push(store.load_case(id).await.expect("load").expect("stored"));
    }
    assert_eq!(read, alone, "in the order asked, each once, the missing one left out");
    assert_eq!(read[1].escalations.len(), 2);
    assert!(read[2].tasks.len() >= 2 && !read[2].deadlines.is_empty() && read[2].visits.len() == 1);
    assert!(store.load_cases(&[]).await.expect("load nothing").is_empty());
}
