//! The `mfo-api` binary: parses the command line and runs one command. Start-up code may
//! fail loudly; nothing here holds a business rule.

use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Parser;
use entity::enums::Role;
use mfo_api::app::{self, AppConfig};
use mfo_api::auth::{self, JwtSettings, Keys, TokenRequest};
use mfo_api::bus::Broker;
use mfo_api::clock::SystemClock;
use mfo_api::config::{
    AuditCommand, CalendarCommand, Cli, Command, ConnLimits, DbArgs, HttpLimits, ImportArgs, JwtArgs, OrgCommand,
    PolicyCommand, ServeArgs,
};
use mfo_api::events::scanner::Scanner;
use mfo_api::http::dashboard::{self, DemoToken};
use mfo_api::services::{Ctx, chain, orgs, reference};
use mfo_api::{db, demo, graphql, import};
use sea_orm::ActiveEnum;

fn init_tracing(filter: &str, format: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only for a person at a terminal: piped or collected logs get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn context(args: &DbArgs) -> anyhow::Result<Ctx> {
    let pool =
        db::PoolSettings { max_connections: args.db_max_connections, test_before_acquire: args.db_test_before_acquire };
    let db = db::connect_with(&args.database_url, pool, None).await?;
    db::migrate(&db).await?;
    Ok(Ctx::new(db, Arc::new(SystemClock), Broker::default()))
}

/// The verification keys the flags name; exactly one kind.
fn keys(jwt: &JwtArgs, demo_secret: Option<&str>) -> anyhow::Result<Keys> {
    match (&jwt.jwt_secret, &jwt.jwt_public_key_file, &jwt.jwks_file) {
        (Some(s), None, None) => Keys::hs256(s.as_bytes()),
        (None, Some(pem), None) => Keys::from_pem_file(pem),
        (None, None, Some(jwks)) => Keys::from_jwks_file(jwks),
        (None, None, None) => match demo_secret {
            Some(s) => Keys::hs256(s.as_bytes()),
            None => bail!("set one of MFO_JWT_SECRET, MFO_JWT_PUBLIC_KEY_FILE or MFO_JWKS_FILE (or run with --demo)"),
        },
        _ => bail!("set only one of MFO_JWT_SECRET, MFO_JWT_PUBLIC_KEY_FILE and MFO_JWKS_FILE"),
    }
}

fn random_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    init_tracing(&args.log, &args.log_format);
    let mut ctx = context(&args.db).await?;
    ctx.change_retention_days = args.change_retention_days;
    ctx.webhook_allow_private.store(args.webhook_allow_private, std::sync::atomic::Ordering::Relaxed);
    let demo_secret = (args.demo && args.jwt.jwt_secret.is_none()).then(random_secret);
    let keys = keys(&args.jwt, demo_secret.as_deref())?;
    let settings = JwtSettings {
        keys: keys.clone(),
        issuer: args.jwt.jwt_issuer.clone(),
        audience: args.jwt.jwt_audience.clone(),
    };

    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("failed to bind {}", args.listen))?;
    let addr = listener.local_addr()?;
    let mut graphiql_token = None;
    let mut demo_tokens = Vec::new();
    if args.demo {
        let d = demo::load(&ctx).await?;
        let Keys::Hs256(secret) = &keys else {
            bail!("--demo prints HS256 tokens: do not combine it with public keys")
        };
        let now = ctx.clock.now();
        let ttl = chrono::Duration::hours(12);
        let mint = |role: Role, org: uuid::Uuid, borrower: Option<uuid::Uuid>, sub: &str| {
            let req = TokenRequest { role, org_id: org, borrower_id: borrower, subject: sub.to_owned(), ttl };
            auth::mint_hs256(secret, &settings.issuer, &settings.audience, now, &req)
        };
        println!("\nmfo-api demo: GraphiQL at http://{addr}/graphql");
        println!("Dashboard (pick a token there): http://{addr}/dashboard");
        println!("Subscriptions: ws://{addr}/graphql, protocol graphql-transport-ws, the token in connection_init's");
        println!("payload as {{\"Authorization\": \"Bearer <token>\"}}.\n");
        println!(
            "Tokens below live {} hours (until {} UTC). {}",
            ttl.num_hours(),
            (now + ttl).format("%Y-%m-%d %H:%M"),
            if demo_secret.is_some() {
                "They are signed with a random secret made at start-up: a restart mints new ones and the old ones stop working (set MFO_JWT_SECRET to keep them)."
            } else {
                "They are signed with MFO_JWT_SECRET, so they outlive a restart."
            }
        );
        println!("Paste one into GraphiQL's headers as {{\"Authorization\": \"Bearer <token>\"}}:\n");
        for (label, role, org, borrower, sub) in [
            (
                "MFO_STAFF, Qomeq Finance (KZ): its loans, complaints, applications; registers and records",
                Role::MfoStaff,
                d.kz_mfo.id,
                None,
                "staff-1",
            ),
            (
                "MFO_MANAGER, Qomeq Finance (KZ): what staff do, plus decisions, extensions, answers",
                Role::MfoManager,
                d.kz_mfo.id,
                None,
                "manager-1",
            ),
            (
                "BORROWER Aigerim Sadykova (KZ): her loans, complaints and applications only",
                Role::Borrower,
                d.kz_mfo.id,
                Some(d.borrower_id),
                "app-user-1",
            ),
            (
                "COLLECTION_AGENCY Collect KZ: only the loan handed to it; permittedActions, recordContact",
                Role::CollectionAgency,
                d.agency.id,
                None,
                "agency-system",
            ),
            (
                "REGULATOR (KZ): read-only over KZ MFOs; escalations, appeals",
                Role::Regulator,
                d.kz_regulator.id,
                None,
                "supervisor-1",
            ),
            (
                "MFO_STAFF, Alma Kredit (KG): its complaint journal and loans",
                Role::MfoStaff,
                d.kg_mfo.id,
                None,
                "staff-kg",
            ),
            (
                "REGULATOR (KG): read-only over KG MFOs; escalations",
                Role::Regulator,
                d.kg_regulator.id,
                None,
                "supervisor-kg",
            ),
        ] {
            let token = mint(role, org, borrower, sub)?;
            println!("{label}:\n{token}\n");
            // GraphiQL opens as the KZ MFO's manager, who may run most of the API.
            if role == Role::MfoManager {
                graphiql_token = Some(token.clone());
            }
            let role = serde_json::to_value(role)?.as_str().unwrap_or_default().to_owned();
            demo_tokens.push(DemoToken { label: label.to_owned(), role, token });
        }
        println!("GraphiQL opens with the MFO_MANAGER token above in its headers; replace it to act as another.\n");
    }

    let mut http = HttpLimits::from(&args.limits);
    // Under --demo the server answers only for the names of its own address unless told
    // otherwise: the GraphiQL page holds a manager's token, and a DNS-rebinding page would
    // otherwise read it (and the API) as if it were this origin.
    http.allowed_hosts = match (&args.allowed_hosts, args.demo) {
        (Some(hosts), _) => Some(hosts.iter().map(|h| h.trim().to_owned()).filter(|h| !h.is_empty()).collect()),
        (None, true) => Some(mfo_api::http::origin::loopback_hosts(addr)),
        (None, false) => None,
    };
    http.metrics_token = args.metrics_token.clone().filter(|t| !t.is_empty()).map(mfo_api::config::MetricsToken);
    http.metrics_on_api = args.metrics_listen.is_none();
    let documents = match &args.trusted_documents_file {
        Some(path) => Some(Arc::new(mfo_api::http::trusted::TrustedDocuments::load(path)?)),
        None => None,
    };
    anyhow::ensure!(
        documents.is_some() || !args.borrower_trusted_documents_only,
        "MFO_BORROWER_TRUSTED_DOCUMENTS_ONLY needs MFO_TRUSTED_DOCUMENTS_FILE"
    );
    if let Some(d) = &documents {
        tracing::info!(
            documents = d.len(),
            borrowers_only = args.borrower_trusted_documents_only,
            "trusted documents loaded"
        );
    }
    let trusted = mfo_api::http::trusted::Policy { documents, borrowers_only: args.borrower_trusted_documents_only };
    let cfg = AppConfig {
        jwt: settings,
        limits: mfo_api::graphql::Limits::from(&args.limits),
        http,
        production: args.production,
        graphiql_token,
        trusted,
    };
    // The page's token list exists in demo mode only: never otherwise does the server
    // hand out a token.
    let extra = if args.demo { dashboard::demo_routes(demo_tokens) } else { axum::Router::new() };
    let (state, router) = app::build_with_routes(ctx.clone(), cfg, extra);
    let mut conn = ConnLimits::from(&args.limits);
    conn.shutdown_grace = std::time::Duration::from_secs(args.shutdown_grace_seconds);
    let metrics_server = match args.metrics_listen {
        Some(at) => {
            let listener =
                tokio::net::TcpListener::bind(at).await.with_context(|| format!("failed to bind {at} for /metrics"))?;
            tracing::info!(addr = %listener.local_addr()?, "serving /metrics");
            let router = mfo_api::http::metrics_router(state.clone());
            let (conn, lifecycle) = (conn.clone(), state.lifecycle.clone());
            Some(tokio::spawn(async move {
                mfo_api::http::server::serve(listener, router, conn, async move { lifecycle.drained().await }).await
            }))
        }
        None => None,
    };
    let owner = format!("{}-{}", addr, std::process::id());
    let lifecycle = state.lifecycle.clone();
    let deliverer = mfo_api::events::webhooks::Deliverer::new(ctx.clone(), owner.clone())
        .with_lease(chrono::Duration::seconds(i64::try_from(args.webhook_lease_seconds)?));
    let scanner = tokio::spawn(Scanner::new(ctx, owner).run(
        std::time::Duration::from_secs(args.scan_interval_seconds.max(1)),
        async move { lifecycle.drained().await },
    ));
    let lifecycle = state.lifecycle.clone();
    // Webhooks: queued and sent as they come, and looked for every MFO_WEBHOOK_INTERVAL_MS.
    let idle = std::time::Duration::from_millis(args.webhook_interval_ms);
    let deliverer = tokio::spawn(deliverer.run(idle, async move { lifecycle.drained().await }));
    tracing::info!(%addr, "serving GraphQL on /graphql");
    let lifecycle = state.lifecycle.clone();
    let served = mfo_api::http::server::serve(listener, router, conn.clone(), async move {
        mfo_api::http::lifecycle::stop_signal().await;
        lifecycle.drain();
    })
    .await
    .context("server failed");
    // The scanner finishes its pass and gives back its leases within the same grace.
    if tokio::time::timeout(conn.shutdown_grace, scanner).await.is_err() {
        tracing::warn!("the scanner did not stop within the shutdown grace");
    }
    if tokio::time::timeout(conn.shutdown_grace, deliverer).await.is_err() {
        tracing::warn!("the webhook worker did not stop within the shutdown grace");
    }
    if let Some(m) = metrics_server {
        let _ = tokio::time::timeout(conn.shutdown_grace, m).await;
    }
    tracing::info!("stopped");
    served
}

