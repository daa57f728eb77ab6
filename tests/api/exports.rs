//! Escalations as CSV and XLSX from `GET /exports/escalations.{csv,xlsx}`: read back (an
//! RFC 4180 reader here, `calamine` for XLSX) and compared cell by cell with what
//! `escalations(filter:)` answers for the same token, filter and language; scoped like
//! the API; 100,000 rows within a fixed memory bound. The tables of `regulatorStatistics`
//! from `GET /exports/statistics/{table}.{csv,xlsx}`, likewise compared cell by cell with
//! the query's answer, their columns being every count and list the schema gives.

use std::io::Cursor;

use calamine::{Data, DataType, Reader, Xlsx};
use chrono::{DateTime, Duration, Utc};
use entity::enums::{EscalationKind, Jurisdiction};
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::mechanisms::escalation_row;

const FIELDS: [&str; 17] = [
    "id",
    "raisedAt",
    "kind",
    "rule",
    "severity",
    "jurisdiction",
    "organizationId",
    "organizationName",
    "responsibleOrganizationId",
    "responsibleOrganizationName",
    "subjectType",
    "subjectId",
    "deadlineId",
    "message",
    "acknowledgedAt",
    "acknowledgedBy",
    "acknowledgementNote",
];

const LIST: &str = "query($f: EscalationFilter, $after: String) { escalations(filter: $f, first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id raisedAt kind rule severity jurisdiction organization { id name }
      responsibleOrganization { id name } subjectType subjectId deadlineId message acknowledgedAt acknowledgedBy acknowledgementNote } } } }";

/// Every escalation the API lists for the filter, as rows of strings in `FIELDS` order
/// (null as the empty string).
async fn api_rows(app: &TestApp, token: &str, filter: &Value, lang: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut after = Value::Null;
    loop {
        let r = app
            .client
            .post(&app.url)
            .bearer_auth(token)
            .header("accept-language", lang)
            .json(&json!({ "query": LIST, "variables": { "f": filter, "after": after } }))
            .send()
            .await
            .expect("POST");
        let body: Value = r.json().await.expect("json");
        let page = &body["data"]["escalations"];
        for e in page["edges"].as_array().expect("edges") {
            let n = &e["node"];
            let s = |v: &Value| v.as_str().map(str::to_owned).unwrap_or_default();
            rows.push(vec![
                s(&n["id"]),
                s(&n["raisedAt"]),
                s(&n["kind"]),
                s(&n["rule"]),
                s(&n["severity"]),
                s(&n["jurisdiction"]),
                s(&n["organization"]["id"]),
                s(&n["organization"]["name"]),
                s(&n["responsibleOrganization"]["id"]),
                s(&n["responsibleOrganization"]["name"]),
                s(&n["subjectType"]),
                s(&n["subjectId"]),
                s(&n["deadlineId"]),
                s(&n["message"]),
                s(&n["acknowledgedAt"]),
                s(&n["acknowledgedBy"]),
                s(&n["acknowledgementNote"]),
            ]);
        }
        if page["pageInfo"]["hasNextPage"] != true {
            return rows;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

/// The query string of a filter given as the GraphQL input.
fn query_string(filter: &Value) -> String {
    filter
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let v = v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string());
                    let v: String = v
                        .bytes()
                        .map(|b| {
                            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                                (b as char).to_string()
                            } else {
                                format!("%{b:02X}")
                            }
                        })
                        .collect();
                    format!("{k}={v}")
                })
                .collect::<Vec<_>>()
                .join("&")
        })
        .unwrap_or_default()
}

async fn download(app: &TestApp, token: &str, ext: &str, filter: &Value, lang: &str) -> (u16, Vec<u8>) {
    let url = format!("http://{}/exports/escalations.{ext}?{}", app.addr, query_string(filter));
    let r = app.client.get(&url).bearer_auth(token).header("accept-language", lang).send().await.expect("GET");
    let status = r.status().as_u16();
    (status, r.bytes().await.expect("body").to_vec())
}

/// RFC 4180 records.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "records end with CRLF");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(record.is_empty() && field.is_empty(), "the last record ends with CRLF");
    records
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark first");
    let mut records = parse_csv(text);
    assert_eq!(records.remove(0), FIELDS.map(str::to_owned).to_vec(), "the header");
    records
}

