//! The graphql-transport-ws protocol on `/graphql`, written out so that its close codes
//! are the protocol's (4400 invalid message, 4401 unauthorised, 4403 forbidden, 4408 init
//! timeout, 4409 duplicate subscriber, 4429 repeated init) and the socket closes when the
//! token expires. async-graphql executes the operations.
//!
//! Shares (`HttpLimits::ws`, `shares`): a socket holds a place of its client address until
//! its `connection_init` names a principal, then one of that principal's (4429 "Too many
//! connections" when there is none left); `connection_init` must come within the init
//! timeout (4408); a message is bounded like an HTTP body (`MFO_MAX_BODY_BYTES`; 1009
//! beyond); operations running at once are bounded per socket and per principal (one more
//! is answered with an `error` message for its id, and the socket stays open); a socket
//! whose principal's minute is spent is read at most ten messages a second.

use std::collections::HashMap;
use std::time::Duration as StdDuration;

use async_graphql::Request as GqlRequest;
use axum::extract::WebSocketUpgrade;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use axum::response::Response;
use chrono::Duration;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::shared::{self, Delivery};
use crate::app::AppState;
use crate::auth::{LEEWAY_SECONDS, Principal};
use crate::error::code;
use crate::i18n::{self, Lang};

pub const PROTOCOL: &str = "graphql-transport-ws";

/// After an operation refused because the principal's minute is spent, the socket's next
/// message is read this much later: such a socket costs at most ten refusals a second.
const SPENT_BUDGET_PAUSE: StdDuration = StdDuration::from_millis(100);

/// `lang`: the upgrade request's `Accept-Language`; `connection_init`'s `language` (or
/// `acceptLanguage`) key, when it names one of ours, overrides it for the connection.
/// `addr`: the client's, whose share the socket holds until it is authenticated.
pub fn upgrade(
    state: AppState,
    upgrade: WebSocketUpgrade,
    lang: Option<Lang>,
    addr: Option<std::net::SocketAddr>,
) -> Response {
    let max = state.http.max_body_bytes;
    let address = format!("address:{}", addr.map(|a| a.ip().to_string()).unwrap_or_default());
    upgrade
        .protocols([PROTOCOL])
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| serve(state, socket, lang, address))
}

/// The language `connection_init`'s payload asks for: a `language` or `acceptLanguage`
/// key (any case) holding a tag or an `Accept-Language` list.
fn language_of(payload: &Option<Value>) -> Option<Lang> {
    let obj = payload.as_ref()?.as_object()?;
    obj.iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("language") || k.eq_ignore_ascii_case("acceptLanguage"))
        .filter_map(|(_, v)| v.as_str())
        .find_map(i18n::negotiate)
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<Value>,
    },
    Ping {
        #[serde(default)]
        payload: Option<Value>,
    },
    Pong {
        #[serde(default)]
        #[allow(dead_code)]
        payload: Option<Value>,
    },
    Subscribe {
        id: String,
        payload: Box<GqlRequest>,
    },
    Complete {
        id: String,
    },
}

/// What the session tasks send to the socket writer.
enum Out {
    Text(String),
    Close(u16, &'static str),
}

/// A `next` message, serialised as it is sent.
#[derive(serde::Serialize)]
struct Next<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a str,
    payload: &'a async_graphql::Response,
}

fn text(v: Value) -> Out {
    Out::Text(v.to_string())
}

/// The bearer token from `connection_init`'s payload: an `Authorization` key holding
/// `Bearer …` or a `token` key holding the bare token, each in any case and among any
/// other keys (`{"apiVersion": 2, "authorization": …}`). A malformed credential, or two
/// that disagree, finds none: the socket is refused rather than one of them picked.
fn token_of(payload: &Option<Value>) -> Option<String> {
    let obj = payload.as_ref()?.as_object()?;
    let mut found: Option<&str> = None;
    for (key, value) in obj {
        let candidate = if key.eq_ignore_ascii_case("authorization") {
            value.as_str().and_then(crate::auth::bearer_token)?
        } else if key.eq_ignore_ascii_case("token") {
            value.as_str().filter(|t| !t.is_empty())?
        } else {
            continue;
        };
        match found {
            Some(earlier) if earlier != candidate => return None,
            _ => found = Some(candidate),
        }
    }
    found.map(str::to_owned)
}

