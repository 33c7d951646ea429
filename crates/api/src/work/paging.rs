//! How the staff API's listings page. A page is asked for with `after` (the previous page's
//! `next`: the store seeks straight to it, so the thousandth page costs what the first does, and
//! rows added meanwhile neither repeat nor go missing) or with `page` (a page number, kept for
//! existing clients: the store counts past every row before it). One or the other, not both.

use axum::http::StatusCode;
use jiesu_domain::ports::{Cursor, Listing, Page};

use crate::ApiError;

/// Rows per page unless `page_size` says otherwise, and the most it may say.
const DEFAULT_SIZE: u32 = 50;
const MAX_SIZE: u32 = 200;

/// A page as asked for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Asked {
    pub page: Page,
    /// The page number, when asked for by number (or by nothing: the first).
    pub number: Option<u32>,
}

impl Asked {
    /// Reads `page`, `page_size` and `after`: a malformed cursor, another listing's cursor, or
    /// both `page` and `after`, is 400 `invalid_query`.
    pub fn read(
        listing: Listing,
        number: Option<u32>,
        size: Option<u32>,
        after: Option<&str>,
    ) -> Result<Self, ApiError> {
        let bad = |message: String| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", message);
        let size = size.unwrap_or(DEFAULT_SIZE).clamp(1, MAX_SIZE);
        match (number, after.map(str::trim).filter(|a| !a.is_empty())) {
            (Some(_), Some(_)) => {
                Err(bad("give `after` (the previous page's `next`) or `page`, not both".to_owned()))
            }
            (_, Some(after)) => {
                let cursor = Cursor::decode(listing, after).map_err(|e| bad(e.to_string()))?;
                Ok(Self { page: Page::after(size, cursor), number: None })
            }
            (number, None) => {
                let number = number.unwrap_or(1).max(1);
                Ok(Self { page: Page::numbered(number, size), number: Some(number) })
            }
        }
    }

    /// The page to ask the store for: one row more, to learn whether another page follows.
    pub fn fetch(&self) -> Page {
        self.page.and_one_more()
    }

    pub fn size(&self) -> u32 {
        self.page.limit
    }
}
