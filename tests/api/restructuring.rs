//! Delinquency notices, restructuring applications and decisions: R1–R14, R19
//! and D1 of docs/law.md, through the GraphQL endpoint, moving the clock across deadlines.

use chrono::NaiveDate;
use entity::enums::Jurisdiction;
use serde_json::{Value, json};

use crate::helpers::fixtures::{RECORD_PAYMENT, assign, uuid_of};
use crate::helpers::{TestApp, at};

const APP: &str = "id incomingNumber status receivedAt applicationDate decisionDueDate
    admissibility { admissible rule facts overdueSince daysAfterOverdue }
    borrowerNotice { text } documentRequests { dueDate status }
    deadlines { kind rule status dueDate obligor }
    decision { kind draft reasons replyBy response debtBurden { before after limit lowered withinLimit monthlyPaymentBefore monthlyPaymentAfter } refusalLetter { language text } terms { newTermMonths deferral { months } } }
    appeals { id status repeat homeProtection { applies until } }";

fn payload_query(mutation: &str, input_type: &str) -> String {
    format!(
        "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ application {{ {APP} }} userErrors {{ field message code rule reason params }} }} }}"
    )
}

pub(crate) async fn run(app: &TestApp, token: &str, mutation: &str, input_type: &str, input: Value) -> Value {
    app.gql(token, &payload_query(mutation, input_type), json!({ "input": input })).await[mutation].clone()
}

fn errors(p: &Value) -> Vec<(Value, Value, Value)> {
    p["userErrors"]
        .as_array()
        .expect("userErrors")
        .iter()
        .map(|e| (e["field"].clone(), e["code"].clone(), e["rule"].clone()))
        .collect()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

use crate::helpers::fixtures::on;

use crate::helpers::fixtures::{Setup, overdue_loan};

pub(crate) fn submission(loan: &str, csid: &str) -> Value {
    json!({
        "clientSubmissionId": csid, "loanId": loan, "language": "RU",
        "grounds": [{ "ground": "REGISTERED_UNEMPLOYED" }, { "ground": "OTHER", "text": "The shop burned down." }],
        "requestedMeasures": [{ "measure": "DEFERRAL" }, { "measure": "NEW_TERM" }],
        "monthlyIncome": "250000", "otherMonthlyDebtPayments": "20000",
        "circumstances": "Laid off in September.",
        "documents": [{ "kind": "EMPLOYMENT_RECORD", "name": "record.pdf", "checksum": "sha256:ab12" }],
    })
}

pub(crate) async fn submit(app: &TestApp, s: &Setup, csid: &str) -> Value {
    let token = app.borrower_token(&app.orgs.kz_mfo, s.borrower);
    run(app, &token, "submitRestructuringApplication", "SubmitRestructuringApplicationInput", submission(&s.loan, csid))
        .await
}

pub(crate) fn csid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

pub(crate) fn decide_input(id: &Value, kind: &str) -> Value {
    let mut input = json!({ "applicationId": id, "decision": kind, "signatory": { "fullName": "Omarov D. K.", "position": "Chairman" } });
    match kind {
        "REFUSE" => input["reasons"] = json!("the stated income does not allow any schedule."),
        _ => input["terms"] = json!({ "newTermMonths": 12 }),
    }
    input
}

pub(crate) async fn decide(app: &TestApp, input: Value) -> Value {
    run(app, &app.manager(), "decideRestructuringApplication", "DecideRestructuringApplicationInput", input).await
}

fn deadline<'a>(a: &'a Value, kind: &str) -> &'a Value {
    a["deadlines"].as_array().expect("deadlines").iter().find(|d| d["kind"] == kind).unwrap_or(&Value::Null)
}

async fn escalation_rules(app: &TestApp) -> Vec<String> {
    let r = app
        .gql(&app.regulator(Jurisdiction::Kz), "{ escalations(first: 100) { edges { node { rule } } } }", json!({}))
        .await;
    r["escalations"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["rule"].as_str().unwrap_or("").to_owned())
        .collect()
}

const LOAN_Q: &str = "query($id: ID!) { loan(id: $id) { overdue { overdue since amount } deadlines { kind rule status dueDate } delinquencyNotices(first: 100) { nodes { sender overdueAmount } } installments(first: 100) { nodes { seq dueDate principal interest } } annualRate } }";

#[tokio::test]
async fn r01_an_overdue_opens_the_20_day_notice_duty_and_a_notice_needs_three_contents() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-01");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    let quiet = overdue_loan(&app, "B", "2026-10-02", json!({}), json!({})).await;
    app.scanner("s").tick().await.expect("tick");
    assert_eq!(app.count("deadline").await, 0, "due today is not overdue yet");

    on(&app, "2026-10-02");
    app.scanner("s").tick().await.expect("tick");
    let loan = app.gql(&app.staff(), LOAN_Q, json!({ "id": s.loan })).await["loan"].clone();
    assert_eq!(loan["overdue"], json!({ "overdue": true, "since": "2026-10-02", "amount": "108750.00" }));
    assert_eq!(
        loan["deadlines"][0],
        json!({ "kind": "DELINQUENCY_NOTICE", "rule": "R1", "status": "OPEN", "dueDate": "2026-10-22" })
    );
    app.scanner("s").tick().await.expect("tick");
    assert_eq!(app.count("deadline").await, 2, "one per loan, however many passes");

    let m = "mutation($input: RecordDelinquencyNoticeInput!) { recordDelinquencyNotice(input: $input) { notice { sender overdueAmount } userErrors { field code rule } } }";
    let full = json!({ "loanId": s.loan, "sentAt": "2026-10-02T04:00:00Z", "channel": "SMS", "overdueAmount": "108750", "amountAsOf": "2026-10-02", "statesRightToApply": true, "statesConsequences": true });
    for field in ["overdueAmount", "amountAsOf", "statesRightToApply", "statesConsequences"] {
        let mut partial = full.clone();
        partial.as_object_mut().expect("object").remove(field);
        let r = app.gql(&app.staff(), m, json!({ "input": partial })).await;
        assert_eq!(
            r["recordDelinquencyNotice"]["userErrors"],
            json!([{ "field": ["input", field], "code": "RULE_VIOLATION", "rule": "R1" }]),
            "{field}"
        );
    }
    let r = app.gql(&app.staff(), m, json!({ "input": full })).await;
    assert_eq!(r["recordDelinquencyNotice"]["notice"]["sender"], "MFO");
    let loan = app.gql(&app.staff(), LOAN_Q, json!({ "id": s.loan })).await["loan"].clone();
    assert_eq!(loan["deadlines"][0]["status"], "MET");

    // The other loan is never notified: the duty is missed on 23 October.
    on(&app, "2026-10-22");
    app.scanner("s").tick().await.expect("tick");
    assert!(escalation_rules(&app).await.is_empty());
    on(&app, "2026-10-23");
    app.scanner("s").tick().await.expect("tick");
    assert_eq!(escalation_rules(&app).await, vec!["R1"]);
    let loan = app.gql(&app.staff(), LOAN_Q, json!({ "id": quiet.loan })).await["loan"].clone();
    assert_eq!(loan["deadlines"][0]["status"], "MISSED");
}

