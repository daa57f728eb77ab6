//! Bearer-token checks (DESIGN.md, Auth): every way a token can be wrong is refused with
//! UNAUTHENTICATED, on HTTP and on the WebSocket's connection_init.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use entity::enums::Role;
use futures_util::{SinkExt, StreamExt};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mfo_api::auth::Keys;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::{AUDIENCE, ISSUER, Options, SECRET, TestApp};

const ME: &str = "{ me { role subject organization { name } } }";

fn claims(app: &TestApp, role: &str, org: uuid::Uuid) -> Value {
    let now = app.now().timestamp();
    json!({ "sub": "someone", "iss": ISSUER, "aud": AUDIENCE, "exp": now + 600, "nbf": now - 10, "role": role, "org": org.to_string() })
}

fn sign(alg: Algorithm, key: &EncodingKey, claims: &Value) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, key).expect("sign")
}

fn hs256(claims: &Value) -> String {
    sign(Algorithm::HS256, &EncodingKey::from_secret(SECRET), claims)
}

async fn assert_refused(app: &TestApp, token: &str, case: &str) {
    let (status, body) = app.post(Some(token), ME, json!({})).await;
    assert_eq!(status, 401, "{case}: {body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{case}: {body}");
    assert!(body.get("data").is_none() || body["data"].is_null(), "{case}: {body}");
}

#[tokio::test]
async fn a_valid_hs256_token_is_accepted() {
    let app = TestApp::spawn().await;
    let token = hs256(&claims(&app, "MFO_STAFF", app.orgs.kz_mfo.id));
    let data = app.gql(&token, ME, json!({})).await;
    assert_eq!(data["me"]["role"], "MFO_STAFF");
    assert_eq!(data["me"]["subject"], "someone");
    assert_eq!(data["me"]["organization"]["name"], "KZ MFO");
}

#[tokio::test]
async fn hs256_token_matrix_refuses_every_bad_token() {
    let app = TestApp::spawn().await;
    let org = app.orgs.kz_mfo.id;
    let base = claims(&app, "MFO_STAFF", org);
    let now = app.now().timestamp();
    let with = |key: &str, value: Value| {
        let mut c = base.clone();
        c[key] = value;
        c
    };
    let without = |key: &str| {
        let mut c = base.clone();
        c.as_object_mut().expect("object").remove(key);
        c
    };

    // alg: none, unsigned.
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(base.to_string())
    );
    assert_refused(&app, &none, "alg none").await;
    // HS384 with the right secret while HS256 is pinned.
    assert_refused(&app, &sign(Algorithm::HS384, &EncodingKey::from_secret(SECRET), &base), "HS384").await;
    // Bad signature: signed with another secret.
    let other = EncodingKey::from_secret(b"another-secret-that-is-32-bytes-long-too");
    assert_refused(&app, &sign(Algorithm::HS256, &other, &base), "bad signature").await;
    // A signature byte flipped.
    let good = hs256(&base);
    let mut tampered = good.clone();
    let last = tampered.pop().expect("char");
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    assert_refused(&app, &tampered, "tampered signature").await;
    // Expired one second past the 5 s leeway.
    assert_refused(&app, &hs256(&with("exp", json!(now - 6))), "expired past leeway").await;
    // Not valid before a future instant.
    assert_refused(&app, &hs256(&with("nbf", json!(now + 60))), "nbf in the future").await;
    assert_refused(&app, &hs256(&without("aud")), "missing aud").await;
    assert_refused(&app, &hs256(&with("aud", json!("someone-else"))), "wrong aud").await;
    assert_refused(&app, &hs256(&without("iss")), "missing iss").await;
    assert_refused(&app, &hs256(&with("iss", json!("evil"))), "wrong iss").await;
    assert_refused(&app, &hs256(&without("sub")), "missing sub").await;
    assert_refused(&app, &hs256(&without("exp")), "missing exp").await;
    assert_refused(&app, &hs256(&with("role", json!("ADMIN"))), "unknown role").await;
    // An agency token without org, and one whose org is an MFO.
    let mut agency = claims(&app, "COLLECTION_AGENCY", app.orgs.agency.id);
    agency.as_object_mut().expect("object").remove("org");
    assert_refused(&app, &hs256(&agency), "agency without org").await;
    assert_refused(&app, &hs256(&claims(&app, "COLLECTION_AGENCY", org)), "agency with an MFO org").await;
    assert_refused(&app, &hs256(&claims(&app, "MFO_STAFF", uuid::Uuid::new_v4())), "unknown org").await;
    // A borrower token without a borrower.
    assert_refused(&app, &hs256(&claims(&app, "BORROWER", org)), "borrower without borrower").await;
    let mut stranger = claims(&app, "BORROWER", org);
    stranger["borrower"] = json!(uuid::Uuid::new_v4().to_string());
    assert_refused(&app, &hs256(&stranger), "borrower unknown to the MFO").await;
    // A malformed header.
    assert_refused(&app, "not-a-jwt", "garbage").await;
}

