//! Organisations, scoped for every role.

//! What a partner's code needs from the API surface: documented scalars a
//! generator can map, lookups by the partner's own ids, counts, `node`/`nodes`, money at
//! its currency's scale.

use crate::helpers::TestApp;
use crate::loans::{names, three_mfos};
use serde_json::json;

const ORGS: &str = "query($kind: OrgKind) { organizations(kind: $kind) { name } }";

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
