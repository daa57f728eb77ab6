//! Webhooks through the real `mfo-api` binary (`MFO_WEBHOOK_ALLOW_PRIVATE=true`, short
//! worker interval and lease): a receiver in the test verifies every delivery's Standard
//! Webhooks signature with the `standardwebhooks` crate. The server is SIGKILLed right
//! after a burst of acknowledged commits whose deliveries the receiver was refusing, then
//! several times more in the middle of a burst, and restarted on the same database: every
//! committed change's event arrives, each redelivery under its first `webhook-id` with the
//! same body, and nothing arrives that was not committed. Then two instances on one
//! database, each running the worker: every event arrives exactly once. On a SQLite file,
//! and on PostgreSQL (a schema of its own) with MFO_TEST_DATABASE_URL; each server is
//! killed on every exit path (`process::Server`'s `Drop`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use rand::Rng;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::fixtures::{UPSERT_BORROWER, borrower_input};
use crate::helpers::process::{self, Server, cli};

const CREATE: &str = "mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) {
    webhookEndpoint { id secret } userErrors { field code reason } } }";
/// Passes every 50 ms when idle, and a lease short enough that what a killed server had
/// claimed is sent again within the test.
const WORKER: [(&str, &str); 3] =
    [("MFO_WEBHOOK_ALLOW_PRIVATE", "true"), ("MFO_WEBHOOK_INTERVAL_MS", "50"), ("MFO_WEBHOOK_LEASE_SECONDS", "2")];
/// How long the deliveries may take to arrive once the last server is up.
const SETTLE: Duration = Duration::from_secs(40);

/// One POST the receiver got.
struct Arrival {
    id: String,
    body: Value,
    accepted: bool,
}

/// What the receiver got; it answers 503 while `refuse` is set.
#[derive(Default)]
struct Inbox {
    secret: Option<String>,
    refuse: bool,
    arrivals: Vec<Arrival>,
    /// Requests whose signature, timestamp or headers did not verify.
    unverified: Vec<String>,
}

type Shared = Arc<Mutex<Inbox>>;

async fn hook(State(inbox): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let mut i = inbox.lock().expect("inbox");
    let id = headers.get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let verified = i
        .secret
        .as_deref()
        .is_some_and(|s| standardwebhooks::Webhook::new(s).is_ok_and(|w| w.verify(&body, &headers).is_ok()));
    if !verified {
        i.unverified.push(id);
        return StatusCode::BAD_REQUEST;
    }
    let accepted = !i.refuse;
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    i.arrivals.push(Arrival { id, body, accepted });
    if accepted { StatusCode::NO_CONTENT } else { StatusCode::SERVICE_UNAVAILABLE }
}

async fn receiver() -> (String, Shared) {
    let inbox: Shared = Arc::default();
    let app = axum::Router::new().route("/hook", axum::routing::post(hook)).with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, inbox)
}

async fn gql(client: &reqwest::Client, base: &str, token: &str, query: &str, variables: Value) -> Option<Value> {
    let resp = client
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .ok()?;
    let status = resp.status();
    let body: Value = resp.json().await.ok()?;
    assert!(status.is_success() && body.get("errors").is_none(), "{status}: {body}");
    Some(body["data"].clone())
}

/// A MFO, its staff's token and an endpoint for its borrowers' changes, created through
/// the API of `server`; the receiver learns the secret.
async fn setup(db_url: &str, server: &Server, url: &str, inbox: &Shared) -> String {
    let org = cli(db_url, &["org", "create", "--kind", "MFO", "--name", "Hooks MFO", "--jurisdiction", "KZ"]);
    let token = cli(db_url, &["token", "--role", "MFO_STAFF", "--org", &org, "--subject", "webhook-crash"]);
    let input = json!({ "input": { "url": url, "eventTypes": ["BORROWER"] } });
    let d = gql(&reqwest::Client::new(), &server.url, &token, CREATE, input).await.expect("an answer");
    assert_eq!(d["createWebhookEndpoint"]["userErrors"], json!([]), "{d}");
    let secret = d["createWebhookEndpoint"]["webhookEndpoint"]["secret"].as_str().expect("secret");
    inbox.lock().expect("inbox").secret = Some(secret.to_owned());
    token
}

