//! Settings from flags and `MFO_*` environment variables (DESIGN.md, Configuration). Every
//! flag has its variable; `.env.example` lists them all.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use entity::enums::{Jurisdiction, OrgKind, Role};

/// The default of `MFO_MAX_RESPONSE_BYTES`: 8 MiB, above what the default complexity limit
/// allows (20,000 units × `graphql::budget::UNIT_BYTES` ≈ 5 MB), so by default the
/// complexity limit is the one that binds and the budget holds.
pub const DEFAULT_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// Days the change feed keeps changes readable unless `MFO_CHANGE_RETENTION_DAYS` says.
pub const DEFAULT_CHANGE_RETENTION_DAYS: u32 = 30;

#[derive(Debug, Parser)]
#[command(name = "mfo-api", version, about = "GraphQL API for microfinance complaints, loans and restructuring")]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `serve`'s flags, so that `mfo-api --demo` means `mfo-api serve --demo`.
    #[command(flatten)]
    pub serve: ServeArgs,
}

// Parsed once at start-up: the size of one value of it does not matter.
#[expect(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default command).
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate(DbArgs),
    /// Print the GraphQL SDL (what `schema.graphql` holds).
    Schema,
    /// Mint a development token signed with MFO_JWT_SECRET.
    Token(TokenArgs),
    /// Manage organisations (an operator's business, not an API call).
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage holiday calendars.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Manage policy versions (the figures of docs/law.md in force from a date).
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Inspect the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Load an MFO's borrowers, loans or payments from a file (a book's first migration),
    /// through the bulk sync's rules as the MFO's staff; resumable.
    Import(ImportArgs),
}

#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// SQLite file or postgres:// URL.
    #[arg(long, env = "MFO_DATABASE_URL", default_value = "sqlite://mfo-api.db?mode=rwc")]
    pub database_url: String,
    /// Connections in the pool.
    #[arg(long, env = "MFO_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,
    /// Ping each pooled connection before use (costs two round trips per statement; for
    /// proxies or firewalls that drop idle connections silently).
    #[arg(long, env = "MFO_DB_TEST_BEFORE_ACQUIRE", default_value_t = false)]
    pub db_test_before_acquire: bool,
}