#[tokio::test]
async fn r01_the_agency_working_the_loan_may_deliver_the_notice_and_a_payment_ends_the_duty() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-05");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    let paid = overdue_loan(&app, "B", "2026-10-02", json!({}), json!({})).await;
    app.scanner("s").tick().await.expect("tick");
    assign(&app, uuid_of(&s.loan), &app.orgs.agency).await;
    let m = "mutation($input: RecordDelinquencyNoticeInput!) { recordDelinquencyNotice(input: $input) { notice { sender } userErrors { code } } }";
    let notice = |loan: &str| json!({ "input": { "loanId": loan, "sentAt": "2026-10-05T04:00:00Z", "channel": "LETTER", "overdueAmount": "108750", "amountAsOf": "2026-10-05", "statesRightToApply": true, "statesConsequences": true } });
    let r = app.gql(&app.agency_token(&app.orgs.agency), m, notice(&s.loan)).await;
    assert_eq!(r["recordDelinquencyNotice"]["notice"]["sender"], "COLLECTION_AGENCY");
    assert_eq!(
        app.error_code(&app.agency_token(&app.orgs.agency_2), m, notice(&s.loan)).await,
        "NOT_FOUND",
        "not its loan"
    );

    let pay = json!({ "input": { "loanId": paid.loan, "externalId": "P1", "paidAt": "2026-10-05T04:00:00Z", "amount": "108750" } });
    app.gql(&app.staff(), RECORD_PAYMENT, pay).await;
    let loan = app.gql(&app.staff(), LOAN_Q, json!({ "id": paid.loan })).await["loan"].clone();
    assert_eq!(loan["overdue"]["overdue"], false);
    assert_eq!(loan["deadlines"][0]["status"], "CANCELLED", "no overdue, no notice duty");
}

#[tokio::test]
async fn r02_an_application_on_day_30_is_admissible_on_day_31_it_is_not() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-05");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    let fact =
        "mutation($input: RecordLoanLegalFactInput!) { recordLoanLegalFact(input: $input) { userErrors { code } } }";
    app.gql(
        &app.staff(),
        fact,
        json!({ "input": { "loanId": s.loan, "kind": "COURT_ACT", "occurredOn": "2026-10-04" } }),
    )
    .await;
    on(&app, "2026-11-01");
    let day30 = submit(&app, &s, &csid(1)).await;
    assert_eq!(day30["application"]["status"], "REGISTERED", "{day30}");
    assert_eq!(
        day30["application"]["admissibility"],
        json!({ "admissible": true, "rule": "R2", "facts": [], "overdueSince": "2026-10-02", "daysAfterOverdue": 30 })
    );
    on(&app, "2026-11-02");
    let day31 = submit(&app, &s, &csid(2)).await;
    assert_eq!(day31["application"]["status"], "INADMISSIBLE");
    assert_eq!(
        day31["application"]["admissibility"],
        json!({ "admissible": false, "rule": "R3", "facts": ["COURT_ACT"], "overdueSince": "2026-10-02", "daysAfterOverdue": 31 })
    );
}

#[tokio::test]
async fn r03_each_blocking_fact_makes_a_late_application_inadmissible() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-05");
    let fact =
        "mutation($input: RecordLoanLegalFactInput!) { recordLoanLegalFact(input: $input) { userErrors { code } } }";
    let mut setups = Vec::new();
    for (i, kind) in
        ["COURT_ACT", "ENFORCEMENT_INSCRIPTION", "SETTLEMENT_AGREEMENT", "CLAIM_ASSIGNED"].iter().enumerate()
    {
        let s = overdue_loan(&app, &format!("F{i}"), "2026-10-02", json!({}), json!({})).await;
        app.gql(&app.staff(), fact, json!({ "input": { "loanId": s.loan, "kind": kind, "occurredOn": "2026-10-03" } }))
            .await;
        setups.push((kind, s));
    }
    let free = overdue_loan(&app, "FREE", "2026-10-02", json!({}), json!({})).await;
    on(&app, "2026-11-20");
    for (i, (kind, s)) in setups.iter().enumerate() {
        let r = submit(&app, s, &csid(10 + i as u32)).await;
        assert_eq!(r["application"]["status"], "INADMISSIBLE", "{kind}");
        assert_eq!(r["application"]["admissibility"]["facts"], json!([kind]));
    }
    let r = submit(&app, &free, &csid(20)).await;
    assert_eq!(r["application"]["status"], "REGISTERED", "late, but nothing blocks it");
    assert_eq!(r["application"]["admissibility"]["rule"], "R3");
}

#[tokio::test]
async fn r05_an_inadmissible_application_is_registered_numbered_and_a_refusal_drafted_for_signature() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-05");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    let fact =
        "mutation($input: RecordLoanLegalFactInput!) { recordLoanLegalFact(input: $input) { userErrors { code } } }";
    app.gql(
        &app.staff(),
        fact,
        json!({ "input": { "loanId": s.loan, "kind": "ENFORCEMENT_INSCRIPTION", "occurredOn": "2026-10-05" } }),
    )
    .await;
    on(&app, "2026-11-20");
    let a = submit(&app, &s, &csid(1)).await["application"].clone();
    assert_eq!(a["incomingNumber"], "R-2026/000001");
    assert_eq!(a["status"], "INADMISSIBLE");
    assert_eq!(a["decisionDueDate"], "2026-12-05", "R8 runs all the same");
    assert_eq!(a["decision"]["draft"], true);
    assert_eq!(a["decision"]["kind"], "REFUSE");
    let letter = a["decision"]["refusalLetter"]["text"].as_str().expect("letter");
    assert!(letter.contains("исполнительной надписи"), "{letter}");
    let approve = decide(&app, decide_input(&a["id"], "APPROVE")).await;
    assert_eq!(approve["userErrors"][0]["rule"], "R3", "it can only be refused");
    let mut sign =
        json!({ "applicationId": a["id"], "decision": "REFUSE", "signatory": { "fullName": "Omarov D. K." } });
    sign["reasons"] = Value::Null;
    let signed = decide(&app, sign).await;
    assert_eq!(signed["application"]["status"], "REFUSED", "{signed}");
    assert_eq!(signed["application"]["decision"]["draft"], false);
    assert!(signed["application"]["decision"]["refusalLetter"]["text"].as_str().unwrap_or("").contains("Omarov D. K."));
}

