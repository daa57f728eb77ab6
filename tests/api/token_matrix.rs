//! The token matrix: every case is one credential, checked over HTTP
//! (the `Authorization` header of a POST) and over the WebSocket (`connection_init`'s
//! payload). A case is accepted on both (with the token's role) or refused on both
//! (401, or 400 for two headers, and close code 4403). The test prints its case count.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::{SinkExt, StreamExt};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::fixtures::borrower_with_loan;
use crate::helpers::{AUDIENCE, ISSUER, SECRET, TestApp};

const ME: &str = "{ me { role } }";

#[derive(Debug, Clone, PartialEq)]
enum Expect {
    /// Accepted, acting with this role.
    Role(&'static str),
    /// Refused.
    Refused,
}

struct Case {
    name: String,
    /// `Authorization` values, one header line each (two: the "first one wins" trap).
    authorization: Vec<String>,
    /// The `connection_init` payload; by default `{"Authorization": value}` per value
    /// (two values: `Authorization` and `authorization`).
    ws_payload: Option<Value>,
    expect: Expect,
    /// Where `connection_init` rightly differs from HTTP.
    ws_expect: Option<Expect>,
}

fn case(name: &str, authorization: Vec<String>, expect: Expect) -> Case {
    Case { name: name.to_owned(), authorization, ws_payload: None, expect, ws_expect: None }
}

fn bearer(token: &str) -> Vec<String> {
    vec![format!("Bearer {token}")]
}

fn sign(alg: Algorithm, secret: &[u8], claims: &Value) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).expect("sign")
}

fn hs256(claims: &Value) -> String {
    sign(Algorithm::HS256, SECRET, claims)
}

struct Claims {
    base: Value,
}

impl Claims {
    fn with(&self, key: &str, value: Value) -> Value {
        let mut c = self.base.clone();
        c[key] = value;
        c
    }

    fn without(&self, key: &str) -> Value {
        let mut c = self.base.clone();
        c.as_object_mut().expect("object").remove(key);
        c
    }
}

