//! The deadline machinery on a real portfolio's legacy data: loans overdue since before the
//! first policy version, rows an older or newer release cannot read. None of them stalls the
//! deadlines of anyone else, and none answers INTERNAL.

//! A real portfolio's legacy data: loans overdue since before the first policy
//! version, rows an older or newer release cannot read. None of them may stall the
//! deadline machinery for anyone else, and none answers INTERNAL.

use crate::helpers::TestApp;
use crate::helpers::fixtures::{borrower_with_loan, on, overdue_loan, uuid_of};
use chrono::Duration;
use entity::enums::{DeadlineKind, Jurisdiction, Obligor};
use entity::{deadline, loan, policy_version};
use mfo_api::services::deadlines::{self, NewDeadline};
use mfo_api::services::write::{Actor, Subject, Write};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::{Value, json};

const LOAN_Q: &str = "query($id: ID!) { loan(id: $id) { overdue { overdue since } deadlines { kind rule status dueDate policyVersionId } } }";

async fn loan(app: &TestApp, id: &str) -> Value {
    app.gql(&app.staff(), LOAN_Q, json!({ "id": id })).await["loan"].clone()
}

async fn missed_escalations(app: &TestApp) -> Vec<(String, String)> {
    let r = app
        .gql(
            &app.regulator(Jurisdiction::Kz),
            "{ escalations(first: 100) { edges { node { kind rule subjectId } } } }",
            json!({}),
        )
        .await;
    r["escalations"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            (e["node"]["kind"].as_str().unwrap_or("").to_owned(), e["node"]["rule"].as_str().unwrap_or("").to_owned())
        })
        .collect()
}

/// Makes a row unreadable the way a newer release's value would: an enum spelling this
/// build does not know.
async fn poison_loan(app: &TestApp, id: uuid::Uuid) {
    loan::Entity::update_many()
        .col_expr(loan::Column::RepaymentOrder, Expr::value("FROM_A_NEWER_RELEASE"))
        .filter(loan::Column::Id.eq(id))
        .exec(&app.ctx.db)
        .await
        .expect("poison loan");
}

async fn poisoned_deadline(app: &TestApp, subject: uuid::Uuid) -> uuid::Uuid {
    let law = mfo_api::services::reference::law(&app.ctx.reference, &app.ctx.db, Jurisdiction::Kz, app.now())
        .await
        .expect("law");
    let mut w = Write::begin(&app.ctx, Actor::system("test")).await.expect("begin");
    let due = law.calendar.due_in_calendar_days(law.calendar.local_date(w.now), 1);
    let d = deadlines::open(
        &mut w,
        NewDeadline {
            subject: Subject::new("loan", subject),
            org_id: app.orgs.kz_mfo.id,
            jurisdiction: Jurisdiction::Kz,
            kind: DeadlineKind::ApplicationDecision,
            rule: "R8",
            obligor: Obligor::Mfo,
            due,
            policy_version_id: law.policy.id,
            occurrence: "poison".into(),
        },
    )
    .await
    .expect("open");
    w.commit().await.expect("commit");
    deadline::Entity::update_many()
        .col_expr(deadline::Column::Kind, Expr::value("FROM_A_NEWER_RELEASE"))
        .filter(deadline::Column::Id.eq(d.id))
        .exec(&app.ctx.db)
        .await
        .expect("poison deadline");
    d.id
}

#[tokio::test]
async fn r01_an_overdue_that_began_before_the_first_policy_opens_no_duty_and_stalls_no_other() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-01");
    let legacy = overdue_loan(&app, "OLD", "2023-03-02", json!({}), json!({})).await;
    let current = overdue_loan(&app, "NEW", "2026-10-02", json!({}), json!({})).await;

    on(&app, "2026-10-02");
    let report = app.scanner("s").tick().await.expect("tick");
    assert_eq!((report.notice_duties_opened, report.before_the_law, report.failed), (1, 1, 0), "{report:?}");
    let old = loan(&app, &legacy.loan).await;
    assert_eq!(old["overdue"], json!({ "overdue": true, "since": "2023-03-02" }));
    assert_eq!(old["deadlines"], json!([]), "R1 was not law when this overdue began: no notice duty");
    let trail = app
        .gql(
            &app.staff(),
            "query($id: ID!) { auditTrail(subjectId: $id) { action after } }",
            json!({ "id": legacy.loan }),
        )
        .await;
    let overdue = trail["auditTrail"]
        .as_array()
        .expect("trail")
        .iter()
        .find(|e| e["action"] == "loan.overdue")
        .cloned()
        .expect("the sweep's finding is on the record");
    assert_eq!(overdue["after"]["noticeDuty"], Value::Null);
    assert_eq!(overdue["after"]["lawInForceFrom"], "2024-09-09");
    // Later passes leave it alone.
    assert_eq!(app.scanner("s").tick().await.expect("tick").before_the_law, 0);

    // The current loan's duty is still missed on time and escalated.
    on(&app, "2026-10-23");
    let report = app.scanner("s").tick().await.expect("tick");
    assert_eq!((report.missed, report.failed), (1, 0), "{report:?}");
    assert_eq!(loan(&app, &current.loan).await["deadlines"][0]["status"], "MISSED");
    assert_eq!(missed_escalations(&app).await, vec![("DEADLINE_MISSED".to_owned(), "R1".to_owned())]);
}

