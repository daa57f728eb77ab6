//! Lists under a record are paged like the root lists (`first`/`after`, `last`/`before`,
//! `pageInfo`, `totalCount`) and weighed by what they can return: the N2 document (30
//! aliases of complaints with every loan's schedule) and a batch that adds up over the
//! limit are refused before they run, and so is a document over the response budget.

use serde_json::{Value, json};

use crate::helpers::fixtures::{UPSERT_BORROWER, UPSERT_LOAN, borrower_input, on};
use crate::helpers::{Options, TestApp};

/// The N2 document of the fairness round, in the connection shape.
fn n2_document(nested: &str) -> String {
    let aliases: String =
        (0..30).map(|i| format!("c{i}: complaints(first: 100) {{ nodes {{ loan {{ {nested} }} }} }} ")).collect();
    format!("{{ {aliases} }}")
}

/// A loan of `lines` monthly installments from 2026-01-01, as `external_id`.
fn long_loan(external_id: &str, borrower: &str, lines: u32) -> Value {
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let schedule: Vec<Value> = (1..=lines)
        .map(|m| {
            let due = start.checked_add_months(chrono::Months::new(m)).expect("date");
            json!({ "dueDate": due.to_string(), "principal": "1000", "interest": "100" })
        })
        .collect();
    json!({
        "externalId": external_id, "borrowerExternalId": borrower, "contractNumber": format!("C-{external_id}"),
        "contractDate": "2026-01-01", "currency": "KZT", "principal": (1000 * lines).to_string(),
        "annualRate": "0.35", "termMonths": lines, "schedule": schedule,
    })
}

const INSTALLMENTS: &str = "query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    loan(id: $id) { installments(first: $first, after: $after, last: $last, before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { seq dueDate status } } } } }";

const PAYMENTS: &str = "query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    loan(id: $id) { payments(first: $first, after: $after, last: $last, before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { id paidAt amount } } } }";

/// Walks a connection forwards (`first`) or backwards (`last`) in pages of `size`; returns
/// the nodes in list order and each page's (hasPreviousPage, hasNextPage).
async fn walk(
    app: &TestApp,
    query: &str,
    field: &str,
    loan: &str,
    size: i64,
    forward: bool,
) -> (Vec<Value>, Vec<(bool, bool)>) {
    let (mut nodes, mut flags, mut cursor): (Vec<Value>, Vec<(bool, bool)>, Option<String>) = (vec![], vec![], None);
    for _ in 0..20 {
        let vars = if forward {
            json!({ "id": loan, "first": size, "after": cursor })
        } else {
            json!({ "id": loan, "last": size, "before": cursor })
        };
        let c = app.gql(&app.staff(), query, vars).await["loan"][field].clone();
        let page: Vec<Value> = match c["edges"].as_array() {
            Some(edges) => {
                for e in edges {
                    assert!(e["cursor"].is_string(), "{c}");
                }
                edges.iter().map(|e| e["node"].clone()).collect()
            }
            None => c["nodes"].as_array().cloned().unwrap_or_default(),
        };
        let info = &c["pageInfo"];
        let (prev, next) = (info["hasPreviousPage"] == true, info["hasNextPage"] == true);
        flags.push((prev, next));
        if forward {
            nodes.extend(page);
        } else {
            nodes.splice(0..0, page);
        }
        let more = if forward { next } else { prev };
        if !more {
            return (nodes, flags);
        }
        let key = if forward { "endCursor" } else { "startCursor" };
        cursor = Some(info[key].as_str().expect("a cursor on a page with more").to_owned());
    }
    panic!("{field}: the walk did not end");
}

