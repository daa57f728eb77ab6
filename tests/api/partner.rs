//! What a partner's code needs from the API surface: documented scalars a
//! generator can map, lookups by the partner's own ids, counts, `node`/`nodes`, money at
//! its currency's scale.

use serde_json::json;

use crate::helpers::TestApp;
use crate::helpers::fixtures::*;

#[test]
fn every_custom_scalar_has_a_description_and_a_specified_by_url() {
    let sdl = mfo_api::graphql::sdl();
    for name in ["Date", "DateTime", "Decimal", "JSON", "UUID"] {
        let line = sdl
            .lines()
            .find(|l| l.starts_with(&format!("scalar {name} ")))
            .unwrap_or_else(|| panic!("scalar {name} without @specifiedBy in the SDL"));
        assert!(line.contains("@specifiedBy(url: \"https://"), "{line}");
        let at = sdl.find(line).expect("line");
        assert!(sdl[..at].trim_end().ends_with("\"\"\""), "scalar {name} has no description");
    }
}

#[tokio::test]
async fn scalars_introspect_with_specified_by_url() {
    let app = TestApp::spawn().await;
    let data =
        app.gql(&app.staff(), r#"{ t: __type(name: "Decimal") { description specifiedByURL } }"#, json!({})).await;
    assert_eq!(data["t"]["specifiedByURL"], "https://www.w3.org/TR/xmlschema11-2/#decimal");
    assert!(data["t"]["description"].as_str().expect("description").contains("JSON numbers are refused"));
}

#[tokio::test]
async fn a_json_number_for_a_decimal_is_bad_user_input_and_records_nothing() {
    let app = TestApp::spawn().await;
    let (_, _, loan) = borrower_with_loan(&app, &app.orgs.kz_mfo, "num", "2026-01-05").await;
    let input = json!({ "loanId": loan, "externalId": "P-1", "paidAt": "2026-02-01T05:00:00Z", "amount": 300.005 });
    let code = app.error_code(&app.staff(), RECORD_PAYMENT, json!({ "input": input })).await;
    assert_eq!(code, "BAD_USER_INPUT");
    let literal = format!(
        r#"mutation {{ recordPayment(input: {{ loanId: "{loan}", externalId: "P-2", paidAt: "2026-02-01T05:00:00Z", amount: 300 }}) {{ payment {{ id }} }} }}"#
    );
    assert_eq!(app.error_code(&app.staff(), &literal, json!({})).await, "BAD_USER_INPUT");
    assert_eq!(app.count("payment").await, 0);
}

#[tokio::test]
async fn a_decimal_outside_its_documented_lexical_form_is_bad_user_input_and_records_nothing() {
    let app = TestApp::spawn().await;
    let (_, _, loan) = borrower_with_loan(&app, &app.orgs.kz_mfo, "lex", "2026-01-05").await;
    for (i, amount) in ["1_000", "+5", ".5", "5.", "1e3", " 5"].into_iter().enumerate() {
        let input = json!({ "loanId": loan, "externalId": format!("P-{i}"), "paidAt": "2026-02-01T05:00:00Z", "amount": amount });
        let code = app.error_code(&app.staff(), RECORD_PAYMENT, json!({ "input": input })).await;
        assert_eq!(code, "BAD_USER_INPUT", "amount {amount:?} as a variable");
        let literal = format!(
            r#"mutation {{ recordPayment(input: {{ loanId: "{loan}", externalId: "L-{i}", paidAt: "2026-02-01T05:00:00Z", amount: "{amount}" }}) {{ payment {{ id }} }} }}"#
        );
        assert_eq!(
            app.error_code(&app.staff(), &literal, json!({})).await,
            "BAD_USER_INPUT",
            "amount {amount:?} inline"
        );
    }
    assert_eq!(app.count("payment").await, 0);
    let input = json!({ "loanId": loan, "externalId": "P-ok", "paidAt": "2026-02-01T05:00:00Z", "amount": "1000.50" });
    let data = app.gql(&app.staff(), RECORD_PAYMENT, json!({ "input": input })).await;
    assert_eq!(data["recordPayment"]["userErrors"], json!([]), "{data}");
}

const BORROWERS: &str = "{ borrowers(first: 100) { edges { node { externalId } } } }";
const ORGS: &str = "query($kind: OrgKind) { organizations(kind: $kind) { name } }";

fn names(v: &serde_json::Value, list: &str, field: &str) -> Vec<String> {
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
async fn three_mfos(app: &TestApp) -> (uuid::Uuid, String) {
    let (b, loan, loan_gid) = borrower_with_loan(app, &app.orgs.kz_mfo, "a", "2026-01-05").await;
    borrower_with_loan(app, &app.orgs.kz_mfo_2, "a", "2026-01-05").await;
    borrower_with_loan(app, &app.orgs.kz_mfo_2, "b", "2026-01-05").await;
    borrower_with_loan(app, &app.orgs.kg_mfo, "k", "2026-01-05").await;
    assign(app, loan, &app.orgs.agency).await;
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

#[tokio::test]
async fn organizations_are_scoped_for_every_role() {
    let app = TestApp::spawn().await;
    let (b, _) = three_mfos(&app).await;
    let o = &app.orgs;
    let agencies = json!({ "kind": "COLLECTION_AGENCY" });
    let cases: Vec<(&str, String, serde_json::Value, Vec<&str>)> = vec![
        (
            "MFO staff: itself and the agencies of KZ",
            app.staff_of(&o.kz_mfo),
            json!({}),
            vec!["Agency", "Agency two", "KZ MFO"],
        ),
        ("MFO staff, agencies only", app.staff_of(&o.kz_mfo), agencies.clone(), vec!["Agency", "Agency two"]),
        ("KG MFO: no agency in KG", app.staff_of(&o.kg_mfo), json!({}), vec!["KG MFO"]),
        (
            "KZ regulator",
            app.regulator(entity::enums::Jurisdiction::Kz),
            json!({}),
            vec!["Agency", "Agency two", "KZ MFO", "KZ MFO two", "KZ regulator"],
        ),
        (
            "KZ regulator, MFOs",
            app.regulator(entity::enums::Jurisdiction::Kz),
            json!({ "kind": "MFO" }),
            vec!["KZ MFO", "KZ MFO two"],
        ),
        ("KG regulator", app.regulator(entity::enums::Jurisdiction::Kg), json!({}), vec!["KG MFO", "KG regulator"]),
        ("agency", app.agency_token(&o.agency), json!({}), vec!["Agency"]),
        ("borrower", app.borrower_token(&o.kz_mfo, b), json!({}), vec!["KZ MFO"]),
    ];
    for (who, token, vars, expected) in cases {
        let data = app.gql(&token, ORGS, vars).await;
        assert_eq!(names(&data, "organizations", "name"), expected, "{who}");
    }
    // node(id:) answers for the same organisations and no others.
    let agency_id =
        app.gql(&app.agency_token(&o.agency), "{ me { organization { id } } }", json!({})).await["me"]["organization"]
            ["id"]
            .clone();
    let node = "query($id: ID!) { node(id: $id) { ... on Organization { name } } }";
    let data = app.gql(&app.staff_of(&o.kz_mfo), node, json!({ "id": agency_id })).await;
    assert_eq!(data["node"]["name"], "Agency");
    let kg = app.regulator(entity::enums::Jurisdiction::Kg);
    assert_eq!(app.error_code(&kg, node, json!({ "id": agency_id })).await, "NOT_FOUND");
}

#[tokio::test]
async fn a_payment_resolves_through_node_and_nodes_nulls_what_the_caller_may_not_see() {
    let app = TestApp::spawn().await;
    let (_, _, loan) = borrower_with_loan(&app, &app.orgs.kz_mfo, "pay", "2026-01-05").await;
    let staff = app.staff();
    let input = json!({ "loanId": loan, "externalId": "P-1", "paidAt": "2026-02-01T05:00:00Z", "amount": "1000" });
    let paid = app.gql(&staff, RECORD_PAYMENT, json!({ "input": input })).await;
    let payment = paid["recordPayment"]["payment"]["id"].clone();
    let node = "query($id: ID!) { node(id: $id) { id __typename } }";
    let data = app.gql(&staff, node, json!({ "id": payment })).await;
    assert_eq!(data["node"]["__typename"], "Payment");
    assert_eq!(data["node"]["id"], payment);
    let other = app.staff_of(&app.orgs.kz_mfo_2);
    assert_eq!(app.error_code(&other, node, json!({ "id": payment })).await, "NOT_FOUND", "another MFO's payment");

    let nodes = "query($ids: [ID!]!) { nodes(ids: $ids) { id __typename } }";
    let ids = json!([payment, "not-an-id", loan]);
    let data = app.gql(&staff, nodes, json!({ "ids": ids })).await;
    assert_eq!(data["nodes"][0]["__typename"], "Payment");
    assert_eq!(data["nodes"][1], serde_json::Value::Null, "malformed: null");
    assert_eq!(data["nodes"][2]["__typename"], "Loan");
    let data = app.gql(&other, nodes, json!({ "ids": ids })).await;
    assert_eq!(data["nodes"], json!([null, null, null]), "out of scope: null, like missing");
    let many: Vec<_> = (0..101).map(|_| loan.clone()).collect();
    assert_eq!(app.error_code(&staff, nodes, json!({ "ids": many })).await, "BAD_USER_INPUT");
}
