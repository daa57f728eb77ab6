//! Trusted documents: the mobile app names the operations it shipped with by their SHA-256
//! (`extensions.persistedQuery.sha256Hash`), and a deployment can hold borrowers to them
//! (`MFO_BORROWER_TRUSTED_DOCUMENTS_ONLY`): a stolen borrower token then runs nothing else.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use mfo_api::http::trusted::{Policy, TrustedDocuments};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio_tungstenite::tungstenite::Message;

use crate::auth::ws_connect;
use crate::helpers::fixtures::borrower_with_loan;
use crate::helpers::{Options, TestApp};

const ME: &str = "query Me { me { role } }";
const POKE: &str = "mutation Poke { __typename }";

fn sha(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

async fn app(borrowers_only: bool) -> TestApp {
    // Apollo's manifest format, as an app's build writes it.
    let manifest = json!({ "format": "apollo-persisted-query-manifest", "version": 1, "operations": [
        { "id": sha(ME), "body": ME, "name": "Me", "type": "query" },
        { "id": sha(POKE), "body": POKE, "name": "Poke", "type": "mutation" },
    ] });
    let documents = TrustedDocuments::parse(&manifest.to_string()).expect("manifest");
    TestApp::spawn_with(Options {
        trusted: Policy { documents: Some(Arc::new(documents)), borrowers_only },
        ..Options::default()
    })
    .await
}

fn by_hash(hash: &str) -> Value {
    json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } })
}

async fn send(app: &TestApp, token: &str, body: &Value) -> (u16, Value) {
    let resp = app.client.post(&app.url).bearer_auth(token).json(body).send().await.expect("request");
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

fn code(body: &Value) -> &Value {
    &body["errors"][0]["extensions"]["code"]
}

#[tokio::test]
async fn a_borrower_held_to_trusted_documents_runs_only_those() {
    let app = app(true).await;
    let (borrower, _, _) = borrower_with_loan(&app, &app.orgs.kz_mfo, "TD", "2026-10-01").await;
    let me = app.borrower_token(&app.orgs.kz_mfo, borrower);

    // By hash, and by the text of a trusted document.
    let (status, body) = send(&app, &me, &by_hash(&sha(ME))).await;
    assert_eq!((status, &body["data"]["me"]["role"]), (200, &json!("BORROWER")), "{body}");
    let (_, body) = send(&app, &me, &json!({ "query": ME })).await;
    assert_eq!(body["data"]["me"]["role"], "BORROWER", "{body}");
    // Any other text is refused before it runs.
    let (_, body) = send(&app, &me, &json!({ "query": "{ loans { totalCount } }" })).await;
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_IN_LIST", "{body}");
    assert!(body.get("data").is_none_or(Value::is_null), "{body}");
    // An unknown hash: the convention's answer, which clients match on.
    let (_, body) = send(&app, &me, &by_hash(&sha("{ me { id } }"))).await;
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound", "{body}");
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND");
    // A text with a hash that is not its own.
    let mut lying = by_hash(&sha(ME));
    lying["query"] = json!("{ loans { totalCount } }");
    let (_, body) = send(&app, &me, &lying).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    // A batch answers each operation: the trusted one runs, the other is refused.
    let (_, body) =
        send(&app, &me, &json!([by_hash(&sha(ME)), { "query": "{ me { role organization { id } } }" }])).await;
    assert_eq!(body[0]["data"]["me"]["role"], "BORROWER", "{body}");
    assert_eq!(code(&body[1]), "PERSISTED_QUERY_NOT_IN_LIST", "{body}");

    // Over GET too, and a named mutation is still not run over GET.
    let get = |hash: String| {
        let ext = by_hash(&hash)["extensions"].to_string();
        app.client.get(&app.url).bearer_auth(&me).query(&[("extensions", ext)]).send()
    };
    let resp = get(sha(ME)).await.expect("GET");
    assert_eq!(resp.json::<Value>().await.expect("json")["data"]["me"]["role"], "BORROWER");
    assert_eq!(get(sha(POKE)).await.expect("GET").status().as_u16(), 405);

    // Over the WebSocket: the same refusal for the subscribe message.
    let mut socket = ws_connect(&app, &me).await;
    assert_eq!(next(&mut socket).await.expect("ack")["type"], "connection_ack");
    let sub = json!({ "type": "subscribe", "id": "1", "payload": { "query": "{ loans { totalCount } }" } });
    socket.send(Message::Text(sub.to_string().into())).await.expect("send");
    let m = next(&mut socket).await.expect("answer");
    assert_eq!(
        (&m["type"], &m["payload"][0]["extensions"]["code"]),
        (&json!("error"), &json!("PERSISTED_QUERY_NOT_IN_LIST")),
        "{m}"
    );
    let sub = json!({ "type": "subscribe", "id": "2", "payload": by_hash(&sha(ME)) });
    socket.send(Message::Text(sub.to_string().into())).await.expect("send");
    let m = next(&mut socket).await.expect("answer");
    assert_eq!(m["payload"]["data"]["me"]["role"], "BORROWER", "{m}");

    // Staff are not held: any text, and the hashes too.
    let staff = app.staff();
    let (_, body) = send(&app, &staff, &json!({ "query": "{ loans { totalCount } }" })).await;
    assert_eq!(body["data"]["loans"]["totalCount"], 1, "{body}");
    let (_, body) = send(&app, &staff, &by_hash(&sha(ME))).await;
    assert_eq!(body["data"]["me"]["role"], "MFO_STAFF", "{body}");
}

#[tokio::test]
async fn without_the_hold_borrowers_may_send_text_and_hashes_still_resolve() {
    let app = app(false).await;
    let (borrower, _, _) = borrower_with_loan(&app, &app.orgs.kz_mfo, "TF", "2026-10-01").await;
    let me = app.borrower_token(&app.orgs.kz_mfo, borrower);
    let (_, body) = send(&app, &me, &json!({ "query": "{ me { role } }" })).await;
    assert_eq!(body["data"]["me"]["role"], "BORROWER", "{body}");
    let (_, body) = send(&app, &me, &by_hash(&sha(ME))).await;
    assert_eq!(body["data"]["me"]["role"], "BORROWER", "{body}");
    let (_, body) = send(&app, &me, &by_hash(&sha("{ nothing }"))).await;
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND", "{body}");
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text message as JSON, within five seconds.
async fn next(s: &mut Socket) -> Result<Value, tokio::time::error::Elapsed> {
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match s.next().await {
                Some(Ok(Message::Text(t))) => return serde_json::from_str::<Value>(&t).expect("json"),
                Some(Ok(_)) => continue,
                other => panic!("socket ended: {other:?}"),
            }
        }
    })
    .await
}
