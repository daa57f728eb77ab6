//! The documents the law prescribes as PDF/A-2 (D1, C10, C9): every required field read
//! back verbatim with poppler's `pdftotext` in each language the law allows for the
//! document, every font embedded (`pdffonts`), PDF/A-2 claimed in the XMP (`pdfinfo
//! -meta`), the same bytes twice, recorded as issued in the record's audit trail, and the
//! download open exactly to those who may read the record. The first page of each is rendered to `target/documents/*.png` for a person to
//! look at. Needs poppler-utils (`.ci/run` installs it).

use std::path::PathBuf;
use std::process::Command;

use chrono::{DateTime, NaiveDate};
use entity::enums::Jurisdiction;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::complaints::{answer, answer_input, forward, kg, register, review, written};
use crate::helpers::fixtures::{RECORD_PAYMENT, borrower_with_loan, on, overdue_loan};
use crate::helpers::{TestApp, at};
use crate::restructuring::{csid, decide, decide_input, run, submission};

/// Every letter of the Kazakh and Kyrgyz alphabets beyond the Russian one, both cases.
const EXTRA_LETTERS: &str = "ә ғ қ ң ө ұ ү һ і Ә Ғ Қ Ң Ө Ұ Ү Һ І";

const DOCUMENT: &str = "query($kind: IssuedDocumentKind!, $id: ID!) {
    issuedDocument(kind: $kind, id: $id) { kind url language sha256 byteSize } }";

fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("documents");
    std::fs::create_dir_all(&dir).expect("artifacts directory");
    dir
}

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} is needed (apt-get install poppler-utils): {e}"));
    assert!(out.status.success(), "{name} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Whitespace runs (line breaks of the layout included) as one space.
fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn dmy(date: &str) -> String {
    NaiveDate::parse_from_str(&date[..10], "%Y-%m-%d").expect("date").format("%d.%m.%Y").to_string()
}

/// The local date of an instant in a jurisdiction, `dd.mm.yyyy`.
fn local_dmy(instant: &str, j: Jurisdiction) -> String {
    let t = DateTime::parse_from_rfc3339(instant).expect("instant");
    let offset = match j {
        Jurisdiction::Kz => 5,
        Jurisdiction::Kg => 6,
    };
    (t + chrono::Duration::hours(offset)).format("%d.%m.%Y").to_string()
}

const TRAIL: &str = "query($id: ID!) { auditTrail(subjectId: $id) { action actor after } }";

/// The `document.issued` entries of a record's audit trail, as the API shows them.
async fn issued_entries(app: &TestApp, auditor: &str, trail: &str) -> Vec<Value> {
    let entries = app.gql(auditor, TRAIL, json!({ "id": trail })).await["auditTrail"].clone();
    entries.as_array().expect("entries").iter().filter(|e| e["action"] == "document.issued").cloned().collect()
}

/// The key under which a `document.issued` entry names the document's record.
fn record_key(kind: &str) -> &'static str {
    match kind {
        "REFUSAL_LETTER" => "decisionId",
        "COMPLAINT_ANSWER" => "complaintId",
        _ => "infoRequestId",
    }
}

