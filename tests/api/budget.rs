//! Every list kept in a record's JSON, every list of the statistics and every text the MFO's
//! people write is bounded, and weighed by its bound in the query complexity
//! (`graphql::budget`): an input over the bound is refused with TOO_MANY (`maxItems`) or
//! TOO_LONG (`maxLength`) naming the field, and nothing is stored; a document of aliases of
//! such a list, admitted while the list counted as one item, is refused by the limit.

use entity::enums::{Jurisdiction, Role};
use serde_json::{Value, json};

use crate::collection::contact;
use crate::complaints::{answer_input, kg, person, review, written};
use crate::helpers::fixtures::{assign, on, overdue_loan, uuid_of};
use crate::helpers::{Options, TestApp};
use crate::nested::assert_too_complex;
use crate::restructuring::{csid, decide_input, submission};

const ERRORS: &str = "userErrors { field code reason params }";

/// Runs `mutation` with `input`, selecting `selection` of its payload and its user errors.
async fn mutate(app: &TestApp, token: &str, mutation: &str, input_type: &str, selection: &str, input: Value) -> Value {
    let q = format!("mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {selection} {ERRORS} }} }}");
    app.gql(token, &q, json!({ "input": input })).await[mutation].clone()
}

/// The refusal of one field: its path, the reason and the bound's parameter.
fn refusal(field: &str, reason: &str, param: &str, bound: usize) -> Value {
    json!({ "field": ["input", field], "code": "INVALID", "reason": reason, "params": { param: bound } })
}

fn many(n: usize, item: impl Fn(usize) -> Value) -> Value {
    Value::Array((0..n).map(item).collect())
}

fn text(chars: usize) -> String {
    "я".repeat(chars)
}

/// `n` aliases of `field` in one query.
fn aliases(n: usize, field: &str) -> String {
    let fields: String = (0..n).map(|i| format!("a{i}: {field} ")).collect();
    format!("{{ {fields}}}")
}

/// `field` aliased once is an ordinary query; aliased `n` times it is refused by the limit.
/// `n` is chosen so the document fitted the limit many times over while the list counted as one
/// item: the assertion fails without the list's weight.
async fn refused_when_aliased(app: &TestApp, token: &str, field: &str, n: usize) {
    let (_, once) = app.post(Some(token), &aliases(1, field), json!({})).await;
    assert!(once.get("errors").is_none(), "{field}: {once}");
    let (_, body) = app.post(Some(token), &aliases(n, field), json!({})).await;
    assert_too_complex(&body, field);
}

const COMPLAINT: &str = "complaint { id status complainants { fullName } forwardedTo { name } }";

#[tokio::test]
async fn c02_c11_a_collective_complaint_of_100_complainants_is_registered_one_of_101_refused_as_abuse() {
    let app = TestApp::spawn().await;
    let (staff, _) = kg(&app);
    let mut input = written("RU");
    input["complainants"] = many(101, |i| person(&format!("Person{i}")));
    let r = mutate(&app, &staff, "registerComplaint", "RegisterComplaintInput", COMPLAINT, input.clone()).await;
    assert_eq!(r["userErrors"], json!([refusal("complainants", "TOO_MANY", "maxItems", 100)]), "{r}");
    assert_eq!(app.count("complaint").await, 0, "nothing stored, no journal number taken");

    input["complainants"] = many(100, |i| person(&format!("Person{i}")));
    let r = mutate(&app, &staff, "registerComplaint", "RegisterComplaintInput", COMPLAINT, input).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    assert_eq!(r["complaint"]["complainants"].as_array().map(Vec::len), Some(100));
    assert_eq!(r["complaint"]["complainants"][0]["fullName"], "Person0", "the first named first (C11)");
}

#[tokio::test]
async fn c07_a_complaint_is_forwarded_to_at_most_10_managers() {
    let app = TestApp::spawn().await;
    let (staff, _) = kg(&app);
    let c = mutate(&app, &staff, "registerComplaint", "RegisterComplaintInput", COMPLAINT, written("RU")).await;
    let id = c["complaint"]["id"].clone();
    let managers = |n| many(n, |i| json!({ "name": format!("Manager {i}"), "position": "Head of client service" }));
    let forward = |n| json!({ "complaintId": id, "managers": managers(n) });
    let r = mutate(&app, &staff, "forwardComplaint", "ForwardComplaintInput", COMPLAINT, forward(11)).await;
    assert_eq!(r["userErrors"], json!([refusal("managers", "TOO_MANY", "maxItems", 10)]), "{r}");
    let q = "query($id: ID!) { complaint(id: $id) { status forwardedTo { name } } }";
    let stored = app.gql(&staff, q, json!({ "id": id })).await;
    assert_eq!(stored["complaint"], json!({ "status": "REGISTERED", "forwardedTo": [] }), "nothing stored");

    let r = mutate(&app, &staff, "forwardComplaint", "ForwardComplaintInput", COMPLAINT, forward(10)).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    assert_eq!(r["complaint"]["forwardedTo"].as_array().map(Vec::len), Some(10));
}

