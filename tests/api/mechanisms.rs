//! The generic mechanisms every area relies on: deadline rows and the leased scanner,
//! audit entries and outbox events in the change's transaction, the hash-chained audit
//! trail, idempotent retries, and the escalation subscription's replay.

use chrono::Duration;
use entity::enums::{DeadlineKind, DeadlineStatus, Jurisdiction, Obligor};
use futures_util::{SinkExt, StreamExt};
use mfo_api::services::chain::{ChainBreak, verify_chain};
use mfo_api::services::deadlines::{self, NewDeadline};
use mfo_api::services::idempotency::Claim;
use mfo_api::services::write::{Actor, Begun, Subject, Submission, Write};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::auth::{close_code, ws_connect};
use crate::helpers::TestApp;
use crate::helpers::fixtures::{UPSERT_LOAN, borrower_with_loan, loan_input};

/// Opens a deadline on `subject` due `days` calendar days from now (KZ calendar).
async fn open_deadline(app: &TestApp, subject: uuid::Uuid, days: u32, obligor: Obligor) -> entity::deadline::Model {
    let law = mfo_api::services::reference::law(&app.ctx.reference, &app.ctx.db, Jurisdiction::Kz, app.now())
        .await
        .expect("law");
    let mut w = Write::begin(&app.ctx, Actor::system("test")).await.expect("begin");
    let due = law.calendar.due_in_calendar_days(law.calendar.local_date(w.now), days);
    let d = deadlines::open(
        &mut w,
        NewDeadline {
            subject: Subject::new("loan", subject),
            org_id: app.orgs.kz_mfo.id,
            jurisdiction: Jurisdiction::Kz,
            kind: DeadlineKind::DelinquencyNotice,
            rule: "R1",
            obligor,
            due,
            policy_version_id: law.policy.id,
            occurrence: "1".into(),
        },
    )
    .await
    .expect("open");
    w.commit().await.expect("commit");
    d
}

async fn deadline(app: &TestApp, id: uuid::Uuid) -> entity::deadline::Model {
    entity::deadline::Entity::find_by_id(id).one(&app.ctx.db).await.expect("load").expect("exists")
}

#[tokio::test]
async fn two_scanners_handle_one_missed_deadline_once() {
    let app = TestApp::spawn().await;
    let (_, loan, _) = borrower_with_loan(&app, &app.orgs.kz_mfo, "A", "2026-11-01").await;
    let d = open_deadline(&app, loan, 2, Obligor::Mfo).await;

    let (a, b) = (app.scanner("a"), app.scanner("b"));
    let (ra, rb) = tokio::join!(a.tick(), b.tick());
    assert_eq!(ra.expect("a").claimed + rb.expect("b").claimed, 0, "not due yet");

    app.advance(Duration::days(3));
    let (ra, rb) = tokio::join!(a.tick(), b.tick());
    let (ra, rb) = (ra.expect("a"), rb.expect("b"));
    assert_eq!(ra.missed + rb.missed, 1, "handled exactly once: {ra:?} {rb:?}");
    assert_eq!(deadline(&app, d.id).await.status, DeadlineStatus::Missed);
    assert_eq!(app.count("escalation").await, 1, "one escalation for one deadline");
    // A later pass finds nothing.
    assert_eq!(a.tick().await.expect("tick").claimed, 0);
}

#[tokio::test]
async fn a_lease_held_by_a_dead_scanner_expires_and_another_takes_over() {
    let app = TestApp::spawn().await;
    let (_, loan, _) = borrower_with_loan(&app, &app.orgs.kz_mfo, "A", "2026-11-01").await;
    let d = open_deadline(&app, loan, 1, Obligor::Mfo).await;
    app.advance(Duration::days(2));
    let dead = app.scanner("dead");
    let claimed = dead.claim(app.now()).await.expect("claim");
    assert_eq!(claimed.len(), 1, "the dead scanner leased it and never handled it");
    let live = app.scanner("live");
    assert_eq!(live.tick().await.expect("tick").claimed, 0, "leased rows are not taken");
    app.advance(Duration::minutes(2));
    assert_eq!(live.tick().await.expect("tick").missed, 1, "after the lease ran out");
    assert_eq!(deadline(&app, d.id).await.status, DeadlineStatus::Missed);
}

#[tokio::test]
async fn a_met_deadline_is_never_escalated_and_a_borrower_duty_never_is() {
    let app = TestApp::spawn().await;
    let (_, loan, _) = borrower_with_loan(&app, &app.orgs.kz_mfo, "A", "2026-11-01").await;
    let met = open_deadline(&app, loan, 1, Obligor::Mfo).await;
    let mut w = Write::begin(&app.ctx, Actor::system("test")).await.expect("begin");
    deadlines::close(&mut w, loan, DeadlineKind::DelinquencyNotice, DeadlineStatus::Met).await.expect("close");
    w.commit().await.expect("commit");
    let (_, loan2, _) = borrower_with_loan(&app, &app.orgs.kz_mfo, "B", "2026-11-01").await;
    let borrowers = open_deadline(&app, loan2, 1, Obligor::Borrower).await;
    app.advance(Duration::days(2));
    let report = app.scanner("s").tick().await.expect("tick");
    assert_eq!(report.missed, 1, "only the borrower's lapsed duty is due");
    assert_eq!(deadline(&app, met.id).await.status, DeadlineStatus::Met);
    assert_eq!(deadline(&app, borrowers.id).await.status, DeadlineStatus::Missed);
    assert_eq!(app.count("escalation").await, 0, "a borrower's lapsed period is not an MFO breach");
}

