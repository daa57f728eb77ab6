//! The change feed (`changes`) and `updatedAfter`: what a back office or a data warehouse
//! that cannot hold a socket relies on to follow the API: every change to what it may see,
//! in commit order, resumable from a cursor, within the retention; nothing of others'.

use std::collections::{BTreeMap, HashSet};

use chrono::Duration;
use entity::enums::Role;
use mfo_api::graphql::ids::{Kind, encode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::complaints::{register, written};
use crate::helpers::TestApp;
use crate::helpers::fixtures::{UPSERT_BORROWER, borrower_input, borrower_with_loan};

const CHANGES: &str = "query($after: String, $types: [ChangeRecordType!], $first: Int) {
    changes(after: $after, types: $types, first: $first) {
        edges { cursor node { id type recordType recordId occurredAt } }
        pageInfo { hasNextPage endCursor }
    } }";

/// Every change the token may read from `after` on, page by page; and the last cursor.
async fn walk(
    app: &TestApp,
    token: &str,
    after: Option<String>,
    types: Value,
    first: i64,
) -> (Vec<Value>, Option<String>) {
    let mut out = Vec::new();
    let mut cursor = after;
    loop {
        let d = app.gql(token, CHANGES, json!({ "after": cursor, "types": types, "first": first })).await;
        let page = &d["changes"];
        out.extend(page["edges"].as_array().expect("edges").iter().map(|e| e["node"].clone()));
        if let Some(c) = page["pageInfo"]["endCursor"].as_str() {
            cursor = Some(c.to_owned());
        }
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            return (out, cursor);
        }
    }
}

fn ids(changes: &[Value]) -> Vec<String> {
    changes.iter().map(|c| c["id"].as_str().expect("change id").to_owned()).collect()
}

/// The record types of the feed, by the outbox's subject type.
fn kind_of(subject: &str) -> Option<Kind> {
    Some(match subject {
        "loan" => Kind::Loan,
        "borrower" => Kind::Borrower,
        "complaint" => Kind::Complaint,
        "info_request" => Kind::InfoRequest,
        "application" => Kind::Application,
        "appeal" => Kind::Appeal,
        "contact" => Kind::Contact,
        "military_deferral" => Kind::Deferral,
        "deadline" => Kind::Deadline,
        "escalation" => Kind::Escalation,
        "organization" => Kind::Organization,
        _ => return None,
    })
}

