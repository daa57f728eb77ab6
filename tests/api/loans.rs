//! Loans from the MFO's core-banking system: idempotent by the MFO's own ids, and a bad
//! row is refused whole, with user errors naming its fields, writing nothing; borrowers and
//! loans found by the partner's own ids and contract numbers within the caller's scope.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::fixtures::*;
use crate::helpers::fixtures::{RECORD_PAYMENT, UPSERT_BORROWER, UPSERT_LOAN, borrower_input, loan_input};

async fn setup(app: &TestApp) -> String {
    let token = app.staff();
    let b = app.gql(&token, UPSERT_BORROWER, json!({ "input": borrower_input("B1") })).await;
    assert_eq!(b["upsertBorrower"]["userErrors"], json!([]));
    token
}

async fn upsert_loan(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(token, UPSERT_LOAN, json!({ "input": input })).await["upsertLoan"].clone()
}

fn fields(payload: &Value) -> Vec<Value> {
    payload["userErrors"].as_array().expect("userErrors").iter().map(|e| e["field"].clone()).collect()
}

#[tokio::test]
async fn upserting_the_same_rows_again_changes_nothing() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let first = upsert_loan(&app, &token, loan_input("L1", "B1", "2026-09-01")).await;
    let audit = app.count("audit_entry").await;
    let again = upsert_loan(&app, &token, loan_input("L1", "B1", "2026-09-01")).await;
    assert_eq!(first["loan"]["id"], again["loan"]["id"]);
    assert_eq!(app.count("loan").await, 1);
    assert_eq!(app.count("installment").await, 3);
    assert_eq!(app.count("audit_entry").await, audit, "no change, no audit entry");
    app.gql(&token, UPSERT_BORROWER, json!({ "input": borrower_input("B1") })).await;
    assert_eq!(app.count("borrower").await, 1);

    let mut changed = loan_input("L1", "B1", "2026-09-01");
    changed["annualRate"] = json!("0.30");
    let updated = upsert_loan(&app, &token, changed).await;
    assert_eq!(updated["loan"]["id"], first["loan"]["id"]);
    assert_eq!(app.count("audit_entry").await, audit + 1, "loan.updated");
    let trail = app
        .gql(
            &token,
            "query($id: ID!) { auditTrail(subjectId: $id) { action before after } }",
            json!({ "id": first["loan"]["id"] }),
        )
        .await;
    let actions: Vec<&str> =
        trail["auditTrail"].as_array().expect("trail").iter().map(|e| e["action"].as_str().unwrap_or("")).collect();
    assert_eq!(actions, vec!["loan.created", "loan.updated"]);
    assert_eq!(trail["auditTrail"][1]["before"]["annualRate"], "0.35");
    assert_eq!(trail["auditTrail"][1]["after"]["annualRate"], "0.3");
}

#[tokio::test]
async fn a_bad_loan_row_is_refused_whole_naming_each_field() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    let before = (app.count("loan").await, app.count("installment").await, app.count("audit_entry").await);

    let mut currency = loan_input("L1", "B1", "2026-09-01");
    currency["currency"] = json!("XYZ");
    let r = upsert_loan(&app, &token, currency).await;
    assert_eq!(fields(&r), vec![json!(["input", "currency"])]);
    assert_eq!(r["userErrors"][0]["code"], "INVALID");
    assert!(r["loan"].is_null());

    let mut negative = loan_input("L1", "B1", "2026-09-01");
    negative["principal"] = json!("-300000");
    let r = upsert_loan(&app, &token, negative).await;
    assert!(fields(&r).contains(&json!(["input", "principal"])), "{r}");

    let mut sum = loan_input("L1", "B1", "2026-09-01");
    sum["schedule"][2]["principal"] = json!("90000");
    let r = upsert_loan(&app, &token, sum).await;
    assert_eq!(fields(&r), vec![json!(["input", "schedule"])], "{r}");
    assert!(r["userErrors"][0]["message"].as_str().unwrap_or("").contains("290000"), "{r}");

    let mut order = loan_input("L1", "B1", "2026-09-01");
    order["schedule"][2]["dueDate"] = json!("2026-10-15");
    let r = upsert_loan(&app, &token, order).await;
    assert_eq!(fields(&r), vec![json!(["input", "schedule", "2", "dueDate"])], "{r}");

    let mut negative_line = loan_input("L1", "B1", "2026-09-01");
    negative_line["schedule"][0]["interest"] = json!("-1");
    let r = upsert_loan(&app, &token, negative_line).await;
    assert_eq!(fields(&r), vec![json!(["input", "schedule", "0", "interest"])], "{r}");

    let mut borrower = loan_input("L1", "B-unknown", "2026-09-01");
    borrower["borrowerExternalId"] = json!("B-unknown");
    let r = upsert_loan(&app, &token, borrower).await;
    assert_eq!(fields(&r), vec![json!(["input", "borrowerExternalId"])]);

    let mut huge = loan_input("L1", "B1", "2026-09-01");
    huge["principal"] = json!("79228162514264337593543950335");
    huge["schedule"][0]["principal"] = json!("79228162514264337593543950335");
    let r = upsert_loan(&app, &token, huge).await;
    assert!(!fields(&r).is_empty(), "an absurd amount is refused, not overflowed: {r}");

    let after = (app.count("loan").await, app.count("installment").await, app.count("audit_entry").await);
    assert_eq!(before, after, "nothing of a refused row is written");
}

