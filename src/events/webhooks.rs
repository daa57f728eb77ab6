//! The webhook worker, one per instance: each pass queues the changes committed since each
//! endpoint's cursor (`services::webhooks::fan_out`), claims the deliveries that are due
//! under a lease (so that two instances never send one attempt twice), signs each per
//! Standard Webhooks with the `standardwebhooks` crate and POSTs it, then records the
//! attempt (the retry schedule and the disabling of a failing endpoint are the service's).
//!
//! Outbound requests: the host is resolved and every address checked before connecting
//! (no loopback, private or link-local address unless `MFO_WEBHOOK_ALLOW_PRIVATE`), the
//! connection pinned to the checked address, no redirects followed, time limits on the
//! connection and the answer, and at most `ERROR_BODY_BYTES` of an answer read. The HTTP
//! client of a (host, checked address) is kept (`Clients`), so deliveries to one receiver
//! reuse its open connections instead of a TCP and TLS handshake each.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration as StdDuration, Instant};

use futures_util::StreamExt;

use crate::error::ServiceResult;
use crate::services::Ctx;
use crate::services::webhooks::{self, Claimed, Outcome};

/// Deliveries claimed per round, and sent at once.
const CLAIM: u64 = 50;
const AT_ONCE: usize = 8;
/// Rounds per pass at most, so that a pass ends and the next fans out again.
const ROUNDS: usize = 20;
pub const CONNECT_TIMEOUT: StdDuration = StdDuration::from_secs(5);
pub const RESPONSE_TIMEOUT: StdDuration = StdDuration::from_secs(10);
/// The part of a refusing answer kept as the attempt's error.
const ERROR_BODY_BYTES: usize = 512;
/// Receivers whose clients (and their idle connections) are kept; past it the pool starts
/// over, so a deployment with many endpoints holds a bounded number of connections.
const KEPT_CLIENTS: usize = 256;

/// HTTP clients by the host and the address it was checked to resolve to. A client is
/// pinned to that address, so a host that later resolves elsewhere gets a new client (and
/// the new address is checked first, as on every attempt).
#[derive(Default)]
struct Clients(Mutex<HashMap<(String, SocketAddr), reqwest::Client>>);