#[tokio::test]
async fn r06_documents_not_provided_by_the_5th_business_day_leave_the_application_without_review() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-20"); // Friday before Nauryz
    let s = overdue_loan(&app, "A", "2026-03-10", json!({}), json!({})).await;
    let lapsing = submit(&app, &s, &csid(1)).await["application"].clone();
    let provided = submit(&app, &s, &csid(2)).await["application"].clone();
    let ask = |id: &Value| json!({ "applicationId": id, "items": [{ "kind": "INCOME_CERTIFICATE", "description": "Income certificate for the last 6 months" }] });
    let r =
        run(&app, &app.staff(), "requestApplicationDocuments", "RequestApplicationDocumentsInput", ask(&lapsing["id"]))
            .await;
    assert_eq!(r["application"]["status"], "DOCUMENTS_REQUESTED");
    assert_eq!(r["application"]["documentRequests"][0]["dueDate"], "2026-04-01", "five KZ business days across Nauryz");
    assert_eq!(deadline(&r["application"], "APPLICATION_DOCUMENTS")["obligor"], "BORROWER");
    run(&app, &app.staff(), "requestApplicationDocuments", "RequestApplicationDocumentsInput", ask(&provided["id"]))
        .await;
    let early = decide(&app, decide_input(&provided["id"], "APPROVE")).await;
    assert_eq!(early["userErrors"][0]["code"], "CONFLICT", "decide once documents are in");

    on(&app, "2026-03-31");
    let token = app.borrower_token(&app.orgs.kz_mfo, s.borrower);
    let docs = json!({ "applicationId": provided["id"], "documents": [{ "kind": "INCOME_CERTIFICATE", "name": "income.pdf", "checksum": "sha256:ff" }] });
    let r = run(&app, &token, "provideApplicationDocuments", "ProvideApplicationDocumentsInput", docs).await;
    assert_eq!(r["application"]["status"], "REGISTERED", "back under review");
    app.scanner("s").tick().await.expect("tick");

    on(&app, "2026-04-01");
    app.scanner("s").tick().await.expect("tick");
    let still = app
        .gql(
            &app.staff(),
            &format!("query($id: ID!) {{ restructuringApplication(id: $id) {{ {APP} }} }}"),
            json!({ "id": lapsing["id"] }),
        )
        .await;
    assert_eq!(still["restructuringApplication"]["status"], "DOCUMENTS_REQUESTED", "the 1st of April is the fifth day");
    app.clock.set(at("2026-04-01T19:00:00Z")); // midnight in Almaty
    app.scanner("s").tick().await.expect("tick");
    let gone = app
        .gql(
            &app.staff(),
            &format!("query($id: ID!) {{ restructuringApplication(id: $id) {{ {APP} }} }}"),
            json!({ "id": lapsing["id"] }),
        )
        .await["restructuringApplication"]
        .clone();
    assert_eq!(gone["status"], "LEFT_WITHOUT_REVIEW");
    assert!(
        gone["borrowerNotice"]["text"].as_str().unwrap_or("").contains("без рассмотрения"),
        "the borrower is told: {gone}"
    );
    assert_eq!(gone["documentRequests"][0]["status"], "LAPSED");
    assert_eq!(deadline(&gone, "APPLICATION_DECISION")["status"], "CANCELLED");
    assert!(!escalation_rules(&app).await.contains(&"R6".to_owned()), "a borrower's lapse is not an MFO breach");
}

#[tokio::test]
async fn r08_the_decision_is_due_within_15_calendar_days_of_receipt() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-10");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    let decided = submit(&app, &s, &csid(1)).await["application"].clone();
    let forgotten = submit(&app, &s, &csid(2)).await["application"].clone();
    assert_eq!(decided["decisionDueDate"], "2026-10-25");
    let r = decide(&app, decide_input(&decided["id"], "REFUSE")).await;
    assert_eq!(deadline(&r["application"], "APPLICATION_DECISION")["status"], "MET");
    let unmotivated = json!({ "applicationId": forgotten["id"], "decision": "REFUSE", "reasons": "  ", "signatory": { "fullName": "Omarov D. K." } });
    assert_eq!(
        errors(&decide(&app, unmotivated).await),
        vec![(json!(["input", "reasons"]), json!("RULE_VIOLATION"), json!("R8"))]
    );
    on(&app, "2026-10-25");
    app.scanner("s").tick().await.expect("tick");
    assert!(!escalation_rules(&app).await.contains(&"R8".to_owned()));
    on(&app, "2026-10-26");
    app.scanner("s").tick().await.expect("tick");
    assert!(escalation_rules(&app).await.contains(&"R8".to_owned()));
    assert_eq!(
        app.error_code(
            &app.staff(),
            &payload_query("decideRestructuringApplication", "DecideRestructuringApplicationInput"),
            json!({ "input": decide_input(&forgotten["id"], "REFUSE") })
        )
        .await,
        "FORBIDDEN",
        "the manager decides"
    );
}

/// Two managers deciding the same application at once (one approves, one refuses, each
/// sent four times by a retrying tool): one decision is made and audited, every other
/// attempt is refused as the application is decided, never two decisions on one file.
#[tokio::test]
async fn r08_concurrent_decisions_on_one_application_make_one_decision() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-10");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    for round in 0..3 {
        let a = submit(&app, &s, &csid(10 + round)).await["application"].clone();
        let tries = futures_util::future::join_all((0..8).map(|k| {
            let input = decide_input(&a["id"], if k % 2 == 0 { "APPROVE" } else { "REFUSE" });
            let app = &app;
            async move { decide(app, input).await }
        }))
        .await;
        let kept = TestApp::applied_once(&tries, "applicationId", &format!("decision, round {round}"));
        let kind = kept["application"]["decision"]["kind"].clone();
        let trail = app.audit_actions(&app.staff(), &a["id"]).await;
        let decided = trail.iter().filter(|a| a.contains("decid")).count();
        assert_eq!(decided, 1, "round {round}: one decision audited: {trail:?}");
        let now = app
            .gql(
                &app.staff(),
                "query($id: ID!) { node(id: $id) { ... on RestructuringApplication { decision { kind } } } }",
                json!({ "id": a["id"] }),
            )
            .await;
        assert_eq!(now["node"]["decision"]["kind"], kind, "round {round}: the kept decision is the stored one");
    }
}

