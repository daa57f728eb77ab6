//! Bulk sync through the endpoint: a batch's items are judged one by one (a bad item
//! refuses only itself, its errors pointing into the item), a re-sent batch changes
//! nothing and says so per item, and overlapping batches sent at once store each record once.

use entity::enums::Role;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::fixtures::{borrower_input, loan_input};

pub const UPSERT_BORROWERS: &str = "mutation($input: UpsertBorrowersInput!) { upsertBorrowers(input: $input) { items { index externalId outcome borrower { id } userErrors { field code reason } } counts { created updated unchanged refused } userErrors { field code reason } } }";
pub const UPSERT_LOANS: &str = "mutation($input: UpsertLoansInput!) { upsertLoans(input: $input) { items { index externalId outcome loan { id } userErrors { field code reason } } counts { created updated unchanged refused } userErrors { field code reason } } }";
pub const RECORD_PAYMENTS: &str = "mutation($input: RecordPaymentsInput!) { recordPayments(input: $input) { items { index externalId outcome payment { id } loan { id } userErrors { field code reason } } counts { created updated unchanged refused } userErrors { field code reason } } }";

async fn borrowers(app: &TestApp, token: &str, n: usize) {
    let items: Vec<Value> = (0..n).map(|i| borrower_input(&format!("B{i}"))).collect();
    let r = app.gql(token, UPSERT_BORROWERS, json!({ "input": { "items": items } })).await;
    assert_eq!(r["upsertBorrowers"]["counts"]["created"], n, "{r}");
}

async fn loans(app: &TestApp, token: &str, items: &[Value]) -> Value {
    let r = app.gql(token, UPSERT_LOANS, json!({ "input": { "items": items } })).await;
    assert!(r.get("upsertLoans").is_some(), "{r}");
    r["upsertLoans"].clone()
}

/// A bad item: its index, the field under the item, the reason.
type Bad = (usize, Vec<&'static str>, &'static str);

/// 500 loans over 50 borrowers, 10 of them bad each its own way.
fn batch_with_ten_bad_items() -> (Vec<Value>, Vec<Bad>) {
    let mut items: Vec<Value> =
        (0..500).map(|i| loan_input(&format!("L{i:03}"), &format!("B{}", i % 50), "2026-09-01")).collect();
    let mut bad: Vec<Bad> = Vec::new();
    let mut spoil = |i: usize, field: Vec<&'static str>, reason: &'static str, value: Value| {
        let mut target = &mut items[i];
        for f in &field[..field.len() - 1] {
            target = match f.parse::<usize>() {
                Ok(n) => &mut target[n],
                Err(_) => &mut target[*f],
            };
        }
        target[field[field.len() - 1]] = value;
        bad.push((i, field, reason));
    };
    spoil(3, vec!["externalId"], "REQUIRED", json!(" "));
    spoil(41, vec!["borrowerExternalId"], "UNKNOWN_REFERENCE", json!("NOBODY"));
    spoil(77, vec!["currency"], "UNSUPPORTED_VALUE", json!("EUR"));
    spoil(120, vec!["principal"], "OUT_OF_RANGE", json!("0"));
    spoil(166, vec!["termMonths"], "OUT_OF_RANGE", json!(601));
    spoil(200, vec!["annualRate"], "OUT_OF_RANGE", json!("11"));
    spoil(256, vec!["schedule", "1", "dueDate"], "OUT_OF_ORDER", json!("2026-09-15"));
    spoil(333, vec!["schedule", "0", "principal"], "FINER_THAN_MINOR_UNIT", json!("100000.001"));
    spoil(410, vec!["borrowerExternalId"], "UNKNOWN_REFERENCE", json!("B-missing"));
    spoil(499, vec!["contractNumber"], "REQUIRED", json!(""));
    (items, bad)
}

