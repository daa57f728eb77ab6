//! Builds the application from its parts: configuration, clock, database. Used by
//! `serve` and by the integration tests, so both run the same router.

use std::sync::{Arc, OnceLock};

use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::auth::{JwtSettings, Verifier};
use crate::config::HttpLimits;
use crate::graphql::{self, Limits};
use crate::http::{self, RateLimiter};
use crate::services::Ctx;

#[derive(Debug, Clone)]
pub struct AppConfig {
    pub jwt: JwtSettings,
    pub limits: Limits,
    pub http: HttpLimits,
    /// Introspection, suggestions and GraphiQL off.
    pub production: bool,
    /// The token GraphiQL's headers editor opens with: set by `serve --demo` only, never
    /// outside demo mode (the page would hand it to anyone who opens it).
    pub graphiql_token: Option<String>,
    /// Trusted documents, and whether borrowers are held to them (`http::trusted`).
    pub trusted: http::trusted::Policy,
}

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub ctx: Ctx,
    pub schema: graphql::edge::Api,
    pub verifier: Arc<Verifier>,
    pub http: Arc<HttpLimits>,
    pub production: bool,
    /// See `AppConfig::graphiql_token`.
    pub graphiql_token: Option<Arc<str>>,
    pub rate: Arc<RateLimiter>,
    pub metrics: PrometheusHandle,
    /// Shared renderings of the `escalations` subscription (`http::shared`).
    pub subscriptions: Arc<http::shared::Groups>,
    /// Whether the process is draining (`http::lifecycle`).
    pub lifecycle: Arc<http::lifecycle::Lifecycle>,
    /// WebSockets held per principal or address, subscriptions per principal
    /// (`http::shares`).
    pub sockets: Arc<http::shares::Tally>,
    pub socket_operations: Arc<http::shares::Tally>,
    /// `/graphql` requests running per principal or address (`http::shares::Lanes`).
    pub lanes: Arc<http::shares::Lanes>,
    pub trusted: Arc<http::trusted::Policy>,
}

/// The process-wide Prometheus recorder (the `metrics` facade has one global recorder, so
/// several apps in one test process share it).
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            // Durations are histograms (buckets an operator can aggregate across instances),
            // not summaries: 1 ms to 30 s, the request timeout.
            let buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
            // Statements per operation: the budget of a list is a handful (DESIGN.md).
            let statements = [1.0, 2.0, 4.0, 6.0, 8.0, 12.0, 16.0, 32.0, 64.0, 128.0];
            let builder = || {
                PrometheusBuilder::new()
                    .set_buckets_for_metric(Matcher::Suffix("_duration_seconds".into()), &buckets)
                    .and_then(|b| {
                        b.set_buckets_for_metric(Matcher::Full("graphql_operation_sql_statements".into()), &statements)
                    })
                    .unwrap_or_else(|_| PrometheusBuilder::new())
            };
            let handle = builder().install_recorder().unwrap_or_else(|_| builder().build_recorder().handle());
            spawn_upkeep(handle.clone());
            handle
        })
        .clone()
}

/// How often the recorder's histograms are drained (the exporter's own default).
const METRICS_UPKEEP: std::time::Duration = std::time::Duration::from_secs(5);

/// Drains the histograms every `METRICS_UPKEEP`. The recorder keeps every recorded sample
/// in an unbounded list until something drains it into the buckets, and only a scrape of
/// `/metrics` or this upkeep does: a server nobody scrapes (or scrapes once a minute) grew
/// by every request's samples, one per SQL statement and a few per operation (~6 MB a
/// minute under steady mixed load, bench/soak.sh). A thread of its own, not a task: the
/// recorder is the process's and outlives any one runtime (the tests start many).
fn spawn_upkeep(handle: PrometheusHandle) {
    let spawned = std::thread::Builder::new().name("metrics-upkeep".into()).spawn(move || {
        loop {
            std::thread::sleep(METRICS_UPKEEP);
            handle.run_upkeep();
        }
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "metrics upkeep not started: histograms grow until /metrics is scraped");
    }
}

pub fn build(ctx: Ctx, cfg: AppConfig) -> (AppState, Router) {
    build_with_routes(ctx, cfg, Router::new())
}

/// `build` with extra routes that get the same middleware (the tests mount a panicking
/// route this way; production mounts none).
pub fn build_with_routes(ctx: Ctx, cfg: AppConfig, extra: Router<AppState>) -> (AppState, Router) {
    let schema = graphql::build(Some(ctx.clone()), cfg.limits, cfg.production);
    let state = AppState {
        rate: Arc::new(RateLimiter::new(cfg.http.rate_limit_per_minute)),
        lanes: Arc::new(http::shares::Lanes::new(cfg.http.concurrent_per_principal)),
        subscriptions: Arc::new(http::shared::Groups::new(cfg.http.subscription_buffer)),
        ctx,
        schema,
        verifier: Arc::new(Verifier::new(cfg.jwt)),
        http: Arc::new(cfg.http),
        production: cfg.production,
        graphiql_token: cfg.graphiql_token.map(Arc::from),
        metrics: metrics_handle(),
        lifecycle: Arc::default(),
        sockets: Arc::default(),
        socket_operations: Arc::default(),
        trusted: Arc::new(cfg.trusted),
    };
    // PostgreSQL: other instances' commits reach this instance's subscribers too.
    crate::events::relay::spawn(state.ctx.clone());
    let router = http::router(state.clone(), extra);
    (state, router)
}