#[tokio::test]
async fn a_loans_installments_and_payments_page_forwards_and_backwards_in_their_order() {
    let app = TestApp::spawn().await;
    on(&app, "2028-06-01");
    let staff = app.staff();
    app.gql(&staff, UPSERT_BORROWER, json!({ "input": borrower_input("P") })).await;
    let l = app.gql(&staff, UPSERT_LOAN, json!({ "input": long_loan("L-P", "P", 25) })).await;
    assert_eq!(l["upsertLoan"]["userErrors"], json!([]), "{l}");
    let loan = l["upsertLoan"]["loan"]["id"].as_str().expect("loan id").to_owned();
    // 30 payments, two at each instant, sent newest first: the order is the API's.
    let items: Vec<Value> = (0..30)
        .rev()
        .map(|k| {
            json!({ "loanId": loan, "externalId": format!("P-{k}"),
                    "paidAt": format!("2026-02-{:02}T09:00:00Z", 1 + k / 2), "amount": "100" })
        })
        .collect();
    let r = app
        .gql(&staff, "mutation($input: RecordPaymentsInput!) { recordPayments(input: $input) { items { userErrors { code } } } }", json!({ "input": { "items": items } }))
        .await;
    assert!(
        r["recordPayments"]["items"].as_array().is_some_and(|i| i.iter().all(|i| i["userErrors"] == json!([]))),
        "{r}"
    );

    // Installments: by due date, 25 of them, in pages of 10 each way.
    let all = app.gql(&staff, INSTALLMENTS, json!({ "id": loan, "first": 100 })).await;
    assert_eq!(all["loan"]["installments"]["totalCount"], 25, "{all}");
    let (forward, flags) = walk(&app, INSTALLMENTS, "installments", &loan, 10, true).await;
    let seqs: Vec<i64> = forward.iter().map(|n| n["seq"].as_i64().unwrap_or(-1)).collect();
    assert_eq!(seqs, (1..=25).collect::<Vec<i64>>(), "every installment once, by due date");
    let dues: Vec<&str> = forward.iter().map(|n| n["dueDate"].as_str().unwrap_or("")).collect();
    assert!(dues.windows(2).all(|w| w[0] < w[1]), "{dues:?}");
    assert_eq!(flags, vec![(false, true), (true, true), (true, false)]);
    let (backward, flags) = walk(&app, INSTALLMENTS, "installments", &loan, 10, false).await;
    assert_eq!(backward, forward, "backwards, the same rows in the same order");
    assert_eq!(flags, vec![(true, false), (true, true), (false, true)]);

    // Payments: oldest first, 30 of them, in pages of 7 each way.
    let all = app.gql(&staff, PAYMENTS, json!({ "id": loan, "first": 100 })).await;
    assert_eq!(all["loan"]["payments"]["totalCount"], 30, "{all}");
    let (forward, flags) = walk(&app, PAYMENTS, "payments", &loan, 7, true).await;
    assert_eq!(forward.len(), 30);
    assert_eq!(forward, all["loan"]["payments"]["nodes"].as_array().cloned().unwrap_or_default(), "one order");
    let ids: std::collections::HashSet<&str> = forward.iter().filter_map(|n| n["id"].as_str()).collect();
    assert_eq!(ids.len(), 30, "every payment once");
    let paid: Vec<&str> = forward.iter().map(|n| n["paidAt"].as_str().unwrap_or("")).collect();
    assert!(paid.windows(2).all(|w| w[0] <= w[1]), "oldest first: {paid:?}");
    assert_eq!(flags.len(), 5);
    assert_eq!((flags[0], flags[4]), ((false, true), (true, false)));
    let (backward, flags) = walk(&app, PAYMENTS, "payments", &loan, 7, false).await;
    assert_eq!(backward, forward, "backwards, the same rows in the same order");
    assert_eq!((flags[0], flags[4]), ((true, false), (false, true)));

    // The default page is 20; `first` with `last`, or out of range, is refused.
    let d = app.gql(&staff, PAYMENTS, json!({ "id": loan })).await;
    assert_eq!(d["loan"]["payments"]["nodes"].as_array().map(Vec::len), Some(20), "{d}");
    for vars in [
        json!({ "id": loan, "first": 5, "last": 5 }),
        json!({ "id": loan, "first": 101 }),
        json!({ "id": loan, "last": -1 }),
    ] {
        assert_eq!(app.error_code(&staff, PAYMENTS, vars.clone()).await, "BAD_USER_INPUT", "{vars}");
    }
    let c = app.gql(&staff, "query($id: ID!) { loan(id: $id) { contacts(first: 5) { totalCount nodes { id } } delinquencyNotices(last: 5) { totalCount nodes { sender } } } }", json!({ "id": loan })).await;
    assert_eq!(c["loan"]["contacts"]["totalCount"], 0, "{c}");
    assert_eq!(c["loan"]["delinquencyNotices"]["totalCount"], 0, "{c}");
}

