//! Collection agencies: X1–X7, R9, R14, R16–R18, through the GraphQL endpoint, the agencies'
//! `contacts` connection across their loans, and verdicts asked for before the first policy
//! version. The pure verdicts have their own tables in `rules::collection`.

use std::sync::Arc;

use chrono::Duration;
use entity::enums::{Jurisdiction, Role};
use mfo_api::graphql::ids::Kind;
use serde_json::{Value, json};

use crate::connections::field_of;
use crate::helpers::fixtures::{Setup, assign, on, overdue_loan, uuid_of};
use crate::helpers::{TestApp, at};
use crate::node::gid;

const PERMITTED: &str = "query($id: ID!, $at: DateTime) { permittedActions(loanId: $id, at: $at) { action allowed basis reason nextAllowedAt remaining clearance } }";
const RECORD: &str = "mutation($input: RecordContactInput!) { recordContact(input: $input) { contact { id violations clearance channel } userErrors { field code rule } } }";

pub(crate) async fn verdicts(app: &TestApp, token: &str, loan: &str, when: Option<&str>) -> Vec<Value> {
    let r = app.gql(token, PERMITTED, json!({ "id": loan, "at": when })).await;
    r["permittedActions"].as_array().expect("verdicts").clone()
}

pub(crate) fn verdict<'a>(list: &'a [Value], action: &str) -> &'a Value {
    list.iter().find(|v| v["action"] == action).unwrap_or_else(|| panic!("no verdict for {action}: {list:?}"))
}

/// X2's disclosure as the test agency makes it: its registered name (X6 compares it).
fn disclosure() -> Value {
    json!({ "organizationName": "Agency", "organizationLocation": "Almaty, Dostyk 5", "personName": "Nurzhan Abenov", "personPosition": "Collector" })
}

pub(crate) fn contact(loan: &str, csid: u32, channel: &str, when: &str) -> Value {
    json!({
        "clientSubmissionId": format!("00000000-0000-4000-9000-{csid:012}"), "loanId": loan, "channel": channel,
        "occurredAt": when, "disclosure": disclosure(), "outcome": "REACHED", "destination": "+7 701 000 00 00",
    })
}

/// An overdue KZ loan handed to the agency; the agency's token.
async fn agency_loan(app: &TestApp) -> (Setup, String) {
    let s = overdue_loan(app, "A", "2026-02-02", json!({}), json!({})).await;
    assign(app, crate::helpers::fixtures::uuid_of(&s.loan), &app.orgs.agency).await;
    let token = app.mint(Role::CollectionAgency, app.orgs.agency.id, None, "agency-system");
    (s, token)
}

#[tokio::test]
async fn x3_the_answer_is_right_to_the_minute_in_the_borrowers_time_zone() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let (s, token) = agency_loan(&app).await;
    let list = verdicts(&app, &token, &s.loan, Some("2026-03-17T02:59:00Z")).await;
    assert_eq!(list.len(), 7, "an agency is answered about contacts");
    let call = verdict(&list, "CALL");
    assert_eq!((call["allowed"].clone(), call["basis"].clone()), (json!(false), json!(["X3"])));
    assert_eq!(call["nextAllowedAt"], "2026-03-17T03:00:00+00:00", "08:00 in Almaty");
    assert!(call["reason"].as_str().unwrap_or("").contains("08:00–21:00"), "in the borrower's Russian: {call}");
    assert!(call["clearance"].is_null());
    let list = verdicts(&app, &token, &s.loan, None).await;
    let call = verdict(&list, "CALL");
    assert_eq!((call["allowed"].clone(), call["remaining"].clone()), (json!(true), json!(3)));
    assert!(call["clearance"].is_string(), "an allowed contact comes with a clearance");
    let evening = verdicts(&app, &token, &s.loan, Some("2026-03-17T16:00:00Z")).await;
    assert_eq!(verdict(&evening, "CALL")["nextAllowedAt"], "2026-03-18T03:00:00+00:00", "21:00 is closed");
    let saturday = verdicts(&app, &token, &s.loan, Some("2026-03-21T06:00:00Z")).await;
    assert_eq!(
        verdict(&saturday, "CALL")["nextAllowedAt"],
        "2026-03-26T03:00:00+00:00",
        "after the weekend and Nauryz"
    );
}

#[tokio::test]
async fn an_agency_asking_about_a_loan_not_assigned_to_it_gets_not_found() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let (s, _) = agency_loan(&app).await;
    let other = app.mint(Role::CollectionAgency, app.orgs.agency_2.id, None, "other");
    assert_eq!(app.error_code(&other, PERMITTED, json!({ "id": s.loan })).await, "NOT_FOUND");
    let c = contact(&s.loan, 1, "CALL", "2026-03-17T05:00:00Z");
    assert_eq!(app.error_code(&other, RECORD, json!({ "input": c })).await, "NOT_FOUND");
    let borrower = app.borrower_token(&app.orgs.kz_mfo, s.borrower);
    assert_eq!(app.error_code(&borrower, PERMITTED, json!({ "id": s.loan })).await, "FORBIDDEN");
    // Recalled: the agency loses the loan.
    let m = "mutation($input: RecallLoanFromAgencyInput!) { recallLoanFromAgency(input: $input) { assignment { endedAt } userErrors { code } } }";
    let r = app.gql(&app.manager(), m, json!({ "input": { "loanId": s.loan } })).await;
    assert!(r["recallLoanFromAgency"]["assignment"]["endedAt"].is_string());
    let agency = app.mint(Role::CollectionAgency, app.orgs.agency.id, None, "agency-system");
    assert_eq!(app.error_code(&agency, PERMITTED, json!({ "id": s.loan })).await, "NOT_FOUND");
    let list = app.gql(&agency, "{ loans { edges { node { id } } } }", json!({})).await;
    assert_eq!(list["loans"]["edges"], json!([]));
}

