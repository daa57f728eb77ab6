//! `mfo-api import`: a file's rows go through the bulk sync as the MFO's staff; a bad row
//! is refused with its line and reasons beside the file, a re-run changes nothing, a
//! checkpoint resumes after its rows, CSV reads as NDJSON does, and the binary prints plain
//! progress lines and the summary when stderr is not a terminal.

use std::path::{Path, PathBuf};

use mfo_api::config::{ImportFormat, ImportKind};
use mfo_api::import::{self, Options, Progress, Summary};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::fixtures::{borrower_input, loan_input};
use crate::helpers::process;

fn write_lines(path: &Path, lines: &[String]) {
    std::fs::write(path, lines.join("\n") + "\n").expect("write the import file");
}

async fn import(app: &TestApp, kind: ImportKind, path: &Path, restart: bool) -> Summary {
    let options = Options { mfo: app.orgs.kz_mfo.id, format: None, restart };
    import::run(&app.ctx, kind, path, &options, &mut Progress::Hidden).await.expect("the import runs")
}

fn refused(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(import::refused_path(path))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a refused row is JSON"))
        .collect()
}

/// Whether the query planner has statistics of `table` (an `ANALYZE` ran on it).
async fn analyzed(app: &TestApp, table: &str) -> bool {
    if app.ctx.db.get_database_backend() == sea_orm::DbBackend::Postgres {
        return app.count(&format!("pg_stats WHERE schemaname = current_schema() AND tablename = '{table}'")).await > 0;
    }
    // sqlite_stat1 exists once ANALYZE has run on any table.
    app.count("sqlite_master WHERE name = 'sqlite_stat1'").await > 0
        && app.count(&format!("sqlite_stat1 WHERE tbl = '{table}'")).await > 0
}

async fn loans_stored(app: &TestApp) -> i64 {
    let r = app.gql(&app.staff(), "{ loans { totalCount } }", json!({})).await;
    r["loans"]["totalCount"].as_i64().expect("totalCount")
}

/// 100 borrowers, `B0`…`B99`, imported from NDJSON.
async fn borrowers(app: &TestApp, dir: &Path) {
    let path = dir.join("borrowers.ndjson");
    write_lines(&path, &(0..100).map(|i| borrower_input(&format!("B{i}")).to_string()).collect::<Vec<_>>());
    let s = import(app, ImportKind::Borrowers, &path, false).await;
    assert_eq!((s.rows, s.created, s.refused), (100, 100, 0), "{s:?}");
}

/// 1,000 loans, ten of them bad each its own way: (line, reason).
fn loans_with_ten_bad_rows(path: &Path) -> Vec<(u64, &'static str)> {
    let mut lines: Vec<String> = Vec::new();
    let mut bad = Vec::new();
    for i in 0..1000usize {
        let mut item = loan_input(&format!("L{i:04}"), &format!("B{}", i % 100), "2026-09-01");
        let line = i as u64 + 1;
        let reason = match i {
            5 => Some(("OUT_OF_RANGE", {
                item["principal"] = json!("-300000");
                item.to_string()
            })),
            100 => Some(("SUM_MISMATCH", {
                item["schedule"][0]["principal"] = json!("90000");
                item.to_string()
            })),
            200 => Some(("REQUIRED", {
                item.as_object_mut().expect("object").remove("currency");
                item.to_string()
            })),
            300 => Some(("MALFORMED", "{\"externalId\": \"L0300\", not json".to_owned())),
            400 => Some(("MALFORMED", {
                item["colour"] = json!("green");
                item.to_string()
            })),
            500 => Some(("UNSUPPORTED_VALUE", {
                item["currency"] = json!("EUR");
                item.to_string()
            })),
            600 => Some(("MALFORMED", {
                item["termMonths"] = json!("three");
                item.to_string()
            })),
            700 => Some(("UNKNOWN_REFERENCE", {
                item["borrowerExternalId"] = json!("NOBODY");
                item.to_string()
            })),
            800 => Some(("MALFORMED", "[1, 2, 3]".to_owned())),
            999 => Some(("REQUIRED", {
                item["contractNumber"] = json!("");
                item.to_string()
            })),
            _ => None,
        };
        match reason {
            Some((reason, text)) => {
                bad.push((line, reason));
                lines.push(text);
            }
            None => lines.push(item.to_string()),
        }
    }
    write_lines(path, &lines);
    bad
}

