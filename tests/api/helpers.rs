//! The test harness: a real server on a random port over a fresh database per test
//! (a SQLite file in a temporary directory, or a PostgreSQL schema when
//! MFO_TEST_DATABASE_URL is set), with a manual clock and organisations of every kind.

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use entity::enums::{Jurisdiction, OrgKind, Role};
use entity::organization;
use mfo_api::app::{self, AppConfig, AppState};
use mfo_api::auth::{self, JwtSettings, Keys, TokenRequest};
use mfo_api::bus::Broker;
use mfo_api::clock::{Clock, ManualClock};
use mfo_api::config::{ConnLimits, HttpLimits};
use mfo_api::events::scanner::Scanner;
use mfo_api::graphql::Limits;
use mfo_api::services::{Ctx, orgs};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};

pub const SECRET: &[u8] = b"test-secret-that-is-at-least-32-bytes-long!";
pub const ISSUER: &str = "mfo-api";
pub const AUDIENCE: &str = "mfo-api";

/// Monday 2026-11-23, 09:00 in Almaty, 10:00 in Bishkek.
pub fn default_start() -> DateTime<Utc> {
    at("2026-11-23T04:00:00Z")
}

pub fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).expect("test instant").with_timezone(&Utc)
}

#[derive(Clone)]
pub struct Orgs {
    pub kz_mfo: organization::Model,
    pub kz_mfo_2: organization::Model,
    pub kg_mfo: organization::Model,
    pub agency: organization::Model,
    pub agency_2: organization::Model,
    pub kz_regulator: organization::Model,
    pub kg_regulator: organization::Model,
}

pub struct TestApp {
    /// SQL statements run on the app's pool so far (N+1 checks read it).
    pub statements: Arc<std::sync::atomic::AtomicUsize>,
    /// Reads of the `escalation` table so far (the live feed's cost).
    pub escalation_reads: Arc<std::sync::atomic::AtomicUsize>,
    pub addr: SocketAddr,
    pub url: String,
    pub client: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub ctx: Ctx,
    pub orgs: Orgs,
    _db: Option<TestDb>,
}

pub struct Options {
    pub keys: Keys,
    pub http: HttpLimits,
    pub conn: ConnLimits,
    pub limits: Limits,
    /// Introspection, suggestions and GraphiQL off.
    pub production: bool,
    /// The demo token GraphiQL opens with (`serve --demo` sets one).
    pub graphiql_token: Option<String>,
    pub extra_routes: axum::Router<AppState>,
    pub trusted: mfo_api::http::trusted::Policy,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            keys: Keys::Hs256(SECRET.to_vec()),
            http: HttpLimits::default(),
            conn: ConnLimits::default(),
            limits: Limits::default(),
            production: false,
            graphiql_token: None,
            extra_routes: axum::Router::new(),
            trusted: Default::default(),
        }
    }
}

/// What a test's database lives in, removed when it is dropped: the SQLite file's
/// directory, or the PostgreSQL schema (`DROP SCHEMA … CASCADE` on a connection of its own).
pub enum TestDb {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { url: String, schema: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { url, schema } = self {
            drop_schema(url, schema);
        }
    }
}

/// Drops a test's PostgreSQL schema and everything in it, waiting for it, on a thread and a
/// connection of its own (a `Drop` may run inside the test's runtime, which cannot block on a
/// future). A failed drop is printed, never a test failure.
pub fn drop_schema(url: &str, schema: &str) {
    let (url, schema) = (url.to_owned(), schema.to_owned());
    let done = std::thread::spawn(move || -> anyhow::Result<()> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        rt.block_on(async {
            let admin = mfo_api::db::connect(&url, 1, None).await?;
            admin.execute_unprepared("SET lock_timeout = '10s'").await?;
            admin.execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE")).await?;
            admin.close().await?;
            Ok(())
        })
    })
    .join();
    match done {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("test schema not dropped: {e:#}"),
        Err(_) => eprintln!("test schema not dropped: the dropping thread panicked"),
    }
}

