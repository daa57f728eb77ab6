//! Messages a program and a person can use: texts in Russian, Kazakh, Kyrgyz
//! and English, chosen by `Accept-Language` (HTTP) or the WebSocket's upgrade request and
//! `connection_init`, while `code`, `reason`, `rule` and `params` stay what a program
//! switches on; the borrower-facing verdict text stays in the borrower's language.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::TestApp;
use crate::helpers::fixtures::{assign, on, overdue_loan, uuid_of};

const NOTICE: &str = "mutation($input: RecordDelinquencyNoticeInput!) { recordDelinquencyNotice(input: $input) { notice { sender } userErrors { field message code rule reason params } } }";

/// POSTs with an `Accept-Language` header (none when `None`); the body and the response's
/// `Content-Language`.
async fn post_in(app: &TestApp, token: &str, lang: Option<&str>, query: &str, variables: Value) -> (Value, String) {
    let mut req = app.client.post(&app.url).bearer_auth(token).json(&json!({ "query": query, "variables": variables }));
    if let Some(l) = lang {
        req = req.header("Accept-Language", l);
    }
    let resp = req.send().await.expect("request");
    assert_eq!(resp.status().as_u16(), 200);
    let content_language =
        resp.headers().get("content-language").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let body: Value = resp.json().await.expect("json");
    assert!(body.get("errors").is_none(), "{body}");
    (body["data"].clone(), content_language)
}

/// An overdue KZ loan whose R1 notice duty is open, and a notice lacking its amount.
async fn r1_refusal_input(app: &TestApp) -> Value {
    on(app, "2026-10-01");
    let s = overdue_loan(app, "A", "2026-10-02", json!({}), json!({})).await;
    on(app, "2026-10-02");
    app.scanner("s").tick().await.expect("tick");
    json!({ "input": { "loanId": s.loan, "sentAt": "2026-10-02T04:00:00Z", "channel": "SMS", "amountAsOf": "2026-10-02", "statesRightToApply": true, "statesConsequences": true } })
}

#[tokio::test]
async fn r01_the_same_refusal_reads_in_each_language_and_switches_the_same() {
    let app = TestApp::spawn().await;
    let input = r1_refusal_input(&app).await;
    let mut seen = Vec::new();
    for (asked, tag, words) in [
        ("en", "en", "must state the overdue amount"),
        ("ru", "ru", "сумма просроченной задолженности"),
        ("kk", "kk", "мерзімі өткен берешек сомасы"),
        ("ky", "ky", "мөөнөтү өткөн карыздын суммасы"),
    ] {
        let (data, content_language) = post_in(&app, &app.staff(), Some(asked), NOTICE, input.clone()).await;
        let e = data["recordDelinquencyNotice"]["userErrors"][0].clone();
        let message = e["message"].as_str().expect("message").to_owned();
        assert!(message.contains(words) && message.contains("R1"), "{asked}: {message}");
        assert_eq!(content_language, tag);
        assert_eq!(
            (e["field"].clone(), e["code"].clone(), e["rule"].clone(), e["reason"].clone(), e["params"].clone()),
            (
                json!(["input", "overdueAmount"]),
                json!("RULE_VIOLATION"),
                json!("R1"),
                json!("NOTICE_CONTENT_MISSING"),
                json!({})
            ),
            "{asked}"
        );
        seen.push(message);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4, "four different texts: {seen:?}");
}

#[tokio::test]
async fn accept_language_q_values_pick_the_best_of_ours_and_anything_else_is_english() {
    let app = TestApp::spawn().await;
    let input = r1_refusal_input(&app).await;
    let message =
        |d: &Value| d["recordDelinquencyNotice"]["userErrors"][0]["message"].as_str().unwrap_or("").to_owned();
    let cases = [
        // The highest q wins, not the first listed; a region is matched by its language.
        ("de-DE, en;q=0.3, kk-KZ;q=0.9, ru;q=0.8", "kk", "берешек"),
        ("ru;q=0.2, ky-KG;q=0.7", "ky", "карыздын"),
        // q=0 refuses a language.
        ("ru;q=0, en;q=0.1", "en", "overdue amount"),
        // Nothing of ours, or nothing asked: the default, English.
        ("de, fr;q=0.9", "en", "overdue amount"),
        ("", "en", "overdue amount"),
    ];
    for (header, tag, words) in cases {
        let (data, content_language) = post_in(&app, &app.staff(), Some(header), NOTICE, input.clone()).await;
        assert!(message(&data).contains(words), "{header}: {}", message(&data));
        assert_eq!(content_language, tag, "{header}");
    }
    let (data, content_language) = post_in(&app, &app.staff(), None, NOTICE, input.clone()).await;
    assert!(message(&data).contains("overdue amount"), "{data}");
    assert_eq!(content_language, "en");
}

/// Opens a socket whose upgrade request carries `header` as `Accept-Language`, and
/// initialises it with `init_language` (if any) beside the token.
async fn socket(
    app: &TestApp,
    token: &str,
    header: &str,
    init_language: Option<&str>,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut req = format!("ws://{}/graphql", app.addr).into_client_request().expect("request");
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
    req.headers_mut().insert("Accept-Language", header.parse().expect("header"));
    let (mut s, _) = tokio_tungstenite::connect_async(req).await.expect("connect");
    let mut payload = json!({ "Authorization": format!("Bearer {token}") });
    if let Some(l) = init_language {
        payload["language"] = json!(l);
    }
    s.send(Message::Text(json!({ "type": "connection_init", "payload": payload }).to_string().into()))
        .await
        .expect("init");
    let ack: Value =
        serde_json::from_str(s.next().await.expect("ack").expect("ok").to_text().expect("text")).expect("json");
    assert_eq!(ack["type"], "connection_ack");
    let sub = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { escalations { rule message } }" } });
    s.send(Message::Text(sub.to_string().into())).await.expect("subscribe");
    s
}