#[tokio::test]
async fn opening_the_same_deadline_twice_keeps_one_row() {
    let app = TestApp::spawn().await;
    let (_, loan, _) = borrower_with_loan(&app, &app.orgs.kz_mfo, "A", "2026-11-01").await;
    let first = open_deadline(&app, loan, 5, Obligor::Mfo).await;
    let again = open_deadline(&app, loan, 9, Obligor::Mfo).await;
    assert_eq!(first.id, again.id);
    assert_eq!(app.count("deadline").await, 1);
}

#[tokio::test]
async fn every_write_has_its_audit_entry_and_outbox_event_and_a_refused_one_has_neither() {
    let app = TestApp::spawn().await;
    let (audit0, outbox0) = (app.count("audit_entry").await, app.count("outbox_event").await);
    borrower_with_loan(&app, &app.orgs.kz_mfo, "A", "2026-11-01").await;
    let (audit1, outbox1) = (app.count("audit_entry").await, app.count("outbox_event").await);
    assert_eq!(audit1 - audit0, 2, "borrower.created and loan.created");
    assert_eq!(outbox1 - outbox0, 2);
    let mut bad = loan_input("L-bad", "A", "2026-11-01");
    bad["currency"] = json!("EUR");
    let data = app.gql(&app.staff(), UPSERT_LOAN, json!({ "input": bad })).await;
    assert_eq!(data["upsertLoan"]["userErrors"][0]["field"], json!(["input", "currency"]));
    assert_eq!((app.count("audit_entry").await, app.count("outbox_event").await), (audit1, outbox1));
}

#[tokio::test]
async fn the_audit_chain_verifies_and_detects_a_tampered_or_deleted_entry() {
    let app = TestApp::spawn().await;
    borrower_with_loan(&app, &app.orgs.kz_mfo, "A", "2026-11-01").await;
    borrower_with_loan(&app, &app.orgs.kz_mfo, "B", "2026-11-01").await;
    let n = verify_chain(&app.ctx.db).await.expect("verify").expect("intact");
    assert!(n >= 4, "{n} entries");

    let entries = entity::audit_entry::Entity::find().all(&app.ctx.db).await.expect("entries");
    let victim = entries.iter().map(|e| e.seq).nth(2).expect("third entry");
    app.ctx
        .db
        .execute_unprepared(&format!("UPDATE audit_entry SET actor = 'someone-else' WHERE seq = {victim}"))
        .await
        .expect("tamper");
    match verify_chain(&app.ctx.db).await.expect("verify") {
        Err(ChainBreak::Tampered { seq, .. }) => assert_eq!(seq, victim),
        other => panic!("tampering went unnoticed: {other:?}"),
    }
}

#[tokio::test]
async fn a_deleted_audit_entry_breaks_the_chain() {
    let app = TestApp::spawn().await;
    borrower_with_loan(&app, &app.orgs.kz_mfo, "A", "2026-11-01").await;
    let entries = entity::audit_entry::Entity::find().all(&app.ctx.db).await.expect("entries");
    let victim = entries.iter().map(|e| e.seq).nth(1).expect("an entry");
    app.ctx.db.execute_unprepared(&format!("DELETE FROM audit_entry WHERE seq = {victim}")).await.expect("delete");
    assert!(matches!(verify_chain(&app.ctx.db).await.expect("verify"), Err(ChainBreak::Unlinked { .. })));
}

/// Begins a write with one submission id, as a retried mutation would, and creates a
/// borrower-like record (an audit-only marker) on the first attempt.
async fn submit(app: &TestApp, key: &str, csid: uuid::Uuid, input: Value) -> Result<Claim, String> {
    let actor = Actor { key: key.to_owned(), org_id: None };
    let submission = Submission { client_submission_id: Some(csid), operation: "test.submit", input: &input };
    match Write::begin_submission(&app.ctx, actor, submission).await.map_err(|e| format!("{e:?}"))? {
        Begun::Fresh(w) => {
            let mut w = *w;
            let id = w.new_id();
            w.audit("test.submitted", Subject::new("test", id), None, None, Some(input));
            w.produced(id);
            w.commit().await.map_err(|e| format!("{e:?}"))?;
            Ok(Claim::Fresh)
        }
        Begun::Replay(id) => Ok(Claim::Replay(id)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_duplicates_of_one_submission_run_once() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let csid = uuid::Uuid::new_v4();
    let input = json!({ "a": 1, "b": "two" });
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let app = app.clone();
            let input = input.clone();
            tokio::spawn(async move { submit(&app, "BORROWER:x@y", csid, input).await })
        })
        .collect();
    let mut fresh = 0;
    let mut replays = std::collections::HashSet::new();
    for t in tasks {
        match t.await.expect("join").expect("submit") {
            Claim::Fresh => fresh += 1,
            Claim::Replay(id) => {
                replays.insert(id);
            }
        }
    }
    assert_eq!(fresh, 1, "exactly one attempt ran");
    assert_eq!(replays.len(), 1, "every retry got the same stored result");
    assert_eq!(app.count("idempotency_key").await, 1);
    let submitted = app.count("audit_entry WHERE action = 'test.submitted'").await;
    assert_eq!(submitted, 1);

    let other = submit(&app, "BORROWER:x@y", csid, json!({ "a": 2 })).await;
    assert!(other.as_ref().is_err_and(|e| e.contains("Conflict")), "same id, other input: {other:?}");
    let elsewhere = submit(&app, "BORROWER:someone-else@y", csid, input).await.expect("another principal");
    assert_eq!(elsewhere, Claim::Fresh, "ids are unique per principal");
}

