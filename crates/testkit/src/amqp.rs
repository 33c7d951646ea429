//! A private corner of the shared RabbitMQ server for one test: every queue and exchange name
//! starts with a unique prefix, and everything is deleted when the test ends.

use jiesu_queue::{AmqpQueue, AmqpSettings};

pub fn url() -> String {
    std::env::var("JIESU_TEST_AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

#[derive(Debug, Clone)]
pub struct TestBroker {
    pub url: String,
    pub settings: AmqpSettings,
}

impl Default for TestBroker {
    fn default() -> Self {
        Self::new()
    }
}

impl TestBroker {
    pub fn new() -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        Self {
            url: url(),
            settings: AmqpSettings {
                prefix: format!("test-{id}"),
                connection_name: format!("jiesu-test-{id}"),
            },
        }
    }

    pub async fn connect(&self) -> AmqpQueue {
        AmqpQueue::connect(&self.url, self.settings.clone())
            .await
            .unwrap_or_else(|e| panic!("cannot reach RabbitMQ at {} (scripts/test starts it): {e}", self.url))
    }

    /// Closes this test's connections from the broker's side, as a broker restart would.
    pub fn close_connections_from_the_server(&self) -> usize {
        let out = std::process::Command::new("rabbitmqctl")
            .args(["list_connections", "-q", "--no-table-headers", "pid", "client_properties"])
            .output()
            .expect("rabbitmqctl is installed beside the server");
        let listing = String::from_utf8_lossy(&out.stdout);
        // Each line: the connection's Erlang pid, a tab, then the client properties, where lapin
        // put our connection name.
        let ours = format!("{{\"connection_name\",\"{}\"}}", self.settings.connection_name);
        let pids: Vec<&str> =
            listing.lines().filter(|l| l.contains(&ours)).filter_map(|l| l.split('\t').next()).collect();
        for pid in &pids {
            let status = std::process::Command::new("rabbitmqctl")
                .args(["close_connection", pid, "test: simulated broker restart"])
                .status()
                .expect("run rabbitmqctl");
            assert!(status.success(), "rabbitmqctl close_connection failed");
        }
        pids.len()
    }
}

/// Deletes the test's queues and exchanges when dropped.
#[derive(Debug)]
pub struct Cleanup {
    pub broker: TestBroker,
    pub queue: AmqpQueue,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let names = self.queue.declared();
        let broker = self.broker.clone();
        // The test's runtime may be shutting down: clean up from a thread with its own.
        let cleanup = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async {
                if let Ok(q) = AmqpQueue::connect(&broker.url, broker.settings.clone()).await {
                    let _ = q.delete(&names).await;
                }
            });
        });
        let _ = cleanup.join();
    }
}