#[tokio::test]
async fn r01_an_escalation_reads_in_the_readers_language_by_query_and_subscription() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-01");
    overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    on(&app, "2026-10-02");
    app.scanner("s").tick().await.expect("tick");
    let regulator = app.mint_for(
        entity::enums::Role::Regulator,
        app.orgs.kz_regulator.id,
        None,
        "dash",
        chrono::Duration::days(60),
    );
    // The upgrade request's Accept-Language, and connection_init's `language` over it.
    let mut russian = socket(&app, &regulator, "ru-RU,ru;q=0.9", None).await;
    let mut english = socket(&app, &regulator, "ru", Some("en")).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    // Nobody sent the notice: the R1 duty is missed on 23 October.
    on(&app, "2026-10-23");
    app.scanner("s").tick().await.expect("tick");

    // Named in words, with the loan's contract number: no raw enum name (DELINQUENCY_NOTICE).
    let ru_text = "Пропущен срок уведомления о просрочке (R1), заём C-L-A: истекал 2026-10-22";
    let en_text = "Deadline missed for the delinquency notice (R1), loan C-L-A: due 2026-10-22";
    for (s, text) in [(&mut russian, ru_text), (&mut english, en_text)] {
        let m = tokio::time::timeout(std::time::Duration::from_secs(10), s.next())
            .await
            .expect("in time")
            .expect("msg")
            .expect("ok");
        let v: Value = serde_json::from_str(m.to_text().expect("text")).expect("json");
        assert_eq!(v["payload"]["data"]["escalations"], json!({ "rule": "R1", "message": text }), "{v}");
    }

    let q = "{ escalations { edges { node { rule message } } } }";
    for (lang, text) in [("ru", ru_text), ("en", en_text)] {
        let (data, _) = post_in(&app, &regulator, Some(lang), q, json!({})).await;
        assert_eq!(data["escalations"]["edges"][0]["node"], json!({ "rule": "R1", "message": text }), "{lang}");
    }
}

#[tokio::test]
async fn x3_the_collector_reads_the_verdict_in_its_language_the_borrower_text_stays_kazakh() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let s = overdue_loan(&app, "K", "2026-02-02", json!({}), json!({ "language": "KK" })).await;
    assign(&app, uuid_of(&s.loan), &app.orgs.agency).await;
    let agency = app.mint(entity::enums::Role::CollectionAgency, app.orgs.agency.id, None, "agency-system");
    let q = "query($id: ID!, $at: DateTime) { permittedActions(loanId: $id, at: $at) { action basis reason borrowerReason } }";
    // 08:59 in Almaty: before X3's window.
    let vars = json!({ "id": s.loan, "at": "2026-03-17T02:59:00Z" });
    let call = |d: &Value| {
        d["permittedActions"].as_array().expect("list").iter().find(|v| v["action"] == "CALL").expect("CALL").clone()
    };
    let kazakh = "Қарыз алушының уақытымен 08:00–21:00 аралығынан тыс (X3/X4).";
    for (lang, reason) in [
        (Some("ru"), "Вне времени 08:00–21:00 по месту заемщика (X3/X4)."),
        (Some("en"), "Outside 08:00–21:00, borrower's local time (X3/X4)."),
        (Some("ky"), "Карыз алуучунун убактысы боюнча 08:00–21:00 убакыттан тышкары (X3/X4)."),
        // A collector that names no language reads the borrower's.
        (None, kazakh),
    ] {
        let (data, _) = post_in(&app, &agency, lang, q, vars.clone()).await;
        let v = call(&data);
        assert_eq!(v["basis"], json!(["X3"]));
        assert_eq!(v["reason"], reason, "{lang:?}");
        assert_eq!(v["borrowerReason"], kazakh, "the borrower's text stays Kazakh ({lang:?})");
    }
}

#[tokio::test]
async fn no_refusal_reports_a_broad_reason_any_more() {
    // A blank, a too-long text, a malformed time, a future date, out-of-range numbers: each
    // with its specific reason and the particulars a program needs.
    let app = TestApp::spawn().await;
    let q = "mutation($input: UpsertLoanInput!) { upsertLoan(input: $input) { loan { id } userErrors { field reason params } } }";
    let b = crate::helpers::fixtures::borrower_input("Z");
    app.gql(&app.staff(), crate::helpers::fixtures::UPSERT_BORROWER, json!({ "input": b })).await;
    let mut l = crate::helpers::fixtures::loan_input("L-Z", "Z", "2026-01-10");
    l["termMonths"] = json!(0);
    l["currency"] = json!("EUR");
    let r = app.gql(&app.staff(), q, json!({ "input": l })).await;
    let errors = r["upsertLoan"]["userErrors"].as_array().expect("errors").clone();
    let by_field = |f: &str| {
        errors.iter().find(|e| e["field"] == json!(["input", f])).unwrap_or_else(|| panic!("{f}: {errors:?}")).clone()
    };
    assert_eq!(by_field("termMonths")["reason"], "OUT_OF_RANGE");
    assert_eq!(by_field("termMonths")["params"], json!({ "min": "1", "max": "600", "range": "1–600" }));
    assert_eq!(by_field("currency")["reason"], "UNSUPPORTED_VALUE");
    assert_eq!(by_field("currency")["params"]["allowed"], json!(["KZT", "KGS", "USD"]));
    for e in &errors {
        assert!(!["INVALID_VALUE", "WRONG_STATE", "RULE_REFUSED"].contains(&e["reason"].as_str().unwrap_or("")), "{e}");
    }
}