#[tokio::test]
async fn the_escalation_subscription_replays_after_a_cursor_then_goes_live() {
    let app = TestApp::spawn().await;
    let (_, l1, _) = borrower_with_loan(&app, &app.orgs.kz_mfo, "A", "2026-11-01").await;
    let (_, l2, _) = borrower_with_loan(&app, &app.orgs.kz_mfo, "B", "2026-11-01").await;
    let (_, l3, _) = borrower_with_loan(&app, &app.orgs.kz_mfo, "C", "2026-11-01").await;
    open_deadline(&app, l1, 1, Obligor::Mfo).await;
    app.advance(Duration::days(2));
    app.scanner("s").tick().await.expect("tick");
    open_deadline(&app, l2, 1, Obligor::Mfo).await;
    app.advance(Duration::days(2));
    app.scanner("s").tick().await.expect("tick");

    // A dashboard's long-lived token: the test moves the clock by days.
    let regulator =
        app.mint_for(entity::enums::Role::Regulator, app.orgs.kz_regulator.id, None, "dash", Duration::days(30));
    let list = app.gql(&regulator, "{ escalations { edges { cursor node { rule subjectId } } } }", json!({})).await;
    let edges = list["escalations"]["edges"].as_array().expect("edges").clone();
    assert_eq!(edges.len(), 2);
    let first_cursor = edges[0]["cursor"].as_str().expect("cursor").to_owned();

    let mut socket = ws_connect(&app, &regulator).await;
    socket.next().await.expect("ack").expect("ok");
    let subscribe = json!({
        "id": "1", "type": "subscribe",
        "payload": { "query": "subscription($after: String) { escalations(after: $after) { rule subjectId cursor } }", "variables": { "after": first_cursor } }
    });
    socket.send(Message::Text(subscribe.to_string().into())).await.expect("subscribe");
    let next = |m: Message| {
        serde_json::from_str::<Value>(m.to_text().expect("text")).unwrap_or_else(|_| panic!("not JSON: {m:?}"))
    };
    let replayed = next(socket.next().await.expect("msg").expect("ok"));
    assert_eq!(replayed["type"], "next", "{replayed}");
    assert_eq!(
        replayed["payload"]["data"]["escalations"]["subjectId"], edges[1]["node"]["subjectId"],
        "replays the second only"
    );

    open_deadline(&app, l3, 1, Obligor::Mfo).await;
    app.advance(Duration::days(2));
    app.scanner("s").tick().await.expect("tick");
    let live = next(
        tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
            .await
            .expect("in time")
            .expect("msg")
            .expect("ok"),
    );
    assert_eq!(live["payload"]["data"]["escalations"]["rule"], "R1", "{live}");
    assert_ne!(live["payload"]["data"]["escalations"]["subjectId"], edges[1]["node"]["subjectId"]);
}

/// An escalation costs the same statements with five subscribers as with one,
/// even when they select its organisations (as the dashboard does): the feed reads it once
/// and each subscription keeps the organisations it has resolved (`Loaders::for_socket`).
#[tokio::test]
async fn an_escalation_costs_the_same_statements_for_five_subscribers_as_for_one() {
    /// Raises one escalation (a letter with an empty disclosure: stored, flagged X2) and
    /// returns the statements it took until every socket had it.
    async fn delivered(app: &TestApp, loan: &str, n: usize, sockets: &mut [Socket]) -> usize {
        use std::sync::atomic::Ordering;
        let before = app.statements.load(Ordering::SeqCst);
        raise_x2(app, loan, n, 1).await;
        for s in sockets.iter_mut() {
            let v = next_message(s).await;
            assert_eq!(v["payload"]["data"]["escalations"]["organization"]["name"], "KZ MFO", "{v}");
        }
        app.statements.load(Ordering::SeqCst) - before
    }
    let app = TestApp::spawn().await;
    let (_, _, loan) = borrower_with_loan(&app, &app.orgs.kz_mfo, "A", "2026-11-01").await;
    let regulator =
        app.mint_for(entity::enums::Role::Regulator, app.orgs.kz_regulator.id, None, "dash", Duration::days(30));
    let sub = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription { escalations { rule organization { name } responsibleOrganization { name } } }" } });
    let mut sockets: Vec<Socket> = Vec::new();
    let mut costs = Vec::new();
    let mut n = 0;
    for subscribers in [1, 5] {
        while sockets.len() < subscribers {
            let mut s = ws_connect(&app, &regulator).await;
            s.next().await.expect("ack").expect("ok");
            s.send(Message::Text(sub.to_string().into())).await.expect("subscribe");
            // A ping round trip: the subscription has started by the time the pong comes back.
            s.send(Message::Text(json!({ "type": "ping" }).to_string().into())).await.expect("ping");
            s.next().await.expect("pong").expect("ok");
            sockets.push(s);
        }
        // What subscribing started in the background done before measuring.
        quiet(&app).await;
        // The first escalation a subscription sees reads its organisation; the second is measured.
        n += 1;
        delivered(&app, &loan, n, &mut sockets).await;
        quiet(&app).await;
        n += 1;
        costs.push(delivered(&app, &loan, n, &mut sockets).await);
    }
    assert_eq!(costs[0], costs[1], "statements per escalation with 1 and with 5 subscribers");
}

