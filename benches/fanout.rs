//! Issue 12's subscription target, measured from outside: N `escalations` subscribers
//! (default 1,000) spread over the given instances, each on its own graphql-transport-ws
//! socket with the regulator dashboard's selection, under a mix of principals whose scopes
//! differ (the KZ regulator, the KZ regulator filtered to one MFO, the KG regulator, the
//! staff of two KZ MFOs). Escalations are raised through the real API (`recordContact`: a
//! letter whose disclosure is left empty is stored and flagged X2, one escalation), spaced
//! and then in a burst, alternating instances and MFOs. For every delivery it takes
//! latency = received − `raisedAt` (the server's instant at the start of the raising
//! transaction, so this includes the transaction itself; same machine clock), and per
//! subscriber lost (expected by its scope − received), duplicates and deliveries outside its
//! scope. From each instance's `/metrics` it reads the SQL statements run while the
//! escalations were delivered, and from `/proc` (given the instances' pids) their RSS.
//!
//! A tool, not a test: `bench/fanout.sh` starts two instances on a fresh database and runs
//! it; it can also be pointed at running instances:
//!
//! ```text
//! FANOUT_URLS=http://127.0.0.1:18180,http://127.0.0.1:18181 FANOUT_REGULATOR_KZ=… \
//!   FANOUT_REGULATOR_KG=… FANOUT_STAFF_A=… FANOUT_STAFF_B=… FANOUT_STAFF_KG=… \
//!   cargo bench --bench fanout -- --subscribers 1000
//! ```
//!
//! The last line of its output is `FANOUT key=value …`, for the script to parse.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[derive(Parser, Debug)]
#[command(about = "Escalation fan-out benchmark (issue 12): latency, loss and statements per escalation")]
struct Args {
    /// The instances' base URLs, comma-separated (`http://host:port`).
    #[arg(long, env = "FANOUT_URLS", value_delimiter = ',', required = true)]
    urls: Vec<String>,
    /// A REGULATOR token of the KZ regulator.
    #[arg(long, env = "FANOUT_REGULATOR_KZ", hide_env_values = true)]
    regulator_kz: String,
    /// A REGULATOR token of the KG regulator.
    #[arg(long, env = "FANOUT_REGULATOR_KG", hide_env_values = true)]
    regulator_kg: String,
    /// An MFO_STAFF token of a KZ MFO ("A").
    #[arg(long, env = "FANOUT_STAFF_A", hide_env_values = true)]
    staff_a: String,
    /// An MFO_STAFF token of another KZ MFO ("B").
    #[arg(long, env = "FANOUT_STAFF_B", hide_env_values = true)]
    staff_b: String,
    /// An MFO_STAFF token of a KG MFO (raises the KG regulator's escalations).
    #[arg(long, env = "FANOUT_STAFF_KG", hide_env_values = true)]
    staff_kg: String,
    /// Subscribers, one socket each, spread evenly over the instances.
    #[arg(long, env = "FANOUT_SUBSCRIBERS", default_value_t = 1000)]
    subscribers: usize,
    /// Escalations raised one by one, `spacing_ms` apart.
    #[arg(long, env = "FANOUT_ESCALATIONS", default_value_t = 40)]
    escalations: usize,
    /// Escalations then raised all at once.
    #[arg(long, env = "FANOUT_BURST", default_value_t = 20)]
    burst: usize,
    #[arg(long, env = "FANOUT_SPACING_MS", default_value_t = 100)]
    spacing_ms: u64,
    /// The instances' process ids, in the order of `urls`, for their RSS (optional).
    #[arg(long, env = "FANOUT_PIDS", value_delimiter = ',')]
    pids: Vec<u32>,
    /// How long to wait for the last deliveries after the last commit.
    #[arg(long, env = "FANOUT_WAIT_SECONDS", default_value_t = 30)]
    wait_seconds: u64,
    /// The instances' PostgreSQL database: with `track_commit_timestamp = on` there, each
    /// escalation's commit instant is read back (`pg_xact_commit_timestamp`) and received −
    /// committed reported exactly (optional; off, only its two bounds are).
    #[arg(long, env = "FANOUT_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Sockets opened at a time.
    #[arg(long, env = "FANOUT_CONNECT_CONCURRENCY", default_value_t = 50)]
    connect_concurrency: usize,
    /// Passed by `cargo bench` to every bench binary; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

/// The MFOs whose staff raise escalations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Mfo {
    A,
    B,
    Kg,
}

const MFOS: [Mfo; 3] = [Mfo::A, Mfo::B, Mfo::Kg];

/// Who a subscriber is, and so which escalations it must receive
/// (`services::escalations::{in_scope, admits}`: a regulator its jurisdiction's, MFO staff
/// their MFO's, a filter narrows further).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    RegulatorKz,
    RegulatorKg,
    StaffA,
    StaffB,
    /// The KZ regulator with `filter: { organizationId: <MFO B> }`.
    RegulatorKzOnB,
}

