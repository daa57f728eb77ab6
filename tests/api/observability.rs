//! What an operator reads on `/metrics`: durations as
//! histograms labelled by GraphQL operation and type, escalations by rule, scanner lag.

use chrono::Duration;
use serde_json::json;

use crate::helpers::TestApp;
use crate::helpers::fixtures::{on, overdue_loan};

async fn metrics(app: &TestApp) -> String {
    let r = app.client.get(format!("http://{}/metrics", app.addr)).send().await.expect("metrics");
    r.text().await.expect("text")
}

fn has_line(text: &str, prefix: &str, contains: &[&str]) -> bool {
    text.lines().any(|l| l.starts_with(prefix) && contains.iter().all(|c| l.contains(c)))
}

#[tokio::test]
async fn durations_are_histograms_by_operation_name_and_type() {
    let app = TestApp::spawn().await;
    app.post(Some(&app.staff()), "query ObservedLoansPage { me { role } }", json!({})).await;
    app.post(Some(&app.staff()), "mutation ObservedNoop { registerComplaint(input: { kind: COMPLAINT, channel: CALL_CENTRE, language: RU }) { userErrors { code } } }", json!({})).await;
    let text = metrics(&app).await;
    assert!(
        has_line(
            &text,
            "graphql_operation_duration_seconds_bucket",
            &["operation=\"ObservedLoansPage\"", "type=\"query\"", "le=\""]
        ),
        "a histogram, not a summary: {text}"
    );
    assert!(has_line(
        &text,
        "graphql_operation_duration_seconds_bucket",
        &["operation=\"ObservedNoop\"", "type=\"mutation\""]
    ));
    assert!(has_line(&text, "http_request_duration_seconds_bucket", &["path=\"/graphql\"", "le=\""]));
}

#[tokio::test]
async fn escalations_by_rule_and_the_scanners_lag_are_exported() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-01");
    overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    on(&app, "2026-10-02");
    app.scanner("s").tick().await.expect("tick");
    on(&app, "2026-10-23");
    app.advance(Duration::hours(1));
    assert_eq!(app.scanner("s").tick().await.expect("tick").missed, 1);
    let text = metrics(&app).await;
    assert!(has_line(&text, "mfo_escalations_raised_total", &["kind=\"DEADLINE_MISSED\"", "rule=\"R1\""]), "{text}");
    assert!(has_line(&text, "mfo_scanner_lag_seconds", &[]), "{text}");
}

#[tokio::test]
async fn sql_statements_are_timed_and_the_pool_is_gauged() {
    let app = TestApp::spawn().await;
    app.post(Some(&app.staff()), "{ loans(first: 5) { edges { node { id } } } }", json!({})).await;
    let text = metrics(&app).await;
    assert!(has_line(&text, "mfo_db_statement_duration_seconds_bucket", &["outcome=\"ok\"", "le=\""]), "{text}");
    assert!(has_line(&text, "mfo_db_pool_connections", &["state=\"idle\""]), "{text}");
    assert!(has_line(&text, "mfo_db_pool_connections", &["state=\"in_use\""]), "{text}");
}

/// The value of the first sample of `name` whose labels contain all of `labels`.
fn sample(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .find(|l| labels.iter().all(|c| l.contains(c)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn sql_statements_and_db_time_per_operation_count_the_dataloaders_batches_too() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-01");
    overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    overdue_loan(&app, "B", "2026-10-02", json!({}), json!({})).await;
    let flat = "query ObservedSqlFlat { loans(first: 5) { edges { node { id } } } }";
    let nested = "query ObservedSqlNested { loans(first: 5) { edges { node { id installments { nodes { seq } } borrower { fullName } } } } }";
    let flat_seen = app.statements_for(&app.staff(), flat).await;
    let nested_seen = app.statements_for(&app.staff(), nested).await;
    let text = metrics(&app).await;
    let get = |metric: &str, name: &str| {
        let operation = format!("operation=\"{name}\"");
        sample(&text, metric, &[&operation, "type=\"query\""]).unwrap_or_else(|| panic!("{metric} for {name}: {text}"))
    };
    assert!(
        has_line(&text, "graphql_operation_sql_statements_bucket", &["operation=\"ObservedSqlNested\"", "le=\""]),
        "a histogram, not a summary: {text}"
    );
    assert_eq!(get("graphql_operation_sql_statements_count", "ObservedSqlNested"), 1.0);
    let flat_sql = get("graphql_operation_sql_statements_sum", "ObservedSqlFlat");
    let nested_sql = get("graphql_operation_sql_statements_sum", "ObservedSqlNested");
    // The nested fields are fetched by DataLoaders in tasks of their own: their batches
    // (installments, payments, borrowers) count for the operation that asked.
    assert!(nested_sql >= flat_sql + 2.0, "flat {flat_sql}, nested {nested_sql}");
    // Only the operation's own statements (not the token's lookup or another request's).
    assert!(flat_sql >= 1.0 && flat_sql <= flat_seen as f64, "flat {flat_sql} of {flat_seen}");
    assert!(nested_sql <= nested_seen as f64, "nested {nested_sql} of {nested_seen}");
    assert!(get("graphql_operation_db_duration_seconds_sum", "ObservedSqlNested") > 0.0);
    assert!(has_line(
        &text,
        "graphql_operation_db_duration_seconds_bucket",
        &["operation=\"ObservedSqlNested\"", "type=\"query\"", "le=\""]
    ));
}

#[tokio::test]
async fn the_outbox_backlog_is_what_subscribers_have_not_taken_yet() {
    let app = TestApp::spawn().await;
    // A subscriber that does not read: the committed events wait for it.
    let mut slow = app.ctx.broker.subscribe();
    let register = "mutation { registerComplaint(input: { kind: COMPLAINT, channel: CALL_CENTRE, language: RU }) { complaint { id } userErrors { code } } }";
    let r = app.gql(&app.staff(), register, json!({})).await;
    assert_eq!(r["registerComplaint"]["userErrors"], json!([]), "{r}");
    let backlog = sample(&metrics(&app).await, "mfo_outbox_backlog_events", &[]).expect("gauge");
    assert!(backlog >= 1.0, "{backlog}");
    while slow.try_recv().is_ok() {}
    // Taken by every subscriber (the others read promptly): nothing waits.
    let mut left = backlog;
    for _ in 0..50 {
        left = sample(&metrics(&app).await, "mfo_outbox_backlog_events", &[]).expect("gauge");
        if left == 0.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(left, 0.0);
}