#[tokio::test]
async fn the_websocket_protocol_closes_with_its_codes() {
    let app = TestApp::spawn().await;
    let token = app.regulator(Jurisdiction::Kz);
    // A second connection_init.
    let mut socket = ws_connect(&app, &token).await;
    socket.next().await.expect("ack").expect("ok");
    let init = json!({ "type": "connection_init", "payload": { "token": token } });
    socket.send(Message::Text(init.to_string().into())).await.expect("send");
    assert_eq!(close_code(&mut socket).await, Some(4429));
    // Garbage.
    let mut socket = ws_connect(&app, &token).await;
    socket.next().await.expect("ack").expect("ok");
    socket.send(Message::Text("{\"type\":\"nonsense\"}".into())).await.expect("send");
    assert_eq!(close_code(&mut socket).await, Some(4400));
    // The same subscription id twice.
    let mut socket = ws_connect(&app, &token).await;
    socket.next().await.expect("ack").expect("ok");
    let sub =
        json!({ "id": "x", "type": "subscribe", "payload": { "query": "subscription { escalations { rule } }" } });
    socket.send(Message::Text(sub.to_string().into())).await.expect("send");
    socket.send(Message::Text(sub.to_string().into())).await.expect("send");
    assert_eq!(close_code(&mut socket).await, Some(4409));
    // Subscribing before the handshake.
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
        "ws://{}/graphql",
        app.addr
    ))
    .expect("req");
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(req).await.expect("connect");
    socket.send(Message::Text(sub.to_string().into())).await.expect("send");
    assert_eq!(close_code(&mut socket).await, Some(4401));
}

#[tokio::test]
async fn an_expired_token_receives_no_more_events() {
    let app = TestApp::spawn().await;
    let (_, loan, _) = borrower_with_loan(&app, &app.orgs.kz_mfo, "A", "2026-11-01").await;
    let token = app.regulator(Jurisdiction::Kz);
    let mut socket = ws_connect(&app, &token).await;
    socket.next().await.expect("ack").expect("ok");
    // Replaying from the start delivers the escalation whenever the subscription begins.
    let sub = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription($after: String) { escalations(after: $after) { rule } }",
        "variables": { "after": mfo_api::graphql::ids::cursor(0) } } });
    socket.send(Message::Text(sub.to_string().into())).await.expect("send");
    open_deadline(&app, loan, 1, Obligor::Mfo).await;
    // Past the deadline, and so past the token's hour too.
    app.advance(Duration::days(2));
    app.scanner("s").tick().await.expect("tick");
    assert_eq!(close_code(&mut socket).await, Some(4401), "closed instead of delivering");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgresql_an_escalation_raised_by_one_instance_reaches_a_subscriber_of_another() {
    let a = TestApp::spawn().await;
    if a.ctx.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        // One process owns a SQLite file: there is no other instance to relay to.
        return;
    }
    let b = a.another_instance().await;
    let (_, loan, _) = borrower_with_loan(&a, &a.orgs.kz_mfo, "A", "2026-11-01").await;
    let token = b.mint_for(entity::enums::Role::Regulator, b.orgs.kz_regulator.id, None, "dash", Duration::days(30));
    let mut socket = ws_connect(&b, &token).await;
    socket.next().await.expect("ack").expect("ok");
    let sub =
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { escalations { rule } }" } });
    socket.send(Message::Text(sub.to_string().into())).await.expect("send");
    // A ping round trip: the subscription has started by the time the pong comes back.
    socket.send(Message::Text(json!({ "type": "ping" }).to_string().into())).await.expect("ping");
    socket.next().await.expect("pong").expect("ok");
    open_deadline(&a, loan, 1, Obligor::Mfo).await;
    a.advance(Duration::days(2));
    a.scanner("on-a").tick().await.expect("tick");
    let msg = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
        .await
        .expect("relayed in time")
        .expect("msg")
        .expect("ok");
    let v: Value = serde_json::from_str(msg.to_text().expect("text")).expect("json");
    assert_eq!(v["payload"]["data"]["escalations"]["rule"], "R1", "{v}");
}

/// On SQLite a second writer of the process waits for the open `Write` in the
/// process's queue (not on the busy timeout) and begins as soon as the first one ends; on
/// PostgreSQL writers do not queue.
#[tokio::test]
async fn sqlite_writers_queue_in_process_and_postgres_writers_do_not() {
    let app = TestApp::spawn().await;
    let first = Write::begin(&app.ctx, Actor::system("first")).await.expect("first writer");
    let second =
        tokio::time::timeout(std::time::Duration::from_millis(300), Write::begin(&app.ctx, Actor::system("second")))
            .await;
    match app.ctx.db.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => {
            assert!(second.is_err(), "the second writer must wait while the first is open");
            assert_eq!(app.ctx.writers.available_permits(), 0, "the open Write holds the process's writer permit");
            drop(first);
            let second = tokio::time::timeout(
                std::time::Duration::from_secs(2),
                Write::begin(&app.ctx, Actor::system("second")),
            )
            .await
            .expect("the second writer begins once the first has ended")
            .expect("begin");
            second.rollback().await.expect("rollback");
            assert_eq!(app.ctx.writers.available_permits(), 1, "a rolled-back Write gives the permit back");
        }
        _ => {
            let second = second.expect("PostgreSQL writers run concurrently").expect("begin");
            second.rollback().await.expect("rollback");
            first.rollback().await.expect("rollback");
        }
    }
}