/// A fresh database: its connection and what holds it (dropping that removes the database).
pub async fn fresh_database() -> (DatabaseConnection, TestDb) {
    match std::env::var("MFO_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
            let admin = mfo_api::db::connect(&url, 1, None).await.expect("connect to the test PostgreSQL");
            admin.execute_unprepared(&format!("CREATE SCHEMA \"{schema}\"")).await.expect("create test schema");
            admin.close().await.ok();
            let db = mfo_api::db::connect(&url, 12, Some(&schema)).await.expect("connect to the test schema");
            (db, TestDb::Postgres { url, schema })
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            let db = mfo_api::db::connect(&url, 8, None).await.expect("open SQLite");
            (db, TestDb::Sqlite(dir))
        }
    }
}

/// On PostgreSQL, waits until the instance's outbox relay listens: it empties the reference
/// cache when it starts to, so a test that counts statements after warming the cache would
/// otherwise race it (seen once in CI: 7 statements for a 4-statement call).
async fn relay_listening(ctx: &Ctx) {
    if ctx.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return;
    }
    for _ in 0..1000 {
        if ctx.relay_listening.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the outbox relay did not start listening within 10 s");
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(opts: Options) -> Self {
        let (mut db, dir) = fresh_database().await;
        mfo_api::db::migrate(&db).await.expect("migrations");
        let statements = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = statements.clone();
        let escalation_reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let reads = escalation_reads.clone();
        db.set_metric_callback(move |info| {
            if std::env::var_os("MFO_TEST_PRINT_SQL").is_some() {
                eprintln!("SQL: {}", info.statement);
            }
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if info.statement.sql.starts_with("SELECT") && info.statement.sql.contains(r#"FROM "escalation""#) {
                reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            mfo_api::db::record_statement(info);
        });
        let clock = ManualClock::new(default_start());
        let ctx = Ctx::new(db, clock.clone(), Broker::default());
        let org = |kind, name: &str, j| {
            let ctx = ctx.clone();
            let name = name.to_owned();
            async move {
                orgs::create(
                    &ctx,
                    orgs::NewOrg {
                        kind,
                        name,
                        jurisdiction: j,
                        address: Some("Test street 1".into()),
                        founded_on: None,
                    },
                )
                .await
                .expect("create org")
            }
        };
        let orgs = Orgs {
            kz_mfo: org(OrgKind::Mfo, "KZ MFO", Jurisdiction::Kz).await,
            kz_mfo_2: org(OrgKind::Mfo, "KZ MFO two", Jurisdiction::Kz).await,
            kg_mfo: org(OrgKind::Mfo, "KG MFO", Jurisdiction::Kg).await,
            agency: org(OrgKind::CollectionAgency, "Agency", Jurisdiction::Kz).await,
            agency_2: org(OrgKind::CollectionAgency, "Agency two", Jurisdiction::Kz).await,
            kz_regulator: org(OrgKind::Regulator, "KZ regulator", Jurisdiction::Kz).await,
            kg_regulator: org(OrgKind::Regulator, "KG regulator", Jurisdiction::Kg).await,
        };
        let cfg = AppConfig {
            jwt: JwtSettings { keys: opts.keys, issuer: ISSUER.into(), audience: AUDIENCE.into() },
            limits: opts.limits,
            http: opts.http,
            production: opts.production,
            graphiql_token: opts.graphiql_token,
            trusted: opts.trusted,
        };
        let (_state, router) = app::build_with_routes(ctx.clone(), cfg, opts.extra_routes);
        relay_listening(&ctx).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let conn = opts.conn;
        tokio::spawn(async move {
            mfo_api::http::server::serve(listener, router, conn, std::future::pending()).await.ok();
        });
        Self {
            statements,
            escalation_reads,
            addr,
            url: format!("http://{addr}/graphql"),
            client: reqwest::Client::new(),
            clock,
            ctx,
            orgs,
            _db: Some(dir),
        }
    }

    /// A second instance of the service over the same database and clock (its own broker
    /// and port), as behind a load balancer.
    pub async fn another_instance(&self) -> TestApp {
        let ctx = Ctx::new(self.ctx.db.clone(), self.clock.clone(), Broker::default());
        let cfg = AppConfig {
            jwt: JwtSettings { keys: Keys::Hs256(SECRET.to_vec()), issuer: ISSUER.into(), audience: AUDIENCE.into() },
            limits: Limits::default(),
            http: HttpLimits::default(),
            production: false,
            graphiql_token: None,
            trusted: Default::default(),
        };
        let (_state, router) = app::build(ctx.clone(), cfg);
        relay_listening(&ctx).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            mfo_api::http::server::serve(listener, router, ConnLimits::default(), std::future::pending()).await.ok();
        });
        TestApp {
            statements: self.statements.clone(),
            escalation_reads: self.escalation_reads.clone(),
            addr,
            url: format!("http://{addr}/graphql"),
            client: reqwest::Client::new(),
            clock: self.clock.clone(),
            ctx,
            orgs: self.orgs.clone(),
            _db: None,
        }
    }

    /// Runs a query and returns how many SQL statements answering it took.
    pub async fn statements_for(&self, token: &str, query: &str) -> usize {
        use std::sync::atomic::Ordering;
        let before = self.statements.load(Ordering::SeqCst);
        self.gql(token, query, json!({})).await;
        self.statements.load(Ordering::SeqCst) - before
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    pub fn mint(&self, role: Role, org: uuid::Uuid, borrower: Option<uuid::Uuid>, sub: &str) -> String {
        self.mint_for(role, org, borrower, sub, Duration::hours(1))
    }

    pub fn mint_for(
        &self,
        role: Role,
        org: uuid::Uuid,
        borrower: Option<uuid::Uuid>,
        sub: &str,
        ttl: Duration,
    ) -> String {
        let req = TokenRequest { role, org_id: org, borrower_id: borrower, subject: sub.into(), ttl };
        auth::mint_hs256(SECRET, ISSUER, AUDIENCE, self.now(), &req).expect("mint")
    }

    pub fn staff(&self) -> String {
        self.mint(Role::MfoStaff, self.orgs.kz_mfo.id, None, "staff-1")
    }

    pub fn manager(&self) -> String {
        self.mint(Role::MfoManager, self.orgs.kz_mfo.id, None, "manager-1")
    }

    pub fn staff_of(&self, org: &organization::Model) -> String {
        self.mint(Role::MfoStaff, org.id, None, "staff-x")
    }

    pub fn borrower_token(&self, mfo: &organization::Model, borrower: uuid::Uuid) -> String {
        self.mint(Role::Borrower, mfo.id, Some(borrower), &format!("app-{borrower}"))
    }

    pub fn agency_token(&self, agency: &organization::Model) -> String {
        self.mint(Role::CollectionAgency, agency.id, None, "agency-system")
    }

    pub fn regulator(&self, j: Jurisdiction) -> String {
        let org = match j {
            Jurisdiction::Kz => &self.orgs.kz_regulator,
            Jurisdiction::Kg => &self.orgs.kg_regulator,
        };
        self.mint(Role::Regulator, org.id, None, "supervisor")
    }

    /// POSTs a GraphQL request; returns the HTTP status and the JSON body.
    pub async fn post(&self, token: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
        let mut req = self.client.post(&self.url).json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let body = resp.json::<Value>().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// POSTs and expects a 200 without top-level errors; returns `data`.
    pub async fn gql(&self, token: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.post(Some(token), query, variables).await;
        assert_eq!(status, 200, "HTTP status for {query}: {body}");
        assert!(body.get("errors").is_none(), "unexpected errors for {query}: {body}");
        body["data"].clone()
    }

    /// POSTs and returns the first top-level error's code.
    pub async fn error_code(&self, token: &str, query: &str, variables: Value) -> String {
        let (_, body) = self.post(Some(token), query, variables).await;
        body["errors"][0]["extensions"]["code"].as_str().unwrap_or_else(|| panic!("no error code in {body}")).to_owned()
    }

    /// Of the payloads of one step sent several times at once, the one that applied: exactly
    /// one has no `userErrors`; every other is a `CONFLICT` on `input.<field>` (it ran second,
    /// on the first one's result).
    pub fn applied_once<'a>(payloads: &'a [Value], field: &str, what: &str) -> &'a Value {
        let applied: Vec<&Value> = payloads.iter().filter(|p| p["userErrors"] == json!([])).collect();
        assert_eq!(applied.len(), 1, "{what}: exactly one applied: {payloads:?}");
        for p in payloads.iter().filter(|p| p["userErrors"] != json!([])) {
            let e = &p["userErrors"][0];
            assert_eq!((&e["code"], &e["field"]), (&json!("CONFLICT"), &json!(["input", field])), "{what}: {p}");
        }
        applied[0]
    }

    /// The actions of a record's audit trail, oldest first, as `token` reads them.
    pub async fn audit_actions(&self, token: &str, subject: &Value) -> Vec<String> {
        let trail = self
            .gql(token, "query($id: ID!) { auditTrail(subjectId: $id) { action } }", json!({ "id": subject }))
            .await;
        let entries = trail["auditTrail"].as_array().unwrap_or_else(|| panic!("no audit trail in {trail}"));
        entries.iter().filter_map(|e| e["action"].as_str().map(str::to_owned)).collect()
    }

    pub fn scanner(&self, owner: &str) -> Scanner {
        Scanner::new(self.ctx.clone(), owner)
    }

    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .ctx
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.ctx.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count")
            .expect("row");
        row.try_get::<i64>("", "n").expect("n")
    }
}