#[tokio::test]
async fn leeway_is_at_most_five_seconds() {
    let app = TestApp::spawn().await;
    let mut c = claims(&app, "MFO_STAFF", app.orgs.kz_mfo.id);
    c["exp"] = json!(app.now().timestamp() - 5);
    let data = app.gql(&hs256(&c), ME, json!({})).await;
    assert_eq!(data["me"]["role"], "MFO_STAFF", "5 s past exp is still inside the leeway");
    app.advance(Duration::seconds(1));
    assert_refused(&app, &hs256(&c), "6 s past exp").await;
}

#[tokio::test]
async fn no_token_is_unauthenticated_at_the_field() {
    let app = TestApp::spawn().await;
    let (status, body) = app.post(None, ME, json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{body}");
}

fn rsa_app_options() -> Options {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rsa_public.pem");
    Options { keys: Keys::from_pem_file(&path).expect("rsa key"), ..Options::default() }
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).expect("fixture")
}

#[tokio::test]
async fn rs256_pinned_accepts_rs256_and_refuses_the_public_key_as_hmac_secret() {
    let app = TestApp::spawn_with(rsa_app_options()).await;
    let c = claims(&app, "REGULATOR", app.orgs.kz_regulator.id);
    let rsa = EncodingKey::from_rsa_pem(&fixture("rsa_private.pem")).expect("rsa private");
    let data = app.gql(&sign(Algorithm::RS256, &rsa, &c), ME, json!({})).await;
    assert_eq!(data["me"]["role"], "REGULATOR");
    // The classic confusion: HS256 "signed" with the public key's bytes.
    let confused = sign(Algorithm::HS256, &EncodingKey::from_secret(&fixture("rsa_public.pem")), &c);
    assert_refused(&app, &confused, "RS256 public key used as HMAC secret").await;
    assert_refused(&app, &hs256(&c), "HS256 when RS256 is pinned").await;
}

#[tokio::test]
async fn es256_pem_is_pinned_to_es256() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ec_public.pem");
    let app =
        TestApp::spawn_with(Options { keys: Keys::from_pem_file(&path).expect("ec key"), ..Options::default() }).await;
    let c = claims(&app, "MFO_MANAGER", app.orgs.kz_mfo.id);
    let ec = EncodingKey::from_ec_pem(&fixture("ec_private.pem")).expect("ec private");
    let data = app.gql(&sign(Algorithm::ES256, &ec, &c), ME, json!({})).await;
    assert_eq!(data["me"]["role"], "MFO_MANAGER");
    assert_refused(&app, &hs256(&c), "HS256 when ES256 is pinned").await;
}