#[tokio::test]
async fn r07_r10_terms_that_raise_the_debt_burden_are_refused_and_both_ratios_are_returned() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-10");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    let a = submit(&app, &s, &csid(1)).await["application"].clone();
    let mut raising = decide_input(&a["id"], "APPROVE");
    raising["terms"] = json!({ "newTermMonths": 1, "newAnnualRate": "0.9" });
    let r = decide(&app, raising).await;
    assert_eq!(errors(&r), vec![(json!(["input", "terms"]), json!("RULE_VIOLATION"), json!("R10"))]);
    // Before, like for like: the terms in force (35 %, November and December left) over the
    // whole 300 000, October's arrears included. November carries 100 000 + 50 000 of
    // October's principal, 300 000 x 35 % / 12 = 8 750 of interest and 4 375 of October's
    // 8 750: 163 125 (December: 150 000 + 4 375 + 4 375 = 158 750). After, at 90 % in one
    // month: 300 000 + 22 500 + 8 750 = 331 250. Both at the currency's scale.
    assert_eq!(r["userErrors"][0]["reason"], "DEBT_BURDEN_NOT_LOWERED");
    assert_eq!(
        r["userErrors"][0]["params"],
        json!({ "monthlyPaymentBefore": "163125.00", "monthlyPaymentAfter": "331250.00" })
    );
    let r = decide(&app, decide_input(&a["id"], "APPROVE")).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    let burden = &r["application"]["decision"]["debtBurden"];
    // Before: 163 125 as above, with 20 000 of other debts over 250 000 of income:
    // 183 125 / 250 000 = 0.7325.
    // After: 300 000 over 12 months, 25 000 + 8 750 interest + 729.17 of October's interest:
    // 54 479.17 / 250 000 = 0.2179.
    assert_eq!(
        *burden,
        json!({ "before": "0.7325", "after": "0.2179", "limit": "0.5", "lowered": true, "withinLimit": true,
            "monthlyPaymentBefore": "163125.00", "monthlyPaymentAfter": "34479.17" })
    );

    let token = app.borrower_token(&app.orgs.kz_mfo, s.borrower);
    let mut no_income = submission(&s.loan, &csid(2));
    no_income.as_object_mut().expect("object").remove("monthlyIncome");
    let b = run(&app, &token, "submitRestructuringApplication", "SubmitRestructuringApplicationInput", no_income).await
        ["application"]
        .clone();
    assert_eq!(b["status"], "REGISTERED", "registered without an income (R5)");
    assert_eq!(decide(&app, decide_input(&b["id"], "APPROVE")).await["userErrors"][0]["rule"], "R7");
}

/// A 12-month loan of 1 200 000 at 35 %: 100 000 + 35 000 a month from 1 October 2026.
fn twelve_month_loan() -> Value {
    let schedule: Vec<Value> = (0..12)
        .map(|m| {
            let due = day("2026-10-01").checked_add_months(chrono::Months::new(m)).expect("date");
            json!({ "dueDate": due.to_string(), "principal": "100000", "interest": "35000" })
        })
        .collect();
    json!({ "principal": "1200000", "termMonths": 12, "schedule": schedule })
}

#[tokio::test]
async fn r07_r10_on_an_overdue_loan_a_rate_raise_or_a_term_cut_is_refused_a_longer_term_or_lower_rate_allowed() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-10");
    let s = overdue_loan(&app, "A", "2026-10-02", twelve_month_loan(), json!({})).await;
    let a = submit(&app, &s, &csid(1)).await["application"].clone();
    let b = submit(&app, &s, &csid(2)).await["application"].clone();
    assert_eq!(a["admissibility"]["overdueSince"], "2026-10-02", "October's 135 000 is overdue");
    let with_terms = |id: &Value, terms: Value| {
        let mut input = decide_input(id, "APPROVE");
        input["terms"] = terms;
        input
    };
    // Before, like for like: the terms in force (35 %, the 11 months left) over the whole
    // 1 200 000, October's arrears included. November carries 100 000 + 9 090.91 of October's
    // principal, 1 200 000 x 35 % / 12 = 35 000 of interest and 3 181.82 of October's 35 000:
    // 147 272.73, the heaviest month; (147 272.73 + 20 000) / 250 000 = 0.6691.
    // A raise to 90 %: November 109 090.91 + 90 000 + 3 181.82; six months: 200 000 + 35 000
    // + 5 833.33.
    for (case, terms) in [
        ("rate raise 35 % -> 90 %", json!({ "newAnnualRate": "0.9" })),
        ("term cut to 6 months", json!({ "newTermMonths": 6 })),
    ] {
        let r = decide(&app, with_terms(&a["id"], terms)).await;
        assert_eq!(errors(&r), vec![(json!(["input", "terms"]), json!("RULE_VIOLATION"), json!("R10"))], "{case}");
    }
    // Rate cut to 5 %: November carries 100 000 + 9 090.91 of October's principal, 5 000 of
    // interest and 3 181.82 of October's interest: lower than 147 272.73, though above the limit.
    let r = decide(&app, with_terms(&a["id"], json!({ "newAnnualRate": "0.05" }))).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    assert_eq!(
        r["application"]["decision"]["debtBurden"],
        json!({ "before": "0.6691", "after": "0.5491", "limit": "0.5", "lowered": true, "withinLimit": false,
            "monthlyPaymentBefore": "147272.73", "monthlyPaymentAfter": "117272.73" })
    );
    // 24 months: 50 000 + 35 000 of interest + 1 458.33 of October's interest.
    let r = decide(&app, with_terms(&b["id"], json!({ "newTermMonths": 24 }))).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    assert_eq!(
        r["application"]["decision"]["debtBurden"],
        json!({ "before": "0.6691", "after": "0.4258", "limit": "0.5", "lowered": true, "withinLimit": true,
            "monthlyPaymentBefore": "147272.73", "monthlyPaymentAfter": "86458.33" })
    );
}

/// A three-month loan of 300 000 at 30 %: 100 000 + 7 500 a month from 1 October 2026.
fn thirty_percent_loan() -> Value {
    let schedule: Vec<Value> = ["2026-10-01", "2026-11-01", "2026-12-01"]
        .iter()
        .map(|due| json!({ "dueDate": due, "principal": "100000", "interest": "7500" }))
        .collect();
    json!({ "annualRate": "0.3", "schedule": schedule })
}

