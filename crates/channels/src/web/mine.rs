//! 我的诉求: a WeChat citizen's own requests, newest first, behind a link the WeChat replies
//! carry (`/track/mine?t=...`). WeChat citizens give no phone, so neither the tracking page's
//! digits nor one request's private link can show them all.
//!
//! The link's token is sealed with the server key: the OpenID encrypted (AES-256-CBC, a fresh
//! IV each time, under a key derived for this use), so the link names nobody to whoever sees it
//! (a proxy's log, a forwarded chat), and signed (HMAC-SHA256 over the expiry, the IV and the
//! ciphertext, checked before anything is decrypted), so a changed link or a later expiry is
//! refused. It lasts `LINK_DAYS`; each reply gives a fresh one. A refused link gets a page that
//! says why in words, never a list; the OpenID is never logged.

use aes::Aes256;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use chrono::{DateTime, Utc};
use jiesu_domain::contact::OpenId;
use jiesu_domain::ports::{Queue, Store};
use jiesu_domain::secret::ServerKey;
use jiesu_words::Lang;
use serde::Deserialize;

use super::{Shared, page, pages, visit_link};

/// How long a link works.
pub const LINK_DAYS: i64 = 30;

/// The most requests the page lists (a citizen's own; years of them fit).
const MOST: u32 = 100;

const TAG: usize = 16;
const IV: usize = 16;
const BLOCK: usize = 16;

/// Why a token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Not one we made, or changed since.
    Invalid,
    Expired,
}

fn cipher_key(key: &ServerKey) -> [u8; 32] {
    key.keyed("my-requests link: cipher", b"")
}

fn tag(key: &ServerKey, sealed: &[u8]) -> [u8; 32] {
    key.keyed("my-requests link: signature", sealed)
}

/// The token for `openid`, working until `expires`; `iv` is fresh randomness.
pub fn seal(key: &ServerKey, openid: &OpenId, expires: DateTime<Utc>, iv: [u8; IV]) -> String {
    let mut plain = openid.expose().as_bytes().to_vec();
    let pad = BLOCK - plain.len() % BLOCK;
    plain.extend(std::iter::repeat_n(pad as u8, pad));
    let len = plain.len();
    let encrypted = cbc::Encryptor::<Aes256>::new(&cipher_key(key).into(), &iv.into())
        .encrypt_padded_mut::<NoPadding>(&mut plain, len)
        .map(<[u8]>::to_vec)
        .unwrap_or_default();
    let mut sealed = expires.timestamp().to_be_bytes().to_vec();
    sealed.extend_from_slice(&iv);
    sealed.extend_from_slice(&encrypted);
    let t = tag(key, &sealed);
    sealed.extend_from_slice(&t[..TAG]);
    URL_SAFE_NO_PAD.encode(sealed)
}

/// The OpenID a token was sealed for, if the token is ours, unchanged, and not past its expiry.
pub fn open(key: &ServerKey, token: &str, now: DateTime<Utc>) -> Result<OpenId, Refused> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim()).map_err(|_| Refused::Invalid)?;
    if bytes.len() < 8 + IV + BLOCK + TAG || !(bytes.len() - 8 - IV - TAG).is_multiple_of(BLOCK) {
        return Err(Refused::Invalid);
    }
    let (sealed, given) = bytes.split_at(bytes.len() - TAG);
    let expected = tag(key, sealed);
    // Compared in time independent of where they differ.
    if expected[..TAG].iter().zip(given).fold(0u8, |acc, (a, b)| acc | (a ^ b)) != 0 {
        return Err(Refused::Invalid);
    }
    let (head, rest) = sealed.split_at(8);
    let expires = i64::from_be_bytes(head.try_into().map_err(|_| Refused::Invalid)?);
    if now.timestamp() > expires {
        return Err(Refused::Expired);
    }
    let (iv, encrypted) = rest.split_at(IV);
    let iv: [u8; IV] = iv.try_into().map_err(|_| Refused::Invalid)?;
    let mut data = encrypted.to_vec();
    let plain = cbc::Decryptor::<Aes256>::new(&cipher_key(key).into(), &iv.into())
        .decrypt_padded_mut::<NoPadding>(&mut data)
        .map_err(|_| Refused::Invalid)?;
    let pad = usize::from(*plain.last().ok_or(Refused::Invalid)?);
    if pad == 0 || pad > BLOCK || pad > plain.len() {
        return Err(Refused::Invalid);
    }
    let text = std::str::from_utf8(&plain[..plain.len() - pad]).map_err(|_| Refused::Invalid)?;
    OpenId::parse(text).map_err(|_| Refused::Invalid)
}