fn cases(app: &TestApp, borrower: uuid::Uuid) -> Vec<Case> {
    use Expect::{Refused, Role};
    let now = app.now().timestamp();
    let org = app.orgs.kz_mfo.id.to_string();
    let base = json!({ "sub": "matrix", "iss": ISSUER, "aud": AUDIENCE, "exp": now + 600, "nbf": now - 10, "iat": now - 10, "role": "MFO_STAFF", "org": org });
    let c = Claims { base: base.clone() };
    let good = hs256(&base);
    let as_role = |role: &str, org: &uuid::Uuid| c.with("role", json!(role)).tap_org(org);
    let mut tampered_sig = good.clone();
    let last = tampered_sig.pop().expect("char");
    tampered_sig.push(if last == 'A' { 'B' } else { 'A' });
    let parts: Vec<&str> = good.split('.').collect();
    let forged_payload = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(c.with("role", json!("MFO_MANAGER")).to_string()),
        parts[2]
    );
    let none = format!("{}.{}.", URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#), parts[1]);
    let manager = hs256(&c.with("role", json!("MFO_MANAGER")));
    let mut borrower_claims = c.with("role", json!("BORROWER"));
    borrower_claims["borrower"] = json!(borrower.to_string());
    let mut stranger = borrower_claims.clone();
    stranger["borrower"] = json!(uuid::Uuid::new_v4().to_string());
    let mut agency_without_org = as_role("COLLECTION_AGENCY", &app.orgs.agency.id);
    agency_without_org.as_object_mut().expect("object").remove("org");

    vec![
        // Accepted.
        case("valid HS256 staff token", bearer(&good), Role("MFO_STAFF")),
        case("scheme in lower case", vec![format!("bearer {good}")], Role("MFO_STAFF")),
        case("scheme in upper case", vec![format!("BEARER {good}")], Role("MFO_STAFF")),
        case("scheme in mixed case", vec![format!("bEaReR {good}")], Role("MFO_STAFF")),
        case("several spaces after the scheme", vec![format!("Bearer   {good}")], Role("MFO_STAFF")),
        case(
            "aud an array containing ours",
            bearer(&hs256(&c.with("aud", json!(["other-api", AUDIENCE])))),
            Role("MFO_STAFF"),
        ),
        case("aud an array of ours alone", bearer(&hs256(&c.with("aud", json!([AUDIENCE])))), Role("MFO_STAFF")),
        // 3 s, not 5: a socket closes when the leeway runs out, in real time (4401).
        case("exp 3 s ago, inside the leeway", bearer(&hs256(&c.with("exp", json!(now - 3)))), Role("MFO_STAFF")),
        case("nbf 5 s ahead, inside the leeway", bearer(&hs256(&c.with("nbf", json!(now + 5)))), Role("MFO_STAFF")),
        case("no nbf", bearer(&hs256(&c.without("nbf"))), Role("MFO_STAFF")),
        case("unknown extra claims", bearer(&hs256(&c.with("scope", json!("everything")))), Role("MFO_STAFF")),
        case("manager", bearer(&manager), Role("MFO_MANAGER")),
        case("borrower of the MFO", bearer(&hs256(&borrower_claims)), Role("BORROWER")),
        case("agency", bearer(&hs256(&as_role("COLLECTION_AGENCY", &app.orgs.agency.id))), Role("COLLECTION_AGENCY")),
        case("regulator", bearer(&hs256(&as_role("REGULATOR", &app.orgs.kz_regulator.id))), Role("REGULATOR")),
        // Refused: the signature and algorithm.
        case("alg none", bearer(&none), Refused),
        case("HS384 while HS256 is pinned", bearer(&sign(Algorithm::HS384, SECRET, &base)), Refused),
        case("HS512 while HS256 is pinned", bearer(&sign(Algorithm::HS512, SECRET, &base)), Refused),
        case(
            "another secret",
            bearer(&sign(Algorithm::HS256, b"another-secret-that-is-32-bytes-long-too", &base)),
            Refused,
        ),
        case("tampered signature", bearer(&tampered_sig), Refused),
        case("payload changed under the signature", bearer(&forged_payload), Refused),
        // Refused: time.
        case("expired 6 s ago, past the leeway", bearer(&hs256(&c.with("exp", json!(now - 6)))), Refused),
        case("nbf a minute ahead", bearer(&hs256(&c.with("nbf", json!(now + 60)))), Refused),
        case("no exp", bearer(&hs256(&c.without("exp"))), Refused),
        case("exp a string", bearer(&hs256(&c.with("exp", json!("tomorrow")))), Refused),
        // Refused: audience and issuer.
        case("no aud", bearer(&hs256(&c.without("aud"))), Refused),
        case("another aud", bearer(&hs256(&c.with("aud", json!("other-api")))), Refused),
        case("aud array without ours", bearer(&hs256(&c.with("aud", json!(["other-api", "a-third"])))), Refused),
        case("empty aud array", bearer(&hs256(&c.with("aud", json!([])))), Refused),
        case("aud a number", bearer(&hs256(&c.with("aud", json!(7)))), Refused),
        case("no iss", bearer(&hs256(&c.without("iss"))), Refused),
        case("another iss", bearer(&hs256(&c.with("iss", json!("evil")))), Refused),
        // Refused: subject, role, organisation, borrower.
        case("no sub", bearer(&hs256(&c.without("sub"))), Refused),
        case("blank sub", bearer(&hs256(&c.with("sub", json!("  ")))), Refused),
        case("unknown role", bearer(&hs256(&c.with("role", json!("ADMIN")))), Refused),
        case("role in lower case", bearer(&hs256(&c.with("role", json!("mfo_staff")))), Refused),
        case("agency without org", bearer(&hs256(&agency_without_org)), Refused),
        case("agency with an MFO's org", bearer(&hs256(&c.with("role", json!("COLLECTION_AGENCY")))), Refused),
        case("unknown org", bearer(&hs256(&c.with("org", json!(uuid::Uuid::new_v4().to_string())))), Refused),
        case("org not a uuid", bearer(&hs256(&c.with("org", json!("kz-mfo")))), Refused),
        case("borrower token without a borrower", bearer(&hs256(&c.with("role", json!("BORROWER")))), Refused),
        case("borrower unknown to the MFO", bearer(&hs256(&stranger)), Refused),
        // Refused: the credential's form.
        case("garbage", bearer("not-a-jwt"), Refused),
        case("Basic scheme", vec![format!("Basic {good}")], Refused),
        case("no space after the scheme", vec![format!("Bearer{good}")], Refused),
        case("scheme without a token", vec!["Bearer".to_owned()], Refused),
        case("two credentials in one value", vec![format!("Bearer {good}, Bearer {manager}")], Refused),
        case(
            "two Authorization headers, different tokens",
            vec![format!("Bearer {good}"), format!("Bearer {manager}")],
            Refused,
        ),
        Case {
            // HTTP refuses a repeated header whatever it holds (RFC 6750 §3.1); in a JSON
            // payload, two keys holding the same credential are one credential.
            ws_expect: Some(Role("MFO_STAFF")),
            ..case(
                "two Authorization headers, the same token",
                vec![format!("Bearer {good}"), format!("Bearer {good}")],
                Refused,
            )
        },
        case("a bad header before a good one", vec!["Bearer not-a-jwt".to_owned(), format!("Bearer {good}")], Refused),
        // connection_init payloads beyond `{"Authorization": …}`.
        Case {
            name: "init: apiVersion before authorization".into(),
            authorization: bearer(&good),
            ws_payload: Some(json!({ "apiVersion": 2, "authorization": format!("Bearer {good}") })),
            expect: Role("MFO_STAFF"),
            ws_expect: None,
        },
        Case {
            name: "init: bare token under Token".into(),
            authorization: bearer(&good),
            ws_payload: Some(json!({ "apiVersion": "2", "Token": good })),
            expect: Role("MFO_STAFF"),
            ws_expect: None,
        },
        Case {
            name: "init: Authorization and token agreeing".into(),
            authorization: bearer(&good),
            ws_payload: Some(json!({ "Authorization": format!("Bearer {good}"), "token": good })),
            expect: Role("MFO_STAFF"),
            ws_expect: None,
        },
        Case {
            name: "init: Authorization and token disagreeing".into(),
            authorization: vec![format!("Bearer {good}"), format!("Bearer {manager}")],
            ws_payload: Some(json!({ "Authorization": format!("Bearer {good}"), "token": manager })),
            expect: Refused,
            ws_expect: None,
        },
        Case {
            name: "init: no credential among other keys".into(),
            authorization: vec![],
            ws_payload: Some(json!({ "apiVersion": 2 })),
            expect: Refused,
            ws_expect: None,
        },
        Case {
            name: "init: authorization not a string".into(),
            authorization: vec!["Bearer 42".to_owned()],
            ws_payload: Some(json!({ "authorization": 42 })),
            expect: Refused,
            ws_expect: None,
        },
    ]
}