#[tokio::test]
async fn a_thousand_loans_with_ten_bad_rows_store_990_and_refuse_the_ten_with_lines_and_reasons_and_a_rerun_changes_nothing()
 {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().expect("temp dir");
    borrowers(&app, dir.path()).await;
    let path = dir.path().join("loans.ndjson");
    let bad = loans_with_ten_bad_rows(&path);

    assert!(!analyzed(&app, "installment").await);
    let s = import(&app, ImportKind::Loans, &path, false).await;
    // A table filled in one run is planned with statistics of what it holds, not as if empty.
    assert!(analyzed(&app, "loan").await && analyzed(&app, "installment").await);
    eprintln!("1,000 loans: {}", s.line());
    assert_eq!((s.rows, s.created, s.updated, s.unchanged, s.refused), (1000, 990, 0, 0, 10), "{s:?}");
    assert_eq!(loans_stored(&app).await, 990);
    let rows = refused(&path);
    let got: Vec<(u64, String)> = rows
        .iter()
        .map(|r| (r["line"].as_u64().expect("line"), r["reasons"][0]["reason"].as_str().expect("reason").to_owned()))
        .collect();
    let want: Vec<(u64, String)> = bad.iter().map(|(l, r)| (*l, (*r).to_owned())).collect();
    assert_eq!(got, want, "{rows:#?}");
    for r in &rows {
        let reason = &r["reasons"][0];
        assert!(reason["code"].is_string() && reason["message"].as_str().is_some_and(|m| !m.is_empty()), "{r}");
    }
    assert_eq!(rows[0]["externalId"], "L0005");
    assert_eq!(rows[0]["reasons"][0]["field"], json!(["principal"]));
    assert_eq!(rows[2]["reasons"][0]["field"], json!(["currency"]));
    assert!(!import::checkpoint_path(&path).exists(), "the checkpoint goes when the file is done");

    // Re-run: every stored row is UNCHANGED and nothing is recorded.
    let audit = app.count("audit_entry").await;
    let again = import(&app, ImportKind::Loans, &path, false).await;
    assert_eq!((again.created, again.updated, again.unchanged, again.refused), (0, 0, 990, 10), "{again:?}");
    assert_eq!(app.count("audit_entry").await, audit);
    assert_eq!(refused(&path).len(), 10, "the refused file is written anew, not appended to");
}

#[tokio::test]
async fn a_checkpoint_resumes_after_its_rows_and_restart_ignores_it() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("borrowers.ndjson");
    write_lines(&path, &(0..1200).map(|i| borrower_input(&format!("B{i}")).to_string()).collect::<Vec<_>>());
    std::fs::write(import::checkpoint_path(&path), "500\n").expect("write the checkpoint");

    let s = import(&app, ImportKind::Borrowers, &path, false).await;
    assert_eq!((s.resumed_after, s.rows, s.created), (500, 700, 700), "{s:?}");
    assert_eq!(app.count("borrower").await, 700);
    assert!(!import::checkpoint_path(&path).exists());

    std::fs::write(import::checkpoint_path(&path), "1000\n").expect("write the checkpoint");
    let s = import(&app, ImportKind::Borrowers, &path, true).await;
    assert_eq!((s.resumed_after, s.rows, s.created, s.unchanged), (0, 1200, 500, 700), "{s:?}");
}

