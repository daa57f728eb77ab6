//! `recordContact` says what became of the clearance it quoted. The contact is
//! always stored (a contact that happened is stored); the payload's `clearance` is
//! ACCEPTED, MISSING, MALFORMED, FOREIGN, EXPIRED or ISSUED_AFTER_CONTACT, and every
//! outcome but the first two comes with a non-blocking warning. `permittedActions` returns
//! each clearance's expiry (`clearanceExpiresAt`, UTC), the policy's
//! `contact.clearance_minutes` after its issue. The test clock crosses the expiry.

use chrono::{DateTime, Duration, Utc};
use entity::enums::Role;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::fixtures::{assign, on, overdue_loan, uuid_of};

const PERMITTED: &str =
    "query($id: ID!) { permittedActions(loanId: $id) { action allowed clearance clearanceExpiresAt } }";
const RECORD: &str = "mutation($input: RecordContactInput!) { recordContact(input: $input) { contact { id clearance } clearance warnings { field code message params } userErrors { field code } } }";

fn contact(loan: &str, csid: u32, channel: &str, when: DateTime<Utc>, clearance: Option<&str>) -> Value {
    json!({
        "clientSubmissionId": format!("00000000-0000-4000-9100-{csid:012}"), "loanId": loan, "channel": channel,
        "occurredAt": when.to_rfc3339(), "outcome": "REACHED", "destination": "+7 701 000 00 00",
        "disclosure": { "organizationName": "Agency", "organizationLocation": "Almaty, Dostyk 5",
            "personName": "Nurzhan Abenov", "personPosition": "Collector" },
        "clearance": clearance,
    })
}

fn instant(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("an instant: {v}")))
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

/// (clearance, clearanceExpiresAt) of an action's verdict now.
async fn clearance_for(app: &TestApp, token: &str, loan: &str, action: &str) -> (String, DateTime<Utc>) {
    let r = app.gql(token, PERMITTED, json!({ "id": loan })).await;
    let v = r["permittedActions"]
        .as_array()
        .expect("verdicts")
        .iter()
        .find(|v| v["action"] == action)
        .unwrap_or_else(|| panic!("no {action}: {r}"))
        .clone();
    assert_eq!(v["allowed"], true, "{v}");
    (v["clearance"].as_str().expect("a clearance").to_owned(), instant(&v["clearanceExpiresAt"]))
}

async fn record(app: &TestApp, token: &str, input: Value) -> Value {
    let r = app.gql(token, RECORD, json!({ "input": input })).await["recordContact"].clone();
    assert_eq!(r["userErrors"], json!([]), "never refused for its clearance: {r}");
    assert!(r["contact"]["id"].is_string(), "always stored: {r}");
    r
}

fn warning_codes(r: &Value) -> Vec<Value> {
    r["warnings"].as_array().expect("warnings").iter().map(|w| w["code"].clone()).collect()
}

