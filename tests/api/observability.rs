//! What an operator reads on `/metrics` (issue 12, "Seeing it in production"): durations as
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
