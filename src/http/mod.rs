//! HTTP transport: GraphQL over HTTP (POST JSON; queries, never mutations, over GET;
//! GraphiQL for a browser), graphql-transport-ws on the same path, health, readiness,
//! metrics and the `/dashboard` page (`dashboard.rs`), with the limits DESIGN.md asks for
//! (body size, batch size, timeout, rate, CSRF-safe content types). A panic anywhere answers 500 with `INTERNAL`.
//!
//! Nothing here knows a business rule; it authenticates, limits and hands over to the
//! schema.

pub mod dashboard;
pub mod documents;
pub mod exports;
pub mod graphiql;
pub mod lifecycle;
pub mod origin;
pub mod server;
pub mod shared;
pub mod shares;
pub mod trusted;
pub mod ws;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Instant;

use crate::error::{ServiceError, code};
use crate::i18n::{self, Lang};
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, Request as GqlRequest, Response as GqlResponse, Value};
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde_json::json;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::app::AppState;
use crate::auth::{self, AuthError, Principal};
use crate::graphql::context::{RateCharge, RequestAuth};
use crate::graphql::loaders::Loaders;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

pub fn router(state: AppState, extra: Router<AppState>) -> Router {
    let cors = CorsLayer::new().allow_origin(Any).allow_methods([Method::GET, Method::POST]).allow_headers([
        header::AUTHORIZATION,
        header::CONTENT_TYPE,
        header::ACCEPT,
    ]);
    let mut routes = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route(&format!("{}/{{name}}", graphiql::ASSETS_PATH), get(graphiql::asset))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route(documents::PATH, get(documents::get_document))
        .route(exports::ESCALATIONS, get(exports::escalations))
        .route(exports::STATISTICS, get(exports::statistics));
    if state.http.metrics_on_api {
        routes = routes.route("/metrics", get(metrics));
    }
    routes
        .merge(dashboard::routes())
        .merge(extra)
        .layer(middleware::from_fn_with_state(state.clone(), request_timeout))
        .layer(middleware::from_fn(track_metrics))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<Body>| {
                    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                }))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(CatchPanicLayer::custom(|_| {
                    error_response(StatusCode::INTERNAL_SERVER_ERROR, code::INTERNAL, "internal error")
                }))
                .layer(cors),
        )
        // Outermost: the host check runs before anything, and the same-origin rule sees
        // the CORS headers it must remove.
        .layer(middleware::from_fn_with_state(state.clone(), origin::guard))
        .with_state(state)
}

/// `/metrics` alone, for an address of its own (`MFO_METRICS_LISTEN`).
pub fn metrics_router(state: AppState) -> Router {
    Router::new().route("/metrics", get(metrics)).layer(middleware::from_fn(origin::headers)).with_state(state)
}

/// A GraphQL-shaped error body with one error and its code.
/// A service's refusal as an HTTP answer, for the endpoints beside `/graphql` (exports,
/// documents): the same codes `graphql::errors` gives, with the matching status. The cause
/// of anything internal is logged, never sent.
pub(crate) fn service_error(e: &ServiceError) -> Response {
    match e {
        ServiceError::NotFound => error_response(StatusCode::NOT_FOUND, code::NOT_FOUND, "not found"),
        ServiceError::Forbidden(why) => error_response(StatusCode::FORBIDDEN, code::FORBIDDEN, why),
        ServiceError::Unauthenticated => {
            error_response(StatusCode::UNAUTHORIZED, code::UNAUTHENTICATED, "a bearer token is required")
        }
        // The filter's own refusal (an `updatedAfter` past the change retention).
        ServiceError::User(errors) => {
            let message =
                errors.first().map(|u| u.render(i18n::current())).unwrap_or_else(|| "invalid input".to_owned());
            error_response(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, &message)
        }
        ServiceError::OutsideLaw(_) | ServiceError::Internal(_) => {
            tracing::error!(error = %e, "request failed");
            error_response(StatusCode::INTERNAL_SERVER_ERROR, code::INTERNAL, "internal error")
        }
    }
}

pub fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body.to_string()).into_response()
}

