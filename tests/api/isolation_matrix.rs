//! The tenant isolation matrix, over the demo data: every role
//! (staff and manager of MFO A and of MFO B, a borrower of A and another borrower, the
//! agency that works a loan and one that works none, the KZ and KG regulators) × every
//! resource (loan, borrower, complaint, info request, application, appeal, contact,
//! deferral, deadline, escalation, audit trail) × every path (list, by id, `node`,
//! nested, mutation, subscription where one exists).
//!
//! The tenant bound of a role is an upper bound of what it may see: its MFO's records
//! (staff, managers), its own (a borrower), those of loans currently assigned to it (an
//! agency), its jurisdiction's (a regulator). A record outside the bound never appears in
//! a list or a nested list, and asking for it by id, through `node`, its audit trail, a
//! mutation or a subscription answers exactly like asking for a random id of its kind.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use entity::enums::{Jurisdiction, Role};
use futures_util::{SinkExt, StreamExt};
use mfo_api::graphql::ids::{Kind, encode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::auth::ws_connect;
use crate::helpers::TestApp;

/// Who a record belongs to.
#[derive(Debug, Clone)]
struct Facts {
    mfo: uuid::Uuid,
    jurisdiction: Jurisdiction,
    borrower: Option<uuid::Uuid>,
    loan: Option<uuid::Uuid>,
}

struct Record {
    kind: Kind,
    resource: &'static str,
    id: uuid::Uuid,
    facts: Facts,
}

struct Principal {
    name: &'static str,
    token: String,
    role: Role,
    org: uuid::Uuid,
    jurisdiction: Jurisdiction,
    borrower: Option<uuid::Uuid>,
}

impl Principal {
    /// Whether the record is within this principal's tenant bound.
    fn bound(&self, f: &Facts, assigned: &HashSet<(uuid::Uuid, uuid::Uuid)>) -> bool {
        match self.role {
            Role::MfoStaff | Role::MfoManager => f.mfo == self.org,
            Role::Borrower => f.mfo == self.org && f.borrower.is_some() && f.borrower == self.borrower,
            Role::CollectionAgency => f.loan.is_some_and(|l| assigned.contains(&(self.org, l))),
            Role::Regulator => f.jurisdiction == self.jurisdiction,
        }
    }
}

fn gid(kind: Kind, id: uuid::Uuid) -> String {
    encode(kind, id).0
}

async fn records(app: &TestApp) -> Vec<Record> {
    use entity::*;
    let db = &app.ctx.db;
    let orgs: BTreeMap<uuid::Uuid, Jurisdiction> =
        organization::Entity::find().all(db).await.expect("orgs").into_iter().map(|o| (o.id, o.jurisdiction)).collect();
    let f = |mfo, jurisdiction, borrower, loan| Facts { mfo, jurisdiction, borrower, loan };
    let mut out = Vec::new();
    let mut push = |kind, resource, id, facts| out.push(Record { kind, resource, id, facts });
    for l in loan::Entity::find().all(db).await.expect("loans") {
        push(Kind::Loan, "loan", l.id, f(l.mfo_id, l.jurisdiction, Some(l.borrower_id), Some(l.id)));
    }
    let loans: BTreeMap<uuid::Uuid, uuid::Uuid> =
        loan::Entity::find().all(db).await.expect("loans").into_iter().map(|l| (l.borrower_id, l.id)).collect();
    for b in borrower::Entity::find().all(db).await.expect("borrowers") {
        let j = orgs[&b.mfo_id];
        push(Kind::Borrower, "borrower", b.id, f(b.mfo_id, j, Some(b.id), loans.get(&b.id).copied()));
    }
    for c in complaint::Entity::find().all(db).await.expect("complaints") {
        push(Kind::Complaint, "complaint", c.id, f(c.mfo_id, c.jurisdiction, c.borrower_id, c.loan_id));
    }
    for r in info_request::Entity::find().all(db).await.expect("info requests") {
        push(
            Kind::InfoRequest,
            "info request",
            r.id,
            f(r.mfo_id, r.jurisdiction, Some(r.borrower_id), Some(r.loan_id)),
        );
    }
    for a in restructuring_application::Entity::find().all(db).await.expect("applications") {
        push(Kind::Application, "application", a.id, f(a.mfo_id, a.jurisdiction, Some(a.borrower_id), Some(a.loan_id)));
    }
    for a in regulator_appeal::Entity::find().all(db).await.expect("appeals") {
        push(Kind::Appeal, "appeal", a.id, f(a.mfo_id, a.jurisdiction, Some(a.borrower_id), Some(a.loan_id)));
    }
    for c in contact_event::Entity::find().all(db).await.expect("contacts") {
        push(Kind::Contact, "contact", c.id, f(c.mfo_id, c.jurisdiction, Some(c.borrower_id), Some(c.loan_id)));
    }
    for d in military_deferral::Entity::find().all(db).await.expect("deferrals") {
        push(Kind::Deferral, "deferral", d.id, f(d.mfo_id, d.jurisdiction, Some(d.borrower_id), Some(d.loan_id)));
    }
    // Deadlines and escalations belong to an organisation; their bound for a borrower or
    // an agency is nothing (no borrower or loan of theirs is known here).
    for d in deadline::Entity::find().all(db).await.expect("deadlines") {
        push(Kind::Deadline, "deadline", d.id, f(d.org_id, d.jurisdiction, None, None));
    }
    for e in escalation::Entity::find().all(db).await.expect("escalations") {
        push(Kind::Escalation, "escalation", e.id, f(e.org_id, e.jurisdiction, None, None));
    }
    out
}

/// The part of an answer that may tell a hidden record from a missing one.
fn shape(body: &Value) -> Value {
    json!({ "data": body["data"], "errors": body["errors"].as_array().map(|es| es.iter().map(|e| json!({ "message": e["message"], "extensions": e["extensions"], "path": e["path"] })).collect::<Vec<_>>()) })
}

/// Every id a list answer holds, at any depth.
fn ids_in(v: &Value, out: &mut HashSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "id"
                    && let Some(s) = x.as_str()
                {
                    out.insert(s.to_owned());
                }
                ids_in(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| ids_in(x, out)),
        _ => {}
    }
}