#[tokio::test]
async fn csv_borrowers_and_a_loan_with_its_schedule_in_a_cell_import_as_ndjson_does() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("borrowers.csv");
    std::fs::write(
        &path,
        "externalId,fullName,phone,language,sociallyVulnerable,email\n\
         C1,\"Sadykova, Aigerim\",+7 701 000 00 01,RU,true,\n\
         C2,Borrower Two,,KK,,b2@example.kz\n\
         C3,Borrower Three,+7 701 000 00 03,XX,false,\n\
         C4,Borrower Four,+7 701 000 00 04,RU,maybe,\n",
    )
    .expect("write csv");
    let s = import(&app, ImportKind::Borrowers, &path, false).await;
    assert_eq!((s.rows, s.created, s.refused), (4, 2, 2), "{s:?}");
    let rows = refused(&path);
    assert_eq!(rows.iter().map(|r| r["line"].as_u64().expect("line")).collect::<Vec<_>>(), vec![4, 5]);
    assert_eq!(rows[0]["externalId"], "C3");

    let loan = loan_input("LC1", "C1", "2026-09-01");
    let loans = dir.path().join("loans.txt");
    let mut w = csv::Writer::from_path(&loans).expect("csv writer");
    let fields = ["externalId", "borrowerExternalId", "contractNumber", "contractDate", "currency", "principal"];
    let rest = ["annualRate", "termMonths", "contractAllowsAgency", "schedule"];
    w.write_record(fields.iter().chain(&rest)).expect("header");
    let cell = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    w.write_record(fields.iter().chain(&rest).map(|f| cell(&loan[*f]))).expect("row");
    w.flush().expect("flush");
    let options = Options { mfo: app.orgs.kz_mfo.id, format: Some(ImportFormat::Csv), restart: false };
    let s = import::run(&app.ctx, ImportKind::Loans, &loans, &options, &mut Progress::Hidden).await.expect("runs");
    assert_eq!((s.created, s.refused), (1, 0), "{s:?} {:?}", refused(&loans));
    assert_eq!(loans_stored(&app).await, 1);
}

#[tokio::test]
async fn an_organisation_that_is_not_an_mfo_is_refused_before_anything_is_read() {
    let app = TestApp::spawn().await;
    let path = PathBuf::from("/nonexistent/borrowers.ndjson");
    for org in [app.orgs.agency.id, uuid::Uuid::new_v4()] {
        let options = Options { mfo: org, format: None, restart: false };
        let e = import::run(&app.ctx, ImportKind::Borrowers, &path, &options, &mut Progress::Hidden).await.err();
        assert_eq!(e.map(|e| e.exit_code()), Some(2));
    }
}

/// The binary on a SQLite file of its own (whatever MFO_TEST_DATABASE_URL says).
#[test]
fn the_import_command_prints_plain_progress_lines_and_the_summary_and_exits_2_for_a_regulator() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("cli.db").display());
    process::cli(&url, &["migrate"]);
    let mfo = process::cli(&url, &["org", "create", "--kind", "MFO", "--name", "Import MFO", "--jurisdiction", "KZ"]);
    let regulator =
        process::cli(&url, &["org", "create", "--kind", "REGULATOR", "--name", "Import Reg", "--jurisdiction", "KZ"]);
    let path = dir.path().join("borrowers.ndjson");
    let mut lines: Vec<String> = (0..1200).map(|i| borrower_input(&format!("B{i}")).to_string()).collect();
    lines[7] = "not json".to_owned();
    write_lines(&path, &lines);
    let run = |org: &str| {
        std::process::Command::new(process::BIN)
            .args(["import", "borrowers"])
            .arg(&path)
            .args(["--mfo", org])
            .env("MFO_DATABASE_URL", &url)
            .env("MFO_LOG", "warn")
            .stderr(std::process::Stdio::piped())
            .output()
            .expect("run mfo-api import")
    };
    let out = run(&mfo);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.starts_with("import: 1200 rows, 1199 created, 0 updated, 0 unchanged, 1 refused in "), "{stdout}");
    assert!(stdout.trim_end().ends_with("rows/s)"), "{stdout}");
    assert!(stderr.contains("import: 1200/1200 rows, 1 refused"), "{stderr}");
    assert_eq!(refused(&path).len(), 1);

    let out = run(&regulator);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not an MFO"), "{out:?}");
}
