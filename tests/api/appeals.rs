//! Appeals to the regulator against a refused restructuring: R15's window, the regulator's
//! resolution and R16's home protection, through the GraphQL endpoint.

//! Delinquency notices, restructuring applications, decisions and appeals: R1–R16, R19
//! and D1 of docs/law.md, through the GraphQL endpoint, moving the clock across deadlines.

use crate::helpers::TestApp;
use crate::helpers::fixtures::on;
use crate::helpers::fixtures::{Setup, overdue_loan};
use crate::restructuring::{csid, decide, decide_input, submit};
use entity::enums::Jurisdiction;
use serde_json::{Value, json};

async fn refused_application(app: &TestApp, key: &str, loan_extra: Value, borrower_extra: Value) -> (Setup, Value) {
    let s = overdue_loan(app, key, "2026-10-02", loan_extra, borrower_extra).await;
    let a = submit(app, &s, &csid(900 + key.len() as u32)).await["application"].clone();
    decide(app, decide_input(&a["id"], "REFUSE")).await;
    (s, a)
}

pub(crate) fn appeal_input(id: &Value) -> Value {
    json!({ "applicationId": id, "statement": "The MFO refused without looking at my income.", "evidence": [{ "name": "refusal.pdf" }] })
}

const FILE: &str = "mutation($input: FileRegulatorAppealInput!) { fileRegulatorAppeal(input: $input) { appeal { id status repeat homeProtection { applies until } } userErrors { field code rule reason params } } }";

/// R15's window from the outside: `first`'s borrower appeals on `last_day` (accepted),
/// `second`'s on the day after (refused, naming `last_day`).
async fn appeal_window(
    app: &TestApp,
    first: (&Setup, &Value),
    second: (&Setup, &Value),
    last_day: &str,
    day_after: &str,
) {
    on(app, last_day);
    let r = app
        .gql(
            &app.borrower_token(&app.orgs.kz_mfo, first.0.borrower),
            FILE,
            json!({ "input": appeal_input(&first.1["id"]) }),
        )
        .await;
    assert_eq!(r["fileRegulatorAppeal"]["appeal"]["status"], "UNDER_REVIEW", "the last day: {r}");
    on(app, day_after);
    let r = app
        .gql(
            &app.borrower_token(&app.orgs.kz_mfo, second.0.borrower),
            FILE,
            json!({ "input": appeal_input(&second.1["id"]) }),
        )
        .await;
    assert_eq!(
        r["fileRegulatorAppeal"]["userErrors"],
        json!([{
            "field": ["input", "applicationId"],
            "code": "RULE_VIOLATION",
            "rule": "R15",
            "reason": "APPEAL_WINDOW_CLOSED",
            "params": { "lastDay": last_day }
        }]),
        "the day after: {r}"
    );
}

#[tokio::test]
async fn r15_an_appeal_on_day_15_is_accepted_and_on_day_16_refused() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-10");
    let (s, a) = refused_application(&app, "A", json!({}), json!({})).await;
    let (s2, a2) = refused_application(&app, "BB", json!({}), json!({})).await;
    // Refused on 10-10: its 15 calendar days end on 10-25 (local date).
    appeal_window(&app, (&s, &a), (&s2, &a2), "2026-10-25", "2026-10-26").await;
    // The MFO was notified: the event is addressed to it.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let notified = entity::outbox_event::Entity::find()
        .filter(entity::outbox_event::Column::Topic.eq("appeal.filed"))
        .filter(entity::outbox_event::Column::OrgId.eq(app.orgs.kz_mfo.id))
        .all(&app.ctx.db)
        .await
        .expect("events");
    assert_eq!(notified.len(), 1);
}

/// An application of its own loan counter-proposed on the day, the proposal delivered then.
async fn counter_proposed(app: &TestApp, key: &str) -> (Setup, Value) {
    let s = overdue_loan(app, key, "2026-10-02", json!({}), json!({})).await;
    let a = submit(app, &s, &csid(700 + key.len() as u32)).await["application"].clone();
    let mut counter = decide_input(&a["id"], "COUNTER_PROPOSAL");
    counter["replyBy"] = json!("2026-10-25");
    let r = decide(app, counter).await;
    assert_eq!(r["application"]["status"], "COUNTER_PROPOSED", "{r}");
    (s, a)
}

#[tokio::test]
async fn r15_after_an_r13_deemed_refusal_the_last_day_to_appeal_is_receipt_plus_45_whenever_the_scan_noticed() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-10");
    let (s, a) = counter_proposed(&app, "A").await;
    let (s2, a2) = counter_proposed(&app, "BB").await;
    // Received 10-10: no agreement by the end of 11-09 (R13), the 15 days run 11-10..11-24.
    // The scan notices both only on the last day, two weeks late.
    on(&app, "2026-11-24");
    app.scanner("s").tick().await.expect("tick");
    appeal_window(&app, (&s, &a), (&s2, &a2), "2026-11-24", "2026-11-25").await;
}

const RESOLVE: &str = "mutation($input: ResolveRegulatorAppealInput!) { resolveRegulatorAppeal(input: $input) { appeal { status outcome } userErrors { field code } } }";