/// The by-id query of a kind, if the API has one besides `node`.
fn by_id(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::Loan => "query($id: ID!) { r: loan(id: $id) { id } }",
        Kind::Complaint => "query($id: ID!) { r: complaint(id: $id) { id } }",
        Kind::InfoRequest => "query($id: ID!) { r: infoRequest(id: $id) { id } }",
        Kind::Application => "query($id: ID!) { r: restructuringApplication(id: $id) { id } }",
        _ => return None,
    })
}

/// A mutation on a record of the kind (its id as `$id`).
fn mutation(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::Loan => {
            "mutation($id: ID!) { recallLoanFromAgency(input: { loanId: $id }) { userErrors { field code rule } } }"
        }
        Kind::Complaint => {
            "mutation($id: ID!) { startComplaintReview(input: { complaintId: $id }) { userErrors { field code rule } } }"
        }
        Kind::InfoRequest => {
            "mutation($id: ID!) { answerLoanInformationRequest(input: { infoRequestId: $id, channel: \"mail\" }) { userErrors { field code rule } } }"
        }
        Kind::Application => {
            "mutation($id: ID!) { withdrawRestructuringApplication(input: { applicationId: $id }) { userErrors { field code rule } } }"
        }
        Kind::Appeal => {
            "mutation($id: ID!) { resolveRegulatorAppeal(input: { appealId: $id, outcome: REJECTED, note: \"n\" }) { userErrors { field code rule } } }"
        }
        Kind::Contact => {
            "mutation($id: ID!) { flagContactMisrepresentation(input: { contactId: $id, fields: [PERSON_NAME] }) { userErrors { field code rule } } }"
        }
        Kind::Deferral => {
            "mutation($id: ID!) { grantMilitaryDeferral(input: { deferralId: $id }) { userErrors { field code rule } } }"
        }
        _ => return None,
    })
}

