//! The subscription target of `bench/README.md`, measured from outside: N `escalations`
//! subscribers (default 1,000) spread over the given instances, each on its own
//! graphql-transport-ws socket with the regulator dashboard's selection, under a mix of
//! principals whose scopes differ (the KZ regulator, the KZ regulator filtered to one MFO,
//! the KG regulator, the staff of two KZ MFOs). Escalations are raised through the real API
//! (`recordContact`: a letter whose disclosure is left empty is stored and flagged X2, one
//! escalation), spaced and then in a burst, alternating instances and MFOs. For every
//! delivery it takes latency = received − `raisedAt` (the server's instant at the start of
//! the raising transaction, so this includes the transaction itself; same machine clock),
//! and per subscriber lost (expected by its scope − received), duplicates and deliveries
//! outside its scope. From each instance's `/metrics` it reads the SQL statements run while
//! the escalations were delivered, and from `/proc` (given the instances' pids) their RSS.
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

mod api;
mod measure;
mod raise;
mod report;
mod scope;
mod subscriber;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use futures_util::StreamExt;
use serde_json::json;
use tokio::sync::watch;

use api::Api;
use measure::{rss_all, statements, usage_all};
use raise::{Phase, Raised, loan_of, raise};
use scope::{KINDS, Kind, MFOS, Mfo};
use subscriber::{Progress, Subscriber, subscribe};

#[derive(Parser, Debug)]
#[command(about = "Escalation fan-out benchmark: latency, loss and statements per escalation")]
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

    report::report(
        &args,
        report::Run {
            raised,
            per_subscriber,
            before_subscribing,
            before_raising,
            after_raising,
            rss_idle,
            rss_subscribed,
            rss_end,
            before_burst,
            after_burst,
            complete,
            warmed,
            open_s,
        },
    )
    .await
}