/// GETs the document and checks what every copy must be: a PDF/A-2 with every font
/// embedded, identical on a second download, its SHA-256 the one `Query.document` gives
/// and the one the audit trail of `trail` (read by `auditor`) records as issued, once for
/// the two copies. Returns its text as `pdftotext` reads it, whitespace flattened.
async fn fetch_and_check(
    app: &TestApp,
    token: &str,
    kind: &str,
    id: &str,
    name: &str,
    (auditor, trail): (&str, &str),
) -> (Value, String) {
    let doc = app.gql(token, DOCUMENT, json!({ "kind": kind, "id": id })).await["issuedDocument"].clone();
    let url = format!("http://{}{}", app.addr, doc["url"].as_str().expect("url"));
    let get = || async {
        let r = app.client.get(&url).bearer_auth(token).send().await.expect("GET document");
        assert_eq!(r.status(), 200, "{url}");
        assert_eq!(r.headers()["content-type"], "application/pdf");
        let etag = r.headers()["etag"].to_str().expect("etag").to_owned();
        (etag, r.bytes().await.expect("body").to_vec())
    };
    let (etag, first) = get().await;
    let (_, second) = get().await;
    assert!(first == second, "{name}: one record, the same bytes");
    let sha = hex::encode(Sha256::digest(&first));
    assert_eq!(doc["sha256"], sha, "{name}");
    assert_eq!(etag, format!("\"{sha}\""), "{name}");
    assert_eq!(doc["byteSize"], first.len(), "{name}");
    let issued = issued_entries(app, auditor, trail).await;
    assert_eq!(issued.len(), 1, "{name}: the two copies are one document issued: {issued:?}");
    let after = &issued[0]["after"];
    assert_eq!(after["sha256"], sha, "{name}: the trail names the bytes served");
    assert_eq!(after["kind"], kind, "{name}");
    assert_eq!(after["language"], doc["language"], "{name}");
    assert_eq!(after[record_key(kind)], id, "{name}: the trail names the record");
    let path = artifacts().join(format!("{name}.pdf"));
    std::fs::write(&path, &first).expect("write pdf");
    let p = path.to_str().expect("path");
    let fonts = tool("pdffonts", &[p]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{name}: no fonts?\n{fonts}");
    for row in rows {
        // name type encoding emb sub uni object ID: `emb` is the fourth column from the end.
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cols[cols.len() - 5], "yes", "{name}: a font is not embedded:\n{fonts}");
    }
    let meta = flat(&tool("pdfinfo", &["-meta", p]));
    assert!(
        meta.contains("<pdfaid:part>2</pdfaid:part>") || meta.contains("pdfaid:part=\"2\""),
        "{name}: XMP does not claim PDF/A-2:\n{meta}"
    );
    let png = artifacts().join(name);
    tool("pdftoppm", &["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", p, png.to_str().expect("path")]);
    let text = flat(&tool("pdftotext", &["-enc", "UTF-8", p, "-"]));
    (doc, text)
}

fn assert_has(text: &str, name: &str, parts: &[String]) {
    for part in parts {
        assert!(text.contains(&flat(part)), "{name} lacks «{part}»:\n{text}");
    }
}

#[tokio::test]
async fn d01_the_refusal_letter_pdf_carries_every_required_field_in_russian_and_kazakh() {
    let app = TestApp::spawn().await;
    on(&app, "2026-10-10");
    let borrower = json!({ "fullName": "Құнанбаева Әсел Ғабитқызы", "address": "Өскемен қ., Ұлы Дала даңғылы 1, Һ блогы, Іле ауданы" });
    let s = overdue_loan(&app, "A", "2026-10-02", json!({}), borrower).await;
    let token = app.borrower_token(&app.orgs.kz_mfo, s.borrower);
    for (language, n) in [("KK", 1), ("RU", 2)] {
        let mut input = submission(&s.loan, &csid(n));
        input["language"] = json!(language);
        let a = run(&app, &token, "submitRestructuringApplication", "SubmitRestructuringApplicationInput", input).await;
        let id = a["application"]["id"].clone();
        let mut refusal = decide_input(&id, "REFUSE");
        refusal["reasons"] = json!(format!("табыс кестені көтермейді / доход не покрывает график ({EXTRA_LETTERS})"));
        let d = decide(&app, refusal).await;
        assert_eq!(d["userErrors"], json!([]), "{d}");
        let q = "query($id: ID!) { restructuringApplication(id: $id) { incomingNumber applicationDate receivedAt
            decision { id reasons } loan { contractNumber contractDate } borrower { fullName address } } }";
        let r = app.gql(&app.staff(), q, json!({ "id": id })).await["restructuringApplication"].clone();
        let decision = r["decision"]["id"].as_str().expect("decision id");
        let name = format!("d1-{}", language.to_lowercase());
        let (doc, text) =
            fetch_and_check(&app, &token, "REFUSAL_LETTER", decision, &name, (&app.staff(), id.as_str().expect("id")))
                .await;
        assert_eq!(doc["language"], language, "D1: the application's language, Kazakh or Russian");
        let title = if language == "KK" {
            "Микрокредит беру туралы шарттың талаптарын өзгертуден бас тарту"
        } else {
            "Отказ в изменении условий договора о предоставлении микрокредита"
        };
        let s = |v: &Value| v.as_str().expect("string").to_owned();
        assert_has(
            &text,
            &name,
            &[
                title.to_owned(),
                s(&r["borrower"]["fullName"]),
                s(&r["borrower"]["address"]),
                "KZ MFO".into(),
                "Test street 1".into(),
                dmy(r["applicationDate"].as_str().expect("date")),
                s(&r["incomingNumber"]),
                local_dmy(r["receivedAt"].as_str().expect("instant"), Jurisdiction::Kz),
                s(&r["loan"]["contractNumber"]),
                dmy(r["loan"]["contractDate"].as_str().expect("date")),
                s(&r["decision"]["reasons"]),
                "Omarov D. K., Chairman".into(),
                "9-2".into(),
                EXTRA_LETTERS.into(),
            ],
        );
    }
}

