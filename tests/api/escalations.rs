//! The `escalations` list read backwards (`last`/`before`): from the newest, a page at a
//! time, through the same scope and filter as forward pages, with the same cursors; the
//! organisation responsible for the breach (`responsibleOrganization`, filterable), a
//! severity from its kind and rule, and the regulator's acknowledgement (audited; it stays in
//! the stream).

use entity::enums::Jurisdiction;
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::fixtures::{assign, on, overdue_loan, uuid_of};
use crate::mechanisms::escalation_row;
use entity::enums::Role;

const PAGE: &str = "query($f: EscalationFilter, $first: Int, $after: String, $last: Int, $before: String) {
    escalations(filter: $f, first: $first, after: $after, last: $last, before: $before) {
      totalCount pageInfo { hasPreviousPage hasNextPage startCursor endCursor } edges { cursor node { rule } } } }";

fn cursors(page: &Value) -> Vec<String> {
    page["edges"].as_array().expect("edges").iter().map(|e| e["cursor"].as_str().expect("cursor").to_owned()).collect()
}

#[tokio::test]
async fn a_reader_goes_back_from_the_newest_escalation_a_page_at_a_time_and_meets_every_one_once() {
    let app = TestApp::spawn().await;
    // 23 escalations of the KZ MFO (every third an X3 breach), 5 of the KG MFO.
    let rows: Vec<_> = (1..=28i64)
        .map(|seq| {
            let (org, j) =
                if seq <= 23 { (app.orgs.kz_mfo.id, Jurisdiction::Kz) } else { (app.orgs.kg_mfo.id, Jurisdiction::Kg) };
            let mut row = escalation_row(&app, seq, org, j);
            if seq % 3 == 0 {
                row.kind = Set(entity::enums::EscalationKind::RuleBreach);
                row.rule = Set("X3".into());
            }
            row
        })
        .collect();
    entity::escalation::Entity::insert_many(rows).exec_without_returning(&app.ctx.db).await.expect("seed");
    let token = app.regulator(Jurisdiction::Kz);
    for filter in [json!({}), json!({ "rule": "X3" })] {
        // Forward, the whole list at once: the reference.
        let all = app.gql(&token, PAGE, json!({ "f": filter, "first": 100 })).await["escalations"].clone();
        let forward = cursors(&all);
        // Backward by 5 from the newest: each page oldest first, pages newest first.
        let (mut backward, mut before, mut pages) = (Vec::new(), Value::Null, 0);
        loop {
            let vars = json!({ "f": filter, "last": 5, "before": before });
            let page = app.gql(&token, PAGE, vars).await["escalations"].clone();
            assert_eq!(page["totalCount"], all["totalCount"], "{filter}");
            assert_eq!(page["pageInfo"]["hasNextPage"], !before.is_null(), "newer ones follow a page before a cursor");
            let mut c = cursors(&page);
            assert!(c.len() <= 5);
            assert!(
                c.windows(2).all(|w| forward.iter().position(|x| *x == w[0]) < forward.iter().position(|x| *x == w[1])),
                "a page is oldest first"
            );
            c.extend(backward);
            backward = c;
            pages += 1;
            if page["pageInfo"]["hasPreviousPage"] != true {
                break;
            }
            before = page["pageInfo"]["startCursor"].clone();
        }
        assert_eq!(backward, forward, "{filter}: every escalation once, in order");
        assert_eq!(pages, forward.len().div_ceil(5), "{filter}");
    }
    // 23 in the regulator's jurisdiction; the KG ones never appear.
    let all = app.gql(&token, PAGE, json!({ "last": 100 })).await["escalations"].clone();
    assert_eq!(all["totalCount"], 23);
    assert_eq!(cursors(&all).len(), 23);
    // One direction per request.
    let code = app.error_code(&token, PAGE, json!({ "first": 5, "last": 5 })).await;
    assert_eq!(code, "BAD_USER_INPUT");
}

const RECORD: &str = "mutation($input: RecordContactInput!) { recordContact(input: $input) { contact { id violations } userErrors { field code rule } } }";

const LIST: &str = "query($f: EscalationFilter) { escalations(filter: $f) { edges { node { id rule kind severity organization { name } responsibleOrganization { name } acknowledgedAt acknowledgedBy acknowledgementNote } } } }";

const ACK: &str = "mutation($input: AcknowledgeEscalationInput!) { acknowledgeEscalation(input: $input) { escalation { id acknowledgedAt acknowledgedBy acknowledgementNote } userErrors { field code } } }";