async fn serve(state: AppState, socket: WebSocket, mut lang: Option<Lang>, address: String) {
    let limits = state.http.ws.clone();
    // Until it is authenticated, the socket counts against its client address.
    let mut place = state.sockets.take(&address, limits.sockets_per_address);
    let address_key = address.replacen("address:", "anonymous:", 1);
    let (mut sink, mut stream) = socket.split();
    let (out_tx, mut out_rx) = mpsc::channel::<Out>(64);

    let writer = tokio::spawn(async move {
        while let Some(msg) = out_rx.recv().await {
            let (frame, last) = match msg {
                Out::Text(t) => (Message::Text(Utf8Bytes::from(t)), false),
                Out::Close(code, reason) => {
                    (Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from(reason) })), true)
                }
            };
            if sink.send(frame).await.is_err() || last {
                break;
            }
        }
        let _ = sink.close().await;
    });

    let mut principal: Option<Principal> = None;
    let mut init_seen = false;
    let mut subscriptions: HashMap<String, JoinHandle<()>> = HashMap::new();
    let init_deadline = tokio::time::sleep(limits.init_timeout);
    tokio::pin!(init_deadline);
    // Armed once the token is known: real time left until expiry plus the leeway.
    let expiry = tokio::time::sleep(StdDuration::MAX / 4);
    tokio::pin!(expiry);

    let lifecycle = state.lifecycle.clone();
    let draining = lifecycle.drained();
    tokio::pin!(draining);

    let close = loop {
        if place.is_none() {
            break Some((4429, "Too many connections"));
        }
        tokio::select! {
            // 1001, "going away": the client reconnects, to another instance.
            () = &mut draining => break Some((1001, "Server shutting down")),
            () = &mut init_deadline, if !init_seen => break Some((4408, "Connection initialisation timeout")),
            () = &mut expiry, if principal.is_some() => break Some((4401, "Token expired")),
            incoming = stream.next() => {
                let msg = match incoming {
                    None => break None,
                    Some(Ok(msg)) => msg,
                    // A message over the size bound ends the read like any broken frame;
                    // the client is told why if it still listens.
                    Some(Err(_)) => break Some((1009, "Message too big or unreadable")),
                };
                let raw = match msg {
                    Message::Text(t) => t.to_string(),
                    Message::Binary(_) => break Some((4400, "Binary messages are not part of the protocol")),
                    Message::Close(_) => break None,
                    Message::Ping(_) | Message::Pong(_) => continue,
                };
                let Ok(parsed) = serde_json::from_str::<ClientMessage>(&raw) else {
                    break Some((4400, "Invalid message"));
                };
                match parsed {
                    ClientMessage::ConnectionInit { payload } => {
                        if init_seen {
                            break Some((4429, "Too many initialisation requests"));
                        }
                        init_seen = true;
                        lang = language_of(&payload).or(lang);
                        let Some(token) = token_of(&payload) else { break Some((4403, "Forbidden")) };
                        match super::authenticate_token(&state, &token).await {
                            Ok(p) => {
                                // From now on the socket is the principal's to account for.
                                place = state.sockets.take(&p.key(), limits.sockets_per_principal);
                                if place.is_none() {
                                    continue;
                                }
                                let left = (p.expires_at + Duration::seconds(LEEWAY_SECONDS)) - state.ctx.clock.now();
                                let left = left.to_std().unwrap_or(StdDuration::ZERO);
                                expiry.as_mut().reset(tokio::time::Instant::now() + left);
                                principal = Some(p);
                                if out_tx.send(text(json!({ "type": "connection_ack" }))).await.is_err() {
                                    break None;
                                }
                            }
                            Err(_) => {
                                // A refused token spends its address's budget, as over HTTP.
                                let _ = state.rate.charge(&address_key, 1, state.ctx.clock.now());
                                break Some((4403, "Forbidden"));
                            }
                        }
                    }
                    ClientMessage::Ping { payload } => {
                        let mut pong = json!({ "type": "pong" });
                        if let Some(p) = payload {
                            pong["payload"] = p;
                        }
                        if out_tx.send(text(pong)).await.is_err() {
                            break None;
                        }
                    }
                    ClientMessage::Pong { .. } => {}
                    ClientMessage::Subscribe { id, payload } => {
                        let Some(p) = principal.clone() else { break Some((4401, "Unauthorized")) };
                        subscriptions.retain(|_, h| !h.is_finished());
                        if subscriptions.contains_key(&id) {
                            break Some((4409, "Subscriber for this id already exists"));
                        }
                        // Every operation sent over the socket spends the principal's budget,
                        // as over HTTP (a mutation's further writes are charged by the edge).
                        if state.rate.charge(&p.key(), 1, state.ctx.clock.now()).is_err() {
                            let refused = json!({ "type": "error", "id": id, "payload": [{
                                "message": "too many requests: slow down",
                                "extensions": { "code": code::RATE_LIMITED },
                            }] });
                            if out_tx.send(text(refused)).await.is_err() {
                                break None;
                            }
                            // Read no faster while the budget is spent: the flood backs up
                            // in the client's TCP window instead of the server's CPU.
                            tokio::time::sleep(SPENT_BUDGET_PAUSE).await;
                            continue;
                        }
                        let slot = if subscriptions.len() < limits.subscriptions_per_socket {
                            state.socket_operations.take(&p.key(), limits.subscriptions_per_principal)
                        } else {
                            None
                        };
                        let Some(slot) = slot else {
                            let refused = json!({ "type": "error", "id": id, "payload": [{
                                "message": "too many operations running at once on this connection or for this principal",
                                "extensions": { "code": code::RATE_LIMITED },
                            }] });
                            if out_tx.send(text(refused)).await.is_err() {
                                break None;
                            }
                            continue;
                        };
                        // Trusted documents, as over HTTP (`http::trusted`).
                        let payload = match state.trusted.expand(*payload) {
                            Ok(r) => state.trusted.admit(&r, Some(&p)).map(|()| r),
                            Err(refused) => Err(refused),
                        };
                        let payload = match payload {
                            Ok(r) => r,
                            Err(refused) => {
                                let refused = json!({ "type": "error", "id": id, "payload": refused.errors });
                                if out_tx.send(text(refused)).await.is_err() {
                                    break None;
                                }
                                continue;
                            }
                        };
                        let run = run_operation(state.clone(), p, id.clone(), payload, lang, out_tx.clone());
                        let handle = tokio::spawn(i18n::with_requested(lang, async move {
                            // The place is held for as long as the operation runs, and given
                            // back when it ends or is aborted.
                            let _slot = slot;
                            run.await;
                        }));
                        subscriptions.insert(id, handle);
                    }
                    ClientMessage::Complete { id } => {
                        if let Some(h) = subscriptions.remove(&id) {
                            h.abort();
                        }
                    }
                }
            }
        }
    };

    for (_, h) in subscriptions {
        h.abort();
    }
    if let Some((code, reason)) = close {
        let _ = out_tx.send(Out::Close(code, reason)).await;
    }
    drop(out_tx);
    let _ = writer.await;
}

