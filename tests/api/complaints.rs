//! Complaints and requests, C1–C13 of docs/law.md, through the GraphQL endpoint.

use std::sync::Arc;

use chrono::Duration;
use entity::enums::{Jurisdiction, Role};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::auth::ws_connect;
use crate::helpers::fixtures::{RECORD_PAYMENT, borrower_with_loan};
use crate::helpers::{TestApp, at};

const FIELDS: &str = "id number journalSeq kind channel form status closureReason missingContent anonymous answerDueDate
    complainants { fullName address email } deadlines { kind rule status dueDate extensions }
    answer { ground signatoryName deliveredTo language oral attachments { name certifiedCopy } } extension { reason consumerNotifiedBy }";

fn register_query() -> String {
    format!(
        "mutation($input: RegisterComplaintInput!) {{ registerComplaint(input: $input) {{ complaint {{ {FIELDS} }} userErrors {{ field message code rule reason }} }} }}"
    )
}

pub(crate) async fn register(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(token, &register_query(), json!({ "input": input })).await["registerComplaint"].clone()
}

pub(crate) fn person(name: &str) -> Value {
    json!({ "fullName": name, "address": format!("{name} street 1, Bishkek"), "phone": "+996 555 111 222", "email": format!("{}@example.kg", name.to_lowercase()) })
}

/// A complete written complaint by post.
pub(crate) fn written(language: &str) -> Value {
    json!({
        "kind": "COMPLAINT", "channel": "POST", "language": language, "complainants": [person("Asel")],
        "substance": "The fee was charged twice.", "signed": true, "datedOn": "2026-11-20",
    })
}

/// Runs a step mutation taking `{ complaintId }` plus extra input; returns the payload.
async fn act(app: &TestApp, token: &str, mutation: &str, input_type: &str, input: Value) -> Value {
    let q = format!(
        "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ complaint {{ {FIELDS} }} userErrors {{ field message code rule reason params }} }} }}"
    );
    app.gql(token, &q, json!({ "input": input })).await[mutation].clone()
}

pub(crate) async fn forward(app: &TestApp, token: &str, id: &Value) -> Value {
    act(
        app,
        token,
        "forwardComplaint",
        "ForwardComplaintInput",
        json!({ "complaintId": id, "managers": [{ "name": "Ermek T.", "position": "Head of client service" }] }),
    )
    .await
}

pub(crate) async fn review(app: &TestApp, token: &str, id: &Value) -> Value {
    act(app, token, "startComplaintReview", "ComplaintRefInput", json!({ "complaintId": id })).await
}

pub(crate) fn answer_input(id: &Value, language: &str, sent_at: &str) -> Value {
    json!({
        "complaintId": id,
        "signatory": { "role": "CHAIRMAN", "fullName": "Ormotoev E. D." },
        "ground": "PARTIALLY_SATISFIED", "justification": "The second fee is refunded; the first was due.",
        "executorName": "Talasbaev E.", "executorContact": "+996 312 881990",
        "language": language, "deliveryChannel": "REGISTERED_MAIL", "sentAt": sent_at,
        "attachments": [{ "name": "Refund order", "certifiedCopy": true }],
    })
}

pub(crate) async fn answer(app: &TestApp, token: &str, input: Value) -> Value {
    act(app, token, "answerComplaint", "AnswerComplaintInput", input).await
}

pub(crate) fn kg(app: &TestApp) -> (String, String) {
    (app.staff_of(&app.orgs.kg_mfo), app.mint(Role::MfoManager, app.orgs.kg_mfo.id, None, "manager-kg"))
}

fn errors(payload: &Value) -> Vec<(Value, Value, Value)> {
    payload["userErrors"]
        .as_array()
        .expect("userErrors")
        .iter()
        .map(|e| (e["field"].clone(), e["code"].clone(), e["rule"].clone()))
        .collect()
}

fn deadline<'a>(complaint: &'a Value, kind: &str) -> &'a Value {
    complaint["deadlines"].as_array().expect("deadlines").iter().find(|d| d["kind"] == kind).unwrap_or(&Value::Null)
}

#[tokio::test]
async fn c01_every_channel_is_accepted_and_recorded() {
    let app = TestApp::spawn().await;
    let (staff, _) = kg(&app);
    let channels = [
        ("CALL_CENTRE", "ORAL"),
        ("WHATSAPP", "WRITTEN"),
        ("EMAIL", "WRITTEN"),
        ("COMPLAINT_BOOK", "WRITTEN"),
        ("WRITTEN_APPLICATION", "WRITTEN"),
        ("SOCIAL_NETWORK", "WRITTEN"),
        ("HEAD_OFFICE_PHONE", "ORAL"),
        ("POST", "WRITTEN"),
        ("PERSONAL_RECEPTION", "WRITTEN"),
        ("MOBILE_APP", "WRITTEN"),
    ];
    for (channel, form) in channels {
        let mut input = written("RU");
        input["channel"] = json!(channel);
        let r = register(&app, &staff, input).await;
        assert_eq!(r["userErrors"], json!([]), "{channel}: {r}");
        assert_eq!(r["complaint"]["channel"], channel);
        assert_eq!(r["complaint"]["form"], form, "{channel}");
    }
    assert_eq!(app.count("complaint").await, 10);
}

#[tokio::test]
async fn c02_a_complaint_lacking_everything_is_registered_with_its_gaps_named() {
    let app = TestApp::spawn().await;
    let (staff, _) = kg(&app);
    let r = register(&app, &staff, json!({ "kind": "COMPLAINT", "channel": "CALL_CENTRE", "language": "KY" })).await;
    assert_eq!(r["userErrors"], json!([]));
    let c = &r["complaint"];
    assert_eq!(c["status"], "REGISTERED");
    assert_eq!(c["number"], "2026/000001");
    assert_eq!(c["missingContent"], json!(["FULL_NAME", "ADDRESS", "CONTACTS", "SUBSTANCE"]));
    assert_eq!(deadline(c, "COMPLAINT_ANSWER")["status"], "OPEN", "it will be answered");
}

#[tokio::test]
async fn c03_an_anonymous_written_complaint_is_left_without_consideration_automatically() {
    let app = TestApp::spawn().await;
    let (staff, _) = kg(&app);
    let r = register(
        &app,
        &staff,
        json!({ "kind": "COMPLAINT", "channel": "POST", "language": "RU", "substance": "You are thieves." }),
    )
    .await;
    let c = &r["complaint"];
    assert_eq!(c["status"], "LEFT_WITHOUT_CONSIDERATION");
    assert_eq!(c["closureReason"], "ANONYMOUS");
    assert_eq!(c["anonymous"], true);
    assert_eq!(deadline(c, "COMPLAINT_ANSWER")["status"], "CANCELLED", "its deadline closes");
    let journal =
        app.gql(&staff, "{ complaintJournal(year: 2026) { edges { node { number status } } } }", json!({})).await;
    assert_eq!(journal["complaintJournal"]["edges"][0]["node"]["number"], c["number"], "it stays in the journal");
    // A written one with only a postal address is not anonymous, just incomplete.
    let r = register(&app, &staff, json!({ "kind": "COMPLAINT", "channel": "POST", "language": "RU", "complainants": [{ "address": "Bishkek, Manas 1" }] })).await;
    assert_eq!(r["complaint"]["status"], "REGISTERED");
    assert_eq!(r["complaint"]["missingContent"], json!(["FULL_NAME", "CONTACTS", "SUBSTANCE", "SIGNATURE", "DATE"]));
}

