//! Issue 11, statistics: `regulatorStatistics` over a data set seeded through the API with
//! the manual clock moved across deadlines; every figure is checked exactly, on whichever
//! engine the suite runs (SQLite, or PostgreSQL with MFO_TEST_DATABASE_URL). Plus who may
//! ask about what.

use entity::enums::{Jurisdiction, Role};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::fixtures::{borrower_with_loan, on, overdue_loan};

const FIGURES: &str = "complaints { total byChannel { key count } byKind { key count } byForm { key count }
    byLanguage { key count } byOutcome { key count } answeredOnTime answeredLate openOverdue openInTime extensionsUsed
    leftWithoutConsiderationByReason { key count } registration { open met missed cancelled }
    acknowledgement { open met missed cancelled }
    infoRequests { total answeredOnTime answeredLate openOverdue openInTime beyondFreeMonthly } }
  applications { total byMeasureRequested { key count } byStatus { key count } byOutcome { key count }
    decidedOnTime decidedLate undecidedOverdue undecidedInTime implementedOnTime
    implementation { open met missed cancelled } appeals appealsByOutcome { key count } homeProtectionWindows }
  contacts { total byChannel { key count } byViolatedRule { key count } withViolations }
  assignments
  deferrals { total byStatus { key count } grantedOnTime grant { open met missed cancelled } }
  escalations { total byKind { key count } byRule { key count } bySeverity { key count } acknowledged }
  deadlines { open met missed cancelled }";

fn stats_query() -> String {
    format!(
        "query($j: Jurisdiction!, $from: Date!, $to: Date!, $mfo: ID, $resp: ID) {{
          regulatorStatistics(jurisdiction: $j, from: $from, to: $to, mfoId: $mfo, responsibleOrganizationId: $resp) {{
            jurisdiction from to total {{ {FIGURES} }}
            byMfo {{ mfo {{ name }} figures {{ {FIGURES} }} }}
            byAgency {{ agency {{ name }} contacts {{ total byChannel {{ key count }} byViolatedRule {{ key count }} withViolations }} assignments escalations }}
            complaintsByWeek {{ weekStart answeredOnTime answeredLate openOverdue }}
          }} }}"
    )
}

async fn stats(app: &TestApp, token: &str, vars: Value) -> Value {
    let r = app.gql(token, &stats_query(), vars).await;
    r["regulatorStatistics"].clone()
}

fn org_id(o: &entity::organization::Model) -> String {
    mfo_api::graphql::ids::encode(mfo_api::graphql::ids::Kind::Organization, o.id).0
}

const RECORD: &str = "mutation($input: RecordContactInput!) { recordContact(input: $input) { contact { id violations } userErrors { field code rule } } }";

fn contact(loan: &str, csid: u32, org_name: &str, channel: &str, when: &str) -> Value {
    json!({
        "clientSubmissionId": format!("00000000-0000-4000-9000-{csid:012}"), "loanId": loan, "channel": channel,
        "occurredAt": when, "outcome": "REACHED", "destination": "+7 701 000 00 00",
        "disclosure": { "organizationName": org_name, "organizationLocation": "Almaty, Dostyk 5",
            "personName": "Nurzhan Abenov", "personPosition": "Collector" },
    })
}

const SUBMIT: &str = "mutation($input: SubmitRestructuringApplicationInput!) { submitRestructuringApplication(input: $input) { application { id } userErrors { field code rule } } }";
const DECIDE: &str = "mutation($input: DecideRestructuringApplicationInput!) { decideRestructuringApplication(input: $input) { application { status } userErrors { field code rule } } }";

fn submission(loan: &str, n: u32, measures: &[&str]) -> Value {
    let measures: Vec<Value> = measures.iter().map(|m| json!({ "measure": m })).collect();
    json!({
        "clientSubmissionId": format!("00000000-0000-4000-8000-{n:012}"), "loanId": loan, "language": "RU",
        "grounds": [{ "ground": "REGISTERED_UNEMPLOYED" }], "requestedMeasures": measures,
        "monthlyIncome": "250000", "otherMonthlyDebtPayments": "20000",
        "documents": [{ "kind": "EMPLOYMENT_RECORD", "name": "record.pdf", "checksum": "sha256:ab12" }],
    })
}

