//! Working out requests' tallies from their cases, and rebuilding the whole summary.

use jiesu_domain::district::District;
use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::{CaseTallies, Cases, Stats, StoreError};
use jiesu_domain::rates::tally;

/// The tallies of these requests' cases as they stand; a request that is gone counts nothing.
pub async fn tallies_of<S: Cases>(
    store: &S,
    district: &District,
    requests: &[RequestId],
) -> Result<Vec<CaseTallies>, StoreError> {
    let cases = store.load_cases(requests).await?;
    Ok(cases
        .iter()
        .map(|case| CaseTallies {
            request_id: case.id(),
            version: case.version,
            tallies: tally(case, district),
        })
        .collect())
}

/// What a rebuild went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rebuilt {
    pub requests: u64,
}

/// Empties the summary and recounts every request from its case, `batch` requests a commit. The
/// stats consumer may run meanwhile: a request it records again at the same version changes
/// nothing, and one that moved on is recorded at its newer version by whichever comes last.
pub async fn rebuild<S: Cases + Stats>(
    store: &S,
    district: &District,
    batch: u32,
) -> Result<Rebuilt, StoreError> {
    store.clear_stats().await?;
    let mut after = None;
    let mut requests = 0u64;
    loop {
        let ids = store.request_ids_after(after, batch.max(1)).await?;
        let Some(last) = ids.last().copied() else { break };
        store.record_tallies(&tallies_of(store, district, &ids).await?).await?;
        requests += ids.len() as u64;
        after = Some(last);
        tracing::debug!(requests, "stats rebuilt so far");
    }
    Ok(Rebuilt { requests })
}