pub mod process;

/// Ingestion fixtures, through the GraphQL endpoint as the MFO's core-banking system.
pub mod fixtures {
    use super::*;

    pub const UPSERT_BORROWER: &str = "mutation($input: UpsertBorrowerInput!) { upsertBorrower(input: $input) { borrower { id externalId } userErrors { field message code rule } } }";
    pub const UPSERT_LOAN: &str = "mutation($input: UpsertLoanInput!) { upsertLoan(input: $input) { loan { id externalId } userErrors { field message code rule } } }";
    pub const RECORD_PAYMENT: &str = "mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { payment { id amount } loan { id overdue { overdue amount } } userErrors { field message code rule } } }";

    pub fn borrower_input(external_id: &str) -> Value {
        json!({
            "externalId": external_id,
            "fullName": format!("Borrower {external_id}"),
            "address": "Almaty, Abay 1",
            "phone": "+7 701 000 00 00",
            "email": "b@example.kz",
            "language": "RU",
        })
    }

    /// A 3-month loan of 300 000 KZT with installments on the 10th of each month after
    /// `contract_date`.
    pub fn loan_input(external_id: &str, borrower_external_id: &str, contract_date: &str) -> Value {
        let d = chrono::NaiveDate::parse_from_str(contract_date, "%Y-%m-%d").expect("date");
        let schedule: Vec<Value> = (1..=3)
            .map(|m| {
                let due = d.checked_add_months(chrono::Months::new(m)).expect("date");
                json!({ "dueDate": due.to_string(), "principal": "100000", "interest": "8750" })
            })
            .collect();
        json!({
            "externalId": external_id,
            "borrowerExternalId": borrower_external_id,
            "contractNumber": format!("C-{external_id}"),
            "contractDate": contract_date,
            "currency": "KZT",
            "principal": "300000",
            "annualRate": "0.35",
            "termMonths": 3,
            "contractAllowsAgency": true,
            "schedule": schedule,
        })
    }

