//! Connecting to SQLite (embedded default) or PostgreSQL, one code path for both.
//!
//! SQLite runs in WAL mode with `synchronous=FULL` (a committed complaint survives a power
//! cut), foreign keys on, and a generous busy timeout so queued writers wait instead of
//! failing.
//!
//! The pool does not ping a connection before handing it out (sqlx's default does): on
//! PostgreSQL that cost two extra round trips per statement, 28% of `permittedActions`'
//! CPU in a profile under load. A connection the server dropped fails its next statement
//! instead (one request answers INTERNAL and the pool replaces the connection);
//! connections are recycled after `IDLE_TIMEOUT` idle and `MAX_LIFETIME` in all, so few
//! go stale. `--db-test-before-acquire` restores the ping where a proxy or firewall cuts
//! idle connections silently. Every statement is counted and timed for `/metrics`, and
//! also added to the `SqlTally` of the GraphQL operation it runs for (`tallied`), so that
//! `/metrics` shows statements and database time per operation.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

/// Idle connections are closed after this long.
const IDLE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// Every connection is replaced after this long.
const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// How the pool hands out connections.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    pub max_connections: u32,
    /// Ping each connection before handing it out (see the module doc).
    pub test_before_acquire: bool,
}

pub async fn connect(url: &str, max_connections: u32, pg_schema: Option<&str>) -> anyhow::Result<DatabaseConnection> {
    connect_with(url, PoolSettings { max_connections, test_before_acquire: false }, pg_schema).await
}

pub async fn connect_with(
    url: &str,
    pool: PoolSettings,
    pg_schema: Option<&str>,
) -> anyhow::Result<DatabaseConnection> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(pool.max_connections)
        .min_connections(1)
        .test_before_acquire(pool.test_before_acquire)
        .idle_timeout(IDLE_TIMEOUT)
        .max_lifetime(MAX_LIFETIME)
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
        });
    if let Some(schema) = pg_schema {
        opts.set_schema_search_path(schema.to_owned());
    }
    let mut db = Database::connect(opts).await.with_context(|| format!("failed to connect to {}", redact(url)))?;
    db.set_metric_callback(record_statement);
    Ok(db)
}

/// Counts and times one SQL statement for `/metrics` (a test that installs its own
/// callback calls this too), and adds it to the running operation's tally, if any.
pub fn record_statement(info: &sea_orm::metric::Info<'_>) {
    let outcome = if info.failed { "error" } else { "ok" };
    metrics::histogram!("mfo_db_statement_duration_seconds", "outcome" => outcome).record(info.elapsed.as_secs_f64());
    let _ = TALLY.try_with(|t| t.add(info.elapsed));
}

/// The SQL statements of one unit of work (a GraphQL operation) and the time the database
/// took for them. Summed over concurrent statements (a page's DataLoaders run side by
/// side), so the time can exceed the operation's wall time.
#[derive(Debug, Default)]
pub struct SqlTally {
    statements: AtomicU64,
    nanos: AtomicU64,
}

impl SqlTally {
    fn add(&self, took: Duration) {
        self.statements.fetch_add(1, Ordering::Relaxed);
        self.nanos.fetch_add(u64::try_from(took.as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub fn db_time(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Relaxed))
    }
}

tokio::task_local! {
    static TALLY: Arc<SqlTally>;
}

/// Runs `f` with its statements added to `tally` (a task-local: tasks spawned from `f`
/// carry it over only through `spawn_tallied`).
pub async fn tallied<F: Future>(tally: Arc<SqlTally>, f: F) -> F::Output {
    TALLY.scope(tally, f).await
}

/// `tokio::spawn` that keeps the spawning task's tally: a DataLoader's batch runs in a
/// task of its own, and its statements belong to the operation that asked.
pub fn spawn_tallied<F>(f: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match TALLY.try_with(Arc::clone) {
        Ok(t) => tokio::spawn(TALLY.scope(t, f)),
        Err(_) => tokio::spawn(f),
    }
}

/// Sets the connection-pool gauges (read at each `/metrics` scrape).
pub fn record_pool(db: &DatabaseConnection) {
    use sea_orm::DbBackend;
    let (size, idle) = match db.get_database_backend() {
        DbBackend::Postgres => {
            let p = db.get_postgres_connection_pool();
            (p.size(), p.num_idle())
        }
        DbBackend::Sqlite => {
            let p = db.get_sqlite_connection_pool();
            (p.size(), p.num_idle())
        }
        _ => return,
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(size);
    metrics::gauge!("mfo_db_pool_connections", "state" => "idle").set(f64::from(idle));
    metrics::gauge!("mfo_db_pool_connections", "state" => "in_use").set(f64::from(size - idle));
}

/// Refreshes the query planner's statistics of `tables` (`ANALYZE`, on both databases).
/// Without them a table filled in one run is planned as if it were still small: a lookup
/// by `(mfo_id, external_id)` then scans every loan of the MFO instead of probing the
/// unique index. PostgreSQL's autovacuum refreshes them in time for the API's steady
/// traffic; a first migration grows a table faster than it, so the import asks itself.
pub async fn analyze(db: &DatabaseConnection, tables: &[&str]) -> anyhow::Result<()> {
    use sea_orm::ConnectionTrait;
    for table in tables {
        db.execute_unprepared(&format!("ANALYZE {table}"))
            .await
            .with_context(|| format!("failed to analyze {table}"))?;
    }
    Ok(())
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await.context("failed to apply migrations")
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}
