//! Lists issue a bounded number of SQL statements, whatever their page size: every nested
//! field goes through a DataLoader (DESIGN.md, Performance budget).

use serde_json::json;

use crate::helpers::TestApp;
use crate::helpers::fixtures::{on, overdue_loan};

const LOANS: &str =
    "{ loans(first: 100) { edges { node { id borrower { fullName } mfo { name } installments(first: 12) { nodes { seq status } }
    payments(first: 10) { nodes { amount } } overdue { days amount } principalBalance deadlines { kind }
    delinquencyNotices(first: 5) { nodes { sender } } collectionAssignment { agency { name } }
    contacts(first: 5) { nodes { channel } } militaryDeferrals { status } } } } }";

const COMPLAINTS: &str =
    "{ complaints(first: 100) { edges { node { id number complainants { fullName } answer { ground }
    answerDueDate deadlines { kind } mfo { name } borrower { fullName } loan { contractNumber } } } } }";

const APPLICATIONS: &str = "{ restructuringApplications(first: 100) { edges { node { id status decisionDueDate
    documentRequests { dueDate } appeals { status } deadlines { kind } loan { contractNumber } borrower { fullName }
    decision { kind refusalLetter { language } } } } } }";

const CONTACTS: &str =
    "{ contacts(first: 100) { edges { node { id channel loan { contractNumber } contactor { name } } } } }";

async fn seed(app: &TestApp, from: usize, to: usize) {
    let submit = "mutation($input: SubmitRestructuringApplicationInput!) { submitRestructuringApplication(input: $input) { application { id } } }";
    let register =
        "mutation($input: RegisterComplaintInput!) { registerComplaint(input: $input) { complaint { id } } }";
    let record = "mutation($input: RecordContactInput!) { recordContact(input: $input) { contact { id } } }";
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
        let contact = json!({ "clientSubmissionId": format!("00000000-0000-4000-9000-{i:012}"), "loanId": s.loan,
            "channel": "LETTER", "occurredAt": "2026-03-17T05:00:00Z", "outcome": "REACHED",
            "disclosure": { "organizationName": "KZ MFO", "organizationLocation": "Almaty", "personName": "A", "personPosition": "B" } });
        app.gql(&app.staff(), record, json!({ "input": contact })).await;
    }
}

// Run alone (`.ci/run`, README): under CPU load a DataLoader's batch delay can fire while a
// page is still resolving and split one batch in several (an open finding), which
// is not the N+1 this guards against; beside the CPU-bound hostile tests it did (11 → 15).
#[tokio::test]
#[ignore = "statement counts: run alone with --ignored (see README)"]
async fn nested_lists_cost_the_same_number_of_statements_for_3_rows_as_for_12() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    seed(&app, 0, 3).await;
    let small: Vec<usize> = [
        app.statements_for(&app.staff(), LOANS).await,
        app.statements_for(&app.staff(), COMPLAINTS).await,
        app.statements_for(&app.staff(), APPLICATIONS).await,
        app.statements_for(&app.staff(), CONTACTS).await,
    ]
    .into();
    seed(&app, 3, 12).await;
    let large: Vec<usize> = [
        app.statements_for(&app.staff(), LOANS).await,
        app.statements_for(&app.staff(), COMPLAINTS).await,
        app.statements_for(&app.staff(), APPLICATIONS).await,
        app.statements_for(&app.staff(), CONTACTS).await,
    ]
    .into();
    // N+1 would add at least nine statements per nested field going from 3 rows to 12. A
    // DataLoader may split one batch in two when the rows resolve across its batching
    // window, so the bound allows that, and no more.
    for ((s, l), list) in small.iter().zip(&large).zip(["loans", "complaints", "applications", "contacts"]) {
        assert!(l <= &(s + 2), "{list}: {s} statements for 3 rows, {l} for 12");
    }
    assert!(large[..3].iter().all(|n| *n > 3 && *n < 30), "{large:?}");
    // contacts: the page, its loans, their contactors.
    assert!(large[3] <= 6, "{large:?}");
    let listed = app.gql(&app.staff(), CONTACTS, json!({})).await;
    assert_eq!(listed["contacts"]["edges"].as_array().map(Vec::len), Some(12), "one contact per loan");
    println!("statements (loans, complaints, applications, contacts): 3 rows {small:?}, 12 rows {large:?}");
}

