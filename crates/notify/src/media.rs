//! Downloading the photos citizens send the official account (`/cgi-bin/media/get`) with the
//! account's access token, the one the notify role uses (kept in the store under the same name,
//! `Account::token_name`), so the two roles never fetch rival tokens. A refused token is dropped
//! and the download tried once more with a fresh one, as for messages.

use jiesu_ports::AccessTokens;

use crate::call::Outcome;
use crate::platform::wechat::{self, Account};
use crate::send::HttpError;
use crate::tokens::Tokens;

/// The official account's media downloads.
#[derive(Debug, Clone)]
pub struct MediaDownloads<T> {
    http: reqwest::Client,
    tokens: Tokens<T>,
    account: Account,
}

impl<T: AccessTokens> MediaDownloads<T> {
    pub fn new(store: T, account: Account) -> Result<Self, HttpError> {
        Ok(Self { http: crate::send::client()?, tokens: Tokens::new(store), account })
    }

    /// The bytes of the media file `media_id`, or why not: `Retry` (the platform busy or
    /// unreachable, no token to be had) or `GiveUp` (40007: unknown or expired media).
    pub async fn fetch(&self, media_id: &str) -> Result<Vec<u8>, Outcome> {
        let a = &self.account;
        let fetch = wechat::token_call(a);
        let make = |token: &str| wechat::media_call(a, token, media_id);
        self.tokens.call(&self.http, &a.token_name(), &fetch, make, wechat::media).await?
    }
}