#[tokio::test]
async fn r07_r10_on_an_overdue_loan_a_rate_cut_is_approved_a_raise_a_shorter_term_or_folding_arrears_alone_refused() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-10");
    let s = overdue_loan(&app, "A", "2026-10-02", thirty_percent_loan(), json!({})).await;
    let a = submit(&app, &s, &csid(1)).await["application"].clone();
    let b = submit(&app, &s, &csid(2)).await["application"].clone();
    assert_eq!(a["admissibility"]["overdueSince"], "2026-10-02", "October's 107 500 is overdue");
    let with_terms = |id: &Value, terms: Value| {
        let mut input = decide_input(id, "APPROVE");
        input["terms"] = terms;
        input
    };
    // Before, like for like: the terms in force (30 %, November and December left) over the
    // whole 300 000, October's arrears included. November carries 100 000 + 50 000 of
    // October's principal, 300 000 x 30 % / 12 = 7 500 of interest and 3 750 of October's
    // 7 500: 161 250 (December: 150 000 + 3 750 + 3 750 = 157 500); with 20 000 of other
    // debts over 250 000 of income, 181 250 / 250 000 = 0.725. Every case below folds the
    // same arrears the same way; only the terms differ.
    for (case, terms, after) in [
        // November: 150 000 + 300 000 x 40 % / 12 = 10 000 + 3 750.
        ("rate raise 30 % -> 40 %", json!({ "newAnnualRate": "0.4" }), "163750.00"),
        // All 300 000 in November, with 7 500 of interest and October's 7 500.
        ("term cut to one month", json!({ "newTermMonths": 1 }), "315000.00"),
        // The same rate and the same two months: 161 250 again.
        ("the same rate", json!({ "newAnnualRate": "0.3" }), "161250.00"),
        ("the same two months", json!({ "newTermMonths": 2 }), "161250.00"),
        // The same 161 250, in January and February.
        ("a deferral alone", json!({ "deferral": { "months": 2, "interestToo": true } }), "161250.00"),
    ] {
        let r = decide(&app, with_terms(&a["id"], terms)).await;
        assert_eq!(errors(&r), vec![(json!(["input", "terms"]), json!("RULE_VIOLATION"), json!("R10"))], "{case}");
        assert_eq!(r["userErrors"][0]["reason"], "DEBT_BURDEN_NOT_LOWERED", "{case}");
        assert_eq!(
            r["userErrors"][0]["params"],
            json!({ "monthlyPaymentBefore": "161250.00", "monthlyPaymentAfter": after }),
            "{case}"
        );
    }
    // 30 % -> 10 %: November 150 000 + 300 000 x 10 % / 12 = 2 500 + 3 750 = 156 250;
    // 176 250 / 250 000 = 0.705. The 107 500 in force leaves October's arrears out: against
    // it, a cut would look like a raise.
    let r = decide(&app, with_terms(&a["id"], json!({ "newAnnualRate": "0.1" }))).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    assert_eq!(r["application"]["status"], "APPROVED");
    assert_eq!(
        r["application"]["decision"]["debtBurden"],
        json!({ "before": "0.725", "after": "0.705", "limit": "0.5", "lowered": true, "withinLimit": false,
            "monthlyPaymentBefore": "161250.00", "monthlyPaymentAfter": "156250.00" })
    );
    // 30 % -> 0 %: November 150 000 + 3 750 of October's interest; 173 750 / 250 000 = 0.695.
    let r = decide(&app, with_terms(&b["id"], json!({ "newAnnualRate": "0" }))).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    assert_eq!(r["application"]["status"], "APPROVED");
    assert_eq!(
        r["application"]["decision"]["debtBurden"],
        json!({ "before": "0.725", "after": "0.695", "limit": "0.5", "lowered": true, "withinLimit": false,
            "monthlyPaymentBefore": "161250.00", "monthlyPaymentAfter": "153750.00" })
    );
}

#[tokio::test]
async fn r12_a_counter_proposal_gives_at_least_15_days_and_r13_silence_for_30_days_is_a_refusal() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-10");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    let a = submit(&app, &s, &csid(1)).await["application"].clone();
    let mut short = decide_input(&a["id"], "COUNTER_PROPOSAL");
    short["replyBy"] = json!("2026-10-24");
    assert_eq!(
        errors(&decide(&app, short).await),
        vec![(json!(["input", "replyBy"]), json!("RULE_VIOLATION"), json!("R12"))]
    );
    let mut ok = decide_input(&a["id"], "COUNTER_PROPOSAL");
    ok["replyBy"] = json!("2026-10-25");
    let r = decide(&app, ok).await;
    assert_eq!(r["application"]["status"], "COUNTER_PROPOSED", "{r}");
    assert_eq!(deadline(&r["application"], "COUNTER_PROPOSAL_REPLY")["dueDate"], "2026-11-09");
    on(&app, "2026-11-09");
    app.scanner("s").tick().await.expect("tick");
    let q = format!("query($id: ID!) {{ restructuringApplication(id: $id) {{ {APP} }} }}");
    assert_eq!(
        app.gql(&app.staff(), &q, json!({ "id": a["id"] })).await["restructuringApplication"]["status"],
        "COUNTER_PROPOSED"
    );
    on(&app, "2026-11-10");
    app.scanner("s").tick().await.expect("tick");
    assert_eq!(
        app.gql(&app.staff(), &q, json!({ "id": a["id"] })).await["restructuringApplication"]["status"],
        "DEEMED_REFUSED"
    );
    let token = app.borrower_token(&app.orgs.kz_mfo, s.borrower);
    let late = run(
        &app,
        &token,
        "respondToCounterProposal",
        "RespondToCounterProposalInput",
        json!({ "applicationId": a["id"], "response": "ACCEPT" }),
    )
    .await;
    assert_eq!(late["userErrors"][0]["code"], "CONFLICT");
}

