//! A call to a gateway, ready to send, and what its answer means for the delivery: shared by
//! every gateway (SMS, WeChat, 企业微信), none of which does IO itself.

/// An HTTP request ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What the gateway's answer means for the delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted, with the gateway's id for it (Alibaba `BizId`, Tencent `SerialNo`).
    Sent { id: String },
    /// Not now: an outage, a rate limit, an account to top up. Try again after a back-off.
    Retry { code: String },
    /// Never: the number, the template or the configuration is wrong.
    GiveUp { code: String },
}

impl Outcome {
    /// From an HTTP status that carried no answer the gateway's format explains (a proxy's 502,
    /// a timeout page): a server-side failure is retried, anything else given up on.
    pub(crate) fn from_status(status: u16) -> Self {
        let code = format!("http_{status}");
        if status >= 500 || status == 429 { Self::Retry { code } } else { Self::GiveUp { code } }
    }
}