const KINDS: [Kind; 5] = [Kind::RegulatorKz, Kind::RegulatorKg, Kind::StaffA, Kind::StaffB, Kind::RegulatorKzOnB];

impl Kind {
    fn sees(self, m: Mfo) -> bool {
        match self {
            Kind::RegulatorKz => matches!(m, Mfo::A | Mfo::B),
            Kind::RegulatorKg => m == Mfo::Kg,
            Kind::StaffA => m == Mfo::A,
            Kind::StaffB | Kind::RegulatorKzOnB => m == Mfo::B,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::RegulatorKz => "regulator KZ",
            Kind::RegulatorKg => "regulator KG",
            Kind::StaffA => "staff of MFO A",
            Kind::StaffB => "staff of MFO B",
            Kind::RegulatorKzOnB => "regulator KZ, filter MFO B",
        }
    }
}

/// The regulator dashboard's subscription (`assets/dashboard/app.js`, `S_LIVE`), so each
/// delivery costs what a real one does (message rendering, two organisation loads).
const SUBSCRIPTION: &str = "subscription($after: String, $filter: EscalationFilter) {
  escalations(after: $after, filter: $filter) {
    id cursor raisedAt kind rule jurisdiction subjectType subjectId message severity
    acknowledgedAt acknowledgedBy acknowledgementNote
    organization { id name kind } responsibleOrganization { id name kind } } }";

/// Named, so its own statements can be told apart on `/metrics`
/// (`graphql_operation_sql_statements{operation="FanoutRaise"}`).
const RAISE: &str = "mutation FanoutRaise($input: RecordContactInput!) {
  recordContact(input: $input) { contact { id violations } userErrors { code message } } }";

/// The rule of the escalations that are measured (an empty disclosure) and of the warm-up
/// ones (a complete disclosure naming another organisation), so a socket tells them apart
/// as they arrive.
const MEASURED_RULE: &str = "X2";
const WARMUP_RULE: &str = "X6";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Phase {
    Spaced,
    Burst,
}

/// One escalation the bench raised and measures.
#[derive(Debug, Clone)]
struct Raised {
    mfo: Mfo,
    phase: Phase,
    /// The mutation's round trip as the client saw it.
    round_trip: Duration,
    /// When its answer arrived: the commit happened before, so received − this is a lower
    /// bound of committed → received (and received − `raisedAt` an upper one).
    responded: DateTime<Utc>,
}

/// One `next` message as a socket received it.
#[derive(Debug)]
struct Delivery {
    received: DateTime<Utc>,
    id: String,
    subject: String,
    rule: String,
    raised_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct WsMessage {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    payload: Option<WsPayload>,
}

#[derive(Deserialize)]
struct WsPayload {
    #[serde(default)]
    data: Option<WsData>,
    #[serde(default)]
    errors: Option<Value>,
}

#[derive(Deserialize)]
struct WsData {
    escalations: WsEscalation,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WsEscalation {
    id: String,
    raised_at: DateTime<Utc>,
    rule: String,
    subject_id: String,
}

/// Counters the sockets bump as deliveries arrive, so the driver knows when to go on.
#[derive(Default)]
struct Progress {
    /// Subscribers that have received at least one warm-up escalation (so are live).
    warmed: AtomicUsize,
    /// Measured deliveries received, over all subscribers.
    measured: AtomicUsize,
    /// Subscriptions the server ended (`error`, `complete`, a close).
    ended: AtomicUsize,
}

/// What a subscriber's socket task hands back at the end.
struct Outcome {
    deliveries: Vec<Delivery>,
    problem: Option<String>,
}

struct Subscriber {
    kind: Kind,
    instance: usize,
    task: tokio::task::JoinHandle<Outcome>,
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Api {
    http: reqwest::Client,
    urls: Vec<String>,
}

impl Api {
    async fn gql(&self, instance: usize, token: &str, query: &str, variables: Value) -> anyhow::Result<Value> {
        let url = format!("{}/graphql", self.urls[instance]);
        let resp = self
            .http
            .post(&url)
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .with_context(|| format!("POST {url}"))?;
        let status = resp.status();
        let body: Value = resp.json().await.with_context(|| format!("POST {url}: the body is not JSON ({status})"))?;
        if let Some(errors) = body.get("errors") {
            bail!("POST {url} answered errors ({status}): {errors}");
        }
        Ok(body["data"].clone())
    }

