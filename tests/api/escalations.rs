//! The `escalations` list read backwards (`last`/`before`): from the newest, a page at a
//! time, through the same scope and filter as forward pages, with the same cursors.

use entity::enums::Jurisdiction;
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::mechanisms::escalation_row;

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