#[tokio::test]
async fn a_bad_borrower_row_names_its_fields() {
    let app = TestApp::spawn().await;
    let mut input = borrower_input("B1");
    input["fullName"] = json!(" ");
    input["email"] = json!("not-an-email");
    input["phone"] = json!("call me");
    let r = app.gql(&app.staff(), UPSERT_BORROWER, json!({ "input": input })).await;
    let mut f = fields(&r["upsertBorrower"]);
    f.sort_by_key(|v| v.to_string());
    assert_eq!(f, vec![json!(["input", "email"]), json!(["input", "fullName"]), json!(["input", "phone"])]);
    assert_eq!(app.count("borrower").await, 0);
}

#[tokio::test]
async fn payments_are_idempotent_by_external_id_and_clear_the_overdue() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    // Contract of 2026-09-01: the first installment fell due on 2026-10-01.
    let loan = upsert_loan(&app, &token, loan_input("L1", "B1", "2026-09-01")).await;
    let q = "query($id: ID!) { loan(id: $id) { overdue { overdue since days amount } principalBalance installments(first: 100) { nodes { seq status paidPrincipal } } } }";
    let before = app.gql(&token, q, json!({ "id": loan["loan"]["id"] })).await;
    assert_eq!(before["loan"]["overdue"]["since"], "2026-10-02");
    assert_eq!(before["loan"]["overdue"]["amount"], "217500.00");

    let pay = |id: &str, amount: &str| json!({ "input": { "loanExternalId": "L1", "externalId": id, "paidAt": "2026-11-20T06:00:00Z", "amount": amount } });
    let r = app.gql(&token, RECORD_PAYMENT, pay("P1", "217500")).await;
    assert_eq!(r["recordPayment"]["userErrors"], json!([]), "{r}");
    assert_eq!(r["recordPayment"]["loan"]["overdue"]["overdue"], false);
    let again = app.gql(&token, RECORD_PAYMENT, pay("P1", "217500")).await;
    assert_eq!(again["recordPayment"]["payment"]["id"], r["recordPayment"]["payment"]["id"]);
    assert_eq!(app.count("payment").await, 1);
    let other = app.gql(&token, RECORD_PAYMENT, pay("P1", "1000")).await;
    assert_eq!(other["recordPayment"]["userErrors"][0]["code"], "CONFLICT");

    let after = app.gql(&token, q, json!({ "id": loan["loan"]["id"] })).await;
    assert_eq!(after["loan"]["principalBalance"], "100000.00");
    assert_eq!(after["loan"]["installments"]["nodes"][0]["status"], "PAID");

    let r = app.gql(&token, RECORD_PAYMENT, pay("P2", "-5")).await;
    assert_eq!(r["recordPayment"]["userErrors"][0]["field"], json!(["input", "amount"]));
    let future = json!({ "input": { "loanExternalId": "L1", "externalId": "P3", "paidAt": "2030-01-01T00:00:00Z", "amount": "1" } });
    let r = app.gql(&token, RECORD_PAYMENT, future).await;
    assert_eq!(r["recordPayment"]["userErrors"][0]["field"], json!(["input", "paidAt"]));
    assert_eq!(app.count("payment").await, 1);
}

