//! GraphQL over HTTP and its limits: GET is for queries, only JSON is executed, bodies,
//! batches, depth, complexity and aliases are bounded, and nothing of this ends in a 5xx.
//! A panic answers 500 with INTERNAL; a database error's text never reaches the client.

use std::time::Duration as StdDuration;

use axum::routing::get;
use mfo_api::config::HttpLimits;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::fixtures::borrower_with_loan;
use crate::helpers::{Options, TestApp};

async fn raw(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json::<Value>().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn queries_run_over_get_and_mutations_do_not() {
    let app = TestApp::spawn().await;
    let token = app.staff();
    let (status, body) = raw(app.client.get(&app.url).query(&[("query", "{ me { role } }")]).bearer_auth(&token)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["me"]["role"], "MFO_STAFF");

    let mutation =
        r#"mutation { upsertBorrower(input: {externalId: "X", fullName: "X", language: RU}) { userErrors { code } } }"#;
    let resp = app.client.get(&app.url).query(&[("query", mutation)]).bearer_auth(&token).send().await.expect("send");
    assert_eq!(resp.status().as_u16(), 405);
    assert_eq!(resp.headers().get("allow").map(|v| v.to_str().unwrap_or("")), Some("POST"));
    assert_eq!(app.count("borrower").await, 0, "nothing was written");
}

#[tokio::test]
async fn only_json_posts_are_executed() {
    let app = TestApp::spawn().await;
    let body = json!({ "query": "{ me { role } }" }).to_string();
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let req =
            app.client.post(&app.url).header("content-type", content_type).bearer_auth(app.staff()).body(body.clone());
        let (status, resp) = raw(req).await;
        assert_eq!(status, 415, "{content_type}: {resp}");
        assert_eq!(resp["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    }
    let req = app
        .client
        .post(&app.url)
        .header("content-type", "application/json; charset=utf-8")
        .bearer_auth(app.staff())
        .body(body);
    assert_eq!(raw(req).await.0, 200);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let app = TestApp::spawn().await;
    let padding = "#".repeat(1_100_000);
    let body = json!({ "query": format!("{{ me {{ role }} }}\n{padding}") }).to_string();
    let req = app.client.post(&app.url).header("content-type", "application/json").bearer_auth(app.staff()).body(body);
    let (status, resp) = raw(req).await;
    assert_eq!(status, 413, "{resp}");
}

#[tokio::test]
async fn depth_complexity_alias_and_batch_bombs_are_refused_without_a_5xx() {
    let app = TestApp::spawn().await;
    let token = app.staff();
    let deep = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }";
    let (status, body) = app.post(Some(&token), deep, json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "depth: {body}");
    assert!(body["data"].is_null());

    let fields = "id externalId contractNumber contractDate currency principal annualRate termMonths creditLimit status repaymentOrder mortgageSecured securedByDwelling businessPurpose contractAllowsAgency jurisdiction borrower { id fullName phone email address language }";
    let wide: String =
        (0..10).map(|i| format!("a{i}: loans(first: 100) {{ edges {{ node {{ {fields} }} }} }} ")).collect();
    let (status, body) = app.post(Some(&token), &format!("{{ {wide} }}"), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "complexity: {body}");
    assert!(body["errors"][0]["message"].as_str().unwrap_or("").to_lowercase().contains("complex"), "{body}");

    let aliases: String = (0..31).map(|i| format!("m{i}: me {{ role }} ")).collect();
    let (status, body) = app.post(Some(&token), &format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "aliases: {body}");

    let batch: Vec<Value> = (0..11).map(|_| json!({ "query": "{ me { role } }" })).collect();
    let req = app.client.post(&app.url).bearer_auth(&token).json(&batch);
    let (status, body) = raw(req).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    let batch: Vec<Value> = (0..3).map(|_| json!({ "query": "{ me { role } }" })).collect();
    let (status, body) = raw(app.client.post(&app.url).bearer_auth(&token).json(&batch)).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().map(Vec::len), Some(3), "a batch within the limit runs: {body}");
}

async fn boom() -> &'static str {
    panic!("boom")
}

