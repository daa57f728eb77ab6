//! Text a database cannot hold never loses a record (C2, R5, and the contact
//! log): every text input of the "must accept" mutations — complaints, restructuring
//! applications, contacts — carries a NUL, right-to-left marks, emoji and 10,000
//! characters, on SQLite and PostgreSQL alike. The record is stored, reads back the same on
//! both engines (U+0000 as U+FFFD), and the original is recoverable from its audit trail.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::fixtures::{assign, on, overdue_loan, uuid_of};

/// The samples, by name.
fn samples() -> Vec<(&'static str, String)> {
    vec![
        ("nul", "before\0after \0".to_owned()),
        ("rtl", "\u{200F}שלום \u{202E}abc\u{202C} مرحبا\u{200E}".to_owned()),
        ("emoji", "🙂 жалоба 👨‍👩‍👧 🇰🇿".to_owned()),
        ("long", "ж".repeat(10_000)),
    ]
}

/// What the API gives back for a sample: the same text, a NUL as U+FFFD.
fn stored(sample: &str) -> String {
    sample.replace('\0', "\u{FFFD}")
}

/// Reverses the audit entry's escaping (`%00` is U+0000, `%25` is `%`).
fn unescape(s: &str) -> String {
    s.replace("%00", "\0").replace("%25", "%")
}

/// The originals recorded beside a record, by input path.
async fn originals(app: &TestApp, token: &str, subject: &str) -> Value {
    let r = app
        .gql(token, "query($id: ID!) { auditTrail(subjectId: $id) { action after } }", json!({ "id": subject }))
        .await;
    let trail = r["auditTrail"].as_array().cloned().unwrap_or_else(|| panic!("audit trail: {r}"));
    trail
        .iter()
        .find(|e| e["action"] == "input.normalised")
        .map(|e| e["after"]["originals"].clone())
        .unwrap_or(Value::Null)
}

fn assert_recoverable(originals: &Value, path: &str, sample: &str) {
    let escaped = originals[path].as_str().unwrap_or_else(|| panic!("no original for {path}: {originals}"));
    assert_eq!(unescape(escaped), sample, "{path}");
}

#[tokio::test]
async fn c02_a_complaint_with_any_text_in_every_field_is_registered_on_every_engine() {
    let app = TestApp::spawn().await;
    let staff = app.staff_of(&app.orgs.kg_mfo);
    let q = "mutation($input: RegisterComplaintInput!) { registerComplaint(input: $input) {
        complaint { id substance answerAddress branch complainants { fullName address phone email } }
        userErrors { field message code } } }";
    for (name, t) in samples() {
        let input = json!({
            "kind": "COMPLAINT", "channel": "POST", "language": "RU", "signed": true, "datedOn": "2026-11-20",
            "complainants": [{ "fullName": t, "address": t, "phone": t, "email": t }],
            "substance": t, "answerAddress": t, "branch": t,
        });
        let r = app.gql(&staff, q, json!({ "input": input })).await;
        let p = &r["registerComplaint"];
        assert_eq!(p["userErrors"], json!([]), "{name}: {p}");
        let c = &p["complaint"];
        let want = stored(&t);
        for got in [&c["substance"], &c["answerAddress"], &c["branch"]] {
            assert_eq!(got.as_str(), Some(want.as_str()), "{name}");
        }
        for f in ["fullName", "address", "phone", "email"] {
            assert_eq!(c["complainants"][0][f].as_str(), Some(want.as_str()), "{name}: {f}");
        }
        let id = c["id"].as_str().expect("complaint id");
        let originals = originals(&app, &staff, id).await;
        if name == "nul" {
            for path in ["input.substance", "input.answerAddress", "input.branch", "input.complainants.0.email"] {
                assert_recoverable(&originals, path, &t);
            }
        } else {
            assert_eq!(originals, Value::Null, "{name}: nothing was replaced, nothing recorded");
        }
    }
    // A literal in the document is made storable the same way as a variable.
    let r = app
        .gql(
            &staff,
            r#"mutation { registerComplaint(input: { kind: COMPLAINT, channel: CALL_CENTRE, language: RU, substance: "a\u0000b" }) { complaint { id substance } userErrors { code } } }"#,
            json!({}),
        )
        .await;
    let c = &r["registerComplaint"]["complaint"];
    assert_eq!(c["substance"], "a\u{FFFD}b", "{r}");
    let originals = originals(&app, &staff, c["id"].as_str().expect("id")).await;
    assert_recoverable(&originals, "input.substance", "a\0b");
    assert_eq!(app.count("complaint").await, 5, "every complaint is registered");
}

