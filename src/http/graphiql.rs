//! GraphiQL for a browser, served whole from the binary: the page, and the pinned GraphiQL
//! and React builds under `/graphiql/assets/` (committed in `assets/graphiql/` with their
//! licences and versions, embedded with `include_bytes!`). The page references nothing
//! outside this server, and its Content-Security-Policy forbids it, so it works on a
//! network without internet.
//!
//! In demo mode the headers editor opens with a demo token; never otherwise (the token
//! comes from `AppConfig::graphiql_token`, which only `serve --demo` sets). Off in
//! production, like introspection. Knows nothing of the schema or of business rules.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::error::code;

/// Where the assets are served.
pub const ASSETS_PATH: &str = "/graphiql/assets";

/// An embedded file: its name under `ASSETS_PATH`, content type, bytes, and whether its
/// name carries its version (then it is cached for a year, as it never changes).
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    versioned: bool,
}

const ASSETS: [Asset; 5] = [
    Asset {
        name: "react-18.3.1.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/react-18.3.1.production.min.js"),
        versioned: true,
    },
    Asset {
        name: "react-dom-18.3.1.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/react-dom-18.3.1.production.min.js"),
        versioned: true,
    },
    Asset {
        name: "graphiql-4.1.2.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/graphiql-4.1.2.min.js"),
        versioned: true,
    },
    Asset {
        name: "graphiql-4.1.2.min.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/graphiql-4.1.2.min.css"),
        versioned: true,
    },
    Asset {
        name: "mfo-graphiql.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/mfo-graphiql.js"),
        versioned: false,
    },
];

/// Scripts only from this server (no inline script: the page's config is JSON data), styles
/// from it and inline (React and CodeMirror set styles), fonts and images as data URLs
/// (GraphiQL's CSS inlines its fonts). `connect-src` is added per request by `csp`.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   font-src 'self' data:; img-src 'self' data:; \
                   base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The page's policy: connections only to this server, over HTTP and WebSocket. CSP 3 lets
/// `'self'` cover `ws:`/`wss:` of the same host, but browsers that predate it do not, so the
/// page's own host is named for both schemes (only when the `Host` header is a plain
/// authority; otherwise `'self'` alone). Never `ws: wss:` bare, which allowed any host.
fn csp(host: Option<&str>) -> String {
    let sockets =
        host.and_then(super::origin::plain_authority).map(|h| format!(" ws://{h} wss://{h}")).unwrap_or_default();
    format!("{CSP}; connect-src 'self'{sockets}")
}

/// The page: `endpoint` for queries and subscriptions; `token`, in demo mode only, prefilled
/// as the `Authorization` header.
pub fn page(endpoint: &str, token: Option<&str>) -> String {
    let headers = token.map(|t| {
        serde_json::to_string_pretty(&serde_json::json!({ "Authorization": format!("Bearer {t}") })).unwrap_or_default()
    });
    let config = serde_json::json!({ "endpoint": endpoint, "headers": headers }).to_string();
    // JSON inside <script>: `<` escaped so no value can close the element.
    let config = config.replace('<', "\\u003c");
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="robots" content="noindex">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>mfo-api GraphiQL</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="{ASSETS_PATH}/graphiql-4.1.2.min.css">
    <style>body {{ height: 100%; margin: 0; width: 100%; overflow: hidden; }} #graphiql {{ height: 100vh; }}</style>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script id="graphiql-config" type="application/json">{config}</script>
    <script src="{ASSETS_PATH}/react-18.3.1.production.min.js"></script>
    <script src="{ASSETS_PATH}/react-dom-18.3.1.production.min.js"></script>
    <script src="{ASSETS_PATH}/graphiql-4.1.2.min.js"></script>
    <script src="{ASSETS_PATH}/mfo-graphiql.js"></script>
  </body>
</html>
"#
    )
}

/// The page as a response, with its Content-Security-Policy, readable by its own origin
/// only (`origin::SameOriginOnly`: in demo mode it holds a token).
pub fn page_response(state: &AppState, headers: &axum::http::HeaderMap) -> Response {
    let mut r = axum::response::Html(page("/graphql", state.graphiql_token.as_deref())).into_response();
    r.extensions_mut().insert(super::origin::SameOriginOnly);
    let host = super::origin::request_host(headers);
    let policy = HeaderValue::from_str(&csp(host.as_deref())).unwrap_or_else(|_| HeaderValue::from_static(CSP));
    let h = r.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, policy);
    // A page that may hold a token is not kept by caches.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `GET /graphiql/assets/{name}`: an embedded file, or 404 (also in production, where
/// GraphiQL is off).
pub async fn asset(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    let found = ASSETS.iter().find(|a| a.name == name);
    match found {
        Some(a) if !state.production => {
            let cache = if a.versioned { "public, max-age=31536000, immutable" } else { "no-cache" };
            (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static(a.content_type)),
                    (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
                    (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
                ],
                a.bytes,
            )
                .into_response()
        }
        _ => crate::http::error_response(StatusCode::NOT_FOUND, code::NOT_FOUND, "no such file"),
    }
}
