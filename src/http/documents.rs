//! `GET /documents/{kind}/{id}.pdf`: a document the law prescribes (`documents`), for the
//! bearer of a token who may read its record, with the same authentication, rate limit
//! and scope as `/graphql`. `{id}` is the record's global ID (the decision's, the
//! complaint's or the information request's, by kind). A record outside the caller's scope
//! is a 404, exactly like a missing one.
//!
//! The response carries the document's SHA-256 (`Repr-Digest`, RFC 9530, and as the
//! `ETag`), so a reader can check the copy against the one recorded as issued: serving
//! it records it in the record's audit trail (`documents::serve`).

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::net::SocketAddr;

use super::{bearer_principal, error_response};
use crate::app::AppState;
use crate::documents::{self, DocumentKind};
use crate::error::ServiceError;
use crate::error::code;
use crate::graphql::documents::record_kind;
use crate::graphql::ids;

/// The route's path, for the router (`graphql::documents::path_of` writes its links).
pub const PATH: &str = "/documents/{kind}/{file}";

fn not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, code::NOT_FOUND, "no such document")
}

pub async fn get_document(
    State(state): State<AppState>,
    Path((kind, file)): Path<(String, String)>,
    req: Request,
) -> Response {
    let addr = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let principal = match bearer_principal(&state, req.headers(), addr).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(kind) = DocumentKind::from_slug(&kind) else { return not_found() };
    let Some(id) = file.strip_suffix(".pdf") else { return not_found() };
    let record = match ids::parse(id) {
        Some((k, uuid)) if k == record_kind(kind) => uuid,
        _ => return not_found(),
    };
    match documents::serve(&state.ctx, &principal, kind, record).await {
        Ok(doc) => {
            let digest = STANDARD.encode(hex::decode(&doc.sha256).unwrap_or_default());
            let disposition = format!("inline; filename=\"{}-{id}.pdf\"", kind.slug());
            let mut r = (StatusCode::OK, doc.bytes).into_response();
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
            for (name, value) in [
                (header::CONTENT_LANGUAGE, crate::i18n::Lang::of_record(doc.language).tag().to_owned()),
                (header::ETAG, format!("\"{}\"", doc.sha256)),
                (header::CONTENT_DISPOSITION, disposition),
                (header::HeaderName::from_static("repr-digest"), format!("sha-256=:{digest}:")),
            ] {
                if let Ok(v) = HeaderValue::from_str(&value) {
                    h.insert(name, v);
                }
            }
            r
        }
        Err(ServiceError::NotFound) => not_found(),
        Err(e) => super::service_error(&e),
    }
}