/// The XLSX's rows as strings comparable with the API's: date-times as RFC 3339 UTC.
fn xlsx_rows(bytes: Vec<u8>) -> Vec<Vec<String>> {
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("an XLSX");
    let range = wb.worksheet_range("escalations").expect("the escalations sheet");
    let mut rows = range.rows();
    let header: Vec<String> = rows.next().expect("header").iter().map(|c| c.to_string()).collect();
    assert_eq!(header, FIELDS.map(str::to_owned).to_vec());
    rows.map(|r| {
        let mut cells: Vec<String> = r
            .iter()
            .map(|c| match c {
                Data::DateTime(_) => c.as_datetime().expect("a date-time").and_utc().to_rfc3339(),
                Data::Empty => String::new(),
                other => other.to_string(),
            })
            .collect();
        cells.resize(FIELDS.len(), String::new());
        cells
    })
    .collect()
}

/// Instants in the XLSX are typed date-times, and Excel keeps milliseconds; the rows'
/// instants are whole seconds so the comparison is exact.
fn seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).expect("instant")
}

/// Twelve escalations of two KZ MFOs and one KG MFO, with every column filled somewhere:
/// messages in the catalogues, an agency responsible, acknowledgements with notes that
/// need quoting in CSV.
async fn seed(app: &TestApp) {
    let agency = app.orgs.agency.id;
    let base = seconds(app.now());
    let mut rows = Vec::new();
    for i in 0..12i64 {
        let (org, j) = match i % 3 {
            0 => (app.orgs.kz_mfo.id, Jurisdiction::Kz),
            1 => (app.orgs.kz_mfo_2.id, Jurisdiction::Kz),
            _ => (app.orgs.kg_mfo.id, Jurisdiction::Kg),
        };
        let mut row = escalation_row(app, 1000 + i, org, j);
        row.raised_at = Set(base + Duration::minutes(i));
        if i % 2 == 0 {
            row.kind = Set(EscalationKind::RuleBreach);
            row.rule = Set("X3".into());
            row.subject_type = Set("contact_event".into());
            row.responsible_org_id = Set(Some(agency));
            row.details = Set(
                json!({ "messageId": "escalation-contact-breach", "messageArgs": { "rules": ["X3"], "contactId": "c" } }),
            );
        } else {
            row.details = Set(
                json!({ "messageId": "escalation-deadline-missed", "messageArgs": { "kind": "COMPLAINT_ANSWER", "rule": "R1" } }),
            );
        }
        if i % 4 == 1 {
            row.acknowledged_at = Set(Some(base + Duration::minutes(30 + i)));
            row.acknowledged_by = Set(Some(format!("REGULATOR:supervisor-1@{}", app.orgs.kz_regulator.id)));
            row.acknowledgement_note = Set(Some(format!("Seen, \"call\" them;\nline two, №{i}")));
        }
        rows.push(row);
    }
    entity::escalation::Entity::insert_many(rows).exec_without_returning(&app.ctx.db).await.expect("seed escalations");
}

#[tokio::test]
async fn escalation_exports_hold_exactly_what_the_api_lists_cell_for_cell_in_csv_and_xlsx() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let kz = app.regulator(Jurisdiction::Kz);
    let staff = app.staff();
    let cases = [
        ("KZ regulator, everything, Russian", kz.clone(), json!({}), "ru"),
        ("KZ regulator, X3 not acknowledged, Kazakh", kz.clone(), json!({ "rule": "X3", "acknowledged": false }), "kk"),
        (
            "KZ regulator, one MFO's DEADLINE_MISSED",
            kz.clone(),
            json!({ "kind": "DEADLINE_MISSED", "organizationId": mfo_api::graphql::ids::encode(mfo_api::graphql::ids::Kind::Organization, app.orgs.kz_mfo_2.id).0 }),
            "en",
        ),
        ("KG regulator, Kyrgyz", app.regulator(Jurisdiction::Kg), json!({}), "ky"),
        ("MFO staff: own only", staff.clone(), json!({}), "ru"),
    ];
    for (case, token, filter, lang) in cases {
        let expected = api_rows(&app, &token, &filter, lang).await;
        assert!(!expected.is_empty(), "{case}: the API lists some");
        let (status, csv) = download(&app, &token, "csv", &filter, lang).await;
        assert_eq!(status, 200, "{case}");
        assert_eq!(csv_rows(&csv), expected, "{case}: CSV");
        let (status, xlsx) = download(&app, &token, "xlsx", &filter, lang).await;
        assert_eq!(status, 200, "{case}");
        assert_eq!(xlsx_rows(xlsx), expected, "{case}: XLSX");
    }
    let (status, _) = download(&app, &app.agency_token(&app.orgs.agency), "csv", &json!({}), "ru").await;
    assert_eq!(status, 403, "agencies do not list escalations");
    let r = app.client.get(format!("http://{}/exports/escalations.csv", app.addr)).send().await.expect("GET");
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn the_xlsx_has_typed_cells_a_frozen_bold_header_and_column_widths() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let (_, bytes) = download(&app, &app.regulator(Jurisdiction::Kz), "xlsx", &json!({}), "ru").await;
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.clone())).expect("an XLSX");
    let range = wb.worksheet_range("escalations").expect("sheet");
    let first = range.rows().nth(1).expect("a row");
    assert!(matches!(first[1], Data::DateTime(_)), "raisedAt is a date-time: {:?}", first[1]);
    let sheet = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        sheet.contains("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"),
        "{sheet}"
    );
    assert!(sheet.contains("<col min=\"14\" max=\"14\" width="), "the message column has its width");
    let styles = zip_entry(&bytes, "xl/styles.xml");
    assert!(styles.contains("<b/>"), "a bold header");
}

