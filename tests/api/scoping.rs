//! Who sees which loans: a role × resource matrix through `loans`, `loan` and `node`.
//! Out-of-scope ids answer exactly like missing ones.

use entity::enums::Jurisdiction;
use mfo_api::graphql::ids::{Kind, encode};
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::fixtures::{assign_row, borrower_with_loan};

const LOANS: &str =
    "{ loans(first: 100) { edges { node { id externalId borrower { externalId } installments { nodes { seq } } } } } }";
const LOAN: &str = "query($id: ID!) { loan(id: $id) { id externalId } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { id } }";

fn ids(data: &Value) -> Vec<String> {
    let mut v: Vec<String> = data["loans"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["externalId"].as_str().expect("id").to_owned())
        .collect();
    v.sort();
    v
}

struct World {
    app: TestApp,
    a_borrower: uuid::Uuid,
    a: String,
    b: String,
    c: String,
    d: String,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let (a_borrower, a_loan, a) = borrower_with_loan(&app, &app.orgs.kz_mfo, "A", "2026-09-01").await;
    let (_, b_loan, b) = borrower_with_loan(&app, &app.orgs.kz_mfo, "B", "2026-09-01").await;
    let (_, c_loan, c) = borrower_with_loan(&app, &app.orgs.kz_mfo_2, "C", "2026-09-01").await;
    let (_, _, d) = borrower_with_loan(&app, &app.orgs.kg_mfo, "D", "2026-09-01").await;
    assign_row(&app, a_loan, &app.orgs.agency).await;
    assign_row(&app, c_loan, &app.orgs.agency_2).await;
    // B was with the agency once, and was recalled.
    let row = entity::collection_assignment::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        loan_id: Set(b_loan),
        agency_id: Set(app.orgs.agency.id),
        assigned_at: Set(app.now() - chrono::Duration::days(30)),
        ended_at: Set(Some(app.now() - chrono::Duration::days(1))),
        assigned_by: Set("test".into()),
    };
    entity::collection_assignment::Entity::insert(row).exec_without_returning(&app.ctx.db).await.expect("insert");
    World { app, a_borrower, a, b, c, d }
}

async fn not_found_like_missing(app: &TestApp, token: &str, out_of_scope: &str) {
    let missing = encode(Kind::Loan, uuid::Uuid::new_v4()).0;
    for query in [LOAN, NODE] {
        let (s1, hidden) = app.post(Some(token), query, json!({ "id": out_of_scope })).await;
        let (s2, absent) = app.post(Some(token), query, json!({ "id": missing })).await;
        assert_eq!(s1, s2);
        assert_eq!(hidden["errors"][0]["extensions"]["code"], "NOT_FOUND", "{hidden}");
        assert_eq!(hidden["errors"][0]["message"], absent["errors"][0]["message"]);
        assert_eq!(hidden["errors"][0]["extensions"], absent["errors"][0]["extensions"]);
        assert_eq!(hidden["data"], absent["data"]);
    }
}

#[tokio::test]
async fn a_borrower_sees_only_own_loans() {
    let w = world().await;
    let token = w.app.borrower_token(&w.app.orgs.kz_mfo, w.a_borrower);
    assert_eq!(ids(&w.app.gql(&token, LOANS, json!({})).await), vec!["L-A"]);
    assert_eq!(w.app.gql(&token, LOAN, json!({ "id": w.a })).await["loan"]["externalId"], "L-A");
    not_found_like_missing(&w.app, &token, &w.b).await;
}

#[tokio::test]
async fn staff_see_only_their_mfo() {
    let w = world().await;
    let token = w.app.staff();
    assert_eq!(ids(&w.app.gql(&token, LOANS, json!({})).await), vec!["L-A", "L-B"]);
    not_found_like_missing(&w.app, &token, &w.c).await;
    let manager = w.app.manager();
    assert_eq!(ids(&w.app.gql(&manager, LOANS, json!({})).await), vec!["L-A", "L-B"]);
}

#[tokio::test]
async fn an_agency_sees_only_loans_currently_assigned_to_it() {
    let w = world().await;
    let token = w.app.agency_token(&w.app.orgs.agency);
    let data = w.app.gql(&token, LOANS, json!({})).await;
    assert_eq!(ids(&data), vec!["L-A"], "B was recalled, C is another agency's");
    assert_eq!(data["loans"]["edges"][0]["node"]["borrower"]["externalId"], "A", "with its borrower's data");
    not_found_like_missing(&w.app, &token, &w.b).await;
    not_found_like_missing(&w.app, &token, &w.c).await;
}

#[tokio::test]
async fn a_regulator_sees_its_jurisdiction_only() {
    let w = world().await;
    let kz = w.app.regulator(Jurisdiction::Kz);
    assert_eq!(ids(&w.app.gql(&kz, LOANS, json!({})).await), vec!["L-A", "L-B", "L-C"]);
    not_found_like_missing(&w.app, &kz, &w.d).await;
    let kg = w.app.regulator(Jurisdiction::Kg);
    assert_eq!(ids(&w.app.gql(&kg, LOANS, json!({})).await), vec!["L-D"]);
    not_found_like_missing(&w.app, &kg, &w.a).await;
}

