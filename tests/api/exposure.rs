//! What an answer lets others do with it: `nosniff` on every answer, GraphiQL's page
//! readable by its own origin only (no CORS, `Cross-Origin-Resource-Policy`, a CSP whose
//! sockets go to its own host), the `Host` check of `MFO_ALLOWED_HOSTS`, and `/metrics`
//! behind its token, with labels only for operations the schema accepted from a caller
//! it knows.

use mfo_api::config::{HttpLimits, MetricsToken};
use serde_json::json;

use crate::helpers::{Options, TestApp};

#[tokio::test]
async fn every_answer_says_nosniff() {
    let app = TestApp::spawn().await;
    let base = format!("http://{}", app.addr);
    let c = &app.client;
    let answers = [
        ("a query", c.post(&app.url).json(&json!({ "query": "{ me { role } }" }))),
        ("a parse error echoing the query", c.post(&app.url).json(&json!({ "query": "{ <script>alert(1)</script>" }))),
        ("a refused content type", c.post(&app.url).header("content-type", "text/plain").body("{}")),
        ("a body not JSON", c.post(&app.url).header("content-type", "application/json").body("<html>")),
        ("an unknown path", c.get(format!("{base}/nope"))),
        ("health", c.get(format!("{base}/healthz"))),
        ("readiness", c.get(format!("{base}/readyz"))),
        ("metrics", c.get(format!("{base}/metrics"))),
        ("GraphiQL", c.get(&app.url).header("accept", "text/html")),
        ("GET without a query", c.get(&app.url)),
    ];
    for (what, req) in answers {
        let resp = req.send().await.expect("send");
        let h = resp.headers().get("x-content-type-options").and_then(|v| v.to_str().ok());
        assert_eq!(h, Some("nosniff"), "{what}: {}", resp.status());
    }
}

#[tokio::test]
async fn graphiql_is_not_readable_by_another_origin_and_its_sockets_go_to_its_own_host() {
    let token = "eyJhbGciOiJIUzI1NiJ9.e30.demo-signature";
    let app = TestApp::spawn_with(Options { graphiql_token: Some(token.into()), ..Options::default() }).await;
    let resp = app
        .client
        .get(&app.url)
        .header("accept", "text/html")
        .header("origin", "http://evil.example")
        .send()
        .await
        .expect("send");
    let h = resp.headers().clone();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(h.get("access-control-allow-origin").is_none(), "no CORS on the page holding a token: {h:?}");
    assert_eq!(h.get("cross-origin-resource-policy").and_then(|v| v.to_str().ok()), Some("same-origin"));
    let csp = h.get("content-security-policy").and_then(|v| v.to_str().ok()).expect("a CSP").to_owned();
    let connect = csp.split(';').map(str::trim).find(|d| d.starts_with("connect-src")).expect("connect-src");
    let sources: Vec<&str> = connect.split_whitespace().skip(1).collect();
    let host = app.addr.to_string();
    assert_eq!(sources, vec!["'self'", &format!("ws://{host}"), &format!("wss://{host}")], "{csp}");
    // The API itself keeps its CORS: partners' browser apps call it from their origins.
    let api = app
        .client
        .post(&app.url)
        .header("origin", "http://partner.example")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .expect("send");
    assert_eq!(api.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()), Some("*"));
}

#[tokio::test]
async fn a_host_outside_the_allowed_list_is_refused_with_421_and_health_is_still_answered() {
    let allowed = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let http = HttpLimits { allowed_hosts: Some(allowed), ..HttpLimits::default() };
    let app = TestApp::spawn_with(Options { http, graphiql_token: Some("t.t.t".into()), ..Options::default() }).await;
    let base = format!("http://{}", app.addr);
    let ok = app.client.post(&app.url).json(&json!({ "query": "{ __typename }" })).send().await.expect("send");
    assert_eq!(ok.status().as_u16(), 200, "127.0.0.1 is allowed");
    for (what, req) in [
        ("GraphiQL", app.client.get(&app.url).header("accept", "text/html")),
        ("a query", app.client.post(&app.url).json(&json!({ "query": "{ __typename }" }))),
        ("the dashboard", app.client.get(format!("{base}/dashboard"))),
    ] {
        let resp = req.header("host", "rebound.evil.example").send().await.expect("send");
        assert_eq!(resp.status().as_u16(), 421, "{what}");
        let body: serde_json::Value = resp.json().await.expect("json");
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{what}: {body}");
        assert!(body["errors"][0]["message"].as_str().unwrap_or("").contains("host"), "{body}");
    }
    let health = app.client.get(format!("{base}/healthz")).header("host", "10.0.0.7:8080").send().await.expect("send");
    assert_eq!(health.status().as_u16(), 200, "a probe by address is answered");
}