#[derive(Debug, Clone, Args)]
pub struct JwtArgs {
    /// HS256 key, at least 32 bytes.
    #[arg(long, env = "MFO_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// RS256/ES256 public key (PEM).
    #[arg(long, env = "MFO_JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<PathBuf>,
    /// RS256/ES256 keys (JWKS), chosen by the token's `kid`.
    #[arg(long, env = "MFO_JWKS_FILE")]
    pub jwks_file: Option<PathBuf>,
    /// Required `iss`.
    #[arg(long, env = "MFO_JWT_ISSUER", default_value = "mfo-api")]
    pub jwt_issuer: String,
    /// Required `aud`.
    #[arg(long, env = "MFO_JWT_AUDIENCE", default_value = "mfo-api")]
    pub jwt_audience: String,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub jwt: JwtArgs,
    /// Address to serve on.
    #[arg(long, env = "MFO_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Introspection, field suggestions and GraphiQL off.
    #[arg(long, env = "MFO_PRODUCTION", default_value_t = false)]
    pub production: bool,
    /// Load demo data and print a development token per role (with a random secret unless
    /// MFO_JWT_SECRET is set).
    #[arg(long, env = "MFO_DEMO", default_value_t = false)]
    pub demo: bool,
    /// tracing filter, e.g. `info` or `mfo_api=debug,info`.
    #[arg(long, env = "MFO_LOG", default_value = "info")]
    pub log: String,
    /// `text` or `json` (JSON lines).
    #[arg(long, env = "MFO_LOG_FORMAT", default_value = "text")]
    pub log_format: String,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// `Host` header values the server answers, comma-separated (`host` for any port,
    /// `host:port` for one); others get 421. Unset: any host, except under `--demo`, where
    /// it is the names of the address it listens on (localhost, 127.0.0.1, [::1]).
    #[arg(long, env = "MFO_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Option<Vec<String>>,
    /// Serve `/metrics` on this address instead of the API's.
    #[arg(long, env = "MFO_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Answer `/metrics` only with `Authorization: Bearer <this token>`.
    #[arg(long, env = "MFO_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Seconds a shutdown (SIGTERM or SIGINT) gives requests in flight to finish.
    #[arg(long, env = "MFO_SHUTDOWN_GRACE_SECONDS", default_value_t = 20)]
    pub shutdown_grace_seconds: u64,
    /// Seconds between deadline scans.
    #[arg(long, env = "MFO_SCAN_INTERVAL_SECONDS", default_value_t = 30)]
    pub scan_interval_seconds: u64,
    /// Days the change feed (`changes`, `updatedAfter`) keeps changes readable; the
    /// scanner deletes older outbox rows (a day later, see `services::changes`).
    #[arg(long, env = "MFO_CHANGE_RETENTION_DAYS", default_value_t = DEFAULT_CHANGE_RETENTION_DAYS,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub change_retention_days: u32,
    /// The trusted documents (persisted queries) the app's build produced: a JSON object of
    /// SHA-256 → document, or an Apollo persisted-query manifest (`http::trusted`).
    #[arg(long, env = "MFO_TRUSTED_DOCUMENTS_FILE")]
    pub trusted_documents_file: Option<PathBuf>,
    /// Borrowers may run only the trusted documents (needs MFO_TRUSTED_DOCUMENTS_FILE).
    #[arg(long, env = "MFO_BORROWER_TRUSTED_DOCUMENTS_ONLY", default_value_t = false)]
    pub borrower_trusted_documents_only: bool,
    /// Webhooks may go to http URLs and private or loopback addresses (tests, development).
    #[arg(long, env = "MFO_WEBHOOK_ALLOW_PRIVATE", default_value_t = false)]
    pub webhook_allow_private: bool,
    /// Milliseconds the webhook worker waits after a pass that found nothing to do; a pass
    /// that queued or sent something is followed at once by the next.
    #[arg(long, env = "MFO_WEBHOOK_INTERVAL_MS", default_value_t = 1_000,
          value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub webhook_interval_ms: u64,
    /// Seconds an instance holds the webhook deliveries it claimed: one killed while
    /// sending leaves them to another instance (or itself, restarted) after this long.
    #[arg(long, env = "MFO_WEBHOOK_LEASE_SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub webhook_lease_seconds: u64,
}

