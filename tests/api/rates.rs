//! What a principal spends per minute is counted in operations, whatever carries them: a
//! batch's operations and a mutation's aliased writes add up, operations over the
//! WebSocket spend the same budget as over HTTP, and a request with an invalid token, or
//! none, spends its address's.

use futures_util::{SinkExt, StreamExt};
use mfo_api::config::HttpLimits;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::auth::ws_connect;
use crate::helpers::{Options, TestApp};

const REGISTER: &str =
    "r{i}: registerComplaint(input: { kind: COMPLAINT, channel: CALL_CENTRE, language: RU }) { complaint { id } }";

fn at_rate(per_minute: u32) -> Options {
    Options { http: HttpLimits { rate_limit_per_minute: per_minute, ..HttpLimits::default() }, ..Options::default() }
}

fn aliased(n: usize) -> String {
    let fields: Vec<String> = (0..n).map(|i| REGISTER.replace("{i}", &i.to_string())).collect();
    format!("mutation {{ {} }}", fields.join(" "))
}

#[tokio::test]
async fn aliased_mutations_spend_one_unit_per_write() {
    let app = TestApp::spawn_with(at_rate(20)).await;
    let staff = app.staff();
    // 21 writes in one operation are over a budget of 20: refused whole, nothing stored.
    let (status, body) = app.post(Some(&staff), &aliased(21), json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{status} {body}");
    assert_eq!(app.count("complaint").await, 0);
    // 10 writes spend 10 (the refused 21 spent its first unit): 9 are left, then 429.
    let (_, body) = app.post(Some(&staff), &aliased(10), json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(app.count("complaint").await, 10);
    let (_, body) = app.post(Some(&staff), &aliased(9), json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    let (status, _) = app.post(Some(&staff), "{ me { role } }", json!({})).await;
    assert_eq!(status, 429, "the budget is spent");
}

#[tokio::test]
async fn every_operation_of_a_batch_spends_a_unit() {
    let app = TestApp::spawn_with(at_rate(12)).await;
    let staff = app.staff();
    let batch: Vec<Value> = (0..10).map(|_| json!({ "query": "{ me { role } }" })).collect();
    let ok = app.client.post(&app.url).bearer_auth(&staff).json(&batch).send().await.expect("send");
    assert_eq!(ok.status().as_u16(), 200);
    let over = app.client.post(&app.url).bearer_auth(&staff).json(&batch).send().await.expect("send");
    assert_eq!(over.status().as_u16(), 429, "10 + 10 operations over a budget of 12");
    let (status, _) = app.post(Some(&staff), "{ me { role } }", json!({})).await;
    assert_eq!(status, 200, "two units were left, and the refused batch spent none");
}

#[tokio::test]
async fn operations_over_the_websocket_spend_the_principals_budget() {
    let app = TestApp::spawn_with(at_rate(5)).await;
    let staff = app.staff();
    let mut socket = ws_connect(&app, &staff).await;
    let _ack = socket.next().await.expect("ack");
    for i in 0..6 {
        let msg = json!({ "id": format!("q{i}"), "type": "subscribe", "payload": { "query": "{ me { role } }" } });
        socket.send(Message::Text(msg.to_string().into())).await.expect("send");
    }
    let mut refused = Vec::new();
    let mut answered = 0;
    while answered + refused.len() < 6 {
        let Some(Ok(Message::Text(t))) = socket.next().await else { panic!("socket closed") };
        let v: Value = serde_json::from_str(&t).expect("json");
        match v["type"].as_str() {
            Some("next") => answered += 1,
            Some("error") => refused.push(v),
            _ => {}
        }
    }
    assert_eq!(answered, 5);
    assert_eq!(refused[0]["payload"][0]["extensions"]["code"], "RATE_LIMITED", "{refused:?}");
    let (status, _) = app.post(Some(&staff), "{ me { role } }", json!({})).await;
    assert_eq!(status, 429, "HTTP and the socket share one budget");
}

#[tokio::test]
async fn invalid_tokens_spend_their_address_budget() {
    let app = TestApp::spawn_with(at_rate(5)).await;
    for _ in 0..5 {
        let (status, _) = app.post(Some("not.a.token"), "{ me { role } }", json!({})).await;
        assert_eq!(status, 401);
    }
    let (status, body) = app.post(Some("not.a.token"), "{ me { role } }", json!({})).await;
    assert_eq!(status, 429, "{body}");
    let (status, _) = app.post(None, "{ __typename }", json!({})).await;
    assert_eq!(status, 429, "no token spends the same address budget");
    let (status, _) = app.post(Some(&app.staff()), "{ me { role } }", json!({})).await;
    assert_eq!(status, 200, "a valid token has its own budget");
}

#[tokio::test]
async fn a_spent_budget_is_refused_before_the_body_is_read() {
    let app = TestApp::spawn_with(at_rate(2)).await;
    let staff = app.staff();
    for _ in 0..2 {
        let (status, _) = app.post(Some(&staff), "{ me { role } }", json!({})).await;
        assert_eq!(status, 200);
    }
    // Not JSON at all: while the budget lasts it would be a 400; spent, it is never parsed.
    let r = app
        .client
        .post(&app.url)
        .bearer_auth(&staff)
        .header("content-type", "application/json")
        .body("{ not json")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 429);
    let wait: i64 = r.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    let fresh = app
        .client
        .post(&app.url)
        .bearer_auth(app.manager())
        .header("content-type", "application/json")
        .body("{ not json")
        .send()
        .await
        .expect("send");
    assert_eq!(fresh.status().as_u16(), 400, "another principal's budget is untouched: its body is read and refused");
}

#[tokio::test]
async fn one_principals_requests_run_a_few_at_a_time_and_the_rest_wait() {
    let http = HttpLimits { concurrent_per_principal: 1, ..HttpLimits::default() };
    let app = TestApp::spawn_with(Options { http, ..Options::default() }).await;
    let staff = app.staff();
    // Ten at once of one principal, one place: all answered (they waited, none refused).
    let answers =
        futures_util::future::join_all((0..10).map(|_| app.post(Some(&staff), "{ me { role } }", json!({})))).await;
    assert!(answers.iter().all(|(s, b)| *s == 200 && b["errors"].is_null()), "{answers:?}");
}

#[tokio::test]
async fn a_socket_past_its_budget_is_read_slowly() {
    let app = TestApp::spawn_with(at_rate(1)).await;
    let staff = app.staff();
    let mut socket = ws_connect(&app, &staff).await;
    let _ack = socket.next().await.expect("ack");
    let started = std::time::Instant::now();
    for i in 0..6 {
        let msg = json!({ "id": format!("q{i}"), "type": "subscribe", "payload": { "query": "{ me { role } }" } });
        socket.send(Message::Text(msg.to_string().into())).await.expect("send");
    }
    let mut refused = 0;
    while refused < 5 {
        let Some(Ok(Message::Text(t))) = socket.next().await else { panic!("socket closed") };
        let v: Value = serde_json::from_str(&t).expect("json");
        if v["type"] == "error" {
            assert_eq!(v["payload"][0]["extensions"]["code"], "RATE_LIMITED", "{v}");
            refused += 1;
        }
    }
    // One answered, five refused, each refusal followed by a pause before the next read.
    assert!(started.elapsed() >= std::time::Duration::from_millis(400), "{:?}", started.elapsed());
}