/// Over the demo, each principal of the isolation matrix reads exactly the changes of the
/// records it may read by id (`nodes(ids:)`), every one of them, in commit order.
#[tokio::test]
async fn each_principal_reads_exactly_the_changes_of_the_records_it_may_see() {
    let app = TestApp::spawn().await;
    let demo = mfo_api::demo::load(&app.ctx).await.expect("demo loads");
    let db = &app.ctx.db;
    let events = entity::outbox_event::Entity::find()
        .order_by_asc(entity::outbox_event::Column::Seq)
        .all(db)
        .await
        .expect("outbox");
    let feed: Vec<(String, String)> = events
        .iter()
        .filter_map(|e| kind_of(&e.subject_type).map(|k| (e.id.to_string(), encode(k, e.subject_id).0)))
        .collect();
    let records: Vec<String> = feed.iter().map(|(_, r)| r.clone()).collect::<HashSet<_>>().into_iter().collect();
    let other_borrower = entity::borrower::Entity::find()
        .filter(entity::borrower::Column::MfoId.eq(demo.kz_mfo.id))
        .filter(entity::borrower::Column::Id.ne(demo.borrower_id))
        .one(db)
        .await
        .expect("borrowers")
        .expect("another borrower of A");
    let (a, b) = (&demo.kz_mfo, &demo.kg_mfo);
    let principals = [
        ("staff of A", app.mint(Role::MfoStaff, a.id, None, "staff-a")),
        ("manager of B", app.mint(Role::MfoManager, b.id, None, "manager-b")),
        ("borrower of A", app.mint(Role::Borrower, a.id, Some(demo.borrower_id), "borrower-a")),
        ("another borrower", app.mint(Role::Borrower, a.id, Some(other_borrower.id), "borrower-x")),
        ("agency assigned", app.mint(Role::CollectionAgency, demo.agency.id, None, "agency")),
        ("agency not assigned", app.mint(Role::CollectionAgency, app.orgs.agency_2.id, None, "agency-2")),
        ("regulator KZ", app.mint(Role::Regulator, demo.kz_regulator.id, None, "reg-kz")),
        ("regulator KG", app.mint(Role::Regulator, demo.kg_regulator.id, None, "reg-kg")),
    ];
    let mut sizes = BTreeMap::new();
    for (name, token) in &principals {
        // What the principal may read by id.
        let mut visible = HashSet::new();
        for chunk in records.chunks(100) {
            let d = app.gql(token, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": chunk })).await;
            for n in d["nodes"].as_array().expect("nodes") {
                if let Some(id) = n["id"].as_str() {
                    visible.insert(id.to_owned());
                }
            }
        }
        let expected: Vec<String> =
            feed.iter().filter(|(_, r)| visible.contains(r)).map(|(id, _)| id.clone()).collect();
        let (read, _) = walk(&app, token, None, Value::Null, 100).await;
        assert_eq!(ids(&read), expected, "{name}: the changes of exactly the records it may see, in commit order");
        sizes.insert(*name, read.len());
    }
    // Not empty by accident: each reader of records has changes to read.
    for name in ["staff of A", "manager of B", "borrower of A", "agency assigned", "regulator KZ", "regulator KG"] {
        assert!(sizes[name] > 0, "{name} reads changes: {sizes:?}");
    }
    assert!(sizes["staff of A"] > sizes["borrower of A"], "{sizes:?}");
}

/// Paging: small pages read the same changes as one big page; a cursor resumes after its
/// change; what is committed later is read from the last `endCursor`; `types` narrows.
#[tokio::test]
async fn the_feed_resumes_from_its_cursor_in_commit_order() {
    let app = TestApp::spawn().await;
    let staff = app.staff();
    for k in ["F1", "F2", "F3"] {
        borrower_with_loan(&app, &app.orgs.kz_mfo, k, "2026-10-01").await;
    }
    let (all, end) = walk(&app, &staff, None, Value::Null, 100).await;
    assert!(all.len() >= 6, "three borrowers and three loans: {all:?}");
    let (paged, _) = walk(&app, &staff, None, Value::Null, 2).await;
    assert_eq!(ids(&paged), ids(&all), "pages of 2 read what one page reads");

    // Nothing new: the last cursor reads nothing, and says so.
    let (none, _) = walk(&app, &staff, end.clone(), Value::Null, 100).await;
    assert_eq!(none, Vec::<Value>::new());
    // A change committed later is read from it, once.
    app.advance(Duration::minutes(5));
    let mut changed = borrower_input("F2");
    changed["phone"] = json!("+7 701 999 99 99");
    let r = app.gql(&staff, UPSERT_BORROWER, json!({ "input": changed })).await;
    assert_eq!(r["upsertBorrower"]["userErrors"], json!([]), "{r}");
    let (new, _) = walk(&app, &staff, end, Value::Null, 100).await;
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0]["recordType"], "BORROWER");
    assert_eq!(new[0]["recordId"], r["upsertBorrower"]["borrower"]["id"]);

    // `types`: only loans.
    let (loans, _) = walk(&app, &staff, None, json!(["LOAN"]), 100).await;
    assert_eq!(loans.len(), 3, "{loans:?}");
    assert!(
        loans.iter().all(|c| c["recordType"] == "LOAN" && c["type"].as_str().is_some_and(|t| t.starts_with("loan.")))
    );
    // An edge's cursor resumes after that edge.
    let d = app.gql(&staff, CHANGES, json!({ "first": 1, "types": ["LOAN"] })).await;
    let first_cursor = d["changes"]["edges"][0]["cursor"].as_str().expect("cursor").to_owned();
    let (rest, _) = walk(&app, &staff, Some(first_cursor), json!(["LOAN"]), 100).await;
    assert_eq!(ids(&rest), ids(&loans[1..]));

    // A cursor that is not one of ours.
    let code = app.error_code(&staff, CHANGES, json!({ "after": "bm9wZQ" })).await;
    assert_eq!(code, "BAD_USER_INPUT");
}