#[tokio::test]
async fn a_clearance_is_accepted_until_its_expiry_then_the_contact_is_stored_uncleared_with_a_warning() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let s = overdue_loan(&app, "A", "2026-02-02", json!({}), json!({})).await;
    assign(&app, uuid_of(&s.loan), &app.orgs.agency).await;
    let token = app.mint(Role::CollectionAgency, app.orgs.agency.id, None, "agency-system");

    let r = app.gql(&token, PERMITTED, json!({ "id": s.loan })).await;
    for v in r["permittedActions"].as_array().expect("verdicts") {
        assert_eq!(
            v["clearance"].is_string(),
            v["clearanceExpiresAt"].is_string(),
            "an expiry with each clearance: {v}"
        );
    }
    let issued = app.now();
    let (call, expires) = clearance_for(&app, &token, &s.loan, "CALL").await;
    assert_eq!(expires, issued + Duration::minutes(15), "the shipped policy's contact.clearance_minutes");

    app.advance(Duration::minutes(14));
    let r = record(&app, &token, contact(&s.loan, 1, "CALL", app.now(), Some(&call))).await;
    assert_eq!((&r["clearance"], &r["contact"]["clearance"]), (&json!("ACCEPTED"), &json!("CLEARED")));
    assert_eq!(r["warnings"], json!([]));

    // The clock crosses the expiry: the same clearance no longer covers a contact made now.
    app.advance(Duration::minutes(2));
    assert!(app.now() > expires);
    let token = app.mint(Role::CollectionAgency, app.orgs.agency.id, None, "agency-system");
    let r = record(&app, &token, contact(&s.loan, 2, "CALL", app.now(), Some(&call))).await;
    assert_eq!((&r["clearance"], &r["contact"]["clearance"]), (&json!("EXPIRED"), &json!("UNCLEARED")));
    let w = &r["warnings"][0];
    assert_eq!((&w["code"], &w["field"]), (&json!("CLEARANCE_EXPIRED"), &json!(["input", "clearance"])), "{r}");
    assert_eq!(instant(&w["params"]["expiredAt"]), expires);
    // A retry of that contact answers the same.
    let again = record(&app, &token, contact(&s.loan, 2, "CALL", app.now(), Some(&call))).await;
    assert_eq!((&again["contact"]["id"], &again["clearance"]), (&r["contact"]["id"], &json!("EXPIRED")));
    assert_eq!(again["warnings"], r["warnings"]);
    // The warning is for a person: in the language the caller asks for, the same for a program.
    let body =
        json!({ "query": RECORD, "variables": { "input": contact(&s.loan, 2, "CALL", app.now(), Some(&call)) } });
    let ru: Value = app
        .client
        .post(&app.url)
        .bearer_auth(&token)
        .header("Accept-Language", "ru")
        .json(&body)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let ru_w = &ru["data"]["recordContact"]["warnings"][0];
    assert_eq!((&ru_w["code"], &ru_w["params"]), (&w["code"], &w["params"]), "{ru}");
    assert_ne!(ru_w["message"], w["message"], "{ru}");
    assert!(ru_w["message"].as_str().is_some_and(|m| m.contains("Срок разрешения истёк")), "{ru}");
    assert_eq!(app.count("contact_event").await, 2);
}

#[tokio::test]
async fn a_foreign_malformed_missing_or_later_issued_clearance_is_named_and_the_contact_still_stored() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let s = overdue_loan(&app, "A", "2026-02-02", json!({}), json!({})).await;
    let other = overdue_loan(&app, "B", "2026-02-02", json!({}), json!({})).await;
    for l in [&s.loan, &other.loan] {
        assign(&app, uuid_of(l), &app.orgs.agency).await;
    }
    let token = app.mint(Role::CollectionAgency, app.orgs.agency.id, None, "agency-system");
    let now = app.now();
    let (call, _) = clearance_for(&app, &token, &s.loan, "CALL").await;

    let cases: Vec<(&str, Value, &str, Value)> = vec![
        ("another action", contact(&s.loan, 1, "EMAIL", now, Some(&call)), "FOREIGN", json!({ "differs": ["action"] })),
        ("another loan", contact(&other.loan, 2, "CALL", now, Some(&call)), "FOREIGN", json!({ "differs": ["loan"] })),
        ("not ours", contact(&s.loan, 3, "CALL", now, Some(&format!("{call}x"))), "MALFORMED", json!({})),
        ("garbage", contact(&s.loan, 4, "CALL", now, Some("not-a-clearance")), "MALFORMED", json!({})),
        (
            "a contact an hour before the clearance",
            contact(&s.loan, 5, "CALL", now - Duration::hours(1), Some(&call)),
            "ISSUED_AFTER_CONTACT",
            json!({ "issuedAt": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true) }),
        ),
    ];
    for (case, input, outcome, params) in cases {
        let r = record(&app, &token, input).await;
        assert_eq!((&r["clearance"], &r["contact"]["clearance"]), (&json!(outcome), &json!("UNCLEARED")), "{case}");
        assert_eq!(warning_codes(&r), vec![json!(format!("CLEARANCE_{outcome}"))], "{case}");
        assert_eq!(r["warnings"][0]["params"], params, "{case}");
    }

    // Another user of the same agency holds it: not theirs to quote.
    let colleague = app.mint(Role::CollectionAgency, app.orgs.agency.id, None, "agency-desk-2");
    let r = record(&app, &colleague, contact(&s.loan, 6, "CALL", now, Some(&call))).await;
    assert_eq!((&r["clearance"], &r["warnings"][0]["params"]), (&json!("FOREIGN"), &json!({ "differs": ["holder"] })));

    let r = record(&app, &token, contact(&s.loan, 7, "SMS", now, None)).await;
    assert_eq!((&r["clearance"], &r["contact"]["clearance"]), (&json!("MISSING"), &json!("UNCLEARED")));
    assert_eq!(r["warnings"], json!([]), "quoting none is no mistake");
    assert_eq!(app.count("contact_event").await, 7);
}