#[tokio::test]
async fn loans_filter_by_overdue_status_and_page_with_cursors() {
    let w = world().await;
    let token = w.app.staff();
    // Contracts of 2026-09-01: first installment due 2026-10-01, so both are overdue now.
    let q = "query($f: LoanFilter, $first: Int, $after: String) { loans(filter: $f, first: $first, after: $after) { edges { cursor node { externalId } } pageInfo { hasNextPage hasPreviousPage endCursor } } }";
    let overdue = w.app.gql(&token, q, json!({ "f": { "overdue": true } })).await;
    assert_eq!(overdue["loans"]["edges"].as_array().map(Vec::len), Some(2));
    let current = w.app.gql(&token, q, json!({ "f": { "overdue": false } })).await;
    assert_eq!(current["loans"]["edges"].as_array().map(Vec::len), Some(0));
    let closed = w.app.gql(&token, q, json!({ "f": { "status": "CLOSED" } })).await;
    assert_eq!(closed["loans"]["edges"].as_array().map(Vec::len), Some(0));

    let first = w.app.gql(&token, q, json!({ "first": 1 })).await;
    assert_eq!(first["loans"]["pageInfo"]["hasNextPage"], true);
    let after = first["loans"]["pageInfo"]["endCursor"].clone();
    let second = w.app.gql(&token, q, json!({ "first": 1, "after": after })).await;
    assert_eq!(second["loans"]["pageInfo"]["hasNextPage"], false);
    assert_ne!(first["loans"]["edges"][0]["node"], second["loans"]["edges"][0]["node"]);

    let code = w.app.error_code(&token, q, json!({ "first": 101 })).await;
    assert_eq!(code, "BAD_USER_INPUT", "first is capped at 100");
}

/// R1: `overdue: true` and `overdue: false` split every loan in two, and each agrees with the
/// loan's own `overdue` field. A loan repaid in full (no unpaid installment at all) and one
/// with nothing due yet are "not overdue"; so is one whose oldest unpaid installment falls
/// due today (overdue starts the day after).
#[tokio::test]
async fn r1_overdue_true_and_false_partition_every_loan_including_repaid_ones() {
    use crate::helpers::fixtures::RECORD_PAYMENT;
    let app = TestApp::spawn().await;
    let staff = app.staff();
    // Now: Monday 2026-11-23 in Almaty. Installments fall on the contract day of each
    // following month (108 750 each).
    let (_, _, _late) = borrower_with_loan(&app, &app.orgs.kz_mfo, "LATE", "2026-09-01").await;
    let (_, _, repaid) = borrower_with_loan(&app, &app.orgs.kz_mfo, "REPAID", "2026-09-01").await;
    let (_, _, partly) = borrower_with_loan(&app, &app.orgs.kz_mfo, "PARTLY", "2026-09-01").await;
    borrower_with_loan(&app, &app.orgs.kz_mfo, "NEW", "2026-11-20").await;
    borrower_with_loan(&app, &app.orgs.kz_mfo, "TODAY", "2026-10-23").await;
    for (loan, amount, key) in [(&repaid, "326250", "P-R"), (&partly, "217500", "P-P")] {
        let r = app
            .gql(
                &staff,
                RECORD_PAYMENT,
                json!({ "input": { "loanId": loan, "externalId": key, "paidAt": app.now(), "amount": amount } }),
            )
            .await;
        assert_eq!(r["recordPayment"]["userErrors"], json!([]), "{r}");
    }
    let q = "query($f: LoanFilter) { loans(filter: $f, first: 100) { edges { node { externalId status overdue { overdue } } } } }";
    let listed = |data: Value, expect_overdue: bool| -> Vec<String> {
        let edges = data["loans"]["edges"].as_array().expect("edges").clone();
        for e in &edges {
            assert_eq!(e["node"]["overdue"]["overdue"], expect_overdue, "the filter and the field disagree: {e}");
        }
        let mut v: Vec<String> =
            edges.iter().map(|e| e["node"]["externalId"].as_str().expect("id").to_owned()).collect();
        v.sort();
        v
    };
    let overdue = listed(app.gql(&staff, q, json!({ "f": { "overdue": true } })).await, true);
    let not_overdue = listed(app.gql(&staff, q, json!({ "f": { "overdue": false } })).await, false);
    assert_eq!(overdue, vec!["L-LATE"]);
    assert_eq!(not_overdue, vec!["L-NEW", "L-PARTLY", "L-REPAID", "L-TODAY"]);
    let all = ids(&app.gql(&staff, LOANS, json!({})).await);
    let mut both = [overdue, not_overdue].concat();
    both.sort();
    assert_eq!(both, all, "true and false together list every loan exactly once");

    // A day later the installment due today is overdue, the others unchanged.
    app.advance(chrono::Duration::days(1));
    let staff = app.staff();
    let overdue = listed(app.gql(&staff, q, json!({ "f": { "overdue": true } })).await, true);
    assert_eq!(overdue, vec!["L-LATE", "L-TODAY"]);
    let not_overdue = listed(app.gql(&staff, q, json!({ "f": { "overdue": false } })).await, false);
    assert_eq!(not_overdue, vec!["L-NEW", "L-PARTLY", "L-REPAID"]);
}