#[tokio::test]
async fn c03_a_manager_leaves_an_abusive_written_complaint_without_consideration() {
    let app = TestApp::spawn().await;
    let (staff, manager) = kg(&app);
    let c = register(&app, &staff, written("RU")).await["complaint"].clone();
    let input = json!({ "complaintId": c["id"], "reason": "ABUSIVE", "note": "Threats against the branch director." });
    let code = app
        .error_code(&staff, "mutation($input: LeaveComplaintWithoutConsiderationInput!) { leaveComplaintWithoutConsideration(input: $input) { userErrors { code } } }", json!({ "input": input }))
        .await;
    assert_eq!(code, "FORBIDDEN", "a manager's decision");
    let r = act(&app, &manager, "leaveComplaintWithoutConsideration", "LeaveComplaintWithoutConsiderationInput", input)
        .await;
    assert_eq!(r["complaint"]["status"], "LEFT_WITHOUT_CONSIDERATION");
    assert_eq!(r["complaint"]["closureReason"], "ABUSIVE");
    assert_eq!(deadline(&r["complaint"], "COMPLAINT_ANSWER")["status"], "CANCELLED");
    assert_eq!(r["complaint"]["answerDueDate"], Value::Null, "no live answer date once none is owed");
    assert_eq!(
        c["answerDueDate"],
        deadline(&r["complaint"], "COMPLAINT_ANSWER")["dueDate"],
        "the date stays in deadlines"
    );

    let empty = register(&app, &staff, written("RU")).await["complaint"].clone();
    let r = act(
        &app,
        &manager,
        "leaveComplaintWithoutConsideration",
        "LeaveComplaintWithoutConsiderationInput",
        json!({ "complaintId": empty["id"], "reason": "ABUSIVE", "note": " " }),
    )
    .await;
    assert_eq!(errors(&r), vec![(json!(["input", "note"]), json!("RULE_VIOLATION"), json!("C3"))]);
    let mut oral = written("RU");
    oral["channel"] = json!("CALL_CENTRE");
    let oral = register(&app, &staff, oral).await["complaint"].clone();
    let r = act(
        &app,
        &manager,
        "leaveComplaintWithoutConsideration",
        "LeaveComplaintWithoutConsiderationInput",
        json!({ "complaintId": oral["id"], "reason": "ABUSIVE", "note": "shouting" }),
    )
    .await;
    assert_eq!(r["userErrors"][0]["rule"], "C3", "only written complaints: {r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn c04_fifty_concurrent_registrations_get_numbers_1_to_50_without_gaps() {
    let app = Arc::new(TestApp::spawn().await);
    let (staff, _) = kg(&app);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let app = app.clone();
            let staff = staff.clone();
            tokio::spawn(async move { register(&app, &staff, written("KY")).await["complaint"]["journalSeq"].as_i64() })
        })
        .collect();
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.expect("join").expect("a number"));
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=50).collect::<Vec<i64>>());
    // The journal lists them in number order, in pages.
    let q = "query($after: String) { complaintJournal(year: 2026, first: 30, after: $after) { edges { node { journalSeq } } pageInfo { hasNextPage endCursor } } }";
    let page1 = app.gql(&staff, q, json!({})).await;
    let page2 = app.gql(&staff, q, json!({ "after": page1["complaintJournal"]["pageInfo"]["endCursor"] })).await;
    let seqs: Vec<i64> = [&page1, &page2]
        .iter()
        .flat_map(|p| {
            p["complaintJournal"]["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"]["journalSeq"].as_i64().expect("seq"))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(seqs, (1..=50).collect::<Vec<i64>>());
    // Another MFO has its own journal; a new year starts again at 1.
    let other = register(&app, &app.staff_of(&app.orgs.kz_mfo), written("RU")).await;
    assert_eq!(other["complaint"]["number"], "2026/000001");
    app.clock.set(at("2027-01-04T04:00:00Z"));
    let (staff, _) = kg(&app);
    let next_year = register(&app, &staff, written("KY")).await;
    assert_eq!(next_year["complaint"]["number"], "2027/000001");
}

#[tokio::test]
async fn c04_a_written_complaint_registered_late_breaches_the_one_business_day_rule() {
    let app = TestApp::spawn().await;
    // Tuesday 2026-11-24, 10:00 in Bishkek.
    app.clock.set(at("2026-11-24T04:00:00Z"));
    let (staff, _) = kg(&app);
    let mut late = written("RU");
    late["channel"] = json!("COMPLAINT_BOOK");
    late["branch"] = json!("Osh branch");
    late["receivedAt"] = json!("2026-11-20T08:00:00Z"); // Friday
    let c = register(&app, &staff, late).await["complaint"].clone();
    assert_eq!(deadline(&c, "COMPLAINT_REGISTRATION")["status"], "MISSED", "{c}");
    assert_eq!(deadline(&c, "COMPLAINT_REGISTRATION")["dueDate"], "2026-11-23");
    let regulator = app.regulator(Jurisdiction::Kg);
    let esc = app.gql(&regulator, "{ escalations { edges { node { rule kind subjectId } } } }", json!({})).await;
    assert_eq!(esc["escalations"]["edges"][0]["node"]["rule"], "C4");
    assert_eq!(esc["escalations"]["edges"][0]["node"]["subjectId"], c["id"]);

    let mut in_time = written("RU");
    in_time["channel"] = json!("COMPLAINT_BOOK");
    in_time["receivedAt"] = json!("2026-11-23T08:00:00Z"); // Monday
    let c = register(&app, &staff, in_time).await["complaint"].clone();
    assert_eq!(deadline(&c, "COMPLAINT_REGISTRATION")["status"], "MET");
    assert_eq!(app.count("escalation").await, 1);
}