    /// Every `name…` sample of the instance's `/metrics` whose line contains `filter`, summed.
    async fn metric(&self, instance: usize, name: &str, filter: &str) -> anyhow::Result<f64> {
        let url = format!("{}/metrics", self.urls[instance]);
        let text = self.http.get(&url).send().await.with_context(|| format!("GET {url}"))?.text().await?;
        let mut sum = 0.0;
        for line in text.lines().filter(|l| l.starts_with(name) && l.contains(filter)) {
            let (series, value) = line.rsplit_once(' ').with_context(|| format!("{url}: unreadable line {line}"))?;
            // `name{…}` or `name`, not `name_more`.
            let rest = &series[name.len()..];
            if rest.is_empty() || rest.starts_with('{') {
                sum += value.parse::<f64>().with_context(|| format!("{url}: unreadable value in {line}"))?;
            }
        }
        Ok(sum)
    }
}

/// SQL statements per instance: all of them, and the raising mutations' own.
#[derive(Debug, Clone, Default)]
struct Statements {
    all: Vec<f64>,
    raise: Vec<f64>,
}

async fn statements(api: &Api) -> anyhow::Result<Statements> {
    let mut s = Statements::default();
    for i in 0..api.urls.len() {
        s.all.push(api.metric(i, "mfo_db_statement_duration_seconds_count", "").await?);
        s.raise.push(api.metric(i, "graphql_operation_sql_statements_sum", "operation=\"FanoutRaise\"").await?);
    }
    Ok(s)
}

/// `VmRSS` and `VmHWM` (peak) of a process, in MB.
fn rss(pid: u32) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

fn rss_all(pids: &[u32]) -> Vec<(f64, f64)> {
    pids.iter().map(|p| rss(*p).unwrap_or((f64::NAN, f64::NAN))).collect()
}

/// `/proc`'s CPU times are in ticks of USER_HZ, 100 per second on Linux.
const MS_PER_TICK: f64 = 10.0;

/// CPU time (user + system, ms) of a process (`self` for this one), from `/proc`. Latency
/// in a burst is noisy on a shared 2-core machine; where the CPU went is not.
fn cpu_ms(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // The fields after the command name (which may hold spaces): utime is the 12th.
            let rest = stat.rsplit_once(')')?.1.split_whitespace().collect::<Vec<_>>();
            let (utime, stime) = (rest.get(11)?.parse::<f64>().ok()?, rest.get(12)?.parse::<f64>().ok()?);
            Some((utime + stime) * MS_PER_TICK)
        })
        .unwrap_or(f64::NAN)
}

/// The machine's busy and total CPU time so far (ms, all cores; `/proc/stat`).
fn machine() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let v: Vec<f64> = stat
        .lines()
        .next()
        .map(|l| l.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect())
        .unwrap_or_default();
    let total: f64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0.0) + v.get(4).copied().unwrap_or(0.0);
    ((total - idle) * MS_PER_TICK, total * MS_PER_TICK)
}

/// Instances, then this client, then the machine (busy, total).
fn usage_all(pids: &[u32]) -> (Vec<f64>, f64, (f64, f64)) {
    (pids.iter().map(|p| cpu_ms(&p.to_string())).collect(), cpu_ms("self"), machine())
}

/// One borrower and one loan of the MFO whose staff `token` is (upserts: a rerun on the same
/// database reuses them); returns the loan's global id.
async fn loan_of(api: &Api, token: &str, mfo: Mfo) -> anyhow::Result<String> {
    let (tag, currency, address) = match mfo {
        Mfo::A => ("A", "KZT", "Abay 1, Almaty"),
        Mfo::B => ("B", "KZT", "Abay 2, Almaty"),
        Mfo::Kg => ("KG", "KGS", "Chui 1, Bishkek"),
    };
    let borrower = api
        .gql(
            0,
            token,
            "mutation($input: UpsertBorrowerInput!) { upsertBorrower(input: $input) { userErrors { code message } } }",
            json!({ "input": { "externalId": format!("FANOUT-B-{tag}"), "fullName": format!("Fanout Borrower {tag}"),
                "address": address, "phone": "+7 701 000 00 00", "language": "RU" } }),
        )
        .await
        .with_context(|| format!("upsertBorrower for MFO {tag}"))?;
    if borrower["upsertBorrower"]["userErrors"] != json!([]) {
        bail!("upsertBorrower for MFO {tag} refused: {borrower}");
    }
    let schedule: Vec<Value> = (7..=9)
        .map(|m| json!({ "dueDate": format!("2026-{m:02}-01"), "principal": "100000", "interest": "8750" }))
        .collect();
    let loan = api
        .gql(
            0,
            token,
            "mutation($input: UpsertLoanInput!) { upsertLoan(input: $input) { loan { id } userErrors { code message } } }",
            json!({ "input": { "externalId": format!("FANOUT-L-{tag}"), "borrowerExternalId": format!("FANOUT-B-{tag}"),
                "contractNumber": format!("FANOUT-{tag}"), "contractDate": "2026-06-01", "currency": currency,
                "principal": "300000", "annualRate": "0.35", "termMonths": 3, "contractAllowsAgency": true,
                "schedule": schedule } }),
        )
        .await
        .with_context(|| format!("upsertLoan for MFO {tag}"))?;
    if loan["upsertLoan"]["userErrors"] != json!([]) {
        bail!("upsertLoan for MFO {tag} refused: {loan}");
    }
    loan["upsertLoan"]["loan"]["id"].as_str().map(str::to_owned).context("upsertLoan returned no loan id")
}