/// One file of the XLSX's zip, as text.
fn zip_entry(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut s = String::new();
    z.by_name(name).expect("entry").read_to_string(&mut s).expect("read");
    s
}

/// The resident memory of this process (the server runs in it), in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

#[tokio::test]
#[ignore = "100,000 rows (a minute on a debug build): run alone by .ci/run on each database"]
async fn a_hundred_thousand_escalations_export_within_a_fixed_memory_bound() {
    let app = TestApp::spawn().await;
    let base = seconds(app.now());
    for chunk in 0..100i64 {
        let rows: Vec<_> = (0..1000i64)
            .map(|i| {
                let seq = chunk * 1000 + i + 1;
                let mut row = escalation_row(&app, seq, app.orgs.kz_mfo.id, Jurisdiction::Kz);
                row.raised_at = Set(base + Duration::seconds(seq));
                row.message = Set(format!("escalation {seq}, with a message long enough to weigh something"));
                row
            })
            .collect();
        entity::escalation::Entity::insert_many(rows).exec_without_returning(&app.ctx.db).await.expect("insert");
    }
    let token = app.regulator(Jurisdiction::Kz);
    for ext in ["csv", "xlsx"] {
        let before = rss();
        let mut peak = before;
        let url = format!("http://{}/exports/escalations.{ext}", app.addr);
        let mut r = app.client.get(&url).bearer_auth(&token).send().await.expect("GET");
        assert_eq!(r.status(), 200);
        let (mut bytes, mut newlines) = (0usize, 0usize);
        let mut head = Vec::new();
        while let Some(chunk) = r.chunk().await.expect("chunk") {
            bytes += chunk.len();
            newlines += chunk.iter().filter(|b| **b == b'\n').count();
            if head.len() < 4 {
                head.extend_from_slice(&chunk[..chunk.len().min(4)]);
            }
            peak = peak.max(rss());
        }
        let growth = peak.saturating_sub(before);
        println!("export {ext}: 100000 rows, {bytes} bytes, peak RSS growth {} MiB", growth / (1 << 20));
        if ext == "csv" {
            assert_eq!(newlines, 100_001, "header and 100,000 rows");
        } else {
            assert_eq!(&head[..2], b"PK", "a zip");
        }
        assert!(growth < 48 << 20, "{ext}: RSS grew {} MiB for a {} MiB file", growth >> 20, bytes >> 20);
    }
}

// ---- regulatorStatistics' tables ---------------------------------------------------------

/// The leaves of an object type of the schema, by path: `Int` counts and `[CountBy]` lists
/// (organisations are named by the tables' own id and name columns, not walked).
fn leaves(types: &[Value], name: &str, prefix: &str, ints: &mut Vec<String>, lists: &mut Vec<String>) {
    let ty = types.iter().find(|t| t["name"] == name).unwrap_or_else(|| panic!("type {name}"));
    for f in ty["fields"].as_array().expect("fields") {
        let path = format!("{prefix}{}", f["name"].as_str().expect("name"));
        let (mut t, mut list) = (&f["type"], false);
        while t["kind"] == "NON_NULL" || t["kind"] == "LIST" {
            list |= t["kind"] == "LIST";
            t = &t["ofType"];
        }
        match (t["name"].as_str().expect("named"), list) {
            ("Int", false) => ints.push(path),
            ("CountBy", true) => lists.push(path),
            ("Organization", false) => {}
            (other, false) if t["kind"] == "OBJECT" => leaves(types, other, &format!("{path}."), ints, lists),
            (other, _) => panic!("{path}: a {other} the tables do not hold"),
        }
    }
}