trait TapOrg {
    fn tap_org(self, org: &uuid::Uuid) -> Value;
}

impl TapOrg for Value {
    fn tap_org(mut self, org: &uuid::Uuid) -> Value {
        self["org"] = json!(org.to_string());
        self
    }
}

/// The HTTP outcome: the role acted as, or the refusal's status and code.
async fn over_http(app: &TestApp, case: &Case) -> Result<String, String> {
    let mut req = app.client.post(&app.url).json(&json!({ "query": ME }));
    for v in &case.authorization {
        req = req.header("authorization", v.as_str());
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let body = resp.json::<Value>().await.unwrap_or(Value::Null);
    match body["data"]["me"]["role"].as_str() {
        Some(role) if status == 200 => Ok(role.to_owned()),
        _ => Err(format!("{status} {} data={}", body["errors"][0]["extensions"]["code"], body.get("data").is_some())),
    }
}

/// The WebSocket outcome: the role acted as (after `connection_ack`), or the close code.
async fn over_ws(app: &TestApp, case: &Case) -> Result<String, String> {
    let payload = case.ws_payload.clone().unwrap_or_else(|| match case.authorization.as_slice() {
        [one] => json!({ "Authorization": one }),
        [first, second] => json!({ "Authorization": first, "authorization": second }),
        _ => json!({}),
    });
    let mut req = format!("ws://{}/graphql", app.addr).into_client_request().expect("request");
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(req).await.expect("connect");
    let init = json!({ "type": "connection_init", "payload": payload });
    socket.send(Message::Text(init.to_string().into())).await.expect("init");
    let mut acked = false;
    loop {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next()).await;
        match msg {
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(&t).expect("json");
                match v["type"].as_str() {
                    Some("connection_ack") if !acked => {
                        acked = true;
                        let sub =
                            json!({ "type": "subscribe", "id": "1", "payload": { "query": "query { me { role } }" } });
                        socket.send(Message::Text(sub.to_string().into())).await.expect("subscribe");
                    }
                    Some("next") => {
                        return v["payload"]["data"]["me"]["role"]
                            .as_str()
                            .map(str::to_owned)
                            .ok_or_else(|| t.to_string());
                    }
                    _ => return Err(format!("unexpected {t}")),
                }
            }
            Ok(Some(Ok(Message::Close(frame)))) => {
                return Err(format!("close {}", frame.map(|f| u16::from(f.code)).unwrap_or(0)));
            }
            Ok(Some(Ok(_))) => continue,
            other => return Err(format!("{other:?}")),
        }
    }
}

#[tokio::test]
async fn token_matrix_over_http_and_connection_init() {
    let app = TestApp::spawn().await;
    let (borrower, _, _) = borrower_with_loan(&app, &app.orgs.kz_mfo, "M", "2026-09-01").await;
    let cases = cases(&app, borrower);
    let mut failures = Vec::new();
    for case in &cases {
        let http = over_http(&app, case).await;
        let ws = over_ws(&app, case).await;
        let http_ok = match (&case.expect, &http) {
            (Expect::Role(role), Ok(got)) => got == role,
            // Two header lines: RFC 6750 invalid_request; one bad credential: 401. Never data.
            (Expect::Refused, Err(e)) if case.authorization.len() > 1 => e == "400 \"UNAUTHENTICATED\" data=false",
            (Expect::Refused, Err(e)) => e == "401 \"UNAUTHENTICATED\" data=false",
            _ => false,
        };
        let ws_ok = match (case.ws_expect.as_ref().unwrap_or(&case.expect), &ws) {
            (Expect::Role(role), Ok(got)) => got == role,
            (Expect::Refused, Err(e)) => e == "close 4403",
            _ => false,
        };
        // The init-only cases without a header credential are not HTTP cases.
        let http_ok = http_ok || (case.authorization.is_empty() && case.expect == Expect::Refused);
        if !(http_ok && ws_ok) {
            failures.push(format!(
                "{}: expected {:?} (connection_init {:?}), HTTP {http:?}, connection_init {ws:?}",
                case.name, case.expect, case.ws_expect
            ));
        }
    }
    println!("token matrix: {} cases, each over HTTP and connection_init ({} checks)", cases.len(), 2 * cases.len());
    assert!(cases.len() >= 30, "the matrix holds at least 30 cases");
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
