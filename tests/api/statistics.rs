//! Statistics: `regulatorStatistics` over a data set seeded through the API with
//! the manual clock moved across deadlines; every figure is checked exactly, on whichever
//! engine the suite runs (SQLite, or PostgreSQL with MFO_TEST_DATABASE_URL). Plus who may
//! ask about what.

use entity::enums::{Jurisdiction, Role};
use serde_json::{Value, json};

use crate::helpers::fixtures::{borrower_with_loan, on, overdue_loan};
use crate::helpers::{TestApp, at};

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
    let conscript = overdue_loan(&app, "C", "2026-10-02", json!({}), json!({})).await;
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
    // R15: the borrower appeals the refusal (not home-secured: no R16 window).
    let file = "mutation($input: FileRegulatorAppealInput!) { fileRegulatorAppeal(input: $input) { appeal { id } userErrors { code } } }";
    let r = app.gql(&token, file, json!({ "input": { "applicationId": decided, "statement": "unfair" } })).await;
    assert_eq!(r["fileRegulatorAppeal"]["userErrors"], json!([]), "{r}");
    // M1: a conscript's deferral, never granted (due 27 October).
    let m = "mutation($input: RegisterConscriptionInput!) { registerConscription(input: $input) { deferral { id } userErrors { code } } }";
    let input = json!({ "loanId": conscript.loan, "serviceStart": "2026-10-05", "serviceEnd": "2027-10-05" });
    let r = app.gql(&app.staff(), m, json!({ "input": input })).await;
    assert_eq!(r["registerConscription"]["userErrors"], json!([]), "{r}");

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
                "implementation": zero_deadlines, "appeals": 1, "appealsByOutcome": counts(&[("UNDER_REVIEW", 1)]),
                "homeProtectionWindows": 0 },
            // Three agency contacts (X3; clean; X6) and the other MFO's call (X3 and X6).
            "contacts": { "total": 4, "byChannel": counts(&[("CALL", 3), ("SMS", 1)]),
                "byViolatedRule": counts(&[("X3", 2), ("X6", 2)]), "withViolations": 3 },
            "assignments": 1,
            "deferrals": { "total": 1, "byStatus": counts(&[("REGISTERED", 1)]), "grantedOnTime": 0,
                "grant": { "open": 0, "met": 0, "missed": 1, "cancelled": 0 } },
            // R1 missed on the four overdue loans, R8 on the forgotten application, M1 on
            // the deferral, the four contact breaches; the agency's X6 acknowledged.
            "escalations": { "total": 10, "byKind": counts(&[("DEADLINE_MISSED", 6), ("RULE_BREACH", 4)]),
                "byRule": counts(&[("M1", 1), ("R1", 4), ("R8", 1), ("X3", 2), ("X6", 2)]),
                "bySeverity": counts(&[("CRITICAL", 2), ("HIGH", 4), ("MEDIUM", 4)]), "acknowledged": 1 },
            // Due in October: four R1 notices (missed), two R8 decisions (one met, one
            // missed), the M1 grant (missed).
            "deadlines": { "open": 0, "met": 1, "missed": 6, "cancelled": 0 },
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
        (json!(3), json!(7), json!(1))
    );
    assert_eq!(one["deadlines"], json!({ "open": 0, "met": 1, "missed": 5, "cancelled": 0 }));
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

fn decision(id: &Value, kind: &str) -> Value {
    let mut input = json!({ "applicationId": id, "decision": kind, "signatory": { "fullName": "Omarov D. K.", "position": "Chairman" } });
    match kind {
        "REFUSE" => input["reasons"] = json!("the stated income does not allow any schedule."),
        _ => input["terms"] = json!({ "newTermMonths": 12 }),
    }
    input
}

