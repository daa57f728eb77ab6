//! `node`/`nodes` for every type that implements `Node`, in scope and out of it, and ids
//! inside `details`/`before`/`after` JSON and actor keys as global ids that `node` resolves.

//! Finding records: every connection's `totalCount` (counted only when asked),
//! its half-open date range on the record's natural date and its documented order; the
//! agencies' `contacts` connection across their loans; `node`/`nodes` for every type that
//! implements `Node`, in scope and out of it; and ids inside `details`/`before`/`after`
//! JSON and actor keys as global ids that `node` resolves.

use crate::helpers::TestApp;
use crate::helpers::fixtures::*;
use entity::enums::Role;
use mfo_api::graphql::ids::{Kind, encode, parse};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) fn gid(kind: Kind, id: uuid::Uuid) -> String {
    encode(kind, id).0
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