#[tokio::test]
async fn c05_an_emailed_complaint_is_acknowledged_by_the_next_business_day() {
    let app = TestApp::spawn().await;
    app.clock.set(at("2026-11-20T04:00:00Z")); // Friday
    let (staff, _) = kg(&app);
    let mut email = written("RU");
    email["channel"] = json!("EMAIL");
    let acked = register(&app, &staff, email.clone()).await["complaint"].clone();
    assert_eq!(deadline(&acked, "COMPLAINT_ACKNOWLEDGEMENT")["dueDate"], "2026-11-23");
    let forgotten = register(&app, &staff, email).await["complaint"].clone();
    let r = act(
        &app,
        &staff,
        "acknowledgeComplaint",
        "AcknowledgeComplaintInput",
        json!({ "complaintId": acked["id"], "channel": "EMAIL" }),
    )
    .await;
    assert_eq!(deadline(&r["complaint"], "COMPLAINT_ACKNOWLEDGEMENT")["status"], "MET");
    let again = act(
        &app,
        &staff,
        "acknowledgeComplaint",
        "AcknowledgeComplaintInput",
        json!({ "complaintId": acked["id"], "channel": "PHONE" }),
    )
    .await;
    assert_eq!(again["userErrors"][0]["code"], "CONFLICT");
    assert_eq!(again["userErrors"][0]["reason"], "ALREADY_DONE", "{again}");
    // Monday passes.
    app.clock.set(at("2026-11-23T18:30:00Z"));
    app.scanner("s").tick().await.expect("tick");
    let regulator = app.regulator(Jurisdiction::Kg);
    let esc = app
        .gql(&regulator, "{ escalations(filter: { rule: \"C5\" }) { edges { node { subjectId } } } }", json!({}))
        .await;
    let subjects: Vec<&Value> =
        esc["escalations"]["edges"].as_array().expect("edges").iter().map(|e| &e["node"]["subjectId"]).collect();
    assert_eq!(subjects, vec![&forgotten["id"]]);
}

#[tokio::test]
async fn c06_phone_complaints_are_registered_in_the_journal() {
    let app = TestApp::spawn().await;
    let (staff, _) = kg(&app);
    let mut phone = written("KY");
    phone["channel"] = json!("HEAD_OFFICE_PHONE");
    let c = register(&app, &staff, phone).await["complaint"].clone();
    assert_eq!((c["form"].as_str(), c["number"].as_str()), (Some("ORAL"), Some("2026/000001")));
    let journal = app.gql(&staff, "{ complaintJournal(year: 2026) { edges { node { channel } } } }", json!({})).await;
    assert_eq!(journal["complaintJournal"]["edges"][0]["node"]["channel"], "HEAD_OFFICE_PHONE");
}

/// The audit trail of a complaint registered, forwarded, reviewed and answered (C7).
const ANSWERED_TRAIL: [&str; 5] = [
    "complaint.registered",
    "complaint.forwarded",
    "complaint.review_started",
    "complaint.answered",
    "complaint_answer.created",
];

#[tokio::test]
async fn c07_steps_run_register_forward_review_answer_and_others_are_conflicts() {
    let app = TestApp::spawn().await;
    let (staff, manager) = kg(&app);
    let c = register(&app, &staff, written("RU")).await["complaint"].clone();
    let sent = "2026-11-23T04:10:00Z";
    let early = answer(&app, &manager, answer_input(&c["id"], "RU", sent)).await;
    assert_eq!(early["userErrors"][0]["code"], "CONFLICT", "not reviewed yet: {early}");
    assert_eq!(early["userErrors"][0]["reason"], "OUT_OF_STEP_ORDER", "C7: {early}");
    assert_eq!(review(&app, &staff, &c["id"]).await["userErrors"][0]["code"], "CONFLICT", "not forwarded yet");
    assert_eq!(forward(&app, &staff, &c["id"]).await["complaint"]["status"], "FORWARDED");
    assert_eq!(forward(&app, &staff, &c["id"]).await["userErrors"][0]["code"], "CONFLICT");
    assert_eq!(review(&app, &staff, &c["id"]).await["complaint"]["status"], "UNDER_REVIEW");
    app.advance(Duration::minutes(30));
    let done = answer(&app, &manager, answer_input(&c["id"], "RU", sent)).await;
    assert_eq!(done["complaint"]["status"], "ANSWERED", "{done}");
    assert_eq!(deadline(&done["complaint"], "COMPLAINT_ANSWER")["status"], "MET");
    assert_eq!(forward(&app, &staff, &c["id"]).await["userErrors"][0]["code"], "CONFLICT", "answered is final");
    assert_eq!(app.audit_actions(&staff, &c["id"]).await, ANSWERED_TRAIL);
}

/// The same step sent by several desks at once (or one tool retrying without an id): the
/// complaint moves once, its answer is stored once and each step is audited once; the
/// others are out of step, as if they had come later (C7).
#[tokio::test]
async fn c07_concurrent_steps_on_one_complaint_apply_once() {
    let app = TestApp::spawn().await;
    let (staff, manager) = kg(&app);
    let c = register(&app, &staff, written("RU")).await["complaint"].clone();
    let sent = "2026-11-23T04:10:00Z";
    let forwards = futures_util::future::join_all((0..6).map(|_| forward(&app, &staff, &c["id"]))).await;
    TestApp::applied_once(&forwards, "complaintId", "forward");
    let reviews = futures_util::future::join_all((0..6).map(|_| review(&app, &staff, &c["id"]))).await;
    TestApp::applied_once(&reviews, "complaintId", "review");
    app.advance(Duration::minutes(30));
    let answers =
        futures_util::future::join_all((0..6).map(|_| answer(&app, &manager, answer_input(&c["id"], "RU", sent))))
            .await;
    TestApp::applied_once(&answers, "complaintId", "answer");
    assert_eq!(app.audit_actions(&staff, &c["id"]).await, ANSWERED_TRAIL);
}

#[tokio::test]
async fn c07_a_suggestion_may_be_closed_without_an_answer_a_complaint_may_not() {
    let app = TestApp::spawn().await;
    let (staff, _) = kg(&app);
    let mut suggestion = written("KY");
    suggestion["kind"] = json!("SUGGESTION");
    let s = register(&app, &staff, suggestion).await["complaint"].clone();
    assert_eq!(s["answerDueDate"], Value::Null, "no answer is owed");
    let r = act(
        &app,
        &staff,
        "closeSuggestionWithoutAnswer",
        "CloseSuggestionInput",
        json!({ "complaintId": s["id"], "note": "Thanks, noted." }),
    )
    .await;
    assert_eq!(r["complaint"]["status"], "CLOSED_WITHOUT_ANSWER");
    let c = register(&app, &staff, written("KY")).await["complaint"].clone();
    let r =
        act(&app, &staff, "closeSuggestionWithoutAnswer", "CloseSuggestionInput", json!({ "complaintId": c["id"] }))
            .await;
    assert_eq!(errors(&r), vec![(json!(["input", "complaintId"]), json!("RULE_VIOLATION"), json!("C7"))]);
}