impl Clients {
    fn get(&self, host: &str, addr: SocketAddr) -> Result<reqwest::Client, reqwest::Error> {
        let key = (host.to_owned(), addr);
        if let Some(c) = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&key) {
            return Ok(c.clone());
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(RESPONSE_TIMEOUT)
            .resolve(host, addr)
            .user_agent(concat!("mfo-api-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let mut kept = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if kept.len() >= KEPT_CLIENTS {
            kept.clear();
        }
        kept.insert(key, client.clone());
        Ok(client)
    }
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PassReport {
    pub queued: usize,
    pub attempted: usize,
    pub delivered: usize,
}

pub struct Deliverer {
    ctx: Ctx,
    owner: String,
    clients: Clients,
    lease: chrono::Duration,
}

impl Deliverer {
    /// `owner` names this instance in the deliveries' leases, held for `webhooks::LEASE`.
    pub fn new(ctx: Ctx, owner: impl Into<String>) -> Self {
        Self { ctx, owner: owner.into(), clients: Clients::default(), lease: webhooks::LEASE }
    }

    /// Holds claimed deliveries for `lease` instead (`MFO_WEBHOOK_LEASE_SECONDS`).
    pub fn with_lease(mut self, lease: chrono::Duration) -> Self {
        self.lease = lease;
        self
    }

    /// One pass: fan out, then send what is due until nothing is (or `ROUNDS`).
    pub async fn tick(&self) -> ServiceResult<PassReport> {
        let mut report = PassReport { queued: webhooks::fan_out(&self.ctx).await?, ..Default::default() };
        for _ in 0..ROUNDS {
            let claimed = webhooks::claim(&self.ctx, &self.owner, CLAIM, self.lease).await?;
            if claimed.is_empty() {
                break;
            }
            let allow_private = self.ctx.webhook_allow_private();
            let sent: Vec<(Claimed, Outcome, f64)> = futures_util::stream::iter(claimed)
                .map(|c| async move {
                    let now = self.ctx.clock.now();
                    let outcome = send(&self.clients, &c, now.timestamp(), allow_private).await;
                    (c, outcome, rand::random::<f64>())
                })
                .buffer_unordered(AT_ONCE)
                .collect()
                .await;
            for (_, outcome, _) in &sent {
                report.attempted += 1;
                report.delivered += usize::from(outcome.delivered());
                metrics::counter!("mfo_webhook_attempts_total", "delivered" => outcome.delivered().to_string())
                    .increment(1);
            }
            webhooks::record(&self.ctx, &self.owner, &sent).await?;
        }
        Ok(report)
    }

    /// Passes until `stop`: the next at once after a pass that queued or attempted
    /// something (a burst is sent as fast as it comes, not a page per `idle`), otherwise
    /// after `idle`. A failed pass is logged and the next one runs after `idle`.
    pub async fn run(self, idle: StdDuration, stop: impl Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            let busy = match self.tick().await {
                Ok(r) => r.queued > 0 || r.attempted > 0,
                Err(e) => {
                    tracing::error!(error = ?e, "a webhook pass failed; the next one runs as usual");
                    false
                }
            };
            tokio::select! {
                _ = &mut stop => return,
                _ = tokio::time::sleep(if busy { StdDuration::ZERO } else { idle }) => {}
            }
        }
    }
}

/// The `webhook-signature` header: a `v1,` signature per secret, space-separated.
pub fn signature(secrets: &[String], msg_id: &str, timestamp: i64, body: &[u8]) -> Result<String, String> {
    let mut out = Vec::with_capacity(secrets.len());
    for s in secrets {
        let hook = standardwebhooks::Webhook::new(s).map_err(|e| format!("the endpoint's secret: {e}"))?;
        out.push(hook.sign(msg_id, timestamp, body).map_err(|e| format!("signing: {e}"))?);
    }
    Ok(out.join(" "))
}

fn failed(error: impl Into<String>, started: Instant) -> Outcome {
    Outcome { status_code: None, error: Some(error.into()), duration_ms: started.elapsed().as_millis() as i64 }
}

/// One attempt: resolve and check the address, sign, POST, read the status.
async fn send(clients: &Clients, c: &Claimed, timestamp: i64, allow_private: bool) -> Outcome {
    let started = Instant::now();
    let Ok(url) = reqwest::Url::parse(&c.url) else { return failed("not a URL", started) };
    if let Some(why) = webhooks::unsafe_url(url.as_str(), allow_private) {
        return failed(format!("the URL is not allowed: {why}"), started);
    }
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return failed("no host", started);
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']').to_owned();
    let addrs: Vec<SocketAddr> = match tokio::net::lookup_host((bare.as_str(), port)).await {
        Ok(a) => a.collect(),
        Err(e) => return failed(format!("resolving {bare}: {e}"), started),
    };
    let Some(addr) = addrs.first().copied() else { return failed(format!("{bare} has no address"), started) };
    if !allow_private && addrs.iter().any(|a| !webhooks::public(a.ip())) {
        return failed(format!("{bare} resolves to a private address"), started);
    }
    let body = match serde_json::to_vec(&c.delivery.payload) {
        Ok(b) => b,
        Err(e) => return failed(format!("the body: {e}"), started),
    };
    let msg_id = c.delivery.event_id.to_string();
    let signature = match signature(&c.secrets, &msg_id, timestamp, &body) {
        Ok(s) => s,
        Err(e) => return failed(e, started),
    };
    let client = match clients.get(&bare, addr) {
        Ok(c) => c,
        Err(e) => return failed(format!("the HTTP client: {e}"), started),
    };
    let sent = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(standardwebhooks::HEADER_WEBHOOK_ID, &msg_id)
        .header(standardwebhooks::HEADER_WEBHOOK_TIMESTAMP, timestamp.to_string())
        .header(standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature)
        .body(body)
        .send()
        .await;
    let mut resp = match sent {
        Ok(r) => r,
        Err(e) if e.is_timeout() => return failed("no answer within the time limit", started),
        Err(e) if e.is_connect() => return failed(format!("could not connect to {bare}"), started),
        Err(e) => return failed(format!("the request failed: {e}"), started),
    };
    let status = resp.status();
    let mut error = None;
    if !status.is_success() {
        let mut text = Vec::new();
        while text.len() < ERROR_BODY_BYTES {
            match resp.chunk().await {
                Ok(Some(chunk)) => text.extend_from_slice(&chunk[..chunk.len().min(ERROR_BODY_BYTES - text.len())]),
                Ok(None) | Err(_) => break,
            }
        }
        error = Some(format!("HTTP {}: {}", status.as_u16(), String::from_utf8_lossy(&text)));
    }
    Outcome { status_code: Some(status.as_u16()), error, duration_ms: started.elapsed().as_millis() as i64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks specification's own example.
    #[test]
    fn signs_as_the_specification_example() {
        let secret = vec!["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned()];
        let sig = signature(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, br#"{"test": 2432232314}"#);
        assert_eq!(sig.as_deref(), Ok("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
    }

    /// One client per receiver and checked address, reused; a new address is a new client;
    /// the pool never holds more than `KEPT_CLIENTS`.
    #[test]
    fn clients_are_kept_per_receiver_and_bounded() {
        let clients = Clients::default();
        let a: SocketAddr = "203.0.113.7:443".parse().expect("addr");
        let b: SocketAddr = "203.0.113.8:443".parse().expect("addr");
        let kept = |c: &Clients| c.0.lock().expect("lock").len();
        clients.get("hooks.example", a).expect("client");
        clients.get("hooks.example", a).expect("client");
        assert_eq!(kept(&clients), 1);
        clients.get("hooks.example", b).expect("client");
        assert_eq!(kept(&clients), 2);
        for i in 0..KEPT_CLIENTS * 2 {
            clients.get(&format!("h{i}.example"), a).expect("client");
            assert!(kept(&clients) <= KEPT_CLIENTS);
        }
    }

    #[test]
    fn during_a_rotation_both_secrets_sign() {
        let secrets =
            vec!["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(), "whsec_AAAAAAAAAAAAAAAAAAAAAAAA".to_owned()];
        let sig = signature(&secrets, "m", 1, b"{}").expect("signs");
        assert_eq!(sig.split(' ').count(), 2);
        assert!(sig.split(' ').all(|s| s.starts_with("v1,")));
    }
}