#[tokio::test]
async fn x3_a_contact_at_21_30_is_stored_and_flagged_and_escalated() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let (s, _) = agency_loan(&app).await;
    app.clock.set(at("2026-03-17T16:40:00Z"));
    let token_late = app.mint(Role::CollectionAgency, app.orgs.agency.id, None, "agency-system");
    let r = app.gql(&token_late, RECORD, json!({ "input": contact(&s.loan, 1, "CALL", "2026-03-17T16:30:00Z") })).await;
    let c = &r["recordContact"]["contact"];
    assert_eq!(c["violations"], json!(["X3"]), "{r}");
    assert_eq!(c["clearance"], "UNCLEARED");
    let esc = app
        .gql(&app.regulator(Jurisdiction::Kz), "{ escalations { edges { node { kind rule subjectId } } } }", json!({}))
        .await;
    assert_eq!(
        esc["escalations"]["edges"][0]["node"],
        json!({ "kind": "RULE_BREACH", "rule": "X3", "subjectId": c["id"] })
    );
    assert_eq!(app.count("contact_event").await, 1, "stored: the call happened");
}

#[tokio::test]
async fn x3_the_fourth_call_of_a_day_is_refused_and_its_contact_flagged() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let (s, _) = agency_loan(&app).await;
    app.clock.set(at("2026-03-17T07:00:00Z"));
    let token = app.mint(Role::CollectionAgency, app.orgs.agency.id, None, "agency-system");
    for (i, hour) in ["04:00", "05:00", "06:00"].iter().enumerate() {
        let r = app
            .gql(
                &token,
                RECORD,
                json!({ "input": contact(&s.loan, i as u32 + 1, "CALL", &format!("2026-03-17T{hour}:00Z")) }),
            )
            .await;
        assert_eq!(r["recordContact"]["contact"]["violations"], json!([]), "call {i}: {r}");
    }
    let call = verdict(&verdicts(&app, &token, &s.loan, None).await, "CALL").clone();
    assert_eq!((call["allowed"].clone(), call["remaining"].clone()), (json!(false), json!(0)));
    assert_eq!(call["nextAllowedAt"], "2026-03-18T03:00:00+00:00");
    let sms = verdict(&verdicts(&app, &token, &s.loan, None).await, "SMS").clone();
    assert_eq!(sms["allowed"], true, "texts are not calls");
    let r = app.gql(&token, RECORD, json!({ "input": contact(&s.loan, 4, "CALL", "2026-03-17T07:00:00Z") })).await;
    assert_eq!(r["recordContact"]["contact"]["violations"], json!(["X3"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retried_record_contact_stores_one_contact() {
    let app = Arc::new(TestApp::spawn().await);
    on(&app, "2026-03-17");
    let (s, token) = agency_loan(&app).await;
    let input = contact(&s.loan, 9, "SMS", "2026-03-17T05:00:00Z");
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (app, token, input) = (app.clone(), token.clone(), input.clone());
            tokio::spawn(async move {
                app.gql(&token, RECORD, json!({ "input": input })).await["recordContact"]["contact"]["id"].clone()
            })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        ids.insert(t.await.expect("join").to_string());
    }
    assert_eq!(ids.len(), 1);
    assert_eq!(app.count("contact_event").await, 1);
    let mut other = input;
    other["channel"] = json!("EMAIL");
    let r = app.gql(&token, RECORD, json!({ "input": other })).await;
    assert_eq!(r["recordContact"]["userErrors"][0]["code"], "CONFLICT");
}

#[tokio::test]
async fn a_clearance_marks_the_contact_cleared_only_for_its_action_and_moment() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let (s, token) = agency_loan(&app).await;
    let list = verdicts(&app, &token, &s.loan, None).await;
    let call_clearance = verdict(&list, "CALL")["clearance"].clone();
    let mut cleared = contact(&s.loan, 1, "CALL", "2026-03-17T05:00:00Z");
    cleared["clearance"] = call_clearance.clone();
    let r = app.gql(&token, RECORD, json!({ "input": cleared })).await;
    assert_eq!(r["recordContact"]["contact"]["clearance"], "CLEARED");
    let mut wrong_action = contact(&s.loan, 2, "EMAIL", "2026-03-17T05:01:00Z");
    wrong_action["clearance"] = call_clearance.clone();
    assert_eq!(
        app.gql(&token, RECORD, json!({ "input": wrong_action })).await["recordContact"]["contact"]["clearance"],
        "UNCLEARED"
    );
    let mut forged = contact(&s.loan, 3, "CALL", "2026-03-17T05:02:00Z");
    forged["clearance"] = json!(format!("{}x", call_clearance.as_str().unwrap_or("")));
    assert_eq!(
        app.gql(&token, RECORD, json!({ "input": forged })).await["recordContact"]["contact"]["clearance"],
        "UNCLEARED"
    );
    let mut expired = contact(&s.loan, 4, "CALL", "2026-03-17T05:30:00Z");
    expired["clearance"] = call_clearance;
    app.advance(Duration::minutes(35));
    let token = app.mint(Role::CollectionAgency, app.orgs.agency.id, None, "agency-system");
    assert_eq!(
        app.gql(&token, RECORD, json!({ "input": expired })).await["recordContact"]["contact"]["clearance"],
        "UNCLEARED",
        "15 minutes"
    );
    let none = contact(&s.loan, 5, "SMS", "2026-03-17T05:31:00Z");
    assert_eq!(
        app.gql(&token, RECORD, json!({ "input": none })).await["recordContact"]["contact"]["clearance"],
        "UNCLEARED"
    );
}

#[tokio::test]
async fn x2_x5_a_contact_without_disclosure_or_with_a_third_party_for_another_purpose_is_flagged() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let (s, token) = agency_loan(&app).await;
    let mut anonymous = contact(&s.loan, 1, "CALL", "2026-03-17T05:00:00Z");
    anonymous["disclosure"] = json!({ "organizationName": "Agency" });
    assert_eq!(
        app.gql(&token, RECORD, json!({ "input": anonymous })).await["recordContact"]["contact"]["violations"],
        json!(["X2"])
    );
    let mut neighbour = contact(&s.loan, 2, "CALL", "2026-03-17T04:10:00Z");
    neighbour["party"] = json!("THIRD_PARTY");
    neighbour["thirdPartyPurpose"] = json!("OTHER");
    assert_eq!(
        app.gql(&token, RECORD, json!({ "input": neighbour })).await["recordContact"]["contact"]["violations"],
        json!(["X5"])
    );
    let mut locate = contact(&s.loan, 3, "CALL", "2026-03-17T04:20:00Z");
    locate["party"] = json!("THIRD_PARTY");
    locate["thirdPartyPurpose"] = json!("LOCATE_BORROWER");
    assert_eq!(
        app.gql(&token, RECORD, json!({ "input": locate })).await["recordContact"]["contact"]["violations"],
        json!([])
    );
    let mut no_purpose = contact(&s.loan, 4, "CALL", "2026-03-17T04:30:00Z");
    no_purpose["party"] = json!("THIRD_PARTY");
    assert_eq!(
        app.gql(&token, RECORD, json!({ "input": no_purpose })).await["recordContact"]["userErrors"][0]["field"],
        json!(["input", "thirdPartyPurpose"])
    );
}

