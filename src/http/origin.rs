//! Who may read an answer, and for which host names the server answers at all: every
//! response says `X-Content-Type-Options: nosniff` (error bodies echo a client's query,
//! which must never be sniffed into a script or a page); a response marked `SameOriginOnly`
//! (the GraphiQL page, which may hold the demo token) loses every CORS header and gains
//! `Cross-Origin-Resource-Policy: same-origin`; and with `HttpLimits::allowed_hosts` set,
//! a request naming another `Host` is refused with 421 before any handler runs, so a DNS
//! rebinding page (another origin that resolves to this server) reads nothing.
//!
//! Nothing here knows GraphQL or a business rule.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::app::AppState;
use crate::error::code;

/// A response extension: the response must not be readable by another origin.
#[derive(Debug, Clone, Copy)]
pub struct SameOriginOnly;

/// The headers every answer carries, the same-origin rule, and the host check.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let health = matches!(req.uri().path(), "/healthz" | "/readyz");
    if !health
        && let Some(allowed) = &state.http.allowed_hosts
        && !host_allowed(allowed, request_host(req.headers()))
    {
        let mut r = super::error_response(
            StatusCode::MISDIRECTED_REQUEST,
            code::FORBIDDEN,
            "this server does not answer for the host this request names (MFO_ALLOWED_HOSTS)",
        );
        r.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        return r;
    }
    headers(req, next).await
}

/// The headers every answer carries and the same-origin rule, without the host check (for
/// `/metrics` on an address of its own, which names no API host).
pub async fn headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let same_origin = resp.extensions().get::<SameOriginOnly>().is_some();
    let h = resp.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if same_origin {
        for name in [
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            header::ACCESS_CONTROL_ALLOW_METHODS,
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            header::ACCESS_CONTROL_MAX_AGE,
        ] {
            h.remove(name);
        }
        h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    }
    resp
}

/// The request's `Host` (HTTP/1.1 always sends one), lowercased.
pub fn request_host(headers: &HeaderMap) -> Option<String> {
    headers.get(header::HOST).and_then(|v| v.to_str().ok()).map(|h| h.trim().to_ascii_lowercase())
}

/// Whether `host` (`name` or `name:port`) is one of `allowed`: an entry without a port
/// admits the name on any port, one with a port only that port.
pub fn host_allowed(allowed: &[String], host: Option<String>) -> bool {
    let Some(host) = host else { return false };
    let name = match host.rsplit_once(':') {
        // `[::1]:8080` splits at the port; a bare `[::1]` has no colon after its `]`.
        Some((name, port)) if !port.contains(']') && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host.as_str(),
    };
    allowed.iter().any(|a| {
        let a = a.trim().to_ascii_lowercase();
        a == host || a == name
    })
}

/// The hosts a server listening on `addr` is reached by from its own machine: under
/// `--demo` these are the only ones answered unless `MFO_ALLOWED_HOSTS` says otherwise.
pub fn loopback_hosts(addr: std::net::SocketAddr) -> Vec<String> {
    let port = addr.port();
    let mut hosts = vec![format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}")];
    let own = match addr.ip() {
        std::net::IpAddr::V4(ip) => format!("{ip}:{port}"),
        std::net::IpAddr::V6(ip) => format!("[{ip}]:{port}"),
    };
    if !hosts.contains(&own) && !addr.ip().is_unspecified() {
        hosts.push(own);
    }
    hosts
}

/// `host` if it is a plain authority (letters, digits, `.-:[]`), fit to be written into
/// a header such as a CSP source.
pub fn plain_authority(host: &str) -> Option<&str> {
    let ok = !host.is_empty()
        && host.len() <= 255
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    ok.then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_match_by_name_or_by_name_and_port() {
        let allowed = vec!["localhost:8080".to_owned(), "api.example.kz".to_owned(), "[::1]:8080".to_owned()];
        let ok = |h: &str| host_allowed(&allowed, Some(h.to_owned()));
        assert!(ok("localhost:8080"));
        assert!(!ok("localhost:8081"));
        assert!(!ok("localhost"));
        assert!(ok("api.example.kz"));
        assert!(ok("api.example.kz:443"));
        assert!(ok("[::1]:8080"));
        assert!(!ok("evil.example:8080"));
        assert!(!ok("localhost.evil.example:8080"));
        assert!(!host_allowed(&allowed, None));
    }

    #[test]
    fn only_plain_authorities_are_written_into_headers() {
        assert_eq!(plain_authority("localhost:8080"), Some("localhost:8080"));
        assert_eq!(plain_authority("[::1]:8080"), Some("[::1]:8080"));
        assert_eq!(plain_authority("a; script-src *"), None);
        assert_eq!(plain_authority(""), None);
    }
}
