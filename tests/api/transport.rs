//! GraphQL over HTTP and its limits: GET is for queries, only JSON is executed, bodies,
//! batches, depth, complexity and aliases are bounded, and nothing of this ends in a 5xx.
//! A panic answers 500 with INTERNAL; a database error's text never reaches the client.

use std::time::Duration as StdDuration;

use axum::routing::get;
use mfo_api::config::HttpLimits;
use mfo_api::graphql::Limits;
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
    // Introspection subtrees do not count towards the depth limit (the standard
    // introspection query must pass), so the bomb here nests
    // past the nesting limit (32) instead of the depth limit (12). Depth on data fields is
    // checked in `depth_is_measured_on_data_fields_not_introspection`.
    let deep = format!(
        "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
        "ofType { ".repeat(30),
        "} ".repeat(30)
    );
    let (status, body) = app.post(Some(&token), &deep, json!({})).await;
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
        app.post(Some(&app.staff()), "{ loans { edges { node { payments { nodes { id } } } } } }", json!({})).await;
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

async fn graphiql_page(app: &TestApp) -> (reqwest::header::HeaderMap, String) {
    let resp = app.client.get(&app.url).header("accept", "text/html").send().await.expect("send");
    assert_eq!(resp.status().as_u16(), 200);
    let headers = resp.headers().clone();
    (headers, resp.text().await.expect("text"))
}

/// Every `src="…"` and `href="…"` value in an HTML page.
fn page_urls(html: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for (i, _) in html.match_indices(attr) {
            let rest = &html[i + attr.len()..];
            urls.push(rest[..rest.find('"').expect("closing quote")].to_owned());
        }
    }
    urls
}

#[tokio::test]
async fn graphiql_is_served_to_a_browser_from_the_binary_alone() {
    let app = TestApp::spawn().await;
    let (headers, html) = graphiql_page(&app).await;
    assert!(html.contains("graphiql-4.1.2.min.js"), "{html}");
    let urls = page_urls(&html);
    let scripts: Vec<_> = urls.iter().filter(|u| u.ends_with(".js")).collect();
    assert_eq!(scripts.len(), 4, "React, ReactDOM, GraphiQL and its start-up: {urls:?}");
    assert!(urls.iter().any(|u| u.ends_with(".css")), "{urls:?}");
    for u in &urls {
        assert!(!u.contains("//"), "an external or protocol-relative URL on the page: {u}");
    }
    assert!(!html.contains("http://") && !html.contains("https://"), "{html}");
    // The browser is told the same: nothing from elsewhere, and no inline script.
    let csp = headers.get("content-security-policy").and_then(|v| v.to_str().ok()).expect("a CSP");
    assert!(csp.contains("script-src 'self';") && csp.contains("default-src 'none'"), "{csp}");
    // Outside demo mode no token is on the page.
    assert!(!html.contains("Bearer"), "{html}");
    assert!(html.contains(r#""headers":null"#), "{html}");

    // Every asset the page names is served, whole, with its type and a long cache life
    // for the versioned ones.
    for u in urls.iter().filter(|u| u.starts_with("/graphiql/assets/")) {
        let resp = app.client.get(format!("http://{}{u}", app.addr)).send().await.expect("send");
        assert_eq!(resp.status().as_u16(), 200, "{u}");
        let h = resp.headers().clone();
        let ct = h.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let cache = h.get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let body = resp.bytes().await.expect("body");
        let file = u.trim_start_matches("/graphiql/assets/");
        let on_disk =
            std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/graphiql").join(file))
                .expect("the asset is committed");
        assert_eq!(body.as_ref(), on_disk.as_slice(), "{u}");
        if u.ends_with(".css") {
            assert!(ct.starts_with("text/css"), "{u}: {ct}");
        } else {
            assert!(ct.starts_with("text/javascript"), "{u}: {ct}");
        }
        if file == "mfo-graphiql.js" {
            assert_eq!(cache, "no-cache", "{u}");
        } else {
            assert_eq!(cache, "public, max-age=31536000, immutable", "{u}");
        }
    }
    let missing = app.client.get(format!("http://{}/graphiql/assets/nope.js", app.addr)).send().await.expect("send");
    assert_eq!(missing.status().as_u16(), 404);
}

#[tokio::test]
async fn graphiql_opens_with_the_demo_token_in_demo_mode_only() {
    let token = "eyJhbGciOiJIUzI1NiJ9.e30.demo-signature";
    let app = TestApp::spawn_with(Options { graphiql_token: Some(token.into()), ..Options::default() }).await;
    let (headers, html) = graphiql_page(&app).await;
    assert!(html.contains(&format!("Bearer {token}")), "{html}");
    assert_eq!(headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));

    let plain = TestApp::spawn().await;
    let (_, html) = graphiql_page(&plain).await;
    assert!(!html.contains("Bearer"), "{html}");
}

#[tokio::test]
async fn graphiql_and_its_assets_are_off_in_production() {
    let app = TestApp::spawn_with(Options { production: true, ..Options::default() }).await;
    let resp = app.client.get(&app.url).header("accept", "text/html").send().await.expect("send");
    assert_eq!(resp.status().as_u16(), 400);
    let asset = format!("http://{}/graphiql/assets/graphiql-4.1.2.min.js", app.addr);
    let resp = app.client.get(asset).send().await.expect("send");
    assert_eq!(resp.status().as_u16(), 404);
}

fn introspection_fixture(name: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name))
        .expect("fixture")
}