/// Calendars are cached in memory, and an import takes effect at once on the
/// instance that ran it and, through the NOTIFY relay, on the others (PostgreSQL; a
/// SQLite database has one process, whose cache the import's commit empties).
#[tokio::test]
async fn a_calendar_import_moves_the_next_c8_due_date_on_every_instance_without_a_restart() {
    async fn due(app: &TestApp) -> String {
        let register = "mutation($input: RegisterComplaintInput!) { registerComplaint(input: $input) { complaint { answerDueDate } userErrors { code } } }";
        let asel = json!({ "fullName": "Asel", "address": "Abay 1, Almaty", "phone": "+7 701 111 2233" });
        let input = json!({ "input": { "kind": "COMPLAINT", "channel": "POST", "language": "RU", "complainants": [asel],
            "substance": "The fee was charged twice.", "signed": true, "datedOn": "2026-06-15" } });
        let r = app.gql(&app.staff(), register, input).await;
        r["registerComplaint"]["complaint"]["answerDueDate"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned()
    }
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    crate::helpers::fixtures::on(&app, "2026-06-16");
    let before = due(&app).await;
    assert_eq!(due(&other).await, before, "both instances read the same calendar");
    // The operator declares the due date itself a day off.
    let csv = format!("date,kind,name\n{before},day_off,test holiday\n");
    mfo_api::services::orgs::import_calendar(&app.ctx, Jurisdiction::Kz, &csv).await.expect("import");
    let moved = due(&app).await;
    assert!(moved > before, "the importing instance: {before} → {moved}");
    if app.ctx.db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // The relay delivers the import's event asynchronously; wait for it, not for a deadline.
        let mut seen = due(&other).await;
        for _ in 0..50 {
            if seen == moved {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            seen = due(&other).await;
        }
        assert_eq!(seen, moved, "the other instance, told through NOTIFY");
    }
}

/// The live escalation stream filters in memory what the feed read once; the
/// in-memory scope and filter must admit exactly what the SQL ones select.
#[tokio::test]
async fn the_live_streams_in_memory_filter_agrees_with_the_sql_one() {
    use entity::enums::{EscalationKind, EscalationSeverity, Role};
    use mfo_api::services::escalations::{self as esc, EscalationFilter};
    use sea_orm::ActiveValue::Set;
    let app = TestApp::spawn().await;
    let o = &app.orgs;
    let rules = ["C8", "X3", "X6", "R17.3", "R1", "M5", "Z9"];
    let orgs = [(o.kz_mfo.id, Jurisdiction::Kz), (o.kg_mfo.id, Jurisdiction::Kg)];
    let mut seq = 0;
    for (i, rule) in rules.iter().enumerate() {
        for (org, j) in orgs {
            for kind in [EscalationKind::DeadlineMissed, EscalationKind::RuleBreach] {
                seq += 1;
                let row = entity::escalation::ActiveModel {
                    kind: Set(kind),
                    rule: Set((*rule).to_owned()),
                    subject_id: Set(uuid::Uuid::from_u128(seq as u128 % 3)),
                    responsible_org_id: Set((i % 2 == 0).then_some(o.agency.id)),
                    acknowledged_at: Set((seq % 3 == 0).then(|| app.now())),
                    ..escalation_row(&app, seq, org, j)
                };
                entity::escalation::Entity::insert(row).exec_without_returning(&app.ctx.db).await.expect("insert");
            }
        }
    }
    let all = entity::escalation::Entity::find().all(&app.ctx.db).await.expect("rows");
    let principals = [
        principal(&app, Role::Regulator, &o.kz_regulator),
        principal(&app, Role::Regulator, &o.kg_regulator),
        principal(&app, Role::MfoStaff, &o.kz_mfo),
    ];
    let mut filters = vec![EscalationFilter::default()];
    for s in
        [EscalationSeverity::Low, EscalationSeverity::Medium, EscalationSeverity::High, EscalationSeverity::Critical]
    {
        filters.push(EscalationFilter { severity: Some(s), ..Default::default() });
    }
    filters.push(EscalationFilter {
        kind: Some(EscalationKind::RuleBreach),
        rule: Some("X3".into()),
        ..Default::default()
    });
    filters.push(EscalationFilter { responsible_org_id: Some(o.agency.id), ..Default::default() });
    filters.push(EscalationFilter {
        responsible_org_id: Some(o.kz_mfo.id),
        acknowledged: Some(false),
        ..Default::default()
    });
    filters.push(EscalationFilter {
        acknowledged: Some(true),
        subject_id: Some(uuid::Uuid::from_u128(1)),
        ..Default::default()
    });
    filters.push(EscalationFilter { org_id: Some(o.kg_mfo.id), ..Default::default() });
    let mut checked = 0;
    for p in &principals {
        for f in &filters {
            let sql: Vec<i64> = esc::list(&app.ctx, p, f, &mfo_api::services::paging::Window::forward(None, 1000))
                .await
                .expect("list")
                .items
                .iter()
                .map(|e| e.seq)
                .collect();
            let memory: Vec<i64> = all
                .iter()
                .filter(|e| mfo_api::services::scope::escalation_admits(p, e) && f.admits(e))
                .map(|e| e.seq)
                .collect();
            assert_eq!(sql, memory, "{:?} {f:?}", p.role);
            checked += sql.len();
        }
    }
    assert!(checked > 50, "the filters select something: {checked}");
}

/// Subscriptions that start together, while an escalation is being committed,
/// each receive every escalation past their cursor. The first to start also starts the
/// process's feed (it reads where the feed begins); the others used to read the table
/// without waiting for that, and what was committed between their read and the feed's start
/// reached none of them (a shared rendering started beside another lost three escalations on
/// PostgreSQL under load). The window is a statement's length, so the test runs many rounds,
/// each a process that has not started its feed (a new feed and broker), the escalation's
/// row written before the subscriptions start and committed as they do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_starting_with_the_feed_lose_nothing_committed_meanwhile() {
    use mfo_api::services::escalations::{self as esc, EscalationFilter};
    use sea_orm::TransactionTrait;
    let app = TestApp::spawn().await;
    let regulator = principal(&app, entity::enums::Role::Regulator, &app.orgs.kz_regulator);
    for round in 0..100 {
        let ctx = mfo_api::services::Ctx {
            escalation_feed: std::sync::Arc::default(),
            broker: mfo_api::bus::Broker::new(16),
            ..app.ctx.clone()
        };
        let cursor = esc::latest_seq(&ctx).await.expect("latest");
        let seq = cursor + 1;
        let txn = ctx.db.begin().await.expect("begin");
        let row = escalation_row(&app, seq, app.orgs.kz_mfo.id, Jurisdiction::Kz);
        entity::escalation::Entity::insert(row).exec_without_returning(&txn).await.expect("insert");
        let subscribers: Vec<_> = (0..4)
            .map(|_| {
                let (ctx, p) = (ctx.clone(), regulator.clone());
                tokio::spawn(async move {
                    let live = esc::live(&ctx, &p, EscalationFilter::default(), Some(cursor)).await.expect("live");
                    let mut live = std::pin::pin!(live);
                    let next = tokio::time::timeout(std::time::Duration::from_secs(5), live.next()).await;
                    next.ok().flatten().map(|e| e.expect("escalation").seq)
                })
            })
            .collect();
        txn.commit().await.expect("commit");
        // What `Write::commit` announces after committing.
        ctx.broker.publish([mfo_api::bus::Published {
            id: uuid::Uuid::new_v4(),
            topic: "escalation.raised".into(),
            subject_type: "loan".into(),
            subject_id: uuid::Uuid::new_v4(),
            org_id: None,
            jurisdiction: None,
            occurred_at: app.now(),
            payload: json!({ "seq": seq }),
        }]);
        for (i, s) in subscribers.into_iter().enumerate() {
            assert_eq!(s.await.expect("subscriber"), Some(seq), "round {round}, subscriber {i}: the one committed");
        }
    }
}