#[tokio::test]
async fn c08_the_answer_is_due_in_10_kg_business_days_across_the_new_year() {
    let app = TestApp::spawn().await;
    app.clock.set(at("2025-12-29T04:00:00Z"));
    let (staff, _) = kg(&app);
    let c = register(&app, &staff, written("KY")).await["complaint"].clone();
    assert_eq!(c["answerDueDate"], "2026-01-19");
    // Still due on the 19th; late from midnight Bishkek time.
    app.clock.set(at("2026-01-19T17:59:00Z"));
    assert_eq!(app.scanner("s").tick().await.expect("tick").missed, 0);
    app.clock.set(at("2026-01-19T18:00:00Z"));
    assert_eq!(app.scanner("s").tick().await.expect("tick").missed, 1);
    let esc = app
        .gql(&app.regulator(Jurisdiction::Kg), "{ escalations { edges { node { rule subjectId } } } }", json!({}))
        .await;
    assert_eq!(esc["escalations"]["edges"][0]["node"]["rule"], "C8");
}

#[tokio::test]
async fn c08_the_answer_is_due_in_10_kg_business_days_across_the_may_holidays() {
    let app = TestApp::spawn().await;
    app.clock.set(at("2026-04-24T04:00:00Z"));
    let (staff, _) = kg(&app);
    let c = register(&app, &staff, written("RU")).await["complaint"].clone();
    assert_eq!(c["answerDueDate"], "2026-05-18");
}

#[tokio::test]
async fn c08_the_manager_extends_the_deadline_once_and_only_once() {
    let app = TestApp::spawn().await;
    app.clock.set(at("2025-12-29T04:00:00Z"));
    let (staff, manager) = kg(&app);
    let c = register(&app, &staff, written("KY")).await["complaint"].clone();
    let input = json!({ "complaintId": c["id"], "reason": "The branch's cash records must be checked.", "consumerNotice": { "channel": "EMAIL", "sentAt": "2025-12-29T03:30:00Z" } });
    let code = app.error_code(&staff, "mutation($input: ExtendComplaintDeadlineInput!) { extendComplaintDeadline(input: $input) { userErrors { code } } }", json!({ "input": input.clone() })).await;
    assert_eq!(code, "FORBIDDEN", "the responsible manager extends");
    let r = act(&app, &manager, "extendComplaintDeadline", "ExtendComplaintDeadlineInput", input.clone()).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    assert_eq!(r["complaint"]["answerDueDate"], "2026-02-02", "ten more business days");
    assert_eq!(deadline(&r["complaint"], "COMPLAINT_ANSWER")["extensions"], 1);
    assert_eq!(r["complaint"]["extension"]["consumerNotifiedBy"], "EMAIL");
    let second = act(&app, &manager, "extendComplaintDeadline", "ExtendComplaintDeadlineInput", input).await;
    assert_eq!(errors(&second), vec![(json!(["input", "complaintId"]), json!("RULE_VIOLATION"), json!("C8"))]);
    // The specific reason a program switches on, with no particulars.
    assert_eq!(second["userErrors"][0]["reason"], "EXTENSION_ALREADY_USED", "{second}");
    assert_eq!(second["userErrors"][0]["params"], json!({}), "{second}");
    let missing_notice = json!({ "complaintId": c["id"], "reason": " ", "consumerNotice": { "channel": "EMAIL", "sentAt": "2025-12-29T05:00:00Z" } });
    let r = act(&app, &manager, "extendComplaintDeadline", "ExtendComplaintDeadlineInput", missing_notice).await;
    assert_eq!(r["userErrors"][0]["field"], json!(["input", "reason"]));
    // A blank required value has its specific reason, not the broad INVALID_VALUE.
    assert_eq!(r["userErrors"][0]["reason"], "REQUIRED", "{r}");
}

#[tokio::test]
async fn c09_a_loan_statement_has_all_seven_items() {
    let app = TestApp::spawn().await;
    let (borrower, _, loan) = borrower_with_loan(&app, &app.orgs.kg_mfo, "K1", "2026-09-01").await;
    let staff = app.staff_of(&app.orgs.kg_mfo);
    let pay = json!({ "input": { "loanId": loan, "externalId": "P1", "paidAt": "2026-10-01T06:00:00Z", "amount": "108750" } });
    app.gql(&staff, RECORD_PAYMENT, pay).await;
    let token = app.borrower_token(&app.orgs.kg_mfo, borrower);
    let q = "query($id: ID!) { loanStatement(loanId: $id) { asOf amountPaid payments { nodes { amount } } nextPayments { nodes { installmentSeq dueDate amount } } overdue { since amount } allocations { nodes { paymentExternalId installmentSeq toInterest toPrincipal } } earlyRepayment { full partialMinimum accruedInterest } principalBalance creditLimit } }";
    let s = app.gql(&token, q, json!({ "id": loan })).await["loanStatement"].clone();
    assert_eq!(s["asOf"], "2026-11-23");
    assert_eq!(s["amountPaid"], "108750.00", "1");
    assert_eq!(
        s["nextPayments"]["nodes"],
        json!([{ "installmentSeq": 3, "dueDate": "2026-12-01", "amount": "108750.00" }]),
        "2"
    );
    assert_eq!(s["overdue"], json!({ "since": "2026-11-02", "amount": "108750.00" }), "3");
    assert_eq!(
        s["allocations"]["nodes"],
        json!([{ "paymentExternalId": "P1", "installmentSeq": 1, "toInterest": "8750.00", "toPrincipal": "100000.00" }]),
        "4"
    );
    // 22 of 30 days of the December period have run: 8750 * 22 / 30 = 6416.67.
    assert_eq!(s["earlyRepayment"]["accruedInterest"], "6416.67", "5");
    assert_eq!(s["earlyRepayment"]["full"], "215166.67", "5: 200000 + 8750 overdue interest + 6416.67 accrued");
    assert_eq!(s["earlyRepayment"]["partialMinimum"], "115166.67");
    assert_eq!(s["principalBalance"], "200000.00", "6");
    assert_eq!(s["creditLimit"], "300000.00", "7");
}