#[tokio::test]
async fn r05_an_application_with_any_text_in_every_field_is_registered_on_every_engine() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-05");
    let q = "mutation($input: SubmitRestructuringApplicationInput!) { submitRestructuringApplication(input: $input) {
        application { id circumstances grounds { text } requestedMeasures { text } documents { kind name checksum } }
        userErrors { field message code } } }";
    for (i, (name, t)) in samples().into_iter().enumerate() {
        let s = overdue_loan(&app, &format!("T{i}"), "2026-10-02", json!({}), json!({})).await;
        let token = app.borrower_token(&app.orgs.kz_mfo, s.borrower);
        let input = json!({
            "clientSubmissionId": format!("00000000-0000-4000-8000-{i:012}"), "loanId": s.loan, "language": "RU",
            "grounds": [{ "ground": "OTHER", "text": t }],
            "requestedMeasures": [{ "measure": "OTHER", "text": t }],
            "monthlyIncome": "250000", "circumstances": t,
            "documents": [{ "kind": t, "name": t, "checksum": t }],
        });
        let r = app.gql(&token, q, json!({ "input": input.clone() })).await;
        let p = &r["submitRestructuringApplication"];
        assert_eq!(p["userErrors"], json!([]), "{name}: {p}");
        let a = &p["application"];
        let want = json!(stored(&t));
        assert_eq!(
            [&a["circumstances"], &a["grounds"][0]["text"], &a["requestedMeasures"][0]["text"]],
            [&want, &want, &want],
            "{name}"
        );
        for f in ["kind", "name", "checksum"] {
            assert_eq!(a["documents"][0][f], want, "{name}: document {f}");
        }
        // A retry over a flaky network returns the same application, NUL or not.
        let again = app.gql(&token, q, json!({ "input": input })).await;
        assert_eq!(again["submitRestructuringApplication"]["application"]["id"], a["id"], "{name}: retry");
        if name == "nul" {
            let originals = originals(&app, &app.staff(), a["id"].as_str().expect("id")).await;
            for path in ["input.circumstances", "input.grounds.0.text", "input.documents.0.name"] {
                assert_recoverable(&originals, path, &t);
            }
        }
    }
    assert_eq!(app.count("restructuring_application").await, 4);
}

#[tokio::test]
async fn x_a_contact_with_any_text_in_every_field_is_stored_on_every_engine() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let s = overdue_loan(&app, "A", "2026-02-02", json!({}), json!({})).await;
    assign(&app, uuid_of(&s.loan), &app.orgs.agency).await;
    let token = app.agency_token(&app.orgs.agency);
    let q = "mutation($input: RecordContactInput!) { recordContact(input: $input) {
        contact { id destination note disclosure { organizationName organizationLocation personName personPosition } }
        userErrors { field message code } } }";
    for (i, (name, t)) in samples().into_iter().enumerate() {
        let input = json!({
            "clientSubmissionId": format!("00000000-0000-4000-9000-{i:012}"), "loanId": s.loan, "channel": "SMS",
            "occurredAt": "2026-03-17T05:00:00Z", "outcome": "MESSAGE_LEFT", "destination": t, "note": t,
            "disclosure": { "organizationName": t, "organizationLocation": t, "personName": t, "personPosition": t },
        });
        let r = app.gql(&token, q, json!({ "input": input })).await;
        let p = &r["recordContact"];
        assert_eq!(p["userErrors"], json!([]), "{name}: {p}");
        let c = &p["contact"];
        let want = json!(stored(&t));
        assert_eq!([&c["destination"], &c["note"]], [&want, &want], "{name}");
        for f in ["organizationName", "organizationLocation", "personName", "personPosition"] {
            assert_eq!(c["disclosure"][f], want, "{name}: {f}");
        }
        if name == "nul" {
            let originals = originals(&app, &app.staff(), c["id"].as_str().expect("id")).await;
            for path in ["input.note", "input.destination", "input.disclosure.personName"] {
                assert_recoverable(&originals, path, &t);
            }
        }
    }
    assert_eq!(app.count("contact_event").await, 4, "every contact that happened is on the log");
}
