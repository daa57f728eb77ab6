//! Finding records: every connection's `totalCount` (counted only when asked),
//! its half-open date range on the record's natural date and its documented order; the
//! agencies' `contacts` connection across their loans; `node`/`nodes` for every type that
//! implements `Node`, in scope and out of it; and ids inside `details`/`before`/`after`
//! JSON and actor keys as global ids that `node` resolves.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use entity::enums::Role;
use mfo_api::graphql::ids::{Kind, encode, parse};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::fixtures::{assign, on, overdue_loan, uuid_of};
use crate::helpers::{TestApp, at};

fn gid(kind: Kind, id: uuid::Uuid) -> String {
    encode(kind, id).0
}

/// `data.r.nodes[*].<field>` as strings.
fn field_of(data: &Value, field: &str) -> Vec<String> {
    data["r"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no nodes in {data}"))
        .iter()
        .map(|n| n[field].as_str().unwrap_or_else(|| panic!("no {field} in {n}")).to_owned())
        .collect()
}

/// One connection of the schema: its field, extra arguments, the date it filters on (a
/// field of the node) and the names of its range arguments inside `filter`.
struct Conn {
    field: &'static str,
    args: &'static str,
    date: &'static str,
    from: &'static str,
    to: &'static str,
}

const CONNECTIONS: [Conn; 8] = [
    Conn { field: "loans", args: "", date: "contractDate", from: "contractDateFrom", to: "contractDateTo" },
    Conn { field: "borrowers", args: "", date: "createdAt", from: "from", to: "to" },
    Conn { field: "complaints", args: "", date: "receivedAt", from: "from", to: "to" },
    Conn { field: "restructuringApplications", args: "", date: "receivedAt", from: "from", to: "to" },
    Conn { field: "escalations", args: "", date: "raisedAt", from: "from", to: "to" },
    Conn { field: "deadlines", args: "", date: "dueAt", from: "from", to: "to" },
    Conn { field: "contacts", args: "", date: "occurredAt", from: "from", to: "to" },
    // The journal has no date filter (its year is its range); its count is checked below.
    Conn { field: "complaintJournal", args: "year: 2026", date: "receivedAt", from: "", to: "" },
];

/// Sorts the API's instants or dates as instants (a `Date` as its midnight).
fn instant(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)).unwrap_or_else(|_| at(&format!("{s}T00:00:00Z")))
}

#[tokio::test]
async fn every_connection_counts_its_rows_only_when_total_count_is_selected() {
    let app = TestApp::spawn().await;
    let demo = mfo_api::demo::load(&app.ctx).await.expect("demo loads");
    let staff = app.staff_of(&demo.kz_mfo);
    let regulator = app.mint(Role::Regulator, demo.kz_regulator.id, None, "supervisor");
    let mut checked = BTreeSet::new();
    for c in CONNECTIONS {
        // The journal is the MFO's; a regulator's lists are the jurisdiction's.
        let (token, args) = match c.field {
            "complaintJournal" => (&staff, format!("{}, first: 100", c.args)),
            "borrowers" => (&staff, "first: 100".to_owned()),
            _ => (&regulator, "first: 100".to_owned()),
        };
        let plain = format!("{{ r: {}({args}) {{ nodes {{ id }} }} }}", c.field);
        let counted = format!("{{ r: {}({args}) {{ totalCount nodes {{ id }} }} }}", c.field);
        let data = app.gql(token, &counted, json!({})).await;
        let listed = data["r"]["nodes"].as_array().expect("nodes").len();
        assert!(listed > 0, "{}: the demo lists something", c.field);
        assert_eq!(data["r"]["totalCount"], json!(listed), "{}: totalCount is every row in scope", c.field);
        let one =
            format!("{{ r: {}({args}) {{ totalCount nodes {{ id }} }} }}", c.field).replace("first: 100", "first: 1");
        let data = app.gql(token, &one, json!({})).await;
        assert_eq!(data["r"]["totalCount"], json!(listed), "{}: whatever the page size", c.field);
        let without = app.statements_for(token, &plain).await;
        let with = app.statements_for(token, &counted).await;
        assert_eq!(with, without + 1, "{}: one COUNT when asked, none otherwise", c.field);
        checked.insert(c.field);
    }
    // Every connection of the schema is in the table above.
    let sdl = include_str!("../../schema.graphql");
    let query = &sdl[sdl.find("type QueryRoot {").expect("QueryRoot")..];
    let query = &query[..query.find("\n}").expect("end of Query")];
    let mut in_schema = BTreeSet::new();
    let mut field = "";
    for line in query.lines() {
        let t = line.trim();
        if line.starts_with('\t') && !line.starts_with("\t\t") && !t.starts_with(['"', ')']) {
            field = t.split(['(', ':']).next().unwrap_or("");
        }
        if t.ends_with("Connection!") {
            in_schema.insert(field.to_owned());
        }
    }
    // The worklist judges every loan the agency holds to order them (its total is those it
    // judged, counted without a statement): `tests/api/worklist.rs` checks its count.
    in_schema.remove("collectionWorklist");
    // The change feed has no total: it grows while it is read, and counting the changes a
    // caller may see would read every kept change (`tests/api/changes.rs` pages it).
    in_schema.remove("changes");
    // An endpoint's deliveries need an endpoint, which the demo has not:
    // `tests/api/webhooks.rs` checks their count.
    in_schema.remove("webhookDeliveries");
    assert_eq!(in_schema, checked.iter().map(|s| s.to_string()).collect(), "every Query connection is checked");
}