fn unauthenticated(e: &AuthError) -> Response {
    if *e == AuthError::Unavailable {
        return error_response(StatusCode::SERVICE_UNAVAILABLE, code::INTERNAL, "the token could not be checked now");
    }
    let mut r = error_response(StatusCode::UNAUTHORIZED, code::UNAUTHENTICATED, &e.to_string());
    r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
    r
}

/// Checks a bearer token: `Ok(None)` without one, a 401 response for a bad one.
pub async fn authenticate_token(state: &AppState, token: &str) -> Result<Principal, AuthError> {
    let verified = state.verifier.verify(token, state.ctx.clock.now())?;
    crate::services::orgs::principal(&state.ctx, verified).await
}

/// The caller from the `Authorization` header: none without one, a 401 for a bad one,
/// a 400 for two (RFC 6750 §3.1 `invalid_request`: never "the first one wins").
pub(crate) async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Option<Principal>, Response> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        let mut r = error_response(
            StatusCode::BAD_REQUEST,
            code::UNAUTHENTICATED,
            "the request carries more than one Authorization header",
        );
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_request\""));
        return Err(r);
    }
    let token =
        value.to_str().ok().and_then(auth::bearer_token).ok_or_else(|| unauthenticated(&AuthError::Malformed))?;
    authenticate_token(state, token).await.map(Some).map_err(|e| unauthenticated(&e))
}

/// The principal of a request to an endpoint beside `/graphql` (documents, exports): the
/// same bearer token and the same budget. Without a token it is a 401; a request without
/// one, or with a refused one, spends its client address's budget, a principal's one unit
/// of the principal's.
pub(crate) async fn bearer_principal(
    state: &AppState,
    headers: &HeaderMap,
    addr: Option<SocketAddr>,
) -> Result<Principal, Response> {
    let refused = |r: Response| rate_limit(state, None, addr, 1).err().map_or(r, |limited| *limited);
    let principal = match authenticate(state, headers).await {
        Ok(Some(p)) => p,
        Ok(None) => {
            let mut r = error_response(StatusCode::UNAUTHORIZED, code::UNAUTHENTICATED, "a bearer token is required");
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return Err(refused(r));
        }
        Err(r) => return Err(refused(r)),
    };
    rate_limit(state, Some(&principal), addr, 1).map_err(|r| *r)?;
    Ok(principal)
}

/// A fixed one-minute window per principal (or client address), on the injected clock.
pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self { per_minute, windows: Mutex::new(HashMap::new()) }
    }

    /// `Err(seconds to wait)` when the key has used up its minute.
    pub fn check(&self, key: &str, now: DateTime<Utc>) -> Result<(), i64> {
        self.charge(key, 1, now)
    }

    /// Whether the key has nothing left of its minute: such a request is refused before
    /// its body is read or parsed, so a principal past its share costs the server next to
    /// nothing (the body of a batch of aliased mutations is parsed only while it may run).
    /// `Some(seconds to wait)` when it has.
    pub fn exhausted(&self, key: &str, now: DateTime<Utc>) -> Option<i64> {
        let minute = now.timestamp().div_euclid(60);
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let spent = windows.get(key).is_some_and(|(m, used)| *m == minute && *used >= self.per_minute);
        spent.then(|| Self::wait(now))
    }

    /// Seconds until the next minute's window opens.
    fn wait(now: DateTime<Utc>) -> i64 {
        60 - now.timestamp().rem_euclid(60)
    }

    /// Spends `units` of the key's minute at once (a batch's operations, a mutation's
    /// writes): all of them, or none and `Err(seconds to wait)`.
    pub fn charge(&self, key: &str, units: u32, now: DateTime<Utc>) -> Result<(), i64> {
        let minute = now.timestamp().div_euclid(60);
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > 100_000 {
            windows.retain(|_, (m, _)| *m == minute);
        }
        let entry = windows.entry(key.to_owned()).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        if entry.1.saturating_add(units) > self.per_minute {
            return Err(Self::wait(now));
        }
        entry.1 = entry.1.saturating_add(units);
        Ok(())
    }
}