fn subscription(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::Complaint => "subscription($id: ID!) { complaintUpdates(complaintId: $id) { id } }",
        Kind::Application => "subscription($id: ID!) { applicationUpdates(applicationId: $id) { id } }",
        _ => return None,
    })
}

/// The first message a subscription answers with (or "pending" if none within 1 s).
async fn subscribe(app: &TestApp, token: &str, query: &str, id: &str) -> Value {
    let mut socket = ws_connect(app, token).await;
    let _ack = socket.next().await;
    let msg = json!({ "id": "1", "type": "subscribe", "payload": { "query": query, "variables": { "id": id } } });
    socket.send(Message::Text(msg.to_string().into())).await.expect("subscribe");
    match tokio::time::timeout(Duration::from_secs(1), socket.next()).await {
        Ok(Some(Ok(Message::Text(t)))) => {
            let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
            json!({ "type": v["type"], "payload": v["payload"] })
        }
        Ok(other) => json!(format!("{other:?}")),
        Err(_) => json!("pending"),
    }
}

const LISTS: [&str; 6] = [
    "{ r: loans(first: 100) { edges { node { id borrower { id } contacts(first: 50) { nodes { id } } militaryDeferrals { id } } } } }",
    "{ r: complaints(first: 100) { edges { node { id } } } }",
    "{ r: restructuringApplications(first: 100) { edges { node { id appeals { id } } } } }",
    "{ r: deadlines(first: 100) { edges { node { id } } } }",
    "{ r: escalations(first: 100) { edges { node { id } } } }",
    "{ r: contacts(first: 100) { edges { node { id loan { id } } } } }",
];

