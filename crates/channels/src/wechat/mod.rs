//! The WeChat official account (等坪山): URL verification and message pushes in plain and safe
//! mode, the conversation by which a citizen puts a request together over several messages, and
//! the photos it brings, downloaded into the photo store after the reply (`photos`).

pub mod conversation;
pub mod crypto;
mod endpoint;
pub mod message;
pub mod photos;

pub use endpoint::{Wechat, WechatConfig, routes};