/// Records a letter on `loan` through `instance`; `measured` leaves the disclosure empty
/// (X2), otherwise it names another organisation (X6). Returns the contact's global id and
/// the round trip. Fails unless exactly the intended rule was flagged.
async fn raise(
    api: &Api,
    instance: usize,
    token: &str,
    loan: &str,
    measured: bool,
) -> anyhow::Result<(String, Duration, DateTime<Utc>)> {
    let disclosure = if measured {
        json!({})
    } else {
        json!({ "organizationName": "Not The Contactor LLP", "organizationLocation": "Almaty",
            "personName": "A. Collector", "personPosition": "Collector" })
    };
    let input = json!({ "input": {
        "clientSubmissionId": uuid::Uuid::now_v7(), "loanId": loan, "channel": "LETTER",
        "occurredAt": (Utc::now() - chrono::Duration::minutes(1)).to_rfc3339(), "party": "BORROWER",
        "disclosure": disclosure, "outcome": "NO_ANSWER" } });
    let started = Instant::now();
    let data = api.gql(instance, token, RAISE, input).await.context("recordContact")?;
    let took = started.elapsed();
    let responded = Utc::now();
    let payload = &data["recordContact"];
    if payload["userErrors"] != json!([]) {
        bail!("recordContact refused: {payload}");
    }
    let rule = if measured { MEASURED_RULE } else { WARMUP_RULE };
    if payload["contact"]["violations"] != json!([rule]) {
        bail!("recordContact flagged {} where the bench expects [{rule}] only", payload["contact"]["violations"]);
    }
    let id = payload["contact"]["id"].as_str().context("recordContact returned no contact id")?;
    Ok((id.to_owned(), took, responded))
}

/// Opens a socket, authenticates, subscribes, and leaves a task reading deliveries until
/// `stop` turns true.
async fn subscribe(
    url: &str,
    token: &str,
    variables: Value,
    progress: Arc<Progress>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<Outcome>> {
    let ws = format!("{}/graphql", url.replacen("http", "ws", 1));
    let mut req = ws.as_str().into_client_request().with_context(|| format!("a WebSocket request to {ws}"))?;
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(req).await.with_context(|| format!("connect to {ws}"))?;
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    socket.send(Message::Text(init.to_string().into())).await.context("send connection_init")?;
    match socket.next().await {
        Some(Ok(Message::Text(t))) if t.contains("connection_ack") => {}
        other => bail!("{ws}: expected connection_ack, got {other:?}"),
    }
    let sub = json!({ "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIPTION, "variables": variables } });
    socket.send(Message::Text(sub.to_string().into())).await.context("send subscribe")?;
    Ok(tokio::spawn(async move { read(socket, progress, &mut stop).await }))
}

async fn read(mut socket: Socket, progress: Arc<Progress>, stop: &mut watch::Receiver<bool>) -> Outcome {
    let mut out = Outcome { deliveries: Vec::new(), problem: None };
    let mut warmed = false;
    loop {
        let msg = tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            msg = socket.next() => msg,
        };
        // Taken before anything else: parsing is the client's time, not the server's.
        let received = Utc::now();
        let text = match msg {
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(Message::Close(frame))) => {
                out.problem = Some(format!("closed by the server: {frame:?}"));
                break;
            }
            Some(Ok(_)) => continue,
            Some(Err(e)) => {
                out.problem = Some(format!("socket error: {e}"));
                break;
            }
            None => {
                out.problem = Some("socket ended".into());
                break;
            }
        };
        let parsed: WsMessage = match serde_json::from_str(text.as_str()) {
            Ok(m) => m,
            Err(e) => {
                out.problem = Some(format!("unreadable message ({e}): {text}"));
                break;
            }
        };
        match (parsed.kind.as_str(), parsed.payload) {
            ("next", Some(WsPayload { data: Some(d), .. })) => {
                let e = d.escalations;
                if e.rule == MEASURED_RULE {
                    progress.measured.fetch_add(1, Ordering::Relaxed);
                } else if e.rule == WARMUP_RULE && !warmed {
                    warmed = true;
                    progress.warmed.fetch_add(1, Ordering::Relaxed);
                }
                out.deliveries.push(Delivery {
                    received,
                    id: e.id,
                    subject: e.subject_id,
                    rule: e.rule,
                    raised_at: e.raised_at,
                });
            }
            ("pong", _) | ("ping", _) => {}
            (kind, payload) => {
                out.problem = Some(format!(
                    "the subscription ended: {kind} {}",
                    payload.and_then(|p| p.errors).unwrap_or(Value::Null)
                ));
                break;
            }
        }
    }
    if out.problem.is_some() {
        progress.ended.fetch_add(1, Ordering::Relaxed);
    }
    let _ = socket.close(None).await;
    out
}

/// A signed duration in milliseconds.
/// Each escalation's commit instant by its id, when the database records them
/// (`track_commit_timestamp = on`); `None` when it does not or cannot be reached.
async fn commit_instants(url: &str) -> anyhow::Result<Option<HashMap<uuid::Uuid, DateTime<Utc>>>> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let db = sea_orm::Database::connect(url).await.context("connecting to the database")?;
    let on = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, "SHOW track_commit_timestamp"))
        .await?
        .and_then(|r| r.try_get::<String>("", "track_commit_timestamp").ok());
    if on.as_deref() != Some("on") {
        return Ok(None);
    }
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT id, pg_xact_commit_timestamp(xmin) AS committed FROM escalation",
        ))
        .await?;
    let mut out = HashMap::new();
    for r in rows {
        if let (Ok(id), Ok(Some(at))) =
            (r.try_get::<uuid::Uuid>("", "id"), r.try_get::<Option<DateTime<Utc>>>("", "committed"))
        {
            out.insert(id, at);
        }
    }
    Ok(Some(out))
}