/// Whose budget a request spends: its principal's, or without one (no token, or one that
/// was refused) its client address's.
pub fn rate_key(principal: Option<&Principal>, addr: Option<SocketAddr>) -> String {
    match (principal, addr) {
        (Some(p), _) => p.key(),
        (None, Some(a)) => format!("anonymous:{}", a.ip()),
        (None, None) => "anonymous".to_owned(),
    }
}

/// What an operation spends beyond what its transport charged, on `key`'s budget.
pub fn rate_charge(state: &AppState, key: String) -> RateCharge {
    let (rate, clock) = (state.rate.clone(), state.ctx.clock.clone());
    RateCharge(std::sync::Arc::new(move |units| rate.charge(&key, units, clock.now())))
}

/// Spends `units` (operations) of the caller's budget, or answers 429.
pub(crate) fn rate_limit(
    state: &AppState,
    principal: Option<&Principal>,
    addr: Option<SocketAddr>,
    units: u32,
) -> Result<(), Box<Response>> {
    let key = rate_key(principal, addr);
    state.rate.charge(&key, units, state.ctx.clock.now()).map_err(|wait| Box::new(too_many_requests(wait)))
}

fn too_many_requests(wait: i64) -> Response {
    let mut r = error_response(StatusCode::TOO_MANY_REQUESTS, code::RATE_LIMITED, "too many requests: slow down");
    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// Errors async-graphql raises itself (parse, validation, limits, input coercion) carry
/// no code: they are the caller's, so they get BAD_USER_INPUT.
pub(crate) fn with_codes(mut resp: GqlResponse) -> GqlResponse {
    for e in &mut resp.errors {
        let has_code = e.extensions.as_ref().is_some_and(|x| x.get("code").is_some());
        if !has_code {
            e.extensions.get_or_insert_with(Default::default).set("code", Value::from(code::BAD_USER_INPUT));
        }
    }
    resp
}

fn wants_graphql_response(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains(GRAPHQL_RESPONSE_JSON))
}

/// A body that is not a GraphQL request (not JSON, or without a `query`): 400 whatever
/// the client accepts (GraphQL over HTTP; graphql-http audits BCF8, 2163, 17C5, 3E3A),
/// never a `data` entry, in the media type the client asked for. Only a well-formed
/// request whose document fails to parse or validate keeps 200 for `application/json`
/// (572B, FDE2).
fn not_a_request(headers: &HeaderMap) -> Response {
    let mut r = error_response(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, "the body is not a GraphQL request");
    if wants_graphql_response(headers) {
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(GRAPHQL_RESPONSE_JSON));
    }
    r
}

/// A response to a request that never executed: no data, and only errors raised before
/// execution (parse, validation, limits), which carry no path. A field's error always
/// has one, so an execution that nulled `data` does not count.
fn never_executed(r: &GqlResponse) -> bool {
    r.data == Value::Null && !r.errors.is_empty() && r.errors.iter().all(|e| e.path.is_empty())
}

/// Runs each request in order; one refused before (an unknown trusted-document hash) or
/// here (a document the principal may not send) is answered by its refusal.
async fn execute(
    state: &AppState,
    principal: Option<Principal>,
    addr: Option<SocketAddr>,
    lang: Option<Lang>,
    requests: Vec<Result<GqlRequest, trusted::Refused>>,
) -> Vec<GqlResponse> {
    let mut out = Vec::with_capacity(requests.len());
    let key = rate_key(principal.as_ref(), addr);
    // One principal's requests run a few at a time, the rest wait: it cannot take every
    // worker from the others (`shares::Lanes`).
    let _lane = state.lanes.enter(&key).await;
    let charge = rate_charge(state, key);
    // The operations of a batch are answered together: they share one complexity budget.
    let batch = (requests.len() > 1).then(|| state.schema.batch_budget());
    for req in requests {
        let req = match req.and_then(|r| state.trusted.admit(&r, principal.as_ref()).map(|()| r)) {
            Ok(r) => r,
            Err(refused) => {
                out.push(with_codes(*refused));
                continue;
            }
        };
        let req = req
            .data(RequestAuth { principal: principal.clone() })
            .data(Loaders::new(&state.ctx, principal.as_ref()))
            .data(charge.clone());
        let req = match &batch {
            Some(budget) => req.data(budget.clone()),
            None => req,
        };
        // Texts are rendered during execution (`graphql::errors`, escalations, verdicts)
        // in the language the request asked for.
        out.push(with_codes(i18n::with_requested(lang, state.schema.execute(req)).await));
    }
    out
}