#[tokio::test]
async fn x7_contacts_to_the_previous_details_count_until_the_change_is_reported() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let (s, token) = agency_loan(&app).await;
    let old_phone = "+7 701 000 00 00";
    let before = contact(&s.loan, 1, "CALL", "2026-03-17T04:30:00Z");
    assert_eq!(
        app.gql(&token, RECORD, json!({ "input": before })).await["recordContact"]["contact"]["violations"],
        json!([])
    );
    let borrower = app.borrower_token(&app.orgs.kz_mfo, s.borrower);
    let m = "mutation($input: UpdateMyContactDetailsInput!) { updateMyContactDetails(input: $input) { borrower { phone } reportedLate userErrors { field } } }";
    let r = app.gql(&borrower, m, json!({ "input": { "phone": "+7 777 123 45 67", "changedOn": "2026-03-01" } })).await;
    assert_eq!(r["updateMyContactDetails"]["borrower"]["phone"], "+7 777 123 45 67");
    assert_eq!(r["updateMyContactDetails"]["reportedLate"], true, "16 days after the change");
    // A contact made before the report, recorded afterwards, is still fine.
    let mut late_recorded = contact(&s.loan, 2, "CALL", "2026-03-17T04:45:00Z");
    late_recorded["destination"] = json!(old_phone);
    assert_eq!(
        app.gql(&token, RECORD, json!({ "input": late_recorded })).await["recordContact"]["contact"]["violations"],
        json!([])
    );
    app.advance(Duration::minutes(10));
    let token = app.mint(Role::CollectionAgency, app.orgs.agency.id, None, "agency-system");
    let mut after = contact(&s.loan, 3, "SMS", &app.now().to_rfc3339());
    after["destination"] = json!(old_phone);
    assert_eq!(
        app.gql(&token, RECORD, json!({ "input": after })).await["recordContact"]["contact"]["violations"],
        json!(["X7"])
    );
    assert_eq!(
        app.error_code(&token, m, json!({ "input": { "phone": "+7 777 000 00 00" } })).await,
        "FORBIDDEN",
        "a borrower's own"
    );
}

#[tokio::test]
async fn x1_a_letter_to_an_address_the_borrower_never_gave_is_stored_and_flagged() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let (s, token) = agency_loan(&app).await;
    let letter = |csid: u32, to: &str| {
        let mut c = contact(&s.loan, csid, "LETTER", "2026-03-17T05:00:00Z");
        c["destination"] = json!(to);
        json!({ "input": c })
    };
    let violations = |r: Value| r["recordContact"]["contact"]["violations"].clone();
    // The contract address (the borrower's), written as a clerk might.
    assert_eq!(violations(app.gql(&token, RECORD, letter(1, "almaty,  abay 1")).await), json!([]));
    let stranger = app.gql(&token, RECORD, letter(2, "Astana, Respublika 5")).await;
    assert_eq!(violations(stranger.clone()), json!(["X1"]), "{stranger}");
    assert!(stranger["recordContact"]["contact"]["id"].is_string(), "stored all the same");
    // A call to a number the borrower never gave is no X1 matter.
    let mut call = contact(&s.loan, 3, "CALL", "2026-03-17T05:00:00Z");
    call["destination"] = json!("+7 700 999 99 99");
    assert_eq!(violations(app.gql(&token, RECORD, json!({ "input": call })).await), json!([]));
}

#[tokio::test]
async fn r17_2_only_an_overdue_loan_whose_contract_allows_it_goes_to_an_agency_and_r18_follows() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let m = "mutation($input: AssignLoanToAgencyInput!) { assignLoanToAgency(input: $input) { assignment { agency { name } } userErrors { field code rule } } }";
    let agency_id = mfo_api::graphql::ids::encode(mfo_api::graphql::ids::Kind::Organization, app.orgs.agency.id).0;
    let forbids = overdue_loan(&app, "F", "2026-02-02", json!({ "contractAllowsAgency": false }), json!({})).await;
    let r = app.gql(&app.manager(), m, json!({ "input": { "loanId": forbids.loan, "agencyId": agency_id } })).await;
    assert_eq!(
        r["assignLoanToAgency"]["userErrors"],
        json!([{ "field": ["input", "loanId"], "code": "RULE_VIOLATION", "rule": "R17.2" }])
    );
    let current = overdue_loan(&app, "C", "2026-04-02", json!({}), json!({})).await;
    let r = app.gql(&app.manager(), m, json!({ "input": { "loanId": current.loan, "agencyId": agency_id } })).await;
    assert_eq!(r["assignLoanToAgency"]["userErrors"][0]["rule"], "R17.2", "not overdue");
    let s = overdue_loan(&app, "A", "2026-02-02", json!({}), json!({})).await;
    assert_eq!(
        app.error_code(&app.staff(), m, json!({ "input": { "loanId": s.loan, "agencyId": agency_id } })).await,
        "FORBIDDEN"
    );
    let r = app.gql(&app.manager(), m, json!({ "input": { "loanId": s.loan, "agencyId": agency_id } })).await;
    assert_eq!(r["assignLoanToAgency"]["assignment"]["agency"]["name"], "Agency");
    let with_reason = m.replace("rule }", "rule reason }");
    let again =
        app.gql(&app.manager(), &with_reason, json!({ "input": { "loanId": s.loan, "agencyId": agency_id } })).await;
    // One agency at a time: the loan's state, not the law's verdict, refuses it.
    let e = &again["assignLoanToAgency"]["userErrors"][0];
    assert_eq!(
        (&e["code"], &e["rule"], &e["reason"]),
        (&json!("CONFLICT"), &json!("R17.2"), &json!("ALREADY_AT_AGENCY"))
    );
    let list = verdicts(&app, &app.staff(), &s.loan, None).await;
    for action in ["FILE_LAWSUIT", "CHARGE_INTEREST", "ACCRUE_PENALTY"] {
        assert_eq!(verdict(&list, action)["basis"], json!(["R18"]), "{action}");
    }
}