#[tokio::test]
async fn c10_the_written_answer_pdf_carries_every_required_field_in_russian_and_kyrgyz() {
    let app = TestApp::spawn().await;
    let (staff, manager) = kg(&app);
    let cases = [
        (
            "RU",
            "Асель Токтогуловна Иванова",
            "Бишкек, ул. Киевская 10, кв. 3",
            "Обращение удовлетворено частично",
            "заверенная копия",
        ),
        (
            "KY",
            "Өмүрбекова Үмүт Ңасырбековна",
            "Бишкек ш., Чүй проспекти 100",
            "Кайрылуу жарым-жартылай канааттандырылды",
            "күбөлөндүрүлгөн көчүрмө",
        ),
    ];
    for (language, who, address, ground, certified) in cases {
        let mut input = written(language);
        input["complainants"] = json!([{ "fullName": who, "address": address, "phone": "+996 555 111 222" }]);
        input["substance"] = json!(format!("Комиссия списана дважды ({EXTRA_LETTERS})"));
        let c = register(&app, &staff, input).await["complaint"].clone();
        forward(&app, &staff, &c["id"]).await;
        review(&app, &staff, &c["id"]).await;
        app.advance(chrono::Duration::minutes(30));
        let sent = app.now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let mut a = answer_input(&c["id"], language, &sent);
        a["justification"] = json!(format!("Вторая комиссия возвращена. ({EXTRA_LETTERS})"));
        let done = answer(&app, &manager, a).await;
        assert_eq!(done["userErrors"], json!([]), "{done}");
        let q = "query($id: ID!) { complaint(id: $id) { number receivedAt registeredAt substance answer { text signatoryName executorName executorContact deliveredTo sentAt attachments { name certifiedCopy } } } }";
        let r = app.gql(&staff, q, json!({ "id": c["id"] })).await["complaint"].clone();
        let name = format!("c10-{}", language.to_lowercase());
        let id = c["id"].as_str().expect("id");
        let (doc, text) = fetch_and_check(&app, &manager, "COMPLAINT_ANSWER", id, &name, (&staff, id)).await;
        assert_eq!(doc["language"], language, "C10: the complaint's language");
        let s = |v: &Value| v.as_str().expect("string").to_owned();
        let answer = &r["answer"];
        assert_has(
            &text,
            &name,
            &[
                "KG MFO".into(),
                s(&r["number"]),
                local_dmy(r["receivedAt"].as_str().expect("instant"), Jurisdiction::Kg),
                local_dmy(r["registeredAt"].as_str().expect("instant"), Jurisdiction::Kg),
                who.into(),
                address.into(),
                s(&r["substance"]),
                ground.into(),
                s(&answer["text"]),
                s(&answer["signatoryName"]),
                s(&answer["executorName"]),
                s(&answer["executorContact"]),
                format!("{} ({})", s(&answer["attachments"][0]["name"]), certified),
                local_dmy(answer["sentAt"].as_str().expect("instant"), Jurisdiction::Kg),
                EXTRA_LETTERS.into(),
            ],
        );
    }
}