/// A principal of `role` in `org`, as a token would give it, for calling services directly.
fn principal(app: &TestApp, role: entity::enums::Role, org: &entity::organization::Model) -> mfo_api::auth::Principal {
    mfo_api::auth::Principal {
        role,
        subject: "dash".into(),
        org_id: mfo_api::ids::OrgId(org.id),
        org_kind: org.kind,
        jurisdiction: org.jurisdiction,
        borrower_id: None,
        expires_at: app.now() + Duration::hours(1),
    }
}

/// An escalation row written straight to the table (sequence number chosen by the test):
/// an unacknowledged R1 missed deadline of `org` on a fresh loan.
pub(crate) fn escalation_row(
    app: &TestApp,
    seq: i64,
    org: uuid::Uuid,
    j: Jurisdiction,
) -> entity::escalation::ActiveModel {
    use sea_orm::ActiveValue::Set;
    entity::escalation::ActiveModel {
        seq: Set(seq),
        id: Set(uuid::Uuid::new_v4()),
        raised_at: Set(app.now()),
        kind: Set(entity::enums::EscalationKind::DeadlineMissed),
        rule: Set("R1".into()),
        org_id: Set(org),
        jurisdiction: Set(j),
        subject_type: Set("loan".into()),
        subject_id: Set(uuid::Uuid::new_v4()),
        deadline_id: Set(None),
        message: Set("m".into()),
        details: Set(json!({})),
        responsible_org_id: Set(None),
        acknowledged_at: Set(None),
        acknowledged_by: Set(None),
        acknowledgement_note: Set(None),
    }
}