/// The lists' scope + filter + page order, and R1's overdue sweep, can each be
/// answered from an index (on PostgreSQL with sequential scans switched off, since a
/// table this small would rightly be scanned; SQLite's planner names the index it picks).
#[tokio::test]
async fn every_list_filter_and_the_r1_sweep_are_backed_by_an_index() {
    use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
    let app = TestApp::spawn().await;
    let m = app.orgs.kz_mfo.id;
    let cases = [
        (format!("SELECT id FROM loan WHERE mfo_id = '{m}' ORDER BY id LIMIT 51"), "ix_loan_mfo_id_id"),
        (
            format!("SELECT id FROM loan WHERE mfo_id = '{m}' AND status = 'ACTIVE' ORDER BY id LIMIT 51"),
            "ix_loan_mfo_id_status_id",
        ),
        (
            format!(
                "SELECT id FROM loan WHERE mfo_id = '{m}' AND status = 'ACTIVE' AND first_unpaid_due_date < '2026-11-23'"
            ),
            "ix_loan_mfo_id_status_first_unpaid_due_date",
        ),
        ("SELECT id FROM loan WHERE jurisdiction = 'KZ' ORDER BY id LIMIT 51".to_owned(), "ix_loan_jurisdiction_id"),
        (
            "SELECT id FROM loan WHERE jurisdiction = 'KZ' AND status = 'ACTIVE' AND first_unpaid_due_date < '2026-11-23' ORDER BY id LIMIT 100".to_owned(),
            "ix_loan_jurisdiction_status_first_unpaid_due_date_id",
        ),
        (
            format!("SELECT id FROM complaint WHERE mfo_id = '{m}' AND status = 'REGISTERED' ORDER BY id LIMIT 51"),
            "ix_complaint_mfo_id_status_id",
        ),
        (format!("SELECT id FROM complaint WHERE mfo_id = '{m}' ORDER BY id LIMIT 51"), "ix_complaint_mfo_id_id"),
        (
            format!(
                "SELECT id FROM restructuring_application WHERE mfo_id = '{m}' AND status = 'RECEIVED' ORDER BY id LIMIT 51"
            ),
            "ix_restructuring_application_mfo_id_status_id",
        ),
        (
            "SELECT seq FROM escalation WHERE jurisdiction = 'KZ' AND seq > 10 ORDER BY seq LIMIT 51".to_owned(),
            "ix_escalation_jurisdiction_seq",
        ),
        (
            format!("SELECT seq FROM escalation WHERE org_id = '{m}' AND seq > 10 ORDER BY seq LIMIT 51"),
            "ix_escalation_org_id_seq",
        ),
        (
            "SELECT id FROM deadline WHERE status = 'OPEN' AND due_at <= '2026-11-23T00:00:00Z' ORDER BY due_at LIMIT 50"
                .to_owned(),
            "ix_deadline_status_due_at",
        ),
        // The connections' date ranges and the `contacts` connection.
        (
            format!("SELECT id FROM loan WHERE mfo_id = '{m}' AND contract_date >= '2026-01-01' AND contract_date < '2026-02-01'"),
            "ix_loan_mfo_id_contract_date",
        ),
        (
            format!("SELECT id FROM borrower WHERE mfo_id = '{m}' AND created_at >= '2026-01-01T00:00:00Z'"),
            "ix_borrower_mfo_id_created_at",
        ),
        (
            format!("SELECT id FROM complaint WHERE mfo_id = '{m}' AND received_at >= '2026-01-01T00:00:00Z' AND received_at < '2026-02-01T00:00:00Z'"),
            "ix_complaint_mfo_id_received_at",
        ),
        (
            format!("SELECT id FROM restructuring_application WHERE mfo_id = '{m}' AND received_at >= '2026-01-01T00:00:00Z' AND received_at < '2026-02-01T00:00:00Z'"),
            "ix_restructuring_application_mfo_id_received_at",
        ),
        (
            format!("SELECT seq FROM escalation WHERE org_id = '{m}' AND raised_at >= '2026-01-01T00:00:00Z' AND raised_at < '2026-02-01T00:00:00Z'"),
            "ix_escalation_org_id_raised_at",
        ),
        (
            format!("SELECT id FROM deadline WHERE org_id = '{m}' AND due_at >= '2026-01-01T00:00:00Z' AND due_at < '2026-02-01T00:00:00Z'"),
            "ix_deadline_org_id_due_at",
        ),
        (
            format!("SELECT id FROM contact_event WHERE mfo_id = '{m}' ORDER BY occurred_at DESC, id DESC LIMIT 51"),
            "ix_contact_event_mfo_id_occurred_at_id",
        ),
        (
            "SELECT id FROM contact_event WHERE jurisdiction = 'KZ' ORDER BY occurred_at DESC, id DESC LIMIT 51".to_owned(),
            "ix_contact_event_jurisdiction_occurred_at_id",
        ),
        (
            format!("SELECT id FROM contact_event WHERE contactor_org_id = '{m}' ORDER BY occurred_at DESC, id DESC LIMIT 51"),
            "ix_contact_event_contactor_org_id_occurred_at_id",
        ),
    ];
    let db = &app.ctx.db;
    let backend = db.get_database_backend();
    let txn = db.begin().await.expect("begin");
    let explain = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            txn.execute_unprepared("SET LOCAL enable_seqscan = off").await.expect("set");
            "EXPLAIN"
        }
        _ => "EXPLAIN QUERY PLAN",
    };
    for (sql, ix) in cases {
        let rows =
            txn.query_all_raw(Statement::from_string(backend, format!("{explain} {sql}"))).await.expect("explain");
        let plan: Vec<String> = rows
            .iter()
            .map(|r| r.try_get_by_index::<String>(if explain == "EXPLAIN" { 0 } else { 3 }).expect("plan line"))
            .collect();
        let plan = plan.join("\n");
        println!("{sql}\n{plan}\n");
        if explain == "EXPLAIN" {
            // On an empty table PostgreSQL's statistics cannot tell two of our indexes
            // apart; what matters is that one of them (not the primary key with the scope
            // filtered row by row, not the heap) answers.
            let ours = plan.contains("Index") && plan.contains("using ix_") && !plan.contains("Seq Scan");
            assert!(ours, "{sql}\nexpected an index scan on one of the ix_ indexes ({ix}) in:\n{plan}");
        } else {
            assert!(plan.contains(ix), "{sql}\nexpected {ix} in:\n{plan}");
        }
    }
    txn.rollback().await.expect("rollback");
}