/// graphql-js 16's `getIntrospectionQuery()` (what GraphiQL, graphql-codegen and most
/// clients send), plain and with every option on.
const INTROSPECTION_FIXTURES: [&str; 2] = ["introspection_query.graphql", "introspection_query_all_options.graphql"];

#[tokio::test]
async fn the_standard_introspection_query_passes_at_the_default_limits() {
    let app = TestApp::spawn().await;
    for fixture in INTROSPECTION_FIXTURES {
        let query = introspection_fixture(fixture);
        for token in [Some(app.staff()), None] {
            let (status, body) = app.post(token.as_deref(), &query, json!({})).await;
            assert_eq!(status, 200, "{fixture}: {body}");
            assert!(body.get("errors").is_none(), "{fixture}: {body}");
            let types = body["data"]["__schema"]["types"].as_array().map(Vec::len).unwrap_or(0);
            assert!(types > 50, "{fixture}: {types} types");
            assert_eq!(body["data"]["__schema"]["queryType"]["name"], "QueryRoot");
        }
    }
}

#[tokio::test]
async fn production_mode_still_refuses_introspection() {
    let app = TestApp::spawn_with(Options { production: true, ..Options::default() }).await;
    for fixture in INTROSPECTION_FIXTURES {
        let (status, body) = app.post(Some(&app.staff()), &introspection_fixture(fixture), json!({})).await;
        // async-graphql answers a disabled `__schema` with null (and no error): nothing
        // of the schema is disclosed.
        assert_eq!(status, 200, "{body}");
        assert!(body["data"]["__schema"].is_null(), "{fixture}: {body}");
        assert!(!body.to_string().contains("RestructuringApplication"), "{fixture}: {body}");
    }
}

#[tokio::test]
async fn depth_is_measured_on_data_fields_not_introspection() {
    let limits = Limits { depth: 4, ..Limits::default() };
    let app = TestApp::spawn_with(Options { limits, ..Options::default() }).await;
    let token = app.staff();
    // loans > edges > node > borrower > id: depth 5, also when written through fragments.
    for query in [
        "{ loans { edges { node { borrower { id } } } } }",
        "{ loans { ...P } } fragment P on LoanConnection { edges { node { ...L } } } fragment L on Loan { borrower { id } }",
    ] {
        let (status, body) = app.post(Some(&token), query, json!({})).await;
        assert_eq!(status, 200);
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{query}: {body}");
        assert!(body["errors"][0]["message"].as_str().unwrap_or("").contains("deep"), "{body}");
    }
    app.gql(&token, "{ loans { edges { node { id } } } }", json!({})).await;
    // The introspection query, far deeper than 4, passes: its subtrees are not counted.
    let (status, body) = app.post(Some(&token), &introspection_fixture(INTROSPECTION_FIXTURES[0]), json!({})).await;
    assert_eq!(status, 200);
    assert!(body.get("errors").is_none(), "{body}");
}

async fn post_accepting(app: &TestApp, accept: &str, body: String) -> (u16, String, Value) {
    let resp = app
        .client
        .post(&app.url)
        .header("content-type", "application/json")
        .header("accept", accept)
        .body(body)
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    let content_type = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    (status, content_type, resp.json::<Value>().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn with_graphql_response_json_a_request_that_never_ran_is_400_without_data() {
    // GraphQL over HTTP, audits 556A/D586 (parse) and 74FF/5E5B (validation), 2163/17C5/34D6
    // (body); with application/json a well-formed request whose document fails stays 200
    // (572B, FDE2), and a body that is no GraphQL request at all is 400 (BCF8, 3E3A).
    let app = TestApp::spawn().await;
    let document_fails =
        [json!({ "query": "{" }).to_string(), json!({ "query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }" }).to_string()];
    let not_a_request = [
        json!({ "qeury": "{ __typename }" }).to_string(),
        json!({ "query": " " }).to_string(),
        "{ \"not a JSON".to_owned(),
    ];
    for body in document_fails.iter().chain(&not_a_request) {
        let (status, content_type, resp) = post_accepting(&app, GRAPHQL_RESPONSE, body.clone()).await;
        assert_eq!(status, 400, "{body}: {resp}");
        assert_eq!(content_type, GRAPHQL_RESPONSE, "{body}");
        assert!(resp.get("data").is_none(), "{body}: {resp}");
        assert_eq!(resp["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}: {resp}");
    }
    for body in &document_fails {
        let (status, _, resp) = post_accepting(&app, "application/json", body.clone()).await;
        assert_eq!(status, 200, "{body}: {resp}");
        assert!(resp.get("errors").is_some(), "{body}: {resp}");
    }
    for body in &not_a_request {
        let (status, _, resp) = post_accepting(&app, "application/json", body.clone()).await;
        assert_eq!(status, 400, "{body}: {resp}");
        assert!(resp.get("data").is_none(), "{body}: {resp}");
        assert_eq!(resp["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}: {resp}");
    }
    // An execution that nulls `data` did run: 200 with `data: null`.
    let (status, _, resp) =
        post_accepting(&app, GRAPHQL_RESPONSE, json!({ "query": "{ me { role } }" }).to_string()).await;
    assert_eq!(status, 200, "{resp}");
    assert!(resp.get("data").is_some_and(Value::is_null), "{resp}");
    assert_eq!(resp["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let (status, _, resp) =
        post_accepting(&app, GRAPHQL_RESPONSE, json!({ "query": "{ __typename }" }).to_string()).await;
    assert_eq!((status, resp["data"]["__typename"].clone()), (200, json!("QueryRoot")));
}

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
