//! `jiesu serve` as a separate process, for what only a real process can show: SIGKILL and SIGTERM.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::Backend;

#[derive(Debug)]
pub struct Server {
    pub child: Child,
    pub base: String,
    pub dir: tempfile::TempDir,
    /// Everything the process printed so far: its logs (stderr) and its stdout.
    pub output: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `jiesu serve` on the backend and waits until it listens. `exe` is the binary:
    /// `env!("CARGO_BIN_EXE_jiesu-under-test")`, which Cargo defines for integration tests only.
    pub async fn start(exe: &str, backend: &Backend) -> Self {
        Self::start_with(exe, backend, &[]).await
    }

    /// As `start`, with extra environment variables (e.g. a more verbose log filter).
    pub async fn start_with(exe: &str, backend: &Backend, extra_env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("working directory");
        let mut cmd = Command::new(exe);
        cmd.arg("serve")
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in backend.env() {
            cmd.env(k, v);
        }
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start jiesu");
        let output = Arc::new(Mutex::new(Vec::new()));
        // The logs: kept, and echoed so a failing test shows them.
        let stderr = child.stderr.take().expect("stderr");
        let sink = output.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("{line}");
                sink.lock().expect("lock").push(line);
            }
        });
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.expect("read stdout") {
                if let Some(rest) = line.strip_prefix("Jiesu is listening on ") {
                    return rest.trim_end_matches('/').to_owned();
                }
            }
            panic!("jiesu exited before listening")
        })
        .await
        .expect("jiesu listens within 30 s");
        // Keep draining stdout so the process never blocks on a full pipe, and keep what it says.
        let sink = output.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                sink.lock().expect("lock").push(line);
            }
        });
        Self { child, base, dir, output }
    }

    pub fn pid(&self) -> i32 {
        self.child.id().and_then(|p| i32::try_from(p).ok()).expect("running")
    }

    /// SIGKILL: no chance to finish anything.
    pub async fn kill_hard(mut self) {
        self.child.kill().await.expect("SIGKILL");
    }

    /// SIGTERM, then wait for the exit status.
    pub async fn terminate(self) -> std::process::ExitStatus {
        self.signal("TERM").await
    }

    /// Ctrl-C at a terminal.
    pub async fn interrupt(self) -> std::process::ExitStatus {
        self.signal("INT").await
    }

    async fn signal(mut self, name: &str) -> std::process::ExitStatus {
        let status =
            std::process::Command::new("kill").arg(format!("-{name}")).arg(self.pid().to_string()).status();
        assert!(status.is_ok_and(|s| s.success()), "send SIG{name}");
        tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("exits after SIG{name}"))
            .expect("wait")
    }
}
