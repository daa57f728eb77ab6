//! Conscripted borrowers: M1–M6, deferrals granted, refused, confirmed and shortened, and no
//! collection during service, through the GraphQL endpoint.

//! Collection agencies and conscripted borrowers: X1–X7, R9, R14, R16–R18, M1–M6, through
//! the GraphQL endpoint. The pure verdicts have their own tables in `rules::collection`.

use crate::collection::{verdict, verdicts};
use crate::helpers::TestApp;
use crate::helpers::fixtures::{Setup, on, overdue_loan};
use entity::enums::Jurisdiction;
use serde_json::{Value, json};

const DEFERRAL: &str =
    "deferral { id status protectedUntil deadlines { kind rule status dueDate } } userErrors { field code rule }";

async fn military(app: &TestApp, token: &str, mutation: &str, input_type: &str, input: Value) -> Value {
    let q = format!("mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {DEFERRAL} }} }}");
    app.gql(token, &q, json!({ "input": input })).await[mutation].clone()
}

#[tokio::test]
async fn m5_a_conscripts_loan_refuses_every_collection_action_until_service_end_plus_60_days() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let s =
        overdue_loan(&app, "A", "2026-02-02", json!({ "businessPurpose": true, "mortgageSecured": true }), json!({}))
            .await;
    let r = military(
        &app,
        &app.staff(),
        "registerConscription",
        "RegisterConscriptionInput",
        json!({ "loanId": s.loan, "serviceStart": "2026-03-10", "serviceEnd": "2027-03-10" }),
    )
    .await;
    assert_eq!(r["deferral"]["protectedUntil"], "2027-05-09");
    for v in verdicts(&app, &app.staff(), &s.loan, None).await {
        assert_eq!(v["allowed"], false, "{v}");
        assert!(v["basis"].as_array().expect("basis").contains(&json!("M5")), "{v}");
    }
    let on_the_last_day = verdicts(&app, &app.staff(), &s.loan, Some("2027-05-09T10:00:00Z")).await;
    assert!(on_the_last_day.iter().all(|v| v["allowed"] == false));
    let after = verdicts(&app, &app.staff(), &s.loan, Some("2027-05-10T05:00:00Z")).await;
    assert_eq!(verdict(&after, "SMS")["allowed"], true, "protection over: {after:?}");
    assert_eq!(verdict(&after, "CALL")["allowed"], false, "10 May 2027 is a KZ day off (Victory Day observed)");
    let tuesday = verdicts(&app, &app.staff(), &s.loan, Some("2027-05-11T05:00:00Z")).await;
    assert_eq!(verdict(&tuesday, "CALL")["allowed"], true);
}

/// On 2026-03-17 a borrower (first installment due 2026-04-02) is called up for
/// 2026-03-20 – 2027-03-20; the MFO registers it: the loan and `registerConscription`'s payload.
async fn conscript(app: &TestApp) -> (Setup, Value) {
    on(app, "2026-03-17");
    let s = overdue_loan(app, "A", "2026-04-02", json!({}), json!({})).await;
    let input = json!({ "loanId": s.loan, "serviceStart": "2026-03-20", "serviceEnd": "2027-03-20" });
    let r = military(app, &app.staff(), "registerConscription", "RegisterConscriptionInput", input).await;
    (s, r)
}

/// Two staff granting the same deferral at once: it is granted once, so the schedule moves
/// past service + 60 days once (M1), not once per desk; the other grants are out of step.
#[tokio::test]
async fn m1_concurrent_grants_move_the_schedule_once() {
    let app = TestApp::spawn().await;
    let (s, r) = conscript(&app).await;
    let staff = app.staff();
    let id = r["deferral"]["id"].clone();
    let schedule = "query($id: ID!) { loan(id: $id) { termMonths installments(first: 100) { nodes { dueDate principal interest } } } }";
    let before = app.gql(&staff, schedule, json!({ "id": s.loan })).await["loan"].clone();
    let grants = futures_util::future::join_all(
        (0..6)
            .map(|_| military(&app, &staff, "grantMilitaryDeferral", "DeferralRefInput", json!({ "deferralId": id }))),
    )
    .await;
    TestApp::applied_once(&grants, "deferralId", "grant");
    let granted = app.gql(&staff, schedule, json!({ "id": s.loan })).await["loan"].clone();
    assert_eq!(granted["installments"]["nodes"][0]["dueDate"], "2027-06-01", "moved past service + 60 days, once");
    assert_eq!(
        granted["installments"]["nodes"].as_array().map(Vec::len),
        before["installments"]["nodes"].as_array().map(Vec::len),
        "the same installments, moved"
    );
    let trail = app.audit_actions(&staff, &id).await;
    assert_eq!(trail.iter().filter(|a| a.ends_with(".granted")).count(), 1, "{trail:?}");
}