fn contact(loan: &str, csid: u32, org_name: &str, when: &str) -> Value {
    json!({
        "clientSubmissionId": format!("00000000-0000-4000-9000-{csid:012}"), "loanId": loan, "channel": "CALL",
        "occurredAt": when, "outcome": "REACHED", "destination": "+7 701 000 00 00",
        "disclosure": { "organizationName": org_name, "organizationLocation": "Almaty, Dostyk 5",
            "personName": "Nurzhan Abenov", "personPosition": "Collector" },
    })
}

async fn list(app: &TestApp, token: &str, filter: Value) -> Vec<Value> {
    let r = app.gql(token, LIST, json!({ "f": filter })).await;
    r["escalations"]["edges"].as_array().unwrap_or_else(|| panic!("{r}")).iter().map(|e| e["node"].clone()).collect()
}

fn rules(list: &[Value]) -> Vec<String> {
    list.iter().map(|e| e["rule"].as_str().unwrap_or_default().to_owned()).collect()
}

/// Three breaches on 17 March 2026: the agency calls at 07:59 Almaty time (X3) and calls
/// again posing as the MFO (X6); the MFO's own staff call at 07:50 (X3).
async fn three_breaches(app: &TestApp) {
    on(app, "2026-03-17");
    let a = overdue_loan(app, "A", "2026-02-02", json!({}), json!({})).await;
    let m = overdue_loan(app, "M", "2026-02-02", json!({}), json!({})).await;
    assign(app, uuid_of(&a.loan), &app.orgs.agency).await;
    let agency = app.mint(Role::CollectionAgency, app.orgs.agency.id, None, "agency-system");
    let r = app.gql(&agency, RECORD, json!({ "input": contact(&a.loan, 1, "Agency", "2026-03-17T02:59:00Z") })).await;
    assert_eq!(r["recordContact"]["contact"]["violations"], json!(["X3"]), "{r}");
    let r = app.gql(&agency, RECORD, json!({ "input": contact(&a.loan, 2, "KZ MFO", "2026-03-17T04:10:00Z") })).await;
    assert_eq!(r["recordContact"]["contact"]["violations"], json!(["X6"]), "{r}");
    let r =
        app.gql(&app.staff(), RECORD, json!({ "input": contact(&m.loan, 3, "KZ MFO", "2026-03-17T02:50:00Z") })).await;
    assert_eq!(r["recordContact"]["contact"]["violations"], json!(["X3"]), "{r}");
}

#[tokio::test]
async fn escalations_name_the_responsible_organisation_and_a_severity_and_filter_by_both() {
    let app = TestApp::spawn().await;
    three_breaches(&app).await;
    let reg = app.regulator(Jurisdiction::Kz);
    let all = list(&app, &reg, json!({})).await;
    assert_eq!(rules(&all), ["X3", "X6", "X3"]);
    let by: Vec<(Value, Value, Value)> = all
        .iter()
        .map(|e| {
            (e["severity"].clone(), e["organization"]["name"].clone(), e["responsibleOrganization"]["name"].clone())
        })
        .collect();
    assert_eq!(
        by,
        [
            (json!("HIGH"), json!("KZ MFO"), json!("Agency")),
            (json!("CRITICAL"), json!("KZ MFO"), json!("Agency")),
            (json!("HIGH"), json!("KZ MFO"), Value::Null),
        ],
        "the agency's contacts are its breaches; the MFO's own names no other organisation"
    );
    let org_gid = |o: &entity::organization::Model| {
        mfo_api::graphql::ids::encode(mfo_api::graphql::ids::Kind::Organization, o.id).0
    };
    let agency = list(&app, &reg, json!({ "responsibleOrganizationId": org_gid(&app.orgs.agency) })).await;
    assert_eq!(rules(&agency), ["X3", "X6"]);
    let mfo = list(&app, &reg, json!({ "responsibleOrganizationId": org_gid(&app.orgs.kz_mfo) })).await;
    assert_eq!(rules(&mfo), ["X3"], "the MFO's own breach, not the agency's on its loan");
    assert!(list(&app, &reg, json!({ "responsibleOrganizationId": org_gid(&app.orgs.agency_2) })).await.is_empty());
    assert_eq!(rules(&list(&app, &reg, json!({ "severity": "CRITICAL" })).await), ["X6"]);
    assert_eq!(rules(&list(&app, &reg, json!({ "severity": "HIGH" })).await), ["X3", "X3"]);
    assert!(list(&app, &reg, json!({ "severity": "LOW" })).await.is_empty());
    let both = json!({ "severity": "HIGH", "responsibleOrganizationId": org_gid(&app.orgs.agency) });
    assert_eq!(rules(&list(&app, &reg, both).await), ["X3"]);
}

