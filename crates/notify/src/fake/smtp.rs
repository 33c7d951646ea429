//! A fake SMTP server (feature `fake`): a real server on localhost speaking the protocol a
//! mail submission server speaks (EHLO, AUTH PLAIN or LOGIN, MAIL, RCPT, DATA, QUIT), which
//! refuses mail before a successful AUTH with the right credentials (530/535, as a submission
//! server does) and keeps what it accepted: the envelope, the headers, the body decoded. It can
//! be set to answer 421 (down: try later) or to refuse every recipient with 550.

use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A message the fake accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// The `Subject` header, RFC 2047 decoded.
    pub subject: String,
    pub message_id: String,
    /// The body, its transfer encoding undone.
    pub body: String,
}

/// What the fake answers next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpMode {
    Up,
    /// 421 at the greeting.
    Down,
    /// 550 to every RCPT.
    Refuse,
}

#[derive(Debug)]
struct Ledger {
    user: String,
    password: String,
    mode: SmtpMode,
    mails: Vec<Mail>,
    rejected: Vec<String>,
}

/// A running fake SMTP server.
#[derive(Debug, Clone)]
pub struct FakeSmtp {
    pub port: u16,
    state: Arc<Mutex<Ledger>>,
}

impl FakeSmtp {
    /// Starts a server taking mail from `user` / `password`.
    pub async fn start(user: &str, password: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let state = Arc::new(Mutex::new(Ledger {
            user: user.to_owned(),
            password: password.to_owned(),
            mode: SmtpMode::Up,
            mails: Vec::new(),
            rejected: Vec::new(),
        }));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    let _ = session(stream, state).await;
                });
            }
        });
        Ok(Self { port, state })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Ledger) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.with(|l| l.mails.clone())
    }

    /// Why sessions were refused (bad credentials, mail before AUTH).
    pub fn rejected(&self) -> Vec<String> {
        self.with(|l| l.rejected.clone())
    }

    pub fn set_mode(&self, mode: SmtpMode) {
        self.with(|l| l.mode = mode);
    }
}

fn b64(s: &str) -> String {
    STANDARD.decode(s.trim()).ok().and_then(|b| String::from_utf8(b).ok()).unwrap_or_default()
}

/// `=?utf-8?b?...?=` words decoded (what lettre writes for a non-ASCII subject), the rest as is.
fn decode_words(raw: &str) -> String {
    raw.split_whitespace()
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            match (lower.starts_with("=?utf-8?b?"), w.strip_suffix("?=")) {
                (true, Some(inner)) => b64(&inner[10..]),
                _ => w.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("")
}

/// The headers and body of a message as received.
fn parse(data: &str, from: String, to: Vec<String>) -> Mail {
    let (head, body) = data.split_once("\r\n\r\n").unwrap_or((data, ""));
    // Unfold continuation lines, then read the headers we check.
    let head = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_default()
    };
    let base64 = header("Content-Transfer-Encoding").eq_ignore_ascii_case("base64");
    let body = if base64 { b64(&body.replace("\r\n", "")) } else { body.to_owned() };
    Mail { from, to, subject: decode_words(&header("Subject")), message_id: header("Message-ID"), body }
}

async fn session(stream: TcpStream, state: Arc<Mutex<Ledger>>) -> std::io::Result<()> {
    let with = |f: &mut dyn FnMut(&mut Ledger)| f(&mut state.lock().unwrap_or_else(PoisonError::into_inner));
    let mut mode = SmtpMode::Up;
    let (mut user, mut password) = (String::new(), String::new());
    with(&mut |l| {
        mode = l.mode;
        user = l.user.clone();
        password = l.password.clone();
    });
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    if mode == SmtpMode::Down {
        write.write_all(b"421 fake.smtp service not available\r\n").await?;
        return Ok(());
    }
    write.write_all(b"220 fake.smtp ESMTP\r\n").await?;
    let (mut authed, mut from, mut to) = (false, String::new(), Vec::new());
    let mut login_step = 0;
    let mut login_user = String::new();
    while let Some(line) = lines.next_line().await? {
        let upper = line.to_ascii_uppercase();
        let answer: String = if login_step == 1 {
            login_user = b64(&line);
            login_step = 2;
            "334 UGFzc3dvcmQ6".to_owned()
        } else if login_step == 2 {
            login_step = 0;
            authed = login_user == user && b64(&line) == password;
            if authed { "235 2.7.0 ok".to_owned() } else { "535 5.7.8 bad credentials".to_owned() }
        } else if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            "250-fake.smtp\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME".to_owned()
        } else if let Some(rest) = upper.strip_prefix("AUTH PLAIN") {
            let given = b64(&line[line.len() - rest.len()..]);
            let parts: Vec<&str> = given.split('\0').collect();
            authed = parts.len() == 3 && parts[1] == user && parts[2] == password;
            if authed { "235 2.7.0 ok".to_owned() } else { "535 5.7.8 bad credentials".to_owned() }
        } else if upper.starts_with("AUTH LOGIN") {
            login_step = 1;
            "334 VXNlcm5hbWU6".to_owned()
        } else if upper.starts_with("MAIL FROM:") {
            if authed {
                from = line[10..].trim().trim_matches(['<', '>']).to_owned();
                "250 2.1.0 ok".to_owned()
            } else {
                with(&mut |l| l.rejected.push("MAIL before AUTH".to_owned()));
                "530 5.7.0 authentication required".to_owned()
            }
        } else if upper.starts_with("RCPT TO:") {
            if mode == SmtpMode::Refuse {
                "550 5.1.1 no such mailbox".to_owned()
            } else {
                to.push(line[8..].trim().trim_matches(['<', '>']).to_owned());
                "250 2.1.5 ok".to_owned()
            }
        } else if upper == "DATA" {
            write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
            let mut data = String::new();
            while let Some(l) = lines.next_line().await? {
                if l == "." {
                    break;
                }
                data.push_str(l.strip_prefix('.').unwrap_or(&l));
                data.push_str("\r\n");
            }
            let mail = parse(&data, std::mem::take(&mut from), std::mem::take(&mut to));
            with(&mut |l| l.mails.push(mail.clone()));
            "250 2.0.0 queued".to_owned()
        } else if upper == "QUIT" {
            write.write_all(b"221 2.0.0 bye\r\n").await?;
            return Ok(());
        } else if upper == "RSET" || upper == "NOOP" {
            "250 2.0.0 ok".to_owned()
        } else {
            "502 5.5.2 not implemented".to_owned()
        };
        write.write_all(format!("{answer}\r\n").as_bytes()).await?;
    }
    if !authed {
        with(&mut |l| l.rejected.push("session ended without AUTH".to_owned()));
    }
    Ok(())
}
