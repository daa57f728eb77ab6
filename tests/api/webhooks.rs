//! Signed webhooks end to end: an endpoint registered through the API, changes committed
//! through the API, the worker's passes on the test clock, and a receiver on a local port
//! that checks every delivery's Standard Webhooks signature.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::Duration;
use mfo_api::events::webhooks::Deliverer;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::fixtures::{UPSERT_BORROWER, borrower_input};

/// What the receiver was sent, and how it answers (the first `fail` requests with 500).
#[derive(Default)]
struct Inbox {
    got: Vec<(HeaderMap, Bytes)>,
    fail: usize,
}

type Shared = Arc<Mutex<Inbox>>;

async fn hook(State(inbox): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let mut i = inbox.lock().expect("inbox");
    i.got.push((headers, body));
    if i.fail > 0 {
        i.fail -= 1;
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    }
}

/// A receiver on a local port; its URL and inbox.
async fn receiver(fail: usize) -> (String, Shared) {
    let inbox: Shared = Arc::new(Mutex::new(Inbox { got: Vec::new(), fail }));
    let app = axum::Router::new().route("/hook", axum::routing::post(hook)).with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, inbox)
}

const CREATE: &str = "mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) {
    webhookEndpoint { id secret enabled eventTypes } userErrors { field code reason } } }";
const DELIVERIES: &str = "query($e: ID!) { webhookDeliveries(endpointId: $e, first: 100) { totalCount
    edges { node { id webhookId eventType status attemptCount payload attempts { statusCode error } } } } }";

async fn endpoint(app: &TestApp, token: &str, url: &str, types: Value) -> (String, String) {
    let d = app.gql(token, CREATE, json!({ "input": { "url": url, "eventTypes": types } })).await;
    let e = &d["createWebhookEndpoint"];
    assert_eq!(e["userErrors"], json!([]), "{d}");
    let secret = e["webhookEndpoint"]["secret"].as_str().expect("the secret, once").to_owned();
    (e["webhookEndpoint"]["id"].as_str().expect("id").to_owned(), secret)
}

async fn new_borrower(app: &TestApp, key: &str) -> String {
    let r = app.gql(&app.staff(), UPSERT_BORROWER, json!({ "input": borrower_input(key) })).await;
    assert_eq!(r["upsertBorrower"]["userErrors"], json!([]), "{r}");
    r["upsertBorrower"]["borrower"]["id"].as_str().expect("id").to_owned()
}

/// Whether a delivery's signature header carries a valid signature by `secret` (the
/// `standardwebhooks` crate's own signing, over the id, timestamp and body received).
fn signed_by(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let ts: i64 = h("webhook-timestamp").parse().expect("a timestamp");
    let expected =
        standardwebhooks::Webhook::new(secret).expect("secret").sign(&h("webhook-id"), ts, body).expect("sign");
    h("webhook-signature").split(' ').any(|s| s == expected)
}

async fn app() -> TestApp {
    let app = TestApp::spawn().await;
    app.ctx.webhook_allow_private.store(true, std::sync::atomic::Ordering::Relaxed);
    app
}

#[tokio::test]
async fn a_change_is_delivered_signed_and_retried_on_the_schedule() {
    let app = app().await;
    let (url, inbox) = receiver(3).await;
    let staff = app.staff();
    let (id, secret) = endpoint(&app, &staff, &url, json!(["BORROWER"])).await;
    assert!(secret.starts_with("whsec_"));
    let borrower = new_borrower(&app, "WH1").await;
    let worker = Deliverer::new(app.ctx.clone(), "instance-a");

    // Attempt 1 now, then after 5 s, 5 min, 30 min (each ±10%): the fourth is answered 2xx.
    let report = worker.tick().await.expect("pass");
    assert_eq!((report.queued, report.attempted, report.delivered), (1, 1, 0));
    assert_eq!(worker.tick().await.expect("pass").attempted, 0, "not due before its wait");
    for wait in [Duration::seconds(6), Duration::seconds(331), Duration::seconds(33 * 60)] {
        app.advance(wait);
        assert_eq!(worker.tick().await.expect("pass").attempted, 1, "due after {wait}");
    }
    app.advance(Duration::hours(3));
    assert_eq!(worker.tick().await.expect("pass").attempted, 0, "delivered: nothing more");

    let got = std::mem::take(&mut inbox.lock().expect("inbox").got);
    assert_eq!(got.len(), 4);
    let ids: Vec<_> = got.iter().map(|(h, _)| h["webhook-id"].clone()).collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "one webhook-id for every attempt");
    for (headers, body) in &got {
        assert!(signed_by(&secret, headers, body), "signed with the endpoint's secret");
        assert_eq!(headers["content-type"], "application/json");
    }
    let body: Value = serde_json::from_slice(&got[0].1).expect("JSON body");
    assert_eq!(body["type"], "borrower.created");
    assert_eq!(body["data"]["recordType"], "BORROWER");
    assert_eq!(body["data"]["recordId"], borrower.as_str());

    let token = app.staff();
    let d = app.gql(&token, DELIVERIES, json!({ "e": id })).await;
    let delivery = &d["webhookDeliveries"]["edges"][0]["node"];
    assert_eq!(d["webhookDeliveries"]["totalCount"], 1);
    assert_eq!(delivery["status"], "DELIVERED");
    assert_eq!(delivery["attemptCount"], 4);
    assert_eq!(delivery["webhookId"], ids[0].to_str().expect("id"));
    let codes: Vec<_> =
        delivery["attempts"].as_array().expect("attempts").iter().map(|a| a["statusCode"].clone()).collect();
    assert_eq!(codes, vec![json!(500), json!(500), json!(500), json!(204)]);

    // Redelivered on request: the same id and body.
    let r = app
        .gql(
            &token,
            "mutation($d: ID!) { redeliverWebhookDelivery(input: { deliveryId: $d }) { webhookDelivery { status } userErrors { code } } }",
            json!({ "d": delivery["id"] }),
        )
        .await;
    assert_eq!(r["redeliverWebhookDelivery"]["webhookDelivery"]["status"], "PENDING", "{r}");
    assert_eq!(worker.tick().await.expect("pass").delivered, 1);
    let again = std::mem::take(&mut inbox.lock().expect("inbox").got);
    assert_eq!((again.len(), &again[0].0["webhook-id"], &again[0].1), (1, &ids[0], &got[0].1));
}