#[tokio::test]
async fn the_regulator_acknowledges_once_audited_and_the_escalation_stays_in_the_stream() {
    let app = TestApp::spawn().await;
    three_breaches(&app).await;
    let reg = app.regulator(Jurisdiction::Kz);
    let all = list(&app, &reg, json!({})).await;
    let id = all[1]["id"].clone();
    let input = |note: &str| json!({ "input": { "escalationId": id, "note": note } });

    assert_eq!(app.error_code(&app.staff(), ACK, input("seen")).await, "FORBIDDEN", "MFO staff");
    assert_eq!(app.error_code(&app.manager(), ACK, input("seen")).await, "FORBIDDEN", "MFO manager");
    let agency = app.mint(Role::CollectionAgency, app.orgs.agency.id, None, "agency-system");
    assert_eq!(app.error_code(&agency, ACK, input("seen")).await, "FORBIDDEN");
    let kg = app.regulator(Jurisdiction::Kg);
    assert_eq!(app.error_code(&kg, ACK, input("seen")).await, "NOT_FOUND", "another jurisdiction's, as if missing");
    let empty = app.gql(&reg, ACK, input("  ")).await;
    assert_eq!(
        empty["acknowledgeEscalation"]["userErrors"],
        json!([{ "field": ["input", "note"], "code": "INVALID" }])
    );

    app.advance(chrono::Duration::hours(1));
    let reg = app.regulator(Jurisdiction::Kz);
    let r = app.gql(&reg, ACK, input("inspection of the agency opened")).await;
    let e = &r["acknowledgeEscalation"]["escalation"];
    assert_eq!(r["acknowledgeEscalation"]["userErrors"], json!([]), "{r}");
    assert_eq!(e["acknowledgedAt"], "2026-03-17T06:00:00+00:00");
    assert!(e["acknowledgedBy"].as_str().is_some_and(|s| !s.is_empty()), "{e}");
    assert_eq!(e["acknowledgementNote"], "inspection of the agency opened");

    app.advance(chrono::Duration::hours(1));
    let reg = app.regulator(Jurisdiction::Kz);
    let kg = app.regulator(Jurisdiction::Kg);
    let again = app.gql(&reg, ACK, input("again")).await;
    assert_eq!(
        again["acknowledgeEscalation"]["userErrors"],
        json!([{ "field": ["input", "escalationId"], "code": "CONFLICT" }])
    );
    assert!(again["acknowledgeEscalation"]["escalation"].is_null());

    let after = list(&app, &reg, json!({})).await;
    assert_eq!(rules(&after), ["X3", "X6", "X3"], "acknowledged, still in the stream");
    assert_eq!(after[1]["acknowledgedAt"], "2026-03-17T06:00:00+00:00", "the first acknowledgement is kept");
    assert_eq!(after[1]["acknowledgementNote"], "inspection of the agency opened");
    assert!(after[0]["acknowledgedAt"].is_null());
    assert_eq!(rules(&list(&app, &reg, json!({ "acknowledged": true })).await), ["X6"]);
    assert_eq!(rules(&list(&app, &reg, json!({ "acknowledged": false })).await), ["X3", "X3"]);
    // The MFO sees the acknowledgement of its escalation too.
    let mfo_view = list(&app, &app.staff(), json!({ "acknowledged": true })).await;
    assert_eq!(mfo_view[0]["acknowledgementNote"], "inspection of the agency opened");

    let trail = app
        .gql(&reg, "query($id: ID!) { auditTrail(subjectId: $id) { action actor after } }", json!({ "id": id }))
        .await;
    let entries = trail["auditTrail"].as_array().unwrap_or_else(|| panic!("{trail}"));
    assert_eq!(entries.len(), 1, "one acknowledgement, the refused second one left no entry: {trail}");
    assert_eq!(entries[0]["action"], "escalation.acknowledged");
    assert_eq!(entries[0]["actor"], e["acknowledgedBy"]);
    assert_eq!(entries[0]["after"]["note"], "inspection of the agency opened");
    assert_eq!(
        app.error_code(&kg, "query($id: ID!) { auditTrail(subjectId: $id) { action } }", json!({ "id": id })).await,
        "NOT_FOUND"
    );
}