/// The citizen's list link, working for `LINK_DAYS` from `now` (`base`: where citizens reach us).
pub fn link(base: &str, key: &ServerKey, openid: &OpenId, now: DateTime<Utc>) -> String {
    let expires = now + chrono::Duration::days(LINK_DAYS);
    format!("{base}/track/mine?t={}", seal(key, openid, expires, rand::random()))
}

#[derive(Debug, Deserialize)]
pub(super) struct MineQuery {
    t: Option<String>,
    lang: Option<String>,
}

/// `GET /track/mine?t=`: the list, or why the link does not open it.
pub(super) async fn mine<S: Store, Q: Queue>(
    State(s): State<Shared<S, Q>>,
    Query(q): Query<MineQuery>,
) -> Response {
    let lang = Lang::from_param(q.lang.as_deref());
    let token = q.t.unwrap_or_default();
    let openid = match open(&s.key, &token, jiesu_domain::time::now()) {
        Ok(o) => o,
        Err(why) => {
            tracing::debug!(?why, "a 我的诉求 link was refused");
            return page(StatusCode::FORBIDDEN, pages::mine_refused(lang, why == Refused::Expired));
        }
    };
    let views = match s.store.requests_of_openid(&openid, MOST).await {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "cannot list a citizen's requests");
            return page(StatusCode::SERVICE_UNAVAILABLE, pages::mine_refused(lang, false));
        }
    };
    let items: Vec<_> = views
        .iter()
        .map(|v| {
            let r = &v.request.submitted;
            let link = format!(
                "{}&lang={}",
                visit_link("", &r.tracking, &s.key.visit_secret(r.id)),
                lang_param(lang)
            );
            (v, link)
        })
        .collect();
    page(StatusCode::OK, pages::mine(&s.district.current(), lang, &items, &token))
}

fn lang_param(lang: Lang) -> &'static str {
    super::text::text(lang).param
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiesu_domain::secret::test_key;

    #[test]
    fn a_sealed_link_opens_only_unchanged_unexpired_and_under_its_key() {
        let key = test_key();
        let openid = OpenId::parse("oJiesuTestUser0000000000001").expect("openid");
        let now = jiesu_domain::time::now();
        let token = seal(&key, &openid, now + chrono::Duration::days(1), [7; 16]);
        assert!(!token.contains("oJiesu"), "no OpenID in clear");
        assert_eq!(open(&key, &token, now), Ok(openid.clone()));
        assert_eq!(open(&key, &token, now + chrono::Duration::days(2)), Err(Refused::Expired));
        let other = ServerKey::new(b"another deployment's key").expect("key");
        assert_eq!(open(&other, &token, now), Err(Refused::Invalid));
        // Any one character changed is refused: the expiry, the IV, the ciphertext or the tag.
        for i in 0..token.len() {
            let mut chars: Vec<char> = token.chars().collect();
            chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
            let changed: String = chars.into_iter().collect();
            assert_ne!(open(&key, &changed, now), Ok(openid.clone()), "changed at {i}");
        }
        for junk in ["", "abc", "!!!!", &token[..token.len() - 4]] {
            assert_eq!(open(&key, junk, now), Err(Refused::Invalid), "{junk}");
        }
        let fresh = seal(&key, &openid, now + chrono::Duration::days(1), [8; 16]);
        assert_ne!(fresh, token, "a fresh IV gives another link");
    }
}
