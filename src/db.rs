//! Connecting to SQLite (embedded default) or PostgreSQL, one code path for both.
//!
//! SQLite runs in WAL mode with `synchronous=FULL` (a committed complaint survives a power
//! cut), foreign keys on, and a generous busy timeout so queued writers wait instead of
//! failing.
//!
//! The pool does not ping a connection before handing it out (sqlx's default does): on
//! PostgreSQL that cost two extra round trips per statement, 28% of `permittedActions`'
//! CPU in issue 12's profile. A connection the server dropped fails its next statement
//! instead (one request answers INTERNAL and the pool replaces the connection);
//! connections are recycled after `IDLE_TIMEOUT` idle and `MAX_LIFETIME` in all, so few
//! go stale. `--db-test-before-acquire` restores the ping where a proxy or firewall cuts
//! idle connections silently. Every statement is counted and timed for `/metrics`.

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
/// callback calls this too).
pub fn record_statement(info: &sea_orm::metric::Info<'_>) {
    let outcome = if info.failed { "error" } else { "ok" };
    metrics::histogram!("mfo_db_statement_duration_seconds", "outcome" => outcome).record(info.elapsed.as_secs_f64());
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
