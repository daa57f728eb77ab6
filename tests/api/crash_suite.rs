//! The crash suite: the real `mfo-api` binary, seeded with its own CLI
//! (`migrate`, `org create`, `token`), takes complaints with `clientSubmissionId`s from
//! several concurrent clients while it is killed with SIGKILL at random moments (at least
//! five times) and restarted on a fresh port; a client whose write was not acknowledged
//! retries it with the same id until it is. Then: every acknowledged complaint is stored
//! (0 lost), no id was stored or answered twice (0 duplicated), `mfo-api audit verify`
//! passes and each MFO's complaint journal reads 1..N (C2). It runs on a SQLite file, and
//! on PostgreSQL (its own schema) with MFO_TEST_DATABASE_URL; `.ci/run` does both. The
//! server is killed on every exit path (a guard's `Drop`, also when an assertion fails).

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use rand::Rng;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::process::{self, BIN, cli};

/// Complaints written in all; the suite needs at least 2,000 acknowledged.
const WRITES: usize = 2_400;
const CLIENTS: usize = 6;
const KILLS: usize = 6;

const REGISTER: &str = "mutation($input: RegisterComplaintInput!) { registerComplaint(input: $input) { complaint { id journalSeq } userErrors { field code rule } } }";

enum Attempt {
    Acked(String),
    /// No answer (the server was killed, or is restarting): retry with the same id.
    Unanswered,
    /// An answer that is not the record: a failure of the server, never retried away.
    Refused(String),
}

async fn write(client: &reqwest::Client, base: &str, token: &str, csid: &str) -> Attempt {
    let input = json!({
        "clientSubmissionId": csid, "kind": "COMPLAINT", "channel": "POST", "language": "RU",
        "substance": format!("Complaint {csid}: the fee was charged twice."),
        "complainants": [{ "fullName": "Asel Nurlanova", "address": "Almaty, Abay 10" }], "signed": true,
    });
    let sent = client
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": REGISTER, "variables": { "input": input } }))
        .send()
        .await;
    let Ok(resp) = sent else { return Attempt::Unanswered };
    let status = resp.status().as_u16();
    let Ok(body) = resp.json::<Value>().await else { return Attempt::Unanswered };
    let payload = &body["data"]["registerComplaint"];
    match payload["complaint"]["id"].as_str() {
        Some(id) if status == 200 && body.get("errors").is_none() && payload["userErrors"] == json!([]) => {
            Attempt::Acked(id.to_owned())
        }
        _ => Attempt::Refused(format!("{status}: {body}")),
    }
}

#[derive(Default)]
struct Log {
    /// Every acknowledgement: (MFO index, clientSubmissionId, complaint global id).
    acks: Vec<(usize, String, String)>,
    refusals: Vec<String>,
    retries: usize,
}

