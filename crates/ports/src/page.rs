//! Pages of a listing. A listing is ordered by a time and then its rows' ids, so the order is
//! total even where times are equal; a page starts either after a cursor (keyset paging: the
//! store seeks the cursor's place in an index, so every page costs the same however deep) or at
//! an offset (`page`/`page_size`, kept for existing clients: the store walks past every row
//! before it, and a row inserted meanwhile shifts the pages by one).
//!
//! A cursor travels as opaque text: URL-safe base64 of the listing it belongs to, the time (in
//! microseconds, the stores' precision) and the id of the last row the previous page showed. It
//! gives nothing away: it names a row its holder has already seen, and every listing still
//! applies the caller's scope to the rows after it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The listings that page, each with its own order. A cursor names the listing it came from, so
/// one listing's cursor is refused by another instead of silently meaning something else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// Staff task lists: newest dispatched first.
    Tasks,
    /// Tasks by their first running clock (a `ClockWindow`: overdue, due soon, or most urgent
    /// first): soonest due first, by that clock's due time, then its id. Its tag is the one the
    /// overdue listing's cursors already carry, so those stay valid.
    ByClock,
    /// The dispatch desk's queues: least recently changed first.
    Desk,
    /// The dispatch desk's timed queues: soonest due first, by the clock's due time, then its id.
    DeskClocks,
    /// Supervisors' escalations: oldest opened first.
    Escalations,
    /// Open311 `GET requests`: newest received first.
    Requests,
    /// The audit log: newest first.
    Audit,
}

impl Listing {
    fn tag(self) -> u8 {
        match self {
            Self::Tasks => b't',
            Self::ByClock => b'o',
            Self::Desk => b'd',
            Self::DeskClocks => b'k',
            Self::Escalations => b'e',
            Self::Requests => b'r',
            Self::Audit => b'a',
        }
    }
}

/// Where the previous page ended: its last row's sort time and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

/// A cursor that cannot be used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    #[error("`after` is not a cursor this server gave out (take it from the previous page's `next`)")]
    Malformed,
    #[error("`after` is a cursor from another listing")]
    OtherListing,
}

/// One tag byte, eight bytes of microseconds, sixteen of id.
const LEN: usize = 1 + 8 + 16;

impl Cursor {
    pub fn new(at: DateTime<Utc>, id: Uuid) -> Self {
        Self { at, id }
    }

    /// The cursor as a client carries it. Times finer than a microsecond are cut (the stores
    /// keep microseconds, and a cursor is made from a row read back from them).
    pub fn encode(&self, listing: Listing) -> String {
        let mut bytes = [0u8; LEN];
        bytes[0] = listing.tag();
        bytes[1..9].copy_from_slice(&self.at.timestamp_micros().to_be_bytes());
        bytes[9..].copy_from_slice(self.id.as_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn decode(listing: Listing, raw: &str) -> Result<Self, CursorError> {
        let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| CursorError::Malformed)?;
        let bytes: [u8; LEN] = bytes.try_into().map_err(|_| CursorError::Malformed)?;
        if bytes[0] != listing.tag() {
            return Err(CursorError::OtherListing);
        }
        let (mut micros, mut id) = ([0u8; 8], [0u8; 16]);
        micros.copy_from_slice(&bytes[1..9]);
        id.copy_from_slice(&bytes[9..]);
        let at = DateTime::from_timestamp_micros(i64::from_be_bytes(micros)).ok_or(CursorError::Malformed)?;
        Ok(Self { at, id: Uuid::from_bytes(id) })
    }
}

/// Where a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Past this many rows from the top.
    Offset(u32),
    /// Just past this row, in the listing's order.
    After(Cursor),
}

/// Up to `limit` rows from `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: u32,
    pub start: Start,
}

impl Page {
    /// The first `limit` rows.
    pub fn first(limit: u32) -> Self {
        Self { limit, start: Start::Offset(0) }
    }

    /// `limit` rows past the cursor.
    pub fn after(limit: u32, cursor: Cursor) -> Self {
        Self { limit, start: Start::After(cursor) }
    }

    /// Page `number` (from 1) of pages of `size` rows.
    pub fn numbered(number: u32, size: u32) -> Self {
        Self { limit: size, start: Start::Offset(number.max(1).saturating_sub(1).saturating_mul(size)) }
    }

    /// The same start with one row more: a caller asks for it to learn whether another page
    /// follows without counting.
    pub fn and_one_more(self) -> Self {
        Self { limit: self.limit.saturating_add(1), ..self }
    }
}

impl Default for Page {
    /// Nothing: a query must say how many rows it wants.
    fn default() -> Self {
        Self::first(0)
    }
}

/// What a caller shows of rows fetched with `Page::and_one_more`: at most `limit` of them, and the
/// cursor of the following page if there is one (made from the last row shown by `key`).
pub fn split_page<T>(
    mut rows: Vec<T>,
    limit: u32,
    listing: Listing,
    key: impl Fn(&T) -> Cursor,
) -> (Vec<T>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() <= limit {
        return (rows, None);
    }
    rows.truncate(limit);
    let next = rows.last().map(|r| key(r).encode(listing));
    (rows, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor() -> Cursor {
        let at = DateTime::from_timestamp_micros(1_796_000_000_123_456).expect("time");
        Cursor::new(at, Uuid::now_v7())
    }

    #[test]
    fn a_cursor_reads_back_in_its_own_listing_only() {
        let c = cursor();
        let text = c.encode(Listing::Tasks);
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{text}");
        assert_eq!(Cursor::decode(Listing::Tasks, &text), Ok(c));
        assert_eq!(Cursor::decode(Listing::Desk, &text), Err(CursorError::OtherListing));
    }

    #[test]
    fn anything_else_is_malformed() {
        let good = cursor().encode(Listing::Requests);
        for bad in ["", "abc", "!!!!", &good[..good.len() - 1], &format!("{good}AA"), "dGFza3M="] {
            assert_eq!(Cursor::decode(Listing::Requests, bad), Err(CursorError::Malformed), "{bad}");
        }
    }

    #[test]
    fn a_split_page_gives_the_next_cursor_only_when_a_row_is_left_over() {
        let key = |n: &i64| Cursor::new(DateTime::from_timestamp_micros(*n).expect("time"), Uuid::nil());
        let (rows, next) = split_page(vec![1, 2], 2, Listing::Desk, key);
        assert_eq!((rows, next), (vec![1, 2], None));
        let (rows, next) = split_page(vec![1, 2, 3], 2, Listing::Desk, key);
        assert_eq!(rows, [1, 2]);
        assert_eq!(Cursor::decode(Listing::Desk, &next.expect("a next page")), Ok(key(&2)));
    }

    #[test]
    fn numbered_pages_start_at_their_offset() {
        assert_eq!(Page::numbered(3, 20).start, Start::Offset(40));
        assert_eq!(Page::numbered(0, 20).start, Start::Offset(0), "page 0 is the first");
        assert_eq!(Page::numbered(u32::MAX, 1000).start, Start::Offset(u32::MAX), "no overflow");
    }
}
