//! Every connection's `totalCount` (counted only when asked), its half-open date range on the
//! record's natural date and its documented order.

//! Finding records: every connection's `totalCount` (counted only when asked),
//! its half-open date range on the record's natural date and its documented order; the
//! agencies' `contacts` connection across their loans; `node`/`nodes` for every type that
//! implements `Node`, in scope and out of it; and ids inside `details`/`before`/`after`
//! JSON and actor keys as global ids that `node` resolves.

use crate::helpers::{TestApp, at};
use chrono::{DateTime, Utc};
use entity::enums::Role;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// `data.r.nodes[*].<field>` as strings.
pub(crate) fn field_of(data: &Value, field: &str) -> Vec<String> {
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

/// One sortable list: its field, the type of its `orderBy`, and per offered field the
/// node's field holding the value (a `Date` or a `DateTime`).
struct Sortable {
    field: &'static str,
    orders: &'static [(&'static str, &'static str)],
}

const SORTABLE: [Sortable; 6] = [
    Sortable {
        field: "loans",
        orders: &[("CONTRACT_DATE", "contractDate"), ("CREATED_AT", "createdAt"), ("UPDATED_AT", "updatedAt")],
    },
    Sortable { field: "borrowers", orders: &[("CREATED_AT", "createdAt"), ("UPDATED_AT", "updatedAt")] },
    Sortable { field: "complaints", orders: &[("RECEIVED_AT", "receivedAt"), ("UPDATED_AT", "updatedAt")] },
    Sortable {
        field: "restructuringApplications",
        orders: &[("RECEIVED_AT", "receivedAt"), ("UPDATED_AT", "updatedAt")],
    },
    Sortable { field: "deadlines", orders: &[("DUE_AT", "dueAt"), ("STARTED_AT", "startedAt")] },
    Sortable { field: "contacts", orders: &[("OCCURRED_AT", "occurredAt"), ("CREATED_AT", "createdAt")] },
];

/// Walks a list a page of `size` at a time, forward (`first`/`after`) or backward
/// (`last`/`before`), and returns the ids in list order, checking `pageInfo` on the way.
async fn walk(
    app: &TestApp,
    token: &str,
    field: &str,
    order: &str,
    extra: &str,
    size: usize,
    back: bool,
) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let (dir, bound) = if back { ("last", "before") } else { ("first", "after") };
        let at = cursor.as_ref().map(|c| format!(", {bound}: \"{c}\"")).unwrap_or_default();
        let q = format!(
            "{{ r: {field}({order}{extra}{dir}: {size}{at}) {{ nodes {{ id }} \
             pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}"
        );
        let data = app.gql(token, &q, json!({})).await;
        let page: Vec<String> = field_of(&data, "id");
        let info = &data["r"]["pageInfo"];
        assert!(page.len() <= size, "{field} {order}: a page holds at most {size}");
        let (more, other_side) = if back {
            (info["hasPreviousPage"].as_bool(), info["hasNextPage"].as_bool())
        } else {
            (info["hasNextPage"].as_bool(), info["hasPreviousPage"].as_bool())
        };
        assert_eq!(other_side, Some(cursor.is_some()), "{field} {order}: rows lie behind a cursor: {info}");
        if back {
            ids.splice(0..0, page);
            cursor = info["startCursor"].as_str().map(str::to_owned);
        } else {
            ids.extend(page);
            cursor = info["endCursor"].as_str().map(str::to_owned);
        }
        if more != Some(true) {
            break;
        }
        assert!(ids.len() < 1_000, "{field} {order}: the walk ends");
    }
    ids
}

