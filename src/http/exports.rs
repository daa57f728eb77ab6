//! The exports, with the bearer token, rate limit and scope of `/graphql`:
//!
//! - `GET /exports/escalations.{csv,xlsx}`: the escalations the caller may list, filtered
//!   by the query string exactly as `escalations(filter:)` is (`kind`, `rule`,
//!   `organizationId`, `subjectId`, `responsibleOrganizationId`, `severity`,
//!   `acknowledged`, `from`, `to`, `updatedAfter`); messages in the `Accept-Language`
//!   language.
//! - `GET /exports/statistics/{table}.{csv,xlsx}`: one table of `regulatorStatistics`
//!   (`total`, `by-mfo`, `by-agency`, `complaints-by-week`, `breakdowns`), for the query
//!   string's `jurisdiction`, `from`, `to` and optional `mfoId` and
//!   `responsibleOrganizationId`, the query's own arguments under the same names.
//!
//! Refusals come before the body starts, as the API's codes with their HTTP statuses
//! (401, 403, 404, 400 for a bad parameter). The body is streamed (`exports`): its size
//! does not bound the server's memory.

use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{EscalationKind, EscalationSeverity, Jurisdiction};
use serde::Deserialize;
use std::net::SocketAddr;
use tokio::io::AsyncReadExt;

use super::{bearer_principal, error_response, requested_language, service_error};
use crate::app::AppState;
use crate::error::ServiceError;
use crate::error::ServiceResult;
use crate::error::code;
use crate::exports::statistics::Table;
use crate::exports::{self, Format};
use crate::graphql::escalations::EscalationFilter as FilterInput;
use crate::i18n;
use crate::ids::{Kind, parse_global};
use crate::services::statistics;

pub const ESCALATIONS: &str = "/exports/{file}";
pub const STATISTICS: &str = "/exports/statistics/{file}";

/// The query string: `EscalationFilter`'s fields under the same names.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EscalationParams {
    kind: Option<EscalationKind>,
    rule: Option<String>,
    organization_id: Option<String>,
    subject_id: Option<String>,
    responsible_organization_id: Option<String>,
    severity: Option<EscalationSeverity>,
    acknowledged: Option<bool>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    updated_after: Option<DateTime<Utc>>,
}

impl EscalationParams {
    fn input(self) -> FilterInput {
        FilterInput {
            kind: self.kind,
            rule: self.rule,
            organization_id: self.organization_id.map(Into::into),
            subject_id: self.subject_id.map(Into::into),
            responsible_organization_id: self.responsible_organization_id.map(Into::into),
            severity: self.severity,
            acknowledged: self.acknowledged,
            from: self.from,
            to: self.to,
            updated_after: self.updated_after,
        }
    }
}

/// The query string of a statistics table: `regulatorStatistics`' arguments.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatisticsParams {
    jurisdiction: Jurisdiction,
    from: NaiveDate,
    to: NaiveDate,
    mfo_id: Option<String>,
    responsible_organization_id: Option<String>,
}

impl StatisticsParams {
    /// The request, or None for an id that names no organisation (NOT_FOUND, as the query
    /// answers it).
    fn request(self) -> Option<statistics::Request> {
        let org = |id: Option<String>| match id {
            None => Some(None),
            Some(id) => match parse_global(&id) {
                Some((Kind::Organization, uuid)) => Some(Some(uuid)),
                _ => None,
            },
        };
        Some(statistics::Request {
            jurisdiction: self.jurisdiction,
            from: self.from,
            to: self.to,
            mfo_id: org(self.mfo_id)?,
            responsible_org_id: org(self.responsible_organization_id)?,
        })
    }
}

fn bad_parameters(e: &QueryRejection) -> Response {
    error_response(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, &e.body_text())
}

