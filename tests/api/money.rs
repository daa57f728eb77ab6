//! Money: every amount comes back at its currency's scale (KZT and KGS: two
//! decimal places, "67500.00" beside "315625.00", never "67500"), and an input amount
//! finer than the currency's minor unit (300.005 KZT) is a user error
//! (FINER_THAN_MINOR_UNIT with `params.currency` and `params.scale`), never rounded.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::fixtures::*;

const LOAN_Q: &str = "query($id: ID!) { loan(id: $id) { currency principal creditLimit principalBalance
    overdue { principal interest amount } installments(first: 100) { nodes { principal interest paidPrincipal paidInterest } }
    payments(first: 100) { nodes { amount } } delinquencyNotices(first: 100) { nodes { overdueAmount } } } }";

const NOTICE: &str = "mutation($input: RecordDelinquencyNoticeInput!) { recordDelinquencyNotice(input: $input) { notice { overdueAmount } userErrors { field code reason params } } }";
const PAY: &str = "mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { payment { amount } userErrors { field code reason params } } }";
const SUBMIT: &str = "mutation($input: SubmitRestructuringApplicationInput!) { submitRestructuringApplication(input: $input) { application { id monthlyIncome otherMonthlyDebtPayments } userErrors { field code reason params } } }";
const DECIDE: &str = "mutation($input: DecideRestructuringApplicationInput!) { decideRestructuringApplication(input: $input) { application { decision { terms { forgiveOverduePrincipal forgiveOverdueInterest } debtBurden { monthlyPaymentBefore monthlyPaymentAfter } } } userErrors { field code reason params } } }";

/// Every Decimal leaf of a JSON value with the path to it.
fn amounts(v: &Value, path: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) if s.parse::<f64>().is_ok() => out.push((path, s.clone())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                amounts(item, format!("{path}[{i}]"), out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                amounts(item, format!("{path}.{k}"), out);
            }
        }
        _ => {}
    }
}

fn assert_two_places(v: &Value) {
    let mut found = Vec::new();
    amounts(v, String::new(), &mut found);
    assert!(!found.is_empty(), "no amounts in {v}");
    for (path, s) in found {
        let places = s.split_once('.').map(|(_, f)| f.len()).unwrap_or(0);
        assert_eq!(places, 2, "{path} = {s} is not at the currency's scale");
    }
}

fn refusal(payload: &Value, field: Value, currency: &str) {
    assert_eq!(
        payload["userErrors"],
        json!([{ "field": field, "code": "INVALID", "reason": "FINER_THAN_MINOR_UNIT",
            "params": { "currency": currency, "scale": 2 } }]),
        "{payload}"
    );
}

#[tokio::test]
async fn every_amount_of_a_loan_comes_back_at_its_currencys_scale_kzt_and_kgs() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-10");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    app.scanner("s").tick().await.expect("tick");
    let staff = app.staff();
    let p = json!({ "loanId": s.loan, "externalId": "P1", "paidAt": "2026-10-05T05:00:00Z", "amount": "67500" });
    let r = app.gql(&staff, PAY, json!({ "input": p })).await;
    assert_eq!(r["recordPayment"]["payment"]["amount"], "67500.00", "{r}");
    let n = json!({ "loanId": s.loan, "sentAt": "2026-10-06T04:00:00Z", "channel": "SMS", "overdueAmount": "41250.5",
        "amountAsOf": "2026-10-06", "statesRightToApply": true, "statesConsequences": true });
    let r = app.gql(&staff, NOTICE, json!({ "input": n })).await;
    assert_eq!(r["recordDelinquencyNotice"]["notice"]["overdueAmount"], "41250.50", "{r}");

    let loan = app.gql(&staff, LOAN_Q, json!({ "id": s.loan })).await["loan"].clone();
    assert_eq!(loan["currency"], "KZT");
    assert_eq!(loan["principal"], "300000.00");
    assert_eq!(loan["payments"]["nodes"][0]["amount"], "67500.00");
    assert_eq!(loan["installments"]["nodes"][0]["paidInterest"], "8750.00");
    assert_eq!(loan["installments"]["nodes"][0]["paidPrincipal"], "58750.00");
    assert_eq!(loan["principalBalance"], "241250.00");
    let mut figures = loan.clone();
    figures.as_object_mut().expect("loan").remove("currency");
    assert_two_places(&figures);

    // KGS: the statement a KG borrower asks for (C9), every figure at two places.
    let (borrower, _, _) = borrower_with_loan(&app, &app.orgs.kg_mfo, "K1", "2026-09-01").await;
    let kg_staff = app.staff_of(&app.orgs.kg_mfo);
    let mut kgs = loan_input("L-K2", "K1", "2026-09-01");
    kgs["currency"] = json!("KGS");
    let r = app.gql(&kg_staff, UPSERT_LOAN, json!({ "input": kgs })).await;
    assert_eq!(r["upsertLoan"]["userErrors"], json!([]), "{r}");
    let kg_loan = r["upsertLoan"]["loan"]["id"].clone();
    let pay = json!({ "loanId": kg_loan, "externalId": "P1", "paidAt": "2026-10-01T06:00:00Z", "amount": "108750" });
    let r = app.gql(&kg_staff, PAY, json!({ "input": pay })).await;
    assert_eq!(r["recordPayment"]["payment"]["amount"], "108750.00", "{r}");
    let q = "query($id: ID!) { loanStatement(loanId: $id) { currency amountPaid payments { nodes { amount } } nextPayments { nodes { principal interest amount } } overdue { principal interest amount } allocations { nodes { toInterest toPrincipal } } earlyRepayment { full partialMinimum accruedInterest } principalBalance creditLimit } }";
    let token = app.borrower_token(&app.orgs.kg_mfo, borrower);
    let mut st = app.gql(&token, q, json!({ "id": kg_loan })).await["loanStatement"].clone();
    assert_eq!(st["currency"], "KGS");
    assert_eq!(st["amountPaid"], "108750.00");
    st.as_object_mut().expect("statement").remove("currency");
    assert_two_places(&st);
}