#[tokio::test]
async fn c09_the_statement_pdf_carries_the_seven_items_as_the_api_gives_them_in_russian_kazakh_and_kyrgyz() {
    let app = TestApp::spawn().await;
    app.clock.set(at("2026-03-05T04:00:00Z"));
    let cases = [
        (app.orgs.kz_mfo.clone(), "RU", "Иванов Сергей Петрович"),
        (app.orgs.kz_mfo.clone(), "KK", "Өтеұлы Нұрлан Ғалымұлы"),
        (app.orgs.kg_mfo.clone(), "KY", "Үсөнбаев Ңурбек Өмүрович"),
    ];
    for (n, (mfo, language, who)) in (700..).zip(cases) {
        let (borrower, _, loan) = borrower_with_loan(&app, &mfo, &format!("S{language}"), "2026-01-20").await;
        let staff = app.staff_of(&mfo);
        let upsert = "mutation($input: UpsertBorrowerInput!) { upsertBorrower(input: $input) { userErrors { code } } }";
        let mut b = crate::helpers::fixtures::borrower_input(&format!("S{language}"));
        b["fullName"] = json!(who);
        b["language"] = json!(language);
        b["address"] = json!(format!("Қала / Шаар: {EXTRA_LETTERS}"));
        assert_eq!(app.gql(&staff, upsert, json!({ "input": b })).await["upsertBorrower"]["userErrors"], json!([]));
        let pay = json!({ "loanId": loan, "externalId": format!("P-{language}"), "paidAt": "2026-02-20T05:00:00Z", "amount": "108750" });
        app.gql(&staff, RECORD_PAYMENT, json!({ "input": pay })).await;
        let token = app.borrower_token(&mfo, borrower);
        let m = "mutation($input: RequestLoanInformationInput!) { requestLoanInformation(input: $input) { infoRequest { id
            statement { asOf currency amountPaid payments { nodes { externalId amount } } nextPayments { nodes { dueDate principal interest amount } }
              overdue { amount principal interest } allocations { nodes { paymentExternalId installmentSeq toInterest toPrincipal } }
              earlyRepayment { full partialMinimum } principalBalance creditLimit
              loan { contractNumber contractDate } } } userErrors { code } } }";
        let input = json!({ "input": { "clientSubmissionId": csid(n), "loanId": loan } });
        let r = app.gql(&token, m, input).await["requestLoanInformation"].clone();
        assert_eq!(r["userErrors"], json!([]), "{r}");
        let st = &r["infoRequest"]["statement"];
        let name = format!("c9-{}", language.to_lowercase());
        let id = r["infoRequest"]["id"].as_str().expect("id");
        let (doc, text) = fetch_and_check(&app, &token, "LOAN_STATEMENT", id, &name, (&staff, id)).await;
        assert_eq!(doc["language"], language, "C9: the borrower's language");
        let s = |v: &Value| v.as_str().expect("string").to_owned();
        let mut parts = vec![
            who.to_owned(),
            s(&st["loan"]["contractNumber"]),
            dmy(st["loan"]["contractDate"].as_str().expect("date")),
            dmy(st["asOf"].as_str().expect("date")),
            s(&st["currency"]),
            s(&st["amountPaid"]),
            s(&st["overdue"]["amount"]),
            s(&st["earlyRepayment"]["full"]),
            s(&st["earlyRepayment"]["partialMinimum"]),
            s(&st["principalBalance"]),
            s(&st["creditLimit"]),
            EXTRA_LETTERS.to_owned(),
        ];
        for p in st["payments"]["nodes"].as_array().expect("payments") {
            parts.extend([s(&p["externalId"]), s(&p["amount"])]);
        }
        for n in st["nextPayments"]["nodes"].as_array().expect("next payments") {
            parts.push(format!(
                "{} {} {} {}",
                dmy(n["dueDate"].as_str().expect("date")),
                s(&n["principal"]),
                s(&n["interest"]),
                s(&n["amount"])
            ));
        }
        for a in st["allocations"]["nodes"].as_array().expect("allocations") {
            parts.push(format!("{} {}", s(&a["toInterest"]), s(&a["toPrincipal"])));
        }
        assert!(
            !st["nextPayments"]["nodes"].as_array().expect("next").is_empty()
                && !st["allocations"]["nodes"].as_array().expect("alloc").is_empty()
        );
        assert_has(&text, &name, &parts);
    }
}

#[tokio::test]
async fn documents_open_to_those_who_may_read_the_record_and_are_not_found_for_everyone_else() {
    let app = TestApp::spawn().await;
    app.clock.set(at("2026-04-30T04:00:00Z"));
    let (borrower, _, loan) = borrower_with_loan(&app, &app.orgs.kz_mfo, "Z", "2026-01-20").await;
    let token = app.borrower_token(&app.orgs.kz_mfo, borrower);
    let m = "mutation($input: RequestLoanInformationInput!) { requestLoanInformation(input: $input) { infoRequest { id } } }";
    let input = json!({ "input": { "clientSubmissionId": csid(900), "loanId": loan } });
    let id =
        app.gql(&token, m, input).await["requestLoanInformation"]["infoRequest"]["id"].as_str().expect("id").to_owned();
    let url = format!("http://{}/documents/loan-statement/{id}.pdf", app.addr);
    let status = |t: Option<String>| {
        let (app, url) = (&app, url.clone());
        async move {
            let mut r = app.client.get(&url);
            if let Some(t) = t {
                r = r.bearer_auth(t);
            }
            r.send().await.expect("GET").status().as_u16()
        }
    };
    let (someone_else, _, _) = borrower_with_loan(&app, &app.orgs.kz_mfo, "Z2", "2026-01-20").await;
    let other_borrower = app.borrower_token(&app.orgs.kz_mfo, someone_else);
    for (who, t, expected) in [
        ("the borrower", Some(token.clone()), 200),
        ("the MFO's staff", Some(app.staff()), 200),
        ("the MFO's manager", Some(app.manager()), 200),
        ("the KZ regulator", Some(app.regulator(Jurisdiction::Kz)), 200),
        ("another MFO's staff", Some(app.staff_of(&app.orgs.kz_mfo_2)), 404),
        ("another borrower", Some(other_borrower.clone()), 404),
        ("an agency", Some(app.agency_token(&app.orgs.agency)), 404),
        ("the KG regulator", Some(app.regulator(Jurisdiction::Kg)), 404),
        ("no token", None, 401),
    ] {
        assert_eq!(status(t).await, expected, "{who}");
    }
    let other = app.staff_of(&app.orgs.kz_mfo_2);
    let code = app.error_code(&other, DOCUMENT, json!({ "kind": "LOAN_STATEMENT", "id": id })).await;
    assert_eq!(code, "NOT_FOUND", "GraphQL answers as the download does");
    let wrong_kind = format!("http://{}/documents/refusal-letter/{id}.pdf", app.addr);
    let r = app.client.get(&wrong_kind).bearer_auth(&token).send().await.expect("GET");
    assert_eq!(r.status(), 404, "an information request has no refusal letter");
}

