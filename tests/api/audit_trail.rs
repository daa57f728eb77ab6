//! `auditTrail` follows the record's own scope: staff who can see a
//! contact or a military deferral get its history; another MFO's staff, another
//! jurisdiction's regulator, an agency and a borrower do not.

use entity::enums::{Jurisdiction, Role};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::fixtures::{assign, on, overdue_loan, uuid_of};

const TRAIL: &str = "query($id: ID!) { auditTrail(subjectId: $id) { subjectId subjectType action actor hash } }";
const RECORD: &str =
    "mutation($input: RecordContactInput!) { recordContact(input: $input) { contact { id } userErrors { code } } }";
const CONSCRIPTION: &str = "mutation($input: RegisterConscriptionInput!) { registerConscription(input: $input) { deferral { id } userErrors { code } } }";

async fn trail(app: &TestApp, token: &str, id: &Value) -> Vec<Value> {
    let data = app.gql(token, TRAIL, json!({ "id": id })).await;
    data["auditTrail"].as_array().expect("entries").clone()
}

#[tokio::test]
async fn staff_who_see_a_contact_or_a_military_deferral_get_its_audit_trail() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let s = overdue_loan(&app, "A", "2026-02-02", json!({}), json!({})).await;
    assign(&app, uuid_of(&s.loan), &app.orgs.agency).await;
    let agency = app.agency_token(&app.orgs.agency);
    let contact = json!({
        "clientSubmissionId": "00000000-0000-4000-9000-000000000001", "loanId": s.loan, "channel": "SMS",
        "occurredAt": "2026-03-17T05:00:00Z", "outcome": "REACHED", "destination": "+7 701 000 00 00",
        "disclosure": { "organizationName": "Collect KZ", "organizationLocation": "Almaty", "personName": "N. A.", "personPosition": "Collector" },
    });
    let r = app.gql(&agency, RECORD, json!({ "input": contact })).await;
    assert_eq!(r["recordContact"]["userErrors"], json!([]), "{r}");
    let contact_id = r["recordContact"]["contact"]["id"].clone();
    let input = json!({ "loanId": s.loan, "serviceStart": "2026-03-20", "serviceEnd": "2027-03-20" });
    let r = app.gql(&app.staff(), CONSCRIPTION, json!({ "input": input })).await;
    assert_eq!(r["registerConscription"]["userErrors"], json!([]), "{r}");
    let deferral_id = r["registerConscription"]["deferral"]["id"].clone();

    for (id, subject_type) in [(&contact_id, "contact"), (&deferral_id, "military_deferral")] {
        for token in [app.staff(), app.manager(), app.regulator(Jurisdiction::Kz)] {
            let entries = trail(&app, &token, id).await;
            assert!(!entries.is_empty(), "{subject_type}: no entries");
            for e in &entries {
                assert_eq!((&e["subjectId"], e["subjectType"].as_str()), (id, Some(subject_type)), "{e}");
            }
        }
        // Outside the record's scope: exactly like a record that does not exist.
        let other_mfo = app.staff_of(&app.orgs.kz_mfo_2);
        assert_eq!(app.error_code(&other_mfo, TRAIL, json!({ "id": id })).await, "NOT_FOUND", "{subject_type}");
        let other_jurisdiction = app.regulator(Jurisdiction::Kg);
        assert_eq!(app.error_code(&other_jurisdiction, TRAIL, json!({ "id": id })).await, "NOT_FOUND");
        assert_eq!(app.error_code(&agency, TRAIL, json!({ "id": id })).await, "FORBIDDEN");
        let borrower = app.mint(Role::Borrower, app.orgs.kz_mfo.id, Some(s.borrower), "app");
        assert_eq!(app.error_code(&borrower, TRAIL, json!({ "id": id })).await, "FORBIDDEN");
    }
    // A missing contact answers the same NOT_FOUND as another MFO's.
    let missing = mfo_api::graphql::ids::encode(mfo_api::graphql::ids::Kind::Contact, uuid::Uuid::new_v4());
    assert_eq!(app.error_code(&app.staff(), TRAIL, json!({ "id": missing.0 })).await, "NOT_FOUND");
}