pub async fn escalations(
    State(state): State<AppState>,
    Path(file): Path<String>,
    params: Result<Query<EscalationParams>, QueryRejection>,
    req: Request,
) -> Response {
    let addr = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let principal = match bearer_principal(&state, req.headers(), addr).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let format = match file.strip_prefix("escalations.").and_then(Format::from_extension) {
        Some(f) => f,
        None => return no_such_export(),
    };
    let Query(params) = match params {
        Ok(p) => p,
        Err(e) => return bad_parameters(&e),
    };
    let filter = match params.input().to_service() {
        Ok(f) => f,
        Err(_) => return error_response(StatusCode::NOT_FOUND, code::NOT_FOUND, "not found"),
    };
    let lang = requested_language(req.headers()).unwrap_or(i18n::DEFAULT);
    let ctx = state.ctx.clone();
    if let Err(e) = exports::escalations::check(&ctx, &principal, &filter).await {
        return service_error(&e);
    }
    let body = match format {
        Format::Csv => Body::from_stream(exports::escalations::csv(ctx, principal, filter, lang)),
        Format::Xlsx => xlsx_body(move |path| exports::escalations::xlsx(ctx, principal, filter, lang, path)),
    };
    attachment(format, body, &format!("escalations.{}", format.extension()))
}

pub async fn statistics(
    State(state): State<AppState>,
    Path(file): Path<String>,
    params: Result<Query<StatisticsParams>, QueryRejection>,
    req: Request,
) -> Response {
    let addr = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let principal = match bearer_principal(&state, req.headers(), addr).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some((table, format)) =
        file.rsplit_once('.').and_then(|(t, ext)| Some((Table::from_slug(t)?, Format::from_extension(ext)?)))
    else {
        return no_such_export();
    };
    let Query(params) = match params {
        Ok(p) => p,
        Err(e) => return bad_parameters(&e),
    };
    let Some(request) = params.request() else {
        return error_response(StatusCode::NOT_FOUND, code::NOT_FOUND, "not found");
    };
    let ctx = state.ctx.clone();
    // The figures are counted (and the caller's right to them checked) before the response
    // starts, so that a refusal is a status code; the rows are then streamed from them.
    let stats = match statistics::regulator_statistics(&ctx, &principal, request).await {
        Ok(s) => s,
        Err(e) => return service_error(&e),
    };
    let name = format!("statistics-{}-{}-{}.{}", table.slug(), stats.from, stats.to, format.extension());
    let body = match format {
        Format::Csv => Body::from_stream(exports::statistics::csv(ctx, stats, table)),
        Format::Xlsx => xlsx_body(move |path| exports::statistics::xlsx(ctx, stats, table, path)),
    };
    attachment(format, body, &name)
}

fn no_such_export() -> Response {
    error_response(StatusCode::NOT_FOUND, code::NOT_FOUND, "no such export")
}

/// A 200 with the export's body, to be saved as `name`.
fn attachment(format: Format, body: Body, name: &str) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// The body of an XLSX export that `write` writes to a temporary file. The workbook is
/// complete only when its last row is written, which for a large export takes longer than
/// the request timeout: the response starts at once and its body waits for the file, then
/// streams it. Dropping the body (the client left) stops the writing.
fn xlsx_body<F, Fut>(write: F) -> Body
where
    F: FnOnce(std::path::PathBuf) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ServiceResult<()>> + Send + 'static,
{
    let path = std::env::temp_dir().join(format!("mfo-export-{:016x}.xlsx", rand::random::<u64>()));
    let task = tokio::spawn(async move {
        let written = write(path.clone()).await;
        let opened = match written {
            Ok(()) => tokio::fs::File::open(&path).await.map_err(|e| ServiceError::Internal(e.into())),
            Err(e) => Err(e),
        };
        // Open or not, the file goes: an open handle keeps reading it after the unlink.
        let _ = tokio::fs::remove_file(&path).await;
        opened
    });
    let writing = AbortOnDrop(task.abort_handle());
    let file = futures_util::stream::once(async move {
        let _writing = writing;
        match task.await {
            Ok(Ok(file)) => Some(file),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "export failed");
                None
            }
            Err(e) => {
                tracing::error!(error = %e, "export stopped");
                None
            }
        }
    });
    Body::from_stream(futures_util::StreamExt::flat_map(file, |file| match file {
        Some(f) => futures_util::future::Either::Left(chunks(f)),
        None => futures_util::future::Either::Right(futures_util::stream::once(async {
            Err(std::io::Error::other("export failed"))
        })),
    }))
}

/// Aborts the task writing an export when the response's body is dropped.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A file read in 64 KiB chunks.
fn chunks(file: tokio::fs::File) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}