/// Two regulators' desks acknowledging the same escalation at once: one acknowledgement is
/// kept and audited, every other is refused as already done (naming the kept one's time),
/// never a second audit entry or a note overwritten by whoever committed last.
#[tokio::test]
async fn concurrent_acknowledgements_keep_one_and_audit_it_once() {
    let app = TestApp::spawn().await;
    three_breaches(&app).await;
    let reg = app.regulator(Jurisdiction::Kz);
    for round in 0..3 {
        // A fresh escalation each round: the last one's acknowledgement is already kept.
        let id = list(&app, &reg, json!({ "acknowledged": false })).await[0]["id"].clone();
        let tries =
            futures_util::future::join_all((0..8).map(|k| {
                let (app, reg, id) = (&app, reg.clone(), id.clone());
                async move {
                    app.gql(&reg, ACK, json!({ "input": { "escalationId": id, "note": format!("desk {k}") } })).await
                }
            }))
            .await;
        let payloads: Vec<Value> = tries.iter().map(|r| r["acknowledgeEscalation"].clone()).collect();
        let kept = TestApp::applied_once(&payloads, "escalationId", &format!("round {round}"));
        let note = kept["escalation"]["acknowledgementNote"].clone();
        let now = list(&app, &reg, json!({ "acknowledged": true })).await;
        let stored = now.iter().find(|e| e["id"] == id).unwrap_or_else(|| panic!("{now:?}"));
        assert_eq!(stored["acknowledgementNote"], note, "round {round}: the kept note is the stored one");
        let trail =
            app.gql(&reg, "query($id: ID!) { auditTrail(subjectId: $id) { action after } }", json!({ "id": id })).await;
        let entries = trail["auditTrail"].as_array().unwrap_or_else(|| panic!("{trail}"));
        assert_eq!(entries.len(), 1, "round {round}: one audit entry: {trail}");
        assert_eq!(entries[0]["after"]["note"], note);
    }
}

/// The migration that added `escalation.responsible_org_id` fills it for escalations raised
/// before it, from `details.responsibleOrgId`, on either engine.
#[tokio::test]
async fn escalations_raised_before_the_column_existed_get_their_responsible_organisation() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::sea_query::{Alias, Query};
    use sea_orm::{ConnectionTrait, EntityTrait};
    let (db, _dir) = crate::helpers::fresh_database().await;
    // Every step before m20261129_000011_escalation_attribution.
    Migrator::up(&db, Some(7)).await.expect("earlier migrations");
    let backend = db.get_database_backend();
    let (mfo, agency) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let now = crate::helpers::default_start();
    for (id, kind) in [(mfo, "MFO"), (agency, "COLLECTION_AGENCY")] {
        let insert = Query::insert()
            .into_table(Alias::new("organization"))
            .columns(["id", "kind", "name", "jurisdiction", "time_zone", "created_at"].map(Alias::new))
            .values_panic([id.into(), kind.into(), kind.into(), "KZ".into(), "Asia/Almaty".into(), now.into()])
            .to_owned();
        db.execute_raw(backend.build(&insert)).await.expect("organization");
    }
    let (breach, missed) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    for (id, details) in
        [(breach, json!({ "responsibleOrgId": agency, "contactId": "c" })), (missed, json!({ "kind": "x" }))]
    {
        let insert = Query::insert()
            .into_table(Alias::new("escalation"))
            .columns(
                [
                    "id",
                    "raised_at",
                    "kind",
                    "rule",
                    "org_id",
                    "jurisdiction",
                    "subject_type",
                    "subject_id",
                    "message",
                    "details",
                ]
                .map(Alias::new),
            )
            .values_panic([
                id.into(),
                now.into(),
                "RULE_BREACH".into(),
                "X3".into(),
                mfo.into(),
                "KZ".into(),
                "contact".into(),
                uuid::Uuid::new_v4().into(),
                "m".into(),
                details.into(),
            ])
            .to_owned();
        db.execute_raw(backend.build(&insert)).await.expect("escalation");
    }
    Migrator::up(&db, None).await.expect("the attribution step");
    let rows = entity::escalation::Entity::find().all(&db).await.expect("escalations");
    let by_id = |id| rows.iter().find(|e| e.id == id).map(|e| e.responsible_org_id);
    assert_eq!(by_id(breach), Some(Some(agency)));
    assert_eq!(by_id(missed), Some(None));
    assert!(rows.iter().all(|e| e.acknowledged_at.is_none()));
}