/// Runs one operation and forwards its results as `next` messages, then `complete`. An
/// operation refused before it ran (validation) is one `error` message. An `escalations`
/// subscription shares its rendering with the socket's equals (`shared`).
async fn run_operation(
    state: AppState,
    principal: Principal,
    id: String,
    request: GqlRequest,
    lang: Option<Lang>,
    out: mpsc::Sender<Out>,
) {
    let expires_at = principal.expires_at + Duration::seconds(LEEWAY_SECONDS);
    let clock = state.ctx.clock.clone();
    let mut deliveries = shared::deliveries(state, principal, request, lang).await;
    let mut first = true;
    while let Some(delivery) = deliveries.next().await {
        // Checked against the injected clock before every delivery, so an expired token
        // never receives another event, whatever the real-time timer says.
        if clock.now() > expires_at {
            let _ = out.send(Out::Close(4401, "Token expired")).await;
            return;
        }
        let next = match delivery {
            Delivery::Response(resp) => {
                let resp = super::with_codes(*resp);
                if first && resp.data == async_graphql::Value::Null && resp.is_err() {
                    let errors = serde_json::to_value(&resp.errors).unwrap_or(Value::Null);
                    let _ = out.send(text(json!({ "type": "error", "id": id, "payload": errors }))).await;
                    return;
                }
                // Straight to text: an escalation goes to every subscriber, so a detour
                // through `serde_json::Value` was paid once per delivery (measured by the fan-out benchmark).
                match serde_json::to_string(&Next { kind: "next", id: &id, payload: &resp }) {
                    Ok(next) => next,
                    Err(_) => return,
                }
            }
            // Rendered once for the whole group; only the envelope is this socket's.
            Delivery::Rendered(payload) => match serde_json::to_string(&id) {
                Ok(id) => format!(r#"{{"type":"next","id":{id},"payload":{payload}}}"#),
                Err(_) => return,
            },
        };
        first = false;
        if out.send(Out::Text(next)).await.is_err() {
            return;
        }
    }
    let _ = out.send(text(json!({ "type": "complete", "id": id }))).await;
}