#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Field nesting; the `__schema`/`__type` subtrees of introspection are not counted.
    #[arg(long, env = "MFO_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,
    /// Fields in a document once its fragments are expanded, checked before validation.
    #[arg(long, env = "MFO_MAX_FIELDS", default_value_t = 5_000)]
    pub max_fields: usize,
    /// Lexical tokens in a document, counted before it is parsed (the parser's memory
    /// grows with them).
    #[arg(long, env = "MFO_MAX_TOKENS", default_value_t = 10_000)]
    pub max_tokens: usize,
    /// The worst-case count of values a document may return: every list counts the most
    /// items it may return (`graphql::budget`); a batch's operations count together.
    #[arg(long, env = "MFO_MAX_COMPLEXITY", default_value_t = 20_000)]
    pub max_complexity: usize,
    /// The memory budget of one response in bytes, checked before execution: the
    /// complexity limit becomes this / 256 when that is smaller (`graphql::budget`).
    #[arg(long, env = "MFO_MAX_RESPONSE_BYTES", default_value_t = DEFAULT_RESPONSE_BYTES)]
    pub max_response_bytes: usize,
    #[arg(long, env = "MFO_MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,
    #[arg(long, env = "MFO_MAX_DIRECTIVES", default_value_t = 10)]
    pub max_directives: usize,
    /// Operations in one batched POST.
    #[arg(long, env = "MFO_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,
    /// Request body size in bytes; larger ones get 413.
    #[arg(long, env = "MFO_MAX_BODY_BYTES", default_value_t = 1_048_576)]
    pub max_body_bytes: usize,
    /// Seconds a request may run before it is abandoned (and its transaction rolled back).
    #[arg(long, env = "MFO_REQUEST_TIMEOUT_SECONDS", default_value_t = 30)]
    pub request_timeout_seconds: u64,
    /// Operations per principal (or per client address without a valid token) per minute,
    /// over HTTP and the WebSocket together; a mutation's every root field is one.
    #[arg(long, env = "MFO_RATE_LIMIT_PER_MINUTE", default_value_t = 1200)]
    pub rate_limit_per_minute: u32,
    /// Seconds a connection has to send a complete request head, counted from when it is
    /// ready for one (accepted, or done with its previous response).
    #[arg(long, env = "MFO_HEADER_READ_TIMEOUT_SECONDS", default_value_t = 10)]
    pub header_read_timeout_seconds: u64,
    /// Seconds a kept-alive connection may wait for its next request.
    #[arg(long, env = "MFO_KEEP_ALIVE_TIMEOUT_SECONDS", default_value_t = 5)]
    pub keep_alive_timeout_seconds: u64,
    /// Seconds without a byte read or written after which a connection is closed (a
    /// trickled body, a client that stops reading); above the request timeout.
    #[arg(long, env = "MFO_IDLE_TIMEOUT_SECONDS", default_value_t = 60)]
    pub idle_timeout_seconds: u64,
    /// Open connections (WebSockets included); one more is answered 503 and closed.
    #[arg(long, env = "MFO_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Seconds a WebSocket has to send `connection_init` (then closed with 4408).
    #[arg(long, env = "MFO_WS_INIT_TIMEOUT_SECONDS", default_value_t = 5)]
    pub ws_init_timeout_seconds: u64,
    /// WebSockets one principal may hold open (one more is closed with 4429).
    #[arg(long, env = "MFO_WS_MAX_SOCKETS_PER_PRINCIPAL", default_value_t = 16)]
    pub ws_max_sockets_per_principal: usize,
    /// WebSockets not (yet) authenticated one client address may hold open (4429 beyond).
    #[arg(long, env = "MFO_WS_MAX_SOCKETS_PER_ADDRESS", default_value_t = 32)]
    pub ws_max_sockets_per_address: usize,
    /// Operations running at once on one WebSocket (one more is an `error` message).
    #[arg(long, env = "MFO_WS_MAX_SUBSCRIPTIONS_PER_SOCKET", default_value_t = 32)]
    pub ws_max_subscriptions_per_socket: usize,
    /// Operations running at once over all of one principal's WebSockets.
    #[arg(long, env = "MFO_WS_MAX_SUBSCRIPTIONS_PER_PRINCIPAL", default_value_t = 128)]
    pub ws_max_subscriptions_per_principal: usize,
    /// HTTP requests to `/graphql` of one principal (per client address without a valid
    /// token) running at once; more wait their turn, within the request timeout.
    #[arg(long, env = "MFO_MAX_CONCURRENT_REQUESTS_PER_PRINCIPAL", default_value_t = 4)]
    pub max_concurrent_requests_per_principal: usize,
}