#[tokio::test]
async fn legal_facts_are_recorded_and_checked() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    upsert_loan(&app, &token, loan_input("L1", "B1", "2026-09-01")).await;
    let m = "mutation($input: RecordLoanLegalFactInput!) { recordLoanLegalFact(input: $input) { loan { legalFacts { courtActOn insolvencyFrom insolvencyTo } } userErrors { field code } } }";
    let r = app
        .gql(&token, m, json!({ "input": { "loanExternalId": "L1", "kind": "COURT_ACT", "occurredOn": "2026-11-01" } }))
        .await;
    assert_eq!(r["recordLoanLegalFact"]["loan"]["legalFacts"]["courtActOn"], "2026-11-01");
    let r = app.gql(&token, m, json!({ "input": { "loanExternalId": "L1", "kind": "COURT_ACT", "occurredOn": "2026-11-01", "endedOn": "2026-11-02" } })).await;
    assert_eq!(r["recordLoanLegalFact"]["userErrors"][0]["field"], json!(["input", "endedOn"]));
    let r = app
        .gql(
            &token,
            m,
            json!({ "input": { "loanExternalId": "L1", "kind": "INSOLVENCY_PROCEDURE", "occurredOn": "2027-01-01" } }),
        )
        .await;
    assert_eq!(r["recordLoanLegalFact"]["userErrors"][0]["field"], json!(["input", "occurredOn"]), "in the future");
    let r = app.gql(&token, m, json!({ "input": { "loanExternalId": "L1", "kind": "INSOLVENCY_PROCEDURE", "occurredOn": "2026-10-01", "endedOn": "2026-11-10" } })).await;
    assert_eq!(r["recordLoanLegalFact"]["loan"]["legalFacts"]["insolvencyTo"], "2026-11-10");
    let r = app.gql(&token, m, json!({ "input": { "kind": "COURT_ACT", "occurredOn": "2026-11-01" } })).await;
    assert_eq!(r["recordLoanLegalFact"]["userErrors"][0]["field"], json!(["input", "loanId"]));
}

#[tokio::test]
async fn only_the_mfos_own_staff_ingest() {
    let app = TestApp::spawn().await;
    let token = setup(&app).await;
    upsert_loan(&app, &token, loan_input("L1", "B1", "2026-09-01")).await;
    let agency = app.agency_token(&app.orgs.agency);
    let code = app.error_code(&agency, UPSERT_BORROWER, json!({ "input": borrower_input("B2") })).await;
    assert_eq!(code, "FORBIDDEN");
    let regulator = app.regulator(entity::enums::Jurisdiction::Kz);
    let code = app.error_code(&regulator, UPSERT_LOAN, json!({ "input": loan_input("L2", "B1", "2026-09-01") })).await;
    assert_eq!(code, "FORBIDDEN");
    // Another MFO's staff cannot reach this MFO's loan by its external id.
    let other = app.staff_of(&app.orgs.kz_mfo_2);
    let pay = json!({ "input": { "loanExternalId": "L1", "externalId": "P1", "paidAt": "2026-11-20T06:00:00Z", "amount": "1" } });
    assert_eq!(app.error_code(&other, RECORD_PAYMENT, pay).await, "NOT_FOUND");
}

const BORROWERS: &str = "{ borrowers(first: 100) { edges { node { externalId } } } }";

pub(crate) fn names(v: &serde_json::Value, list: &str, field: &str) -> Vec<String> {
    let mut out: Vec<String> = match list {
        "borrowers" => v["borrowers"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"][field].as_str().expect("field").to_owned())
            .collect(),
        _ => v[list].as_array().expect("list").iter().map(|o| o[field].as_str().expect("field").to_owned()).collect(),
    };
    out.sort();
    out
}

/// Two KZ MFOs using the same external ids, a KG MFO, one loan handed to the agency.
pub(crate) async fn three_mfos(app: &TestApp) -> (uuid::Uuid, String) {
    let (b, loan, loan_gid) = borrower_with_loan(app, &app.orgs.kz_mfo, "a", "2026-01-05").await;
    borrower_with_loan(app, &app.orgs.kz_mfo_2, "a", "2026-01-05").await;
    borrower_with_loan(app, &app.orgs.kz_mfo_2, "b", "2026-01-05").await;
    borrower_with_loan(app, &app.orgs.kg_mfo, "k", "2026-01-05").await;
    assign_row(app, loan, &app.orgs.agency).await;
    (b, loan_gid)
}

#[tokio::test]
async fn borrowers_connection_is_scoped_like_loans_for_every_role() {
    let app = TestApp::spawn().await;
    let (b, _) = three_mfos(&app).await;
    let o = &app.orgs;
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        ("staff of the MFO", app.staff_of(&o.kz_mfo), vec!["a"]),
        ("staff of the other MFO", app.staff_of(&o.kz_mfo_2), vec!["a", "b"]),
        ("agency with one loan handed to it (R17.2)", app.agency_token(&o.agency), vec!["a"]),
        ("agency with none", app.agency_token(&o.agency_2), vec![]),
        ("the borrower", app.borrower_token(&o.kz_mfo, b), vec!["a"]),
        ("KZ regulator", app.regulator(entity::enums::Jurisdiction::Kz), vec!["a", "a", "b"]),
        ("KG regulator", app.regulator(entity::enums::Jurisdiction::Kg), vec!["k"]),
    ];
    for (who, token, expected) in cases {
        let data = app.gql(&token, BORROWERS, json!({})).await;
        assert_eq!(names(&data, "borrowers", "externalId"), expected, "{who}");
    }
}