#[tokio::test]
async fn a_batch_of_500_with_10_bad_items_stores_490_and_refuses_the_10_with_their_reasons() {
    let app = TestApp::spawn().await;
    let token = app.staff();
    borrowers(&app, &token, 50).await;
    let (items, bad) = batch_with_ten_bad_items();

    let started = std::time::Instant::now();
    let statements = app.statements.load(std::sync::atomic::Ordering::SeqCst);
    let first = loans(&app, &token, &items).await;
    let statements = app.statements.load(std::sync::atomic::Ordering::SeqCst) - statements;
    println!("500 loans (490 new) in {:.1?}, {statements} statements", started.elapsed());
    assert_eq!(first["counts"], json!({ "created": 490, "updated": 0, "unchanged": 0, "refused": 10 }));
    assert_eq!(first["userErrors"], json!([]));
    assert_eq!(app.count("loan").await, 490);
    assert_eq!(app.count("installment").await, 490 * 3);
    for (i, item) in first["items"].as_array().expect("items").iter().enumerate() {
        assert_eq!(item["index"], i);
        match bad.iter().find(|(b, _, _)| *b == i) {
            Some((_, field, reason)) => {
                let mut path = vec![json!("input"), json!("items"), json!(i.to_string())];
                path.extend(field.iter().map(|f| json!(f)));
                assert_eq!(item["outcome"], Value::Null, "{item}");
                assert_eq!(item["loan"], Value::Null, "{item}");
                let errors = item["userErrors"].as_array().expect("userErrors");
                assert!(
                    errors.iter().any(|e| e["field"] == json!(path) && e["reason"] == *reason),
                    "item {i}: expected {reason} on {path:?}, got {errors:?}"
                );
            }
            None => {
                assert_eq!(item["outcome"], "CREATED", "{item}");
                assert_eq!(item["userErrors"], json!([]), "{item}");
            }
        }
    }

    // Re-sent as it was: nothing changes, every stored item says so.
    let (audit, outbox) = (app.count("audit_entry").await, app.count("outbox_event").await);
    let again = loans(&app, &token, &items).await;
    assert_eq!(again["counts"], json!({ "created": 0, "updated": 0, "unchanged": 490, "refused": 10 }));
    for (a, b) in first["items"].as_array().expect("items").iter().zip(again["items"].as_array().expect("items")) {
        assert_eq!(a["loan"], b["loan"], "the same records");
        assert_eq!(a["userErrors"], b["userErrors"], "the same refusals");
    }
    assert_eq!(app.count("loan").await, 490);
    assert_eq!(app.count("audit_entry").await, audit, "no audit entry for a batch that changed nothing");
    assert_eq!(app.count("outbox_event").await, outbox, "no event either");

    // One item changed: only it is written.
    let mut changed = items.clone();
    changed[10]["annualRate"] = json!("0.30");
    let third = loans(&app, &token, &changed).await;
    assert_eq!(third["counts"], json!({ "created": 0, "updated": 1, "unchanged": 489, "refused": 10 }));
    assert_eq!(third["items"][10]["outcome"], "UPDATED");
    assert_eq!(app.count("audit_entry").await, audit + 1);
}