/// Everything the HTTP layer enforces besides the query shape.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    pub max_batch: usize,
    pub max_body_bytes: usize,
    pub request_timeout: std::time::Duration,
    pub rate_limit_per_minute: u32,
    /// `/graphql` requests of one principal (or address) running at once (`http::shares::Lanes`).
    pub concurrent_per_principal: usize,
    /// Payloads a WebSocket subscriber may fall behind its shared rendering before it
    /// replays the gap from the table itself (`http::shared`).
    pub subscription_buffer: usize,
    /// Shared renderings of the `escalations` subscription (`http::shared`); off, every
    /// socket executes its own (the fallback, should a rendering ever be in doubt).
    pub subscription_sharing: bool,
    /// `Host` values answered (`host` for any port, `host:port` for one); `None` answers
    /// any. Health checks are answered whatever the host.
    pub allowed_hosts: Option<Vec<String>>,
    /// `/metrics` only with `Authorization: Bearer <this>`.
    pub metrics_token: Option<MetricsToken>,
    /// `/metrics` on the API's own address (off when it has an address of its own).
    pub metrics_on_api: bool,
    /// WebSocket shares (`http::shares`, `http::ws`).
    pub ws: WsLimits,
}

/// What one WebSocket, and one principal's WebSockets together, may hold.
#[derive(Debug, Clone)]
pub struct WsLimits {
    pub init_timeout: std::time::Duration,
    pub sockets_per_principal: usize,
    pub sockets_per_address: usize,
    pub subscriptions_per_socket: usize,
    pub subscriptions_per_principal: usize,
}

impl Default for WsLimits {
    fn default() -> Self {
        Self {
            init_timeout: std::time::Duration::from_secs(5),
            sockets_per_principal: 16,
            sockets_per_address: 32,
            subscriptions_per_socket: 32,
            subscriptions_per_principal: 128,
        }
    }
}

/// The metrics token, kept out of `Debug` output (the settings are logged).
#[derive(Clone, PartialEq, Eq)]
pub struct MetricsToken(pub String);

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(..)")
    }
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_batch: 10,
            max_body_bytes: 1_048_576,
            request_timeout: std::time::Duration::from_secs(30),
            rate_limit_per_minute: 1200,
            concurrent_per_principal: 4,
            subscription_buffer: 1024,
            subscription_sharing: true,
            allowed_hosts: None,
            metrics_token: None,
            metrics_on_api: true,
            ws: WsLimits::default(),
        }
    }
}

impl From<&LimitArgs> for HttpLimits {
    fn from(a: &LimitArgs) -> Self {
        Self {
            max_batch: a.max_batch,
            max_body_bytes: a.max_body_bytes,
            request_timeout: std::time::Duration::from_secs(a.request_timeout_seconds),
            rate_limit_per_minute: a.rate_limit_per_minute,
            concurrent_per_principal: a.max_concurrent_requests_per_principal.max(1),
            ws: WsLimits {
                init_timeout: std::time::Duration::from_secs(a.ws_init_timeout_seconds.max(1)),
                sockets_per_principal: a.ws_max_sockets_per_principal.max(1),
                sockets_per_address: a.ws_max_sockets_per_address.max(1),
                subscriptions_per_socket: a.ws_max_subscriptions_per_socket.max(1),
                subscriptions_per_principal: a.ws_max_subscriptions_per_principal.max(1),
            },
            ..Self::default()
        }
    }
}

/// What the connection layer (`http::server`) enforces on every TCP connection.
#[derive(Debug, Clone)]
pub struct ConnLimits {
    pub header_read_timeout: std::time::Duration,
    pub keep_alive_timeout: std::time::Duration,
    pub idle_timeout: std::time::Duration,
    pub max_connections: usize,
    /// How long a shutdown waits for requests in flight before it closes what is left.
    pub shutdown_grace: std::time::Duration,
}

impl Default for ConnLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: std::time::Duration::from_secs(10),
            keep_alive_timeout: std::time::Duration::from_secs(5),
            idle_timeout: std::time::Duration::from_secs(60),
            max_connections: 1024,
            shutdown_grace: std::time::Duration::from_secs(20),
        }
    }
}