/// Retention: a cursor or an `updatedAfter` older than the retention is refused (never a
/// silent gap), and the scanner deletes the changes past it.
#[tokio::test]
async fn changes_past_the_retention_are_refused_and_pruned() {
    let app = TestApp::spawn().await;
    let staff = app.staff();
    borrower_with_loan(&app, &app.orgs.kz_mfo, "OLD", "2026-10-01").await;
    let start = app.now();
    let (old, cursor) = walk(&app, &staff, None, Value::Null, 100).await;
    assert!(old.len() >= 2, "the borrower and the loan at least: {old:?}");
    let days = i64::from(mfo_api::services::changes::DEFAULT_RETENTION_DAYS);

    // The last day of the retention: still answered.
    app.advance(Duration::days(days) - Duration::minutes(1));
    let staff = app.staff();
    let (none, _) = walk(&app, &staff, cursor.clone(), Value::Null, 100).await;
    assert_eq!(none, Vec::<Value>::new());
    let q = "query($t: DateTime!) { loans(filter: { updatedAfter: $t }) { edges { node { externalId } } } }";
    let d = app.gql(&staff, q, json!({ "t": start })).await;
    assert_eq!(d["loans"]["edges"].as_array().map(Vec::len), Some(1), "{d}");

    // Past it: refused, naming the field.
    app.advance(Duration::minutes(2));
    let staff = app.staff();
    let (status, body) = app.post(Some(&staff), CHANGES, json!({ "after": cursor })).await;
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.contains(&days.to_string())), "{body}");
    assert_eq!(app.error_code(&staff, q, json!({ "t": start })).await, "BAD_USER_INPUT");

    // The scanner deletes changes older than the retention and a day's margin, not newer.
    borrower_with_loan(&app, &app.orgs.kz_mfo, "NEW", "2026-10-01").await;
    let old_rows = || async {
        entity::outbox_event::Entity::find()
            .filter(entity::outbox_event::Column::OccurredAt.lte(start))
            .all(&app.ctx.db)
            .await
            .expect("outbox")
            .len()
    };
    let written = old_rows().await;
    assert!(written >= old.len(), "{written} rows");
    let report = app.scanner("pruner").tick().await.expect("a pass");
    assert_eq!((report.pruned, old_rows().await), (0, written), "nothing is deleted within the day's margin");
    app.advance(Duration::days(1));
    let report = app.scanner("pruner").tick().await.expect("a pass");
    assert_eq!((report.pruned, old_rows().await), (written as u64, 0), "the old changes are deleted");
    let staff = app.staff();
    let (fresh, _) = walk(&app, &staff, None, json!(["BORROWER"]), 100).await;
    assert_eq!(fresh.len(), 1, "the new borrower's change is still read: {fresh:?}");
}