#[tokio::test]
async fn loan_and_borrower_by_external_id_within_the_callers_scope() {
    let app = TestApp::spawn().await;
    let (_, loan_gid) = three_mfos(&app).await;
    let o = &app.orgs;
    let by_ext = "query($e: String!, $m: ID) { loan(externalId: $e, mfoId: $m) { id } borrower(externalId: \"a\", mfoId: $m) { externalId } }";
    let staff = app.staff_of(&o.kz_mfo);
    let data = app.gql(&staff, by_ext, json!({ "e": "L-a" })).await;
    assert_eq!(data["loan"]["id"], loan_gid.as_str());
    assert_eq!(data["borrower"]["externalId"], "a");
    let agency = app.gql(&app.agency_token(&o.agency), by_ext, json!({ "e": "L-a" })).await;
    assert_eq!(agency["loan"]["id"], loan_gid.as_str(), "the agency the loan is handed to finds it");
    assert_eq!(app.error_code(&app.agency_token(&o.agency_2), by_ext, json!({ "e": "L-a" })).await, "NOT_FOUND");
    assert_eq!(app.error_code(&staff, by_ext, json!({ "e": "L-k" })).await, "NOT_FOUND", "another MFO's loan");
    let kz = app.regulator(entity::enums::Jurisdiction::Kz);
    assert_eq!(app.error_code(&kz, by_ext, json!({ "e": "L-a" })).await, "BAD_USER_INPUT", "two MFOs use L-a");
    let mfo = app.gql(&staff, "{ me { organization { id } } }", json!({})).await["me"]["organization"]["id"].clone();
    let data = app.gql(&kz, by_ext, json!({ "e": "L-a", "m": mfo })).await;
    assert_eq!(data["loan"]["id"], loan_gid.as_str());
    let kg = app.regulator(entity::enums::Jurisdiction::Kg);
    assert_eq!(app.error_code(&kg, by_ext, json!({ "e": "L-a", "m": mfo })).await, "NOT_FOUND");
    let both = format!("{{ loan(id: \"{loan_gid}\", externalId: \"L-a\") {{ id }} }}");
    assert_eq!(app.error_code(&staff, &both, json!({})).await, "BAD_USER_INPUT");
    assert_eq!(app.error_code(&staff, "{ loan { id } }", json!({})).await, "BAD_USER_INPUT");
    assert_eq!(app.error_code(&staff, "{ borrower { id } }", json!({})).await, "BAD_USER_INPUT");
    let by_id = format!("{{ loan(id: \"{loan_gid}\") {{ externalId }} }}");
    assert_eq!(app.gql(&staff, &by_id, json!({})).await["loan"]["externalId"], "L-a", "loan(id:) still works");
}

/// What a call centre knows is the number on the contract: found within the caller's
/// scope, narrowed by `mfoId` where two MFOs of the scope use one number.
#[tokio::test]
async fn loan_by_contract_number_within_the_callers_scope() {
    let app = TestApp::spawn().await;
    let (_, loan_gid) = three_mfos(&app).await;
    let o = &app.orgs;
    let by_number = "query($n: String!, $m: ID) { loan(contractNumber: $n, mfoId: $m) { id contractNumber } }";
    let staff = app.staff_of(&o.kz_mfo);
    let data = app.gql(&staff, by_number, json!({ "n": "C-L-a" })).await;
    assert_eq!(data["loan"], json!({ "id": loan_gid, "contractNumber": "C-L-a" }));
    let padded = app.gql(&staff, by_number, json!({ "n": " C-L-a " })).await;
    assert_eq!(padded["loan"]["id"], loan_gid.as_str(), "spaces around a number read out on the phone");
    let agency = app.gql(&app.agency_token(&o.agency), by_number, json!({ "n": "C-L-a" })).await;
    assert_eq!(agency["loan"]["id"], loan_gid.as_str(), "the agency the loan is handed to finds it");
    assert_eq!(app.error_code(&app.agency_token(&o.agency_2), by_number, json!({ "n": "C-L-a" })).await, "NOT_FOUND");
    assert_eq!(app.error_code(&staff, by_number, json!({ "n": "C-L-k" })).await, "NOT_FOUND", "another MFO's loan");
    let kz = app.regulator(entity::enums::Jurisdiction::Kz);
    assert_eq!(app.error_code(&kz, by_number, json!({ "n": "C-L-a" })).await, "BAD_USER_INPUT", "two MFOs use it");
    let mfo = app.gql(&staff, "{ me { organization { id } } }", json!({})).await["me"]["organization"]["id"].clone();
    let data = app.gql(&kz, by_number, json!({ "n": "C-L-a", "m": mfo })).await;
    assert_eq!(data["loan"]["id"], loan_gid.as_str());
    let both = "{ loan(externalId: \"L-a\", contractNumber: \"C-L-a\") { id } }";
    assert_eq!(app.error_code(&staff, both, json!({})).await, "BAD_USER_INPUT");
}