#[tokio::test]
async fn date_range_filters_are_half_open_on_each_records_natural_date() {
    let app = TestApp::spawn().await;
    let demo = mfo_api::demo::load(&app.ctx).await.expect("demo loads");
    let staff = app.staff_of(&demo.kz_mfo);
    let regulator = app.mint(Role::Regulator, demo.kz_regulator.id, None, "supervisor");
    for c in CONNECTIONS.iter().filter(|c| !c.from.is_empty()) {
        let token = if c.field == "borrowers" { &staff } else { &regulator };
        let q = format!(
            "query($f: {}) {{ r: {}(filter: $f, first: 100) {{ totalCount nodes {{ id {} }} }} }}",
            filter_type(c.field),
            c.field,
            c.date
        );
        let all = app.gql(token, &q, json!({ "f": {} })).await;
        let dates = field_of(&all, c.date);
        let mut sorted: Vec<&String> = dates.iter().collect();
        sorted.sort_by_key(|d| instant(d));
        let pivot = sorted[sorted.len() / 2].clone();
        let (at_or_after, before) = (
            dates.iter().filter(|d| instant(d) >= instant(&pivot)).count(),
            dates.iter().filter(|d| instant(d) < instant(&pivot)).count(),
        );
        let from = app.gql(token, &q, json!({ "f": { c.from: pivot } })).await;
        assert_eq!(from["r"]["totalCount"], json!(at_or_after), "{}: {} is inclusive", c.field, c.from);
        assert!(field_of(&from, c.date).iter().all(|d| instant(d) >= instant(&pivot)), "{}: {from}", c.field);
        let to = app.gql(token, &q, json!({ "f": { c.to: pivot } })).await;
        assert_eq!(to["r"]["totalCount"], json!(before), "{}: {} is exclusive", c.field, c.to);
        let both = app.gql(token, &q, json!({ "f": { c.from: pivot, c.to: pivot } })).await;
        assert_eq!(both["r"]["totalCount"], json!(0), "{}: [t, t) is empty", c.field);
        assert!(at_or_after > 0, "{}: the pivot itself is in range", c.field);
    }
}

fn filter_type(field: &str) -> &'static str {
    match field {
        "loans" => "LoanFilter",
        "borrowers" => "BorrowerFilter",
        "complaints" => "ComplaintFilter",
        "restructuringApplications" => "ApplicationFilter",
        "escalations" => "EscalationFilter",
        "deadlines" => "DeadlineFilter",
        "contacts" => "ContactFilter",
        other => panic!("no filter for {other}"),
    }
}

const RECORD: &str = "mutation($input: RecordContactInput!) { recordContact(input: $input) { contact { id violations } userErrors { field code rule } } }";
const CONTACTS: &str = "query($f: ContactFilter, $first: Int, $after: String) { r: contacts(filter: $f, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id occurredAt channel violations loan { id } contactor { id } } } }";