#[tokio::test]
async fn r09_no_early_repayment_demand_while_the_application_is_reviewed() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let s = overdue_loan(&app, "A", "2026-03-02", json!({}), json!({})).await;
    assert_eq!(verdict(&verdicts(&app, &app.staff(), &s.loan, None).await, "DEMAND_EARLY_REPAYMENT")["allowed"], true);
    let m = "mutation($input: SubmitRestructuringApplicationInput!) { submitRestructuringApplication(input: $input) { application { id } } }";
    app.gql(
        &app.staff(),
        m,
        json!({ "input": { "loanId": s.loan, "channel": "IN_PERSON", "monthlyIncome": "200000" } }),
    )
    .await;
    let v = verdict(&verdicts(&app, &app.staff(), &s.loan, None).await, "DEMAND_EARLY_REPAYMENT").clone();
    assert_eq!((v["allowed"].clone(), v["basis"].clone()), (json!(false), json!(["R9"])));
}

/// A socially vulnerable borrower's home-secured loan, refused restructuring, whose
/// appeal the regulator now reviews (R15, R16): protected until 2026-05-16.
async fn protected_appeal(app: &TestApp) -> Setup {
    let home = json!({ "mortgageSecured": true, "securedByDwelling": true });
    let s = overdue_loan(app, "A", "2026-03-02", home, json!({ "sociallyVulnerable": true })).await;
    let submit = "mutation($input: SubmitRestructuringApplicationInput!) { submitRestructuringApplication(input: $input) { application { id } } }";
    let a = app
        .gql(
            &app.staff(),
            submit,
            json!({ "input": { "loanId": s.loan, "channel": "IN_PERSON", "monthlyIncome": "200000" } }),
        )
        .await;
    let id = a["submitRestructuringApplication"]["application"]["id"].clone();
    let decide = "mutation($input: DecideRestructuringApplicationInput!) { decideRestructuringApplication(input: $input) { userErrors { code } } }";
    app.gql(&app.manager(), decide, json!({ "input": { "applicationId": id, "decision": "REFUSE", "reasons": "no income", "signatory": { "fullName": "X" } } })).await;
    let file = "mutation($input: FileRegulatorAppealInput!) { fileRegulatorAppeal(input: $input) { appeal { homeProtection { until } } } }";
    let r = app
        .gql(
            &app.borrower_token(&app.orgs.kz_mfo, s.borrower),
            file,
            json!({ "input": { "applicationId": id, "statement": "unfair" } }),
        )
        .await;
    assert_eq!(r["fileRegulatorAppeal"]["appeal"]["homeProtection"]["until"], "2026-05-16");
    s
}

#[tokio::test]
async fn r16_no_foreclosure_while_the_regulator_reviews_a_protected_appeal() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let s = protected_appeal(&app).await;
    let v = verdict(&verdicts(&app, &app.staff(), &s.loan, None).await, "FORECLOSE").clone();
    assert_eq!((v["allowed"].clone(), v["basis"].clone()), (json!(false), json!(["R16"])));
    assert_eq!(v["nextAllowedAt"], "2026-05-16T19:00:00+00:00", "from day 61, local midnight");
    let later = verdicts(&app, &app.staff(), &s.loan, Some("2026-05-17T05:00:00Z")).await;
    assert_eq!(verdict(&later, "FORECLOSE")["allowed"], true);
}

#[tokio::test]
async fn r16_a_suit_for_the_debt_is_allowed_during_the_review_foreclosure_is_not_and_r18_refuses_both() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let s = protected_appeal(&app).await;
    let list = verdicts(&app, &app.staff(), &s.loan, None).await;
    let suit = verdict(&list, "FILE_LAWSUIT");
    assert_eq!(suit["allowed"], true, "R16 bars foreclosure on the home, not a claim for the money: {suit}");
    assert!(!suit["basis"].as_array().expect("basis").contains(&json!("R16")), "{suit}");
    let foreclose = verdict(&list, "FORECLOSE");
    assert_eq!((foreclose["allowed"].clone(), foreclose["basis"].clone()), (json!(false), json!(["R16"])));

    // R18: while the debt is with an agency the MFO sues for nothing, foreclosure included.
    assign(&app, crate::helpers::fixtures::uuid_of(&s.loan), &app.orgs.agency).await;
    let list = verdicts(&app, &app.staff(), &s.loan, None).await;
    let suit = verdict(&list, "FILE_LAWSUIT");
    assert_eq!((suit["allowed"].clone(), suit["basis"].clone()), (json!(false), json!(["R18"])));
    let foreclose = verdict(&list, "FORECLOSE");
    assert_eq!((foreclose["allowed"].clone(), foreclose["basis"].clone()), (json!(false), json!(["R18", "R16"])));
    let after_review = verdicts(&app, &app.staff(), &s.loan, Some("2026-05-17T05:00:00Z")).await;
    assert_eq!(verdict(&after_review, "FORECLOSE")["basis"], json!(["R18"]), "R18 outlasts R16");
}

const FACT: &str = "mutation($input: RecordLoanLegalFactInput!) { recordLoanLegalFact(input: $input) { loan { legalFacts { claimAssignedOn claimAssignee } } userErrors { field code rule } } }";
const ESCALATIONS: &str = "query($rule: String) { escalations(filter: { rule: $rule }) { edges { node { rule subjectType subjectId message details organization { name } responsibleOrganization { name } } } } }";

async fn escalations(app: &TestApp, rule: &str) -> Vec<Value> {
    let r = app.gql(&app.regulator(Jurisdiction::Kz), ESCALATIONS, json!({ "rule": rule })).await;
    r["escalations"]["edges"].as_array().expect("edges").iter().map(|e| e["node"].clone()).collect()
}