#[tokio::test]
async fn two_workers_sending_overlapping_batches_at_once_store_each_loan_once() {
    let app = TestApp::spawn().await;
    let token = app.staff();
    let other = app.manager();
    borrowers(&app, &token, 20).await;
    // Worker A sends L000..L299, worker B L150..L449 in reverse: 150 loans in both.
    let a: Vec<Value> =
        (0..300).map(|i| loan_input(&format!("L{i:03}"), &format!("B{}", i % 20), "2026-09-01")).collect();
    let b: Vec<Value> =
        (150..450).rev().map(|i| loan_input(&format!("L{i:03}"), &format!("B{}", i % 20), "2026-09-01")).collect();
    let audit = app.count("audit_entry").await;
    let (ra, rb) = tokio::join!(loans(&app, &token, &a), loans(&app, &other, &b));
    for r in [&ra, &rb] {
        assert_eq!(r["counts"]["refused"], 0, "{}", r["items"]);
    }
    let created = ra["counts"]["created"].as_i64().unwrap_or(0) + rb["counts"]["created"].as_i64().unwrap_or(0);
    let unchanged = ra["counts"]["unchanged"].as_i64().unwrap_or(0) + rb["counts"]["unchanged"].as_i64().unwrap_or(0);
    assert_eq!((created, unchanged), (450, 150), "each shared loan created by one worker, found by the other");
    assert_eq!(app.count("loan").await, 450);
    assert_eq!(app.count("installment").await, 450 * 3);
    assert_eq!(app.count("(SELECT mfo_id FROM loan GROUP BY mfo_id, external_id HAVING COUNT(*) > 1) v").await, 0);
    assert_eq!(app.count("audit_entry").await, audit + 450, "one loan.created per loan");
    // Both answer the shared loans with the same records.
    for i in 150..300 {
        let in_a = &ra["items"][i]["loan"]["id"];
        let in_b = &rb["items"][449 - i]["loan"]["id"];
        assert_eq!(in_a, in_b, "L{i:03}");
    }
}

#[tokio::test]
async fn borrowers_in_a_batch_say_what_became_of_each() {
    let app = TestApp::spawn().await;
    let token = app.staff();
    borrowers(&app, &token, 3).await;
    let mut renamed = borrower_input("B1");
    renamed["fullName"] = json!("Aigerim Sadykova");
    let mut bad = borrower_input("B9");
    bad["email"] = json!("not an address");
    let items = json!([borrower_input("B0"), renamed, borrower_input("B3"), bad]);
    let r = app.gql(&token, UPSERT_BORROWERS, json!({ "input": { "items": items } })).await["upsertBorrowers"].clone();
    let outcomes: Vec<&Value> = r["items"].as_array().expect("items").iter().map(|i| &i["outcome"]).collect();
    assert_eq!(outcomes, vec![&json!("UNCHANGED"), &json!("UPDATED"), &json!("CREATED"), &Value::Null]);
    assert_eq!(r["items"][3]["userErrors"][0]["field"], json!(["input", "items", "3", "email"]));
    assert_eq!(r["items"][3]["userErrors"][0]["reason"], "MALFORMED");
    assert_eq!(app.count("borrower").await, 4);
}

#[tokio::test]
async fn payments_in_a_batch_are_recorded_once_and_a_loan_not_found_refuses_only_its_item() {
    let app = TestApp::spawn().await;
    let token = app.staff();
    borrowers(&app, &token, 1).await;
    loans(&app, &token, &[loan_input("L1", "B0", "2026-01-01"), loan_input("L2", "B0", "2026-01-01")]).await;
    let pay = |loan: &str, ext: &str, amount: &str| json!({ "loanExternalId": loan, "externalId": ext, "paidAt": "2026-02-10T06:00:00Z", "amount": amount });
    let items = json!([
        pay("L1", "P1", "108750"),
        pay("L2", "P1", "50000"),
        pay("NOPE", "P2", "1000"),
        pay("L1", "P3", "-5"),
        pay("L2", "P2", "20000"),
    ]);
    let first =
        app.gql(&token, RECORD_PAYMENTS, json!({ "input": { "items": items } })).await["recordPayments"].clone();
    assert_eq!(first["counts"], json!({ "created": 3, "updated": 0, "unchanged": 0, "refused": 2 }), "{first}");
    assert_eq!(first["items"][2]["userErrors"][0]["field"], json!(["input", "items", "2", "loanExternalId"]));
    assert_eq!(first["items"][2]["userErrors"][0]["reason"], "UNKNOWN_REFERENCE");
    assert_eq!(first["items"][3]["userErrors"][0]["field"], json!(["input", "items", "3", "amount"]));
    assert_eq!(app.count("payment").await, 3);

    let audit = app.count("audit_entry").await;
    let again =
        app.gql(&token, RECORD_PAYMENTS, json!({ "input": { "items": items } })).await["recordPayments"].clone();
    assert_eq!(again["counts"], json!({ "created": 0, "updated": 0, "unchanged": 3, "refused": 2 }));
    assert_eq!(again["items"][0]["payment"], first["items"][0]["payment"]);
    assert_eq!(app.count("audit_entry").await, audit);

    // The same payment id with another amount is a CONFLICT on that item only.
    let mut other = items.clone();
    other[1]["amount"] = json!("49000");
    other[4]["externalId"] = json!("P4");
    let third =
        app.gql(&token, RECORD_PAYMENTS, json!({ "input": { "items": other } })).await["recordPayments"].clone();
    assert_eq!(third["items"][1]["userErrors"][0]["code"], "CONFLICT");
    assert_eq!(third["items"][1]["userErrors"][0]["field"], json!(["input", "items", "1", "externalId"]));
    assert_eq!(third["items"][4]["outcome"], "CREATED");
    assert_eq!(app.count("payment").await, 4);
}