#[tokio::test]
async fn r11_implementation_regenerates_the_schedule_and_records_it() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-10");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    let a = submit(&app, &s, &csid(1)).await["application"].clone();
    let mut counter = decide_input(&a["id"], "COUNTER_PROPOSAL");
    // A deferral alone keeps the monthly payment (October's arrears folded into November and
    // December: 163 125 on both sides) and is refused (R10); spread over four months the same
    // balance costs 75 000 + 8 750 + 2 187.50 = 85 937.50 a month.
    counter["terms"] = json!({ "deferral": { "months": 3, "interestToo": true }, "newTermMonths": 4 });
    counter["replyBy"] = json!("2026-10-30");
    decide(&app, counter).await;
    let token = app.borrower_token(&app.orgs.kz_mfo, s.borrower);
    let r = run(
        &app,
        &token,
        "respondToCounterProposal",
        "RespondToCounterProposalInput",
        json!({ "applicationId": a["id"], "response": "ACCEPT" }),
    )
    .await;
    assert_eq!(r["application"]["status"], "AGREED");
    assert_eq!(deadline(&r["application"], "DECISION_IMPLEMENTATION")["dueDate"], "2026-10-25");
    let before = app.gql(&app.staff(), LOAN_Q, json!({ "id": s.loan })).await["loan"]["installments"]["nodes"].clone();
    let r =
        run(&app, &app.staff(), "markDecisionImplemented", "ApplicationRefInput", json!({ "applicationId": a["id"] }))
            .await;
    assert_eq!(r["application"]["status"], "IMPLEMENTED", "{r}");
    assert_eq!(deadline(&r["application"], "DECISION_IMPLEMENTATION")["status"], "MET");
    let after = app.gql(&app.staff(), LOAN_Q, json!({ "id": s.loan })).await["loan"].clone();
    let dates: Vec<&str> = after["installments"]["nodes"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|i| i["dueDate"].as_str().unwrap_or(""))
        .collect();
    // The overdue October payment is spread over four months from November; all move three months.
    assert_eq!(dates, vec!["2027-02-01", "2027-03-01", "2027-04-01", "2027-05-01"], "before: {before}");
    assert_eq!(after["installments"]["nodes"][0]["principal"], "75000.00", "300 000 over four months");
    assert_eq!(after["overdue"]["overdue"], false);
    let trail = app
        .gql(
            &app.staff(),
            "query($id: ID!) { auditTrail(subjectId: $id) { action before after } }",
            json!({ "id": s.loan }),
        )
        .await;
    let restructured = trail["auditTrail"]
        .as_array()
        .expect("trail")
        .iter()
        .find(|e| e["action"] == "loan.restructured")
        .expect("recorded")
        .clone();
    assert_eq!(restructured["before"]["schedule"].as_array().map(Vec::len), Some(3));
    assert_eq!(restructured["after"]["schedule"].as_array().map(Vec::len), Some(4));
    let again =
        run(&app, &app.staff(), "markDecisionImplemented", "ApplicationRefInput", json!({ "applicationId": a["id"] }))
            .await;
    assert_eq!(again["userErrors"][0]["code"], "CONFLICT");
}

#[tokio::test]
async fn r11_an_approval_not_implemented_within_15_days_escalates() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-10");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    let a = submit(&app, &s, &csid(1)).await["application"].clone();
    let r = decide(&app, decide_input(&a["id"], "APPROVE")).await;
    assert_eq!(deadline(&r["application"], "DECISION_IMPLEMENTATION")["dueDate"], "2026-10-25");
    on(&app, "2026-10-26");
    app.scanner("s").tick().await.expect("tick");
    assert!(escalation_rules(&app).await.contains(&"R11".to_owned()));
}

#[tokio::test]
async fn d01_the_refusal_letter_carries_every_required_field_in_russian_or_kazakh() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-10");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    let token = app.borrower_token(&app.orgs.kz_mfo, s.borrower);
    let mut kk = submission(&s.loan, &csid(1));
    kk["language"] = json!("KK");
    kk["applicationDate"] = json!("2026-10-08");
    let a = run(&app, &token, "submitRestructuringApplication", "SubmitRestructuringApplicationInput", kk).await["application"].clone();
    let ru = submit(&app, &s, &csid(2)).await["application"].clone();
    for (app_json, language) in [(&a, "KK"), (&ru, "RU")] {
        let r = decide(&app, decide_input(&app_json["id"], "REFUSE")).await;
        let letter = &r["application"]["decision"]["refusalLetter"];
        assert_eq!(letter["language"], language);
        let text = letter["text"].as_str().expect("text");
        for part in [
            "Borrower A",
            "Almaty, Abay 1",
            "KZ MFO",
            "C-L-A",
            "01.09.2026",
            app_json["incomingNumber"].as_str().expect("number"),
            "10.10.2026",
            "the stated income does not allow any schedule",
            "Omarov D. K.",
        ] {
            assert!(text.contains(part), "{language} letter lacks `{part}`:\n{text}");
        }
    }
    assert!(a["applicationDate"] == "2026-10-08");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retried_submission_registers_one_application() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    on(&app, "2026-10-10");
    let s = std::sync::Arc::new(overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await);
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (app, s) = (app.clone(), s.clone());
            tokio::spawn(async move { submit(&app, &s, &csid(7)).await["application"]["incomingNumber"].clone() })
        })
        .collect();
    let mut numbers = std::collections::HashSet::new();
    for t in tasks {
        numbers.insert(t.await.expect("join").to_string());
    }
    assert_eq!(numbers.len(), 1, "{numbers:?}");
    assert_eq!(app.count("restructuring_application").await, 1);
    assert_eq!(app.count("deadline WHERE kind = 'APPLICATION_DECISION'").await, 1);
}

#[tokio::test]
async fn a_borrower_cannot_see_or_act_on_another_borrowers_application() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-10");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    let other = overdue_loan(&app, "B", "2026-10-02", json!({}), json!({})).await;
    let a = submit(&app, &s, &csid(1)).await["application"].clone();
    let intruder = app.borrower_token(&app.orgs.kz_mfo, other.borrower);
    let q = "query($id: ID!) { restructuringApplication(id: $id) { id } }";
    assert_eq!(app.error_code(&intruder, q, json!({ "id": a["id"] })).await, "NOT_FOUND");
    assert_eq!(
        app.error_code(
            &intruder,
            &payload_query("withdrawRestructuringApplication", "ApplicationRefInput"),
            json!({ "input": { "applicationId": a["id"] } })
        )
        .await,
        "NOT_FOUND"
    );
    let list = app.gql(&intruder, "{ restructuringApplications { edges { node { id } } } }", json!({})).await;
    assert_eq!(list["restructuringApplications"]["edges"], json!([]));
    let steal = submission(&s.loan, &csid(2));
    assert_eq!(
        app.error_code(
            &intruder,
            &payload_query("submitRestructuringApplication", "SubmitRestructuringApplicationInput"),
            json!({ "input": steal })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(
            &app.agency_token(&app.orgs.agency),
            "{ restructuringApplications { edges { node { id } } } }",
            json!({})
        )
        .await,
        "FORBIDDEN"
    );
    // The owner withdraws while it is undecided; afterwards nothing moves it.
    let owner = app.borrower_token(&app.orgs.kz_mfo, s.borrower);
    let r = run(
        &app,
        &owner,
        "withdrawRestructuringApplication",
        "ApplicationRefInput",
        json!({ "applicationId": a["id"] }),
    )
    .await;
    assert_eq!(r["application"]["status"], "WITHDRAWN");
    assert_eq!(deadline(&r["application"], "APPLICATION_DECISION")["status"], "CANCELLED");
    let r = decide(&app, decide_input(&a["id"], "APPROVE")).await;
    assert_eq!(r["userErrors"][0]["code"], "CONFLICT");
}