/// The language an HTTP request asks for: the best of ours in its `Accept-Language`
/// (q-values honoured), `None` when it names none of them.
pub fn requested_language(headers: &HeaderMap) -> Option<Lang> {
    headers.get_all(header::ACCEPT_LANGUAGE).iter().filter_map(|v| v.to_str().ok()).find_map(i18n::negotiate)
}

/// Abandons a request that runs too long; dropping its future rolls back any transaction
/// it had open. A WebSocket is not affected: its upgrade answers at once.
async fn request_timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(state.http.request_timeout, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => {
            error_response(StatusCode::GATEWAY_TIMEOUT, code::TIMEOUT, "the request took too long and was abandoned")
        }
    }
}

/// The answer to executed `responses`, whose messages are in `lang` (the one `execute` was
/// given; `Content-Language`, RFC 9110 §8.5).
fn respond(headers: &HeaderMap, lang: Option<Lang>, batch: bool, responses: Vec<GqlResponse>) -> Response {
    let language = lang.unwrap_or(i18n::DEFAULT).tag();
    let graphql_json = wants_graphql_response(headers);
    // With the newer media type, a request that never executed is a 400 and its body has
    // no `data` entry (GraphQL over HTTP; audits 556A/D586, 74FF/5E5B). With
    // application/json it stays a 200 with `data: null`.
    let status =
        if graphql_json && responses.iter().all(never_executed) { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    // Serialised straight from async-graphql's response: a detour through
    // `serde_json::Value` copied every field of a large page once more (measured on the loan page).
    let bodies: Vec<JsonBody> = responses
        .into_iter()
        .map(|r| if graphql_json && never_executed(&r) { JsonBody::WithoutData(r) } else { JsonBody::Whole(r) })
        .collect();
    let body = if batch {
        serde_json::to_string(&bodies)
    } else {
        serde_json::to_string(bodies.first().unwrap_or(&JsonBody::Whole(GqlResponse::default())))
    };
    let content_type = if graphql_json { GRAPHQL_RESPONSE_JSON } else { "application/json" };
    match body {
        Ok(body) => {
            (status, [(header::CONTENT_TYPE, content_type), (header::CONTENT_LANGUAGE, language)], body).into_response()
        }
        Err(_) => error_response(StatusCode::INTERNAL_SERVER_ERROR, code::INTERNAL, "internal error"),
    }
}

/// One response's JSON body.
enum JsonBody {
    Whole(GqlResponse),
    /// A request that never executed, answered with the newer media type: no `data` entry.
    WithoutData(GqlResponse),
}

impl serde::Serialize for JsonBody {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            JsonBody::Whole(r) => r.serialize(s),
            JsonBody::WithoutData(r) => {
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("errors", &r.errors)?;
                if !r.extensions.is_empty() {
                    m.serialize_entry("extensions", &r.extensions)?;
                }
                m.end()
            }
        }
    }
}

/// How many times the body limit a refused body is still read (and discarded) for.
const DRAIN_FACTOR: usize = 16;

/// Reads a body of at most `limit` bytes. A longer one is `Err`, but is read to its end
/// and discarded (up to `DRAIN_FACTOR × drain_unit` bytes) before the refusal is sent: a
/// server that answers and closes while the client is still writing makes the client's
/// next write fail with a reset, and the client never reads its 413 (nginx's "lingering
/// close"). Past that, the connection is cut; the idle timeout bounds
/// a client that trickles its body.
async fn read_body(body: Body, limit: usize, drain_unit: usize) -> Result<axum::body::Bytes, ()> {
    use axum::body::HttpBody;
    use futures_util::StreamExt;
    let drain_cap = drain_unit.saturating_mul(DRAIN_FACTOR);
    // A declared length past what would be drained: no use reading any of it.
    if usize::try_from(body.size_hint().lower()).unwrap_or(usize::MAX) > drain_cap {
        return Err(());
    }
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ())?;
        seen = seen.saturating_add(chunk.len());
        if seen <= limit {
            buf.extend_from_slice(&chunk);
        } else if seen > drain_cap {
            return Err(());
        } else if !buf.is_empty() {
            buf = Vec::new();
        }
    }
    if seen > limit { Err(()) } else { Ok(buf.into()) }
}