pub(crate) fn assert_too_complex(body: &Value, what: &str) {
    assert!(body["data"].is_null(), "{what}: nothing ran: {body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{what}: {body}");
    let message = body["errors"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("too complex") && message.contains("MFO_MAX_RESPONSE_BYTES"), "{what}: {body}");
}

#[tokio::test]
async fn the_n2_document_and_a_batch_over_the_limit_are_refused_before_they_run() {
    let app = TestApp::spawn().await;
    let token = app.staff();
    let (status, body) =
        app.post(Some(&token), &n2_document("installments(first: 100) { nodes { seq } }"), json!({})).await;
    assert_eq!(status, 200);
    assert_too_complex(&body, "N2");
    // One alias of it, with a page of ten schedules, is an ordinary query.
    let one = "{ complaints(first: 10) { nodes { loan { installments(first: 100) { nodes { seq } } } } } }";
    app.gql(&token, one, json!({})).await;

    // Each operation alone passes (100 × 81 = 8,100); three of them in a batch do not.
    let op = "{ loans(first: 100) { nodes { installments(first: 40) { nodes { seq } } } } }";
    app.gql(&token, op, json!({})).await;
    let batch: Vec<Value> = (0..3).map(|_| json!({ "query": op })).collect();
    let resp = app.client.post(&app.url).bearer_auth(&token).json(&batch).send().await.expect("batch");
    let answers: Vec<Value> = resp.json().await.expect("json");
    assert_eq!(answers.len(), 3);
    assert!(answers[0].get("errors").is_none() && answers[1].get("errors").is_none(), "{answers:?}");
    assert_too_complex(&answers[2], "the third operation of the batch");
    assert!(answers[2]["errors"][0]["message"].as_str().is_some_and(|m| m.contains("batch")), "{answers:?}");
    // A batch within the limit runs whole.
    let small: Vec<Value> = (0..3)
        .map(|_| json!({ "query": "{ loans(first: 10) { nodes { installments(first: 10) { nodes { seq } } } } }" }))
        .collect();
    let answers: Vec<Value> = app
        .client
        .post(&app.url)
        .bearer_auth(&token)
        .json(&small)
        .send()
        .await
        .expect("batch")
        .json()
        .await
        .expect("json");
    assert!(answers.iter().all(|a| a.get("errors").is_none()), "{answers:?}");
}

#[tokio::test]
async fn a_document_over_the_response_budget_is_refused_and_long_texts_weigh_their_size() {
    // 1 MiB of response: 4,096 units of 256 bytes.
    let limits = mfo_api::graphql::Limits { response_bytes: 1 << 20, ..Default::default() };
    let app = TestApp::spawn_with(Options { limits, ..Options::default() }).await;
    let token = app.staff();
    app.gql(&token, "{ loans(first: 100) { nodes { installments(first: 10) { nodes { seq } } } } }", json!({})).await;
    let (_, body) = app
        .post(Some(&token), "{ loans(first: 100) { nodes { installments(first: 40) { nodes { seq } } } } }", json!({}))
        .await;
    assert_too_complex(&body, "8,100 units over a budget of 4,096");
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("1048576 bytes")), "{body}");
    // A complaint's substance may be as long as a request body (1 MiB): one fills this budget.
    let (_, body) = app.post(Some(&token), "{ complaints(first: 1) { nodes { substance } } }", json!({})).await;
    assert_too_complex(&body, "one substance");
    app.gql(&token, "{ complaints(first: 1) { nodes { number } } }", json!({})).await;

    // At the default budget a page of four substances is answered, of five it is not.
    let app = TestApp::spawn().await;
    app.gql(&app.staff(), "{ complaints(first: 4) { nodes { substance } } }", json!({})).await;
    let (_, body) = app.post(Some(&app.staff()), "{ complaints(first: 5) { nodes { substance } } }", json!({})).await;
    assert_too_complex(&body, "five substances");
}