    /// Creates a borrower and a loan as staff of `mfo`; returns (borrower id, loan id) as
    /// uuids and the loan's global id.
    pub async fn borrower_with_loan(
        app: &TestApp,
        mfo: &organization::Model,
        key: &str,
        contract_date: &str,
    ) -> (uuid::Uuid, uuid::Uuid, String) {
        let token = app.staff_of(mfo);
        let b = app.gql(&token, UPSERT_BORROWER, json!({ "input": borrower_input(key) })).await;
        assert_eq!(b["upsertBorrower"]["userErrors"], json!([]), "{b}");
        let l =
            app.gql(&token, UPSERT_LOAN, json!({ "input": loan_input(&format!("L-{key}"), key, contract_date) })).await;
        assert_eq!(l["upsertLoan"]["userErrors"], json!([]), "{l}");
        let borrower = uuid_of(b["upsertBorrower"]["borrower"]["id"].as_str().expect("id"));
        let loan_gid = l["upsertLoan"]["loan"]["id"].as_str().expect("id").to_owned();
        (borrower, uuid_of(&loan_gid), loan_gid)
    }

    /// An MFO of its own founded on `founded_on` (the shared fixtures' have no such date).
    pub async fn founded_mfo(app: &TestApp, name: &str, j: Jurisdiction, founded_on: &str) -> organization::Model {
        let founded_on = chrono::NaiveDate::parse_from_str(founded_on, "%Y-%m-%d").expect("date");
        let org = mfo_api::services::orgs::NewOrg {
            kind: entity::enums::OrgKind::Mfo,
            name: name.to_owned(),
            jurisdiction: j,
            address: Some("Test street 1".into()),
            founded_on: Some(founded_on),
        };
        mfo_api::services::orgs::create(&app.ctx, org).await.expect("an MFO")
    }

