//! The WeChat official account (等坪山): URL verification and message pushes in plain and safe
//! mode, and the conversation by which a citizen puts a request together over several messages.

pub mod conversation;
pub mod crypto;
mod endpoint;
pub mod message;

pub use endpoint::{Wechat, WechatConfig, routes};