#[tokio::test]
async fn a_batch_of_more_than_500_is_refused_whole_and_only_the_mfo_s_staff_may_sync() {
    let app = TestApp::spawn().await;
    let token = app.staff();
    let items: Vec<Value> = (0..501).map(|i| borrower_input(&format!("B{i}"))).collect();
    let r = app.gql(&token, UPSERT_BORROWERS, json!({ "input": { "items": items } })).await["upsertBorrowers"].clone();
    assert_eq!(r["items"], json!([]));
    assert_eq!(r["userErrors"][0]["field"], json!(["input", "items"]));
    assert_eq!(r["userErrors"][0]["reason"], "TOO_MANY");
    assert_eq!(app.count("borrower").await, 0);

    let agency = app.mint(Role::CollectionAgency, app.orgs.agency.id, None, "agency");
    let code = app.error_code(&agency, UPSERT_BORROWERS, json!({ "input": { "items": [borrower_input("B1")] } })).await;
    assert_eq!(code, "FORBIDDEN");
}

/// A loan of a year: 12 monthly installments of 25,000 principal and 1,000 interest.
fn yearly_loan(external_id: &str, borrower: &str) -> Value {
    let mut l = loan_input(external_id, borrower, "2026-09-01");
    let start = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).expect("date");
    let schedule: Vec<Value> = (1..=12)
        .map(|m| {
            let due = start.checked_add_months(chrono::Months::new(m)).expect("date");
            json!({ "dueDate": due.to_string(), "principal": "25000", "interest": "1000" })
        })
        .collect();
    l["principal"] = json!("300000");
    l["termMonths"] = json!(12);
    l["schedule"] = json!(schedule);
    l
}

#[tokio::test]
async fn a_batch_of_100_new_loans_takes_as_many_statements_as_one_of_10_and_so_does_each_re_sent() {
    let app = TestApp::spawn().await;
    let token = app.staff();
    borrowers(&app, &token, 10).await;
    let batch = |from: usize, n: usize| -> Vec<Value> {
        (from..from + n).map(|i| yearly_loan(&format!("Y{i:04}"), &format!("B{}", i % 10))).collect()
    };
    let (ten, hundred) = (batch(0, 10), batch(100, 100));
    let counted = async |items: &[Value]| {
        let before = app.statements.load(std::sync::atomic::Ordering::SeqCst);
        let r = loans(&app, &token, items).await;
        (app.statements.load(std::sync::atomic::Ordering::SeqCst) - before, r["counts"].clone())
    };
    let counts = |created: usize, unchanged: usize| json!({ "created": created, "updated": 0, "unchanged": unchanged, "refused": 0 });

    let (new_10, c) = counted(&ten).await;
    assert_eq!(c, counts(10, 0));
    let (new_100, c) = counted(&hundred).await;
    assert_eq!(c, counts(100, 0));
    let (again_10, c) = counted(&ten).await;
    assert_eq!(c, counts(0, 10));
    let (again_100, c) = counted(&hundred).await;
    assert_eq!(c, counts(0, 100));
    println!("statements: new 10 {new_10}, new 100 {new_100}; re-sent 10 {again_10}, re-sent 100 {again_100}");

    assert_eq!(app.count("loan").await, 110);
    assert_eq!(app.count("installment").await, 110 * 12);
    assert_eq!(new_100, new_10, "new loans: the statements of a batch do not grow with its items");
    assert_eq!(again_100, again_10, "re-sent loans: likewise");
    assert!(again_10 < new_10, "a re-sent batch only reads");
}