#[tokio::test]
async fn r14_assignment_to_an_agency_is_refused_where_assignment_to_a_bank_is_allowed_on_the_same_facts() {
    let app = TestApp::spawn().await;
    on(&app, "2026-06-01");
    // A consumer loan overdue since 2 February: day 120, past R17.3's 90 days.
    let s = overdue_loan(&app, "A", "2026-02-02", json!({}), json!({})).await;
    let list = verdicts(&app, &app.staff(), &s.loan, None).await;
    let bank = verdict(&list, "ASSIGN_CLAIM");
    assert_eq!((bank["allowed"].clone(), bank["basis"].clone()), (json!(true), json!(["R17.3"])));
    let agency = verdict(&list, "ASSIGN_CLAIM_TO_AGENCY");
    assert_eq!((agency["allowed"].clone(), agency["basis"].clone()), (json!(false), json!(["R14"])));
    assert!(agency["nextAllowedAt"].is_null(), "it waits for a settlement, not for a date");
    let reason = agency["reason"].as_str().expect("reason");
    assert!(reason.contains("24 месяцев") && reason.contains("до 2028-02-02"), "the reading is stated: {reason}");
    assert_eq!(verdict(&list, "HAND_TO_COLLECTION_AGENCY")["allowed"], true, "R17.2 hand-over is no assignment");

    // The hand-over is recorded either way; the agency one is escalated under R14.
    let to_bank = overdue_loan(&app, "B", "2026-02-02", json!({}), json!({})).await;
    let r = app
        .gql(
            &app.staff(),
            FACT,
            json!({ "input": { "loanId": to_bank.loan, "kind": "CLAIM_ASSIGNED", "occurredOn": "2026-06-01", "assignee": "OTHER_THIRD_PARTY" } }),
        )
        .await;
    assert_eq!(
        r["recordLoanLegalFact"]["loan"]["legalFacts"],
        json!({ "claimAssignedOn": "2026-06-01", "claimAssignee": "OTHER_THIRD_PARTY" })
    );
    let r = app
        .gql(
            &app.staff(),
            FACT,
            json!({ "input": { "loanId": s.loan, "kind": "CLAIM_ASSIGNED", "occurredOn": "2026-06-01", "assignee": "COLLECTION_AGENCY" } }),
        )
        .await;
    assert_eq!(r["recordLoanLegalFact"]["userErrors"], json!([]), "{r}");
    assert_eq!(r["recordLoanLegalFact"]["loan"]["legalFacts"]["claimAssignee"], "COLLECTION_AGENCY");
    let r14 = escalations(&app, "R14").await;
    assert_eq!(r14.len(), 1, "only the agency assignment: {r14:?}");
    assert_eq!((r14[0]["subjectType"].clone(), r14[0]["subjectId"].clone()), (json!("loan"), json!(s.loan)));
    assert_eq!(r14[0]["details"]["action"], "ASSIGN_CLAIM_TO_AGENCY");
    assert!(escalations(&app, "R17.3").await.is_empty(), "both were past 90 days");
    // Sending the same fact again flags nothing twice.
    app.gql(
        &app.staff(),
        FACT,
        json!({ "input": { "loanId": s.loan, "kind": "CLAIM_ASSIGNED", "occurredOn": "2026-06-01", "assignee": "COLLECTION_AGENCY" } }),
    )
    .await;
    assert_eq!(escalations(&app, "R14").await.len(), 1);

    // A bank assignment on day 30 breaks R17.3 alone.
    let early = overdue_loan(&app, "C", "2026-05-03", json!({}), json!({})).await;
    app.gql(
        &app.staff(),
        FACT,
        json!({ "input": { "loanId": early.loan, "kind": "CLAIM_ASSIGNED", "occurredOn": "2026-06-01", "assignee": "OTHER_THIRD_PARTY" } }),
    )
    .await;
    let r173 = escalations(&app, "R17.3").await;
    assert_eq!(r173.len(), 1);
    assert_eq!(r173[0]["subjectId"], json!(early.loan));

    // After a reducing settlement within the 24 months, an agency may take the claim.
    let settled = overdue_loan(&app, "D", "2026-02-02", json!({}), json!({})).await;
    app.gql(
        &app.staff(),
        FACT,
        json!({ "input": { "loanId": settled.loan, "kind": "REDUCING_SETTLEMENT", "occurredOn": "2026-05-20" } }),
    )
    .await;
    let v = verdict(&verdicts(&app, &app.staff(), &settled.loan, None).await, "ASSIGN_CLAIM_TO_AGENCY").clone();
    assert_eq!((v["allowed"].clone(), v["basis"].clone()), (json!(true), json!(["R17.3", "R14"])));

    let r = app
        .gql(
            &app.staff(),
            FACT,
            json!({ "input": { "loanId": settled.loan, "kind": "COURT_ACT", "occurredOn": "2026-05-20", "assignee": "COLLECTION_AGENCY" } }),
        )
        .await;
    assert_eq!(r["recordLoanLegalFact"]["userErrors"][0]["field"], json!(["input", "assignee"]));
}

const LOAN_TERMS: &str =
    "query($id: ID!) { loan(id: $id) { contractMeetingTerms { windowStart windowEnd perDay perWeek onDaysOff } } }";

/// X2 as the MFO's own staff disclose themselves.
fn mfo_contact(loan: &str, csid: u32, channel: &str, when: &str) -> Value {
    let mut c = contact(loan, csid, channel, when);
    c["disclosure"]["organizationName"] = json!("KZ MFO");
    c
}