#[tokio::test]
async fn r19_grounds_and_measures_other_need_a_text_and_the_app_needs_a_submission_id() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-10");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    let token = app.borrower_token(&app.orgs.kz_mfo, s.borrower);
    let mut bad = submission(&s.loan, &csid(1));
    bad["grounds"] = json!([{ "ground": "OTHER" }]);
    bad["requestedMeasures"] = json!([{ "measure": "OTHER", "text": " " }]);
    let r = run(&app, &token, "submitRestructuringApplication", "SubmitRestructuringApplicationInput", bad).await;
    let fields: Vec<Value> = errors(&r).into_iter().map(|(f, _, _)| f).collect();
    assert_eq!(
        fields,
        vec![json!(["input", "grounds", "0", "text"]), json!(["input", "requestedMeasures", "0", "text"])]
    );
    let mut no_id = submission(&s.loan, &csid(2));
    no_id.as_object_mut().expect("object").remove("clientSubmissionId");
    let r = run(&app, &token, "submitRestructuringApplication", "SubmitRestructuringApplicationInput", no_id).await;
    assert_eq!(r["userErrors"][0]["field"], json!(["input", "clientSubmissionId"]));
    // Staff register on the borrower's behalf without one.
    let mut by_staff = submission(&s.loan, &csid(3));
    by_staff.as_object_mut().expect("object").remove("clientSubmissionId");
    by_staff["channel"] = json!("IN_PERSON");
    let r = run(&app, &app.staff(), "submitRestructuringApplication", "SubmitRestructuringApplicationInput", by_staff)
        .await;
    assert_eq!(r["application"]["status"], "REGISTERED");
    assert_eq!(app.count("restructuring_application").await, 1);
}

const DEADLINES_Q: &str =
    "query($id: ID!) { restructuringApplication(id: $id) { deadlines { kind dueDate startedAt policyVersionId } } }";

fn staff_submission(loan: &str, received_at: Option<&str>) -> Value {
    let mut input = submission(loan, &csid(0));
    input.as_object_mut().expect("object").remove("clientSubmissionId");
    input["channel"] = json!("POST");
    if let Some(r) = received_at {
        input["receivedAt"] = json!(r);
    }
    input
}

async fn staff_submit(app: &TestApp, loan: &str, received_at: Option<&str>) -> Value {
    run(
        app,
        &app.staff(),
        "submitRestructuringApplication",
        "SubmitRestructuringApplicationInput",
        staff_submission(loan, received_at),
    )
    .await
}

#[tokio::test]
async fn r08_an_application_received_10_days_ago_and_entered_today_is_due_in_5_days() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-20");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    let r = staff_submit(&app, &s.loan, Some("2026-10-10T05:00:00Z")).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    let a = r["application"].clone();
    assert_eq!(a["receivedAt"], "2026-10-10T05:00:00+00:00");
    assert_eq!(a["decisionDueDate"], "2026-10-25", "15 days from receipt: 5 days from today");
    assert_eq!(a["applicationDate"], "2026-10-10", "dated the day it was received");
    assert_eq!(a["admissibility"]["daysAfterOverdue"], 8, "R2 counts to receipt, not to entry");
    assert_eq!(a["incomingNumber"], "R-2026/000001");
    let d = app.gql(&app.staff(), DEADLINES_Q, json!({ "id": a["id"] })).await;
    assert_eq!(
        d["restructuringApplication"]["deadlines"][0]["startedAt"], "2026-10-10T05:00:00+00:00",
        "the clock start"
    );
    on(&app, "2026-10-25");
    app.scanner("s").tick().await.expect("tick");
    assert!(!escalation_rules(&app).await.contains(&"R8".to_owned()));
    on(&app, "2026-10-26");
    app.scanner("s").tick().await.expect("tick");
    assert!(escalation_rules(&app).await.contains(&"R8".to_owned()), "missed 15 days after receipt");
}

#[tokio::test]
async fn r02_an_application_received_on_day_30_and_entered_on_day_35_is_inside_the_window() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-05");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    let fact =
        "mutation($input: RecordLoanLegalFactInput!) { recordLoanLegalFact(input: $input) { userErrors { code } } }";
    app.gql(
        &app.staff(),
        fact,
        json!({ "input": { "loanId": s.loan, "kind": "COURT_ACT", "occurredOn": "2026-10-04" } }),
    )
    .await;
    on(&app, "2026-11-06");
    let posted = staff_submit(&app, &s.loan, Some("2026-11-01T05:00:00Z")).await["application"].clone();
    assert_eq!(posted["status"], "REGISTERED", "{posted}");
    assert_eq!(
        posted["admissibility"],
        json!({ "admissible": true, "rule": "R2", "facts": [], "overdueSince": "2026-10-02", "daysAfterOverdue": 30 })
    );
    let today = staff_submit(&app, &s.loan, None).await["application"].clone();
    assert_eq!(today["status"], "INADMISSIBLE", "received on day 35 with a court act (R3)");
}

#[tokio::test]
async fn r08_a_received_at_in_the_future_or_before_the_loan_existed_is_refused() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-20");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await; // contract of 2026-09-01
    for received in ["2026-10-20T05:00:01Z", "2026-08-31T05:00:00Z"] {
        let r = staff_submit(&app, &s.loan, Some(received)).await;
        assert_eq!(errors(&r), vec![(json!(["input", "receivedAt"]), json!("INVALID"), json!("R8"))], "{received}");
        assert_eq!(r["application"], Value::Null);
    }
    assert_eq!(app.count("restructuring_application").await, 0);
    // The contract's first local day (Almaty, UTC+5) is accepted.
    let r = staff_submit(&app, &s.loan, Some("2026-08-31T19:00:00Z")).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    // The mobile app's submissions are received when sent, whatever they claim.
    let token = app.borrower_token(&app.orgs.kz_mfo, s.borrower);
    let mut input = submission(&s.loan, &csid(1));
    input["receivedAt"] = json!("2026-10-01T05:00:00Z");
    let r = run(&app, &token, "submitRestructuringApplication", "SubmitRestructuringApplicationInput", input).await;
    assert_eq!(r["application"]["receivedAt"], "2026-10-20T05:00:00+00:00");
}