#[tokio::test]
async fn an_amount_finer_than_the_minor_unit_is_refused_never_rounded_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-10");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    app.scanner("s").tick().await.expect("tick");
    let staff = app.staff();

    let p = json!({ "loanId": s.loan, "externalId": "P1", "paidAt": "2026-10-05T05:00:00Z", "amount": "300.005" });
    refusal(&app.gql(&staff, PAY, json!({ "input": p })).await["recordPayment"], json!(["input", "amount"]), "KZT");
    assert_eq!(app.count("payment").await, 0);
    // Trailing zeros are not finer: 300.100 is 300.10.
    let p = json!({ "loanId": s.loan, "externalId": "P2", "paidAt": "2026-10-05T05:00:00Z", "amount": "300.100" });
    assert_eq!(app.gql(&staff, PAY, json!({ "input": p })).await["recordPayment"]["payment"]["amount"], "300.10");

    let mut loan = loan_input("L-B", "A", "2026-09-01");
    loan["schedule"][1]["interest"] = json!("8750.001");
    let r = app.gql(&staff, UPSERT_LOAN, json!({ "input": loan })).await;
    assert_eq!(r["upsertLoan"]["userErrors"][0]["field"], json!(["input", "schedule", "1", "interest"]), "{r}");
    assert_eq!(r["upsertLoan"]["loan"], Value::Null);

    let n = json!({ "loanId": s.loan, "sentAt": "2026-10-06T04:00:00Z", "channel": "SMS", "overdueAmount": "108750.125",
        "amountAsOf": "2026-10-06", "statesRightToApply": true, "statesConsequences": true });
    let r = app.gql(&staff, NOTICE, json!({ "input": n })).await;
    refusal(&r["recordDelinquencyNotice"], json!(["input", "overdueAmount"]), "KZT");

    let borrower = app.borrower_token(&app.orgs.kz_mfo, s.borrower);
    let mut a = json!({ "clientSubmissionId": "00000000-0000-4000-8000-000000000001", "loanId": s.loan,
        "requestedMeasures": [{ "measure": "NEW_TERM" }], "monthlyIncome": "250000.001" });
    let r = app.gql(&borrower, SUBMIT, json!({ "input": a })).await;
    refusal(&r["submitRestructuringApplication"], json!(["input", "monthlyIncome"]), "KZT");
    a["monthlyIncome"] = json!("250000");
    a["otherMonthlyDebtPayments"] = json!("20000.5");
    let r = app.gql(&borrower, SUBMIT, json!({ "input": a })).await;
    let application = &r["submitRestructuringApplication"]["application"];
    assert_eq!(
        (&application["monthlyIncome"], &application["otherMonthlyDebtPayments"]),
        (&json!("250000.00"), &json!("20000.50"))
    );

    let mut decide = json!({ "applicationId": application["id"], "decision": "APPROVE",
        "signatory": { "fullName": "Omarov D. K.", "position": "Chairman" },
        "terms": { "newTermMonths": 12, "forgiveOverdueInterest": "100.005" } });
    let r = app.gql(&app.manager(), DECIDE, json!({ "input": decide })).await;
    refusal(&r["decideRestructuringApplication"], json!(["input", "terms", "forgiveOverdueInterest"]), "KZT");
    decide["terms"]["forgiveOverdueInterest"] = json!("100");
    let r = app.gql(&app.manager(), DECIDE, json!({ "input": decide })).await;
    let d = &r["decideRestructuringApplication"]["application"]["decision"];
    assert_eq!(d["terms"], json!({ "forgiveOverduePrincipal": "0.00", "forgiveOverdueInterest": "100.00" }), "{r}");
    assert_two_places(&d["debtBurden"]);
}
