//! `serve --demo` loads its data through the services; it must keep loading, show every
//! state the README promises, and load twice without duplicating anything.

use std::collections::BTreeSet;

use sea_orm::EntityTrait;

use crate::helpers::TestApp;

#[tokio::test]
async fn demo_data_loads_every_state_and_loading_again_changes_nothing() {
    let app = TestApp::spawn().await;
    // A Saturday evening in UTC, already Sunday in Almaty: the demo must load at any hour.
    app.clock.set(crate::helpers::at("2026-11-28T22:50:00Z"));
    mfo_api::demo::load(&app.ctx).await.expect("demo loads");
    let counts = (app.count("loan").await, app.count("complaint").await, app.count("audit_entry").await);
    mfo_api::demo::load(&app.ctx).await.expect("demo loads again");
    assert_eq!(counts, (app.count("loan").await, app.count("complaint").await, app.count("audit_entry").await));

    let statuses: BTreeSet<String> = entity::complaint::Entity::find()
        .all(&app.ctx.db)
        .await
        .expect("complaints")
        .into_iter()
        .map(|c| serde_json::to_value(c.status).expect("json").as_str().unwrap_or("").to_owned())
        .collect();
    let expected: BTreeSet<String> = [
        "REGISTERED",
        "FORWARDED",
        "UNDER_REVIEW",
        "ANSWERED",
        "ANSWERED_ORALLY",
        "INVITED_TO_WRITE",
        "LEFT_WITHOUT_CONSIDERATION",
        "CLOSED_WITHOUT_ANSWER",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(statuses, expected, "complaints in every status");

    let states: BTreeSet<String> = entity::restructuring_application::Entity::find()
        .all(&app.ctx.db)
        .await
        .expect("applications")
        .into_iter()
        .map(|a| serde_json::to_value(a.status).expect("json").as_str().unwrap_or("").to_owned())
        .collect();
    let expected: BTreeSet<String> = [
        "REGISTERED",
        "DOCUMENTS_REQUESTED",
        "INADMISSIBLE",
        "APPROVED",
        "COUNTER_PROPOSED",
        "AGREED",
        "COUNTER_REJECTED",
        "REFUSED",
        "DEEMED_REFUSED",
        "LEFT_WITHOUT_REVIEW",
        "WITHDRAWN",
        "IMPLEMENTED",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(states, expected, "applications in every state");
    assert!(app.count("regulator_appeal").await >= 1);
    assert_eq!(app.count("collection_assignment WHERE ended_at IS NULL").await, 1, "the agency has a loan");
    assert_eq!(app.count("contact_event").await, 2);
    assert!(app.count("escalation WHERE rule = 'X3'").await >= 1, "the late call was flagged");
    assert_eq!(app.count("military_deferral").await, 1);
    // Both jurisdictions have complaints, and the KZ regulator sees a missed C8 answer.
    assert!(app.count("complaint WHERE jurisdiction = 'KZ'").await >= 2, "the KZ journal is not empty");
    assert!(app.count("complaint WHERE jurisdiction = 'KG'").await >= 8);
    assert!(app.count("escalation WHERE jurisdiction = 'KZ' AND rule = 'C8'").await >= 1, "a missed C8 answer in KZ");
    // The legacy loan overdue since before the first KZ policy version: no R1 duty, no stall.
    let legacy = "loan WHERE external_id = 'L-1999' AND first_unpaid_due_date < '2024-09-09'";
    assert_eq!(app.count(legacy).await, 1, "the demo holds a legacy overdue loan");
    assert_eq!(
        app.count("deadline d WHERE d.kind = 'DELINQUENCY_NOTICE' AND d.subject_id IN (SELECT id FROM loan WHERE external_id = 'L-1999')").await,
        0,
        "no R1 duty for an overdue that began before the rules"
    );
    assert!(mfo_api::services::chain::verify_chain(&app.ctx.db).await.expect("verify").is_ok());
}