/// The receiver verifies with the `standardwebhooks` crate's own check, timestamp
/// tolerance included: the test clock is set to the wall clock for that (the receiver
/// compares the timestamp with its own clock).
#[tokio::test]
async fn a_receiver_verifies_with_the_standard_library_and_a_rotated_secret_verifies_with_both() {
    let app = app().await;
    app.clock.set(chrono::Utc::now());
    let (url, inbox) = receiver(0).await;
    let staff = app.staff();
    let (id, old) = endpoint(&app, &staff, &url, json!([])).await;
    new_borrower(&app, "WH2").await;
    let worker = Deliverer::new(app.ctx.clone(), "instance-a");
    assert_eq!(worker.tick().await.expect("pass").delivered, 1);

    let r = app
        .gql(
            &staff,
            "mutation($e: ID!) { rotateWebhookEndpointSecret(input: { endpointId: $e }) { webhookEndpoint { secret previousSecretValidUntil } userErrors { code } } }",
            json!({ "e": id }),
        )
        .await;
    let new = r["rotateWebhookEndpointSecret"]["webhookEndpoint"]["secret"].as_str().expect("new secret").to_owned();
    assert_ne!(new, old);
    new_borrower(&app, "WH3").await;
    assert_eq!(worker.tick().await.expect("pass").delivered, 1);
    let got = std::mem::take(&mut inbox.lock().expect("inbox").got);
    let verify = |secret: &str, (h, b): &(HeaderMap, Bytes)| {
        standardwebhooks::Webhook::new(secret).expect("secret").verify(b, h)
    };
    assert!(verify(&old, &got[0]).is_ok(), "before the rotation: the old secret");
    assert!(verify(&new, &got[0]).is_err());
    assert!(verify(&old, &got[1]).is_ok() && verify(&new, &got[1]).is_ok(), "within the window: both");

    // After the window, the new one only.
    app.advance(Duration::hours(25));
    let staff = app.staff();
    app.gql(&staff, UPSERT_BORROWER, json!({ "input": borrower_input("WH4") })).await;
    assert_eq!(worker.tick().await.expect("pass").delivered, 1);
    let got = std::mem::take(&mut inbox.lock().expect("inbox").got);
    let (h, b) = &got[0];
    assert!(signed_by(&new, h, b) && !signed_by(&old, h, b), "the old secret no longer signs");
}