#[tokio::test]
async fn c09_a_statements_payments_allocations_and_next_payments_are_paged_both_ways() {
    let app = TestApp::spawn().await;
    let (borrower, _, loan) = borrower_with_loan(&app, &app.orgs.kg_mfo, "K2", "2026-10-20").await;
    let staff = app.staff_of(&app.orgs.kg_mfo);
    for (n, paid_at) in [(1, "2026-10-21T06:00:00Z"), (2, "2026-10-22T06:00:00Z"), (3, "2026-10-23T06:00:00Z")] {
        let pay =
            json!({ "input": { "loanId": loan, "externalId": format!("P{n}"), "paidAt": paid_at, "amount": "50000" } });
        app.gql(&staff, RECORD_PAYMENT, pay).await;
    }
    let token = app.borrower_token(&app.orgs.kg_mfo, borrower);
    let read = |list: &str, args: &str, node: &str| {
        format!(
            "query($id: ID!) {{ loanStatement(loanId: $id) {{ {list}{args} {{ nodes {{ {node} }} edges {{ cursor }} \
             pageInfo {{ hasNextPage hasPreviousPage }} totalCount }} }} }}"
        )
    };
    for (list, node) in [
        ("payments", "externalId amount"),
        ("allocations", "paymentExternalId installmentSeq toInterest toPrincipal"),
        ("nextPayments", "installmentSeq dueDate amount"),
    ] {
        let whole = app.gql(&token, &read(list, "", node), json!({ "id": loan })).await["loanStatement"][list].clone();
        let all = whole["nodes"].as_array().expect("nodes").clone();
        assert!(all.len() >= 2, "{list}: {whole}");
        assert_eq!(whole["totalCount"], all.len(), "{list}");
        // Forward a node at a time, then backward from the end: the same nodes in the same order.
        let (mut forward, mut after) = (Vec::new(), None::<String>);
        loop {
            let args = after.as_ref().map_or("(first: 1)".to_owned(), |c| format!("(first: 1, after: \"{c}\")"));
            let page =
                app.gql(&token, &read(list, &args, node), json!({ "id": loan })).await["loanStatement"][list].clone();
            forward.extend(page["nodes"].as_array().expect("nodes").iter().cloned());
            assert_eq!(page["pageInfo"]["hasPreviousPage"], after.is_some(), "{list}: {page}");
            if page["pageInfo"]["hasNextPage"] != json!(true) {
                break;
            }
            after = page["edges"][0]["cursor"].as_str().map(str::to_owned);
        }
        assert_eq!(forward, all, "{list}: forward");
        let (mut backward, mut before) = (Vec::new(), None::<String>);
        loop {
            let args = before.as_ref().map_or("(last: 1)".to_owned(), |c| format!("(last: 1, before: \"{c}\")"));
            let page =
                app.gql(&token, &read(list, &args, node), json!({ "id": loan })).await["loanStatement"][list].clone();
            backward.splice(0..0, page["nodes"].as_array().expect("nodes").iter().cloned());
            if page["pageInfo"]["hasPreviousPage"] != json!(true) {
                break;
            }
            before = page["edges"][0]["cursor"].as_str().map(str::to_owned);
        }
        assert_eq!(backward, all, "{list}: backward");
    }
    // Three payments of 50,000 over installments of 108,750: the third finishes the first
    // installment and starts the second, so allocations outnumber payments; the second and
    // third installments are still to pay.
    let allocations =
        app.gql(&token, &read("allocations", "", "paymentExternalId installmentSeq"), json!({ "id": loan })).await;
    assert_eq!(
        allocations["loanStatement"]["allocations"]["nodes"],
        json!([
            { "paymentExternalId": "P1", "installmentSeq": 1 },
            { "paymentExternalId": "P2", "installmentSeq": 1 },
            { "paymentExternalId": "P3", "installmentSeq": 1 },
            { "paymentExternalId": "P3", "installmentSeq": 2 },
        ])
    );
}

/// An information request answered from two desks at once is answered once (C9): one
/// answer recorded and audited, the other already done.
#[tokio::test]
async fn c09_concurrent_answers_to_one_information_request_record_one() {
    let app = TestApp::spawn().await;
    app.clock.set(at("2026-04-30T04:00:00Z"));
    let (borrower, _, loan) = borrower_with_loan(&app, &app.orgs.kg_mfo, "K1", "2026-01-20").await;
    let token = app.borrower_token(&app.orgs.kg_mfo, borrower);
    let staff = app.staff_of(&app.orgs.kg_mfo);
    let m = "mutation($input: RequestLoanInformationInput!) { requestLoanInformation(input: $input) { infoRequest { id } } }";
    let answer = "mutation($input: AnswerLoanInformationRequestInput!) { answerLoanInformationRequest(input: $input) { infoRequest { status } userErrors { field code } } }";
    for round in 0..4 {
        let csid = format!("0b5e5b55-0000-4000-8000-00000000001{round}");
        let input = json!({ "input": { "clientSubmissionId": csid, "loanId": loan } });
        let id = app.gql(&token, m, input).await["requestLoanInformation"]["infoRequest"]["id"].clone();
        let answers = futures_util::future::join_all((0..8).map(|k| {
            let input = json!({ "input": { "infoRequestId": id, "channel": format!("desk {k}") } });
            let (app, staff) = (&app, staff.clone());
            async move { app.gql(&staff, answer, input).await["answerLoanInformationRequest"].clone() }
        }))
        .await;
        TestApp::applied_once(&answers, "infoRequestId", &format!("answer, round {round}"));
        let trail = app.audit_actions(&staff, &id).await;
        assert_eq!(trail.iter().filter(|a| a.ends_with("answered")).count(), 1, "round {round}: {trail:?}");
    }
}

#[tokio::test]
async fn c09_information_requests_are_answered_in_5_business_days_and_one_a_month_is_free() {
    let app = TestApp::spawn().await;
    app.clock.set(at("2026-04-30T04:00:00Z"));
    let (borrower, _, loan) = borrower_with_loan(&app, &app.orgs.kg_mfo, "K1", "2026-01-20").await;
    let token = app.borrower_token(&app.orgs.kg_mfo, borrower);
    let m = "mutation($input: RequestLoanInformationInput!) { requestLoanInformation(input: $input) { infoRequest { id beyondFreeMonthlyRequest answerDueDate status statement { principalBalance } } userErrors { field code rule } } }";
    let ask = |csid: &str| json!({ "input": { "clientSubmissionId": csid, "loanId": loan } });
    let first = app.gql(&token, m, ask("0b5e5b55-0000-4000-8000-000000000001")).await["requestLoanInformation"].clone();
    assert_eq!(first["infoRequest"]["beyondFreeMonthlyRequest"], false);
    assert_eq!(first["infoRequest"]["answerDueDate"], "2026-05-15", "five KG business days across the May holidays");
    let retry = app.gql(&token, m, ask("0b5e5b55-0000-4000-8000-000000000001")).await["requestLoanInformation"].clone();
    assert_eq!(retry["infoRequest"]["id"], first["infoRequest"]["id"], "a retry is the same request");
    let second =
        app.gql(&token, m, ask("0b5e5b55-0000-4000-8000-000000000002")).await["requestLoanInformation"].clone();
    assert_eq!(second["infoRequest"]["beyondFreeMonthlyRequest"], true, "registered, but beyond the free one");
    app.clock.set(at("2026-05-11T04:00:00Z"));
    let token = app.borrower_token(&app.orgs.kg_mfo, borrower);
    let may = app.gql(&token, m, ask("0b5e5b55-0000-4000-8000-000000000003")).await["requestLoanInformation"].clone();
    assert_eq!(may["infoRequest"]["beyondFreeMonthlyRequest"], false, "a new month");
    assert_eq!(app.count("info_request").await, 3);

    let staff = app.staff_of(&app.orgs.kg_mfo);
    let answer = "mutation($input: AnswerLoanInformationRequestInput!) { answerLoanInformationRequest(input: $input) { infoRequest { status } userErrors { code } } }";
    let r = app
        .gql(
            &staff,
            answer,
            json!({ "input": { "infoRequestId": first["infoRequest"]["id"], "channel": "in writing at the branch" } }),
        )
        .await;
    assert_eq!(r["answerLoanInformationRequest"]["infoRequest"]["status"], "ANSWERED");
    // The second request was never answered: its deadline passes on 2026-05-15.
    app.clock.set(at("2026-05-15T18:00:00Z"));
    app.scanner("s").tick().await.expect("tick");
    let esc = app
        .gql(
            &app.regulator(Jurisdiction::Kg),
            "{ escalations(filter: { rule: \"C9\" }) { edges { node { subjectId } } } }",
            json!({}),
        )
        .await;
    assert_eq!(esc["escalations"]["edges"].as_array().map(Vec::len), Some(1));
    assert_eq!(esc["escalations"]["edges"][0]["node"]["subjectId"], second["infoRequest"]["id"]);
}