fn ms(d: chrono::Duration) -> f64 {
    d.num_microseconds().unwrap_or(i64::MAX) as f64 / 1000.0
}

/// The `q` quantile (nearest rank) of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn summary(values: &mut [f64]) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    (quantile(values, 0.5), quantile(values, 0.99), values.last().copied().unwrap_or(f64::NAN))
}

/// Polls `done` every 10 ms until it holds or `limit` passes; whether it held.
async fn wait_until(limit: Duration, done: impl Fn() -> bool) -> bool {
    let until = Instant::now() + limit;
    while !done() {
        if Instant::now() >= until {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    true
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let n_instances = args.urls.len();
    if n_instances == 0 {
        bail!("no instance URL given (FANOUT_URLS)");
    }
    let api = Api {
        http: reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?,
        urls: args.urls.iter().map(|u| u.trim_end_matches('/').to_owned()).collect(),
    };
    let staff = |m: Mfo| match m {
        Mfo::A => args.staff_a.as_str(),
        Mfo::B => args.staff_b.as_str(),
        Mfo::Kg => args.staff_kg.as_str(),
    };

    // Set-up: one loan per MFO, and MFO B's global id for the filtered subscribers.
    let mut loans = HashMap::new();
    for m in MFOS {
        loans.insert(m, loan_of(&api, staff(m), m).await?);
    }
    let me = api.gql(0, &args.staff_b, "{ me { organization { id } } }", json!({})).await.context("me as MFO B")?;
    let mfo_b = me["me"]["organization"]["id"].as_str().context("me.organization.id of MFO B")?.to_owned();

    let rss_idle = rss_all(&args.pids);
    let before_subscribing = statements(&api).await?;

    // Subscribers: kinds round-robin, instances round-robin, so every kind is on every
    // instance (with 5 kinds and 2 instances, every tenth subscriber repeats the pattern).
    let progress = Arc::new(Progress::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let started = Instant::now();
    let plans: Vec<(Kind, usize)> = (0..args.subscribers).map(|i| (KINDS[i % KINDS.len()], i % n_instances)).collect();
    let opened: Vec<anyhow::Result<Subscriber>> =
        futures_util::stream::iter(plans.into_iter().map(|(kind, instance)| {
            let (token, variables) = match kind {
                Kind::RegulatorKz => (args.regulator_kz.clone(), json!({})),
                Kind::RegulatorKg => (args.regulator_kg.clone(), json!({})),
                Kind::StaffA => (args.staff_a.clone(), json!({})),
                Kind::StaffB => (args.staff_b.clone(), json!({})),
                Kind::RegulatorKzOnB => (args.regulator_kz.clone(), json!({ "filter": { "organizationId": mfo_b } })),
            };
            let url = api.urls[instance].clone();
            let progress = progress.clone();
            let stop = stop_rx.clone();
            async move {
                let task = subscribe(&url, &token, variables, progress, stop).await?;
                Ok(Subscriber { kind, instance, task })
            }
        }))
        .buffer_unordered(args.connect_concurrency.max(1))
        .collect()
        .await;
    let mut subscribers = Vec::with_capacity(opened.len());
    for s in opened {
        subscribers.push(s.context("opening a subscriber")?);
    }
    let open_s = started.elapsed().as_secs_f64();
    println!("fanout: {} subscribers open over {n_instances} instances in {open_s:.1} s", subscribers.len());

    // Warm-up: one escalation per MFO (each kind sees at least one) until every subscriber
    // has received one, so all are live before anything is measured. It also fills each
    // subscription's organisation loader, as a dashboard's is after its first minutes.
    let mut warm_rounds = 0;
    while progress.warmed.load(Ordering::Relaxed) < subscribers.len() && warm_rounds < 5 {
        for (k, m) in MFOS.iter().enumerate() {
            raise(&api, (warm_rounds + k) % n_instances, staff(*m), &loans[m], false).await.context("warm-up")?;
        }
        warm_rounds += 1;
        let all = subscribers.len();
        wait_until(Duration::from_secs(10), || progress.warmed.load(Ordering::Relaxed) >= all).await;
    }
    let warmed = progress.warmed.load(Ordering::Relaxed);
    println!("fanout: {warmed}/{} subscribers live after {warm_rounds} warm-up round(s)", subscribers.len());
    let rss_subscribed = rss_all(&args.pids);
    let before_raising = statements(&api).await?;

    // The measured escalations: spaced, alternating instances and MFOs, each raised on
    // its tick whatever the previous one's round trip; then a burst, all at once.
    let mut raised: HashMap<String, Raised> = HashMap::new();
    let api = Arc::new(api);
    let mut ticks = tokio::time::interval(Duration::from_millis(args.spacing_ms.max(1)));
    let mut spaced = Vec::new();
    for k in 0..args.escalations {
        ticks.tick().await;
        let (m, instance) = (MFOS[k % MFOS.len()], k % n_instances);
        let (api, token, loan) = (api.clone(), staff(m).to_owned(), loans[&m].clone());
        spaced.push((m, tokio::spawn(async move { raise(&api, instance, &token, &loan, true).await })));
    }
    for (mfo, task) in spaced {
        let (id, round_trip, responded) = task.await.context("a spaced escalation's task")??;
        raised.insert(id, Raised { mfo, phase: Phase::Spaced, round_trip, responded });
    }
    // Let the spaced deliveries finish, so the burst is measured on its own.
    let spaced_expected: usize =
        raised.values().map(|r| subscribers.iter().filter(|s| s.kind.sees(r.mfo)).count()).sum();
    wait_until(Duration::from_secs(args.wait_seconds), || progress.measured.load(Ordering::Relaxed) >= spaced_expected)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before_burst = usage_all(&args.pids);
    let burst: Vec<_> = (0..args.burst)
        .map(|k| {
            let (m, instance) = (MFOS[k % MFOS.len()], k % n_instances);
            let (api, token, loan) = (api.clone(), staff(m).to_owned(), loans[&m].clone());
            (m, tokio::spawn(async move { raise(&api, instance, &token, &loan, true).await }))
        })
        .collect();
    for (mfo, task) in burst {
        let (id, round_trip, responded) = task.await.context("a burst escalation's task")??;
        raised.insert(id, Raised { mfo, phase: Phase::Burst, round_trip, responded });
    }
    let expected_total: usize =
        raised.values().map(|r| subscribers.iter().filter(|s| s.kind.sees(r.mfo)).count()).sum();
    let complete = wait_until(Duration::from_secs(args.wait_seconds), || {
        progress.measured.load(Ordering::Relaxed) >= expected_total
    })
    .await;
    let after_burst = usage_all(&args.pids);
    // A moment more for duplicates or out-of-scope deliveries to show up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after_raising = statements(&api).await?;
    let rss_end = rss_all(&args.pids);

    let _ = stop_tx.send(true);
    let mut per_subscriber = Vec::with_capacity(subscribers.len());
    for s in subscribers {
        let outcome = s.task.await.context("a subscriber's task")?;
        per_subscriber.push((s.kind, s.instance, outcome));
    }

    // Tally.
    let mut lat: HashMap<(Phase, usize), Vec<f64>> = HashMap::new();
    // Received − the mutation's answer (lower bound of committed → received), and the
    // deliveries of each escalation, for its spread (received − its first delivery).
    let mut after_answer: HashMap<Phase, Vec<f64>> = HashMap::new();
    // Received − committed, exactly, where the database recorded the commit instants.
    let committed = match &args.database_url {
        Some(url) => commit_instants(url).await.unwrap_or_else(|e| {
            println!("fanout: commit instants not read: {e:#}");
            None
        }),
        None => None,
    };
    let mut after_commit: HashMap<Phase, Vec<f64>> = HashMap::new();
    let mut arrivals: HashMap<&str, Vec<DateTime<Utc>>> = HashMap::new();
    let (mut expected, mut received, mut duplicates, mut outside, mut unknown, mut problems) = (0, 0, 0, 0, 0, 0);
    let mut lost_by_kind: HashMap<&'static str, usize> = HashMap::new();
    let mut first_problem = None;
    for (kind, instance, outcome) in &per_subscriber {
        let mine = raised.values().filter(|r| kind.sees(r.mfo)).count();
        expected += mine;
        let mut seen = HashSet::new();
        let mut got = 0;
        for d in outcome.deliveries.iter().filter(|d| d.rule == MEASURED_RULE) {
            let Some(r) = raised.get(&d.subject) else {
                unknown += 1;
                continue;
            };
            if !seen.insert(d.id.as_str()) {
                duplicates += 1;
                continue;
            }
            if !kind.sees(r.mfo) {
                outside += 1;
                continue;
            }
            got += 1;
            lat.entry((r.phase, *instance)).or_default().push(ms(d.received - d.raised_at));
            after_answer.entry(r.phase).or_default().push(ms(d.received - r.responded));
            if let Some(at) = committed
                .as_ref()
                .and_then(|c| mfo_api::graphql::ids::parse(&d.id).and_then(|(_, uuid)| c.get(&uuid).copied()))
            {
                after_commit.entry(r.phase).or_default().push(ms(d.received - at));
            }
            arrivals.entry(d.subject.as_str()).or_default().push(d.received);
        }
        received += got;
        if got < mine {
            *lost_by_kind.entry(kind.label()).or_default() += mine - got;
        }
        if let Some(p) = &outcome.problem {
            problems += 1;
            first_problem.get_or_insert_with(|| p.clone());
        }
    }
    let lost = expected - received;
    let phase_lat = |p: Phase| -> Vec<f64> {
        lat.iter().filter(|((ph, _), _)| *ph == p).flat_map(|(_, v)| v.iter().copied()).collect()
    };
    let mut spread: HashMap<Phase, Vec<f64>> = HashMap::new();
    for (subject, times) in &arrivals {
        let (Some(r), Some(first)) = (raised.get(*subject), times.iter().min()) else { continue };
        spread.entry(r.phase).or_default().extend(times.iter().map(|t| ms(*t - *first)));
    }
    let (s50, s99, smax) = summary(&mut phase_lat(Phase::Spaced));
    let (b50, b99, bmax) = summary(&mut phase_lat(Phase::Burst));
    let mut rt_spaced: Vec<f64> =
        raised.values().filter(|r| r.phase == Phase::Spaced).map(|r| r.round_trip.as_secs_f64() * 1000.0).collect();
    let mut rt_burst: Vec<f64> =
        raised.values().filter(|r| r.phase == Phase::Burst).map(|r| r.round_trip.as_secs_f64() * 1000.0).collect();
    let (rts50, rts99, _) = summary(&mut rt_spaced);
    let (rtb50, rtb99, _) = summary(&mut rt_burst);

    let n_esc = raised.len().max(1) as f64;
    let mut line_extra = String::new();
    let delta = |a: &Statements, b: &Statements| -> (Vec<f64>, Vec<f64>) {
        (
            a.all.iter().zip(&b.all).map(|(x, y)| y - x).collect(),
            a.raise.iter().zip(&b.raise).map(|(x, y)| y - x).collect(),
        )
    };
    let (all, own) = delta(&before_raising, &after_raising);
    let (setup_all, _) = delta(&before_subscribing, &before_raising);
    let total: f64 = all.iter().sum();
    let own_total: f64 = own.iter().sum();

    println!(
        "fanout: {} escalations raised ({} spaced {} ms apart, {} at once)",
        raised.len(),
        args.escalations,
        args.spacing_ms,
        args.burst
    );
    println!(
        "fanout: deliveries expected {expected}, received {received}, lost {lost}, duplicates {duplicates}, \
        outside the subscriber's scope {outside}, unknown {unknown}; all in time: {complete}"
    );
    for (kind, n) in &lost_by_kind {
        println!("fanout:   lost for {kind}: {n}");
    }
    if let Some(p) = &first_problem {
        println!("fanout: {problems} subscription(s) ended early; first: {p}");
    }
    println!(
        "fanout: latency received − raisedAt, ms: spaced p50 {s50:.1} p99 {s99:.1} max {smax:.1}; \
        burst p50 {b50:.1} p99 {b99:.1} max {bmax:.1}"
    );
    for i in 0..n_instances {
        for p in [Phase::Spaced, Phase::Burst] {
            let (a, b, c) = summary(&mut lat.get(&(p, i)).cloned().unwrap_or_default());
            println!("fanout:   subscribers on instance {i}, {p:?}: p50 {a:.1} p99 {b:.1} max {c:.1}");
        }
    }
    for p in [Phase::Spaced, Phase::Burst] {
        let (a50, a99, amax) = summary(after_answer.get_mut(&p).map(|v| v.as_mut_slice()).unwrap_or_default());
        let (f50, f99, fmax) = summary(spread.get_mut(&p).map(|v| v.as_mut_slice()).unwrap_or_default());
        println!(
            "fanout:   {p:?}: received − the mutation's answer p50 {a50:.1} p99 {a99:.1} max {amax:.1} (a lower \
            bound of committed → received); received − the escalation's first delivery p50 {f50:.1} p99 {f99:.1} \
            max {fmax:.1} (the fan-out's spread)"
        );
        line_extra
            .push_str(&format!(" {p:?}_after_answer_p99_ms={a99:.1} {p:?}_spread_p99_ms={f99:.1}",).to_lowercase());
    }
    if committed.is_some() {
        for p in [Phase::Spaced, Phase::Burst] {
            let values = after_commit.get_mut(&p).map(|v| v.as_mut_slice()).unwrap_or_default();
            let n = values.len();
            let (c50, c99, cmax) = summary(values);
            println!(
                "fanout:   {p:?}: received − committed (pg_xact_commit_timestamp), ms: p50 {c50:.1} p99 {c99:.1} \
                max {cmax:.1} over {n} deliveries"
            );
            line_extra.push_str(&format!(" {p:?}_commit_p50_ms={c50:.1} {p:?}_commit_p99_ms={c99:.1}").to_lowercase());
        }
    }
    println!(
        "fanout: recordContact round trip, ms: spaced p50 {rts50:.1} p99 {rts99:.1}; burst p50 {rtb50:.1} p99 {rtb99:.1}"
    );
    for i in 0..n_instances {
        println!(
            "fanout: instance {i}: {:.0} statements while raising ({:.0} of them the mutations' own), \
            {:.0} while subscribing and warming up",
            all[i], own[i], setup_all[i]
        );
    }
    println!(
        "fanout: statements per escalation, both instances: {:.1} in all, {:.1} besides the mutation's own",
        total / n_esc,
        (total - own_total) / n_esc
    );
    for (i, pid) in args.pids.iter().enumerate() {
        let idle = rss_idle.get(i).map_or(f64::NAN, |r| r.0);
        let sub = rss_subscribed.get(i).map_or(f64::NAN, |r| r.0);
        let (end, peak) = rss_end.get(i).copied().unwrap_or((f64::NAN, f64::NAN));
        println!(
            "fanout: instance {i} (pid {pid}) RSS MB: idle {idle:.0}, subscribed {sub:.0}, after {end:.0}, peak {peak:.0}"
        );
    }

    // Where the burst's CPU went: the instances (their share of the mutations included),
    // this client (parsing every delivery), and how busy the machine was over it.
    let burst_to = |instance: Option<usize>| -> usize {
        raised
            .values()
            .filter(|r| r.phase == Phase::Burst)
            .map(|r| {
                per_subscriber.iter().filter(|(k, i, _)| k.sees(r.mfo) && instance.is_none_or(|n| n == *i)).count()
            })
            .sum()
    };
    let burst_deliveries = burst_to(None);
    let ((srv0, client0, (busy0, total0)), (srv1, client1, (busy1, total1))) = (&before_burst, &after_burst);
    let client_ms = client1 - client0;
    let busy_pct = 100.0 * (busy1 - busy0) / (total1 - total0).max(1.0);
    let mut burst_line = String::new();
    for (i, (a, b)) in srv0.iter().zip(srv1).enumerate() {
        let cpu = b - a;
        println!("fanout: burst, instance {i}: CPU {cpu:.0} ms for its {} deliveries and mutations", burst_to(Some(i)));
        burst_line.push_str(&format!(" burst_cpu_ms_{i}={cpu:.0}"));
    }
    println!(
        "fanout: burst, this client: CPU {client_ms:.0} ms for {burst_deliveries} deliveries; the machine {busy_pct:.0}% busy \
        from the first burst mutation sent to the last delivery received ({:.0} ms of CPU time in all)",
        (total1 - total0)
    );
    burst_line.push_str(&format!(" burst_client_cpu_ms={client_ms:.0} burst_busy_pct={busy_pct:.0}"));
    line_extra.push_str(&burst_line);

    // One line for bench/fanout.sh.
    let mut line = line_extra.clone();
    line.insert_str(0, &format!(
        "FANOUT subscribers={} instances={n_instances} escalations={} spaced={} burst={} spacing_ms={} expected={expected} received={received} \
         lost={lost} duplicates={duplicates} outside={outside} ended={problems} live={warmed} \
         spaced_p50_ms={s50:.1} spaced_p99_ms={s99:.1} spaced_max_ms={smax:.1} \
         burst_p50_ms={b50:.1} burst_p99_ms={b99:.1} burst_max_ms={bmax:.1} \
         mutation_p50_ms={rts50:.1} mutation_p99_ms={rts99:.1} burst_mutation_p50_ms={rtb50:.1} \
         statements_per_escalation={:.2} fanout_statements_per_escalation={:.2} open_s={open_s:.1}",
        per_subscriber.len(),
        raised.len(),
        args.escalations,
        args.burst,
        args.spacing_ms,
        total / n_esc,
        (total - own_total) / n_esc,
    ));
    for i in 0..n_instances {
        line.push_str(&format!(
            " statements_{i}={:.0} own_statements_{i}={:.0} setup_statements_{i}={:.0}",
            all[i], own[i], setup_all[i]
        ));
    }
    for i in 0..args.pids.len() {
        let idle = rss_idle.get(i).map_or(f64::NAN, |r| r.0);
        let sub = rss_subscribed.get(i).map_or(f64::NAN, |r| r.0);
        let (end, peak) = rss_end.get(i).copied().unwrap_or((f64::NAN, f64::NAN));
        line.push_str(&format!(
            " rss_idle_mb_{i}={idle:.0} rss_subscribed_mb_{i}={sub:.0} rss_end_mb_{i}={end:.0} \
            rss_peak_mb_{i}={peak:.0}"
        ));
    }
    println!("{line}");
    Ok(())
}