#[tokio::test]
async fn every_sortable_list_pages_both_ways_in_each_order_with_every_row_once() {
    let app = TestApp::spawn().await;
    let demo = mfo_api::demo::load(&app.ctx).await.expect("demo loads");
    let staff = app.staff_of(&demo.kz_mfo);
    let regulator = app.mint(Role::Regulator, demo.kz_regulator.id, None, "supervisor");
    for list in SORTABLE {
        let token = if list.field == "borrowers" { &staff } else { &regulator };
        let everything = format!("{{ r: {}(first: 100) {{ totalCount nodes {{ id }} }} }}", list.field);
        let all = app.gql(token, &everything, json!({})).await;
        let mut expected: Vec<String> = field_of(&all, "id");
        assert!(expected.len() >= 2, "{}: the demo has rows to page through", list.field);
        assert_eq!(all["r"]["totalCount"], json!(expected.len()), "{}: one page holds them all", list.field);
        expected.sort();
        for (order, value) in list.orders {
            for direction in ["ASC", "DESC"] {
                let by = format!("orderBy: {{ field: {order}, direction: {direction} }}, ");
                let q = format!("{{ r: {}({by}first: 100) {{ nodes {{ id {value} }} }} }}", list.field);
                let data = app.gql(token, &q, json!({})).await;
                let values: Vec<DateTime<Utc>> = field_of(&data, value).iter().map(|v| instant(v)).collect();
                let sorted = values.windows(2).all(|w| if direction == "ASC" { w[0] <= w[1] } else { w[0] >= w[1] });
                assert!(sorted, "{} by {order} {direction}: in order: {values:?}", list.field);
                let one_page = field_of(&data, "id");
                let forward = walk(&app, token, list.field, &by, "", 1, false).await;
                let backward = walk(&app, token, list.field, &by, "", 1, true).await;
                assert_eq!(forward, one_page, "{} by {order} {direction}: forward pages = one page", list.field);
                assert_eq!(backward, one_page, "{} by {order} {direction}: backward pages = one page", list.field);
                let mut seen = forward.clone();
                seen.sort();
                assert_eq!(seen, expected, "{} by {order} {direction}: every row once", list.field);
            }
        }
        // The default order, backward too.
        let forward = walk(&app, token, list.field, "", "", 1, false).await;
        let backward = walk(&app, token, list.field, "", "", 1, true).await;
        assert_eq!(forward, backward, "{}: the default order both ways", list.field);
    }
}

#[tokio::test]
async fn lists_in_their_own_order_page_backward_too() {
    let app = TestApp::spawn().await;
    let demo = mfo_api::demo::load(&app.ctx).await.expect("demo loads");
    let staff = app.staff_of(&demo.kz_mfo);
    let regulator = app.mint(Role::Regulator, demo.kz_regulator.id, None, "supervisor");
    for (token, field, args) in [(&staff, "complaintJournal", "year: 2026, "), (&regulator, "escalations", "")] {
        let forward = walk(&app, token, field, args, "", 1, false).await;
        let backward = walk(&app, token, field, args, "", 1, true).await;
        assert!(forward.len() >= 2, "{field}: the demo has rows to page through");
        assert_eq!(forward, backward, "{field}: the same rows in the same order both ways");
    }
}

#[tokio::test]
async fn a_cursor_belongs_to_its_order_and_first_with_last_is_refused() {
    let app = TestApp::spawn().await;
    let demo = mfo_api::demo::load(&app.ctx).await.expect("demo loads");
    let regulator = app.mint(Role::Regulator, demo.kz_regulator.id, None, "supervisor");
    let q = "{ r: complaints(orderBy: { field: RECEIVED_AT }, first: 1) { pageInfo { endCursor } } }";
    let data = app.gql(&regulator, q, json!({})).await;
    let cursor = data["r"]["pageInfo"]["endCursor"].as_str().expect("a cursor").to_owned();
    for other in [
        format!("{{ complaints(orderBy: {{ field: UPDATED_AT }}, after: \"{cursor}\") {{ nodes {{ id }} }} }}"),
        format!("{{ complaints(after: \"{cursor}\") {{ nodes {{ id }} }} }}"),
        "{ complaints(first: 2, last: 2) { nodes { id } } }".to_owned(),
        "{ loans(last: 101) { nodes { id } } }".to_owned(),
    ] {
        assert_eq!(app.error_code(&regulator, &other, json!({})).await, "BAD_USER_INPUT", "{other}");
    }
    let same =
        format!("{{ r: complaints(orderBy: {{ field: RECEIVED_AT }}, after: \"{cursor}\") {{ nodes {{ id }} }} }}");
    app.gql(&regulator, &same, json!({})).await;
}