/// An R1 missed-deadline escalation of `org` on a fresh subject.
fn missed_r1(org: uuid::Uuid) -> mfo_api::services::write::EscalationDraft {
    use mfo_api::i18n::{Msg, MsgId};
    mfo_api::services::write::EscalationDraft {
        kind: entity::enums::EscalationKind::DeadlineMissed,
        rule: "R1".into(),
        org_id: org,
        jurisdiction: Jurisdiction::Kz,
        subject_type: "loan".into(),
        subject_id: uuid::Uuid::new_v4(),
        deadline_id: None,
        message: Msg::new(MsgId::EscalationDeadlineMissed).arg("kind", "C8").arg("rule", "R1").arg("due", "2026-11-01"),
        details: json!({}),
    }
}

/// An escalation reaches every subscriber of the instance through one read of
/// the table: with ten subscribers the `escalation` table is read as often as with one
/// (before the feed, every subscriber re-read it after every wake-up).
#[tokio::test]
async fn ten_escalation_subscribers_cost_the_statements_of_one() {
    use std::sync::atomic::Ordering;
    let app = TestApp::spawn().await;
    let regulator =
        app.mint_for(entity::enums::Role::Regulator, app.orgs.kz_regulator.id, None, "dash", Duration::days(30));
    let mut costs = Vec::new();
    for (round, subscribers) in [1usize, 10].into_iter().enumerate() {
        let mut sockets = Vec::new();
        for i in 0..subscribers {
            let mut socket = ws_connect(&app, &regulator).await;
            socket.next().await.expect("ack").expect("ok");
            let sub = json!({ "id": format!("s{i}"), "type": "subscribe",
                "payload": { "query": "subscription { escalations { rule subjectId } }" } });
            socket.send(Message::Text(sub.to_string().into())).await.expect("subscribe");
            sockets.push(socket);
        }
        // Let every subscription reach the feed before the escalation is raised.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let (_, loan, _) = borrower_with_loan(&app, &app.orgs.kz_mfo, &format!("F{round}"), "2026-11-01").await;
        open_deadline(&app, loan, 1, Obligor::Mfo).await;
        app.advance(Duration::days(2));
        let before = app.escalation_reads.load(Ordering::SeqCst);
        let tick = app.scanner("s").tick().await.expect("tick");
        assert_eq!(tick.missed, 1);
        for socket in &mut sockets {
            let msg = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
                .await
                .expect("delivered in time")
                .expect("msg")
                .expect("ok");
            let v: Value = serde_json::from_str(msg.to_text().expect("text")).expect("json");
            assert_eq!(v["payload"]["data"]["escalations"]["rule"], "R1", "{v}");
        }
        costs.push(app.escalation_reads.load(Ordering::SeqCst) - before);
    }
    // One read by the feed, counted before it broadcasts (and so before any delivery).
    assert_eq!(costs, [1, 1], "reads of the escalation table to deliver one escalation to 1 and to 10 subscribers");
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Raises `n` escalations, one per letter with an empty disclosure (stored, flagged X2).
async fn raise_x2(app: &TestApp, loan: &str, from: usize, n: usize) {
    for i in from..from + n {
        let input = json!({ "clientSubmissionId": format!("00000000-0000-4000-9000-{i:012}"), "loanId": loan,
            "channel": "LETTER", "occurredAt": app.now(), "outcome": "NO_ANSWER" });
        let record =
            "mutation($input: RecordContactInput!) { recordContact(input: $input) { contact { violations } } }";
        let r = app.gql(&app.staff(), record, json!({ "input": input })).await;
        assert_eq!(r["recordContact"]["contact"]["violations"], json!(["X2"]), "{r}");
    }
}

/// Subscribes on a fresh socket and returns it once the server has acknowledged.
async fn subscribed(app: &TestApp, token: &str, query: &str, variables: Value) -> Socket {
    let mut s = ws_connect(app, token).await;
    s.next().await.expect("ack").expect("ok");
    let sub = json!({ "id": "1", "type": "subscribe", "payload": { "query": query, "variables": variables } });
    s.send(Message::Text(sub.to_string().into())).await.expect("subscribe");
    s
}

/// Returns once no SQL statement has run for 100 ms: background work started by what the
/// test did last (not a deadline: nothing here waits for the clock) is over.
async fn quiet(app: &TestApp) {
    use std::sync::atomic::Ordering;
    let mut last = app.statements.load(Ordering::SeqCst);
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let now = app.statements.load(Ordering::SeqCst);
        if now == last {
            return;
        }
        last = now;
    }
}

/// The next message a socket receives (within 10 s), as JSON.
async fn next_message(s: &mut Socket) -> Value {
    let m = tokio::time::timeout(std::time::Duration::from_secs(10), s.next())
        .await
        .expect("delivered in time")
        .expect("message")
        .expect("ok");
    serde_json::from_str(m.to_text().expect("text")).expect("json")
}

/// The next `n` escalations a socket receives, as their cursors (every message a `next`).
async fn received(s: &mut Socket, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    while out.len() < n {
        let v = next_message(s).await;
        assert_eq!(v["type"], "next", "{v}");
        assert_eq!(v["id"], "1", "{v}");
        out.push(v["payload"]["data"]["escalations"]["cursor"].as_str().unwrap_or_else(|| panic!("{v}")).to_owned());
    }
    out
}

/// An unlabelled metric of this instance, from `/metrics` (0 when absent).
async fn metric(app: &TestApp, name: &str) -> u64 {
    let text = app.client.get(format!("http://{}/metrics", app.addr)).send().await.expect("metrics");
    let text = text.text().await.expect("text");
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map_or(0, |v| v as u64)
}