impl From<&LimitArgs> for ConnLimits {
    fn from(a: &LimitArgs) -> Self {
        Self {
            header_read_timeout: std::time::Duration::from_secs(a.header_read_timeout_seconds.max(1)),
            keep_alive_timeout: std::time::Duration::from_secs(a.keep_alive_timeout_seconds.max(1)),
            idle_timeout: std::time::Duration::from_secs(a.idle_timeout_seconds.max(1)),
            max_connections: a.max_connections.max(1),
            ..Self::default()
        }
    }
}

fn parse_role(s: &str) -> Result<Role, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| "one of MFO_STAFF, MFO_MANAGER, BORROWER, COLLECTION_AGENCY, REGULATOR".to_owned())
}

fn parse_kind(s: &str) -> Result<OrgKind, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| "one of MFO, COLLECTION_AGENCY, REGULATOR".to_owned())
}

fn parse_jurisdiction(s: &str) -> Result<Jurisdiction, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|_| "KZ or KG".to_owned())
}

/// `90s`, `30m`, `1h`, `7d`.
pub fn parse_ttl(s: &str) -> Result<chrono::Duration, String> {
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = n.parse().map_err(|_| format!("`{s}` is not a duration like 90s, 30m, 1h or 7d"))?;
    match unit {
        "s" => Ok(chrono::Duration::seconds(n)),
        "m" => Ok(chrono::Duration::minutes(n)),
        "h" | "" => Ok(chrono::Duration::hours(n)),
        "d" => Ok(chrono::Duration::days(n)),
        _ => Err(format!("`{s}` is not a duration like 90s, 30m, 1h or 7d")),
    }
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub jwt: JwtArgs,
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// Organisation id (`mfo-api org create` prints it).
    #[arg(long)]
    pub org: uuid::Uuid,
    /// Borrower id, for BORROWER tokens.
    #[arg(long)]
    pub borrower: Option<uuid::Uuid>,
    /// The token's `sub`.
    #[arg(long, default_value = "dev")]
    pub subject: String,
    #[arg(long, value_parser = parse_ttl, default_value = "1h")]
    pub ttl: chrono::Duration,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Register an organisation and print its id.
    Create {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, value_parser = parse_kind)]
        kind: OrgKind,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_jurisdiction)]
        jurisdiction: Jurisdiction,
        /// Postal address, printed on letters.
        #[arg(long)]
        address: Option<String>,
        /// The day it was founded (YYYY-MM-DD): complaints and applications received
        /// before it are refused as impossible dates.
        #[arg(long)]
        founded_on: Option<chrono::NaiveDate>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Load a calendar CSV (`date,kind,name`) for a jurisdiction.
    Import {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, value_parser = parse_jurisdiction)]
        jurisdiction: Jurisdiction,
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Add a policy version from a JSON file `{jurisdiction, effective_from, figures}`
    /// (figures as in `policies/*.json`); prints the new version's id.
    Import {
        #[command(flatten)]
        db: DbArgs,
        /// Allow an effective date on or before the start of a running deadline's clock.
        #[arg(long)]
        retroactive: bool,
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain and report the first broken entry, if any.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

/// What an import file holds: items of `upsertBorrowers`, `upsertLoans` or `recordPayments`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportKind {
    Borrowers,
    Loans,
    Payments,
}

/// An import file's format: one JSON object per line, or CSV with a header of field names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    Ndjson,
    Csv,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// What the file holds.
    #[arg(value_enum)]
    pub kind: ImportKind,
    /// NDJSON or CSV, each row the GraphQL input of one item (camelCase field names).
    pub file: PathBuf,
    /// The MFO whose book it is (`mfo-api org create` prints its id); the outside ids are its own.
    #[arg(long)]
    pub mfo: uuid::Uuid,
    /// The file's format; by default from its extension (`.csv` is CSV, anything else NDJSON).
    #[arg(long, value_enum)]
    pub format: Option<ImportFormat>,
    /// Start from the first row, ignoring `FILE.import-progress`.
    #[arg(long)]
    pub restart: bool,
}