/// The application and deferral figures that are zero in the data set above,
/// each made non-zero here and checked exactly. KZ, October 2026, every application
/// received on Saturday 10 October: approvals implemented on time and late (R11), a
/// counter-proposal accepted and implemented on time, one left unanswered (R12, R13 deemed
/// refusal), one left without review (R6), a refusal appealed with a home-protection window
/// (R15, R16), and conscripts' deferrals granted on time (M1).
#[tokio::test]
async fn r08_r11_r13_r16_m1_outcomes_implementations_home_protection_and_deferrals_are_counted_exactly() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-10");
    let mut n = 0;
    let mut submit = |s: &crate::helpers::fixtures::Setup| {
        n += 1;
        let (token, input) = (app.borrower_token(&app.orgs.kz_mfo, s.borrower), submission(&s.loan, n, &["NEW_TERM"]));
        let app = &app;
        async move {
            let r = app.gql(&token, SUBMIT, json!({ "input": input })).await;
            let id = r["submitRestructuringApplication"]["application"]["id"].clone();
            assert!(id.is_string(), "{r}");
            id
        }
    };
    let mut ids = Vec::new();
    let mut setups = Vec::new();
    for key in ["AP1", "AP2", "AP3", "CP1", "CP2", "LWR"] {
        let s = overdue_loan(&app, key, "2026-10-02", json!({}), json!({})).await;
        ids.push(submit(&s).await);
        setups.push(s);
    }
    let home = json!({ "mortgageSecured": true, "securedByDwelling": true, "businessPurpose": false });
    let h = overdue_loan(&app, "HOME", "2026-10-02", home, json!({ "sociallyVulnerable": true })).await;
    ids.push(submit(&h).await);
    let [ap1, ap2, ap3, cp1, cp2, lwr, home_app] = <[Value; 7]>::try_from(ids).expect("seven");
    let decide = |input: Value, expect: &'static str| {
        let app = &app;
        async move {
            let r = app.gql(&app.manager(), DECIDE, json!({ "input": input })).await;
            assert_eq!(r["decideRestructuringApplication"]["application"]["status"], expect, "{r}");
        }
    };
    let implement = |id: Value| {
        let app = &app;
        async move {
            let m = "mutation($input: ApplicationRefInput!) { markDecisionImplemented(input: $input) { application { status } userErrors { code } } }";
            let r = app.gql(&app.staff(), m, json!({ "input": { "applicationId": id } })).await;
            assert_eq!(r["markDecisionImplemented"]["application"]["status"], "IMPLEMENTED", "{r}");
        }
    };
    // R8 on the day of receipt: three approvals, two counter-proposals, one refusal.
    for id in [&ap1, &ap2, &ap3] {
        decide(decision(id, "APPROVE"), "APPROVED").await;
    }
    for id in [&cp1, &cp2] {
        let mut counter = decision(id, "COUNTER_PROPOSAL");
        counter["replyBy"] = json!("2026-10-25");
        decide(counter, "COUNTER_PROPOSED").await;
    }
    decide(decision(&home_app, "REFUSE"), "REFUSED").await;
    // R6: documents asked for and never provided.
    let ask = "mutation($input: RequestApplicationDocumentsInput!) { requestApplicationDocuments(input: $input) { application { status } userErrors { code } } }";
    let items = json!([{ "kind": "INCOME_CERTIFICATE", "description": "Income certificate for the last 6 months" }]);
    let r = app.gql(&app.staff(), ask, json!({ "input": { "applicationId": lwr, "items": items } })).await;
    assert_eq!(r["requestApplicationDocuments"]["application"]["status"], "DOCUMENTS_REQUESTED", "{r}");
    // R12: the first counter-proposal is accepted; the second is never answered.
    let respond = "mutation($input: RespondToCounterProposalInput!) { respondToCounterProposal(input: $input) { application { status } userErrors { code } } }";
    let token = app.borrower_token(&app.orgs.kz_mfo, setups[3].borrower);
    let r = app.gql(&token, respond, json!({ "input": { "applicationId": cp1, "response": "ACCEPT" } })).await;
    assert_eq!(r["respondToCounterProposal"]["application"]["status"], "AGREED", "{r}");
    // R11 within 15 days: two approvals and the agreed counter-proposal implemented.
    for id in [&ap1, &ap2, &cp1] {
        implement(id.clone()).await;
    }
    // R15, R16: the vulnerable borrower appeals the refusal of a home-secured loan.
    let file = "mutation($input: FileRegulatorAppealInput!) { fileRegulatorAppeal(input: $input) { appeal { homeProtection { applies } } userErrors { code } } }";
    let token = app.borrower_token(&app.orgs.kz_mfo, h.borrower);
    let r = app.gql(&token, file, json!({ "input": { "applicationId": home_app, "statement": "unfair" } })).await;
    assert_eq!(r["fileRegulatorAppeal"]["appeal"]["homeProtection"]["applies"], true, "{r}");
    // M1: two conscripts' deferrals granted the day the bureau's data came in.
    let register = "mutation($input: RegisterConscriptionInput!) { registerConscription(input: $input) { deferral { id } userErrors { code } } }";
    let grant = "mutation($input: DeferralRefInput!) { grantMilitaryDeferral(input: $input) { deferral { status } userErrors { code } } }";
    for key in ["M1A", "M1B"] {
        let c = overdue_loan(&app, key, "2026-10-02", json!({}), json!({})).await;
        let input = json!({ "loanId": c.loan, "serviceStart": "2026-10-05", "serviceEnd": "2027-10-05" });
        let r = app.gql(&app.staff(), register, json!({ "input": input })).await;
        let id = r["registerConscription"]["deferral"]["id"].clone();
        let r = app.gql(&app.staff(), grant, json!({ "input": { "deferralId": id } })).await;
        assert_eq!(r["grantMilitaryDeferral"]["deferral"]["status"], "GRANTED", "{r}");
    }
    // 17 October: the documents (due Friday 16 October) lapse; R6 leaves the application
    // without review, which cancels its R8 decision.
    on(&app, "2026-10-17");
    app.scanner("s").tick().await.expect("tick");
    // 28 October: the third approval's implementation (due 25 October) is missed, then done.
    on(&app, "2026-10-28");
    app.scanner("s").tick().await.expect("tick");
    implement(ap3.clone()).await;
    // 10 November: the unanswered counter-proposal is a refusal (R13).
    on(&app, "2026-11-10");
    app.scanner("s").tick().await.expect("tick");

    let reg = app.regulator(Jurisdiction::Kz);
    let all = stats(&app, &reg, json!({ "j": "KZ", "from": "2026-10-01", "to": "2026-10-31" })).await;
    let counts =
        |pairs: &[(&str, i64)]| -> Value { pairs.iter().map(|(k, n)| json!({ "key": k, "count": n })).collect() };
    assert_eq!(
        all["total"]["applications"],
        json!({ "total": 7, "byMeasureRequested": counts(&[("NEW_TERM", 7)]),
            // The agreed counter-proposal and the three approvals are implemented.
            "byStatus": counts(&[("DEEMED_REFUSED", 1), ("IMPLEMENTED", 4), ("LEFT_WITHOUT_REVIEW", 1), ("REFUSED", 1)]),
            // Signed decisions by kind (R8), and what followed without one: the unanswered
            // counter-proposal counts as a counter-proposal made and a deemed refusal (R13).
            "byOutcome": counts(&[("APPROVED", 3), ("COUNTER_PROPOSAL", 2), ("DEEMED_REFUSAL", 1),
                ("LEFT_WITHOUT_REVIEW", 1), ("REFUSED", 1)]),
            // R8: six decided the day of receipt; the one left without review has no decision.
            "decidedOnTime": 6, "decidedLate": 0, "undecidedOverdue": 0, "undecidedInTime": 0,
            // R11: two approvals and the agreed counter-proposal on time, the third approval late.
            "implementedOnTime": 3, "implementation": { "open": 0, "met": 3, "missed": 1, "cancelled": 0 },
            "appeals": 1, "appealsByOutcome": counts(&[("UNDER_REVIEW", 1)]), "homeProtectionWindows": 1 })
    );
    assert_eq!(
        all["total"]["deferrals"],
        json!({ "total": 2, "byStatus": counts(&[("GRANTED", 2)]), "grantedOnTime": 2,
            "grant": { "open": 0, "met": 2, "missed": 0, "cancelled": 0 } })
    );
    // One MFO holds it all: its entry is the total.
    assert_eq!(all["byMfo"].as_array().map(Vec::len), Some(1));
    assert_eq!(all["byMfo"][0]["figures"], all["total"]);
    let november = stats(&app, &reg, json!({ "j": "KZ", "from": "2026-11-01", "to": "2026-11-30" })).await;
    // R12/R13: the counter-proposal replies fall due on 9 November, one met (accepted), one
    // missed (deemed refused); the four restructured loans' first new payments (2 November)
    // went unpaid, so their R1 notices are due on 22 November.
    assert_eq!(november["total"]["deadlines"], json!({ "open": 4, "met": 1, "missed": 1, "cancelled": 0 }));
    assert_eq!(november["total"]["applications"]["total"], 0, "all received in October");
}