/// This instance's shared renderings and their members, from `/metrics`.
async fn groups(app: &TestApp) -> (u64, u64) {
    (metric(app, "graphql_subscription_groups").await, metric(app, "graphql_subscription_group_members").await)
}

/// Polls `/metrics` until the groups are as expected (they form as sockets subscribe).
async fn groups_become(app: &TestApp, expected: (u64, u64)) {
    for _ in 0..500 {
        if groups(app).await == expected {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("shared renderings {:?}, expected {expected:?}", groups(app).await);
}

/// The fan-out: sockets asking the same `escalations` operation as the same
/// principal (tokens that differ only in expiry included) share one rendering, whatever
/// cursor each replays from first; another principal or another selection is a group of
/// its own. Every socket gets its own replay, then every new escalation once, in order.
#[tokio::test]
async fn identical_escalation_subscribers_share_one_rendering_and_each_replays_from_its_own_cursor() {
    let app = TestApp::spawn().await;
    let (_, _, loan) = borrower_with_loan(&app, &app.orgs.kz_mfo, "A", "2026-11-01").await;
    raise_x2(&app, &loan, 0, 2).await;
    let dash = |sub: &str, days| {
        app.mint_for(entity::enums::Role::Regulator, app.orgs.kz_regulator.id, None, sub, Duration::days(days))
    };
    let q = "subscription($after: String) { escalations(after: $after) { cursor rule organization { name } } }";
    let listed = app.gql(&dash("dash", 30), "{ escalations { edges { cursor } } }", json!({})).await;
    let before: Vec<String> = listed["escalations"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["cursor"].as_str().expect("cursor").to_owned())
        .collect();
    assert_eq!(before.len(), 2);

    // Same principal: from the first cursor, from the start (no cursor), and live only
    // with a token that expires later.
    let mut from_first = subscribed(&app, &dash("dash", 30), q, json!({ "after": before[0] })).await;
    let mut live_only = subscribed(&app, &dash("dash", 20), q, json!({})).await;
    // Another principal, and the same principal with another selection.
    let mut other = subscribed(&app, &dash("other", 30), q, json!({})).await;
    let narrower = "subscription { escalations { cursor rule } }";
    let mut other_selection = subscribed(&app, &dash("dash", 30), narrower, json!({})).await;
    assert_eq!(received(&mut from_first, 1).await, before[1..], "the replay after its cursor");
    groups_become(&app, (3, 4)).await;

    raise_x2(&app, &loan, 2, 3).await;
    let new = received(&mut from_first, 3).await;
    assert!(new.iter().all(|c| !before.contains(c)), "nothing replayed twice: {new:?}");
    assert_eq!(received(&mut live_only, 3).await, new, "the same three, in order");
    assert_eq!(received(&mut other, 3).await, new);
    assert_eq!(received(&mut other_selection, 3).await, new);

    // A group ends with its last member; the others stay.
    drop((live_only, other, other_selection));
    groups_become(&app, (1, 1)).await;
    raise_x2(&app, &loan, 5, 1).await;
    let last = received(&mut from_first, 1).await;
    assert!(!new.contains(&last[0]) && !before.contains(&last[0]), "a new one: {last:?}");
    // Nothing else arrives: no duplicate of anything delivered.
    let extra = tokio::time::timeout(std::time::Duration::from_millis(300), from_first.next()).await;
    assert!(extra.is_err(), "nothing more: {extra:?}");
}

/// A member that falls behind its group's buffer replays the gap from the table: nothing
/// lost, nothing doubled. With a buffer of one payload, five escalations committed at once
/// are rendered before the member runs again (the tests' runtime has one thread), which
/// leaves it behind; `/metrics` counts its replay of the gap.
#[tokio::test]
async fn a_subscriber_behind_its_shared_rendering_replays_the_gap_and_loses_nothing() {
    let http = mfo_api::config::HttpLimits { subscription_buffer: 1, ..Default::default() };
    let app = TestApp::spawn_with(crate::helpers::Options { http, ..Default::default() }).await;
    let regulator =
        app.mint_for(entity::enums::Role::Regulator, app.orgs.kz_regulator.id, None, "dash", Duration::days(30));
    let mut socket = subscribed(&app, &regulator, "subscription { escalations { cursor subjectId } }", json!({})).await;
    groups_become(&app, (1, 1)).await;
    assert_eq!(metric(&app, "graphql_subscription_catch_ups_total").await, 0);
    let mut w = Write::begin(&app.ctx, Actor::system("test")).await.expect("begin");
    for _ in 0..5 {
        w.escalate(missed_r1(app.orgs.kz_mfo.id));
    }
    w.commit().await.expect("five escalations in one commit");
    let got = received(&mut socket, 5).await;
    let extra = tokio::time::timeout(std::time::Duration::from_millis(300), socket.next()).await;
    assert!(extra.is_err(), "nothing doubled: {extra:?}");
    assert_eq!(metric(&app, "graphql_subscription_catch_ups_total").await, 1, "the member replayed the gap once");
    let listed = app.gql(&regulator, "{ escalations { edges { cursor } } }", json!({})).await;
    let all: Vec<&str> =
        listed["escalations"]["edges"].as_array().expect("edges").iter().filter_map(|e| e["cursor"].as_str()).collect();
    assert_eq!(got, all, "the five, each once, in sequence order");
}