#[tokio::test]
async fn r01_the_notice_duty_keeps_the_figures_in_force_when_its_overdue_began() {
    let app = TestApp::spawn().await;
    // A later KZ version shortens R1's window to 10 days from 2026-10-10.
    let shipped = policy_version::Entity::find()
        .filter(policy_version::Column::Jurisdiction.eq(Jurisdiction::Kz))
        .all(&app.ctx.db);
    let v1 = shipped.await.expect("policies").into_iter().next().expect("shipped KZ version");
    let mut figures = v1.figures.clone();
    figures["delinquency"]["notice_calendar_days"] = json!(10);
    let v2 = uuid::Uuid::new_v4();
    policy_version::Entity::insert(policy_version::ActiveModel {
        id: Set(v2),
        jurisdiction: Set(Jurisdiction::Kz),
        effective_from: Set(chrono::NaiveDate::from_ymd_opt(2026, 10, 10).expect("date")),
        name: Set("KZ R1 10 days (test)".into()),
        figures: Set(figures),
        created_at: Set(app.now()),
    })
    .exec_without_returning(&app.ctx.db)
    .await
    .expect("insert version");
    // As `mfo-api policy import` would: the running instance forgets its cached versions.
    app.ctx.reference.invalidate();

    on(&app, "2026-09-30");
    let before = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    let after = overdue_loan(&app, "B", "2026-10-12", json!({}), json!({})).await;
    on(&app, "2026-10-12");
    app.scanner("s").tick().await.expect("tick");
    let a = loan(&app, &before.loan).await["deadlines"][0].clone();
    let b = loan(&app, &after.loan).await["deadlines"][0].clone();
    assert_eq!((a["dueDate"].as_str(), a["policyVersionId"].as_str()), (Some("2026-10-22"), Some(&*v1.id.to_string())));
    assert_eq!((b["dueDate"].as_str(), b["policyVersionId"].as_str()), (Some("2026-10-22"), Some(&*v2.to_string())));
}

#[tokio::test]
async fn a_poisoned_loan_and_a_poisoned_deadline_fail_alone_and_are_retried_with_backoff() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-01");
    let a = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    let b = overdue_loan(&app, "B", "2026-10-02", json!({}), json!({})).await;
    let p = overdue_loan(&app, "P", "2026-10-02", json!({}), json!({})).await;
    poison_loan(&app, uuid_of(&p.loan)).await;
    let (_, other, _) = borrower_with_loan(&app, &app.orgs.kz_mfo, "Q", "2026-09-30").await;
    let bad = poisoned_deadline(&app, other).await;
    let scanner = app.scanner("s");

    on(&app, "2026-10-02");
    let report = scanner.tick().await.expect("a poisoned record never fails the pass");
    assert_eq!((report.notice_duties_opened, report.failed), (2, 1), "{report:?}");
    for s in [&a, &b] {
        assert_eq!(loan(&app, &s.loan).await["deadlines"][0]["status"], "OPEN");
    }
    // Within its backoff the loan is not tried again.
    let report = scanner.tick().await.expect("tick");
    assert_eq!((report.failed, report.backing_off), (0, 1), "{report:?}");

    // The poisoned deadline falls due: it fails alone, and its lease holds it until its retry.
    on(&app, "2026-10-05");
    let report = scanner.tick().await.expect("tick");
    assert_eq!((report.claimed, report.failed, report.missed), (1, 2, 0), "{report:?}");
    let held: Option<chrono::DateTime<chrono::Utc>> = deadline::Entity::find_by_id(bad)
        .select_only()
        .column(deadline::Column::LeaseUntil)
        .into_tuple()
        .one(&app.ctx.db)
        .await
        .expect("load")
        .expect("row");
    assert!(held.is_some_and(|t| t >= app.now() + Duration::seconds(60)), "lease held until the retry: {held:?}");
    let report = scanner.tick().await.expect("tick");
    assert_eq!((report.claimed, report.failed), (0, 0), "{report:?}");

    // Every other deadline is still missed and escalated on time.
    on(&app, "2026-10-23");
    let report = scanner.tick().await.expect("tick");
    assert_eq!(report.missed, 2, "{report:?}");
    assert_eq!(
        missed_escalations(&app).await,
        vec![("DEADLINE_MISSED".to_owned(), "R1".to_owned()), ("DEADLINE_MISSED".to_owned(), "R1".to_owned())]
    );
    let metrics = app.client.get(format!("http://{}/metrics", app.addr)).send().await.expect("metrics");
    let text = metrics.text().await.expect("text");
    for stage in ["overdue_sweep", "deadline"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with("mfo_scanner_item_failures_total") && l.contains(&format!("stage=\"{stage}\""))),
            "{stage} failures counted in /metrics: {text}"
        );
    }

    // Once the row is readable again, the next try handles it.
    loan::Entity::update_many()
        .col_expr(loan::Column::RepaymentOrder, Expr::value("INTEREST_FIRST"))
        .filter(loan::Column::Id.eq(uuid_of(&p.loan)))
        .exec(&app.ctx.db)
        .await
        .expect("mend");
    app.advance(Duration::hours(2));
    let report = scanner.tick().await.expect("tick");
    assert_eq!(report.notice_duties_opened, 1, "the mended loan gets its duty: {report:?}");
}