#[tokio::test]
async fn r06_a_documents_request_sent_earlier_is_due_earlier_and_cannot_predate_receipt_or_lie_ahead() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-20"); // Tuesday
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    let now = staff_submit(&app, &s.loan, Some("2026-10-12T05:00:00Z")).await["application"].clone();
    let earlier = staff_submit(&app, &s.loan, Some("2026-10-12T05:00:00Z")).await["application"].clone();
    let ask = |id: &Value, sent_at: Option<&str>| {
        let mut input = json!({ "applicationId": id, "items": [{ "kind": "INCOME_CERTIFICATE", "description": "Income certificate" }] });
        if let Some(t) = sent_at {
            input["sentAt"] = json!(t);
        }
        input
    };
    let request = |input: Value| {
        let app = &app;
        async move { run(app, &app.staff(), "requestApplicationDocuments", "RequestApplicationDocumentsInput", input).await }
    };
    for (sent_at, why) in [("2026-10-20T05:00:01Z", "in the future"), ("2026-10-12T04:59:59Z", "before receipt")] {
        let r = request(ask(&earlier["id"], Some(sent_at))).await;
        assert_eq!(errors(&r), vec![(json!(["input", "sentAt"]), json!("INVALID"), json!("R6"))], "{why}");
    }
    let r = request(ask(&now["id"], None)).await;
    // Oct 21, 22, 23, (26 is Republic Day observed) 27, 28.
    assert_eq!(r["application"]["documentRequests"][0]["dueDate"], "2026-10-28");
    let r = request(ask(&earlier["id"], Some("2026-10-14T05:00:00Z"))).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    // Oct 15, 16, 19, 20, 21.
    assert_eq!(r["application"]["documentRequests"][0]["dueDate"], "2026-10-21", "five business days from sending");
    let d = app.gql(&app.staff(), DEADLINES_Q, json!({ "id": earlier["id"] })).await;
    let docs = d["restructuringApplication"]["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .find(|d| d["kind"] == "APPLICATION_DOCUMENTS")
        .cloned()
        .expect("R6 deadline");
    assert_eq!(docs["startedAt"], "2026-10-14T05:00:00+00:00");
}

/// R6 before R8 after the scanner was down: a single catch-up pass handles the due
/// deadlines in due order, so the documents' lapse (due first) leaves the application
/// without review and cancels its R8 decision, which is then neither missed nor escalated.
#[tokio::test]
async fn r06_a_lapse_caught_up_late_cancels_the_r8_decision_instead_of_missing_it() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-10");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    let a = submit(&app, &s, &csid(1)).await["application"].clone();
    let ask = json!({ "applicationId": a["id"], "items": [{ "kind": "INCOME_CERTIFICATE", "description": "Income certificate" }] });
    let r = run(&app, &app.staff(), "requestApplicationDocuments", "RequestApplicationDocumentsInput", ask).await;
    assert_eq!(r["application"]["status"], "DOCUMENTS_REQUESTED", "{r}");
    // No pass between the documents' deadline (16 October) and the decision's (25 October).
    on(&app, "2026-10-28");
    app.scanner("s").tick().await.expect("tick");
    let q = format!("query($id: ID!) {{ restructuringApplication(id: $id) {{ {APP} }} }}");
    let after = app.gql(&app.staff(), &q, json!({ "id": a["id"] })).await["restructuringApplication"].clone();
    assert_eq!(after["status"], "LEFT_WITHOUT_REVIEW");
    assert_eq!(deadline(&after, "APPLICATION_DECISION")["status"], "CANCELLED", "{after}");
    assert!(!escalation_rules(&app).await.contains(&"R8".to_owned()));
}

#[tokio::test]
async fn r08_an_application_received_before_the_first_policy_version_is_bad_user_input_and_stores_nothing() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-01");
    let s = overdue_loan(&app, "OLD", "2023-03-02", json!({}), json!({})).await;
    let m = "mutation($input: SubmitRestructuringApplicationInput!) { submitRestructuringApplication(input: $input) { application { id } userErrors { field code rule } } }";
    let input = json!({
        "loanId": s.loan, "channel": "POST", "language": "RU", "receivedAt": "2024-01-10T05:00:00Z",
        "requestedMeasures": [{ "measure": "NEW_TERM" }], "monthlyIncome": "250000",
    });
    let (status, body) = app.post(Some(&app.staff()), m, json!({ "input": input })).await;
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap_or("").contains("2024-09-09"), "{body}");
    assert_eq!(app.count("restructuring_application").await, 0, "nothing half-written");
}

#[tokio::test]
async fn r08_an_application_received_before_the_mfo_was_founded_is_refused() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-20");
    // The loan predates its MFO (a portfolio taken over); an application to it cannot.
    let mfo = crate::helpers::fixtures::founded_mfo(&app, "Founded MFO", Jurisdiction::Kz, "2026-09-15").await;
    let (_, _, loan) = crate::helpers::fixtures::borrower_with_loan(&app, &mfo, "F", "2026-09-01").await;
    let staff = app.staff_of(&mfo);
    let submit = |received: &str| {
        let input = staff_submission(&loan, Some(received));
        let staff = staff.clone();
        let app = &app;
        async move { run(app, &staff, "submitRestructuringApplication", "SubmitRestructuringApplicationInput", input).await }
    };
    // After the contract, before the founding (the 14th, 23:59 in Almaty).
    for received in ["2026-09-10T05:00:00Z", "2026-09-14T18:59:59Z"] {
        let r = submit(received).await;
        assert_eq!(r["application"], Value::Null, "{received}: {r}");
        assert_eq!(errors(&r), vec![(json!(["input", "receivedAt"]), json!("INVALID"), json!("R8"))], "{received}");
        assert_eq!(r["userErrors"][0]["params"], json!({ "notBefore": "2026-09-15" }), "{r}");
    }
    assert_eq!(app.count("restructuring_application").await, 0);
    // The founding day's first local minute is accepted.
    let r = submit("2026-09-14T19:00:00Z").await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    assert_eq!(r["application"]["receivedAt"], "2026-09-14T19:00:00+00:00");
}