#[tokio::test]
async fn c09_a_loan_no_longer_serviced_is_refused_and_the_app_must_send_a_submission_id() {
    let app = TestApp::spawn().await;
    let (borrower, _, loan) = borrower_with_loan(&app, &app.orgs.kg_mfo, "K1", "2026-09-01").await;
    let staff = app.staff_of(&app.orgs.kg_mfo);
    let mut closed = crate::helpers::fixtures::loan_input("L-K1", "K1", "2026-09-01");
    closed["status"] = json!("CLOSED");
    app.gql(&staff, crate::helpers::fixtures::UPSERT_LOAN, json!({ "input": closed })).await;
    let token = app.borrower_token(&app.orgs.kg_mfo, borrower);
    let m = "mutation($input: RequestLoanInformationInput!) { requestLoanInformation(input: $input) { userErrors { field code rule } } }";
    let r = app
        .gql(
            &token,
            m,
            json!({ "input": { "clientSubmissionId": "0b5e5b55-0000-4000-8000-000000000009", "loanId": loan } }),
        )
        .await;
    assert_eq!(r["requestLoanInformation"]["userErrors"][0]["rule"], "C9");
    let r = app.gql(&token, m, json!({ "input": { "loanId": loan } })).await;
    assert_eq!(r["requestLoanInformation"]["userErrors"][0]["field"], json!(["input", "clientSubmissionId"]));
}

async fn under_review(app: &TestApp, staff: &str, input: Value) -> Value {
    let c = register(app, staff, input).await["complaint"].clone();
    forward(app, staff, &c["id"]).await;
    review(app, staff, &c["id"]).await;
    c
}