async fn graphql_post(State(state): State<AppState>, req: Request) -> Response {
    let addr = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let (parts, body) = req.into_parts();
    // CSRF: a browser can send text/plain or a form cross-site without a preflight, never
    // application/json; so only JSON is executed.
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence != "application/json" {
        let _ = read_body(body, 0, state.http.max_body_bytes).await;
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code::BAD_USER_INPUT,
            "POST /graphql takes Content-Type: application/json",
        );
    }
    // The caller first (headers only): one with nothing left of its minute is refused
    // before its body is parsed.
    let auth = authenticate(&state, &parts.headers).await;
    let key = rate_key(auth.as_ref().ok().and_then(Option::as_ref), addr);
    if let Some(wait) = state.rate.exhausted(&key, state.ctx.clock.now()) {
        let _ = read_body(body, 0, state.http.max_body_bytes).await;
        return too_many_requests(wait);
    }
    let bytes = match read_body(body, state.http.max_body_bytes, state.http.max_body_bytes).await {
        Ok(b) => b,
        Err(()) => {
            return error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                code::BAD_USER_INPUT,
                &format!("the request body is larger than {} bytes", state.http.max_body_bytes),
            );
        }
    };
    let batch: BatchRequest = match serde_json::from_slice(&bytes) {
        Ok(b) => b,
        Err(_) => return not_a_request(&parts.headers),
    };
    let (is_batch, requests) = match batch {
        BatchRequest::Single(r) => (false, vec![r]),
        BatchRequest::Batch(rs) => (true, rs),
    };
    // A document named by its hash gets its text (`trusted`).
    let requests: Vec<_> = requests.into_iter().map(|r| state.trusted.expand(r)).collect();
    if requests.len() > state.http.max_batch {
        return error_response(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            &format!("a batch holds at most {} operations", state.http.max_batch),
        );
    }
    if requests.is_empty() {
        return error_response(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, "the batch is empty");
    }
    // async-graphql reads a missing `query` as "": such a body names no document at all.
    if requests.iter().any(|r| r.as_ref().is_ok_and(|r| r.query.trim().is_empty())) {
        return not_a_request(&parts.headers);
    }
    let principal = match auth {
        Ok(p) => p,
        // A refused token spends its address's budget, so guessing tokens is rate limited.
        Err(r) => return rate_limit(&state, None, addr, 1).err().map_or(r, |limited| *limited),
    };
    // Every operation of a batch counts.
    let units = u32::try_from(requests.len()).unwrap_or(u32::MAX);
    if let Err(r) = rate_limit(&state, principal.as_ref(), addr, units) {
        return *r;
    }
    let lang = requested_language(&parts.headers);
    respond(&parts.headers, lang, is_batch, execute(&state, principal, addr, lang, requests).await)
}

/// The operation a GET request would run, if it can be told from the document.
fn operation_type(req: &GqlRequest) -> Option<OperationType> {
    let doc = async_graphql::parser::parse_query(&req.query).ok()?;
    match &req.operation_name {
        Some(name) => {
            doc.operations.iter().find(|(n, _)| n.map(|n| n.as_str()) == Some(name.as_str())).map(|(_, op)| op.node.ty)
        }
        None => doc.operations.iter().next().map(|(_, op)| op.node.ty),
    }
}

