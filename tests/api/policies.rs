//! Policy versions without a release (docs/law.md, "Figures are data"): `mfo-api policy
//! import` adds a version that the running service uses for clocks started from then on,
//! refuses malformed figures, duplicates and, unless told `--retroactive`, versions that
//! reach back behind a running deadline's clock.

use mfo_api::error::{ServiceError, UserErrorCode};
use mfo_api::services::reference::import_policy;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::fixtures::{on, overdue_loan};

const EXAMPLE: &str = include_str!("../../policies/examples/kz-2025-r1-notice-10-days.json");

fn example(edit: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(EXAMPLE).expect("example json");
    edit(&mut v);
    v.to_string()
}

/// The (field, code) of each refusal, or a panic when the import went through.
fn refusal(r: Result<entity::policy_version::Model, ServiceError>) -> Vec<(Vec<String>, UserErrorCode, String)> {
    match r {
        Err(ServiceError::User(errors)) => errors
            .into_iter()
            .map(|e| {
                // The problem found (MALFORMED's `problem`), else the English text the CLI prints.
                let text = match e.params.get("problem").and_then(|p| p.as_str()) {
                    Some(problem) => problem.to_owned(),
                    None => e.render(mfo_api::i18n::Lang::En),
                };
                (e.field, e.code, text)
            })
            .collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

const LOAN_DEADLINES: &str = "query($id: ID!) { loan(id: $id) { deadlines { kind rule dueDate policyVersionId } } }";

#[tokio::test]
async fn r01_an_imported_version_sets_the_notice_window_of_clocks_started_after_it_without_a_restart() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-01");
    let v = import_policy(&app.ctx, EXAMPLE, false).await.expect("no running clocks: imported");
    assert_eq!(v.effective_from.to_string(), "2025-07-01");
    assert_eq!(v.id, migration::seed::policy_id("KZ", "2025-07-01"), "the id a shipped version would have");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    on(&app, "2026-10-02");
    app.scanner("s").tick().await.expect("tick");
    let loan = app.gql(&app.staff(), LOAN_DEADLINES, json!({ "id": s.loan })).await;
    assert_eq!(
        loan["loan"]["deadlines"][0],
        json!({ "kind": "DELINQUENCY_NOTICE", "rule": "R1", "dueDate": "2026-10-12", "policyVersionId": v.id.to_string() }),
        "10 days under the imported version, not the shipped 20"
    );
    assert_eq!(app.count("audit_entry WHERE action = 'policy_version.imported'").await, 1, "recorded");
}

#[tokio::test]
async fn a_version_on_or_before_a_running_clock_needs_retroactive_and_a_duplicate_is_refused() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-05");
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), json!({})).await;
    app.scanner("s").tick().await.expect("tick"); // entered on 5 October, R1's clock started on 2 October
    assert_eq!(app.count("deadline WHERE status = 'OPEN'").await, 1);
    let dated = |d: &str| example(|v| v["effective_from"] = json!(d));

    for d in ["2025-07-01", "2026-10-02"] {
        let r = refusal(import_policy(&app.ctx, &dated(d), false).await);
        assert_eq!(
            (r[0].0.clone(), r[0].1),
            (vec!["input".to_owned(), "effective_from".to_owned()], UserErrorCode::Conflict),
            "{d}"
        );
        assert!(r[0].2.contains("--retroactive"), "{}", r[0].2);
    }
    assert_eq!(app.count("policy_version").await, 2, "only the shipped ones");
    import_policy(&app.ctx, &dated("2026-10-03"), false).await.expect("after the running clock's start");
    import_policy(&app.ctx, &dated("2025-07-01"), true).await.expect("stated retroactive");
    let again = refusal(import_policy(&app.ctx, &dated("2025-07-01"), true).await);
    assert!(again[0].2.contains("already has a policy version"), "{again:?}");
    assert_eq!(app.count("policy_version").await, 4);
    // The running deadline keeps the version it was opened with.
    let loan = app.gql(&app.staff(), LOAN_DEADLINES, json!({ "id": s.loan })).await;
    assert_eq!(
        loan["loan"]["deadlines"][0]["policyVersionId"],
        migration::seed::policy_id("KZ", "2024-09-09").to_string()
    );
    assert_eq!(loan["loan"]["deadlines"][0]["dueDate"], "2026-10-22", "still the shipped 20 days");
}

#[tokio::test]
async fn malformed_figures_are_refused_field_by_field() {
    let app = TestApp::spawn().await;
    for (case, text) in [
        ("unknown field", example(|v| v["figures"]["delinquency"]["notice_days"] = json!(10))),
        ("unknown jurisdiction", example(|v| v["jurisdiction"] = json!("RU"))),
        ("not a date", example(|v| v["effective_from"] = json!("2025-13-01"))),
        ("not JSON", "{".to_owned()),
    ] {
        let r = refusal(import_policy(&app.ctx, &text, false).await);
        assert_eq!((r.len(), r[0].1), (1, UserErrorCode::Invalid), "{case}");
        assert_eq!(r[0].0, vec!["input", "file"], "{case}");
    }
    let r = refusal(
        import_policy(
            &app.ctx,
            &example(|v| {
                v["figures"]["delinquency"]["notice_calendar_days"] = json!(0);
                v["figures"]["contact"]["window_end"] = json!("08:00:00");
                v["figures"]["restructuring"]["debt_burden_limit"] = json!("1.5");
            }),
            false,
        )
        .await,
    );
    let messages: Vec<&str> = r.iter().map(|e| e.2.as_str()).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].starts_with("delinquency.notice_calendar_days"), "{messages:?}");
    assert!(messages[1].starts_with("contact.window_start"), "{messages:?}");
    assert!(messages[2].starts_with("restructuring.debt_burden_limit"), "{messages:?}");
    assert_eq!(app.count("policy_version").await, 2);
}

/// The command itself, on a SQLite file of its own (whatever MFO_TEST_DATABASE_URL says).
#[test]
fn the_policy_import_command_prints_the_new_id_and_refuses_a_duplicate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("cli.db").display());
    let file = dir.path().join("policy.json");
    std::fs::write(&file, EXAMPLE).expect("write");
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_mfo-api"))
            .args(["policy", "import"])
            .arg(&file)
            .env("MFO_DATABASE_URL", &url)
            .env("MFO_LOG", "warn")
            .output()
            .expect("run mfo-api")
    };
    let first = run();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert_eq!(
        String::from_utf8_lossy(&first.stdout).trim(),
        migration::seed::policy_id("KZ", "2025-07-01").to_string()
    );
    let second = run();
    assert!(!second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("already has a policy version"), "{second:?}");
}