#[tokio::test]
async fn x4_contract_meeting_terms_replace_the_policys_and_are_cited_beside_x4() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let terms = json!({ "windowStart": "10:00", "windowEnd": "18:00", "perDay": 2, "perWeek": 4 });
    let s = overdue_loan(&app, "A", "2026-03-02", json!({ "contractMeetingTerms": terms }), json!({})).await;
    let plain = overdue_loan(&app, "P", "2026-03-02", json!({}), json!({})).await;
    let staff = app.staff();
    let stored = app.gql(&staff, LOAN_TERMS, json!({ "id": s.loan })).await;
    assert_eq!(
        stored["loan"]["contractMeetingTerms"],
        json!({ "windowStart": "10:00", "windowEnd": "18:00", "perDay": 2, "perWeek": 4, "onDaysOff": false })
    );
    assert_eq!(
        app.gql(&staff, LOAN_TERMS, json!({ "id": plain.loan })).await["loan"]["contractMeetingTerms"],
        Value::Null
    );

    // 09:00 in Almaty: the policy's window is open, the contract's is not yet.
    let nine = verdicts(&app, &staff, &s.loan, Some("2026-03-17T04:00:00Z")).await;
    let meeting = verdict(&nine, "OFFICE_MEETING");
    assert_eq!((meeting["allowed"].clone(), meeting["basis"].clone()), (json!(false), json!(["X4", "CONTRACT"])));
    assert_eq!(meeting["nextAllowedAt"], "2026-03-17T05:00:00+00:00", "the contract's 10:00");
    assert!(meeting["reason"].as_str().unwrap_or("").contains("10:00–18:00"), "{meeting}");
    assert_eq!(verdict(&nine, "CALL")["basis"], json!(["X3"]), "calls keep X3's window");
    assert_eq!(verdict(&nine, "CALL")["allowed"], true);
    let plain_nine = verdicts(&app, &staff, &plain.loan, Some("2026-03-17T04:00:00Z")).await;
    let m = verdict(&plain_nine, "OFFICE_MEETING");
    assert_eq!((m["allowed"].clone(), m["basis"].clone()), (json!(true), json!(["X4"])));
    let noon = verdicts(&app, &staff, &s.loan, Some("2026-03-17T07:00:00Z")).await;
    let m = verdict(&noon, "OFFICE_MEETING");
    assert_eq!(
        (m["allowed"].clone(), m["basis"].clone(), m["remaining"].clone()),
        (json!(true), json!(["X4", "CONTRACT"]), json!(2))
    );

    // recordContact flags by the same terms: two meetings a day, the third breaks X4.
    app.clock.set(at("2026-03-17T08:00:00Z"));
    let staff = app.staff();
    for (i, hour) in ["05:30", "06:30"].iter().enumerate() {
        let c = mfo_contact(&s.loan, i as u32 + 1, "OFFICE_MEETING", &format!("2026-03-17T{hour}:00Z"));
        let r = app.gql(&staff, RECORD, json!({ "input": c })).await;
        assert_eq!(r["recordContact"]["contact"]["violations"], json!([]), "meeting {i}: {r}");
    }
    let third = mfo_contact(&s.loan, 3, "OFFICE_MEETING", "2026-03-17T07:30:00Z");
    let r = app.gql(&staff, RECORD, json!({ "input": third })).await;
    assert_eq!(r["recordContact"]["contact"]["violations"], json!(["X4"]), "CONTRACT is no rule: {r}");
    // 09:00 the next day is inside the policy's window, outside the contract's.
    app.clock.set(at("2026-03-18T05:00:00Z"));
    let staff = app.staff();
    let early = mfo_contact(&s.loan, 4, "OFFICE_MEETING", "2026-03-18T04:00:00Z");
    let r = app.gql(&staff, RECORD, json!({ "input": early })).await;
    assert_eq!(r["recordContact"]["contact"]["violations"], json!(["X4"]));
    let plain_early = mfo_contact(&plain.loan, 5, "OFFICE_MEETING", "2026-03-18T04:00:00Z");
    let r = app.gql(&staff, RECORD, json!({ "input": plain_early })).await;
    assert_eq!(r["recordContact"]["contact"]["violations"], json!([]), "the policy's window");
    let x4 = escalations(&app, "X4").await;
    assert_eq!(x4.len(), 2);
    assert!(x4.iter().all(|e| e["details"]["terms"] == "CONTRACT"), "{x4:?}");

    let bad = json!({ "windowStart": "18:00", "windowEnd": "10:00", "perDay": 0 });
    let mut l = crate::helpers::fixtures::loan_input("L-BAD", "A", "2026-01-01");
    l["contractMeetingTerms"] = bad;
    let r = app.gql(&staff, crate::helpers::fixtures::UPSERT_LOAN, json!({ "input": l })).await;
    let fields: Vec<Value> =
        r["upsertLoan"]["userErrors"].as_array().expect("errors").iter().map(|e| e["field"].clone()).collect();
    assert_eq!(
        fields,
        vec![json!(["input", "contractMeetingTerms", "windowEnd"]), json!(["input", "contractMeetingTerms", "perDay"])]
    );
}

const FLAG: &str = "mutation($input: FlagContactMisrepresentationInput!) { flagContactMisrepresentation(input: $input) { contact { id violations misrepresentation { fields note } } userErrors { field code rule } } }";

#[tokio::test]
async fn x6_a_contact_naming_another_organisation_is_stored_flagged_and_escalated_to_the_contactor() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let (s, token) = agency_loan(&app).await;
    let mut posing = contact(&s.loan, 1, "CALL", "2026-03-17T04:10:00Z");
    posing["disclosure"]["organizationName"] = json!("KZ MFO");
    let r = app.gql(&token, RECORD, json!({ "input": posing })).await;
    let c = r["recordContact"]["contact"].clone();
    assert_eq!(c["violations"], json!(["X6"]), "the agency named the MFO, not itself: {r}");
    assert_eq!(app.count("contact_event").await, 1, "stored, never refused");
    let x6 = escalations(&app, "X6").await;
    assert_eq!(x6.len(), 1);
    assert_eq!(x6[0]["subjectId"], c["id"]);
    assert_eq!(x6[0]["organization"]["name"], "KZ MFO", "answerable for the loan");
    assert_eq!(x6[0]["responsibleOrganization"]["name"], "Agency", "the contacting organisation");
    assert_eq!(x6[0]["details"]["disclosedOrganizationName"], "KZ MFO");
    // Case, spacing and quotes are not another name.
    let mut sloppy = contact(&s.loan, 2, "CALL", "2026-03-17T04:20:00Z");
    sloppy["disclosure"]["organizationName"] = json!("  «AGENCY» ");
    let r = app.gql(&token, RECORD, json!({ "input": sloppy })).await;
    assert_eq!(r["recordContact"]["contact"]["violations"], json!([]));
}