/// A selection set for the paths (`a.b.c` as `a { b { c } }`), each list as `{ key count }`.
fn selection(ints: &[String], lists: &[String]) -> String {
    let mut tree: std::collections::BTreeMap<String, (Vec<String>, Vec<String>)> = Default::default();
    let mut out = String::new();
    for (paths, is_list) in [(ints, false), (lists, true)] {
        for p in paths {
            match p.split_once('.') {
                Some((head, rest)) => {
                    let entry = tree.entry(head.to_owned()).or_default();
                    if is_list { entry.1.push(rest.to_owned()) } else { entry.0.push(rest.to_owned()) }
                }
                None if is_list => out.push_str(&format!("{p} {{ key count }} ")),
                None => out.push_str(&format!("{p} ")),
            }
        }
    }
    for (head, (ints, lists)) in tree {
        out.push_str(&format!("{head} {{ {} }} ", selection(&ints, &lists)));
    }
    out
}

fn at_path<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, k| &v[k])
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The schema's figures: (StatisticsFigures' counts, its lists, AgencyStatistics' counts,
/// its lists).
async fn statistics_shape(app: &TestApp, token: &str) -> (Vec<String>, Vec<String>, Vec<String>, Vec<String>) {
    let q = "{ __schema { types { name kind fields { name type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }";
    let data = app.gql(token, q, json!({})).await;
    let types = data["__schema"]["types"].as_array().expect("types").clone();
    let (mut ints, mut lists, mut agency_ints, mut agency_lists) = Default::default();
    leaves(&types, "StatisticsFigures", "", &mut ints, &mut lists);
    leaves(&types, "AgencyStatistics", "", &mut agency_ints, &mut agency_lists);
    (ints, lists, agency_ints, agency_lists)
}

/// Every table as the API answers `regulatorStatistics` for `vars`, each row as strings,
/// by the table's name in the export's URL.
async fn api_tables(app: &TestApp, token: &str, vars: &Value) -> Vec<(&'static str, Vec<String>, Vec<Vec<String>>)> {
    let (ints, lists, agency_ints, agency_lists) = statistics_shape(app, token).await;
    let figures = selection(&ints, &lists);
    let agency = selection(&agency_ints, &agency_lists);
    let q = format!(
        "query($j: Jurisdiction!, $from: Date!, $to: Date!, $mfo: ID, $resp: ID) {{
          regulatorStatistics(jurisdiction: $j, from: $from, to: $to, mfoId: $mfo, responsibleOrganizationId: $resp) {{
            jurisdiction from to total {{ {figures} }}
            byMfo {{ mfo {{ id name }} figures {{ {figures} }} }}
            byAgency {{ agency {{ id name }} {agency} }}
            complaintsByWeek {{ weekStart answeredOnTime answeredLate openOverdue }} }} }}"
    );
    let s = app.gql(token, &q, vars.clone()).await["regulatorStatistics"].clone();
    let counts = |paths: &[String], v: &Value| paths.iter().map(|p| cell(at_path(v, p))).collect::<Vec<_>>();
    let header = |fixed: &[&str], paths: &[String]| {
        fixed.iter().map(|s| (*s).to_owned()).chain(paths.iter().cloned()).collect::<Vec<_>>()
    };
    let arr = |k: &str| s[k].as_array().expect(k).clone();

    let total = vec![
        [cell(&s["jurisdiction"]), cell(&s["from"]), cell(&s["to"])]
            .into_iter()
            .chain(counts(&ints, &s["total"]))
            .collect(),
    ];
    let by_mfo = arr("byMfo")
        .iter()
        .map(|m| {
            [cell(&m["mfo"]["id"]), cell(&m["mfo"]["name"])].into_iter().chain(counts(&ints, &m["figures"])).collect()
        })
        .collect();
    let by_agency = arr("byAgency")
        .iter()
        .map(|a| {
            [cell(&a["agency"]["id"]), cell(&a["agency"]["name"])].into_iter().chain(counts(&agency_ints, a)).collect()
        })
        .collect();
    let weeks = arr("complaintsByWeek")
        .iter()
        .map(|w| ["weekStart", "answeredOnTime", "answeredLate", "openOverdue"].iter().map(|k| cell(&w[*k])).collect())
        .collect();
    let mut breakdowns = Vec::new();
    let mut add = |scope: &str, id: String, name: String, paths: &[String], v: &Value| {
        for p in paths {
            for kc in at_path(v, p).as_array().expect(p) {
                breakdowns.push(vec![
                    scope.to_owned(),
                    id.clone(),
                    name.clone(),
                    p.clone(),
                    cell(&kc["key"]),
                    cell(&kc["count"]),
                ]);
            }
        }
    };
    add("TOTAL", String::new(), String::new(), &lists, &s["total"]);
    for m in arr("byMfo") {
        add("MFO", cell(&m["mfo"]["id"]), cell(&m["mfo"]["name"]), &lists, &m["figures"]);
    }
    for a in arr("byAgency") {
        add("AGENCY", cell(&a["agency"]["id"]), cell(&a["agency"]["name"]), &agency_lists, &a);
    }
    vec![
        ("total", header(&["jurisdiction", "from", "to"], &ints), total),
        ("by-mfo", header(&["mfo.id", "mfo.name"], &ints), by_mfo),
        ("by-agency", header(&["agency.id", "agency.name"], &agency_ints), by_agency),
        ("complaints-by-week", header(&["weekStart", "answeredOnTime", "answeredLate", "openOverdue"], &[]), weeks),
        (
            "breakdowns",
            header(&["scope", "organization.id", "organization.name", "figure", "key", "count"], &[]),
            breakdowns,
        ),
    ]
}