/// jemalloc serves Rust's allocations: on the loan page glibc's malloc was ~20%
/// of the server's CPU (free-list walks and consolidation of the many small blocks a page
/// of GraphQL objects is); jemalloc cut CPU per page by 12–27% in the same run. Its
/// settings are compiled in (`.cargo/config.toml`): one arena per CPU (`percpu_arena`: the
/// runtime runs one worker per CPU, so each worker allocates from its own arena without
/// contention, and no arena sits idle holding pages, on any machine) and a background
/// thread that returns freed pages after 250 ms, which keeps the hostile suite's RSS growth
/// well inside its 50 MiB bound (with 1 s it came close). glibc's malloc still serves the C
/// code (SQLite), hence `tune_malloc` below.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Two glibc defaults keep a server's memory at its worst moment for good (the hostile-requests
/// suite left it 76–90 MiB larger than it started): every thread that allocates gets an
/// arena of its own, up to eight per core, each keeping the pages of the largest documents
/// it held; and the threshold above which a block is mmapped (and returned to the system when
/// freed) rises to the largest block freed so far, so after one 8 MiB body every later one is
/// kept in an arena. One arena per CPU (a worker per CPU may run C code at once) and a fixed
/// 128 KiB threshold (glibc's initial one): the same suite leaves it ~32 MiB larger. glibc's own
/// `MALLOC_ARENA_MAX` / `MALLOC_MMAP_THRESHOLD_`, when an operator sets them, win. It must run
/// before any thread exists, hence a synchronous `main` that builds the runtime afterwards.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn tune_malloc() {
    // Reading the CPU count starts no thread.
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let arenas = libc::c_int::try_from(cpus).unwrap_or(libc::c_int::MAX);
    for (knob, param, value) in [
        ("MALLOC_ARENA_MAX", libc::M_ARENA_MAX, arenas),
        ("MALLOC_MMAP_THRESHOLD_", libc::M_MMAP_THRESHOLD, 128 * 1024),
    ] {
        if std::env::var_os(knob).is_none() {
            // SAFETY: mallopt only changes an allocator setting; it is called from the main
            // thread before any other thread is started, so no allocation races with it. A
            // refusal (return value 0) leaves glibc's default in place, which is safe too.
            unsafe {
                libc::mallopt(param, value);
            }
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_malloc() {}

fn main() -> anyhow::Result<()> {
    tune_malloc();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to start the runtime")?
        .block_on(run())
}

/// `mfo-api import`: the summary on stdout; exit 2 for an organisation that is not an MFO,
/// 1 for a failure (the batches before it stay committed and the checkpoint says where).
async fn import(args: ImportArgs) -> anyhow::Result<()> {
    init_tracing("warn", "text");
    let ctx = context(&args.db).await?;
    let options = import::Options { mfo: args.mfo, format: args.format, restart: args.restart };
    let mut progress = import::Progress::stderr();
    match import::run(&ctx, args.kind, &args.file, &options, &mut progress).await {
        Ok(summary) => {
            println!("{}", summary.line());
            if summary.refused > 0 {
                eprintln!("refused rows and their reasons: {}", import::refused_path(&args.file).display());
            }
            Ok(())
        }
        Err(e) => {
            eprintln!("import failed: {e:#}");
            std::process::exit(i32::from(e.exit_code()));
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Import(args)) => import(args).await,
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(args).await,
        Some(Command::Migrate(db_args)) => {
            let db = db::connect(&db_args.database_url, 2, None).await?;
            db::migrate(&db).await?;
            println!("migrations applied");
            Ok(())
        }
        Some(Command::Schema) => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Some(Command::Token(args)) => {
            let ctx = context(&args.db).await?;
            let Some(secret) = &args.jwt.jwt_secret else { bail!("`token` signs with MFO_JWT_SECRET: set it") };
            let keys = Keys::hs256(secret.as_bytes())?;
            let Keys::Hs256(secret) = keys else { bail!("HS256 only") };
            let req = TokenRequest {
                role: args.role,
                org_id: args.org,
                borrower_id: args.borrower,
                subject: args.subject,
                ttl: args.ttl,
            };
            let token = auth::mint_hs256(&secret, &args.jwt.jwt_issuer, &args.jwt.jwt_audience, ctx.clock.now(), &req)?;
            // Check it the way the server will, so a token for a missing org is caught here.
            let settings =
                JwtSettings { keys: Keys::Hs256(secret), issuer: args.jwt.jwt_issuer, audience: args.jwt.jwt_audience };
            let verified = auth::Verifier::new(settings).verify(&token, ctx.clock.now())?;
            mfo_api::services::orgs::principal(&ctx, verified).await.context("the token would be refused")?;
            println!("{token}");
            Ok(())
        }
        Some(Command::Org(OrgCommand::Create { db: db_args, kind, name, jurisdiction, address, founded_on })) => {
            let ctx = context(&db_args).await?;
            let org = orgs::create(&ctx, orgs::NewOrg { kind, name, jurisdiction, address, founded_on })
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}", org.id);
            Ok(())
        }
        Some(Command::Calendar(CalendarCommand::Import { db: db_args, jurisdiction, file })) => {
            let ctx = context(&db_args).await?;
            let text = std::fs::read_to_string(&file).with_context(|| format!("failed to read {}", file.display()))?;
            let n = orgs::import_calendar(&ctx, jurisdiction, &text).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{n} days loaded for {}", jurisdiction.to_value());
            Ok(())
        }
        Some(Command::Policy(PolicyCommand::Import { db: db_args, retroactive, file })) => {
            let ctx = context(&db_args).await?;
            let text = std::fs::read_to_string(&file).with_context(|| format!("failed to read {}", file.display()))?;
            let v = reference::import_policy(&ctx, &text, retroactive).await.map_err(|e| match e {
                mfo_api::error::ServiceError::User(errors) => anyhow::anyhow!(
                    "{} refused:\n{}",
                    file.display(),
                    errors
                        .iter()
                        .map(|e| format!("  {}", e.render(mfo_api::i18n::Lang::En)))
                        .collect::<Vec<_>>()
                        .join("\n")
                ),
                other => anyhow::anyhow!("{other}"),
            })?;
            println!("{}", v.id);
            Ok(())
        }
        Some(Command::Audit(AuditCommand::Verify { db: db_args })) => {
            let ctx = context(&db_args).await?;
            match chain::verify_chain(&ctx.db).await.map_err(|e| anyhow::anyhow!("{e}"))? {
                Ok(n) => {
                    println!("audit chain intact: {n} entries");
                    Ok(())
                }
                Err(b) => bail!("audit chain broken: {b:?}"),
            }
        }
    }
}