fn person(name: &str) -> Value {
    json!({ "fullName": name, "address": format!("{name} street 1, Bishkek"), "phone": "+996 555 111 222", "email": format!("{}@example.kg", name.to_lowercase()) })
}

fn written(channel: &str, language: &str) -> Value {
    json!({
        "kind": "COMPLAINT", "channel": channel, "language": language, "complainants": [person("Asel")],
        "substance": "The fee was charged twice.", "signed": true, "datedOn": "2026-11-20",
    })
}

async fn complaint_step(app: &TestApp, token: &str, mutation: &str, input_type: &str, input: Value) -> Value {
    let q = format!(
        "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ complaint {{ id status }} userErrors {{ field code rule }} }} }}"
    );
    let r = app.gql(token, &q, json!({ "input": input })).await[mutation].clone();
    assert_eq!(r["userErrors"], json!([]), "{mutation}: {r}");
    r["complaint"].clone()
}

async fn register(app: &TestApp, token: &str, input: Value) -> Value {
    complaint_step(app, token, "registerComplaint", "RegisterComplaintInput", input).await
}

/// Forward and review (staff), answer (the manager) (C7, C10), sent at `sent_at`.
async fn answer(app: &TestApp, id: &Value, sent_at: &str) {
    let token = &app.staff_of(&app.orgs.kg_mfo);
    let manager = &app.mint(Role::MfoManager, app.orgs.kg_mfo.id, None, "manager-kg");
    let managers = json!([{ "name": "Ermek T.", "position": "Head of client service" }]);
    complaint_step(
        app,
        token,
        "forwardComplaint",
        "ForwardComplaintInput",
        json!({ "complaintId": id, "managers": managers }),
    )
    .await;
    complaint_step(app, token, "startComplaintReview", "ComplaintRefInput", json!({ "complaintId": id })).await;
    let input = json!({
        "complaintId": id, "signatory": { "role": "CHAIRMAN", "fullName": "Ormotoev E. D." },
        "ground": "PARTIALLY_SATISFIED", "justification": "The second fee is refunded; the first was due.",
        "executorName": "Talasbaev E.", "executorContact": "+996 312 881990",
        "language": "RU", "deliveryChannel": "REGISTERED_MAIL", "sentAt": sent_at, "attachments": [],
    });
    let a = complaint_step(app, manager, "answerComplaint", "AnswerComplaintInput", input).await;
    assert_eq!(a["status"], "ANSWERED");
}