#[tokio::test]
async fn tenant_isolation_matrix() {
    let app = TestApp::spawn().await;
    let demo = mfo_api::demo::load(&app.ctx).await.expect("demo loads");
    let db = &app.ctx.db;
    let assigned: HashSet<(uuid::Uuid, uuid::Uuid)> = entity::collection_assignment::Entity::find()
        .filter(entity::collection_assignment::Column::EndedAt.is_null())
        .all(db)
        .await
        .expect("assignments")
        .into_iter()
        .map(|a| (a.agency_id, a.loan_id))
        .collect();
    let other_borrower = entity::borrower::Entity::find()
        .filter(entity::borrower::Column::MfoId.eq(demo.kz_mfo.id))
        .filter(entity::borrower::Column::Id.ne(demo.borrower_id))
        // The same one each run (the cells checked depend on what it holds): the last by
        // outside id, for whom every resource has a record outside its bound.
        .order_by_desc(entity::borrower::Column::ExternalId)
        .one(db)
        .await
        .expect("borrowers")
        .expect("another borrower of A");
    let (a, b) = (&demo.kz_mfo, &demo.kg_mfo);
    // The demo holds no loan-information request: one per MFO, asked by a borrower.
    for mfo in [a, b] {
        let l = entity::loan::Entity::find()
            .filter(entity::loan::Column::MfoId.eq(mfo.id))
            .one(db)
            .await
            .expect("loans")
            .expect("a loan of each demo MFO");
        let token = app.borrower_token(mfo, l.borrower_id);
        let m = "mutation($input: RequestLoanInformationInput!) { requestLoanInformation(input: $input) { userErrors { field message code } } }";
        let asked = app
            .gql(
                &token,
                m,
                json!({ "input": { "loanId": gid(Kind::Loan, l.id), "clientSubmissionId": uuid::Uuid::new_v4() } }),
            )
            .await;
        assert_eq!(asked["requestLoanInformation"]["userErrors"], json!([]), "{asked}");
    }
    let p = |name, role, org: &entity::organization::Model, borrower: Option<uuid::Uuid>| Principal {
        name,
        token: app.mint(role, org.id, borrower, name),
        role,
        org: org.id,
        jurisdiction: org.jurisdiction,
        borrower,
    };
    let principals = [
        p("staff of A", Role::MfoStaff, a, None),
        p("manager of A", Role::MfoManager, a, None),
        p("staff of B", Role::MfoStaff, b, None),
        p("manager of B", Role::MfoManager, b, None),
        p("borrower of A", Role::Borrower, a, Some(demo.borrower_id)),
        p("another borrower", Role::Borrower, a, Some(other_borrower.id)),
        p("agency assigned", Role::CollectionAgency, &demo.agency, None),
        p("agency not assigned", Role::CollectionAgency, &app.orgs.agency_2, None),
        p("regulator KZ", Role::Regulator, &demo.kz_regulator, None),
        p("regulator KG", Role::Regulator, &demo.kg_regulator, None),
    ];
    let all = records(&app).await;
    let resources: std::collections::BTreeSet<&str> = all.iter().map(|r| r.resource).collect();
    assert_eq!(resources.len(), 10, "every resource exists in the demo: {resources:?}");

    // Per resource, one record outside each principal's bound and one inside (if any).
    let mut cells = 0usize;
    let mut failures = Vec::new();
    let mut own_listed = HashSet::new();
    for pr in &principals {
        // Lists and nested lists: nothing outside the bound.
        let mut listed = HashSet::new();
        for q in LISTS {
            let (_, body) = app.post(Some(&pr.token), q, json!({})).await;
            if pr.role == Role::MfoStaff {
                assert!(body.get("errors").is_none(), "{}: {q}: {body}", pr.name);
            }
            ids_in(&body["data"], &mut listed);
            cells += 1;
        }
        for r in &all {
            if !pr.bound(&r.facts, &assigned) && listed.contains(&gid(r.kind, r.id)) {
                failures.push(format!("{}: a {} of another tenant is listed", pr.name, r.resource));
            }
        }
        // The lists are not empty by accident (an error would list nothing): staff see
        // their own MFO's records (the demo's complaints are B's, the rest mostly A's).
        if pr.role == Role::MfoStaff {
            own_listed.extend(listed.iter().cloned());
        }
        cells += 4; // nested: borrower, contacts, deferrals (of loans), appeals (of applications)

        let mut seen: HashSet<(&str, bool)> = HashSet::new();
        for r in &all {
            let inside = pr.bound(&r.facts, &assigned);
            if inside || !seen.insert((r.resource, inside)) {
                continue;
            }
            let foreign = gid(r.kind, r.id);
            let random = gid(r.kind, uuid::Uuid::new_v4());
            let mut paths: Vec<(&str, String)> = vec![
                ("node", "query($id: ID!) { r: node(id: $id) { id } }".into()),
                ("audit trail", "query($id: ID!) { r: auditTrail(subjectId: $id) { action } }".into()),
            ];
            if let Some(q) = by_id(r.kind) {
                paths.push(("by id", q.into()));
            }
            if let Some(q) = mutation(r.kind) {
                paths.push(("mutation", q.into()));
            }
            for (path, q) in paths {
                let (s1, hidden) = app.post(Some(&pr.token), &q, json!({ "id": foreign })).await;
                let (s2, absent) = app.post(Some(&pr.token), &q, json!({ "id": random })).await;
                cells += 1;
                if s1 != s2 || shape(&hidden) != shape(&absent) {
                    failures.push(format!(
                        "{}: {} of another tenant by {path} differs from a missing one: {hidden} vs {absent}",
                        pr.name, r.resource
                    ));
                }
            }
            if let Some(q) = subscription(r.kind) {
                let hidden = subscribe(&app, &pr.token, q, &foreign).await;
                let absent = subscribe(&app, &pr.token, q, &random).await;
                cells += 1;
                if hidden != absent {
                    failures.push(format!(
                        "{}: {} of another tenant by subscription differs: {hidden} vs {absent}",
                        pr.name, r.resource
                    ));
                }
            }
        }
    }
    for resource in ["loan", "borrower", "complaint", "application", "appeal", "contact", "deferral", "deadline"] {
        assert!(
            all.iter().any(|r| r.resource == resource && own_listed.contains(&gid(r.kind, r.id))),
            "no staff list holds a {resource} of their own MFO"
        );
    }
    println!(
        "isolation matrix: {cells} cells ({} roles × {} resources × list, by id, node, nested, audit trail, mutation, subscription); {} failures",
        principals.len(),
        resources.len() + 1,
        failures.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
}