/// Upserts borrowers `keys` from `clients` concurrent clients against whatever server
/// `base` names at the moment, retrying a write that got no answer (the server was
/// killed) with the same input until it is acknowledged; the acknowledged borrowers' ids.
async fn upsert(base: Arc<RwLock<String>>, token: String, keys: Vec<String>, clients: usize) -> Vec<String> {
    let acked = Arc::new(Mutex::new(Vec::new()));
    let keys = Arc::new(Mutex::new(keys));
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (base, acked, keys, token) = (base.clone(), acked.clone(), keys.clone(), token.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
                loop {
                    let Some(key) = keys.lock().expect("keys").pop() else { return };
                    loop {
                        let url = base.read().expect("url").clone();
                        let vars = json!({ "input": borrower_input(&key) });
                        if let Some(d) = gql(&client, &url, &token, UPSERT_BORROWER, vars).await {
                            assert_eq!(d["upsertBorrower"]["userErrors"], json!([]), "{d}");
                            let id = d["upsertBorrower"]["borrower"]["id"].as_str().expect("id").to_owned();
                            acked.lock().expect("acked").push(id);
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("client");
    }
    std::mem::take(&mut acked.lock().expect("acked"))
}

/// The committed borrower changes: outbox event id → the borrower's global id.
async fn committed(db: &process::Db) -> BTreeMap<String, String> {
    let conn = db.connect().await;
    let rows = entity::outbox_event::Entity::find()
        .filter(entity::outbox_event::Column::SubjectType.eq("borrower"))
        .all(&conn)
        .await
        .expect("outbox");
    conn.close().await.ok();
    rows.into_iter()
        .map(|e| (e.id.to_string(), mfo_api::ids::global_id(mfo_api::ids::Kind::Borrower, e.subject_id)))
        .collect()
}

/// Waits until every committed change was accepted by the receiver once at least.
async fn settle(db: &process::Db, inbox: &Shared) -> BTreeMap<String, String> {
    let started = Instant::now();
    loop {
        let events = committed(db).await;
        let got: BTreeSet<String> =
            inbox.lock().expect("inbox").arrivals.iter().filter(|a| a.accepted).map(|a| a.id.clone()).collect();
        if events.keys().all(|id| got.contains(id)) || started.elapsed() > SETTLE {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The checks common to both tests, on what arrived: every signature verified; each
/// `webhook-id` is a committed event's id and always came with the same body, which names
/// that event and its record; every committed event and every acknowledged record arrived.
/// Returns (accepted deliveries, distinct ids, redeliveries).
fn check(inbox: &Inbox, events: &BTreeMap<String, String>, acked: &[String]) -> (usize, usize, usize) {
    assert!(inbox.unverified.is_empty(), "deliveries that did not verify: {:?}", inbox.unverified);
    let mut bodies: BTreeMap<&str, &Value> = BTreeMap::new();
    for a in &inbox.arrivals {
        let record = events.get(&a.id);
        assert!(record.is_some(), "{} arrived but was never committed: {}", a.id, a.body);
        assert_eq!(a.body["data"]["id"], json!(a.id), "the body names its webhook-id's event");
        assert_eq!(a.body["data"]["recordId"].as_str(), record.map(String::as_str), "{}", a.body);
        let first = *bodies.entry(&a.id).or_insert(&a.body);
        assert_eq!(first, &a.body, "a redelivery of {} carries the same body", a.id);
    }
    let accepted: Vec<&str> = inbox.arrivals.iter().filter(|a| a.accepted).map(|a| a.id.as_str()).collect();
    let distinct: BTreeSet<&str> = accepted.iter().copied().collect();
    let missing: Vec<_> = events.keys().filter(|id| !distinct.contains(id.as_str())).collect();
    assert!(missing.is_empty(), "{} of {} committed changes never arrived: {missing:?}", missing.len(), events.len());
    let records: BTreeSet<&String> = events.values().collect();
    let unannounced: Vec<_> = acked.iter().filter(|id| !records.contains(id)).collect();
    assert!(unannounced.is_empty(), "acknowledged without an event: {unannounced:?}");
    (accepted.len(), distinct.len(), accepted.len() - distinct.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_changes_are_delivered_after_sigkill_each_redelivery_under_its_id() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("server.log");
    let db = process::Db::new(dir.path(), "hooks.db").await;
    cli(&db.url, &["migrate"]);
    let (url, inbox) = receiver().await;
    let server = process::start(&db.url, &log, &WORKER).await;
    let token = setup(&db.url, &server, &url, &inbox).await;
    let base = Arc::new(RwLock::new(server.url.clone()));
    let started = Instant::now();

    // The receiver refuses everything; a burst is acknowledged, and the server is killed
    // at once: no delivery of it can have been received.
    inbox.lock().expect("inbox").refuse = true;
    let keys = (0..40).map(|i| format!("HK{i}")).collect();
    let mut acked = upsert(base.clone(), token.clone(), keys, 4).await;
    drop(server);
    let pending_at_kill = committed(&db).await.len();
    let tried_at_kill = inbox.lock().expect("inbox").arrivals.iter().map(|a| a.id.clone()).collect::<BTreeSet<_>>();
    inbox.lock().expect("inbox").refuse = false;

    // Restarted on the same database, then killed three times more in the middle of a
    // burst (mid-request, mid-delivery); unanswered writes are re-sent until acknowledged.
    let server = Arc::new(Mutex::new(Some(process::start(&db.url, &log, &WORKER).await)));
    *base.write().expect("url") = server.lock().expect("server").as_ref().expect("server").url.clone();
    let keys = (40..200).map(|i| format!("HK{i}")).collect();
    let writes = tokio::spawn(upsert(base.clone(), token.clone(), keys, 4));
    let mut kills = 1;
    for _ in 0..3 {
        let wait = rand::rng().random_range(300..900);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        drop(server.lock().expect("server").take());
        kills += 1;
        let next = process::start(&db.url, &log, &WORKER).await;
        *base.write().expect("url") = next.url.clone();
        *server.lock().expect("server") = Some(next);
    }
    acked.extend(writes.await.expect("writes"));

    let events = settle(&db, &inbox).await;
    drop(server.lock().expect("server").take());
    let inbox = inbox.lock().expect("inbox");
    let (accepted, distinct, redelivered) = check(&inbox, &events, &acked);
    println!(
        "webhook crash: {} committed={} acknowledged={} kills={kills} delivered={distinct} lost=0 \
         (pending at the first kill {pending_at_kill}, {} of them tried and refused; {accepted} accepted \
         deliveries, {redelivered} redelivered under their webhook-id; {:.1?})",
        db.name,
        events.len(),
        acked.len(),
        tried_at_kill.len(),
        started.elapsed(),
    );
    assert_eq!(acked.len(), 200);
    assert!(pending_at_kill >= 40, "the first burst's changes were committed before the kill");
}

/// The delivered-attempt counter in an instance's `/metrics`.
async fn delivered_by(server: &Server) -> u64 {
    let text = reqwest::get(format!("{}/metrics", server.url)).await.expect("metrics").text().await.expect("text");
    text.lines()
        .filter(|l| l.starts_with("mfo_webhook_attempts_total") && l.contains("delivered=\"true\""))
        .filter_map(|l| l.split_whitespace().last().and_then(|n| n.parse::<f64>().ok()))
        .map(|n| n as u64)
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_database_deliver_each_event_exactly_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("server.log");
    let db = process::Db::new(dir.path(), "hooks.db").await;
    cli(&db.url, &["migrate"]);
    let (url, inbox) = receiver().await;
    // The default lease (a minute): nothing fails here, so nothing is sent twice.
    let env = [WORKER[0], WORKER[1]];
    let a = process::start(&db.url, &log, &env).await;
    let b = process::start(&db.url, &log, &env).await;
    let token = setup(&db.url, &a, &url, &inbox).await;
    let started = Instant::now();

    // Two writers per instance, at once.
    let keys: Vec<String> = (0..150).map(|i| format!("HT{i}")).collect();
    let (on_a, on_b): (Vec<_>, Vec<_>) = keys.into_iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let strip = |v: Vec<(usize, String)>| v.into_iter().map(|(_, k)| k).collect::<Vec<_>>();
    let (mut acked, more) = tokio::join!(
        upsert(Arc::new(RwLock::new(a.url.clone())), token.clone(), strip(on_a), 2),
        upsert(Arc::new(RwLock::new(b.url.clone())), token.clone(), strip(on_b), 2),
    );
    acked.extend(more);

    let events = settle(&db, &inbox).await;
    // Time for a second copy of anything to show up.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (by_a, by_b) = (delivered_by(&a).await, delivered_by(&b).await);
    drop((a, b));
    let inbox = inbox.lock().expect("inbox");
    let (accepted, distinct, redelivered) = check(&inbox, &events, &acked);
    println!(
        "webhook instances: {} events={} received={accepted} distinct webhook-ids={distinct} \
         (sent by instance A {by_a}, by B {by_b}; {:.1?})",
        db.name,
        events.len(),
        started.elapsed(),
    );
    assert_eq!(acked.len(), 150);
    assert_eq!(redelivered, 0, "each event once");
    assert_eq!((accepted, distinct), (events.len(), events.len()));
    assert_eq!(by_a + by_b, events.len() as u64, "each instance's count of what it delivered adds up");
}
