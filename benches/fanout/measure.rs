//! What the bench reads about the instances besides their deliveries: SQL statement counts
//! from `/metrics`, RSS and CPU time from `/proc`, and escalations' commit instants from
//! PostgreSQL.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::api::Api;

/// SQL statements per instance: all of them, and the raising mutations' own.
#[derive(Debug, Clone, Default)]
pub(crate) struct Statements {
    pub(crate) all: Vec<f64>,
    pub(crate) raise: Vec<f64>,
}

pub(crate) async fn statements(api: &Api) -> anyhow::Result<Statements> {
    let mut s = Statements::default();
    for i in 0..api.urls.len() {
        s.all.push(api.metric(i, "mfo_db_statement_duration_seconds_count", "").await?);
        s.raise.push(api.metric(i, "graphql_operation_sql_statements_sum", "operation=\"FanoutRaise\"").await?);
    }
    Ok(s)
}

/// `VmRSS` and `VmHWM` (peak) of a process, in MB.
pub(crate) fn rss(pid: u32) -> Option<(f64, f64)> {
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

pub(crate) fn rss_all(pids: &[u32]) -> Vec<(f64, f64)> {
    pids.iter().map(|p| rss(*p).unwrap_or((f64::NAN, f64::NAN))).collect()
}

/// `/proc`'s CPU times are in ticks of USER_HZ, 100 per second on Linux.
pub(crate) const MS_PER_TICK: f64 = 10.0;

/// CPU time (user + system, ms) of a process (`self` for this one), from `/proc`. Latency
/// in a burst is noisy on a shared 2-core machine; where the CPU went is not.
pub(crate) fn cpu_ms(pid: &str) -> f64 {
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
pub(crate) fn machine() -> (f64, f64) {
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
pub(crate) fn usage_all(pids: &[u32]) -> (Vec<f64>, f64, (f64, f64)) {
    (pids.iter().map(|p| cpu_ms(&p.to_string())).collect(), cpu_ms("self"), machine())
}

/// Each escalation's commit instant by its id, when the database records them
/// (`track_commit_timestamp = on`); `None` when it does not or cannot be reached.
pub(crate) async fn commit_instants(url: &str) -> anyhow::Result<Option<HashMap<uuid::Uuid, DateTime<Utc>>>> {
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