#[tokio::test]
async fn c10_the_answer_is_signed_grounded_names_its_executor_and_speaks_the_complaints_language() {
    let app = TestApp::spawn().await;
    let (staff, manager) = kg(&app);
    let c = under_review(&app, &staff, written("KY")).await;
    app.advance(Duration::hours(1));
    let sent = "2026-11-23T04:30:00Z";
    let code = app
        .error_code(
            &staff,
            "mutation($input: AnswerComplaintInput!) { answerComplaint(input: $input) { userErrors { code } } }",
            json!({ "input": answer_input(&c["id"], "KY", sent) }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN", "signed by the responsible manager");
    let wrong = answer(&app, &manager, answer_input(&c["id"], "RU", sent)).await;
    assert_eq!(errors(&wrong), vec![(json!(["input", "language"]), json!("RULE_VIOLATION"), json!("C10"))]);
    let mut blank = answer_input(&c["id"], "KY", sent);
    blank["justification"] = json!("");
    blank["executorContact"] = json!(" ");
    let r = answer(&app, &manager, blank).await;
    let fields: Vec<Value> = errors(&r).into_iter().map(|(f, _, _)| f).collect();
    assert_eq!(fields, vec![json!(["input", "justification"]), json!(["input", "executorContact"])]);
    let mut future = answer_input(&c["id"], "KY", "2030-01-01T00:00:00Z");
    future["language"] = json!("KY");
    assert_eq!(answer(&app, &manager, future).await["userErrors"][0]["field"], json!(["input", "sentAt"]));
    let ok = answer(&app, &manager, answer_input(&c["id"], "KY", sent)).await;
    assert_eq!(ok["userErrors"], json!([]), "{ok}");
    let a = &ok["complaint"]["answer"];
    assert_eq!((a["ground"].as_str(), a["language"].as_str()), (Some("PARTIALLY_SATISFIED"), Some("KY")));
    assert_eq!(a["attachments"], json!([{ "name": "Refund order", "certifiedCopy": true }]));
}

#[tokio::test]
async fn c11_a_collective_answer_goes_to_the_first_address_unless_another_is_named() {
    let app = TestApp::spawn().await;
    let (staff, manager) = kg(&app);
    let mut collective = written("RU");
    collective["complainants"] = json!([person("First"), person("Second"), person("Third")]);
    let first = under_review(&app, &staff, collective.clone()).await;
    collective["answerAddress"] = json!("Bishkek, Erkindik 5, for the tenants' committee");
    let named = under_review(&app, &staff, collective).await;
    app.advance(Duration::hours(1));
    let sent = "2026-11-23T04:30:00Z";
    let r = answer(&app, &manager, answer_input(&first["id"], "RU", sent)).await;
    assert_eq!(r["complaint"]["answer"]["deliveredTo"], "First street 1, Bishkek");
    let r = answer(&app, &manager, answer_input(&named["id"], "RU", sent)).await;
    assert_eq!(r["complaint"]["answer"]["deliveredTo"], "Bishkek, Erkindik 5, for the tenants' committee");
}

#[tokio::test]
async fn c12_an_oral_complaint_is_answered_on_the_spot_or_the_consumer_is_invited_to_write() {
    let app = TestApp::spawn().await;
    let (staff, _) = kg(&app);
    let mut oral = written("KY");
    oral["channel"] = json!("CALL_CENTRE");
    let a = register(&app, &staff, oral.clone()).await["complaint"].clone();
    let r = act(
        &app,
        &staff,
        "answerComplaintOrally",
        "AnswerComplaintOrallyInput",
        json!({ "complaintId": a["id"], "answer": "The payment arrived on the 3rd; no penalty applies." }),
    )
    .await;
    assert_eq!(r["complaint"]["status"], "ANSWERED_ORALLY");
    assert_eq!(r["complaint"]["answer"]["oral"], true);
    assert_eq!(deadline(&r["complaint"], "COMPLAINT_ANSWER")["status"], "MET");
    let b = register(&app, &staff, oral).await["complaint"].clone();
    let r = act(
        &app,
        &staff,
        "inviteComplainantToWrite",
        "InviteToWriteInput",
        json!({ "complaintId": b["id"], "note": "Needs the branch's records." }),
    )
    .await;
    assert_eq!(r["complaint"]["status"], "INVITED_TO_WRITE");
    let w = register(&app, &staff, written("KY")).await["complaint"].clone();
    let r = act(
        &app,
        &staff,
        "answerComplaintOrally",
        "AnswerComplaintOrallyInput",
        json!({ "complaintId": w["id"], "answer": "…" }),
    )
    .await;
    assert_eq!(errors(&r), vec![(json!(["input", "complaintId"]), json!("RULE_VIOLATION"), json!("C12"))]);
}

#[tokio::test]
async fn c13_reception_hours_are_set_by_a_manager_and_read_by_borrowers() {
    let app = TestApp::spawn().await;
    let (borrower, _, _) = borrower_with_loan(&app, &app.orgs.kg_mfo, "K1", "2026-09-01").await;
    let (staff, manager) = kg(&app);
    let m = "mutation($input: SetReceptionHoursInput!) { setReceptionHours(input: $input) { receptionHours { managerName weekday startsAt endsAt } userErrors { field code rule } } }";
    let slots = json!([{ "weekday": "TUESDAY", "startsAt": "15:00", "endsAt": "16:00" }, { "weekday": "THURSDAY", "startsAt": "15:00", "endsAt": "16:00" }]);
    let input = json!({ "input": { "managerName": "Ormotoev Ermek", "position": "Chairman", "slots": slots } });
    assert_eq!(app.error_code(&staff, m, input.clone()).await, "FORBIDDEN");
    let r = app.gql(&manager, m, input).await;
    assert_eq!(r["setReceptionHours"]["userErrors"], json!([]));
    let weekend = json!({ "input": { "managerName": "Talasbaev", "position": "Director", "slots": [{ "weekday": "SATURDAY", "startsAt": "15:00", "endsAt": "16:00" }] } });
    let r = app.gql(&manager, m, weekend).await;
    assert_eq!(r["setReceptionHours"]["userErrors"][0]["rule"], "C13");
    let token = app.borrower_token(&app.orgs.kg_mfo, borrower);
    let hours = app.gql(&token, "{ receptionHours { managerName weekday startsAt endsAt } }", json!({})).await;
    assert_eq!(
        hours["receptionHours"],
        json!([
            { "managerName": "Ormotoev Ermek", "weekday": "TUESDAY", "startsAt": "15:00", "endsAt": "16:00" },
            { "managerName": "Ormotoev Ermek", "weekday": "THURSDAY", "startsAt": "15:00", "endsAt": "16:00" },
        ])
    );
    assert_eq!(
        app.error_code(&app.agency_token(&app.orgs.agency), "{ receptionHours { weekday } }", json!({})).await,
        "FORBIDDEN"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retried_submission_from_the_app_registers_one_complaint() {
    let app = Arc::new(TestApp::spawn().await);
    let (borrower, _, _) = borrower_with_loan(&app, &app.orgs.kg_mfo, "K1", "2026-09-01").await;
    let token = app.borrower_token(&app.orgs.kg_mfo, borrower);
    let input = json!({ "clientSubmissionId": "7f1c1a10-0000-4000-8000-00000000abcd", "kind": "COMPLAINT", "language": "KY", "substance": "My payment is not shown." });
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (app, token, input) = (app.clone(), token.clone(), input.clone());
            tokio::spawn(async move { register(&app, &token, input).await["complaint"]["id"].clone() })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        ids.insert(t.await.expect("join").to_string());
    }
    assert_eq!(ids.len(), 1, "every retry got the same complaint: {ids:?}");
    assert_eq!(app.count("complaint").await, 1);
    let mut other = input.clone();
    other["substance"] = json!("Something else.");
    let r = register(&app, &token, other).await;
    assert_eq!(errors(&r), vec![(json!(["input", "clientSubmissionId"]), json!("CONFLICT"), Value::Null)]);
    assert_eq!(r["userErrors"][0]["reason"], "RETRY_WITH_OTHER_INPUT", "{r}");
    let mut missing = input;
    missing.as_object_mut().expect("object").remove("clientSubmissionId");
    let r = register(&app, &token, missing).await;
    assert_eq!(r["userErrors"][0]["field"], json!(["input", "clientSubmissionId"]));
}

#[tokio::test]
async fn a_borrower_registers_for_themselves_and_cannot_read_another_borrowers_complaint() {
    let app = TestApp::spawn().await;
    let (a, _, _) = borrower_with_loan(&app, &app.orgs.kg_mfo, "A", "2026-09-01").await;
    let (b, _, _) = borrower_with_loan(&app, &app.orgs.kg_mfo, "B", "2026-09-01").await;
    let token_a = app.borrower_token(&app.orgs.kg_mfo, a);
    let input = json!({ "clientSubmissionId": "7f1c1a10-0000-4000-8000-000000000001", "kind": "COMPLAINT", "channel": "POST", "language": "RU", "substance": "x", "complainants": [person("Someone Else")] });
    let c = register(&app, &token_a, input).await["complaint"].clone();
    assert_eq!(c["channel"], "MOBILE_APP");
    assert_eq!(c["complainants"][0]["fullName"], "Borrower A", "their own name, from the MFO's record");
    assert_eq!(c["missingContent"], json!([]), "signed and dated by the app");
    let token_b = app.borrower_token(&app.orgs.kg_mfo, b);
    let q = "query($id: ID!) { complaint(id: $id) { id } }";
    assert_eq!(app.error_code(&token_b, q, json!({ "id": c["id"] })).await, "NOT_FOUND");
    let own = app.gql(&token_a, q, json!({ "id": c["id"] })).await;
    assert_eq!(own["complaint"]["id"], c["id"]);
    let list = app.gql(&token_b, "{ complaints { edges { node { id } } } }", json!({})).await;
    assert_eq!(list["complaints"]["edges"], json!([]));
    assert_eq!(
        app.error_code(&app.agency_token(&app.orgs.agency), "{ complaints { edges { node { id } } } }", json!({}))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(app.error_code(&app.regulator(Jurisdiction::Kz), q, json!({ "id": c["id"] })).await, "NOT_FOUND");
    let kg = app.gql(&app.regulator(Jurisdiction::Kg), q, json!({ "id": c["id"] })).await;
    assert_eq!(kg["complaint"]["id"], c["id"]);
    assert_eq!(
        app.error_code(&app.agency_token(&app.orgs.agency), &register_query(), json!({ "input": written("RU") })).await,
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn every_complaint_change_is_audited_announced_and_streamed() {
    let app = TestApp::spawn().await;
    let (staff, _) = kg(&app);
    let c = register(&app, &staff, written("RU")).await["complaint"].clone();
    let mut socket = ws_connect(&app, &staff).await;
    socket.next().await.expect("ack").expect("ok");
    let sub = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription($id: ID!) { complaintUpdates(complaintId: $id) { status } }", "variables": { "id": c["id"] } } });
    socket.send(Message::Text(sub.to_string().into())).await.expect("send");
    // The subscription is live once the server has read the complaint; give it that moment
    // by waiting for a round trip on the socket.
    socket.send(Message::Text(json!({ "type": "ping" }).to_string().into())).await.expect("ping");
    let pong = socket.next().await.expect("pong").expect("ok");
    assert!(pong.to_text().expect("text").contains("pong"));
    let outbox = app.count("outbox_event").await;
    forward(&app, &staff, &c["id"]).await;
    assert!(app.count("outbox_event").await > outbox, "announced");
    let msg = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
        .await
        .expect("in time")
        .expect("msg")
        .expect("ok");
    let v: Value = serde_json::from_str(msg.to_text().expect("text")).expect("json");
    assert_eq!(v["payload"]["data"]["complaintUpdates"]["status"], "FORWARDED", "{v}");
    let trail = app
        .gql(&staff, "query($id: ID!) { auditTrail(subjectId: $id) { action actor } }", json!({ "id": c["id"] }))
        .await;
    assert_eq!(trail["auditTrail"][1]["action"], "complaint.forwarded");
}

/// C3/C8: a complaint left without consideration shows no answer date, also when
/// its answer deadline had already been missed; the deadline keeps its date and status.
#[tokio::test]
async fn c03_left_without_consideration_after_the_answer_was_missed_shows_no_live_answer_due_date() {
    let app = TestApp::spawn().await;
    app.clock.set(at("2025-12-29T04:00:00Z"));
    let (staff, _) = kg(&app);
    let c = register(&app, &staff, written("KY")).await["complaint"].clone();
    assert_eq!(c["answerDueDate"], "2026-01-19");
    app.clock.set(at("2026-01-20T04:00:00Z"));
    assert_eq!(app.scanner("s").tick().await.expect("tick").missed, 1);
    // Tokens minted before the clock moved have expired.
    let (staff, manager) = kg(&app);
    let input = json!({ "complaintId": c["id"], "reason": "ABUSIVE", "note": "Threats against the branch director." });
    let r = act(&app, &manager, "leaveComplaintWithoutConsideration", "LeaveComplaintWithoutConsiderationInput", input)
        .await;
    assert_eq!(r["complaint"]["status"], "LEFT_WITHOUT_CONSIDERATION", "{r}");
    assert_eq!(r["complaint"]["answerDueDate"], Value::Null, "no answer is owed any more");
    assert_eq!(
        (
            &deadline(&r["complaint"], "COMPLAINT_ANSWER")["status"],
            &deadline(&r["complaint"], "COMPLAINT_ANSWER")["dueDate"]
        ),
        (&json!("MISSED"), &json!("2026-01-19")),
        "the missed deadline stays, with its date"
    );
    // The anonymous one, left at registration, never shows one either.
    let anonymous =
        json!({ "kind": "COMPLAINT", "channel": "POST", "language": "RU", "substance": "You are thieves." });
    let a = register(&app, &staff, anonymous).await["complaint"].clone();
    assert_eq!((&a["status"], &a["answerDueDate"]), (&json!("LEFT_WITHOUT_CONSIDERATION"), &Value::Null));
}

#[tokio::test]
async fn c02_a_complaint_about_a_loan_received_before_its_contract_is_invalid_and_not_stored() {
    let app = TestApp::spawn().await;
    let staff = app.staff_of(&app.orgs.kz_mfo);
    let (_, _, loan) = crate::helpers::fixtures::borrower_with_loan(&app, &app.orgs.kz_mfo, "RC", "2026-01-05").await;
    for received in ["0001-01-01T00:00:00Z", "2026-01-04T05:00:00Z"] {
        let mut c = written("RU");
        c["loanId"] = json!(loan);
        c["receivedAt"] = json!(received);
        let r = register(&app, &staff, c).await;
        assert_eq!(r["complaint"], Value::Null, "{received}: {r}");
        assert_eq!(
            errors(&r),
            vec![(json!(["input", "receivedAt"]), json!("INVALID"), Value::Null)],
            "{received}: {r}"
        );
    }
    assert_eq!(app.count("complaint").await, 0);
    // The contract's own day is a valid receipt (local date in Almaty).
    let mut c = written("RU");
    c["loanId"] = json!(loan);
    c["receivedAt"] = json!("2026-01-05T05:00:00Z");
    assert_eq!(register(&app, &staff, c).await["userErrors"], json!([]));
}

#[tokio::test]
async fn c04_a_complaint_received_before_the_mfo_was_founded_is_invalid_and_not_stored() {
    let app = TestApp::spawn().await;
    let mfo = crate::helpers::fixtures::founded_mfo(&app, "Founded MFO", Jurisdiction::Kz, "2026-01-05").await;
    let staff = app.staff_of(&mfo);
    let q = "mutation($input: RegisterComplaintInput!) { registerComplaint(input: $input) { complaint { id receivedAt } userErrors { field code rule params } } }";
    // Without a loan nothing else bounds the date: a year 1, or the eve of the founding
    // (23:59 in Almaty).
    for received in ["0001-01-01T00:00:00Z", "2026-01-04T18:59:59Z"] {
        let mut c = written("RU");
        c["receivedAt"] = json!(received);
        let r = app.gql(&staff, q, json!({ "input": c })).await["registerComplaint"].clone();
        assert_eq!(r["complaint"], Value::Null, "{received}: {r}");
        assert_eq!(
            r["userErrors"],
            json!([{ "field": ["input", "receivedAt"], "code": "INVALID", "rule": "C4", "params": { "notBefore": "2026-01-05" } }]),
            "{received}"
        );
    }
    assert_eq!(app.count("complaint").await, 0);
    // The founding day itself (00:00 in Almaty) and any later day are valid receipts.
    for received in ["2026-01-04T19:00:00Z", "2026-06-01T05:00:00Z"] {
        let mut c = written("RU");
        c["receivedAt"] = json!(received);
        let r = app.gql(&staff, q, json!({ "input": c })).await["registerComplaint"].clone();
        assert_eq!(r["userErrors"], json!([]), "{received}: {r}");
        assert_eq!(r["complaint"]["receivedAt"].as_str().map(|s| &s[..10]), Some(&received[..10]), "{r}");
    }
    assert_eq!(app.count("complaint").await, 2);
}
