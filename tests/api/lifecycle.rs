//! The real binary stopped as a platform stops it: SIGTERM (Kubernetes, systemd, Docker)
//! or SIGINT in the middle of a burst. Every request the server took up is answered, new
//! connections are refused, a WebSocket client gets 1001 ("going away"), and the process
//! exits cleanly within its grace period.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::process;

const QUERY: &str = "{ me { role } escalations(first: 50) { totalCount nodes { id rule } } }";

async fn stops_mid_burst_answering_every_request_it_took_up(signal: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = process::Db::new(dir.path(), "lifecycle.db").await;
    process::cli(&db.url, &["migrate"]);
    let org =
        process::cli(&db.url, &["org", "create", "--kind", "REGULATOR", "--name", "Stop", "--jurisdiction", "KZ"]);
    let token = process::cli(&db.url, &["token", "--role", "REGULATOR", "--org", &org, "--subject", "lifecycle"]);
    let mut server =
        process::start(&db.url, &dir.path().join("server.log"), &[("MFO_SHUTDOWN_GRACE_SECONDS", "10")]).await;

    // A subscriber, to see how a socket is told.
    let mut req = format!("ws://{}/graphql", server.addr).into_client_request().expect("request");
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(req).await.expect("connect");
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    socket.send(Message::Text(init.to_string().into())).await.expect("init");
    let _ack = socket.next().await.expect("ack").expect("ack");
    let sub = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { escalations { id } }" } });
    socket.send(Message::Text(sub.to_string().into())).await.expect("subscribe");

    let stop = Arc::new(AtomicBool::new(false));
    let (answered, refused, broken) =
        (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut workers = Vec::new();
    for _ in 0..8 {
        let (url, token, stop) = (server.url.clone(), token.clone(), stop.clone());
        let (answered, refused, broken) = (answered.clone(), refused.clone(), broken.clone());
        workers.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            while !stop.load(Ordering::Relaxed) {
                let sent = client
                    .post(format!("{url}/graphql"))
                    .bearer_auth(&token)
                    .json(&json!({ "query": QUERY }))
                    .timeout(Duration::from_secs(15))
                    .send()
                    .await;
                match sent {
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        match resp.json::<serde_json::Value>().await {
                            Ok(body) if status == 200 && body["data"]["me"]["role"] == "REGULATOR" => {
                                answered.fetch_add(1, Ordering::Relaxed);
                            }
                            // A status other than 200, or a body cut short: taken up, not answered.
                            _ => {
                                broken.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    // Never taken up: the connection was refused, or closed by the server
                    // before it read the request (hyper's graceful shutdown of an idle
                    // kept-alive connection), so the client may send it elsewhere.
                    Err(e) if e.is_connect() || (e.is_request() && !e.is_timeout()) => {
                        refused.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    Err(_) => {
                        broken.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = answered.load(Ordering::Relaxed);
    let pid = server.child.id().to_string();
    let sent_at = Instant::now();
    let kill = std::process::Command::new("kill").args([signal, &pid]).status().expect("kill");
    assert!(kill.success());

    // The socket is told to go away.
    let mut close = None;
    while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(10), socket.next()).await {
        if let Ok(Message::Close(frame)) = msg {
            close = frame.map(|f| u16::from(f.code));
            break;
        }
    }
    // The process exits within its grace.
    let status = loop {
        if let Some(s) = server.child.try_wait().expect("wait") {
            break s;
        }
        assert!(sent_at.elapsed() < Duration::from_secs(12), "still running 12 s after {signal}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let exited_after = sent_at.elapsed();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.await.expect("worker");
    }
    // After it stopped, nothing is accepted any more.
    let after = reqwest::Client::new().get(format!("{}/healthz", server.url)).send().await;
    let (answered, refused, broken) =
        (answered.load(Ordering::Relaxed), refused.load(Ordering::Relaxed), broken.load(Ordering::Relaxed));
    println!(
        "lifecycle: {signal} mid-burst answered {answered} ({before} before the signal) refused {refused} broken {broken} ws close {close:?} exit {status} after {} ms",
        exited_after.as_millis()
    );
    assert!(before > 0, "the burst was running");
    assert_eq!(broken, 0, "every request taken up is answered whole");
    assert_eq!(close, Some(1001), "the subscriber is told the server is going away");
    assert!(status.success(), "a clean exit: {status}");
    assert!(after.is_err_and(|e| e.is_connect()), "no connection is accepted after the stop");
}

#[tokio::test]
async fn sigterm_mid_burst_drains_answering_every_request_it_took_up() {
    stops_mid_burst_answering_every_request_it_took_up("-TERM").await;
}

#[tokio::test]
async fn sigint_mid_burst_drains_answering_every_request_it_took_up() {
    stops_mid_burst_answering_every_request_it_took_up("-INT").await;
}

/// What the scanner does once a drain starts: its leases go back at once, so another
/// instance takes the deadlines up now rather than when the lease runs out.
#[tokio::test]
async fn a_stopping_scanner_gives_back_its_leases_to_the_other_instances() {
    use crate::helpers::TestApp;
    use crate::helpers::fixtures::{on, overdue_loan};
    let app = TestApp::spawn().await;
    on(&app, "2026-10-01");
    overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    on(&app, "2026-10-02");
    app.scanner("a").tick().await.expect("tick");
    on(&app, "2026-10-23");
    app.advance(chrono::Duration::hours(1));
    let leaving = app.scanner("leaving");
    let claimed = leaving.claim(app.now()).await.expect("claim");
    assert!(!claimed.is_empty(), "a due deadline to lease");
    assert!(app.scanner("other").claim(app.now()).await.expect("claim").is_empty(), "leased to the first");
    // Stopped (its stop signal already given), it gives its leases back.
    leaving.run(Duration::from_secs(3600), std::future::ready(())).await;
    assert_eq!(app.scanner("other").claim(app.now()).await.expect("claim"), claimed, "free for another instance");
}

/// `/readyz` turns unready the moment a drain starts (before the listener closes), so a
/// load balancer polling it stops sending at once; `/healthz` stays alive.
#[tokio::test]
async fn readiness_turns_unready_the_moment_a_drain_starts() {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;
    let app = crate::helpers::TestApp::spawn().await;
    let cfg = mfo_api::app::AppConfig {
        jwt: mfo_api::auth::JwtSettings {
            keys: mfo_api::auth::Keys::Hs256(crate::helpers::SECRET.to_vec()),
            issuer: crate::helpers::ISSUER.into(),
            audience: crate::helpers::AUDIENCE.into(),
        },
        limits: mfo_api::graphql::Limits::default(),
        http: mfo_api::config::HttpLimits::default(),
        production: false,
        trusted: Default::default(),
        graphiql_token: None,
    };
    let (state, router) = mfo_api::app::build(app.ctx.clone(), cfg);
    let status = |path: &'static str| {
        let router = router.clone();
        async move {
            let req = Request::get(path).header("host", "localhost").body(Body::empty()).expect("request");
            router.oneshot(req).await.expect("answer").status().as_u16()
        }
    };
    assert_eq!(status("/readyz").await, 200);
    state.lifecycle.drain();
    assert_eq!(status("/readyz").await, 503);
    assert_eq!(status("/healthz").await, 200);
}