#[tokio::test]
async fn metrics_behind_a_token_answer_only_with_it() {
    let http = HttpLimits { metrics_token: Some(MetricsToken("scrape-me-please".into())), ..HttpLimits::default() };
    let app = TestApp::spawn_with(Options { http, ..Options::default() }).await;
    let url = format!("http://{}/metrics", app.addr);
    assert_eq!(app.client.get(&url).send().await.expect("send").status().as_u16(), 401);
    let wrong = app.client.get(&url).bearer_auth("scrape-me-pleasf").send().await.expect("send");
    assert_eq!(wrong.status().as_u16(), 401);
    let right = app.client.get(&url).bearer_auth("scrape-me-please").send().await.expect("send");
    assert_eq!(right.status().as_u16(), 200);
    assert!(right.text().await.expect("text").contains("http_requests_total"));
}

#[tokio::test]
async fn made_up_operation_names_take_no_metric_label_from_real_ones() {
    let app = TestApp::spawn().await;
    // Anonymous callers and documents the schema refuses name operations freely; none of
    // them may take one of the label places.
    for i in 0..210 {
        app.post(None, &format!("query Junk{i} {{ __typename }}"), json!({})).await;
        app.post(Some(&app.staff()), &format!("query Bad{i} {{ noSuchField }}"), json!({})).await;
    }
    app.post(Some(&app.staff()), "query ExposureRealOperation { me { role } }", json!({})).await;
    let text = app.client.get(format!("http://{}/metrics", app.addr)).send().await.expect("send");
    let text = text.text().await.expect("text");
    assert!(text.contains("operation=\"ExposureRealOperation\""), "the real operation keeps its name");
    assert!(!text.contains("operation=\"Junk"), "an anonymous caller's name is no label");
    assert!(!text.contains("operation=\"Bad"), "a refused document's name is no label");
}

/// `serve --demo` through the real binary: the page with the manager's token is answered
/// only for the names of the address it listens on (a DNS-rebinding page names its own),
/// and `/metrics` can live on an address of its own.
#[tokio::test]
async fn the_demo_answers_only_its_own_host_names_and_metrics_can_have_their_own_address() {
    use crate::helpers::process;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = process::Db::new(dir.path(), "demo-hosts.db").await;
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let metrics_at = format!("127.0.0.1:{metrics_port}");
    let server = process::start(
        &db.url,
        &dir.path().join("server.log"),
        &[("MFO_DEMO", "true"), ("MFO_METRICS_LISTEN", &metrics_at)],
    )
    .await;
    let client = reqwest::Client::new();
    let page = |host: String| {
        client.get(format!("{}/graphql", server.url)).header("accept", "text/html").header("host", host).send()
    };
    let port = server.addr.port();
    for own in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        let resp = page(own.clone()).await.expect("send");
        assert_eq!(resp.status().as_u16(), 200, "{own}");
        assert!(resp.text().await.expect("text").contains("Bearer "), "the demo page holds its token");
    }
    for other in [format!("rebound.evil.example:{port}"), "127.0.0.1:1".to_owned(), format!("localhost.evil:{port}")] {
        let resp = page(other.clone()).await.expect("send");
        assert_eq!(resp.status().as_u16(), 421, "{other}");
        assert!(!resp.text().await.expect("text").contains("Bearer"), "{other}");
    }
    let on_api = client.get(format!("{}/metrics", server.url)).send().await.expect("send");
    assert_eq!(on_api.status().as_u16(), 404, "not on the API's address");
    let own = client.get(format!("http://{metrics_at}/metrics")).send().await.expect("send");
    assert_eq!(own.status().as_u16(), 200);
    assert!(own.text().await.expect("text").contains("http_requests_total"));
}