#[tokio::test]
async fn jwks_keys_are_chosen_by_kid_and_an_unknown_kid_is_refused() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jwks.json");
    let app =
        TestApp::spawn_with(Options { keys: Keys::from_jwks_file(&path).expect("jwks"), ..Options::default() }).await;
    let c = claims(&app, "MFO_STAFF", app.orgs.kz_mfo.id);
    let rsa = EncodingKey::from_rsa_pem(&fixture("rsa_private.pem")).expect("rsa private");
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("test-rsa".into());
    let good = jsonwebtoken::encode(&header, &c, &rsa).expect("sign");
    assert_eq!(app.gql(&good, ME, json!({})).await["me"]["role"], "MFO_STAFF");
    header.kid = Some("someone-elses".into());
    let unknown = jsonwebtoken::encode(&header, &c, &rsa).expect("sign");
    assert_refused(&app, &unknown, "unknown kid").await;
    let no_kid = sign(Algorithm::RS256, &rsa, &c);
    assert_refused(&app, &no_kid, "no kid").await;
}

/// Opens a graphql-transport-ws socket and sends `connection_init` with the token.
pub async fn ws_connect(
    app: &TestApp,
    token: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut req = format!("ws://{}/graphql", app.addr).into_client_request().expect("request");
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
    let (mut socket, resp) = tokio_tungstenite::connect_async(req).await.expect("connect");
    assert_eq!(
        resp.headers().get("sec-websocket-protocol").map(|v| v.to_str().unwrap_or("")),
        Some("graphql-transport-ws")
    );
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    socket.send(Message::Text(init.to_string().into())).await.expect("send init");
    socket
}