#[tokio::test]
async fn m1_to_m4_the_deferral_is_granted_refused_confirmed_and_shortened_by_discharge() {
    let app = TestApp::spawn().await;
    let (s, r) = conscript(&app).await;
    let staff = app.staff();
    let id = r["deferral"]["id"].clone();
    assert_eq!(
        r["deferral"]["deadlines"][0],
        json!({ "kind": "MILITARY_DEFERRAL_GRANT", "rule": "M1", "status": "OPEN", "dueDate": "2026-04-01" })
    );
    let schedule = "query($id: ID!) { loan(id: $id) { termMonths installments(first: 100) { nodes { dueDate principal interest } } } }";
    let before = app.gql(&staff, schedule, json!({ "id": s.loan })).await["loan"].clone();
    let r = military(&app, &staff, "grantMilitaryDeferral", "DeferralRefInput", json!({ "deferralId": id })).await;
    assert_eq!(r["deferral"]["status"], "GRANTED");
    assert_eq!(r["deferral"]["deadlines"][0]["status"], "MET");
    let granted = app.gql(&staff, schedule, json!({ "id": s.loan })).await["loan"].clone();
    assert_eq!(granted["installments"]["nodes"][0]["dueDate"], "2027-06-01", "moved past service + 60 days");
    assert_eq!(
        granted["installments"]["nodes"][0]["principal"], before["installments"]["nodes"][0]["principal"],
        "payment size stays"
    );
    assert_eq!(
        granted["installments"]["nodes"][0]["interest"], before["installments"]["nodes"][0]["interest"],
        "no interest added"
    );
    assert!(granted["termMonths"].as_i64() > before["termMonths"].as_i64(), "the term grows");
    let interest = verdict(&verdicts(&app, &staff, &s.loan, None).await, "CHARGE_INTEREST").clone();
    assert!(interest["basis"].as_array().expect("basis").contains(&json!("M2")));

    on(&app, "2026-04-01");
    let borrower_late = app.borrower_token(&app.orgs.kz_mfo, s.borrower);
    let r =
        military(&app, &borrower_late, "refuseMilitaryDeferral", "DeferralRefInput", json!({ "deferralId": id })).await;
    assert_eq!(r["userErrors"][0]["rule"], "M3", "15 days after the notice: too late");
    on(&app, "2026-03-31");
    let borrower = app.borrower_token(&app.orgs.kz_mfo, s.borrower);
    let r = military(&app, &borrower, "refuseMilitaryDeferral", "DeferralRefInput", json!({ "deferralId": id })).await;
    assert_eq!(r["deferral"]["status"], "REFUSED_BY_BORROWER", "{r}");
    let confirm = r["deferral"]["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .find(|d| d["rule"] == "M3")
        .expect("M3")
        .clone();
    assert_eq!(confirm["dueDate"], "2026-04-15");
    let r =
        military(&app, &app.staff(), "confirmMilitaryDeferralRefusal", "DeferralRefInput", json!({ "deferralId": id }))
            .await;
    assert_eq!(r["deferral"]["status"], "REFUSAL_CONFIRMED");
    let restored = app.gql(&app.staff(), schedule, json!({ "id": s.loan })).await["loan"].clone();
    assert_eq!(
        restored["installments"]["nodes"], before["installments"]["nodes"],
        "interest resumes on the old schedule"
    );

    on(&app, "2026-09-01");
    let r = military(
        &app,
        &app.staff(),
        "registerDischarge",
        "RegisterDischargeInput",
        json!({ "deferralId": id, "dischargedOn": "2026-08-15" }),
    )
    .await;
    assert_eq!(r["deferral"]["protectedUntil"], "2026-10-14", "M4: discharge + 60 days");
}

#[tokio::test]
async fn m6_no_protection_with_a_court_act_and_m1_a_missed_grant_escalates() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let judged = overdue_loan(&app, "J", "2026-02-02", json!({}), json!({})).await;
    let fact =
        "mutation($input: RecordLoanLegalFactInput!) { recordLoanLegalFact(input: $input) { userErrors { code } } }";
    app.gql(
        &app.staff(),
        fact,
        json!({ "input": { "loanId": judged.loan, "kind": "COURT_ACT", "occurredOn": "2026-03-01" } }),
    )
    .await;
    let r = military(
        &app,
        &app.staff(),
        "registerConscription",
        "RegisterConscriptionInput",
        json!({ "loanId": judged.loan, "serviceStart": "2026-03-10", "serviceEnd": "2027-03-10" }),
    )
    .await;
    assert_eq!(r["deferral"]["status"], "NOT_APPLICABLE");
    assert_eq!(r["deferral"]["deadlines"], json!([]));
    assert_eq!(verdict(&verdicts(&app, &app.staff(), &judged.loan, None).await, "SMS")["allowed"], true);

    let s = overdue_loan(&app, "A", "2026-04-02", json!({}), json!({})).await;
    military(
        &app,
        &app.staff(),
        "registerConscription",
        "RegisterConscriptionInput",
        json!({ "loanId": s.loan, "serviceStart": "2026-03-20", "serviceEnd": "2027-03-20" }),
    )
    .await;
    on(&app, "2026-04-02");
    app.scanner("s").tick().await.expect("tick");
    let esc = app
        .gql(
            &app.regulator(Jurisdiction::Kz),
            "{ escalations(filter: { rule: \"M1\" }) { edges { node { rule } } } }",
            json!({}),
        )
        .await;
    assert_eq!(esc["escalations"]["edges"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn m1_bureau_data_received_before_the_mfo_was_founded_is_refused() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let mfo = crate::helpers::fixtures::founded_mfo(&app, "Founded MFO", Jurisdiction::Kz, "2026-02-01").await;
    let (_, _, loan) = crate::helpers::fixtures::borrower_with_loan(&app, &mfo, "F", "2026-01-10").await;
    let staff = app.staff_of(&mfo);
    let input = |received: &str| json!({ "loanId": loan, "serviceStart": "2026-03-20", "serviceEnd": "2027-03-20", "bureauReceivedAt": received });
    // The eve of the founding, 23:59 in Almaty.
    let r = military(&app, &staff, "registerConscription", "RegisterConscriptionInput", input("2026-01-31T18:59:59Z"))
        .await;
    assert_eq!(r["deferral"], Value::Null, "{r}");
    assert_eq!(r["userErrors"], json!([{ "field": ["input", "bureauReceivedAt"], "code": "INVALID", "rule": "M1" }]));
    assert_eq!(app.count("military_deferral").await, 0);
    let r = military(&app, &staff, "registerConscription", "RegisterConscriptionInput", input("2026-01-31T19:00:00Z"))
        .await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
}