// Run alone (`.ci/run`, README): it kills and restarts a server process many times and
// writes as fast as it can.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "crash suite: run alone with --ignored (see TESTING.md)"]
async fn crash_suite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server_log = dir.path().join("server.log");
    let db = process::Db::new(dir.path(), "crash.db").await;
    let (db_name, db_url) = (db.name, db.url.clone());
    cli(&db_url, &["migrate"]);
    let mut tokens = Vec::new();
    for name in ["Crash MFO one", "Crash MFO two"] {
        let org = cli(&db_url, &["org", "create", "--kind", "MFO", "--name", name, "--jurisdiction", "KZ"]);
        tokens.push(cli(&db_url, &["token", "--role", "MFO_STAFF", "--org", &org, "--subject", "crash-suite"]));
    }

    let server = process::start(&db_url, &server_log, &[]).await;
    let base = Arc::new(RwLock::new(server.url.clone()));
    let server = Arc::new(Mutex::new(Some(server)));
    let log = Arc::new(Mutex::new(Log::default()));
    let started = Instant::now();

    // The kills come at random numbers of acknowledged writes spread over the run, each
    // after a random few milliseconds more, so that they land mid-request.
    let mut marks: Vec<usize> = {
        let mut rng = rand::rng();
        (0..KILLS).map(|_| rng.random_range(WRITES / 20..WRITES * 9 / 10)).collect()
    };
    marks.sort_unstable();

    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (base, log, token) = (base.clone(), log.clone(), tokens[c % tokens.len()].clone());
            tokio::spawn(async move {
                let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("client");
                for n in (c..WRITES).step_by(CLIENTS) {
                    let csid = format!("00000000-0000-4000-b000-{n:012}");
                    loop {
                        let url = base.read().expect("url").clone();
                        match write(&client, &url, &token, &csid).await {
                            Attempt::Acked(id) => {
                                log.lock().expect("log").acks.push((c % 2, csid.clone(), id));
                                break;
                            }
                            Attempt::Unanswered => {
                                log.lock().expect("log").retries += 1;
                                tokio::time::sleep(Duration::from_millis(50)).await;
                            }
                            Attempt::Refused(e) => {
                                log.lock().expect("log").refusals.push(format!("{csid}: {e}"));
                                break;
                            }
                        }
                    }
                }
            })
        })
        .collect();

    let mut kills = 0;
    for mark in marks {
        while log.lock().expect("log").acks.len() < mark {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let jitter = rand::rng().random_range(0..40);
        tokio::time::sleep(Duration::from_millis(jitter)).await;
        // Child::kill is SIGKILL: no shutdown hook of the server runs.
        drop(server.lock().expect("server").take());
        kills += 1;
        let next = process::start(&db_url, &server_log, &[]).await;
        *base.write().expect("url") = next.url.clone();
        *server.lock().expect("server") = Some(next);
    }
    for c in clients {
        c.await.expect("client task");
    }
    let took = started.elapsed();

    // A retry of every id against the last server answers the first record again.
    let last = base.read().expect("url").clone();
    let client = reqwest::Client::new();
    let acks = std::mem::take(&mut log.lock().expect("log").acks);
    let mut replay_mismatch = Vec::new();
    for (mfo, csid, id) in acks.iter().filter(|(_, csid, _)| csid.ends_with('7')) {
        match write(&client, &last, &tokens[*mfo], csid).await {
            Attempt::Acked(again) if again == *id => {}
            Attempt::Acked(again) => replay_mismatch.push(format!("{csid}: {id} then {again}")),
            Attempt::Unanswered => replay_mismatch.push(format!("{csid}: no answer")),
            Attempt::Refused(e) => replay_mismatch.push(format!("{csid}: {e}")),
        }
    }
    drop(server.lock().expect("server").take());

    let audit = Command::new(BIN)
        .args(["audit", "verify"])
        .env("MFO_DATABASE_URL", &db_url)
        .env("MFO_LOG", "warn")
        .output()
        .expect("run audit verify");
    let audit_out = String::from_utf8_lossy(&audit.stdout).into_owned();
    let audit_ok = audit.status.success() && audit_out.contains("audit chain intact");

    let db = db.connect().await;
    let complaints = entity::complaint::Entity::find().all(&db).await.expect("complaints");
    let stored: BTreeMap<uuid::Uuid, (uuid::Uuid, i32)> =
        complaints.iter().map(|c| (c.id, (c.mfo_id, c.journal_seq))).collect();
    let keys = entity::idempotency_key::Entity::find()
        .filter(entity::idempotency_key::Column::Operation.eq("registerComplaint"))
        .all(&db)
        .await
        .expect("idempotency keys");
    let mut by_csid: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (_, csid, id) in &acks {
        by_csid.entry(csid).or_default().insert(id);
    }
    let acked: BTreeSet<uuid::Uuid> = acks.iter().map(|(_, _, id)| crate::helpers::fixtures::uuid_of(id)).collect();
    let lost: Vec<_> = acked.iter().filter(|u| !stored.contains_key(*u)).collect();
    // Stored twice: more complaints than ids, an id answered with two records, or an id
    // with two keys.
    let distinct_keys: BTreeSet<_> = keys.iter().map(|k| (&k.principal_key, k.client_submission_id)).collect();
    let duplicated = stored.len().saturating_sub(by_csid.len())
        + by_csid.values().filter(|ids| ids.len() > 1).count()
        + (keys.len() - distinct_keys.len());
    let mut journals: BTreeMap<uuid::Uuid, Vec<i32>> = BTreeMap::new();
    for (mfo, seq) in stored.values() {
        journals.entry(*mfo).or_default().push(*seq);
    }
    let gapless = journals.values_mut().all(|seqs| {
        seqs.sort_unstable();
        seqs.iter().copied().eq(1..=seqs.len() as i32)
    });
    let refusals = std::mem::take(&mut log.lock().expect("log").refusals);
    let retries = log.lock().expect("log").retries;

    println!(
        "crash suite: {db_name} writes={} kills={kills} lost={} duplicated={duplicated} audit={} journal={} \
         (retries {retries}, refusals {}, replays checked {}, {} complaints in {} journals, {took:.1?})",
        acks.len(),
        lost.len(),
        if audit_ok { "ok" } else { "broken" },
        if gapless { "gapless" } else { "gaps" },
        refusals.len(),
        acks.iter().filter(|(_, csid, _)| csid.ends_with('7')).count(),
        stored.len(),
        journals.len(),
    );
    assert!(acks.len() >= 2_000, "only {} writes acknowledged", acks.len());
    assert!(kills >= 5, "only {kills} kills");
    assert!(refusals.is_empty(), "writes refused: {:#?}", &refusals[..refusals.len().min(5)]);
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert_eq!(duplicated, 0, "{} complaints for {} ids; {} keys", stored.len(), by_csid.len(), keys.len());
    assert_eq!(stored.len(), WRITES, "every id was written once");
    assert!(replay_mismatch.is_empty(), "replays: {replay_mismatch:?}");
    assert!(audit_ok, "audit verify: {audit_out}{}", String::from_utf8_lossy(&audit.stderr));
    assert!(gapless, "journals: {journals:?}");
}