async fn download_table(app: &TestApp, token: &str, file: &str, vars: &Value) -> (u16, Vec<u8>) {
    let mut q = json!({});
    for (var, param) in
        [("j", "jurisdiction"), ("from", "from"), ("to", "to"), ("mfo", "mfoId"), ("resp", "responsibleOrganizationId")]
    {
        if vars[var].is_string() {
            q[param] = vars[var].clone();
        }
    }
    let url = format!("http://{}/exports/statistics/{file}?{}", app.addr, query_string(&q));
    let r = app.client.get(&url).bearer_auth(token).send().await.expect("GET");
    let status = r.status().as_u16();
    (status, r.bytes().await.expect("body").to_vec())
}

/// The CSV's records, the header first.
fn csv_table(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    parse_csv(text.strip_prefix('\u{feff}').expect("a byte-order mark first"))
}

/// The XLSX's sheet `name`, the header first; counts must be numbers and the period's
/// days dates, each read back as the API writes it.
fn xlsx_table(bytes: Vec<u8>, name: &str) -> Vec<Vec<String>> {
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("an XLSX");
    let range = wb.worksheet_range(name).unwrap_or_else(|e| panic!("sheet {name}: {e}"));
    let mut rows = range.rows();
    let header: Vec<String> = rows.next().expect("header").iter().map(|c| c.to_string()).collect();
    let mut out = vec![header.clone()];
    for r in rows {
        let mut cells = Vec::new();
        for (i, c) in r.iter().enumerate() {
            let title = header.get(i).map_or("", String::as_str);
            let date_column = ["from", "to", "weekStart"].contains(&title);
            let text_column = title.ends_with(".id")
                || title.ends_with(".name")
                || ["jurisdiction", "scope", "figure", "key"].contains(&title);
            cells.push(match c {
                Data::Empty => String::new(),
                Data::DateTime(_) if date_column => c.as_date().expect("a date").to_string(),
                Data::Float(_) | Data::Int(_) if !date_column && !text_column => c.to_string(),
                Data::String(s) if text_column => s.clone(),
                other => panic!("{name}: column {title} holds {other:?}, not its type"),
            });
        }
        cells.resize(header.len(), String::new());
        out.push(cells);
    }
    out
}