/// KZ, October 2026: two MFOs, an agency, contacts, an assignment, applications and the
/// deadlines and escalations they produce.
#[tokio::test]
async fn kz_contacts_agencies_applications_escalations_and_deadlines_are_counted_exactly() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-10");
    let a = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    let b = overdue_loan(&app, "B", "2026-10-02", json!({}), json!({})).await;
    let (_, _, other) = borrower_with_loan(&app, &app.orgs.kz_mfo_2, "O", "2026-09-01").await;
    let assign = "mutation($input: AssignLoanToAgencyInput!) { assignLoanToAgency(input: $input) { assignment { id } userErrors { field code rule } } }";
    let r = app
        .gql(&app.manager(), assign, json!({ "input": { "loanId": a.loan, "agencyId": org_id(&app.orgs.agency) } }))
        .await;
    assert_eq!(r["assignLoanToAgency"]["userErrors"], json!([]), "{r}");

    // Monday 12 October: the agency calls at 07:59 Almaty (X3) and at 10:00 (clean), then
    // sends an SMS posing as the MFO (X6); the other MFO calls its borrower at 07:00 (X3).
    on(&app, "2026-10-12");
    let agency = app.mint(Role::CollectionAgency, app.orgs.agency.id, None, "agency-system");
    for (n, name, channel, when, expect) in [
        (1, "Agency", "CALL", "2026-10-12T02:59:00Z", json!(["X3"])),
        (2, "Agency", "CALL", "2026-10-12T04:00:00Z", json!([])),
        (3, "KZ MFO", "SMS", "2026-10-12T04:30:00Z", json!(["X6"])),
    ] {
        let r = app.gql(&agency, RECORD, json!({ "input": contact(&a.loan, n, name, channel, when) })).await;
        assert_eq!(r["recordContact"]["contact"]["violations"], expect, "{r}");
    }
    let other_staff = app.staff_of(&app.orgs.kz_mfo_2);
    let r = app
        .gql(&other_staff, RECORD, json!({ "input": contact(&other, 4, "KZ MFO 2", "CALL", "2026-10-12T02:00:00Z") }))
        .await;
    assert_eq!(r["recordContact"]["contact"]["violations"], json!(["X3", "X6"]), "{r}");

    // Applications: one refused on time, one never decided (R8 missed on 26 October).
    let token = app.borrower_token(&app.orgs.kz_mfo, b.borrower);
    let decided = app.gql(&token, SUBMIT, json!({ "input": submission(&b.loan, 1, &["DEFERRAL", "NEW_TERM"]) })).await;
    let decided = decided["submitRestructuringApplication"]["application"]["id"].clone();
    let forgotten = app.gql(&token, SUBMIT, json!({ "input": submission(&b.loan, 2, &["DEFERRAL"]) })).await;
    assert!(forgotten["submitRestructuringApplication"]["application"]["id"].is_string(), "{forgotten}");
    let refuse = json!({ "applicationId": decided, "decision": "REFUSE", "reasons": "the stated income does not allow any schedule.",
        "signatory": { "fullName": "Omarov D. K.", "position": "Chairman" } });
    let r = app.gql(&app.manager(), DECIDE, json!({ "input": refuse })).await;
    assert_eq!(r["decideRestructuringApplication"]["application"]["status"], "REFUSED", "{r}");

    // 28 October: the R1 notices (due 22 October) and the forgotten application's R8
    // decision (due 27 October) are missed.
    on(&app, "2026-10-28");
    app.scanner("s").tick().await.expect("tick");
    let reg = app.regulator(Jurisdiction::Kz);
    let x6 = app.gql(&reg, "{ escalations(filter: { rule: \"X6\" }) { edges { node { id } } } }", json!({})).await;
    let ack = "mutation($input: AcknowledgeEscalationInput!) { acknowledgeEscalation(input: $input) { userErrors { code } } }";
    let id = x6["escalations"]["edges"][0]["node"]["id"].clone();
    let r = app.gql(&reg, ack, json!({ "input": { "escalationId": id, "note": "agency inspected" } })).await;
    assert_eq!(r["acknowledgeEscalation"]["userErrors"], json!([]), "{r}");

    let october = json!({ "j": "KZ", "from": "2026-10-01", "to": "2026-10-31" });
    let all = stats(&app, &reg, october.clone()).await;
    assert_eq!(
        (all["jurisdiction"].clone(), all["from"].clone(), all["to"].clone()),
        (json!("KZ"), json!("2026-10-01"), json!("2026-10-31"))
    );
    let zero_deadlines = json!({ "open": 0, "met": 0, "missed": 0, "cancelled": 0 });
    let no_complaints = json!({ "total": 0, "byChannel": [], "byKind": [], "byForm": [], "byLanguage": [], "byOutcome": [],
        "answeredOnTime": 0, "answeredLate": 0, "openOverdue": 0, "openInTime": 0, "extensionsUsed": 0,
        "leftWithoutConsiderationByReason": [], "registration": zero_deadlines, "acknowledgement": zero_deadlines,
        "infoRequests": { "total": 0, "answeredOnTime": 0, "answeredLate": 0, "openOverdue": 0, "openInTime": 0, "beyondFreeMonthly": 0 } });
    let no_deferrals = json!({ "total": 0, "byStatus": [], "grantedOnTime": 0, "grant": zero_deadlines });
    let counts =
        |pairs: &[(&str, i64)]| -> Value { pairs.iter().map(|(k, n)| json!({ "key": k, "count": n })).collect() };
    assert_eq!(
        all["total"],
        json!({
            "complaints": no_complaints,
            // R2: the refused one asked for two measures, the forgotten one for one.
            "applications": { "total": 2, "byMeasureRequested": counts(&[("DEFERRAL", 2), ("NEW_TERM", 1)]),
                "byStatus": counts(&[("REFUSED", 1), ("REGISTERED", 1)]), "byOutcome": counts(&[("REFUSED", 1)]),
                "decidedOnTime": 1, "decidedLate": 0, "undecidedOverdue": 1, "undecidedInTime": 0, "implementedOnTime": 0,
                "implementation": zero_deadlines, "appeals": 0, "appealsByOutcome": [], "homeProtectionWindows": 0 },
            // Three agency contacts (X3; clean; X6) and the other MFO's call (X3 and X6).
            "contacts": { "total": 4, "byChannel": counts(&[("CALL", 3), ("SMS", 1)]),
                "byViolatedRule": counts(&[("X3", 2), ("X6", 2)]), "withViolations": 3 },
            "assignments": 1,
            "deferrals": no_deferrals,
            // R1 missed on the three overdue loans, R8 on the forgotten application, the
            // four contact breaches; the agency's X6 acknowledged.
            "escalations": { "total": 8, "byKind": counts(&[("DEADLINE_MISSED", 4), ("RULE_BREACH", 4)]),
                "byRule": counts(&[("R1", 3), ("R8", 1), ("X3", 2), ("X6", 2)]),
                "bySeverity": counts(&[("CRITICAL", 2), ("HIGH", 3), ("MEDIUM", 3)]), "acknowledged": 1 },
            // Due in October: three R1 notices (missed), two R8 decisions (one met, one missed).
            "deadlines": { "open": 0, "met": 1, "missed": 4, "cancelled": 0 },
        })
    );
    let by_mfo = |s: &Value, name: &str| -> Value {
        s["byMfo"]
            .as_array()
            .and_then(|l| l.iter().find(|m| m["mfo"]["name"] == name))
            .map(|m| m["figures"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(all["byMfo"].as_array().map(Vec::len), Some(2));
    let two = by_mfo(&all, "KZ MFO two");
    assert_eq!(
        two["contacts"],
        json!({ "total": 1, "byChannel": counts(&[("CALL", 1)]), "byViolatedRule": counts(&[("X3", 1), ("X6", 1)]), "withViolations": 1 })
    );
    assert_eq!(two["escalations"]["byRule"], counts(&[("R1", 1), ("X3", 1), ("X6", 1)]));
    assert_eq!((two["assignments"].clone(), two["applications"]["total"].clone()), (json!(0), json!(0)));
    assert_eq!(two["deadlines"], json!({ "open": 0, "met": 0, "missed": 1, "cancelled": 0 }));
    let one = by_mfo(&all, "KZ MFO");
    assert_eq!(
        (one["contacts"]["total"].clone(), one["escalations"]["total"].clone(), one["assignments"].clone()),
        (json!(3), json!(5), json!(1))
    );
    assert_eq!(one["deadlines"], json!({ "open": 0, "met": 1, "missed": 3, "cancelled": 0 }));
    assert_eq!(
        all["byAgency"],
        json!([{ "agency": { "name": "Agency" }, "assignments": 1, "escalations": 2,
            "contacts": { "total": 3, "byChannel": counts(&[("CALL", 2), ("SMS", 1)]), "byViolatedRule": counts(&[("X3", 1), ("X6", 1)]), "withViolations": 2 } }])
    );
    let weeks: Vec<Value> = all["complaintsByWeek"]
        .as_array()
        .map(|w| w.iter().map(|w| w["weekStart"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(
        weeks,
        ["2026-09-28", "2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26"],
        "Mondays, the first before 1 October"
    );

    // One MFO: the same figures as its byMfo entry.
    let mut only_two = october.clone();
    only_two["mfo"] = json!(org_id(&app.orgs.kz_mfo_2));
    let s2 = stats(&app, &reg, only_two).await;
    assert_eq!(s2["total"], two);
    assert!(s2["byAgency"].as_array().is_some_and(Vec::is_empty), "no agency worked the other MFO's loans");
    // Responsible organisation: the agency's contacts, assignments and escalations only.
    let mut agency_only = october.clone();
    agency_only["resp"] = json!(org_id(&app.orgs.agency));
    let s3 = stats(&app, &reg, agency_only).await;
    assert_eq!(s3["total"]["contacts"], all["byAgency"][0]["contacts"]);
    assert_eq!(s3["total"]["escalations"]["byRule"], counts(&[("X3", 1), ("X6", 1)]));
    assert_eq!(
        (
            s3["total"]["assignments"].clone(),
            s3["total"]["applications"]["total"].clone(),
            s3["total"]["deadlines"].clone()
        ),
        (json!(1), json!(0), zero_deadlines.clone())
    );
    // A period that ends before the records: all zero.
    let september = stats(&app, &reg, json!({ "j": "KZ", "from": "2026-09-01", "to": "2026-09-30" })).await;
    assert_eq!(september["byMfo"], json!([]));
    assert_eq!(september["total"]["escalations"]["total"], 0);
}