#[tokio::test]
async fn x6_the_mfo_flags_a_false_name_or_position_and_an_x6_escalation_is_raised() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let (s, token) = agency_loan(&app).await;
    let r = app.gql(&token, RECORD, json!({ "input": contact(&s.loan, 1, "CALL", "2026-03-17T04:10:00Z") })).await;
    let id = r["recordContact"]["contact"]["id"].clone();
    assert_eq!(r["recordContact"]["contact"]["violations"], json!([]));
    let input = json!({ "input": { "contactId": id, "fields": ["PERSON_POSITION"], "note": "no such collector at the agency" } });
    assert_eq!(app.error_code(&token, FLAG, input.clone()).await, "FORBIDDEN", "the agency does not flag itself");
    let other_mfo = app.staff_of(&app.orgs.kz_mfo_2);
    assert_eq!(app.error_code(&other_mfo, FLAG, input.clone()).await, "NOT_FOUND");
    assert!(escalations(&app, "X6").await.is_empty());
    let r = app.gql(&app.staff(), FLAG, input.clone()).await;
    let c = &r["flagContactMisrepresentation"]["contact"];
    assert_eq!(c["violations"], json!(["X6"]), "{r}");
    assert_eq!(
        c["misrepresentation"],
        json!({ "fields": ["PERSON_POSITION"], "note": "no such collector at the agency" })
    );
    let x6 = escalations(&app, "X6").await;
    assert_eq!(x6.len(), 1);
    assert_eq!((x6[0]["subjectType"].clone(), x6[0]["subjectId"].clone()), (json!("contact"), id.clone()));
    assert_eq!(x6[0]["details"]["source"], "MFO_FLAG");
    assert_eq!(x6[0]["responsibleOrganization"]["name"], "Agency");
    let again = app.gql(&app.manager(), FLAG, input).await;
    assert_eq!(again["flagContactMisrepresentation"]["userErrors"][0]["code"], "CONFLICT");
    assert_eq!(escalations(&app, "X6").await.len(), 1);
    let trail =
        app.gql(&app.staff(), "query($id: ID!) { auditTrail(subjectId: $id) { action } }", json!({ "id": id })).await;
    let actions: Vec<&str> =
        trail["auditTrail"].as_array().expect("trail").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, vec!["contact.recorded", "contact.misrepresentation_flagged"]);
}

const REGISTER: &str = "mutation($input: RegisterComplaintInput!) { registerComplaint(input: $input) { complaint { id contactId loan { id } } userErrors { field code rule } } }";

#[tokio::test]
async fn x6_a_borrowers_complaint_linked_to_a_contact_counts_as_an_x6_report() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let (s, token) = agency_loan(&app).await;
    let r = app.gql(&token, RECORD, json!({ "input": contact(&s.loan, 1, "CALL", "2026-03-17T04:10:00Z") })).await;
    let contact_id = r["recordContact"]["contact"]["id"].clone();
    let borrower = app.borrower_token(&app.orgs.kz_mfo, s.borrower);
    let input = json!({ "clientSubmissionId": "7f1c1a10-0000-4000-8000-0000000000c6", "kind": "COMPLAINT", "language": "RU",
        "substance": "The collector shouted and would not give his real name.", "contactId": contact_id });
    let r = app.gql(&borrower, REGISTER, json!({ "input": input })).await;
    let complaint = r["registerComplaint"]["complaint"].clone();
    assert_eq!(complaint["contactId"], contact_id, "{r}");
    assert_eq!(complaint["loan"]["id"], json!(s.loan), "the contact gives the complaint its loan");
    let x6 = escalations(&app, "X6").await;
    assert_eq!(x6.len(), 1);
    assert_eq!(x6[0]["subjectId"], contact_id);
    assert_eq!(x6[0]["details"]["source"], "COMPLAINT");
    // Ids in `details` are global ids: the complaint's, as `node(id:)` takes it.
    assert_eq!(x6[0]["details"]["complaintId"], complaint["id"]);
    assert_eq!(x6[0]["responsibleOrganization"]["name"], "Agency");

    // Another borrower cannot hang a complaint on this contact.
    let other = overdue_loan(&app, "O", "2026-02-02", json!({}), json!({})).await;
    let stranger = app.borrower_token(&app.orgs.kz_mfo, other.borrower);
    let input = json!({ "clientSubmissionId": "7f1c1a10-0000-4000-8000-0000000000c7", "kind": "COMPLAINT", "language": "RU",
        "substance": "x", "contactId": contact_id });
    assert_eq!(app.error_code(&stranger, REGISTER, json!({ "input": input })).await, "NOT_FOUND");
    // Staff registering it against another loan is told so.
    let input = json!({ "kind": "COMPLAINT", "channel": "CALL_CENTRE", "language": "RU", "substance": "x",
        "loanId": other.loan, "contactId": contact_id });
    let r = app.gql(&app.staff(), REGISTER, json!({ "input": input })).await;
    assert_eq!(r["registerComplaint"]["userErrors"][0]["field"], json!(["input", "contactId"]));
    assert_eq!(escalations(&app, "X6").await.len(), 1);
}

const RECORD_CONTACT: &str = "mutation($input: RecordContactInput!) { recordContact(input: $input) { contact { id violations } userErrors { field code rule } } }";

const CONTACTS: &str = "query($f: ContactFilter, $first: Int, $after: String) { r: contacts(filter: $f, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id occurredAt channel violations loan { id } contactor { id } } } }";

async fn record(app: &TestApp, token: &str, loan: &str, n: u32, channel: &str, when: &str) -> Value {
    let input = json!({
        "clientSubmissionId": format!("00000000-0000-4000-9000-{n:012}"), "loanId": loan, "channel": channel,
        "occurredAt": when, "outcome": "REACHED", "destination": "+7 701 000 00 00",
        "disclosure": { "organizationName": "Agency", "organizationLocation": "Almaty, Dostyk 5",
            "personName": "Nurzhan Abenov", "personPosition": "Collector" },
    });
    let r = app.gql(token, RECORD_CONTACT, json!({ "input": input })).await;
    assert_eq!(r["recordContact"]["userErrors"], json!([]), "{r}");
    r["recordContact"]["contact"].clone()
}