#[tokio::test]
async fn statistics_tables_export_exactly_what_regulator_statistics_answers_cell_for_cell_in_csv_and_xlsx() {
    let app = TestApp::spawn().await;
    let demo = mfo_api::demo::load(&app.ctx).await.expect("demo loads");
    let org = |o: &entity::organization::Model| {
        mfo_api::graphql::ids::encode(mfo_api::graphql::ids::Kind::Organization, o.id).0
    };
    let kz = app.mint(entity::enums::Role::Regulator, demo.kz_regulator.id, None, "supervisor");
    let kg = app.mint(entity::enums::Role::Regulator, demo.kg_regulator.id, None, "supervisor");
    let manager = app.mint(entity::enums::Role::MfoManager, demo.kz_mfo.id, None, "manager");
    let to = app.now().date_naive();
    let from = to - Duration::days(60);
    let period = |j: &str| json!({ "j": j, "from": from.to_string(), "to": to.to_string() });
    let mut one_mfo = period("KZ");
    one_mfo["mfo"] = json!(org(&demo.kz_mfo));
    let mut agency = period("KZ");
    agency["resp"] = json!(org(&demo.agency));
    let cases = [
        ("KZ regulator, the jurisdiction", kz.clone(), period("KZ")),
        ("KZ regulator, one MFO", kz.clone(), one_mfo),
        ("KZ regulator, what the agency is responsible for", kz.clone(), agency),
        ("KG regulator", kg.clone(), period("KG")),
        ("an MFO's manager (its MFO only)", manager.clone(), period("KZ")),
    ];
    let (mut tables, mut rows, mut filled) = (0, 0, std::collections::BTreeSet::new());
    for (case, token, vars) in cases {
        for (table, header, expected) in api_tables(&app, &token, &vars).await {
            for ext in ["csv", "xlsx"] {
                let (status, bytes) = download_table(&app, &token, &format!("{table}.{ext}"), &vars).await;
                assert_eq!(status, 200, "{case}: {table}.{ext}: {}", String::from_utf8_lossy(&bytes));
                let mut got = if ext == "csv" { csv_table(&bytes) } else { xlsx_table(bytes, table) };
                assert_eq!(got.remove(0), header, "{case}: {table}.{ext}: the header");
                assert_eq!(got, expected, "{case}: {table}.{ext}");
            }
            tables += 1;
            rows += expected.len();
            for r in &expected {
                for (i, c) in r.iter().enumerate() {
                    if !c.is_empty() && c != "0" {
                        filled.insert((table, header[i].clone()));
                    }
                }
            }
        }
    }
    // The demo's data reach every table with rows and many columns with figures, so that
    // the comparison compares something.
    assert_eq!(tables, 25);
    assert!(rows > 100, "{rows} rows");
    for needed in
        [("by-mfo", "complaints.openOverdue"), ("by-agency", "contacts.withViolations"), ("breakdowns", "key")]
    {
        assert!(filled.contains(&(needed.0, needed.1.to_owned())), "{needed:?} has figures: {filled:?}");
    }
    println!("statistics exports: {tables} tables, {rows} rows, {} columns with figures", filled.len());
}

#[tokio::test]
async fn statistics_exports_are_refused_as_the_query_is() {
    let app = TestApp::spawn().await;
    let vars = json!({ "j": "KZ", "from": "2026-01-01", "to": "2026-01-31" });
    let ok = download_table(&app, &app.regulator(Jurisdiction::Kz), "by-mfo.csv", &vars).await;
    assert_eq!(ok.0, 200);
    for (case, token, vars, file, status) in [
        ("MFO staff", app.staff(), vars.clone(), "by-mfo.csv", 403),
        ("an agency", app.agency_token(&app.orgs.agency), vars.clone(), "total.xlsx", 403),
        ("another jurisdiction", app.regulator(Jurisdiction::Kg), vars.clone(), "total.csv", 403),
        (
            "a manager asking about another MFO",
            app.manager(),
            json!({ "j": "KZ", "from": "2026-01-01", "to": "2026-01-31", "mfo": mfo_api::graphql::ids::encode(mfo_api::graphql::ids::Kind::Organization, app.orgs.kz_mfo_2.id).0 }),
            "by-mfo.csv",
            404,
        ),
        ("no such table", app.regulator(Jurisdiction::Kz), vars.clone(), "by-borrower.csv", 404),
        ("no such format", app.regulator(Jurisdiction::Kz), vars.clone(), "by-mfo.pdf", 404),
        (
            "a period past a year",
            app.regulator(Jurisdiction::Kz),
            json!({ "j": "KZ", "from": "2025-01-01", "to": "2026-06-01" }),
            "total.csv",
            400,
        ),
        ("no period", app.regulator(Jurisdiction::Kz), json!({ "j": "KZ" }), "total.csv", 400),
    ] {
        let (got, body) = download_table(&app, &token, file, &vars).await;
        assert_eq!(got, status, "{case}: {}", String::from_utf8_lossy(&body));
        let body: Value = serde_json::from_slice(&body).unwrap_or_else(|_| panic!("{case}: a JSON error"));
        assert!(body["errors"][0]["extensions"]["code"].is_string(), "{case}: {body}");
    }
    let r = app
        .client
        .get(format!("http://{}/exports/statistics/total.csv?jurisdiction=KZ&from=2026-01-01&to=2026-01-31", app.addr))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 401);
}