/// The close code the server ends the socket with.
pub async fn close_code(
    socket: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
) -> Option<u16> {
    while let Some(msg) = socket.next().await {
        match msg {
            Ok(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
    None
}

#[tokio::test]
async fn websocket_connection_init_applies_the_same_check() {
    let app = TestApp::spawn().await;
    let good = app.mint(Role::Regulator, app.orgs.kz_regulator.id, None, "dash");
    let mut socket = ws_connect(&app, &good).await;
    let ack = socket.next().await.expect("message").expect("ok");
    assert_eq!(serde_json::from_str::<Value>(ack.to_text().expect("text")).expect("json")["type"], "connection_ack");

    let mut expired = claims(&app, "REGULATOR", app.orgs.kz_regulator.id);
    expired["exp"] = json!(app.now().timestamp() - 60);
    let mut socket = ws_connect(&app, &hs256(&expired)).await;
    assert_eq!(close_code(&mut socket).await, Some(4403), "an expired token is forbidden");

    let mut socket = ws_connect(&app, &hs256(&claims(&app, "ADMIN", app.orgs.kz_regulator.id))).await;
    assert_eq!(close_code(&mut socket).await, Some(4403), "an unknown role is forbidden");
}

/// POSTs `ME` with the given `Authorization` header values (each its own header line).
async fn with_authorization(app: &TestApp, values: &[&str]) -> (u16, Value) {
    let mut req = app.client.post(&app.url).json(&json!({ "query": ME }));
    for v in values {
        req = req.header("authorization", *v);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json::<Value>().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    // RFC 7235 §2.1: the authentication scheme is a case-insensitive token.
    let app = TestApp::spawn().await;
    let token = app.staff();
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let (status, body) = with_authorization(&app, &[&format!("{scheme} {token}")]).await;
        assert_eq!(status, 200, "{scheme}: {body}");
        assert_eq!(body["data"]["me"]["role"], "MFO_STAFF", "{scheme}: {body}");
    }
    for value in [
        format!("Basic {token}"),
        format!("Bearer{token}"),
        "Bearer ".to_owned(),
        format!("Bearer {token}, Bearer {token}"),
    ] {
        let (status, body) = with_authorization(&app, &[&value]).await;
        assert_eq!(status, 401, "{value}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn an_audience_array_is_accepted_when_it_contains_ours() {
    // RFC 7519 §4.1.3: `aud` is one string or an array of them.
    let app = TestApp::spawn().await;
    let mut c = claims(&app, "MFO_STAFF", app.orgs.kz_mfo.id);
    c["aud"] = json!(["another-api", AUDIENCE]);
    assert_eq!(app.gql(&hs256(&c), ME, json!({})).await["me"]["role"], "MFO_STAFF");
    c["aud"] = json!([AUDIENCE]);
    assert_eq!(app.gql(&hs256(&c), ME, json!({})).await["me"]["role"], "MFO_STAFF");
    c["aud"] = json!(["another-api", "a-third"]);
    assert_refused(&app, &hs256(&c), "aud array without ours").await;
    c["aud"] = json!([]);
    assert_refused(&app, &hs256(&c), "empty aud array").await;
    c["aud"] = json!(42);
    assert_refused(&app, &hs256(&c), "aud a number").await;
}

#[tokio::test]
async fn two_authorization_headers_are_refused_never_first_one_wins() {
    let app = TestApp::spawn().await;
    let staff = format!("Bearer {}", app.staff());
    let manager = format!("Bearer {}", app.manager());
    for pair in [[&staff, &manager], [&staff, &staff], [&staff, &"garbage".to_owned()], [&"Basic x".to_owned(), &staff]]
    {
        let (status, body) = with_authorization(&app, &[pair[0], pair[1]]).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{body}");
        assert!(body.get("data").is_none(), "{body}");
    }
}

/// Opens a graphql-transport-ws socket and sends `connection_init` with `payload`.
async fn ws_init(
    app: &TestApp,
    payload: Value,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut req = format!("ws://{}/graphql", app.addr).into_client_request().expect("request");
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(req).await.expect("connect");
    let init = json!({ "type": "connection_init", "payload": payload });
    socket.send(Message::Text(init.to_string().into())).await.expect("send init");
    socket
}

async fn first_message_type(
    socket: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
) -> String {
    match socket.next().await {
        Some(Ok(Message::Text(t))) => {
            serde_json::from_str::<Value>(&t).expect("json")["type"].as_str().unwrap_or("").to_owned()
        }
        Some(Ok(Message::Close(frame))) => format!("close {}", frame.map(|f| u16::from(f.code)).unwrap_or(0)),
        other => format!("{other:?}"),
    }
}

#[tokio::test]
async fn connection_init_finds_the_token_among_other_keys_in_any_case() {
    let app = TestApp::spawn().await;
    let token = app.mint(Role::Regulator, app.orgs.kz_regulator.id, None, "dash");
    for payload in [
        json!({ "apiVersion": 2, "authorization": format!("Bearer {token}") }),
        json!({ "authorization": format!("Bearer {token}"), "apiVersion": 2 }),
        json!({ "AUTHORIZATION": format!("bearer {token}"), "client": { "name": "dash" } }),
        json!({ "apiVersion": "2", "Token": token }),
        json!({ "x": null, "Authorization": format!("BEARER {token}"), "token": token }),
    ] {
        let mut socket = ws_init(&app, payload.clone()).await;
        assert_eq!(first_message_type(&mut socket).await, "connection_ack", "{payload}");
    }
    let other = app.mint(Role::Regulator, app.orgs.kg_regulator.id, None, "other");
    for payload in [
        json!({ "apiVersion": 2 }),
        json!({ "Authorization": format!("Bearer {token}"), "authorization": format!("Bearer {other}") }),
        json!({ "Authorization": format!("Bearer {token}"), "token": other }),
        json!({ "authorization": format!("Basic {token}") }),
        json!({ "authorization": 42 }),
    ] {
        let mut socket = ws_init(&app, payload.clone()).await;
        assert_eq!(first_message_type(&mut socket).await, "close 4403", "{payload}");
    }
}

/// A token whose header is `header` (any JSON), signed with `key` under `alg`.
fn sign_raw_header(alg: Algorithm, key: &EncodingKey, header: &Value, claims: &Value) -> String {
    let message =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).expect("sign");
    format!("{message}.{signature}")
}

async fn assert_refused_because(app: &TestApp, token: &str, reason: &str) {
    let (status, body) = app.post(Some(token), ME, json!({})).await;
    assert_eq!(status, 401, "{reason}: {body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains(reason), "expected a reason naming {reason:?}: {body}");
}

#[tokio::test]
async fn a_crit_header_is_refused_with_hmac() {
    let app = TestApp::spawn().await;
    let c = claims(&app, "MFO_STAFF", app.orgs.kz_mfo.id);
    let key = EncodingKey::from_secret(SECRET);
    // The same claims and key without `crit` pass, so only the header decides.
    let plain = sign_raw_header(Algorithm::HS256, &key, &json!({ "alg": "HS256", "typ": "JWT" }), &c);
    assert_eq!(app.gql(&plain, ME, json!({})).await["me"]["role"], "MFO_STAFF");
    let crit = json!({ "alg": "HS256", "typ": "JWT", "crit": ["exp-policy"], "exp-policy": "strict" });
    assert_refused_because(&app, &sign_raw_header(Algorithm::HS256, &key, &crit, &c), "critical").await;
    let empty = json!({ "alg": "HS256", "typ": "JWT", "crit": [] });
    assert_refused_because(&app, &sign_raw_header(Algorithm::HS256, &key, &empty, &c), "critical").await;
}

#[tokio::test]
async fn a_crit_header_is_refused_with_jwks() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jwks.json");
    let app =
        TestApp::spawn_with(Options { keys: Keys::from_jwks_file(&path).expect("jwks"), ..Options::default() }).await;
    let c = claims(&app, "MFO_STAFF", app.orgs.kz_mfo.id);
    let rsa = EncodingKey::from_rsa_pem(&fixture("rsa_private.pem")).expect("rsa private");
    let plain = json!({ "alg": "RS256", "typ": "JWT", "kid": "test-rsa" });
    assert_eq!(
        app.gql(&sign_raw_header(Algorithm::RS256, &rsa, &plain, &c), ME, json!({})).await["me"]["role"],
        "MFO_STAFF"
    );
    let crit = json!({ "alg": "RS256", "typ": "JWT", "kid": "test-rsa", "crit": ["b64"], "b64": false });
    assert_refused_because(&app, &sign_raw_header(Algorithm::RS256, &rsa, &crit, &c), "critical").await;
}

#[tokio::test]
async fn a_subject_no_database_could_store_is_refused_with_its_reason_never_internal() {
    let app = TestApp::spawn().await;
    let org = app.orgs.kz_mfo.id;
    for (case, sub) in [
        ("NUL", "staff\u{0}one".to_owned()),
        ("a control character", "staff\u{1b}[2Jone".to_owned()),
        ("256 bytes", "s".repeat(256)),
    ] {
        let mut c = claims(&app, "MFO_STAFF", org);
        c["sub"] = json!(sub);
        let token = hs256(&c);
        assert_refused_because(&app, &token, "`sub`").await;
        // A write with it is the same 401, never an INTERNAL from the database.
        let (status, body) = app
            .post(Some(&token), "mutation { updateMyContactDetails(input: {}) { userErrors { code } } }", json!({}))
            .await;
        assert_eq!(status, 401, "{case}: {body}");
    }
    let mut longest = claims(&app, "MFO_STAFF", org);
    longest["sub"] = json!("s".repeat(255));
    assert_eq!(app.gql(&hs256(&longest), ME, json!({})).await["me"]["role"], "MFO_STAFF", "255 bytes are stored");
}

#[tokio::test]
async fn a_token_issued_in_the_future_beyond_the_leeway_is_refused() {
    let app = TestApp::spawn().await;
    let now = app.now().timestamp();
    let mut c = claims(&app, "MFO_STAFF", app.orgs.kz_mfo.id);
    c["iat"] = json!(now + 5);
    assert_eq!(app.gql(&hs256(&c), ME, json!({})).await["me"]["role"], "MFO_STAFF", "inside the leeway");
    c["iat"] = json!(now + 6);
    assert_refused_because(&app, &hs256(&c), "issued in the future").await;
    // The year 3000, with a valid exp far beyond it.
    c["iat"] = json!(32_503_680_000_i64);
    c["exp"] = json!(32_503_690_000_i64);
    assert_refused_because(&app, &hs256(&c), "issued in the future").await;
}