#[tokio::test]
async fn an_agency_lists_its_contacts_across_its_loans_newest_first_scoped_like_each_loans_log() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let a = overdue_loan(&app, "A", "2026-02-02", json!({}), json!({})).await;
    let b = overdue_loan(&app, "B", "2026-02-02", json!({}), json!({})).await;
    let c = overdue_loan(&app, "C", "2026-02-02", json!({}), json!({})).await;
    assign(&app, uuid_of(&a.loan), &app.orgs.agency).await;
    assign(&app, uuid_of(&b.loan), &app.orgs.agency).await;
    assign(&app, uuid_of(&c.loan), &app.orgs.agency_2).await;
    app.clock.set(at("2026-03-17T18:00:00Z"));
    let agency = app.mint(Role::CollectionAgency, app.orgs.agency.id, None, "agency-system");
    let agency_2 = app.mint(Role::CollectionAgency, app.orgs.agency_2.id, None, "agency-2");
    let a04 = record(&app, &agency, &a.loan, 1, "CALL", "2026-03-17T04:00:00Z").await;
    let a05 = record(&app, &agency, &a.loan, 2, "SMS", "2026-03-17T05:00:00Z").await;
    let b06 = record(&app, &agency, &b.loan, 3, "CALL", "2026-03-17T06:00:00Z").await;
    // 22:00 in Almaty: X3 flags it.
    let b17 = record(&app, &agency, &b.loan, 4, "CALL", "2026-03-17T17:00:00Z").await;
    assert_eq!(b17["violations"], json!(["X3"]), "{b17}");
    let c05 = record(&app, &agency_2, &c.loan, 5, "CALL", "2026-03-17T05:00:00Z").await;
    let id = |v: &Value| v["id"].as_str().expect("id").to_owned();

    // Newest first by occurredAt, then id; two pages; the count is the whole list.
    let page = app.gql(&agency, CONTACTS, json!({ "first": 2 })).await;
    assert_eq!(field_of(&page, "id"), [id(&b17), id(&b06)]);
    assert_eq!(page["r"]["totalCount"], 4);
    assert_eq!(page["r"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(page["r"]["nodes"][0]["loan"]["id"], b.loan.as_str(), "each contact names its loan");
    assert_eq!(page["r"]["nodes"][0]["contactor"]["id"], gid(Kind::Organization, app.orgs.agency.id));
    // A contact recorded meanwhile, newer than the whole list, does not move the next page.
    record(&app, &agency, &a.loan, 6, "EMAIL", "2026-03-17T17:30:00Z").await;
    let after = page["r"]["pageInfo"]["endCursor"].clone();
    let next = app.gql(&agency, CONTACTS, json!({ "first": 2, "after": after })).await;
    assert_eq!(field_of(&next, "id"), [id(&a05), id(&a04)]);
    assert_eq!(next["r"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(next["r"]["totalCount"], 5);

    // Filters: channel, flagged, and the half-open [from, to) on occurredAt.
    let only = |f: Value| app.gql(&agency, CONTACTS, json!({ "f": f, "first": 100 }));
    assert_eq!(field_of(&only(json!({ "channel": "SMS" })).await, "id"), [id(&a05)]);
    assert_eq!(field_of(&only(json!({ "flagged": true })).await, "id"), [id(&b17)]);
    assert_eq!(only(json!({ "flagged": false })).await["r"]["totalCount"], 4);
    let window = only(json!({ "from": "2026-03-17T05:00:00Z", "to": "2026-03-17T17:00:00Z" })).await;
    assert_eq!(field_of(&window, "id"), [id(&b06), id(&a05)], "from inclusive, to exclusive");
    assert_eq!(field_of(&only(json!({ "loanId": b.loan })).await, "id"), [id(&b17), id(&b06)]);

    // Scope: the other agency its own; the MFO and its regulator all; others nothing.
    assert_eq!(field_of(&app.gql(&agency_2, CONTACTS, json!({})).await, "id"), [id(&c05)]);
    assert_eq!(app.gql(&app.staff(), CONTACTS, json!({})).await["r"]["totalCount"], 6);
    let kz = app.regulator(entity::enums::Jurisdiction::Kz);
    assert_eq!(app.gql(&kz, CONTACTS, json!({})).await["r"]["totalCount"], 6);
    let kg = app.regulator(entity::enums::Jurisdiction::Kg);
    assert_eq!(app.gql(&kg, CONTACTS, json!({})).await["r"]["totalCount"], 0);
    assert_eq!(app.gql(&app.staff_of(&app.orgs.kg_mfo), CONTACTS, json!({})).await["r"]["totalCount"], 0);
    let borrower = app.borrower_token(&app.orgs.kz_mfo, a.borrower);
    let mine = app.gql(&borrower, CONTACTS, json!({})).await;
    assert_eq!((mine["r"]["totalCount"].clone(), mine["r"]["nodes"].clone()), (json!(0), json!([])));

    // A recalled loan leaves the agency's list, as it leaves the agency's loans.
    let m =
        "mutation($input: RecallLoanFromAgencyInput!) { recallLoanFromAgency(input: $input) { userErrors { code } } }";
    let r = app.gql(&app.manager(), m, json!({ "input": { "loanId": b.loan } })).await;
    assert_eq!(r["recallLoanFromAgency"]["userErrors"], json!([]), "{r}");
    let left = app.gql(&agency, CONTACTS, json!({ "first": 100 })).await;
    assert_eq!(left["r"]["totalCount"], 3);
    assert!(!field_of(&left, "id").contains(&id(&b06)));
}

#[tokio::test]
async fn permitted_actions_before_the_first_policy_version_is_bad_user_input_with_the_reason() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-01");
    let s = overdue_loan(&app, "OLD", "2023-03-02", json!({}), json!({})).await;
    let q = "query($id: ID!, $at: DateTime) { permittedActions(loanId: $id, at: $at) { action allowed } }";
    let (status, body) = app.post(Some(&app.staff()), q, json!({ "id": s.loan, "at": "2024-01-10T05:00:00Z" })).await;
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    let message = body["errors"][0]["message"].as_str().expect("message");
    assert!(message.contains("2024-09-09") && message.contains("2024-01-10"), "{message}");
    // At an instant under the law, the legacy loan gets verdicts like any other.
    let body = app.gql(&app.staff(), q, json!({ "id": s.loan, "at": "2026-10-01T05:00:00Z" })).await;
    assert!(body["permittedActions"].as_array().is_some_and(|v| !v.is_empty()), "{body}");
}
