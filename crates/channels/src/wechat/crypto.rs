//! WeChat's callback signatures and safe-mode encryption, as the official account platform
//! specifies them (and as wechatpy implements them; see tests/wechat).
//!
//! - Signature: SHA-1 of the sorted `[token, timestamp, nonce]`, concatenated, lowercase hex.
//! - Message signature: the same over `[token, timestamp, nonce, Encrypt]`.
//! - Key: base64 of the 43-character EncodingAESKey plus `=`, 32 bytes; the IV is its first 16.
//!   WeChat's own sample keys have non-zero trailing bits, so decoding must tolerate them.
//! - Plaintext: 16 random bytes ‖ 4-byte big-endian length ‖ message ‖ AppId, PKCS#7-padded to
//!   32-byte blocks (so a pad byte may be up to 32, which 16-byte PKCS#7 code would reject).

use aes::Aes256;
use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use sha1::{Digest, Sha1};

const BLOCK: usize = 32;

/// Lenient decoding for the EncodingAESKey only: its last character may carry trailing bits.
const KEY_ENGINE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

pub fn signature(parts: &[&str]) -> String {
    let mut sorted = parts.to_vec();
    sorted.sort_unstable();
    let digest = Sha1::digest(sorted.concat().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares signatures without leaking where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("the EncodingAESKey must be 43 base64 characters")]
    BadKey,
    #[error("the ciphertext is not valid")]
    BadCiphertext,
    #[error("the message is for another AppId")]
    WrongAppId,
}

#[derive(Clone)]
pub struct Cipher {
    key: [u8; 32],
    app_id: String,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cipher").field("app_id", &self.app_id).finish_non_exhaustive()
    }
}

impl Cipher {
    pub fn new(encoding_aes_key: &str, app_id: &str) -> Result<Self, CryptoError> {
        if encoding_aes_key.len() != 43 {
            return Err(CryptoError::BadKey);
        }
        let bytes = KEY_ENGINE.decode(format!("{encoding_aes_key}=")).map_err(|_| CryptoError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::BadKey)?;
        Ok(Self { key, app_id: app_id.to_owned() })
    }

    fn iv(&self) -> [u8; 16] {
        let mut iv = [0; 16];
        iv.copy_from_slice(&self.key[..16]);
        iv
    }

    /// Encrypts a message; `random` is the 16-byte prefix (fresh randomness for each message).
    pub fn encrypt(&self, message: &str, random: [u8; 16]) -> String {
        let msg = message.as_bytes();
        let mut plain = Vec::with_capacity(16 + 4 + msg.len() + self.app_id.len() + BLOCK);
        plain.extend_from_slice(&random);
        plain.extend_from_slice(&u32::try_from(msg.len()).unwrap_or(u32::MAX).to_be_bytes());
        plain.extend_from_slice(msg);
        plain.extend_from_slice(self.app_id.as_bytes());
        let pad = BLOCK - plain.len() % BLOCK;
        plain.extend(std::iter::repeat_n(pad as u8, pad));
        let len = plain.len();
        let encrypted = cbc::Encryptor::<Aes256>::new(&self.key.into(), &self.iv().into())
            .encrypt_padded_mut::<NoPadding>(&mut plain, len)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        STANDARD.encode(encrypted)
    }

    /// Decrypts a message and checks it was meant for this AppId.
    pub fn decrypt(&self, encrypted: &str) -> Result<String, CryptoError> {
        let mut data = STANDARD.decode(encrypted.trim()).map_err(|_| CryptoError::BadCiphertext)?;
        if data.is_empty() || data.len() % 16 != 0 {
            return Err(CryptoError::BadCiphertext);
        }
        let plain = cbc::Decryptor::<Aes256>::new(&self.key.into(), &self.iv().into())
            .decrypt_padded_mut::<NoPadding>(&mut data)
            .map_err(|_| CryptoError::BadCiphertext)?;
        let pad = usize::from(*plain.last().ok_or(CryptoError::BadCiphertext)?);
        if pad == 0 || pad > BLOCK || pad > plain.len() {
            return Err(CryptoError::BadCiphertext);
        }
        let content = plain.get(16..plain.len() - pad).ok_or(CryptoError::BadCiphertext)?;
        let len_bytes: [u8; 4] =
            content.get(..4).and_then(|b| b.try_into().ok()).ok_or(CryptoError::BadCiphertext)?;
        let len = u32::from_be_bytes(len_bytes) as usize;
        let msg = content.get(4..4 + len).ok_or(CryptoError::BadCiphertext)?;
        let app_id = content.get(4 + len..).ok_or(CryptoError::BadCiphertext)?;
        if app_id != self.app_id.as_bytes() {
            return Err(CryptoError::WrongAppId);
        }
        String::from_utf8(msg.to_vec()).map_err(|_| CryptoError::BadCiphertext)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // WeChat's published sample for official accounts (reproduced by wechatpy, see tests/wechat).
    const TOKEN: &str = "pamtest";
    const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    const APP_ID: &str = "wxb11529c136998cb6";

    #[test]
    fn url_signature_matches_the_published_sample() {
        assert_eq!(signature(&[TOKEN, "1409304348", "xxxxxx"]), "76480565cbe296026c53aaacd1ad523a1ddba24f");
    }

    #[test]
    fn encryption_matches_the_published_sample() {
        let cipher = Cipher::new(KEY, APP_ID).expect("the sample key, despite its trailing bits");
        let encrypted = cipher.encrypt("我是中文abcd123", *b"aaaabbbbccccdddd");
        assert_eq!(
            encrypted,
            "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
        );
        assert_eq!(cipher.decrypt(&encrypted).as_deref(), Ok("我是中文abcd123"));
    }

    #[test]
    fn every_padding_length_round_trips() {
        let cipher = Cipher::new(KEY, APP_ID).expect("key");
        for n in 0..70 {
            let msg = "x".repeat(n);
            assert_eq!(cipher.decrypt(&cipher.encrypt(&msg, [7; 16])), Ok(msg));
        }
    }

    #[test]
    fn tampering_and_other_app_ids_are_refused() {
        let cipher = Cipher::new(KEY, APP_ID).expect("key");
        let other = Cipher::new(KEY, "wx0000000000000000").expect("key");
        let encrypted = cipher.encrypt("<xml/>", [1; 16]);
        assert_eq!(other.decrypt(&encrypted), Err(CryptoError::WrongAppId));
        assert!(cipher.decrypt("not base64!").is_err());
        assert!(cipher.decrypt(&STANDARD.encode([0u8; 32])).is_err());
        assert!(Cipher::new("short", APP_ID).is_err());
    }

    #[test]
    fn signatures_compare_in_full() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}
