//! The rates a 接诉即办 programme is judged by (响应率, 解决率, 满意率, 办结率 and the rest) and
//! what each request counts towards, decided without IO.
//!
//! A request's case is worked out into **tallies**: counts (`Counts`) under keys (`Key`: a
//! district-local day and the request's dimensions: bureau, street, community, category, channel,
//! kind). The summary table holds the sum of every request's tallies per key, so a rate for any
//! period and grouping is a sum over a few rows, never a scan of the requests. When a case
//! changes, its new tallies replace its old ones: the summary moves by the difference (`delta`),
//! so recomputing a case any number of times, in any order, leaves the same sums.

mod counts;
mod rates;
pub mod stored;
mod tally;

pub use counts::{Counts, Dim, Key, Tallies, delta};
pub use rates::{Rate, Rates, Weights};
pub use tally::tally;
