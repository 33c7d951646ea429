//! Headless Chromium, driven over WebDriver (ChromeDriver), to use the citizens' pages as a
//! person does. Needs Debian's `chromium` and `chromium-driver` (scripts/test installs them).

use std::net::TcpListener;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder};
use serde_json::json;
use tokio::process::{Child, Command};

#[derive(Debug)]
pub struct Browser {
    pub client: Client,
    _driver: Child,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

impl Browser {
    pub async fn start() -> Self {
        // Two TLS crypto providers are linked in (reqwest's and fantoccini's); WebDriver runs over
        // plain HTTP on localhost, but rustls still wants one chosen for the process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect(
                "chromedriver is installed (apt-get install chromium chromium-driver; scripts/test does it)",
            );
        let profile = tempfile::tempdir().expect("a fresh profile");
        let mut caps = Capabilities::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--no-first-run", "--lang=zh-CN",
                format!("--user-data-dir={}", profile.path().display()),
            ]}),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..50 {
            match ClientBuilder::rustls().expect("TLS setup").capabilities(caps.clone()).connect(&url).await {
                Ok(client) => return Self { client, _driver: driver, _profile: profile },
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("cannot start Chromium through ChromeDriver: {last:?}")
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