async fn graphql_get(State(state): State<AppState>, req: Request) -> Response {
    let addr = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let (mut parts, _body) = req.into_parts();
    if parts.headers.contains_key(header::UPGRADE) {
        return match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
            Ok(upgrade) => ws::upgrade(state, upgrade, requested_language(&parts.headers), addr),
            Err(rejection) => rejection.into_response(),
        };
    }
    let query = parts.uri.query().unwrap_or("");
    let accepts_html =
        parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if !query.contains("query=") && !query.contains("extensions=") {
        if accepts_html && !state.production {
            return graphiql::page_response(&state, &parts.headers);
        }
        return error_response(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, "GET /graphql needs a `query` parameter");
    }
    let request = match async_graphql::http::parse_query_string(query) {
        Ok(r) => r,
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                code::BAD_USER_INPUT,
                "the query string is not a GraphQL request",
            );
        }
    };
    // A document named by its hash: its text decides whether GET may run it.
    let request = state.trusted.expand(request);
    match request.as_ref().ok().and_then(operation_type) {
        Some(OperationType::Query) | None => {}
        Some(OperationType::Mutation | OperationType::Subscription) => {
            let mut r = error_response(
                StatusCode::METHOD_NOT_ALLOWED,
                code::BAD_USER_INPUT,
                "mutations and subscriptions are not run over GET: use POST (or the WebSocket for subscriptions)",
            );
            r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
            return r;
        }
    }
    let principal = match authenticate(&state, &parts.headers).await {
        Ok(p) => p,
        Err(r) => return rate_limit(&state, None, addr, 1).err().map_or(r, |limited| *limited),
    };
    if let Err(r) = rate_limit(&state, principal.as_ref(), addr, 1) {
        return *r;
    }
    let lang = requested_language(&parts.headers);
    respond(&parts.headers, lang, false, execute(&state, principal, addr, lang, vec![request]).await)
}

async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(state): State<AppState>) -> Response {
    // Unready the moment a drain starts, so a load balancer sends nothing more here.
    if state.lifecycle.draining() {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "draining" }))).into_response();
    }
    match state.ctx.db.ping().await {
        Ok(()) => Json(json!({ "status": "ready" })).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "database unavailable" }))).into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(expected) = &state.http.metrics_token {
        let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(auth::bearer_token);
        // Digests compared, not the tokens: how long a comparison takes then says nothing
        // about how much of a guess was right.
        let digest = |t: &str| {
            use sha2::Digest;
            sha2::Sha256::digest(t.as_bytes())
        };
        let matches = given.is_some_and(|g| digest(g) == digest(&expected.0));
        if !matches {
            let mut r =
                error_response(StatusCode::UNAUTHORIZED, code::UNAUTHENTICATED, "/metrics needs its bearer token");
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return r;
        }
    }
    // The recorder is the process's; the gauges set here are this instance's. Setting and
    // rendering under one lock keeps another instance of the same process (the tests run
    // many) from overwriting them in between.
    static SCRAPE: Mutex<()> = Mutex::new(());
    let body = {
        let _one_at_a_time = SCRAPE.lock().unwrap_or_else(|p| p.into_inner());
        crate::db::record_pool(&state.ctx.db);
        metrics::gauge!("mfo_outbox_backlog_events").set(state.ctx.broker.backlog() as f64);
        let (groups, members) = state.subscriptions.sizes();
        metrics::gauge!("graphql_subscription_groups").set(groups as f64);
        metrics::gauge!("graphql_subscription_group_members").set(members as f64);
        metrics::counter!("graphql_subscription_catch_ups_total").absolute(state.subscriptions.catch_ups());
        state.metrics.render()
    };
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

async fn track_metrics(req: Request, next: Next) -> Response {
    let path = match req.uri().path() {
        p @ ("/graphql" | "/healthz" | "/readyz" | "/metrics") => p.to_owned(),
        p if p.starts_with("/dashboard") => "/dashboard".to_owned(),
        _ => "other".to_owned(),
    };
    // Known methods only: a label per made-up method would grow the registry without end.
    let method = match *req.method() {
        Method::GET | Method::POST | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::PATCH => {
            req.method().to_string()
        }
        _ => "other".to_owned(),
    };
    // A monotonic timer for latency only; business time always comes from the Clock.
    let started = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "path" => path.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "path" => path)
        .record(started.elapsed().as_secs_f64());
    resp
}