#[tokio::test]
async fn c10_an_answer_has_at_most_50_attachments_and_20000_characters_of_justification() {
    let app = TestApp::spawn().await;
    let (staff, manager) = kg(&app);
    let c = mutate(&app, &staff, "registerComplaint", "RegisterComplaintInput", COMPLAINT, written("RU")).await;
    let id = c["complaint"]["id"].clone();
    let fwd = json!({ "complaintId": id, "managers": [{ "name": "Ermek T.", "position": "Head" }] });
    mutate(&app, &staff, "forwardComplaint", "ForwardComplaintInput", COMPLAINT, fwd).await;
    review(&app, &manager, &id).await;
    let sent_at = app.now().to_rfc3339();
    let mut input = answer_input(&id, "RU", &sent_at);
    input["attachments"] = many(51, |i| json!({ "name": format!("Copy {i}"), "certifiedCopy": true }));
    input["justification"] = json!(text(20_001));
    let selection = "complaint { status answer { attachments { name } } }";
    let r = mutate(&app, &manager, "answerComplaint", "AnswerComplaintInput", selection, input.clone()).await;
    assert_eq!(
        r["userErrors"],
        json!([
            refusal("attachments", "TOO_MANY", "maxItems", 50),
            refusal("justification", "TOO_LONG", "maxLength", 20_000)
        ]),
        "both named in one answer: {r}"
    );
    assert_eq!(app.count("complaint_answer").await, 0, "nothing stored");

    input["attachments"] = many(50, |i| json!({ "name": format!("Copy {i}"), "certifiedCopy": true }));
    input["justification"] = json!(text(20_000));
    let r = mutate(&app, &manager, "answerComplaint", "AnswerComplaintInput", selection, input).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    assert_eq!(r["complaint"]["answer"]["attachments"].as_array().map(Vec::len), Some(50));
}

