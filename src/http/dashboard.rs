//! `/dashboard`: the supervising authority's page. Static HTML, JS and CSS
//! embedded in the binary (no CDN, no build step), served with a strict
//! Content-Security-Policy; the page itself talks to `/graphql` (HTTP and
//! graphql-transport-ws) with the token the user gives it, like any other client.
//!
//! In demo mode only (`serve --demo`), `demo_routes` adds `/dashboard/demo-tokens`, the
//! tokens `serve --demo` prints, so a person can pick one. It must never be mounted
//! otherwise: outside demo mode a token is never handed out by the server.
//!
//! Nothing here knows a business rule or reads the database.

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use crate::app::AppState;
use crate::error::code;

const INDEX_HTML: &str = include_str!("../../assets/dashboard/index.html");
const APP_JS: &str = include_str!("../../assets/dashboard/app.js");
const GQL_WS_JS: &str = include_str!("../../assets/dashboard/gql-ws.js");
const TEXTS_JS: &str = include_str!("../../assets/dashboard/texts.js");
const STYLE_CSS: &str = include_str!("../../assets/dashboard/style.css");
const FAVICON_SVG: &str = include_str!("../../assets/dashboard/favicon.svg");

/// Everything the page loads comes from this origin; no inline script or style, no
/// frames, no forms posted anywhere. `connect-src 'self'` covers the same-origin
/// WebSocket (CSP Level 3).
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The page and its assets, mounted in every mode (the page holds no data; a caller
/// still needs a token for anything it shows).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(|| async { asset("text/html; charset=utf-8", INDEX_HTML) }))
        .route("/dashboard/", get(|| async { asset("text/html; charset=utf-8", INDEX_HTML) }))
        .route("/dashboard/app.js", get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }))
        .route("/dashboard/gql-ws.js", get(|| async { asset("text/javascript; charset=utf-8", GQL_WS_JS) }))
        .route("/dashboard/texts.js", get(|| async { asset("text/javascript; charset=utf-8", TEXTS_JS) }))
        .route("/dashboard/style.css", get(|| async { asset("text/css; charset=utf-8", STYLE_CSS) }))
        .route("/dashboard/favicon.svg", get(|| async { asset("image/svg+xml", FAVICON_SVG) }))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
            // The assets change with the binary; a stale cached script against a new
            // schema would break the page, so the browser asks again each time.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

/// One token `serve --demo` minted, as the page lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoToken {
    /// Who the token is for, e.g. "REGULATOR (KZ): read-only over KZ MFOs".
    pub label: String,
    /// The role's GraphQL name, e.g. `REGULATOR`.
    pub role: String,
    pub token: String,
}

/// The header the page sends with its request for the demo tokens. The API answers any
/// origin (CORS `*`) but allows no custom header in a preflight, so a page of another
/// origin cannot send this one, and cannot read a developer's demo tokens off localhost.
pub const DEMO_TOKENS_HEADER: &str = "x-mfo-dashboard";

/// `/dashboard/demo-tokens`: mounted by `serve --demo` only, never otherwise.
pub fn demo_routes(tokens: Vec<DemoToken>) -> Router<AppState> {
    let body = serde_json::to_string(&tokens).unwrap_or_else(|_| "[]".to_owned());
    Router::new().route(
        "/dashboard/demo-tokens",
        get(move |headers: HeaderMap| {
            let body = body.clone();
            async move {
                if !headers.contains_key(DEMO_TOKENS_HEADER) {
                    return super::error_response(
                        StatusCode::FORBIDDEN,
                        code::FORBIDDEN,
                        "the demo tokens are for the dashboard page of this server",
                    );
                }
                (
                    [
                        (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
                        // Tokens: never kept by a cache or a proxy.
                        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                    ],
                    body,
                )
                    .into_response()
            }
        }),
    )
}
