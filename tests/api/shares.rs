//! Per-principal shares on the WebSocket: sockets per principal and per address before a
//! token, operations per socket and per principal, the `connection_init` timeout, and
//! messages bounded like HTTP bodies. Each with its close code or error.

use std::time::{Duration, Instant};

use entity::enums::Role;
use futures_util::{SinkExt, StreamExt};
use mfo_api::config::{HttpLimits, WsLimits};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::auth::{close_code, ws_connect};
use crate::helpers::{Options, TestApp};

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn with_ws(ws: WsLimits, max_body_bytes: usize) -> Options {
    Options { http: HttpLimits { ws, max_body_bytes, ..HttpLimits::default() }, ..Options::default() }
}

/// A socket that has not sent `connection_init`.
async fn bare(app: &TestApp) -> Socket {
    let mut req = format!("ws://{}/graphql", app.addr).into_client_request().expect("request");
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
    tokio_tungstenite::connect_async(req).await.expect("connect").0
}

/// The next text message as JSON, within two seconds.
async fn next_json(socket: &mut Socket) -> Option<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(2), socket.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(&t).ok(),
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) | Err(_) => return None,
            Ok(Some(Ok(_))) => continue,
        }
    }
}

async fn acked(app: &TestApp, token: &str) -> Socket {
    let mut s = ws_connect(app, token).await;
    assert_eq!(next_json(&mut s).await.expect("ack")["type"], "connection_ack");
    s
}

async fn subscribe(socket: &mut Socket, id: &str) {
    let sub = json!({ "id": id, "type": "subscribe", "payload": { "query": "subscription { escalations { id } }" } });
    socket.send(Message::Text(sub.to_string().into())).await.expect("subscribe");
}

#[tokio::test]
async fn one_principal_holds_at_most_its_share_of_sockets_and_others_still_connect() {
    let ws = WsLimits { sockets_per_principal: 3, ..WsLimits::default() };
    let app = TestApp::spawn_with(with_ws(ws, 1_048_576)).await;
    let borrower = app.mint(Role::Regulator, app.orgs.kz_regulator.id, None, "greedy");
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(acked(&app, &borrower).await);
    }
    let mut fourth = ws_connect(&app, &borrower).await;
    assert_eq!(close_code(&mut fourth).await, Some(4429), "a fourth socket of one principal");
    // Another principal is not affected, and /healthz answers.
    let _other = acked(&app, &app.regulator(entity::enums::Jurisdiction::Kg)).await;
    let health = app.client.get(format!("http://{}/healthz", app.addr)).send().await.expect("healthz");
    assert_eq!(health.status().as_u16(), 200);
    // A closed socket gives its place back.
    let mut first = held.remove(0);
    first.close(None).await.expect("close");
    drop(first);
    let started = Instant::now();
    loop {
        let mut again = ws_connect(&app, &borrower).await;
        match next_json(&mut again).await {
            Some(v) if v["type"] == "connection_ack" => break,
            _ => assert!(started.elapsed() < Duration::from_secs(5), "the place was not given back"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn sockets_without_a_token_are_bounded_per_address_and_time_out_with_4408() {
    let ws = WsLimits { sockets_per_address: 2, init_timeout: Duration::from_secs(1), ..WsLimits::default() };
    let app = TestApp::spawn_with(with_ws(ws, 1_048_576)).await;
    let mut a = bare(&app).await;
    let mut b = bare(&app).await;
    let mut c = bare(&app).await;
    assert_eq!(close_code(&mut c).await, Some(4429), "a third unauthenticated socket from one address");
    let started = Instant::now();
    assert_eq!(close_code(&mut a).await, Some(4408));
    assert_eq!(close_code(&mut b).await, Some(4408));
    assert!(started.elapsed() < Duration::from_secs(3), "closed after {:?}", started.elapsed());
}

#[test]
fn the_connection_init_timeout_is_seconds_by_default() {
    assert!(WsLimits::default().init_timeout <= Duration::from_secs(5));
}

#[tokio::test]
async fn operations_are_bounded_per_socket_and_per_principal_with_an_error_not_a_close() {
    let ws = WsLimits { subscriptions_per_socket: 2, subscriptions_per_principal: 3, ..WsLimits::default() };
    let app = TestApp::spawn_with(with_ws(ws, 1_048_576)).await;
    let token = app.mint(Role::Regulator, app.orgs.kz_regulator.id, None, "many-subs");
    let mut s1 = acked(&app, &token).await;
    subscribe(&mut s1, "a").await;
    subscribe(&mut s1, "b").await;
    subscribe(&mut s1, "c").await;
    let refused = next_json(&mut s1).await.expect("an error for c");
    assert_eq!((refused["type"].as_str(), refused["id"].as_str()), (Some("error"), Some("c")), "{refused}");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "RATE_LIMITED");
    // The socket stays open.
    s1.send(Message::Text(json!({ "type": "ping" }).to_string().into())).await.expect("ping");
    assert_eq!(next_json(&mut s1).await.expect("pong")["type"], "pong");
    // The principal's third runs on another socket, its fourth is refused there too.
    let mut s2 = acked(&app, &token).await;
    subscribe(&mut s2, "d").await;
    subscribe(&mut s2, "e").await;
    let refused = next_json(&mut s2).await.expect("an error for e");
    assert_eq!((refused["type"].as_str(), refused["id"].as_str()), (Some("error"), Some("e")), "{refused}");
    // Completing one gives its place back.
    s1.send(Message::Text(json!({ "type": "complete", "id": "a" }).to_string().into())).await.expect("complete");
    tokio::time::sleep(Duration::from_millis(200)).await;
    subscribe(&mut s2, "f").await;
    s2.send(Message::Text(json!({ "type": "ping" }).to_string().into())).await.expect("ping");
    assert_eq!(next_json(&mut s2).await.expect("pong, no error for f")["type"], "pong");
}

#[tokio::test]
async fn a_message_larger_than_a_request_body_closes_the_socket_with_1009() {
    let app = TestApp::spawn_with(with_ws(WsLimits::default(), 16_384)).await;
    let token = app.mint(Role::Regulator, app.orgs.kz_regulator.id, None, "big");
    let mut s = acked(&app, &token).await;
    let query = format!("subscription {{ escalations {{ id }} }} # {}", "x".repeat(20_000));
    let sub = json!({ "id": "big", "type": "subscribe", "payload": { "query": query } });
    let _ = s.send(Message::Text(sub.to_string().into())).await;
    assert_eq!(close_code(&mut s).await, Some(1009));
}