#[tokio::test]
async fn c03_c12_the_notes_and_the_oral_answer_have_at_most_20000_characters() {
    let app = TestApp::spawn().await;
    let (staff, manager) = kg(&app);
    let reg = |input: Value| mutate(&app, &staff, "registerComplaint", "RegisterComplaintInput", COMPLAINT, input);
    let mut oral = written("RU");
    oral["channel"] = json!("CALL_CENTRE");
    let oral_id = reg(oral).await["complaint"]["id"].clone();
    let mut suggestion = written("RU");
    suggestion["kind"] = json!("SUGGESTION");
    let suggestion_id = reg(suggestion).await["complaint"]["id"].clone();
    let abusive_id = reg(written("RU")).await["complaint"]["id"].clone();
    let long = text(20_001);
    let cases = [
        (
            "answerComplaintOrally",
            "AnswerComplaintOrallyInput",
            "answer",
            json!({ "complaintId": oral_id, "answer": long }),
        ),
        ("inviteComplainantToWrite", "InviteToWriteInput", "note", json!({ "complaintId": oral_id, "note": long })),
        (
            "leaveComplaintWithoutConsideration",
            "LeaveComplaintWithoutConsiderationInput",
            "note",
            json!({ "complaintId": abusive_id, "reason": "ABUSIVE", "note": long }),
        ),
        (
            "closeSuggestionWithoutAnswer",
            "CloseSuggestionInput",
            "note",
            json!({ "complaintId": suggestion_id, "note": long }),
        ),
    ];
    for (mutation, input_type, field, input) in cases {
        let r = mutate(&app, &manager, mutation, input_type, "complaint { status }", input).await;
        assert_eq!(r["userErrors"], json!([refusal(field, "TOO_LONG", "maxLength", 20_000)]), "{mutation}: {r}");
    }
    let q = "{ complaints(first: 10) { nodes { status closureNote } } }";
    let stored = app.gql(&staff, q, json!({})).await;
    assert!(
        stored["complaints"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .all(|c| c["status"] == "REGISTERED" && c["closureNote"].is_null()),
        "nothing stored: {stored}"
    );
    assert_eq!(app.count("complaint_answer").await, 0);
}

const APPLICATION: &str = "application { id status grounds { ground } requestedMeasures { measure } documents { name } documentRequests { items { kind } } }";

#[tokio::test]
async fn r05_an_application_states_at_most_20_grounds_20_measures_and_50_documents() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-12");
    let s = overdue_loan(&app, "A", "2026-03-10", json!({}), json!({})).await;
    let token = app.borrower_token(&app.orgs.kz_mfo, s.borrower);
    let document = |i| json!({ "kind": "OTHER", "name": format!("page-{i}.pdf") });
    let mut input = submission(&s.loan, &csid(1));
    input["grounds"] = many(21, |_| json!({ "ground": "MATERIAL_LOSS" }));
    input["requestedMeasures"] = many(21, |_| json!({ "measure": "DEFERRAL" }));
    input["documents"] = many(51, document);
    let submit = "submitRestructuringApplication";
    let r = mutate(&app, &token, submit, "SubmitRestructuringApplicationInput", APPLICATION, input.clone()).await;
    assert_eq!(
        r["userErrors"],
        json!([
            refusal("grounds", "TOO_MANY", "maxItems", 20),
            refusal("requestedMeasures", "TOO_MANY", "maxItems", 20),
            refusal("documents", "TOO_MANY", "maxItems", 50),
        ]),
        "{r}"
    );
    assert_eq!(app.count("restructuring_application").await, 0, "nothing stored, no number taken");

    input["clientSubmissionId"] = json!(csid(2));
    input["grounds"] = many(20, |_| json!({ "ground": "MATERIAL_LOSS" }));
    input["requestedMeasures"] = many(20, |_| json!({ "measure": "DEFERRAL" }));
    input["documents"] = many(50, document);
    let r = mutate(&app, &token, submit, "SubmitRestructuringApplicationInput", APPLICATION, input).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    let a = &r["application"];
    let len = |k: &str| a[k].as_array().map(Vec::len);
    assert_eq!((len("grounds"), len("requestedMeasures"), len("documents")), (Some(20), Some(20), Some(50)));

    // R6: a request asks for at most 50 documents, and an application holds at most 50 with
    // those provided later; over that nothing is stored.
    let staff = app.staff();
    let ask = |n| json!({ "applicationId": a["id"], "items": many(n, |i| json!({ "kind": "OTHER", "description": format!("Item {i}") })) });
    let request = "requestApplicationDocuments";
    let r = mutate(&app, &staff, request, "RequestApplicationDocumentsInput", APPLICATION, ask(51)).await;
    assert_eq!(r["userErrors"], json!([refusal("items", "TOO_MANY", "maxItems", 50)]), "{r}");
    assert_eq!(app.count("document_request").await, 0);
    let r = mutate(&app, &staff, request, "RequestApplicationDocumentsInput", APPLICATION, ask(50)).await;
    assert_eq!(r["application"]["documentRequests"][0]["items"].as_array().map(Vec::len), Some(50), "{r}");

    let provide = json!({ "applicationId": a["id"], "documents": [document(50)] });
    let p = "provideApplicationDocuments";
    let r = mutate(&app, &token, p, "ProvideApplicationDocumentsInput", APPLICATION, provide).await;
    assert_eq!(r["userErrors"], json!([refusal("documents", "TOO_MANY", "maxItems", 50)]), "{r}");
    let q = "query($id: ID!) { restructuringApplication(id: $id) { status documents { name } } }";
    let stored = app.gql(&staff, q, json!({ "id": a["id"] })).await["restructuringApplication"].clone();
    assert_eq!(stored["status"], "DOCUMENTS_REQUESTED", "nothing stored: {stored}");
    assert_eq!(stored["documents"].as_array().map(Vec::len), Some(50));
    let many_at_once = json!({ "applicationId": a["id"], "documents": many(51, document) });
    let r = mutate(&app, &token, p, "ProvideApplicationDocumentsInput", APPLICATION, many_at_once).await;
    assert_eq!(r["userErrors"], json!([refusal("documents", "TOO_MANY", "maxItems", 50)]), "{r}");
}