/// KG, 23 November – 6 December 2026 (two weeks, local dates of Asia/Bishkek): complaints
/// through every C-rule outcome, and C9 information requests.
#[tokio::test]
async fn kg_complaints_and_information_requests_are_counted_exactly_by_local_date_and_week() {
    let app = TestApp::spawn().await;
    app.clock.set(at("2026-11-24T04:00:00Z")); // Tuesday, 10:00 in Bishkek
    let staff = app.staff_of(&app.orgs.kg_mfo);
    let manager = app.mint(Role::MfoManager, app.orgs.kg_mfo.id, None, "manager-kg");
    let on_time = register(&app, &staff, written("POST", "RU")).await;
    let _email = register(&app, &staff, written("EMAIL", "KY")).await;
    let anonymous =
        json!({ "kind": "COMPLAINT", "channel": "POST", "language": "RU", "substance": "You are thieves." });
    assert_eq!(register(&app, &staff, anonymous).await["status"], "LEFT_WITHOUT_CONSIDERATION");
    // Received at 01:00 on Monday 23 November in Bishkek (Sunday in UTC): in the period.
    let mut monday = written("COMPLAINT_BOOK", "RU");
    monday["receivedAt"] = json!("2026-11-22T19:00:00Z");
    let extended = register(&app, &staff, monday).await;
    // Received at 23:30 on Sunday 22 November in Bishkek: before the period.
    let mut sunday = written("COMPLAINT_BOOK", "RU");
    sunday["receivedAt"] = json!("2026-11-22T17:30:00Z");
    register(&app, &staff, sunday).await;
    let late = register(&app, &staff, written("POST", "RU")).await;
    let _phone = register(&app, &staff, written("HEAD_OFFICE_PHONE", "KY")).await;
    let notice = json!({ "channel": "EMAIL", "sentAt": "2026-11-24T03:30:00Z" });
    complaint_step(&app, &manager, "extendComplaintDeadline", "ExtendComplaintDeadlineInput",
        json!({ "complaintId": extended["id"], "reason": "The branch's cash records must be checked.", "consumerNotice": notice })).await;

    // C9: two requests on 24 November, the second beyond the free one; the first answered.
    let (borrower, _, loan) = borrower_with_loan(&app, &app.orgs.kg_mfo, "K1", "2026-01-20").await;
    let token = app.borrower_token(&app.orgs.kg_mfo, borrower);
    let ask = "mutation($input: RequestLoanInformationInput!) { requestLoanInformation(input: $input) { infoRequest { id } userErrors { code } } }";
    let first = app
        .gql(
            &token,
            ask,
            json!({ "input": { "clientSubmissionId": "0b5e5b55-0000-4000-8000-000000000001", "loanId": loan } }),
        )
        .await;
    app.gql(
        &token,
        ask,
        json!({ "input": { "clientSubmissionId": "0b5e5b55-0000-4000-8000-000000000002", "loanId": loan } }),
    )
    .await;
    let answer_ir = "mutation($input: AnswerLoanInformationRequestInput!) { answerLoanInformationRequest(input: $input) { userErrors { code } } }";
    let r = app.gql(&staff, answer_ir, json!({ "input": { "infoRequestId": first["requestLoanInformation"]["infoRequest"]["id"], "channel": "in writing" } })).await;
    assert_eq!(r["answerLoanInformationRequest"]["userErrors"], json!([]), "{r}");

    app.clock.set(at("2026-11-25T04:00:00Z"));
    answer(&app, &on_time["id"], "2026-11-25T03:00:00Z").await;
    // Week two: received on Tuesday 1 December, answered the next day.
    app.clock.set(at("2026-12-01T04:00:00Z"));
    let staff = app.staff_of(&app.orgs.kg_mfo);
    let week_two = register(&app, &staff, written("EMAIL", "RU")).await;
    app.clock.set(at("2026-12-02T04:00:00Z"));
    answer(&app, &week_two["id"], "2026-12-02T03:00:00Z").await;
    // 9 December: the answers due on 8 December are missed; then `late` is answered.
    app.clock.set(at("2026-12-09T04:00:00Z"));
    app.scanner("s").tick().await.expect("tick");
    answer(&app, &late["id"], "2026-12-09T03:00:00Z").await;

    let reg = app.regulator(Jurisdiction::Kg);
    let all = stats(&app, &reg, json!({ "j": "KG", "from": "2026-11-23", "to": "2026-12-06" })).await;
    let counts =
        |pairs: &[(&str, i64)]| -> Value { pairs.iter().map(|(k, n)| json!({ "key": k, "count": n })).collect() };
    let c = &all["total"]["complaints"];
    // Seven received in the period (the one of Sunday 23:30 local is not; the one of
    // Monday 01:00 local, Sunday in UTC, is).
    assert_eq!(c["total"], 7);
    assert_eq!(c["byChannel"], counts(&[("COMPLAINT_BOOK", 1), ("EMAIL", 2), ("HEAD_OFFICE_PHONE", 1), ("POST", 3)]));
    assert_eq!(c["byKind"], counts(&[("COMPLAINT", 7)]));
    assert_eq!(c["byForm"], counts(&[("ORAL", 1), ("WRITTEN", 6)]));
    assert_eq!(c["byLanguage"], counts(&[("KY", 2), ("RU", 5)]));
    assert_eq!(c["byOutcome"], counts(&[("ANSWERED", 3), ("LEFT_WITHOUT_CONSIDERATION", 1), ("REGISTERED", 3)]));
    // C8: two answered in time, one after its deadline; the e-mailed and the phoned ones
    // are overdue; the extended one still runs (its extension counted).
    let c8: Vec<Value> = ["answeredOnTime", "answeredLate", "openOverdue", "openInTime", "extensionsUsed"]
        .iter()
        .map(|k| c[*k].clone())
        .collect();
    assert_eq!(c8, [json!(2), json!(1), json!(2), json!(1), json!(1)]);
    assert_eq!(c["leftWithoutConsiderationByReason"], counts(&[("ANONYMOUS", 1)]));
    // C4: the one entered from the complaint book the next day, in time; C5: neither
    // e-mailed complaint acknowledged.
    assert_eq!(c["registration"], json!({ "open": 0, "met": 1, "missed": 0, "cancelled": 0 }));
    assert_eq!(c["acknowledgement"], json!({ "open": 0, "met": 0, "missed": 2, "cancelled": 0 }));
    assert_eq!(
        c["infoRequests"],
        json!({ "total": 2, "answeredOnTime": 1, "answeredLate": 0, "openOverdue": 1, "openInTime": 0, "beyondFreeMonthly": 1 })
    );
    // Escalations raised in the period: only the Sunday complaint's late registration (C4,
    // raised on 24 November); those of 9 December are after it.
    let e = &all["total"]["escalations"];
    assert_eq!(
        *e,
        json!({ "total": 1, "byKind": counts(&[("DEADLINE_MISSED", 1)]), "byRule": counts(&[("C4", 1)]),
            "bySeverity": counts(&[("LOW", 1)]), "acknowledged": 0 })
    );
    // Due in the period: C4 of the Monday (met) and Sunday (missed) complaints, two C5s
    // (missed), two C9s (one met, one missed). The C8 answers fall due on 8 December.
    assert_eq!(all["total"]["deadlines"], json!({ "open": 0, "met": 2, "missed": 4, "cancelled": 0 }));
    for zero in [
        &all["total"]["applications"]["total"],
        &all["total"]["contacts"]["total"],
        &all["total"]["assignments"],
        &all["total"]["deferrals"]["total"],
    ] {
        assert_eq!(*zero, 0);
    }
    assert_eq!(all["byMfo"].as_array().map(Vec::len), Some(1));
    assert_eq!(all["byMfo"][0]["figures"], all["total"]);
    assert_eq!(all["byAgency"], json!([]));
    assert_eq!(
        all["complaintsByWeek"],
        json!([
            { "weekStart": "2026-11-23", "answeredOnTime": 1, "answeredLate": 1, "openOverdue": 2 },
            { "weekStart": "2026-11-30", "answeredOnTime": 1, "answeredLate": 0, "openOverdue": 0 },
        ])
    );
    // The MFO's manager sees the same, for its own MFO.
    let mine = stats(&app, &manager_now(&app), json!({ "j": "KG", "from": "2026-11-23", "to": "2026-12-06" })).await;
    assert_eq!(mine["total"], all["total"]);
    // One day: Monday 23 November local holds the complaint received on Sunday in UTC.
    let monday = stats(&app, &reg, json!({ "j": "KG", "from": "2026-11-23", "to": "2026-11-23" })).await;
    assert_eq!(monday["total"]["complaints"]["byChannel"], counts(&[("COMPLAINT_BOOK", 1)]));
    assert_eq!(
        monday["complaintsByWeek"],
        json!([{ "weekStart": "2026-11-23", "answeredOnTime": 0, "answeredLate": 0, "openOverdue": 0 }])
    );
}