/// `permittedActions` runs before every step a collector takes. Once the
/// reference data is cached (calendars, policy versions, the organisation behind the
/// token, the clearance key), a call costs at most four statements: the loan with its
/// situation, its schedule, its payments and the week's contacts.
#[tokio::test]
async fn permitted_actions_costs_at_most_four_statements_once_reference_data_is_cached() {
    use crate::helpers::fixtures::{assign, uuid_of};
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let s = overdue_loan(&app, "A", "2026-02-02", json!({}), json!({})).await;
    assign(&app, uuid_of(&s.loan), &app.orgs.agency).await;
    let token = app.agency_token(&app.orgs.agency);
    let query = format!(r#"{{ permittedActions(loanId: "{}") {{ action allowed basis clearance }} }}"#, s.loan);
    let first = app.gql(&token, &query, json!({})).await;
    let verdicts = first["permittedActions"].as_array().expect("verdicts");
    assert!(verdicts.iter().any(|v| v["allowed"] == true && v["clearance"].is_string()), "{first}");
    let cold_then_warm = app.statements_for(&token, &query).await;
    assert!(cold_then_warm <= 4, "{cold_then_warm} statements for a permittedActions call");
    // The same answer from the cache as from the database.
    assert_eq!(
        app.gql(&token, &query, json!({})).await["permittedActions"].as_array().map(Vec::len),
        Some(verdicts.len())
    );
}

/// The benchmark's page (`loans(first: 50)` with installments and borrower)
/// costs the same statements for 3 loans as for 12, at most six, and exactly that even
/// with the CPU busy: the root list primes its nested loaders in one batch each, so a
/// DataLoader's delay firing mid-page can no longer split a batch. Runs in the parallel
/// suite on purpose.
#[tokio::test]
async fn a_page_of_loans_with_installments_and_borrower_costs_a_constant_handful_of_statements() {
    const PAGE: &str =
        "{ loans(first: 50) { edges { node { id installments { nodes { seq status } } borrower { fullName } } } } }";
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    for i in 0..3 {
        overdue_loan(&app, &format!("P{i}"), "2026-03-02", json!({}), json!({})).await;
    }
    let small = app.statements_for(&app.staff(), PAGE).await;
    for i in 3..12 {
        overdue_loan(&app, &format!("P{i}"), "2026-03-02", json!({}), json!({})).await;
    }
    let page = app.gql(&app.staff(), PAGE, json!({})).await;
    assert_eq!(page["loans"]["edges"].as_array().map(Vec::len), Some(12), "{page}");
    assert!(page["loans"]["edges"][11]["node"]["installments"]["nodes"][0]["seq"].is_number(), "{page}");
    let large = app.statements_for(&app.staff(), PAGE).await;
    assert_eq!(small, large, "3 loans: {small} statements, 12 loans: {large}");
    assert!(large <= 6, "{large} statements for a page of loans with installments and borrower");
}

/// A page that asks for the schedule and nothing paid reads no payments (one
/// statement fewer than with `status`), and its installments are the same lines, in the
/// same order, as when the payments are read.
#[tokio::test]
async fn a_schedule_without_anything_paid_reads_no_payments_and_lists_the_same_lines() {
    const SCHEDULE: &str = "{ loans(first: 50) { edges { node { id installments { nodes { seq dueDate principal interest } } borrower { fullName } } } } }";
    const WITH_PAID: &str = "{ loans(first: 50) { edges { node { id installments { nodes { seq dueDate principal interest \
                             paidPrincipal status } } borrower { fullName } } } } }";
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    for i in 0..4 {
        overdue_loan(&app, &format!("S{i}"), "2026-03-02", json!({}), json!({})).await;
    }
    let schedule_only = app.statements_for(&app.staff(), SCHEDULE).await;
    let with_paid = app.statements_for(&app.staff(), WITH_PAID).await;
    assert_eq!(schedule_only + 1, with_paid, "schedule only: {schedule_only}, with what was paid: {with_paid}");

    let lines = |page: &serde_json::Value| -> Vec<serde_json::Value> {
        let edges = page["loans"]["edges"].as_array().cloned().unwrap_or_default();
        edges
            .iter()
            .flat_map(|e| e["node"]["installments"]["nodes"].as_array().cloned().unwrap_or_default())
            .map(|i| json!([i["seq"], i["dueDate"], i["principal"], i["interest"]]))
            .collect()
    };
    let schedule = app.gql(&app.staff(), SCHEDULE, json!({})).await;
    let paid = app.gql(&app.staff(), WITH_PAID, json!({})).await;
    assert!(!lines(&schedule).is_empty(), "{schedule}");
    assert_eq!(lines(&schedule), lines(&paid));
    assert!(paid["loans"]["edges"][0]["node"]["installments"]["nodes"][0]["status"].is_string(), "{paid}");
}