#[tokio::test]
async fn r01_r08_x6_reasons_notice_texts_and_contact_notes_have_at_most_20000_characters() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-12");
    let s = overdue_loan(&app, "A", "2026-03-10", json!({}), json!({})).await;
    let borrower = app.borrower_token(&app.orgs.kz_mfo, s.borrower);
    let a = mutate(
        &app,
        &borrower,
        "submitRestructuringApplication",
        "SubmitRestructuringApplicationInput",
        APPLICATION,
        submission(&s.loan, &csid(1)),
    )
    .await;
    let mut refuse = decide_input(&a["application"]["id"], "REFUSE");
    refuse["reasons"] = json!(text(20_001));
    let r = mutate(
        &app,
        &app.manager(),
        "decideRestructuringApplication",
        "DecideRestructuringApplicationInput",
        "application { status }",
        refuse,
    )
    .await;
    assert_eq!(r["userErrors"], json!([refusal("reasons", "TOO_LONG", "maxLength", 20_000)]), "{r}");
    assert_eq!(app.count("decision").await, 0);

    let notice = json!({ "loanId": s.loan, "sentAt": "2026-03-11T04:00:00Z", "channel": "SMS", "overdueAmount": "108750", "amountAsOf": "2026-03-12", "statesRightToApply": true, "statesConsequences": true, "text": text(20_001) });
    let r =
        mutate(&app, &app.staff(), "recordDelinquencyNotice", "RecordDelinquencyNoticeInput", "notice { id }", notice)
            .await;
    assert_eq!(r["userErrors"], json!([refusal("text", "TOO_LONG", "maxLength", 20_000)]), "{r}");
    assert_eq!(app.count("delinquency_notice").await, 0);

    assign(&app, uuid_of(&s.loan), &app.orgs.agency).await;
    let agency = app.mint(Role::CollectionAgency, app.orgs.agency.id, None, "agency-system");
    let mut c = contact(&s.loan, 1, "CALL", "2026-03-12T04:00:00Z");
    c["note"] = json!(text(20_001));
    let r = mutate(&app, &agency, "recordContact", "RecordContactInput", "contact { id }", c).await;
    assert_eq!(r["userErrors"], json!([refusal("note", "TOO_LONG", "maxLength", 20_000)]), "{r}");
    assert_eq!(app.count("contact_event").await, 0);
}

/// Each bounded list, aliased: at one item per list these documents cost a few thousand
/// units at most; weighed by their bounds they pass 20,000.
#[tokio::test]
async fn a_document_of_aliases_of_a_bounded_list_is_refused_by_the_complexity_limit() {
    let app = TestApp::spawn().await;
    let staff = app.staff();
    for (field, n) in [
        // 100 × (1 + 100) = 10,100 each (300 as one item)
        ("complaints(first: 100) { nodes { complainants { fullName } } }", 2),
        // 100 × (1 + 10) = 1,100 each (300)
        ("complaints(first: 100) { nodes { forwardedTo { name } } }", 19),
        // 100 × (2 + 50) = 5,200 each (400)
        ("complaints(first: 100) { nodes { answer { attachments { name } } } }", 4),
        // 100 × (1 + 20) = 2,100 each (300)
        ("restructuringApplications(first: 100) { nodes { grounds { ground } } }", 10),
        ("restructuringApplications(first: 100) { nodes { requestedMeasures { measure } } }", 10),
        // 100 × (1 + 50) = 5,100 each (300)
        ("restructuringApplications(first: 100) { nodes { documents { name } } }", 4),
        // 10 × (1 + 20 × 50) = 10,010 each (410)
        ("restructuringApplications(first: 10) { nodes { documentRequests { items { kind } } } }", 2),
        // 100 × (2 + 47) = 4,900 each (300): a misrepresentation's note of 2,000 characters
        ("contacts(first: 100) { nodes { misrepresentation { note } } }", 5),
    ] {
        refused_when_aliased(&app, &staff, field, n).await;
    }
}

#[tokio::test]
async fn the_statistics_weeks_and_counts_are_weighed_by_what_the_period_and_the_keys_allow() {
    // A limit of 2,000 units: the statistics lists are small, so a small limit shows them.
    let limits = mfo_api::graphql::Limits { complexity: 2_000, ..Default::default() };
    let app = TestApp::spawn_with(Options { limits, ..Options::default() }).await;
    let regulator = app.regulator(Jurisdiction::Kg);
    let stats = |selection: &str| {
        format!("regulatorStatistics(jurisdiction: KG, from: \"2026-01-04\", to: \"2027-01-04\") {{ {selection} }}")
    };
    // A year and a day from a Sunday meets 54 weeks: 1 + 54 × 4 = 217 each (6 as one row).
    let weeks = stats("complaintsByWeek { weekStart answeredOnTime answeredLate openOverdue }");
    let (_, one) = app.post(Some(&regulator), &aliases(1, &weeks), json!({})).await;
    assert_eq!(one["data"]["a0"]["complaintsByWeek"].as_array().map(Vec::len), Some(54), "{one}");
    refused_when_aliased(&app, &regulator, &weeks, 10).await;
    // 64 keys at most: 3 + 64 × 2 = 131 each (6 as one row).
    refused_when_aliased(&app, &regulator, &stats("total { escalations { byRule { key count } } }"), 16).await;
}