/// N2 through the real binary: the document of the report (`installments { seq }`, which
/// the old contract ran) and its connection form, three of each at once, over 100
/// complaints on loans of 600 installments, leave the server's RSS within 30 MiB of where
/// it was: every one is refused before it reads a row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "loads the machine: run alone with --ignored (see TESTING.md)"]
async fn the_n2_document_leaves_the_real_servers_memory_alone() {
    use crate::helpers::process;
    use sea_orm::ConnectionTrait;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = process::Db::new(dir.path(), "n2.db").await;
    process::cli(&db.url, &["migrate"]);
    let org = process::cli(&db.url, &["org", "create", "--kind", "MFO", "--name", "N2 MFO", "--jurisdiction", "KZ"]);
    let token = process::cli(&db.url, &["token", "--role", "MFO_STAFF", "--org", &org, "--subject", "n2"]);
    let server = process::start(&db.url, &dir.path().join("server.log"), &[]).await;
    let url = format!("{}/graphql", server.url);
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(120)).build().expect("client");
    let send = |query: String, variables: Value| {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        async move {
            let body = json!({ "query": query, "variables": variables });
            let r = client.post(&url).bearer_auth(&token).json(&body).send().await.expect("send");
            r.json::<Value>().await.unwrap_or(Value::Null)
        }
    };
    let borrowers: Vec<Value> = (0..100).map(|i| borrower_input(&format!("B{i}"))).collect();
    let r = send(
        "mutation($input: UpsertBorrowersInput!) { upsertBorrowers(input: $input) { items { userErrors { code } } } }"
            .into(),
        json!({ "input": { "items": borrowers } }),
    )
    .await;
    assert!(r.get("errors").is_none(), "{r}");
    let mut loans = Vec::new();
    for chunk in 0..10 {
        let items: Vec<Value> =
            (chunk * 10..chunk * 10 + 10).map(|i| long_loan(&format!("L{i}"), &format!("B{i}"), 600)).collect();
        let r = send("mutation($input: UpsertLoansInput!) { upsertLoans(input: $input) { items { loan { id } userErrors { code } } } }".into(), json!({ "input": { "items": items } })).await;
        let items = r["data"]["upsertLoans"]["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(items.len(), 10, "{r}");
        loans.extend(items.iter().map(|i| i["loan"]["id"].clone()));
    }
    for loan in &loans {
        let input =
            json!({ "kind": "COMPLAINT", "channel": "POST", "language": "RU", "loanId": loan, "substance": "x" });
        let r = send(
            "mutation($input: RegisterComplaintInput!) { registerComplaint(input: $input) { complaint { id } } }"
                .into(),
            json!({ "input": input }),
        )
        .await;
        assert!(r["data"]["registerComplaint"]["complaint"]["id"].is_string(), "{r}");
    }
    // Checked in a shape both the old contract and this one answer, and in the tables.
    let check = send("{ complaints(first: 1) { totalCount } }".into(), json!({})).await;
    assert_eq!(check["data"]["complaints"]["totalCount"], 100, "{check}");
    let conn = db.connect().await;
    let lines = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT COUNT(*) AS n FROM installment",
        ))
        .await
        .expect("count")
        .and_then(|r| r.try_get::<i64>("", "n").ok());
    assert_eq!(lines, Some(60_000), "100 loans of 600 installments");

    let before = server.rss_kib();
    let mut peak = before;
    let documents = [n2_document("installments { seq }"), n2_document("installments(first: 100) { nodes { seq } }")];
    let mut sends = Vec::new();
    for _ in 0..3 {
        for d in &documents {
            sends.push(tokio::spawn(send(d.clone(), json!({}))));
        }
    }
    let mut answers = Vec::new();
    while !sends.iter().all(|s| s.is_finished()) {
        peak = peak.max(server.rss_kib());
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    for s in sends {
        answers.push(s.await.expect("join"));
    }
    peak = peak.max(server.rss_kib());
    let growth_mib = peak.saturating_sub(before) as f64 / 1024.0;
    println!("n2: RSS before {before} KiB, peak {peak} KiB, growth {growth_mib:.1} MiB ({})", db.name);
    for a in &answers {
        assert!(a["data"].is_null() && a["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", "refused: {a}");
    }
    assert!(growth_mib < 30.0, "RSS grew {growth_mib:.1} MiB");
}
