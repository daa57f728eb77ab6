//! Escalations as CSV and XLSX from `GET /exports/escalations.{csv,xlsx}`: read back (an
//! RFC 4180 reader here, `calamine` for XLSX) and compared cell by cell with what
//! `escalations(filter:)` answers for the same token, filter and language; scoped like
//! the API; 100,000 rows within a fixed memory bound.

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