/// On PostgreSQL: the batch locks its loans, then waits at its commit for the audit chain's
/// head, which another transaction holds; that one then asks for one of the batch's loans.
/// The database breaks the deadlock by failing the batch (it waited first, so its check
/// runs first), and `Ctx::write` reruns it: the other transaction gets its row, the batch
/// succeeds on its second run, and each loan is stored and recorded once.
#[tokio::test]
async fn a_batch_failed_by_a_deadlock_is_rerun_and_changes_each_loan_once() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let app = TestApp::spawn().await;
    if app.ctx.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        // SQLite's writers are one at a time (the writer permit, `BEGIN IMMEDIATE`): no
        // deadlock to meet; the classifier's unit test covers its BUSY/LOCKED codes.
        return;
    }
    let token = app.staff();
    borrowers(&app, &token, 2).await;
    let items: Vec<Value> =
        (0..4).map(|i| loan_input(&format!("D{i}"), &format!("B{}", i % 2), "2026-09-01")).collect();
    let first = loans(&app, &token, &items).await;
    assert_eq!(first["counts"]["created"], 4, "{first}");
    let mut changed = items.clone();
    changed[2]["annualRate"] = json!("0.30");
    let audit = app.count("audit_entry").await;

    let other = app.ctx.db.begin().await.expect("begin");
    // This transaction never breaks the deadlock itself: the batch's check (after the
    // default second) finds it, whichever of the two began waiting first.
    other.execute_unprepared("SET LOCAL deadlock_timeout = '60s'").await.expect("deadlock_timeout");
    other.execute_unprepared("UPDATE chain_head SET appended = appended WHERE name = 'audit'").await.expect("head");
    let (second, ()) = tokio::join!(loans(&app, &token, &changed), async {
        // Until the batch holds D2 (its only writer): a probe that does not wait fails.
        let mut probes = 0;
        loop {
            let probe = app.ctx.db.begin().await.expect("begin");
            let held = probe
                .execute_unprepared("SELECT id FROM loan WHERE external_id = 'D2' FOR UPDATE NOWAIT")
                .await
                .is_err();
            probe.rollback().await.expect("rollback");
            if held {
                break;
            }
            probes += 1;
            assert!(probes < 500, "the batch never locked its loans");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        // The batch now waits (or will) for the head this transaction holds; asking for D2
        // closes the cycle. It returns only once the batch's transaction ended, and that
        // cannot be a commit while the head is held here: the batch's run was failed.
        other
            .execute_unprepared("SELECT id FROM loan WHERE external_id = 'D2' FOR UPDATE")
            .await
            .expect("the batch is the deadlock's victim, so this transaction gets the row");
        other.rollback().await.expect("rollback");
    });
    assert_eq!(second["counts"], json!({ "created": 0, "updated": 1, "unchanged": 3, "refused": 0 }), "{second}");
    assert_eq!(second["items"][2]["outcome"], "UPDATED");
    assert_eq!(app.count("loan").await, 4);
    assert_eq!(app.count("audit_entry").await, audit + 1, "one loan.updated: the failed run left nothing");
    assert_eq!(app.count("installment").await, 4 * 3);
    assert!(mfo_api::services::chain::verify_chain(&app.ctx.db).await.expect("verify").is_ok());
}
