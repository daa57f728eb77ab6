//! The subscriber client: one graphql-transport-ws socket per subscriber, subscribed to
//! `escalations` with the regulator dashboard's selection, recording every delivery as it
//! arrives and counting progress for the driver.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::raise::{MEASURED_RULE, WARMUP_RULE};
use crate::scope::Kind;

/// The regulator dashboard's subscription (`assets/dashboard/app.js`, `S_LIVE`), so each
/// delivery costs what a real one does (message rendering, two organisation loads).
pub(crate) const SUBSCRIPTION: &str = "subscription($after: String, $filter: EscalationFilter) {
  escalations(after: $after, filter: $filter) {
    id cursor raisedAt kind rule jurisdiction subjectType subjectId message severity
    acknowledgedAt acknowledgedBy acknowledgementNote
    organization { id name kind } responsibleOrganization { id name kind } } }";

/// One `next` message as a socket received it.
#[derive(Debug)]
pub(crate) struct Delivery {
    pub(crate) received: DateTime<Utc>,
    pub(crate) id: String,
    pub(crate) subject: String,
    pub(crate) rule: String,
    pub(crate) raised_at: DateTime<Utc>,
}

#[derive(Deserialize)]
pub(crate) struct WsMessage {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    payload: Option<WsPayload>,
}

#[derive(Deserialize)]
pub(crate) struct WsPayload {
    #[serde(default)]
    data: Option<WsData>,
    #[serde(default)]
    errors: Option<Value>,
}

#[derive(Deserialize)]
pub(crate) struct WsData {
    escalations: WsEscalation,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WsEscalation {
    id: String,
    raised_at: DateTime<Utc>,
    rule: String,
    subject_id: String,
}

/// Counters the sockets bump as deliveries arrive, so the driver knows when to go on.
#[derive(Default)]
pub(crate) struct Progress {
    /// Subscribers that have received at least one warm-up escalation (so are live).
    pub(crate) warmed: AtomicUsize,
    /// Measured deliveries received, over all subscribers.
    pub(crate) measured: AtomicUsize,
    /// Subscriptions the server ended (`error`, `complete`, a close).
    pub(crate) ended: AtomicUsize,
}

/// What a subscriber's socket task hands back at the end.
pub(crate) struct Outcome {
    pub(crate) deliveries: Vec<Delivery>,
    pub(crate) problem: Option<String>,
}

pub(crate) struct Subscriber {
    pub(crate) kind: Kind,
    pub(crate) instance: usize,
    pub(crate) task: tokio::task::JoinHandle<Outcome>,
}

pub(crate) type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a socket, authenticates, subscribes, and leaves a task reading deliveries until
/// `stop` turns true.
pub(crate) async fn subscribe(
    url: &str,
    token: &str,
    variables: Value,
    progress: Arc<Progress>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<Outcome>> {
    let ws = format!("{}/graphql", url.replacen("http", "ws", 1));
    let mut req = ws.as_str().into_client_request().with_context(|| format!("a WebSocket request to {ws}"))?;
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(req).await.with_context(|| format!("connect to {ws}"))?;
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    socket.send(Message::Text(init.to_string().into())).await.context("send connection_init")?;
    match socket.next().await {
        Some(Ok(Message::Text(t))) if t.contains("connection_ack") => {}
        other => bail!("{ws}: expected connection_ack, got {other:?}"),
    }
    let sub = json!({ "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIPTION, "variables": variables } });
    socket.send(Message::Text(sub.to_string().into())).await.context("send subscribe")?;
    Ok(tokio::spawn(async move { read(socket, progress, &mut stop).await }))
}

pub(crate) async fn read(mut socket: Socket, progress: Arc<Progress>, stop: &mut watch::Receiver<bool>) -> Outcome {
    let mut out = Outcome { deliveries: Vec::new(), problem: None };
    let mut warmed = false;
    loop {
        let msg = tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            msg = socket.next() => msg,
        };
        // Taken before anything else: parsing is the client's time, not the server's.
        let received = Utc::now();
        let text = match msg {
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(Message::Close(frame))) => {
                out.problem = Some(format!("closed by the server: {frame:?}"));
                break;
            }
            Some(Ok(_)) => continue,
            Some(Err(e)) => {
                out.problem = Some(format!("socket error: {e}"));
                break;
            }
            None => {
                out.problem = Some("socket ended".into());
                break;
            }
        };
        let parsed: WsMessage = match serde_json::from_str(text.as_str()) {
            Ok(m) => m,
            Err(e) => {
                out.problem = Some(format!("unreadable message ({e}): {text}"));
                break;
            }
        };
        match (parsed.kind.as_str(), parsed.payload) {
            ("next", Some(WsPayload { data: Some(d), .. })) => {
                let e = d.escalations;
                if e.rule == MEASURED_RULE {
                    progress.measured.fetch_add(1, Ordering::Relaxed);
                } else if e.rule == WARMUP_RULE && !warmed {
                    warmed = true;
                    progress.warmed.fetch_add(1, Ordering::Relaxed);
                }
                out.deliveries.push(Delivery {
                    received,
                    id: e.id,
                    subject: e.subject_id,
                    rule: e.rule,
                    raised_at: e.raised_at,
                });
            }
            ("pong", _) | ("ping", _) => {}
            (kind, payload) => {
                out.problem = Some(format!(
                    "the subscription ended: {kind} {}",
                    payload.and_then(|p| p.errors).unwrap_or(Value::Null)
                ));
                break;
            }
        }
    }
    if out.problem.is_some() {
        progress.ended.fetch_add(1, Ordering::Relaxed);
    }
    let _ = socket.close(None).await;
    out
}