/// An appeal the borrower filed on 2026-10-10 against a refusal, under review.
async fn filed_appeal(app: &TestApp) -> Value {
    on(app, "2026-10-10");
    let (s, a) = refused_application(app, "A", json!({}), json!({})).await;
    let r = app
        .gql(&app.borrower_token(&app.orgs.kz_mfo, s.borrower), FILE, json!({ "input": appeal_input(&a["id"]) }))
        .await;
    r["fileRegulatorAppeal"]["appeal"]["id"].clone()
}

#[tokio::test]
async fn r15_only_the_regulator_resolves_an_appeal() {
    let app = TestApp::spawn().await;
    let id = filed_appeal(&app).await;
    let input = json!({ "input": { "appealId": id, "outcome": "UPHELD", "note": "The MFO must review the income." } });
    assert_eq!(app.error_code(&app.manager(), RESOLVE, input.clone()).await, "FORBIDDEN");
    assert_eq!(
        app.error_code(&app.regulator(Jurisdiction::Kg), RESOLVE, input.clone()).await,
        "NOT_FOUND",
        "another jurisdiction"
    );
    let r = app.gql(&app.regulator(Jurisdiction::Kz), RESOLVE, input.clone()).await;
    assert_eq!(r["resolveRegulatorAppeal"]["appeal"], json!({ "status": "RESOLVED", "outcome": "UPHELD" }));
    assert_eq!(
        app.gql(&app.regulator(Jurisdiction::Kz), RESOLVE, input).await["resolveRegulatorAppeal"]["userErrors"][0]["code"],
        "CONFLICT"
    );
}

/// Two regulator desks resolving one appeal at once (one upholds, one rejects): one
/// resolution is kept and audited, the others are refused as already done.
#[tokio::test]
async fn r15_concurrent_resolutions_of_one_appeal_keep_one() {
    let app = TestApp::spawn().await;
    let id = filed_appeal(&app).await;
    let reg = app.regulator(Jurisdiction::Kz);
    let tries = futures_util::future::join_all((0..8).map(|k| {
        let outcome = if k % 2 == 0 { "UPHELD" } else { "REJECTED" };
        let input = json!({ "input": { "appealId": id, "outcome": outcome, "note": format!("desk {k}") } });
        let (app, reg) = (&app, reg.clone());
        async move { app.gql(&reg, RESOLVE, input).await["resolveRegulatorAppeal"].clone() }
    }))
    .await;
    TestApp::applied_once(&tries, "appealId", "resolution");
    let trail = app.audit_actions(&reg, &id).await;
    assert_eq!(trail.iter().filter(|a| a.contains("resolved")).count(), 1, "one resolution audited: {trail:?}");
}

#[tokio::test]
async fn r16_a_vulnerable_borrowers_home_is_protected_for_60_days_but_not_on_a_repeat_appeal() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-10");
    let home = json!({ "mortgageSecured": true, "securedByDwelling": true, "businessPurpose": false });
    let (s, a) = refused_application(&app, "A", home.clone(), json!({ "sociallyVulnerable": true })).await;
    let token = app.borrower_token(&app.orgs.kz_mfo, s.borrower);
    let first =
        app.gql(&token, FILE, json!({ "input": appeal_input(&a["id"]) })).await["fileRegulatorAppeal"]["appeal"]
            .clone();
    assert_eq!(first["homeProtection"], json!({ "applies": true, "until": "2026-12-09" }));
    let again =
        app.gql(&token, FILE, json!({ "input": appeal_input(&a["id"]) })).await["fileRegulatorAppeal"]["appeal"]
            .clone();
    assert_eq!((again["repeat"].clone(), again["homeProtection"]["applies"].clone()), (json!(true), json!(false)));
    let (s2, b) = refused_application(&app, "BB", home, json!({ "sociallyVulnerable": false })).await;
    let other = app
        .gql(&app.borrower_token(&app.orgs.kz_mfo, s2.borrower), FILE, json!({ "input": appeal_input(&b["id"]) }))
        .await;
    assert_eq!(other["fileRegulatorAppeal"]["appeal"]["homeProtection"]["applies"], false, "not socially vulnerable");
    // R16 as a collector meets it: foreclosure is refused on day 60, not on day 61.
    let foreclose = |at: &'static str| {
        let app = &app;
        let loan = s.loan.clone();
        async move {
            let q =
                "query($id: ID!, $at: DateTime) { permittedActions(loanId: $id, at: $at) { action allowed basis } }";
            let r = app.gql(&app.staff(), q, json!({ "id": loan, "at": at })).await;
            let verdicts = r["permittedActions"].as_array().expect("verdicts").clone();
            let v = verdicts.into_iter().find(|v| v["action"] == "FORECLOSE").expect("FORECLOSE verdict");
            (v["allowed"].clone(), v["basis"].clone())
        }
    };
    assert_eq!(foreclose("2026-12-09T12:00:00Z").await, (json!(false), json!(["R16"])), "day 60 protected");
    assert_eq!(foreclose("2026-12-10T12:00:00Z").await.0, json!(true), "day 61 not");
}