#[tokio::test]
async fn private_and_plain_http_urls_are_refused() {
    let app = TestApp::spawn().await;
    let staff = app.staff();
    for url in ["http://hooks.example.com/h", "https://127.0.0.1/h", "https://10.0.0.7/h", "https://localhost/h"] {
        let d = app.gql(&staff, CREATE, json!({ "input": { "url": url } })).await;
        let errors = &d["createWebhookEndpoint"]["userErrors"];
        assert_eq!(
            errors,
            &json!([{ "field": ["input", "url"], "code": "INVALID", "reason": "UNSAFE_WEBHOOK_URL" }]),
            "{url}"
        );
    }
    // A borrower has no endpoints.
    let (b, _, _) = crate::helpers::fixtures::borrower_with_loan(&app, &app.orgs.kz_mfo, "WB", "2026-10-01").await;
    let code = app.error_code(&app.borrower_token(&app.orgs.kz_mfo, b), "{ webhookEndpoints { id } }", json!({})).await;
    assert_eq!(code, "FORBIDDEN");
    // A public name is accepted (it is resolved and checked again at each delivery).
    let public = json!({ "input": { "url": "https://hooks.example.com/mfo", "eventTypes": ["LOAN"] } });
    let d = app.gql(&staff, CREATE, public).await;
    assert_eq!(d["createWebhookEndpoint"]["userErrors"], json!([]));
    // A URL allowed when created but resolving to a private address at delivery is not
    // sent to: the attempt fails, naming why.
    let (url, inbox) = receiver(0).await;
    app.ctx.webhook_allow_private.store(true, std::sync::atomic::Ordering::Relaxed);
    endpoint(&app, &staff, &url, json!(["BORROWER"])).await;
    app.ctx.webhook_allow_private.store(false, std::sync::atomic::Ordering::Relaxed);
    new_borrower(&app, "WH5").await;
    let report = Deliverer::new(app.ctx.clone(), "a").tick().await.expect("pass");
    assert_eq!((report.attempted, report.delivered), (1, 0), "tried, not sent");
    assert!(inbox.lock().expect("inbox").got.is_empty());
}

/// Two instances passing at once send each change once, and what was committed while no
/// worker ran (a restart) is sent by the next pass; endpoints see what their creator sees.
#[tokio::test]
async fn two_instances_deliver_each_change_once_and_only_the_creators_changes() {
    let app = app().await;
    let (url, inbox) = receiver(0).await;
    endpoint(&app, &app.staff(), &url, json!(["BORROWER"])).await;
    let (other_url, other_inbox) = receiver(0).await;
    endpoint(&app, &app.staff_of(&app.orgs.kg_mfo), &other_url, json!([])).await;
    let mut expected = Vec::new();
    for i in 0..30 {
        expected.push(new_borrower(&app, &format!("WT{i}")).await);
    }
    let (a, b) = (Deliverer::new(app.ctx.clone(), "instance-a"), Deliverer::new(app.ctx.clone(), "instance-b"));
    let (ra, rb) = tokio::join!(a.tick(), b.tick());
    let (ra, rb) = (ra.expect("pass a"), rb.expect("pass b"));
    assert_eq!(ra.delivered + rb.delivered, 30, "{ra:?} {rb:?}");
    let got = std::mem::take(&mut inbox.lock().expect("inbox").got);
    let mut ids: Vec<_> = got.iter().map(|(h, _)| h["webhook-id"].to_str().expect("id").to_owned()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((got.len(), ids.len()), (30, 30), "each change once");
    let mut records: Vec<String> = got
        .iter()
        .map(|(_, b)| {
            serde_json::from_slice::<Value>(b).expect("json")["data"]["recordId"].as_str().expect("id").to_owned()
        })
        .collect();
    records.sort();
    expected.sort();
    assert_eq!(records, expected);
    assert!(other_inbox.lock().expect("inbox").got.is_empty(), "the other MFO's endpoint sees none of them");
    assert_eq!(app.count("webhook_delivery").await, 30);
}

/// An endpoint whose every attempt has failed for five days is disabled, saying since when
/// and why; each delivery that spent its schedule is FAILED.
#[tokio::test]
async fn an_endpoint_failing_for_five_days_is_disabled() {
    let app = app().await;
    let (url, _inbox) = receiver(usize::MAX).await;
    let (id, _) = endpoint(&app, &app.staff(), &url, json!(["BORROWER"])).await;
    let worker = Deliverer::new(app.ctx.clone(), "instance-a");
    for day in 0..6 {
        new_borrower(&app, &format!("WD{day}")).await;
        for _ in 0..24 {
            worker.tick().await.expect("pass");
            app.advance(Duration::hours(1));
        }
    }
    worker.tick().await.expect("pass");
    let token = app.staff();
    let q = "query($e: ID!) { node(id: $e) { ... on WebhookEndpoint { enabled disabledAt disabledReason failingSince consecutiveFailures } } }";
    let e = &app.gql(&token, q, json!({ "e": id })).await["node"];
    assert_eq!(e["enabled"], false, "{e}");
    assert!(e["disabledReason"].as_str().is_some_and(|r| r.contains("every attempt failed since")), "{e}");
    assert!(e["consecutiveFailures"].as_i64().is_some_and(|n| n >= 8), "{e}");
    let d = app.gql(&token, DELIVERIES, json!({ "e": id })).await;
    let first = d["webhookDeliveries"]["edges"].as_array().expect("edges").last().expect("the first delivery").clone();
    assert_eq!((&first["node"]["status"], &first["node"]["attemptCount"]), (&json!("FAILED"), &json!(8)), "{first}");
    // Nothing is attempted while it is disabled.
    app.advance(Duration::days(1));
    assert_eq!(worker.tick().await.expect("pass").attempted, 0);
}
