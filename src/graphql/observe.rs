//! What operators see of each GraphQL operation in production:
//! histograms labelled by operation name and type of its duration, its SQL statements and
//! its database time (`db::SqlTally`), errors by code, and one `info` line per operation
//! (operation, type, principal key, outcome, duration, statements, database time; the
//! request id comes from the HTTP span it runs in). Observation only: it never changes a
//! response.
//!
//! Operation names are the client's words, so they could grow a metric without bound: a
//! name is used as a label only if it is a plain GraphQL name of at most 64 characters and
//! one of the first `MAX_NAMES` seen; anything else is counted as `other`. Only a document
//! the schema accepted (it parsed and validated, so it ran) from an authenticated caller
//! earns a name its place: otherwise anyone could spend the budget with made-up names
//! and leave the partners' real operations under `other`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use async_graphql::Response;
use async_graphql::parser::types::OperationType;

use crate::error::code;

const MAX_NAMES: usize = 200;

pub(super) fn type_label(t: OperationType) -> &'static str {
    match t {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    }
}

/// The label for a client's operation name (bounded, see the module doc); `may_claim`
/// says whether a name not seen yet may take a place.
fn name_label(name: Option<&str>, may_claim: bool) -> String {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let Some(name) = name else { return "anonymous".to_owned() };
    let plain = name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if !plain {
        return "other".to_owned();
    }
    let Ok(mut seen) = SEEN.get_or_init(|| Mutex::new(HashSet::new())).lock() else {
        return "other".to_owned();
    };
    if seen.contains(name) || (may_claim && seen.len() < MAX_NAMES) {
        seen.insert(name.to_owned());
        name.to_owned()
    } else {
        "other".to_owned()
    }
}

/// Runs an operation's `execution`, then records what operators see of it (the module
/// doc). `kind` is its type's label, `principal` the caller's key when authenticated.
pub(super) async fn observed(
    operation_name: Option<&str>,
    kind: &'static str,
    principal: Option<String>,
    execution: impl Future<Output = Response>,
) -> Response {
    // A monotonic timer for latency only; business time always comes from the Clock.
    let started = Instant::now();
    let sql = Arc::new(crate::db::SqlTally::default());
    let resp = crate::db::tallied(sql.clone(), execution).await;
    let took = started.elapsed();
    // A response without data whose errors all lack a path never ran: the document did
    // not parse or validate against the schema.
    let ran = resp.data != async_graphql::Value::Null || resp.errors.iter().any(|e| !e.path.is_empty());
    let operation = name_label(operation_name, ran && principal.is_some());
    let principal = principal.unwrap_or_else(|| "anonymous".to_owned());
    let codes: Vec<String> = resp
        .errors
        .iter()
        .map(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .map(|c| c.to_string().trim_matches('"').to_owned())
                .unwrap_or_else(|| code::BAD_USER_INPUT.to_owned())
        })
        .collect();
    let outcome = if codes.is_empty() { "ok".to_owned() } else { codes.join(",") };
    metrics::histogram!("graphql_operation_duration_seconds", "operation" => operation.clone(), "type" => kind)
        .record(took.as_secs_f64());
    // Statements and database time per operation: a list that turns N+1, or a slow
    // plan, shows here by operation before it shows in the latency.
    metrics::histogram!("graphql_operation_sql_statements", "operation" => operation.clone(), "type" => kind)
        .record(sql.statements() as f64);
    metrics::histogram!("graphql_operation_db_duration_seconds", "operation" => operation.clone(), "type" => kind)
        .record(sql.db_time().as_secs_f64());
    for code in &codes {
        metrics::counter!("graphql_errors_total", "operation" => operation.clone(), "code" => code.clone())
            .increment(1);
    }
    tracing::info!(
        operation = %operation,
        r#type = kind,
        principal = %principal,
        outcome = %outcome,
        duration_ms = took.as_secs_f64() * 1000.0,
        sql_statements = sql.statements(),
        db_ms = sql.db_time().as_secs_f64() * 1000.0,
        "graphql operation"
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_names_are_bounded_labels() {
        assert_eq!(name_label(None, true), "anonymous");
        assert_eq!(name_label(Some("LoansPage"), true), "LoansPage");
        assert_eq!(name_label(Some("x\" } evil"), true), "other");
        assert_eq!(name_label(Some(&"a".repeat(65)), true), "other");
        for i in 0..MAX_NAMES + 5 {
            name_label(Some(&format!("op_{i}")), true);
        }
        assert_eq!(name_label(Some("a_brand_new_name_after_the_cap"), true), "other");
        assert_eq!(name_label(Some("LoansPage"), true), "LoansPage", "a name seen before keeps its label");
    }

    #[test]
    fn a_name_that_may_not_claim_a_place_is_other_unless_already_known() {
        assert_eq!(name_label(Some("NeverClaimedBefore"), false), "other");
        assert_eq!(name_label(Some("ClaimedOnce"), true), "ClaimedOnce");
        assert_eq!(name_label(Some("ClaimedOnce"), false), "ClaimedOnce");
    }
}