fn manager_now(app: &TestApp) -> String {
    app.mint(Role::MfoManager, app.orgs.kg_mfo.id, None, "manager-kg")
}

/// REGULATOR: its jurisdiction; MFO_MANAGER: its own MFO (another MFO looks missing);
/// everyone else FORBIDDEN; a bad period is BAD_USER_INPUT.
#[tokio::test]
async fn statistics_are_for_the_regulator_of_the_jurisdiction_and_an_mfos_own_manager() {
    let app = TestApp::spawn().await;
    let q = stats_query();
    let kz = |extra: Value| {
        let mut v = json!({ "j": "KZ", "from": "2026-11-01", "to": "2026-11-30" });
        for (k, x) in extra.as_object().cloned().unwrap_or_default() {
            v[k] = x;
        }
        v
    };
    let manager = app.manager();
    let agency = app.mint(Role::CollectionAgency, app.orgs.agency.id, None, "agency-system");
    let (b, _, _) = borrower_with_loan(&app, &app.orgs.kz_mfo, "B1", "2026-10-01").await;
    let borrower = app.borrower_token(&app.orgs.kz_mfo, b);
    assert_eq!(app.error_code(&app.staff(), &q, kz(json!({}))).await, "FORBIDDEN", "MFO staff");
    assert_eq!(app.error_code(&agency, &q, kz(json!({}))).await, "FORBIDDEN");
    assert_eq!(app.error_code(&borrower, &q, kz(json!({}))).await, "FORBIDDEN");
    assert_eq!(
        app.error_code(&app.regulator(Jurisdiction::Kg), &q, kz(json!({}))).await,
        "FORBIDDEN",
        "another jurisdiction"
    );
    // The manager: its own MFO whether it names it or not; another MFO, or an MFO of
    // another jurisdiction, is NOT_FOUND, as is the KG jurisdiction itself.
    assert!(app.gql(&manager, &q, kz(json!({}))).await["regulatorStatistics"]["total"].is_object());
    assert!(
        app.gql(&manager, &q, kz(json!({ "mfo": org_id(&app.orgs.kz_mfo) }))).await["regulatorStatistics"].is_object()
    );
    assert_eq!(app.error_code(&manager, &q, kz(json!({ "mfo": org_id(&app.orgs.kz_mfo_2) }))).await, "NOT_FOUND");
    assert_eq!(app.error_code(&manager, &q, kz(json!({ "mfo": org_id(&app.orgs.kg_mfo) }))).await, "NOT_FOUND");
    let kg = json!({ "j": "KG", "from": "2026-11-01", "to": "2026-11-30" });
    assert_eq!(app.error_code(&manager, &q, kg).await, "NOT_FOUND");
    // The regulator: an MFO or organisation of another jurisdiction, or an agency as MFO,
    // is NOT_FOUND.
    let reg = app.regulator(Jurisdiction::Kz);
    assert_eq!(app.error_code(&reg, &q, kz(json!({ "mfo": org_id(&app.orgs.kg_mfo) }))).await, "NOT_FOUND");
    assert_eq!(app.error_code(&reg, &q, kz(json!({ "mfo": org_id(&app.orgs.agency) }))).await, "NOT_FOUND");
    assert_eq!(app.error_code(&reg, &q, kz(json!({ "resp": org_id(&app.orgs.kg_mfo) }))).await, "NOT_FOUND");
    assert!(
        app.gql(&reg, &q, kz(json!({ "resp": org_id(&app.orgs.agency) }))).await["regulatorStatistics"].is_object()
    );
    // The period.
    assert_eq!(
        app.error_code(&reg, &q, kz(json!({ "to": "2026-10-31" }))).await,
        "BAD_USER_INPUT",
        "ends before it starts"
    );
    assert_eq!(app.error_code(&reg, &q, kz(json!({ "from": "2025-11-29" }))).await, "BAD_USER_INPUT", "over 366 days");
    let year = app.gql(&reg, &q, kz(json!({ "from": "2025-12-01" }))).await;
    assert_eq!(
        year["regulatorStatistics"]["complaintsByWeek"].as_array().map(Vec::len),
        Some(53),
        "Monday 1 December 2025 to Monday 30 November 2026: 53 weeks"
    );
}

