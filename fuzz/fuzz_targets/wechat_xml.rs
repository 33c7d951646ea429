//! Any bytes as a WeChat push: parsing, decryption and a conversation step must never panic.
#![no_main]

use jiesu_channels::wechat::conversation::{Input, State, step};
use jiesu_channels::wechat::crypto::Cipher;
use jiesu_channels::wechat::message::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(push) = parse(&text) {
        let _ = push.key();
        let mut state = State::default();
        let _ = step(&mut state, Input::from_push(&push), chrono::Utc::now(), chrono::Duration::minutes(60));
    }
    if let Ok(cipher) = Cipher::new("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxb11529c136998cb6") {
        let _ = cipher.decrypt(&text);
    }
});