/// `updatedAfter` on the root lists: the records created or changed since the instant,
/// whatever changed them (a payment changes its loan; a step changes its complaint).
#[tokio::test]
async fn updated_after_lists_the_records_changed_since() {
    let app = TestApp::spawn().await;
    let (_, _, loan_a) = borrower_with_loan(&app, &app.orgs.kz_mfo, "UA", "2026-10-01").await;
    let (_, _, _loan_b) = borrower_with_loan(&app, &app.orgs.kz_mfo, "UB", "2026-10-01").await;
    let kg_staff = app.staff_of(&app.orgs.kg_mfo);
    let old = register(&app, &kg_staff, written("RU")).await;
    assert_eq!(old["userErrors"], json!([]), "{old}");

    app.advance(Duration::hours(1));
    let since = app.now();
    app.advance(Duration::minutes(1));
    let (staff, kg_staff) = (app.staff(), app.staff_of(&app.orgs.kg_mfo));
    // Loan A changes (a payment); borrower B changes (a new phone); a new complaint.
    let pay = "mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { userErrors { field code } } }";
    let r = app
        .gql(
            &staff,
            pay,
            json!({ "input": { "loanExternalId": "L-UA", "externalId": "P-1", "paidAt": app.now(), "amount": "1000" } }),
        )
        .await;
    assert_eq!(r["recordPayment"]["userErrors"], json!([]), "{r}");
    let mut b = borrower_input("UB");
    b["phone"] = json!("+7 701 555 55 55");
    let r = app.gql(&staff, UPSERT_BORROWER, json!({ "input": b })).await;
    assert_eq!(r["upsertBorrower"]["userErrors"], json!([]), "{r}");
    let new = register(&app, &kg_staff, written("RU")).await;
    assert_eq!(new["userErrors"], json!([]), "{new}");

    let list = |field: &str, fields: &str| {
        format!(
            "query($t: DateTime) {{ r: {field}(filter: {{ updatedAfter: $t }}, first: 100) {{ totalCount edges {{ node {{ {fields} }} }} }} }}"
        )
    };
    let ask = |token: &str, q: String, t: Option<chrono::DateTime<chrono::Utc>>| {
        let app = &app;
        let token = token.to_owned();
        async move {
            let d = app.gql(&token, &q, json!({ "t": t })).await;
            let edges: Vec<Value> =
                d["r"]["edges"].as_array().expect("edges").iter().map(|e| e["node"].clone()).collect();
            assert_eq!(d["r"]["totalCount"], json!(edges.len()), "the count agrees with the list: {d}");
            edges
        }
    };
    let loans = ask(&staff, list("loans", "id"), Some(since)).await;
    assert_eq!(loans, vec![json!({ "id": loan_a })], "only the paid loan");
    assert_eq!(ask(&staff, list("loans", "id"), None).await.len(), 2);
    let borrowers = ask(&staff, list("borrowers", "externalId"), Some(since)).await;
    assert_eq!(borrowers, vec![json!({ "externalId": "UB" })]);
    let complaints = ask(&kg_staff, list("complaints", "id"), Some(since)).await;
    assert_eq!(complaints, vec![json!({ "id": new["complaint"]["id"] })]);
    assert_eq!(ask(&kg_staff, list("complaints", "id"), None).await.len(), 2);
    // The new complaint's answer deadline was opened since; the old one's was not.
    let deadlines = ask(&kg_staff, list("deadlines", "subjectId"), Some(since)).await;
    assert!(!deadlines.is_empty());
    assert!(deadlines.iter().all(|d| d["subjectId"] == new["complaint"]["id"]), "{deadlines:?}");

    // The lists without a change since: an instant after everything lists nothing.
    app.advance(Duration::minutes(1));
    let later = app.now();
    let (staff, kg_staff) = (app.staff(), app.staff_of(&app.orgs.kg_mfo));
    for (field, token) in [
        ("loans", &staff),
        ("borrowers", &staff),
        ("complaints", &kg_staff),
        ("restructuringApplications", &staff),
        ("contacts", &staff),
        ("deadlines", &kg_staff),
        ("escalations", &kg_staff),
    ] {
        assert_eq!(ask(token, list(field, "id"), Some(later)).await, Vec::<Value>::new(), "{field}");
    }
}

/// Writers committing at once while a poller follows the feed from its last cursor: the
/// poller reads every change exactly once (sequence numbers are drawn in commit order, so
/// a change committed later never lands behind a cursor already handed out).
#[tokio::test]
async fn a_poller_misses_no_change_while_writers_commit_at_once() {
    let app = TestApp::spawn().await;
    let staff = app.staff();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers = (0..4).map(|w| {
        let (app, staff) = (&app, staff.clone());
        async move {
            for i in 0..10 {
                let r =
                    app.gql(&staff, UPSERT_BORROWER, json!({ "input": borrower_input(&format!("W{w}-{i}")) })).await;
                assert_eq!(r["upsertBorrower"]["userErrors"], json!([]), "{r}");
            }
        }
    });
    let poller = {
        let (app, staff, done) = (&app, staff.clone(), done.clone());
        async move {
            let mut seen = Vec::new();
            let mut cursor = None;
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let (page, end) = walk(app, &staff, cursor.clone(), json!(["BORROWER"]), 7).await;
                seen.extend(ids(&page));
                cursor = end.or(cursor);
                if finished {
                    return seen;
                }
                tokio::task::yield_now().await;
            }
        }
    };
    let writing = async {
        futures_util::future::join_all(writers).await;
        done.store(true, std::sync::atomic::Ordering::SeqCst);
    };
    let ((), polled) = tokio::join!(writing, poller);
    let (all, _) = walk(&app, &staff, None, json!(["BORROWER"]), 100).await;
    assert_eq!(all.len(), 40);
    assert_eq!(polled, ids(&all), "every change once, in commit order");
}
