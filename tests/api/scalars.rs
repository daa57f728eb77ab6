//! The custom scalars: documented with a `@specifiedBy` URL a generator can map, and a
//! `Decimal` outside its lexical form is bad user input that records nothing.

//! What a partner's code needs from the API surface: documented scalars a
//! generator can map, lookups by the partner's own ids, counts, `node`/`nodes`, money at
//! its currency's scale.

use crate::helpers::TestApp;
use crate::helpers::fixtures::*;
use serde_json::json;

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
