//! Lists issue a bounded number of SQL statements, whatever their page size: every nested
//! field goes through a DataLoader (DESIGN.md, Performance budget).

use serde_json::json;

use crate::helpers::TestApp;
use crate::helpers::fixtures::{on, overdue_loan};

const LOANS: &str =
    "{ loans(first: 100) { edges { node { id borrower { fullName } mfo { name } installments { seq status }
    payments { amount } overdue { days amount } principalBalance deadlines { kind } delinquencyNotices { sender }
    collectionAssignment { agency { name } } contacts { channel } militaryDeferrals { status } } } } }";

const COMPLAINTS: &str =
    "{ complaints(first: 100) { edges { node { id number complainants { fullName } answer { ground }
    answerDueDate deadlines { kind } mfo { name } borrower { fullName } loan { contractNumber } } } } }";

const APPLICATIONS: &str = "{ restructuringApplications(first: 100) { edges { node { id status decisionDueDate
    documentRequests { dueDate } appeals { status } deadlines { kind } loan { contractNumber } borrower { fullName }
    decision { kind refusalLetter { language } } } } } }";

async fn seed(app: &TestApp, from: usize, to: usize) {
    let submit = "mutation($input: SubmitRestructuringApplicationInput!) { submitRestructuringApplication(input: $input) { application { id } } }";
    let register =
        "mutation($input: RegisterComplaintInput!) { registerComplaint(input: $input) { complaint { id } } }";
    let decide = "mutation($input: DecideRestructuringApplicationInput!) { decideRestructuringApplication(input: $input) { userErrors { code } } }";
    for i in from..to {
        let s = overdue_loan(app, &format!("N{i}"), "2026-03-02", json!({}), json!({})).await;
        let a = app
            .gql(
                &app.staff(),
                submit,
                json!({ "input": { "loanId": s.loan, "channel": "IN_PERSON", "monthlyIncome": "1" } }),
            )
            .await;
        let id = a["submitRestructuringApplication"]["application"]["id"].clone();
        app.gql(&app.manager(), decide, json!({ "input": { "applicationId": id, "decision": "REFUSE", "reasons": "x", "signatory": { "fullName": "M" } } })).await;
        app.gql(&app.staff(), register, json!({ "input": { "kind": "COMPLAINT", "channel": "POST", "language": "RU", "loanId": s.loan, "substance": "x" } })).await;
    }
}

#[tokio::test]
async fn nested_lists_cost_the_same_number_of_statements_for_3_rows_as_for_12() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    seed(&app, 0, 3).await;
    let small: Vec<usize> = [
        app.statements_for(&app.staff(), LOANS).await,
        app.statements_for(&app.staff(), COMPLAINTS).await,
        app.statements_for(&app.staff(), APPLICATIONS).await,
    ]
    .into();
    seed(&app, 3, 12).await;
    let large: Vec<usize> = [
        app.statements_for(&app.staff(), LOANS).await,
        app.statements_for(&app.staff(), COMPLAINTS).await,
        app.statements_for(&app.staff(), APPLICATIONS).await,
    ]
    .into();
    // N+1 would add at least nine statements per nested field going from 3 rows to 12. A
    // DataLoader may split one batch in two when the rows resolve across its batching
    // window, so the bound allows that, and no more.
    for ((s, l), list) in small.iter().zip(&large).zip(["loans", "complaints", "applications"]) {
        assert!(l <= &(s + 2), "{list}: {s} statements for 3 rows, {l} for 12");
    }
    assert!(large.iter().all(|n| *n > 3 && *n < 30), "{large:?}");
}