#[tokio::test]
async fn a_panic_answers_500_internal_and_keeps_the_connection() {
    let extra = axum::Router::new().route("/boom", get(boom));
    let app = TestApp::spawn_with(Options { extra_routes: extra, ..Options::default() }).await;
    let url = format!("http://{}/boom", app.addr);
    let (status, body) = raw(app.client.get(&url)).await;
    assert_eq!(status, 500);
    assert_eq!(body["errors"][0]["extensions"]["code"], "INTERNAL");
    assert!(!body.to_string().contains("boom"), "the panic message is not sent");
    // The server still answers.
    assert_eq!(raw(app.client.get(format!("http://{}/healthz", app.addr))).await.0, 200);
}

#[tokio::test]
async fn database_error_texts_never_reach_the_client() {
    let app = TestApp::spawn().await;
    borrower_with_loan(&app, &app.orgs.kz_mfo, "A", "2026-09-01").await;
    app.ctx.db.execute_unprepared("DROP TABLE payment").await.expect("drop");
    let (status, body) =
        app.post(Some(&app.staff()), "{ loans { edges { node { payments { id } } } } }", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["extensions"]["code"], "INTERNAL", "{body}");
    assert_eq!(body["errors"][0]["message"], "internal error");
    let text = body.to_string().to_lowercase();
    assert!(!text.contains("payment\"") && !text.contains("no such table") && !text.contains("relation"), "{body}");
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = TestApp::spawn().await;
    let base = format!("http://{}", app.addr);
    assert_eq!(raw(app.client.get(format!("{base}/healthz"))).await.0, 200);
    let (status, body) = raw(app.client.get(format!("{base}/readyz"))).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ready")));
    app.post(Some(&app.staff()), "{ me { role } }", json!({})).await;
    let metrics = app.client.get(format!("{base}/metrics")).send().await.expect("metrics").text().await.expect("text");
    assert!(metrics.contains("http_requests_total"), "{metrics}");
}

#[tokio::test]
async fn requests_over_the_rate_are_refused_until_the_next_minute() {
    let http = HttpLimits { rate_limit_per_minute: 3, ..HttpLimits::default() };
    let app = TestApp::spawn_with(Options { http, ..Options::default() }).await;
    let token = app.staff();
    for _ in 0..3 {
        assert_eq!(app.post(Some(&token), "{ me { role } }", json!({})).await.0, 200);
    }
    let (status, body) = app.post(Some(&token), "{ me { role } }", json!({})).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    // Another principal has its own allowance.
    assert_eq!(app.post(Some(&app.manager()), "{ me { role } }", json!({})).await.0, 200);
    app.advance(chrono::Duration::seconds(60));
    assert_eq!(app.post(Some(&token), "{ me { role } }", json!({})).await.0, 200);
}

async fn never() -> &'static str {
    std::future::pending::<()>().await;
    "unreachable"
}

#[tokio::test]
async fn a_request_over_the_timeout_is_abandoned_with_504() {
    let http = HttpLimits { request_timeout: StdDuration::from_millis(200), ..HttpLimits::default() };
    let extra = axum::Router::new().route("/never", get(never));
    let app = TestApp::spawn_with(Options { http, extra_routes: extra, ..Options::default() }).await;
    let (status, body) = raw(app.client.get(format!("http://{}/never", app.addr))).await;
    assert_eq!(status, 504, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "TIMEOUT");
    // GraphQL requests run under the same limit and answer in time.
    assert_eq!(app.post(Some(&app.staff()), "{ loans { edges { node { id } } } }", json!({})).await.0, 200);
}

#[tokio::test]
async fn graphql_response_json_is_honoured() {
    let app = TestApp::spawn().await;
    let req = app
        .client
        .post(&app.url)
        .header("accept", "application/graphql-response+json")
        .bearer_auth(app.staff())
        .json(&json!({ "query": "{ nope }" }));
    let resp = req.send().await.expect("send");
    assert_eq!(resp.status().as_u16(), 400, "a request that never executed");
    assert_eq!(
        resp.headers().get("content-type").map(|v| v.to_str().unwrap_or("")),
        Some("application/graphql-response+json")
    );
}

#[tokio::test]
async fn graphiql_is_served_to_a_browser() {
    let app = TestApp::spawn().await;
    let resp = app.client.get(&app.url).header("accept", "text/html").send().await.expect("send");
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.text().await.expect("text").to_lowercase().contains("graphiql"));
}