#[tokio::test]
async fn a_served_document_is_in_its_records_audit_trail_once_per_distinct_bytes() {
    let app = TestApp::spawn().await;
    app.clock.set(at("2026-04-30T04:00:00Z"));
    let (borrower, _, loan) = borrower_with_loan(&app, &app.orgs.kz_mfo, "H", "2026-01-20").await;
    let token = app.borrower_token(&app.orgs.kz_mfo, borrower);
    let m = "mutation($input: RequestLoanInformationInput!) { requestLoanInformation(input: $input) { infoRequest { id } } }";
    let input = json!({ "input": { "clientSubmissionId": csid(901), "loanId": loan } });
    let id =
        app.gql(&token, m, input).await["requestLoanInformation"]["infoRequest"]["id"].as_str().expect("id").to_owned();
    let url = format!("http://{}/documents/loan-statement/{id}.pdf", app.addr);
    let download = |t: String| {
        let (app, url) = (&app, url.clone());
        async move {
            let r = app.client.get(&url).bearer_auth(t).send().await.expect("GET");
            assert_eq!(r.status(), 200);
            hex::encode(Sha256::digest(r.bytes().await.expect("body")))
        }
    };
    // Nothing is recorded until a copy is served: asking for the link is not issuing.
    app.gql(&token, DOCUMENT, json!({ "kind": "LOAN_STATEMENT", "id": id })).await;
    assert!(issued_entries(&app, &app.staff(), &id).await.is_empty());
    // Four first copies at once, to the borrower and the MFO: one document, one entry.
    let copies = futures_util::future::join_all(
        [token.clone(), app.staff(), token.clone(), app.manager()].into_iter().map(&download),
    )
    .await;
    assert!(copies.iter().all(|c| *c == copies[0]), "one record, the same bytes");
    let issued = issued_entries(&app, &app.staff(), &id).await;
    assert_eq!(issued.len(), 1, "{issued:?}");
    assert_eq!(issued[0]["after"]["sha256"], copies[0]);
    assert_eq!(issued[0]["after"]["language"], "RU");
    assert!(
        issued[0]["actor"].as_str().expect("actor").starts_with("BORROWER:")
            || issued[0]["actor"].as_str().expect("actor").starts_with("MFO_")
    );
    // The borrower's name is corrected: the statement names them, so it is a new document,
    // recorded beside the first.
    let upsert = "mutation($input: UpsertBorrowerInput!) { upsertBorrower(input: $input) { userErrors { code } } }";
    let mut b = crate::helpers::fixtures::borrower_input("H");
    b["fullName"] = json!("Нурланова Айгерим Серикқызы");
    assert_eq!(app.gql(&app.staff(), upsert, json!({ "input": b })).await["upsertBorrower"]["userErrors"], json!([]));
    let corrected = download(app.regulator(Jurisdiction::Kz)).await;
    assert_ne!(corrected, copies[0]);
    download(token.clone()).await;
    let issued = issued_entries(&app, &app.regulator(Jurisdiction::Kz), &id).await;
    let hashes: Vec<&Value> = issued.iter().map(|e| &e["after"]["sha256"]).collect();
    assert_eq!(hashes, [&json!(copies[0]), &json!(corrected)], "each distinct document once, in order");
    assert!(issued[1]["actor"].as_str().expect("actor").starts_with("REGULATOR:"), "{issued:?}");
}
