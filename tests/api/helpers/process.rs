//! The real `mfo-api` binary as a separate process, for the suites that must see what the
//! in-process test server cannot: a SIGKILL (crash suite) or the server's own memory
//! (hostile suite). Seeded with its own CLI (`migrate`, `org create`, `token`); the process
//! is killed and reaped when its [`Server`] is dropped, also when an assertion fails.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;

pub const BIN: &str = env!("CARGO_BIN_EXE_mfo-api");
pub const SECRET: &str = "process-suites-secret-that-is-at-least-32-bytes";

/// The server process; killed (SIGKILL) and reaped when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
    pub addr: std::net::SocketAddr,
}

impl Server {
    /// The process's resident set size (VmRSS), in KiB.
    pub fn rss_kib(&self) -> u64 {
        rss_kib_of(self.child.id())
    }
}

/// A process's resident set size (VmRSS), in KiB; 0 once it is gone.
pub fn rss_kib_of(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A database of its own for the process: a SQLite file in `dir`, or with
/// MFO_TEST_DATABASE_URL a fresh PostgreSQL schema, dropped with it.
pub struct Db {
    /// "sqlite" or "postgresql".
    pub name: &'static str,
    /// What the server is started with.
    pub url: String,
    /// For PostgreSQL: the base URL and the schema, to connect from the test.
    pub schema: Option<(String, String)>,
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.schema {
            super::drop_schema(base, schema);
        }
    }
}

impl Db {
    pub async fn new(dir: &std::path::Path, file: &str) -> Self {
        match std::env::var("MFO_TEST_DATABASE_URL") {
            Ok(base) if base.starts_with("postgres") => {
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let admin = mfo_api::db::connect(&base, 1, None).await.expect("connect to the test PostgreSQL");
                admin.execute_unprepared(&format!("CREATE SCHEMA \"{schema}\"")).await.expect("create schema");
                admin.close().await.ok();
                let sep = if base.contains('?') { '&' } else { '?' };
                Db {
                    name: "postgresql",
                    url: format!("{base}{sep}options[search_path]={schema}"),
                    schema: Some((base, schema)),
                }
            }
            _ => Db { name: "sqlite", url: format!("sqlite://{}?mode=rwc", dir.join(file).display()), schema: None },
        }
    }

    /// A connection from the test process, to read what the server stored.
    pub async fn connect(&self) -> sea_orm::DatabaseConnection {
        match &self.schema {
            Some((base, schema)) => mfo_api::db::connect(base, 2, Some(schema)).await.expect("connect"),
            None => mfo_api::db::connect(&self.url, 2, None).await.expect("open SQLite"),
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// Runs one CLI command against `db_url` and returns its trimmed stdout.
pub fn cli(db_url: &str, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .env("MFO_DATABASE_URL", db_url)
        .env("MFO_JWT_SECRET", SECRET)
        .env("MFO_LOG", "warn")
        .output()
        .expect("run mfo-api");
    assert!(
        out.status.success(),
        "mfo-api {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Starts `mfo-api serve` on a free port with `env` added and waits until `/healthz`
/// answers. The rate limit is lifted: the suites that start a process send far more than a
/// person would, and the limit has its own tests in `transport`.
pub async fn start(db_url: &str, log: &std::path::Path, env: &[(&str, &str)]) -> Server {
    start_bin(BIN, db_url, log, env).await
}

/// `start` with another build of the binary (a suite that measures speed may take the
/// release one).
pub async fn start_bin(bin: &str, db_url: &str, log: &std::path::Path, env: &[(&str, &str)]) -> Server {
    let client = reqwest::Client::new();
    for _attempt in 0..5 {
        let port = free_port();
        let log = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("log file");
        let child = Command::new(bin)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("MFO_DATABASE_URL", db_url)
            .env("MFO_JWT_SECRET", SECRET)
            .env("MFO_LOG", "warn")
            .env("MFO_RATE_LIMIT_PER_MINUTE", "1000000")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start mfo-api");
        let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
        let mut server = Server { child, url: format!("http://{addr}"), addr };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if let Ok(Some(_)) = server.child.try_wait() {
                break; // the port was taken in between, or start-up failed: try again
            }
            if client.get(format!("{}/healthz", server.url)).send().await.is_ok_and(|r| r.status().is_success()) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    panic!("mfo-api did not start; see {}", log.display())
}