#[tokio::test]
async fn c09_a_statements_lists_are_weighed_by_their_page() {
    // A limit of 2,100 units. A statement with a list of 100 nodes weighs 1 + 100 × 2 = 201
    // (3 while the statement's lists were whole lists weighed as one item): 10 fit, 11 do not.
    let limits = mfo_api::graphql::Limits { complexity: 2_100, ..Default::default() };
    let app = TestApp::spawn_with(Options { limits, ..Options::default() }).await;
    on(&app, "2026-10-10");
    let s = overdue_loan(&app, "S", "2026-10-02", json!({}), json!({})).await;
    let staff = app.staff();
    for list in ["payments(first: 100) { nodes { amount } }", "nextPayments(first: 100) { nodes { amount } }"] {
        let field = format!("loanStatement(loanId: \"{}\") {{ {list} }}", s.loan);
        let (_, ten) = app.post(Some(&staff), &aliases(10, &field), json!({})).await;
        assert!(ten.get("errors").is_none(), "{list}: {ten}");
        refused_when_aliased(&app, &staff, &field, 11).await;
    }
    let field =
        format!("loanStatement(loanId: \"{}\") {{ allocations(last: 100) {{ nodes {{ toInterest }} }} }}", s.loan);
    refused_when_aliased(&app, &staff, &field, 11).await;
}

#[tokio::test]
async fn lists_of_enum_values_and_rule_ids_weigh_what_they_can_name() {
    let limits = mfo_api::graphql::Limits { complexity: 2_000, ..Default::default() };
    let app = TestApp::spawn_with(Options { limits, ..Options::default() }).await;
    let staff = app.staff();
    // MissingContent has 6 values: 100 × (1 + 6) = 700 each (200 as one value), so 2 fit, 3 do not.
    let missing = "complaints(first: 100) { nodes { missingContent } }";
    let (_, two) = app.post(Some(&staff), &aliases(2, missing), json!({})).await;
    assert!(two.get("errors").is_none(), "{two}");
    refused_when_aliased(&app, &staff, missing, 3).await;
    // A contact's violations name at most the 47 rule IDs: 30 × (1 + 47) = 1,440 each (60).
    refused_when_aliased(&app, &staff, "contacts(first: 30) { nodes { violations } }", 2).await;
}

#[tokio::test]
async fn a_bounded_text_weighs_its_bound_not_a_whole_request_body() {
    // 100 × 4,098 while an answer's text weighed a request body; 40 × 471 at 20,000 characters.
    let app = TestApp::spawn().await;
    let staff = app.staff();
    app.gql(&staff, "{ complaints(first: 40) { nodes { answer { text } } } }", json!({})).await;
    app.gql(&staff, "{ complaints(first: 40) { nodes { closureNote } } }", json!({})).await;
    app.gql(&staff, "{ contacts(first: 40) { nodes { note } } }", json!({})).await;
    let (_, body) = app.post(Some(&staff), "{ complaints(first: 50) { nodes { answer { text } } } }", json!({})).await;
    assert_too_complex(&body, "fifty answers' texts");
}

/// A constant of the dashboard's script: the text of `const <name> = `…`;`.
fn dashboard_constant(app_js: &str, name: &str) -> String {
    let start = app_js.find(&format!("const {name} = `")).map(|i| i + name.len() + 10);
    let text = start.and_then(|s| app_js[s..].find("`;").map(|e| &app_js[s..s + e]));
    text.unwrap_or_else(|| panic!("app.js has no {name}")).to_owned()
}

#[tokio::test]
async fn the_dashboards_statistics_query_over_the_longest_period_fits_the_default_limit() {
    let app_js = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/dashboard/app.js"))
        .expect("assets/dashboard/app.js");
    let figures = dashboard_constant(&app_js, "STATS_FIGURES");
    let query = dashboard_constant(&app_js, "Q_STATS").replace("${STATS_FIGURES}", &figures);
    assert!(query.contains("complaintsByWeek") && !query.contains("${"), "{query}");
    let app = TestApp::spawn().await;
    let vars = json!({ "j": "KG", "from": "2026-01-04", "to": "2027-01-04", "today": "2026-06-01", "mfo": null, "resp": null });
    let r = app.gql(&app.regulator(Jurisdiction::Kg), &query, vars).await;
    assert_eq!(r["period"]["complaintsByWeek"].as_array().map(Vec::len), Some(54), "{r}");
}