/// A timing, not a check: `regulatorStatistics` over 300k loans, 50k complaints
/// (each with its C8 deadline) and 100k contacts, bulk-inserted on PostgreSQL with
/// `generate_series`. Run alone:
/// `MFO_TEST_DATABASE_URL=postgres://… cargo test --test api statistics::at_scale -- --ignored --nocapture`
#[tokio::test]
#[ignore = "a timing on PostgreSQL, run alone with --ignored (see the doc comment)"]
async fn at_scale_300k_loans_50k_complaints() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    let db = &app.ctx.db;
    if db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        eprintln!("PostgreSQL only (generate_series)");
        return;
    }
    let (m1, m2, agency) = (app.orgs.kz_mfo.id, app.orgs.kz_mfo_2.id, app.orgs.agency.id);
    let mfo = |i: &str| format!("CASE WHEN {i} % 10 < 7 THEN '{m1}'::uuid ELSE '{m2}'::uuid END");
    let started = std::time::Instant::now();
    let statements = [
        format!(
            "INSERT INTO borrower (id, mfo_id, external_id, full_name, language, socially_vulnerable, created_at, updated_at)
             SELECT md5('b' || i)::uuid, {}, 'B' || i, 'Borrower ' || i, 'RU', false, now(), now()
             FROM generate_series(1, 300000) AS i",
            mfo("i")
        ),
        format!(
            "INSERT INTO loan (id, mfo_id, borrower_id, jurisdiction, external_id, contract_number, contract_date, currency,
               principal, annual_rate, term_months, status, repayment_order, mortgage_secured, secured_by_dwelling,
               business_purpose, contract_allows_agency, created_at, updated_at)
             SELECT md5('l' || i)::uuid, {}, md5('b' || i)::uuid, 'KZ', 'L' || i, 'C-' || i, DATE '2025-06-01', 'KZT',
               500000, 0.3, 12, 'ACTIVE', 'INTEREST_FIRST', false, false, false, true, now(), now()
             FROM generate_series(1, 300000) AS i",
            mfo("i")
        ),
        // 50k complaints over 2026 (one every ~10.5 minutes), channels, kinds and outcomes mixed.
        format!(
            "INSERT INTO complaint (id, mfo_id, jurisdiction, journal_year, journal_seq, kind, channel, form, language,
               complainants, signed, missing_content, received_at, registered_at, registered_by, status, updated_at)
             SELECT md5('c' || i)::uuid, {}, 'KZ', 2026, i,
               (ARRAY['COMPLAINT','SUGGESTION','INFO_REQUEST'])[1 + i % 3],
               (ARRAY['CALL_CENTRE','WHATSAPP','EMAIL','POST','MOBILE_APP'])[1 + i % 5],
               CASE WHEN i % 5 = 0 THEN 'ORAL' ELSE 'WRITTEN' END, (ARRAY['RU','KK'])[1 + i % 2], '[]', true, '[]',
               TIMESTAMPTZ '2026-01-01 00:00:00+05' + (i * interval '630 seconds'),
               TIMESTAMPTZ '2026-01-01 00:00:00+05' + (i * interval '630 seconds'), 'bench',
               (ARRAY['ANSWERED','ANSWERED','REGISTERED','UNDER_REVIEW','LEFT_WITHOUT_CONSIDERATION'])[1 + i % 5], now()
             FROM generate_series(1, 50000) AS i",
            mfo("i")
        ),
        format!(
            "INSERT INTO deadline (id, org_id, jurisdiction, subject_type, subject_id, kind, rule, obligor, dedupe_key,
               started_at, due_at, due_date, status, policy_version_id, extensions)
             SELECT md5('d' || i)::uuid, {}, 'KZ', 'complaint', md5('c' || i)::uuid, 'COMPLAINT_ANSWER', 'C8', 'MFO',
               'bench:' || i, now(), TIMESTAMPTZ '2026-01-15 00:00:00+05' + (i * interval '630 seconds'),
               DATE '2026-01-15' + (i * 630 / 86400), (ARRAY['MET','MET','MISSED','OPEN','CANCELLED'])[1 + i % 5],
               (SELECT id FROM policy_version LIMIT 1), 0
             FROM generate_series(1, 50000) AS i",
            mfo("i")
        ),
        // 100k contacts by the agency and the MFOs, one in seven breaking X3.
        format!(
            "INSERT INTO contact_event (id, loan_id, borrower_id, mfo_id, jurisdiction, contactor_org_id, recorded_by,
               channel, occurred_at, party, disclosure, outcome, clearance, violations, created_at)
             SELECT md5('e' || i)::uuid, md5('l' || i)::uuid, md5('b' || i)::uuid, {mfo}, 'KZ',
               CASE WHEN i % 2 = 0 THEN '{agency}'::uuid ELSE {mfo} END, 'bench',
               (ARRAY['CALL','SMS','EMAIL'])[1 + i % 3], TIMESTAMPTZ '2026-01-01 00:00:00+05' + (i * interval '315 seconds'),
               'BORROWER', '{{}}', 'REACHED', 'CLEARED', CASE WHEN i % 7 = 0 THEN '[\"X3\"]'::jsonb ELSE '[]'::jsonb END, now()
             FROM generate_series(1, 100000) AS i",
            mfo = mfo("i")
        ),
        "ANALYZE".to_owned(),
    ];
    for sql in statements {
        db.execute_unprepared(&sql).await.unwrap_or_else(|e| panic!("{e}: {sql}"));
    }
    eprintln!("seeded in {:?}", started.elapsed());
    let reg = app.regulator(Jurisdiction::Kz);
    for (from, to) in [("2026-04-01", "2026-06-30"), ("2026-01-01", "2026-12-31")] {
        let mut times = Vec::new();
        let mut result = Value::Null;
        for _ in 0..5 {
            let t = std::time::Instant::now();
            result = stats(&app, &reg, json!({ "j": "KZ", "from": from, "to": to })).await;
            times.push(t.elapsed());
        }
        times.sort();
        eprintln!(
            "regulatorStatistics {from}..{to}: median {:?}, min {:?}, max {:?}; complaints {}, contacts {}",
            times[2], times[0], times[4], result["total"]["complaints"]["total"], result["total"]["contacts"]["total"]
        );
        assert!(result["total"]["complaints"]["total"].as_i64().is_some_and(|n| n > 0), "{result}");
    }
}