    /// The uuid inside a global id.
    pub fn uuid_of(global: &str) -> uuid::Uuid {
        mfo_api::graphql::ids::parse(global).expect("global id").1
    }

    pub const ASSIGN_LOAN: &str = "mutation($input: AssignLoanToAgencyInput!) { assignLoanToAgency(input: $input) { assignment { id } userErrors { field message code rule } } }";

    /// Hands a loan to an agency through `assignLoanToAgency`, as the manager of the loan's
    /// MFO (R17.2: the loan must be overdue and its contract allow it).
    pub async fn assign(app: &TestApp, loan: uuid::Uuid, agency: &organization::Model) {
        use mfo_api::graphql::ids::{Kind, encode};
        use sea_orm::EntityTrait;
        let mfo =
            entity::loan::Entity::find_by_id(loan).one(&app.ctx.db).await.expect("read the loan").expect("loan").mfo_id;
        let manager = app.mint(Role::MfoManager, mfo, None, "manager-1");
        let input =
            json!({ "loanId": encode(Kind::Loan, loan).0, "agencyId": encode(Kind::Organization, agency.id).0 });
        let r = app.gql(&manager, ASSIGN_LOAN, json!({ "input": input })).await;
        assert_eq!(r["assignLoanToAgency"]["userErrors"], json!([]), "{r}");
    }

    /// Puts a loan with an agency by writing the assignment row, for a setup whose loan
    /// `assignLoanToAgency` would refuse (not overdue: R17.2) but whose scoping is under test.
    pub async fn assign_row(app: &TestApp, loan: uuid::Uuid, agency: &organization::Model) {
        use sea_orm::{ActiveValue::Set, EntityTrait};
        let row = entity::collection_assignment::ActiveModel {
            id: Set(uuid::Uuid::new_v4()),
            loan_id: Set(loan),
            agency_id: Set(agency.id),
            assigned_at: Set(app.now()),
            ended_at: Set(None),
            assigned_by: Set("test".into()),
        };
        entity::collection_assignment::Entity::insert(row).exec_without_returning(&app.ctx.db).await.expect("assign");
    }

    /// Sets the clock to 10:00 in Almaty (11:00 in Bishkek) on a local date.
    pub fn on(app: &TestApp, date: &str) {
        app.clock.set(crate::helpers::at(&format!("{date}T05:00:00Z")));
    }

    pub struct Setup {
        pub borrower: uuid::Uuid,
        pub loan: String,
    }

    /// A KZ borrower with a three-month loan whose first installment was missed, so that
    /// the loan is overdue from `since`. `loan_extra` and `borrower_extra` override fields.
    pub async fn overdue_loan(
        app: &TestApp,
        key: &str,
        since: &str,
        loan_extra: Value,
        borrower_extra: Value,
    ) -> Setup {
        let token = app.staff();
        let mut b = borrower_input(key);
        for (k, v) in borrower_extra.as_object().cloned().unwrap_or_default() {
            b[k] = v;
        }
        let r = app.gql(&token, UPSERT_BORROWER, json!({ "input": b })).await;
        let borrower = uuid_of(r["upsertBorrower"]["borrower"]["id"].as_str().expect("borrower id"));
        let first_due = chrono::NaiveDate::parse_from_str(since, "%Y-%m-%d").expect("date").pred_opt().expect("date");
        let contract = first_due.checked_sub_months(chrono::Months::new(1)).expect("date");
        let mut l = loan_input(&format!("L-{key}"), key, &contract.to_string());
        for (k, v) in loan_extra.as_object().cloned().unwrap_or_default() {
            l[k] = v;
        }
        let r = app.gql(&token, UPSERT_LOAN, json!({ "input": l })).await;
        assert_eq!(r["upsertLoan"]["userErrors"], json!([]), "{r}");
        Setup { borrower, loan: r["upsertLoan"]["loan"]["id"].as_str().expect("loan id").to_owned() }
    }
}