async fn record(app: &TestApp, token: &str, loan: &str, n: u32, channel: &str, when: &str) -> Value {
    let input = json!({
        "clientSubmissionId": format!("00000000-0000-4000-9000-{n:012}"), "loanId": loan, "channel": channel,
        "occurredAt": when, "outcome": "REACHED", "destination": "+7 701 000 00 00",
        "disclosure": { "organizationName": "Agency", "organizationLocation": "Almaty, Dostyk 5",
            "personName": "Nurzhan Abenov", "personPosition": "Collector" },
    });
    let r = app.gql(token, RECORD, json!({ "input": input })).await;
    assert_eq!(r["recordContact"]["userErrors"], json!([]), "{r}");
    r["recordContact"]["contact"].clone()
}

#[tokio::test]
async fn an_agency_lists_its_contacts_across_its_loans_newest_first_scoped_like_each_loans_log() {
    let app = TestApp::spawn().await;
    on(&app, "2026-03-17");
    let a = overdue_loan(&app, "A", "2026-02-02", json!({}), json!({})).await;
    let b = overdue_loan(&app, "B", "2026-02-02", json!({}), json!({})).await;
    let c = overdue_loan(&app, "C", "2026-02-02", json!({}), json!({})).await;
    assign(&app, uuid_of(&a.loan), &app.orgs.agency).await;
    assign(&app, uuid_of(&b.loan), &app.orgs.agency).await;
    assign(&app, uuid_of(&c.loan), &app.orgs.agency_2).await;
    app.clock.set(at("2026-03-17T18:00:00Z"));
    let agency = app.mint(Role::CollectionAgency, app.orgs.agency.id, None, "agency-system");
    let agency_2 = app.mint(Role::CollectionAgency, app.orgs.agency_2.id, None, "agency-2");
    let a04 = record(&app, &agency, &a.loan, 1, "CALL", "2026-03-17T04:00:00Z").await;
    let a05 = record(&app, &agency, &a.loan, 2, "SMS", "2026-03-17T05:00:00Z").await;
    let b06 = record(&app, &agency, &b.loan, 3, "CALL", "2026-03-17T06:00:00Z").await;
    // 22:00 in Almaty: X3 flags it.
    let b17 = record(&app, &agency, &b.loan, 4, "CALL", "2026-03-17T17:00:00Z").await;
    assert_eq!(b17["violations"], json!(["X3"]), "{b17}");
    let c05 = record(&app, &agency_2, &c.loan, 5, "CALL", "2026-03-17T05:00:00Z").await;
    let id = |v: &Value| v["id"].as_str().expect("id").to_owned();

    // Newest first by occurredAt, then id; two pages; the count is the whole list.
    let page = app.gql(&agency, CONTACTS, json!({ "first": 2 })).await;
    assert_eq!(field_of(&page, "id"), [id(&b17), id(&b06)]);
    assert_eq!(page["r"]["totalCount"], 4);
    assert_eq!(page["r"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(page["r"]["nodes"][0]["loan"]["id"], b.loan.as_str(), "each contact names its loan");
    assert_eq!(page["r"]["nodes"][0]["contactor"]["id"], gid(Kind::Organization, app.orgs.agency.id));
    // A contact recorded meanwhile, newer than the whole list, does not move the next page.
    record(&app, &agency, &a.loan, 6, "EMAIL", "2026-03-17T17:30:00Z").await;
    let after = page["r"]["pageInfo"]["endCursor"].clone();
    let next = app.gql(&agency, CONTACTS, json!({ "first": 2, "after": after })).await;
    assert_eq!(field_of(&next, "id"), [id(&a05), id(&a04)]);
    assert_eq!(next["r"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(next["r"]["totalCount"], 5);

    // Filters: channel, flagged, and the half-open [from, to) on occurredAt.
    let only = |f: Value| app.gql(&agency, CONTACTS, json!({ "f": f, "first": 100 }));
    assert_eq!(field_of(&only(json!({ "channel": "SMS" })).await, "id"), [id(&a05)]);
    assert_eq!(field_of(&only(json!({ "flagged": true })).await, "id"), [id(&b17)]);
    assert_eq!(only(json!({ "flagged": false })).await["r"]["totalCount"], 4);
    let window = only(json!({ "from": "2026-03-17T05:00:00Z", "to": "2026-03-17T17:00:00Z" })).await;
    assert_eq!(field_of(&window, "id"), [id(&b06), id(&a05)], "from inclusive, to exclusive");
    assert_eq!(field_of(&only(json!({ "loanId": b.loan })).await, "id"), [id(&b17), id(&b06)]);

    // Scope: the other agency its own; the MFO and its regulator all; others nothing.
    assert_eq!(field_of(&app.gql(&agency_2, CONTACTS, json!({})).await, "id"), [id(&c05)]);
    assert_eq!(app.gql(&app.staff(), CONTACTS, json!({})).await["r"]["totalCount"], 6);
    let kz = app.regulator(entity::enums::Jurisdiction::Kz);
    assert_eq!(app.gql(&kz, CONTACTS, json!({})).await["r"]["totalCount"], 6);
    let kg = app.regulator(entity::enums::Jurisdiction::Kg);
    assert_eq!(app.gql(&kg, CONTACTS, json!({})).await["r"]["totalCount"], 0);
    assert_eq!(app.gql(&app.staff_of(&app.orgs.kg_mfo), CONTACTS, json!({})).await["r"]["totalCount"], 0);
    let borrower = app.borrower_token(&app.orgs.kz_mfo, a.borrower);
    let mine = app.gql(&borrower, CONTACTS, json!({})).await;
    assert_eq!((mine["r"]["totalCount"].clone(), mine["r"]["nodes"].clone()), (json!(0), json!([])));

    // A recalled loan leaves the agency's list, as it leaves the agency's loans.
    let m =
        "mutation($input: RecallLoanFromAgencyInput!) { recallLoanFromAgency(input: $input) { userErrors { code } } }";
    let r = app.gql(&app.manager(), m, json!({ "input": { "loanId": b.loan } })).await;
    assert_eq!(r["recallLoanFromAgency"]["userErrors"], json!([]), "{r}");
    let left = app.gql(&agency, CONTACTS, json!({ "first": 100 })).await;
    assert_eq!(left["r"]["totalCount"], 3);
    assert!(!field_of(&left, "id").contains(&id(&b06)));
}

/// The Node types of `schema.graphql`, and the kind of each.
fn node_types() -> BTreeMap<String, Kind> {
    let sdl = include_str!("../../schema.graphql");
    let table = [
        ("Organization", Kind::Organization),
        ("Borrower", Kind::Borrower),
        ("Loan", Kind::Loan),
        ("Payment", Kind::Payment),
        ("Deadline", Kind::Deadline),
        ("Escalation", Kind::Escalation),
        ("Complaint", Kind::Complaint),
        ("InfoRequest", Kind::InfoRequest),
        ("RestructuringApplication", Kind::Application),
        ("Decision", Kind::Decision),
        ("RegulatorAppeal", Kind::Appeal),
        ("ContactEvent", Kind::Contact),
        ("DelinquencyNotice", Kind::Notice),
        ("MilitaryDeferral", Kind::Deferral),
        ("CollectionAssignment", Kind::Assignment),
        ("AuditEntry", Kind::AuditEntry),
        ("WebhookEndpoint", Kind::WebhookEndpoint),
        ("WebhookDelivery", Kind::WebhookDelivery),
    ];
    let mut out = BTreeMap::new();
    for line in sdl.lines().filter(|l| l.starts_with("type ") && l.contains("implements Node")) {
        let name = line["type ".len()..].split_whitespace().next().expect("type name");
        let kind = table.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("{name}: add it to this table")).1;
        out.insert(name.to_owned(), kind);
    }
    // A type with `id: ID!` that is not a Node would escape `node(id:)`.
    let mut current = "";
    for line in sdl.lines() {
        if !line.starts_with(char::is_whitespace) && !line.is_empty() && line != "}" {
            current = line.strip_prefix("type ").and_then(|r| r.split_whitespace().next()).unwrap_or("");
        }
        if line == "\tid: ID!" && !current.is_empty() {
            assert!(out.contains_key(current), "{current} has a global id but does not implement Node");
        }
    }
    out
}

/// One record of each kind in the demo, with the MFO it belongs to.
async fn one_of_each(app: &TestApp, demo: &mfo_api::demo::Demo) -> Vec<(Kind, (uuid::Uuid, uuid::Uuid))> {
    use entity::*;
    let db = &app.ctx.db;
    let loans: BTreeMap<uuid::Uuid, uuid::Uuid> =
        loan::Entity::find().all(db).await.expect("loans").into_iter().map(|l| (l.id, l.mfo_id)).collect();
    let apps: BTreeMap<uuid::Uuid, uuid::Uuid> = restructuring_application::Entity::find()
        .all(db)
        .await
        .expect("applications")
        .into_iter()
        .map(|a| (a.id, a.mfo_id))
        .collect();
    let mut out = Vec::new();
    let first = |v: Option<(uuid::Uuid, uuid::Uuid)>, what: &str| v.unwrap_or_else(|| panic!("the demo has no {what}"));
    out.push((Kind::Organization, (demo.kz_mfo.id, demo.kz_mfo.id)));
    let b = borrower::Entity::find().one(db).await.expect("borrower").map(|b| (b.id, b.mfo_id));
    out.push((Kind::Borrower, first(b, "borrower")));
    out.push((Kind::Loan, first(loans.iter().next().map(|(l, m)| (*l, *m)), "loan")));
    let p = payment::Entity::find().one(db).await.expect("payment").map(|p| (p.id, loans[&p.loan_id]));
    out.push((Kind::Payment, first(p, "payment")));
    let d = deadline::Entity::find().one(db).await.expect("deadline").map(|d| (d.id, d.org_id));
    out.push((Kind::Deadline, first(d, "deadline")));
    let e = escalation::Entity::find().one(db).await.expect("escalation").map(|e| (e.id, e.org_id));
    out.push((Kind::Escalation, first(e, "escalation")));
    let c = complaint::Entity::find().one(db).await.expect("complaint").map(|c| (c.id, c.mfo_id));
    out.push((Kind::Complaint, first(c, "complaint")));
    let r = info_request::Entity::find().one(db).await.expect("info request").map(|r| (r.id, r.mfo_id));
    out.push((Kind::InfoRequest, first(r, "info request")));
    out.push((Kind::Application, first(apps.iter().next().map(|(a, m)| (*a, *m)), "application")));
    let d = decision::Entity::find().one(db).await.expect("decision").map(|d| (d.id, apps[&d.application_id]));
    out.push((Kind::Decision, first(d, "decision")));
    let a = regulator_appeal::Entity::find().one(db).await.expect("appeal").map(|a| (a.id, a.mfo_id));
    out.push((Kind::Appeal, first(a, "appeal")));
    let c = contact_event::Entity::find().one(db).await.expect("contact").map(|c| (c.id, c.mfo_id));
    out.push((Kind::Contact, first(c, "contact")));
    let n = delinquency_notice::Entity::find().one(db).await.expect("notice").map(|n| (n.id, loans[&n.loan_id]));
    out.push((Kind::Notice, first(n, "delinquency notice")));
    let d = military_deferral::Entity::find().one(db).await.expect("deferral").map(|d| (d.id, d.mfo_id));
    out.push((Kind::Deferral, first(d, "deferral")));
    let a = collection_assignment::Entity::find().one(db).await.expect("assignment").map(|a| (a.id, loans[&a.loan_id]));
    out.push((Kind::Assignment, first(a, "hand-over")));
    let e = audit_entry::Entity::find()
        .filter(audit_entry::Column::SubjectType.eq("loan"))
        .one(db)
        .await
        .expect("audit entry")
        .map(|e| (e.id, loans[&e.subject_id]));
    out.push((Kind::AuditEntry, first(e, "audit entry of a loan")));
    // The demo registers no webhook endpoint: one of A's, and a change queued for it.
    let staff = app.staff_of(&demo.kz_mfo);
    let create = "mutation { createWebhookEndpoint(input: { url: \"https://hooks.example.com/a\" }) { webhookEndpoint { id } userErrors { code } } }";
    let r = app.gql(&staff, create, json!({})).await;
    let endpoint = r["createWebhookEndpoint"]["webhookEndpoint"]["id"].as_str().expect("an endpoint").to_owned();
    out.push((Kind::WebhookEndpoint, (mfo_api::graphql::ids::parse(&endpoint).expect("id").1, demo.kz_mfo.id)));
    let r = app
        .gql(
            &staff,
            crate::helpers::fixtures::UPSERT_BORROWER,
            json!({ "input": crate::helpers::fixtures::borrower_input("hooked") }),
        )
        .await;
    assert_eq!(r["upsertBorrower"]["userErrors"], json!([]), "{r}");
    mfo_api::services::webhooks::fan_out(&app.ctx).await.expect("queued");
    let d = webhook_delivery::Entity::find().one(db).await.expect("delivery").map(|d| (d.id, demo.kz_mfo.id));
    out.push((Kind::WebhookDelivery, first(d, "webhook delivery")));
    out
}

/// Asks for an information request on a loan of each demo MFO (the demo has none).
async fn ask_for_information(app: &TestApp, demo: &mfo_api::demo::Demo) {
    for mfo in [&demo.kz_mfo, &demo.kg_mfo] {
        let l = entity::loan::Entity::find()
            .filter(entity::loan::Column::MfoId.eq(mfo.id))
            .one(&app.ctx.db)
            .await
            .expect("loans")
            .expect("a loan of each demo MFO");
        let token = app.borrower_token(mfo, l.borrower_id);
        let m = "mutation($input: RequestLoanInformationInput!) { requestLoanInformation(input: $input) { userErrors { field message code } } }";
        let input = json!({ "loanId": gid(Kind::Loan, l.id), "clientSubmissionId": uuid::Uuid::new_v4() });
        let r = app.gql(&token, m, json!({ "input": input })).await;
        assert_eq!(r["requestLoanInformation"]["userErrors"], json!([]), "{r}");
    }
}

#[tokio::test]
async fn every_node_type_resolves_through_node_and_nodes_for_its_tenant_only() {
    let app = TestApp::spawn().await;
    let demo = mfo_api::demo::load(&app.ctx).await.expect("demo loads");
    ask_for_information(&app, &demo).await;
    let records = one_of_each(&app, &demo).await;
    let staff_of = |mfo: uuid::Uuid| {
        let (own, other) =
            if mfo == demo.kz_mfo.id { (&demo.kz_mfo, &demo.kg_mfo) } else { (&demo.kg_mfo, &demo.kz_mfo) };
        (app.staff_of(own), app.staff_of(other))
    };
    let node = "query($id: ID!) { r: node(id: $id) { id __typename } }";
    let nodes = "query($ids: [ID!]!) { r: nodes(ids: $ids) { id __typename } }";
    let types = node_types();
    assert_eq!(types.len(), 18, "{types:?}");
    for (name, kind) in types {
        let (id, mfo) = records.iter().find(|(k, _)| *k == kind).map(|(_, r)| *r).expect("a record of each kind");
        let (inside, outside) = staff_of(mfo);
        let id = gid(kind, id);
        let random = gid(kind, uuid::Uuid::new_v4());
        let data = app.gql(&inside, node, json!({ "id": id })).await;
        assert_eq!(
            (data["r"]["__typename"].as_str(), data["r"]["id"].as_str()),
            (Some(name.as_str()), Some(id.as_str()))
        );
        let data = app.gql(&inside, nodes, json!({ "ids": [id, random] })).await;
        assert_eq!(data["r"][0]["__typename"], name.as_str(), "{name} through nodes");
        assert_eq!(data["r"][1], Value::Null, "{name}: a random id is null");
        // Another tenant: exactly as for a random id.
        let (_, hidden) = app.post(Some(&outside), node, json!({ "id": id })).await;
        let (_, absent) = app.post(Some(&outside), node, json!({ "id": random })).await;
        assert_eq!(hidden["errors"][0]["extensions"]["code"], "NOT_FOUND", "{name}: {hidden}");
        assert_eq!(hidden["errors"][0]["message"], absent["errors"][0]["message"], "{name}");
        assert_eq!(hidden["data"], absent["data"], "{name}");
        let data = app.gql(&outside, nodes, json!({ "ids": [id] })).await;
        assert_eq!(data["r"], json!([null]), "{name}: another tenant's is null");
    }
}

/// Every string in `v` with the key it sits under.
fn strings<'a>(v: &'a Value, key: &'a str, out: &mut Vec<(String, &'a str)>) {
    match v {
        Value::Object(m) => m.iter().for_each(|(k, x)| strings(x, k, out)),
        Value::Array(a) => a.iter().for_each(|x| strings(x, key, out)),
        Value::String(s) => out.push((key.to_owned(), s)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[tokio::test]
async fn ids_in_details_audit_json_and_actors_are_global_ids_that_node_resolves() {
    let app = TestApp::spawn().await;
    let demo = mfo_api::demo::load(&app.ctx).await.expect("demo loads");
    // Uuids that name no record of the API: a client's submission id, a policy version.
    let not_records = ["clientSubmissionId", "policyVersionId"];
    let mut checked = 0usize;
    for (org, token) in [
        (demo.kz_mfo.id, app.staff_of(&demo.kz_mfo)),
        (demo.kg_mfo.id, app.staff_of(&demo.kg_mfo)),
        (demo.kz_regulator.id, app.mint(Role::Regulator, demo.kz_regulator.id, None, "supervisor")),
    ] {
        let mut shown = Vec::new();
        let e = app
            .gql(&token, "{ escalations(first: 100) { nodes { subjectId details acknowledgedBy } } }", json!({}))
            .await;
        shown.push(e["escalations"]["nodes"].clone());
        let subjects: BTreeSet<String> = e["escalations"]["nodes"]
            .as_array()
            .expect("escalations")
            .iter()
            .map(|n| n["subjectId"].as_str().expect("subject").to_owned())
            .collect();
        let loans = app.gql(&token, "{ loans(first: 100) { nodes { id } } }", json!({})).await;
        let loans =
            loans["loans"]["nodes"].as_array().expect("loans").iter().map(|l| l["id"].as_str().expect("id").to_owned());
        for subject in subjects.into_iter().chain(loans) {
            let (_, t) = app
                .post(
                    Some(&token),
                    "query($id: ID!) { auditTrail(subjectId: $id) { actor before after } }",
                    json!({ "id": subject }),
                )
                .await;
            shown.push(t["data"]["auditTrail"].clone());
        }
        let shown = Value::Array(shown);
        let mut found = Vec::new();
        strings(&shown, "", &mut found);
        let mut ids = BTreeSet::new();
        for (key, s) in &found {
            let candidate =
                if key == "actor" || key == "acknowledgedBy" { s.rsplit('@').next().unwrap_or("") } else { s };
            assert!(
                uuid::Uuid::parse_str(candidate).is_err() || not_records.contains(&key.as_str()),
                "a raw id under {key:?}: {s}"
            );
            if parse(candidate).is_some() {
                ids.insert(candidate.to_owned());
            }
        }
        assert!(!ids.is_empty(), "{org}: the demo's details and trails name records");
        let ids: Vec<String> = ids.into_iter().collect();
        for chunk in ids.chunks(100) {
            let data =
                app.gql(&token, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": chunk })).await;
            for (i, n) in data["nodes"].as_array().expect("nodes").iter().enumerate() {
                assert_eq!(
                    n["id"],
                    chunk[i].as_str(),
                    "{org}: {} (kind {:?}) does not resolve",
                    chunk[i],
                    parse(&chunk[i])
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 10, "the demo's details and trails name records: {checked}");
    println!("global ids in details, trails and actors: {checked} resolved through nodes");
}

#[tokio::test]
async fn nodes_answers_null_for_each_entry_the_role_may_not_read_never_a_whole_forbidden() {
    let app = TestApp::spawn().await;
    let (borrower, _, loan) =
        crate::helpers::fixtures::borrower_with_loan(&app, &app.orgs.kz_mfo, "B-N", "2026-01-05").await;
    let nodes = "query($ids: [ID!]!) { r: nodes(ids: $ids) { id __typename } }";
    // A borrower and an agency may read no deadline or escalation at all (FORBIDDEN for
    // `node`); in `nodes` those entries are null and the rest is answered.
    let ids = json!([loan, gid(Kind::Deadline, uuid::Uuid::new_v4()), gid(Kind::Escalation, uuid::Uuid::new_v4())]);
    let own = app.borrower_token(&app.orgs.kz_mfo, borrower);
    let (status, body) = app.post(Some(&own), nodes, json!({ "ids": ids })).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"].is_null(), "no error for the whole answer: {body}");
    assert_eq!(body["data"]["r"][0]["__typename"], "Loan", "{body}");
    assert_eq!((&body["data"]["r"][1], &body["data"]["r"][2]), (&Value::Null, &Value::Null), "{body}");
    let agency = app.agency_token(&app.orgs.agency);
    let data = app.gql(&agency, nodes, json!({ "ids": ids })).await;
    assert_eq!(data["r"], json!([null, null, null]), "{data}");
}
