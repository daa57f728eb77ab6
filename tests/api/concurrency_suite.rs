//! Many clients at once, for every mutation of `schema.graphql`. Each is sent 8 times at
//! once with one input (a sync worker and its retry, two desks, a tool retrying after a
//! timeout) and, where two answers compete, 8 times alternating two inputs (two agencies,
//! two outcomes, two amounts). Every answer must be one the same requests sent one after
//! another could get, which a twin record sent them one at a time shows:
//!
//! - never `INTERNAL`, never a 5xx, no other top-level error;
//! - where one change only can be made, exactly one applied and every other a `CONFLICT`
//!   on the record's id field (or what the same request gets when it comes later);
//!   idempotent writes (upserts, `clientSubmissionId` replays, a payment's `externalId`)
//!   answer every copy with the same record;
//! - audit entries and outbox events grow by exactly what the applied changes write;
//! - afterwards the tables keep their "at most one" invariants.
//!
//! A mutation without a case fails the suite, so a new one cannot be added without one.
//! Run alone with `--ignored` (`.ci/run` does, on SQLite and PostgreSQL); the last line
//! printed is the summary CI shows.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;
use std::time::Instant;

use entity::enums::{Jurisdiction, Role};
use futures_util::future::{LocalBoxFuture, join_all};
use serde_json::{Value, json};

use crate::appeals::appeal_input;
use crate::collection::contact;
use crate::complaints::{answer_input, written};
use crate::helpers::fixtures::{
    Setup, UPSERT_BORROWER, borrower_input, borrower_with_loan, loan_input, on, overdue_loan,
};
use crate::helpers::{TestApp, at};
use crate::restructuring::{decide_input, submission};

const COPIES: usize = 8;

/// One request of a burst: who sends it and its `input`.
#[derive(Clone, PartialEq)]
struct Req {
    token: String,
    input: Value,
}

fn req(token: &str, input: Value) -> Req {
    Req { token: token.to_owned(), input }
}

/// What the law allows when the requests meet.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// One change only: exactly one applies; every other is a `CONFLICT` on `input.<field>`
    /// or what that request gets when sent after the one that applied.
    Once(&'static str),
    /// An idempotent write: every answer is the same record (the payload's `<field>`).
    Same(&'static str),
    /// The first input is kept: the copies of the applied one answer its record (the
    /// payload's first field), every other input a `CONFLICT` on `input.<second field>`
    /// or what it gets when sent later.
    FirstWins(&'static str, &'static str),
    /// Each request is answered as when they come one after another: as many apply, each
    /// its own record (the payload's `<field>`), the others refused alike.
    InOrder(&'static str),
    /// Every request applies (updates of one record: the last one stays).
    All,
}

/// An answer as the HTTP client saw it.
struct Answer {
    status: u16,
    body: Value,
    payload: Value,
}

impl Answer {
    fn applied(&self) -> bool {
        self.status == 200 && self.body.get("errors").is_none() && self.payload["userErrors"] == json!([])
    }

    /// The user errors as (field, code, rule), to compare answers.
    fn refusal(&self) -> Value {
        match self.payload["userErrors"].as_array() {
            Some(list) if !list.is_empty() && self.body.get("errors").is_none() => {
                Value::Array(list.iter().map(|e| json!([e["field"], e["code"], e["rule"]])).collect::<Vec<_>>())
            }
            _ => Value::Null,
        }
    }

    fn conflict_on(&self, field: &str) -> bool {
        let list = self.payload["userErrors"].as_array().cloned().unwrap_or_default();
        list.len() == 1 && list[0]["code"] == "CONFLICT" && list[0]["field"] == json!(["input", field])
    }

    /// The record the payload names: its id, or the whole value when it has none.
    fn record(&self, field: &str) -> String {
        let v = &self.payload[field];
        v.get("id").map(Value::to_string).unwrap_or_else(|| v.to_string())
    }

    fn top_codes(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errs| errs.iter().map(|e| e["extensions"]["code"].as_str().unwrap_or("?").to_owned()).collect())
            .unwrap_or_default()
    }

    fn short(&self) -> String {
        let text = if self.body.get("errors").is_some() { self.body.to_string() } else { self.payload.to_string() };
        let cut: String = text.chars().take(400).collect();
        format!("{} {cut}", self.status)
    }
}

/// Audit entries and outbox events.
type Counts = (i64, i64);

fn delta(a: Counts, b: Counts) -> Counts {
    (b.0 - a.0, b.1 - a.1)
}

fn add(a: Counts, b: Counts) -> Counts {
    (a.0 + b.0, a.1 + b.1)
}

/// The "at most one" rules of the model, each as the groups that break it.
const INVARIANTS: &[(&str, &str)] = &[
    (
        "loans handed to more than one agency at once",
        "SELECT loan_id FROM collection_assignment WHERE ended_at IS NULL GROUP BY loan_id HAVING COUNT(*) > 1",
    ),
    (
        "applications with more than one decision",
        "SELECT application_id FROM decision GROUP BY application_id HAVING COUNT(*) > 1",
    ),
    (
        "loans with more than one open military deferral",
        "SELECT loan_id FROM military_deferral WHERE status IN ('REGISTERED', 'GRANTED', 'REFUSED_BY_BORROWER') GROUP BY loan_id HAVING COUNT(*) > 1",
    ),
    (
        "idempotency keys stored more than once",
        "SELECT principal_key FROM idempotency_key GROUP BY principal_key, client_submission_id HAVING COUNT(*) > 1",
    ),
    (
        "borrower external ids stored more than once",
        "SELECT mfo_id FROM borrower GROUP BY mfo_id, external_id HAVING COUNT(*) > 1",
    ),
    (
        "loan external ids stored more than once",
        "SELECT mfo_id FROM loan GROUP BY mfo_id, external_id HAVING COUNT(*) > 1",
    ),
    (
        "payment external ids stored more than once",
        "SELECT loan_id FROM payment GROUP BY loan_id, external_id HAVING COUNT(*) > 1",
    ),
    ("installments stored more than once", "SELECT loan_id FROM installment GROUP BY loan_id, seq HAVING COUNT(*) > 1"),
    (
        "flagged contacts with more than one X6 escalation of the flag",
        "SELECT subject_id FROM escalation WHERE rule = 'X6' AND subject_type = 'contact' AND CAST(details AS TEXT) LIKE '%MFO_FLAG%' GROUP BY subject_id HAVING COUNT(*) > 1",
    ),
    (
        "complaint journals with a gap or a number given twice",
        "SELECT mfo_id FROM complaint GROUP BY mfo_id, journal_year HAVING COUNT(*) <> COUNT(DISTINCT journal_seq) OR MIN(journal_seq) <> 1 OR MAX(journal_seq) <> COUNT(*)",
    ),
    (
        "journal counters that do not match their journal",
        "SELECT c.mfo_id FROM complaint_journal_counter c WHERE c.last_number <> (SELECT COUNT(*) FROM complaint j WHERE j.mfo_id = c.mfo_id AND j.journal_year = c.year)",
    ),
    (
        "reception slots stored more than once",
        "SELECT mfo_id FROM reception_hours GROUP BY mfo_id, manager_name, weekday, starts_at HAVING COUNT(*) > 1",
    ),
];

/// The mutation root's fields and their `input` types, read from the committed SDL.
static MUTATIONS: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
    let sdl = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).expect("schema.graphql");
    let root = sdl
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("mutation:"))
        .map(|name| name.trim().to_owned())
        .unwrap_or_else(|| "Mutation".to_owned());
    let start = sdl.find(&format!("type {root} {{")).unwrap_or_else(|| panic!("schema.graphql has no `type {root}`"));
    let body = &sdl[start..];
    let body = &body[..body.find("\n}").expect("its end")];
    let mut out: Vec<(String, String)> = Vec::new();
    let mut in_doc = false;
    for line in body.lines().skip(1) {
        let t = line.trim();
        if t.starts_with("\"\"\"") {
            // A one-line description opens and closes on its line.
            let one_line = t.len() > 3 && t.ends_with("\"\"\"");
            in_doc = !in_doc && !one_line;
            continue;
        }
        if in_doc || t.is_empty() {
            continue;
        }
        if line.starts_with('\t') && !line.starts_with("\t\t") && t.contains('(') {
            out.push((t[..t.find('(').expect("(")].to_owned(), String::new()));
        } else if let Some(ty) = t.strip_prefix("input:")
            && let Some(last) = out.last_mut()
        {
            last.1 = ty.trim().trim_end_matches('!').to_owned();
        }
    }
    out
});

fn input_type(mutation: &str) -> String {
    MUTATIONS.iter().find(|(m, _)| m == mutation).map(|(_, t)| t.clone()).unwrap_or_else(|| panic!("{mutation}?"))
}

fn query(mutation: &str) -> String {
    let selection = CASES.iter().find(|c| c.0 == mutation).map(|c| c.1).unwrap_or("");
    format!(
        "mutation($input: {}!) {{ {mutation}(input: $input) {{ {selection} userErrors {{ field message code rule }} }} }}",
        input_type(mutation)
    )
}

#[derive(Default)]
struct Tally {
    cases: usize,
    internal: usize,
    violations: usize,
    failures: Vec<String>,
}

/// One mutation's run: its app, a key for fresh records, the suite's tally.
struct Run<'a> {
    app: &'a TestApp,
    mutation: &'static str,
    key: Cell<u32>,
    tally: &'a RefCell<Tally>,
}

impl Run<'_> {
    fn next_key(&self) -> u32 {
        let k = self.key.get();
        self.key.set(k + 1);
        k
    }

    fn fail(&self, label: &str, what: String) {
        if what.starts_with("one at a time") || what.starts_with("alone") {
            println!("  {} {label}: FAILED: {what}", self.mutation);
        }
        self.tally.borrow_mut().failures.push(format!("{} {label}: {what}", self.mutation));
    }

    async fn send(&self, q: &Req) -> Answer {
        let (status, body) = self.app.post(Some(&q.token), &query(self.mutation), json!({ "input": q.input })).await;
        let payload = body["data"][self.mutation].clone();
        let a = Answer { status, body, payload };
        if a.top_codes().iter().any(|c| c == "INTERNAL") {
            self.tally.borrow_mut().internal += 1;
        }
        a
    }

    async fn counts(&self) -> Counts {
        (self.app.count("audit_entry").await, self.app.count("outbox_event").await)
    }

    async fn invariants(&self) -> Vec<i64> {
        let mut out = Vec::new();
        for (_, sql) in INVARIANTS {
            out.push(self.app.count(&format!("({sql}) v")).await);
        }
        out
    }

    /// Sends `request(subject, k)` for k in 0..8 at once on a fresh subject and checks the
    /// answers against the same requests sent one at a time on twin subjects.
    async fn case<S>(
        &self,
        label: &'static str,
        expect: Expect,
        setup: impl AsyncFn(u32) -> S,
        request: impl Fn(&S, usize) -> Req,
    ) {
        let started = Instant::now();
        self.tally.borrow_mut().cases += 1;
        // Which input each of the 8 is (its first copy's index).
        let variants = |s: &S| -> (Vec<Req>, Vec<usize>) {
            let reqs: Vec<Req> = (0..COPIES).map(|k| request(s, k)).collect();
            let of = reqs.iter().map(|q| reqs.iter().position(|p| p == q).expect("itself")).collect();
            (reqs, of)
        };

        // One at a time, on twins: each input first, then every input again after it.
        let mut first: BTreeMap<usize, Counts> = BTreeMap::new();
        let mut later: BTreeMap<(usize, usize), (Answer, Counts)> = BTreeMap::new();
        let mut in_order: Counts = (0, 0);
        let mut in_order_answers: Vec<Answer> = Vec::new();
        let (probe, _) = variants(&setup(self.next_key()).await);
        let distinct: Vec<usize> = (0..COPIES).filter(|&k| probe[..k].iter().all(|p| *p != probe[k])).collect();
        if let Expect::InOrder(_) = expect {
            let s = setup(self.next_key()).await;
            let (reqs, _) = variants(&s);
            for q in &reqs {
                let before = self.counts().await;
                let a = self.send(q).await;
                if in_order_answers.is_empty() && !a.applied() {
                    return self.fail(label, format!("one at a time, the first was not applied: {}", a.short()));
                }
                in_order = add(in_order, delta(before, self.counts().await));
                in_order_answers.push(a);
            }
        } else {
            for &v in &distinct {
                let s = setup(self.next_key()).await;
                let (reqs, _) = variants(&s);
                let before = self.counts().await;
                let a = self.send(&reqs[v]).await;
                let after = self.counts().await;
                if !a.applied() {
                    return self.fail(label, format!("alone, input {v} was not applied: {}", a.short()));
                }
                first.insert(v, delta(before, after));
                for &u in std::iter::once(&v).chain(distinct.iter().filter(|&&u| u != v)) {
                    let before = self.counts().await;
                    let a = self.send(&reqs[u]).await;
                    let d = delta(before, self.counts().await);
                    later.insert((v, u), (a, d));
                }
            }
        }

        // At once.
        let s = setup(self.next_key()).await;
        let (reqs, of) = variants(&s);
        let inv_before = self.invariants().await;
        let before = self.counts().await;
        let answers = join_all(reqs.iter().map(|q| self.send(q))).await;
        let grew = delta(before, self.counts().await);
        let inv_after = self.invariants().await;

        let mut problems: Vec<String> = Vec::new();
        for (k, a) in answers.iter().enumerate() {
            if a.status >= 500 || !a.top_codes().is_empty() {
                problems.push(format!("request {k}: {}", a.short()));
            }
        }
        let applied: Vec<usize> = (0..COPIES).filter(|&k| answers[k].applied()).collect();
        // What a refused request may say: a conflict on the id field, or what it got when
        // sent after the applied one.
        let not_conflicts = Cell::new(0);
        let refused_as_later = |w: usize, k: usize, field: &str| {
            let a = &answers[k];
            if a.conflict_on(field) {
                return true;
            }
            let as_later = later.get(&(of[w], of[k])).is_some_and(|(l, _)| !l.applied() && l.refusal() == a.refusal());
            not_conflicts.set(not_conflicts.get() + usize::from(as_later));
            as_later
        };
        let expected: Option<(Counts, Counts)> = match expect {
            Expect::Once(field) => {
                if applied.len() != 1 {
                    problems.push(format!("{} applied, expected exactly one", applied.len()));
                    None
                } else {
                    let w = applied[0];
                    for k in (0..COPIES).filter(|&k| k != w) {
                        if !answers[k].applied() && !refused_as_later(w, k, field) {
                            problems.push(format!(
                                "request {k} refused otherwise than a CONFLICT on input.{field} or as when sent later ({}): {}",
                                later.get(&(of[w], of[k])).map(|(l, _)| l.short()).unwrap_or_default(),
                                answers[k].short()
                            ));
                        }
                    }
                    let mut e = first[&of[w]];
                    for k in (0..COPIES).filter(|&k| k != w) {
                        e = add(e, later[&(of[w], of[k])].1);
                    }
                    Some((e, e))
                }
            }
            Expect::Same(field) | Expect::FirstWins(field, _) => {
                let records: BTreeSet<String> = applied.iter().map(|&k| answers[k].record(field)).collect();
                let inputs: BTreeSet<usize> = applied.iter().map(|&k| of[k]).collect();
                if applied.is_empty() || records.len() != 1 || inputs.len() != 1 {
                    problems.push(format!(
                        "{} applied with {} records from {} inputs, expected one record of one input",
                        applied.len(),
                        records.len(),
                        inputs.len()
                    ));
                    None
                } else {
                    let w = applied[0];
                    for k in (0..COPIES).filter(|&k| !answers[k].applied()) {
                        let ok = match expect {
                            Expect::FirstWins(_, id_field) => of[k] != of[w] && refused_as_later(w, k, id_field),
                            _ => false,
                        };
                        if !ok {
                            problems.push(format!("request {k} not answered with the record: {}", answers[k].short()));
                        }
                    }
                    let mut e = first[&of[w]];
                    for k in (0..COPIES).filter(|&k| k != w) {
                        e = add(e, later[&(of[w], of[k])].1);
                    }
                    Some((e, e))
                }
            }
            Expect::InOrder(field) => {
                let records: BTreeSet<String> = applied.iter().map(|&k| answers[k].record(field)).collect();
                let expected = in_order_answers.iter().filter(|a| a.applied()).count();
                if applied.len() != expected || records.len() != expected {
                    problems.push(format!(
                        "{} applied as {} records, one at a time {expected} applied, each its own record",
                        applied.len(),
                        records.len()
                    ));
                }
                let refusals: BTreeSet<String> =
                    in_order_answers.iter().filter(|a| !a.applied()).map(|a| a.refusal().to_string()).collect();
                for (k, a) in answers.iter().enumerate().filter(|(_, a)| !a.applied()) {
                    if !refusals.contains(&a.refusal().to_string()) {
                        problems.push(format!("request {k} refused otherwise than one at a time: {}", a.short()));
                    }
                }
                Some((in_order, in_order))
            }
            Expect::All => {
                if applied.len() != COPIES {
                    problems.push(format!("{} applied, expected all {COPIES}", applied.len()));
                }
                // The first makes the record, each later one may change it or not, as the
                // order they meet in decides.
                let low = first.values().copied().min().unwrap_or_default();
                let most_later = later.values().map(|(_, d)| *d).max().unwrap_or_default();
                let high = add(
                    first.values().copied().max().unwrap_or_default(),
                    (most_later.0 * (COPIES as i64 - 1), most_later.1 * (COPIES as i64 - 1)),
                );
                Some((low, high))
            }
        };
        if let Some((low, high)) = expected
            && !(low.0 <= grew.0 && grew.0 <= high.0 && low.1 <= grew.1 && grew.1 <= high.1)
        {
            problems.push(format!(
                "audit entries +{} and outbox events +{}, one at a time {}",
                grew.0,
                grew.1,
                if low == high { format!("+{} and +{}", low.0, low.1) } else { format!("{low:?}..={high:?}") }
            ));
        }
        let mut broken = Vec::new();
        for (i, (name, _)) in INVARIANTS.iter().enumerate() {
            let new = inv_after[i] - inv_before[i];
            if new > 0 {
                broken.push(format!("{new} {name}"));
                self.tally.borrow_mut().violations += new as usize;
            }
        }
        if !broken.is_empty() {
            problems.push(format!("invariants broken: {}", broken.join(", ")));
        }
        let others = match not_conflicts.get() {
            0 => String::new(),
            n => format!(" ({n} refused as when sent later, not a CONFLICT on the id field)"),
        };
        println!(
            "  {} {label} ({expect:?}): {} of {COPIES} applied{others}, audit +{} outbox +{}, {:.1?}{}",
            self.mutation,
            applied.len(),
            grew.0,
            grew.1,
            started.elapsed(),
            if problems.is_empty() { String::new() } else { format!(" FAILED: {}", problems.join("; ")) }
        );
        for p in problems {
            self.fail(label, p);
        }
    }

    /// A setup step through the endpoint; it must apply.
    async fn step(&self, token: &str, mutation: &str, input: Value) -> Value {
        let (status, body) = self.app.post(Some(token), &query(mutation), json!({ "input": input })).await;
        let payload = body["data"][mutation].clone();
        assert!(
            status == 200 && body.get("errors").is_none() && payload["userErrors"] == json!([]),
            "{} setup, {mutation}: {status} {body}",
            self.mutation
        );
        payload
    }
}

type CaseFn = for<'r> fn(&'r Run<'r>) -> LocalBoxFuture<'r, ()>;

/// Every mutation: its payload's selection and its case.
const CASES: &[(&str, &str, CaseFn)] = &[
    ("upsertBorrower", "borrower { id }", |r| Box::pin(upsert_borrower(r))),
    ("upsertLoan", "loan { id }", |r| Box::pin(upsert_loan(r))),
    ("recordPayment", "payment { id }", |r| Box::pin(record_payment(r))),
    ("upsertBorrowers", "items { borrower { id } userErrors { code } }", |r| Box::pin(upsert_borrowers(r))),
    ("upsertLoans", "items { loan { id } userErrors { code } }", |r| Box::pin(upsert_loans(r))),
    ("recordPayments", "items { payment { id } userErrors { code } }", |r| Box::pin(record_payments(r))),
    ("recordLoanLegalFact", "loan { id }", |r| Box::pin(record_loan_legal_fact(r))),
    ("registerComplaint", "complaint { id }", |r| Box::pin(register_complaint(r))),
    ("acknowledgeComplaint", "complaint { id }", |r| Box::pin(acknowledge_complaint(r))),
    ("forwardComplaint", "complaint { id }", |r| Box::pin(forward_complaint(r))),
    ("startComplaintReview", "complaint { id }", |r| Box::pin(start_complaint_review(r))),
    ("extendComplaintDeadline", "complaint { id }", |r| Box::pin(extend_complaint_deadline(r))),
    ("answerComplaint", "complaint { id }", |r| Box::pin(answer_complaint(r))),
    ("answerComplaintOrally", "complaint { id }", |r| Box::pin(answer_complaint_orally(r))),
    ("inviteComplainantToWrite", "complaint { id }", |r| Box::pin(invite_complainant_to_write(r))),
    ("leaveComplaintWithoutConsideration", "complaint { id }", |r| Box::pin(leave_without_consideration(r))),
    ("closeSuggestionWithoutAnswer", "complaint { id }", |r| Box::pin(close_suggestion(r))),
    ("requestLoanInformation", "infoRequest { id }", |r| Box::pin(request_loan_information(r))),
    ("answerLoanInformationRequest", "infoRequest { id }", |r| Box::pin(answer_information_request(r))),
    ("setReceptionHours", "receptionHours { managerName weekday startsAt endsAt }", |r| {
        Box::pin(set_reception_hours(r))
    }),
    ("recordDelinquencyNotice", "notice { id }", |r| Box::pin(record_delinquency_notice(r))),
    ("submitRestructuringApplication", "application { id }", |r| Box::pin(submit_application(r))),
    ("requestApplicationDocuments", "application { id }", |r| Box::pin(request_documents(r))),
    ("provideApplicationDocuments", "application { id }", |r| Box::pin(provide_documents(r))),
    ("decideRestructuringApplication", "application { id }", |r| Box::pin(decide(r))),
    ("respondToCounterProposal", "application { id }", |r| Box::pin(respond_to_counter_proposal(r))),
    ("markDecisionImplemented", "application { id }", |r| Box::pin(mark_implemented(r))),
    ("withdrawRestructuringApplication", "application { id }", |r| Box::pin(withdraw(r))),
    ("fileRegulatorAppeal", "appeal { id }", |r| Box::pin(file_appeal(r))),
    ("resolveRegulatorAppeal", "appeal { id }", |r| Box::pin(resolve_appeal(r))),
    ("assignLoanToAgency", "assignment { id }", |r| Box::pin(assign_loan(r))),
    ("recallLoanFromAgency", "assignment { id }", |r| Box::pin(recall_loan(r))),
    ("recordContact", "contact { id }", |r| Box::pin(record_contact(r))),
    ("flagContactMisrepresentation", "contact { id }", |r| Box::pin(flag_contact(r))),
    ("updateMyContactDetails", "borrower { id }", |r| Box::pin(update_contact_details(r))),
    ("registerConscription", "deferral { id }", |r| Box::pin(register_conscription(r))),
    ("grantMilitaryDeferral", "deferral { id }", |r| Box::pin(grant_deferral(r))),
    ("refuseMilitaryDeferral", "deferral { id }", |r| Box::pin(refuse_deferral(r))),
    ("confirmMilitaryDeferralRefusal", "deferral { id }", |r| Box::pin(confirm_refusal(r))),
    ("registerDischarge", "deferral { id }", |r| Box::pin(register_discharge(r))),
    ("acknowledgeEscalation", "escalation { id }", |r| Box::pin(acknowledge_escalation(r))),
    ("createWebhookEndpoint", "webhookEndpoint { id }", |r| Box::pin(create_webhook_endpoint(r))),
    ("updateWebhookEndpoint", "webhookEndpoint { id url }", |r| Box::pin(update_webhook_endpoint(r))),
    ("disableWebhookEndpoint", "webhookEndpoint { id enabled }", |r| Box::pin(disable_webhook_endpoint(r))),
    ("rotateWebhookEndpointSecret", "webhookEndpoint { id }", |r| Box::pin(rotate_webhook_secret(r))),
    ("redeliverWebhookDelivery", "webhookDelivery { id status }", |r| Box::pin(redeliver_webhook(r))),
];

// Run alone (`.ci/run`): bursts of requests keep both cores busy.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "run alone with --ignored (see .ci/run)"]
async fn every_mutation_at_once() {
    let started = Instant::now();
    let tally = RefCell::new(Tally::default());
    let names: Vec<&str> = MUTATIONS.iter().map(|(m, _)| m.as_str()).collect();
    tally.borrow_mut().failures.extend(uncovered());
    let only = std::env::var("MFO_CONCURRENCY_ONLY").ok();
    for &(mutation, _, run) in CASES {
        if only.as_deref().is_some_and(|o| !o.split(',').any(|x| x == mutation)) {
            continue;
        }
        let app = TestApp::spawn().await;
        let r = Run { app: &app, mutation, key: Cell::new(0), tally: &tally };
        run(&r).await;
        // Every app keeps its pool open while the test runs: 38 of them would exhaust
        // PostgreSQL's connections.
        app.ctx.db.close_by_ref().await.ok();
    }
    let t = tally.into_inner();
    for f in &t.failures {
        println!("FAILED {f}");
    }
    eprintln!("concurrency suite took {:.1?}", started.elapsed());
    println!(
        "concurrency suite: {} mutations, {} cases, {} INTERNAL, {} invariant violations",
        names.len(),
        t.cases,
        t.internal,
        t.violations
    );
    assert!(
        t.failures.is_empty() && t.internal == 0 && t.violations == 0,
        "{} failures:\n{}",
        t.failures.len(),
        t.failures.join("\n")
    );
}

// ---- setups: the state each mutation needs, made through the endpoint ----

fn org_id(org: &entity::organization::Model) -> String {
    mfo_api::graphql::ids::encode(mfo_api::graphql::ids::Kind::Organization, org.id).0
}

fn csid(key: u32, n: usize) -> String {
    format!("c0c0c0c0-0000-4000-8000-{:06}{n:06}", key)
}

/// A KZ loan overdue since 2 February, on 17 March 2026.
async fn overdue(r: &Run<'_>, key: u32) -> Setup {
    on(r.app, "2026-03-17");
    overdue_loan(r.app, &format!("K{key}"), "2026-02-02", json!({}), json!({})).await
}

/// An overdue loan handed to the agency by the MFO's manager.
async fn handed_over(r: &Run<'_>, key: u32) -> Setup {
    let s = overdue(r, key).await;
    r.step(&r.app.manager(), "assignLoanToAgency", json!({ "loanId": s.loan, "agencyId": org_id(&r.app.orgs.agency) }))
        .await;
    s
}

fn agency(r: &Run<'_>) -> String {
    r.app.mint(Role::CollectionAgency, r.app.orgs.agency.id, None, "agency-system")
}

/// A contact the agency recorded on a loan handed to it; its id.
async fn recorded_contact(r: &Run<'_>, key: u32, organization: &str) -> (Setup, Value) {
    let s = handed_over(r, key).await;
    let mut input = contact(&s.loan, key, "CALL", "2026-03-17T05:00:00Z");
    input["disclosure"]["organizationName"] = json!(organization);
    let c = r.step(&agency(r), "recordContact", input).await;
    (s, c["contact"]["id"].clone())
}

/// KG staff and manager tokens.
fn kg(r: &Run<'_>) -> (String, String) {
    (r.app.staff_of(&r.app.orgs.kg_mfo), r.app.mint(Role::MfoManager, r.app.orgs.kg_mfo.id, None, "manager-kg"))
}

/// A complaint registered by KG staff on Monday 23 November 2026, 10:00 in Bishkek.
async fn complaint(r: &Run<'_>, tweak: Value) -> Value {
    r.app.clock.set(at("2026-11-23T04:00:00Z"));
    let mut input = written("RU");
    for (k, v) in tweak.as_object().cloned().unwrap_or_default() {
        input[k] = v;
    }
    r.step(&kg(r).0, "registerComplaint", input).await["complaint"]["id"].clone()
}

fn managers(name: &str) -> Value {
    json!([{ "name": name, "position": "Head of client service" }])
}

async fn forwarded(r: &Run<'_>) -> Value {
    let id = complaint(r, json!({})).await;
    r.step(&kg(r).0, "forwardComplaint", json!({ "complaintId": id, "managers": managers("Ermek T.") })).await;
    id
}

async fn reviewed(r: &Run<'_>) -> Value {
    let id = forwarded(r).await;
    r.step(&kg(r).0, "startComplaintReview", json!({ "complaintId": id })).await;
    r.app.clock.set(at("2026-11-23T04:30:00Z"));
    id
}

/// A restructuring application the borrower submitted on 10 October 2026 for a loan
/// overdue since 2 October; the borrower's token.
async fn application(r: &Run<'_>, key: u32) -> (Value, String) {
    on(r.app, "2026-10-10");
    let s = overdue_loan(r.app, &format!("K{key}"), "2026-10-02", json!({}), json!({})).await;
    let token = r.app.borrower_token(&r.app.orgs.kz_mfo, s.borrower);
    let a = r.step(&token, "submitRestructuringApplication", submission(&s.loan, &csid(key, 999))).await;
    (a["application"]["id"].clone(), token)
}

async fn decided(r: &Run<'_>, key: u32, kind: &str) -> (Value, String) {
    let (id, token) = application(r, key).await;
    let mut input = decide_input(&id, kind);
    if kind == "COUNTER_PROPOSAL" {
        input["replyBy"] = json!("2026-10-25");
    }
    r.step(&r.app.manager(), "decideRestructuringApplication", input).await;
    (id, token)
}

/// A borrower called up on 2026-03-20 for a year, registered by the MFO on 2026-03-17.
async fn conscripted(r: &Run<'_>, key: u32) -> (Value, String) {
    on(r.app, "2026-03-17");
    let s = overdue_loan(r.app, &format!("K{key}"), "2026-04-02", json!({}), json!({})).await;
    let input = json!({ "loanId": s.loan, "serviceStart": "2026-03-20", "serviceEnd": "2027-03-20" });
    let d = r.step(&r.app.staff(), "registerConscription", input).await;
    (d["deferral"]["id"].clone(), r.app.borrower_token(&r.app.orgs.kz_mfo, s.borrower))
}

async fn granted(r: &Run<'_>, key: u32) -> (Value, String) {
    let (id, borrower) = conscripted(r, key).await;
    r.step(&r.app.staff(), "grantMilitaryDeferral", json!({ "deferralId": id })).await;
    (id, borrower)
}

// ---- the cases ----

async fn upsert_borrower(r: &Run<'_>) {
    let setup = async |key: u32| (format!("B{key}"), r.app.staff(), r.app.manager());
    r.case("identical", Expect::Same("borrower"), &setup, |(ext, staff, _), _| req(staff, borrower_input(ext))).await;
    // Two sync workers with different snapshots of one borrower: updates of one record.
    r.case("conflicting", Expect::All, &setup, |(ext, staff, manager), k| {
        let mut input = borrower_input(ext);
        input["fullName"] = json!(if k % 2 == 0 { "Aigerim Sadykova" } else { "Aigerim Sadykova-Nurlanovna" });
        req(if k % 2 == 0 { staff } else { manager }, input)
    })
    .await;
}

async fn upsert_loan(r: &Run<'_>) {
    let setup = async |key: u32| {
        let staff = r.app.staff();
        r.app.gql(&staff, UPSERT_BORROWER, json!({ "input": borrower_input(&format!("B{key}")) })).await;
        (key, staff)
    };
    let loan = |key: u32| loan_input(&format!("L{key}"), &format!("B{key}"), "2026-09-01");
    r.case("identical", Expect::Same("loan"), &setup, |(key, staff), _| req(staff, loan(*key))).await;
    r.case("conflicting", Expect::All, &setup, |(key, staff), k| {
        let mut input = loan(*key);
        input["contractNumber"] = json!(if k % 2 == 0 { "C-1" } else { "C-1/A" });
        req(staff, input)
    })
    .await;
}

async fn record_payment(r: &Run<'_>) {
    let setup = async |key: u32| (overdue(r, key).await, r.app.staff());
    let pay = |s: &Setup, amount: &str| json!({ "loanId": s.loan, "externalId": "P-1", "paidAt": "2026-03-16T06:00:00Z", "amount": amount });
    r.case("identical", Expect::Same("payment"), &setup, |(s, staff), _| req(staff, pay(s, "108750"))).await;
    // One payment id with two amounts: the first is kept, the other is not an update.
    r.case("conflicting", Expect::FirstWins("payment", "externalId"), &setup, |(s, staff), k| {
        req(staff, pay(s, if k % 2 == 0 { "108750" } else { "50000" }))
    })
    .await;
}

// A batch answers with its items; `Same` compares them whole (each item's record and
// refusals), so every copy of an identical batch must name the same records.
async fn upsert_borrowers(r: &Run<'_>) {
    let setup = async |key: u32| (key, r.app.staff(), r.app.manager());
    let batch = |key: u32, from: u32| json!({ "items": (from..from + 3).map(|i| borrower_input(&format!("B{key}-{i}"))).collect::<Vec<_>>() });
    r.case("identical", Expect::Same("items"), &setup, |(key, staff, _), _| req(staff, batch(*key, 0))).await;
    // Two workers whose batches share a borrower: each ends stored once.
    r.case("overlapping", Expect::All, &setup, |(key, staff, manager), k| {
        if k % 2 == 0 { req(staff, batch(*key, 0)) } else { req(manager, batch(*key, 2)) }
    })
    .await;
}

async fn upsert_loans(r: &Run<'_>) {
    let setup = async |key: u32| {
        let staff = r.app.staff();
        r.app.gql(&staff, UPSERT_BORROWER, json!({ "input": borrower_input(&format!("B{key}")) })).await;
        (key, staff)
    };
    let batch = |key: u32, from: u32| {
        let items: Vec<Value> =
            (from..from + 3).map(|i| loan_input(&format!("L{key}-{i}"), &format!("B{key}"), "2026-09-01")).collect();
        json!({ "items": items })
    };
    r.case("identical", Expect::Same("items"), &setup, |(key, staff), _| req(staff, batch(*key, 0))).await;
    r.case("overlapping", Expect::All, &setup, |(key, staff), k| {
        req(staff, batch(*key, if k % 2 == 0 { 0 } else { 2 }))
    })
    .await;
}

async fn record_payments(r: &Run<'_>) {
    let setup = async |key: u32| (overdue(r, key).await, r.app.staff());
    let batch = |s: &Setup, from: u32| {
        let items: Vec<Value> = (from..from + 3)
            .map(|i| json!({ "loanId": s.loan, "externalId": format!("P-{i}"), "paidAt": "2026-03-16T06:00:00Z", "amount": "10000" }))
            .collect();
        json!({ "items": items })
    };
    r.case("identical", Expect::Same("items"), &setup, |(s, staff), _| req(staff, batch(s, 0))).await;
    r.case("overlapping", Expect::All, &setup, |(s, staff), k| req(staff, batch(s, if k % 2 == 0 { 0 } else { 2 })))
        .await;
}

async fn record_loan_legal_fact(r: &Run<'_>) {
    let setup = async |key: u32| (overdue(r, key).await, r.app.staff());
    let fact = |s: &Setup, on: &str| json!({ "loanId": s.loan, "kind": "COURT_ACT", "occurredOn": on });
    r.case("identical", Expect::Same("loan"), &setup, |(s, staff), _| req(staff, fact(s, "2026-03-01"))).await;
    r.case("conflicting", Expect::All, &setup, |(s, staff), k| {
        req(staff, fact(s, if k % 2 == 0 { "2026-03-01" } else { "2026-03-02" }))
    })
    .await;
}

fn app_complaint(key: u32, n: usize) -> Value {
    json!({ "clientSubmissionId": csid(key, n), "kind": "COMPLAINT", "language": "RU", "substance": format!("The fee was charged twice ({n}).") })
}

async fn register_complaint(r: &Run<'_>) {
    let setup = async |key: u32| (key, r.app.borrower_token(&r.app.orgs.kz_mfo, overdue(r, key).await.borrower));
    r.case("identical", Expect::Same("complaint"), &setup, |(key, t), _| req(t, app_complaint(*key, 1))).await;
    // Eight complaints at once: eight journal numbers, none twice, no gap.
    r.case("conflicting", Expect::InOrder("complaint"), &setup, |(key, t), k| req(t, app_complaint(*key, k))).await;
}

async fn acknowledge_complaint(r: &Run<'_>) {
    let setup = async |_: u32| (complaint(r, json!({ "channel": "EMAIL" })).await, kg(r).0);
    r.case("identical", Expect::Once("complaintId"), &setup, |(id, t), _| {
        req(t, json!({ "complaintId": id, "channel": "EMAIL" }))
    })
    .await;
    r.case("conflicting", Expect::Once("complaintId"), &setup, |(id, t), k| {
        req(t, json!({ "complaintId": id, "channel": if k % 2 == 0 { "EMAIL" } else { "PHONE" } }))
    })
    .await;
}

async fn forward_complaint(r: &Run<'_>) {
    let setup = async |_: u32| (complaint(r, json!({})).await, kg(r).0);
    r.case("identical", Expect::Once("complaintId"), &setup, |(id, t), _| {
        req(t, json!({ "complaintId": id, "managers": managers("Ermek T.") }))
    })
    .await;
    r.case("conflicting", Expect::Once("complaintId"), &setup, |(id, t), k| {
        req(t, json!({ "complaintId": id, "managers": managers(if k % 2 == 0 { "Ermek T." } else { "Aida K." }) }))
    })
    .await;
}

async fn start_complaint_review(r: &Run<'_>) {
    let setup = async |_: u32| (forwarded(r).await, kg(r).0);
    r.case("identical", Expect::Once("complaintId"), &setup, |(id, t), _| req(t, json!({ "complaintId": id }))).await;
}

async fn extend_complaint_deadline(r: &Run<'_>) {
    let setup = async |_: u32| (complaint(r, json!({})).await, kg(r).1);
    let extend = |id: &Value, reason: &str| json!({ "complaintId": id, "reason": reason, "consumerNotice": { "channel": "EMAIL", "sentAt": "2026-11-23T03:30:00Z" } });
    r.case("identical", Expect::Once("complaintId"), &setup, |(id, t), _| {
        req(t, extend(id, "The branch's cash records must be checked."))
    })
    .await;
    r.case("conflicting", Expect::Once("complaintId"), &setup, |(id, t), k| {
        req(t, extend(id, if k % 2 == 0 { "The cash records must be checked." } else { "The agency must be heard." }))
    })
    .await;
}

async fn answer_complaint(r: &Run<'_>) {
    let setup = async |_: u32| (reviewed(r).await, kg(r).1);
    let sent = "2026-11-23T04:10:00Z";
    r.case("identical", Expect::Once("complaintId"), &setup, |(id, t), _| req(t, answer_input(id, "RU", sent))).await;
    r.case("conflicting", Expect::Once("complaintId"), &setup, |(id, t), k| {
        let mut input = answer_input(id, "RU", sent);
        if k % 2 == 1 {
            input["ground"] = json!("SATISFIED");
        }
        req(t, input)
    })
    .await;
}

async fn answer_complaint_orally(r: &Run<'_>) {
    let setup = async |_: u32| (complaint(r, json!({ "channel": "CALL_CENTRE" })).await, kg(r).0);
    r.case("identical", Expect::Once("complaintId"), &setup, |(id, t), _| {
        req(t, json!({ "complaintId": id, "answer": "The payment arrived on the 3rd; no penalty applies." }))
    })
    .await;
    r.case("conflicting", Expect::Once("complaintId"), &setup, |(id, t), k| {
        let answer = if k % 2 == 0 { "No penalty applies." } else { "The penalty is cancelled." };
        req(t, json!({ "complaintId": id, "answer": answer }))
    })
    .await;
}

async fn invite_complainant_to_write(r: &Run<'_>) {
    let setup = async |_: u32| (complaint(r, json!({ "channel": "CALL_CENTRE" })).await, kg(r).0);
    r.case("identical", Expect::Once("complaintId"), &setup, |(id, t), _| {
        req(t, json!({ "complaintId": id, "note": "Needs the branch's records." }))
    })
    .await;
}

async fn leave_without_consideration(r: &Run<'_>) {
    let setup = async |_: u32| (complaint(r, json!({})).await, kg(r).1);
    r.case("identical", Expect::Once("complaintId"), &setup, |(id, t), _| {
        req(t, json!({ "complaintId": id, "reason": "ABUSIVE", "note": "Threats against the branch director." }))
    })
    .await;
    r.case("conflicting", Expect::Once("complaintId"), &setup, |(id, t), k| {
        let note = if k % 2 == 0 { "Threats against the director." } else { "Obscene language." };
        req(t, json!({ "complaintId": id, "reason": "ABUSIVE", "note": note }))
    })
    .await;
}

async fn close_suggestion(r: &Run<'_>) {
    let setup = async |_: u32| (complaint(r, json!({ "kind": "SUGGESTION" })).await, kg(r).0);
    r.case("identical", Expect::Once("complaintId"), &setup, |(id, t), _| {
        req(t, json!({ "complaintId": id, "note": "Thanks, noted." }))
    })
    .await;
    r.case("conflicting", Expect::Once("complaintId"), &setup, |(id, t), k| {
        req(t, json!({ "complaintId": id, "note": if k % 2 == 0 { "Thanks, noted." } else { "Passed on." } }))
    })
    .await;
}

/// A KG borrower's loan on 23 November 2026; the borrower's token and the loan.
async fn kg_loan(r: &Run<'_>, key: u32) -> (String, String) {
    r.app.clock.set(at("2026-11-23T04:00:00Z"));
    let (borrower, _, loan) = borrower_with_loan(r.app, &r.app.orgs.kg_mfo, &format!("K{key}"), "2026-09-01").await;
    (r.app.borrower_token(&r.app.orgs.kg_mfo, borrower), loan)
}

async fn request_loan_information(r: &Run<'_>) {
    let setup = async |key: u32| (key, kg_loan(r, key).await);
    let ask = |key: u32, n: usize, loan: &str| json!({ "clientSubmissionId": csid(key, n), "loanId": loan });
    r.case("identical", Expect::Same("infoRequest"), &setup, |(key, (t, loan)), _| req(t, ask(*key, 1, loan))).await;
    r.case("conflicting", Expect::InOrder("infoRequest"), &setup, |(key, (t, loan)), k| req(t, ask(*key, k, loan)))
        .await;
}

async fn answer_information_request(r: &Run<'_>) {
    let setup = async |key: u32| {
        let (t, loan) = kg_loan(r, key).await;
        let q =
            r.step(&t, "requestLoanInformation", json!({ "clientSubmissionId": csid(key, 1), "loanId": loan })).await;
        (q["infoRequest"]["id"].clone(), kg(r).0)
    };
    r.case("identical", Expect::Once("infoRequestId"), &setup, |(id, t), _| {
        req(t, json!({ "infoRequestId": id, "channel": "in writing at the branch" }))
    })
    .await;
    r.case("conflicting", Expect::Once("infoRequestId"), &setup, |(id, t), k| {
        req(t, json!({ "infoRequestId": id, "channel": if k % 2 == 0 { "at the branch" } else { "by e-mail" } }))
    })
    .await;
}

async fn set_reception_hours(r: &Run<'_>) {
    let setup = async |key: u32| (format!("Manager {key}"), kg(r).1);
    let slot = |day: &str| json!({ "weekday": day, "startsAt": "15:00", "endsAt": "16:00" });
    r.case("identical", Expect::Same("receptionHours"), &setup, |(name, t), _| {
        req(t, json!({ "managerName": name, "position": "Chairman", "slots": [slot("TUESDAY"), slot("THURSDAY")] }))
    })
    .await;
    r.case("conflicting", Expect::All, &setup, |(name, t), k| {
        let slots = if k % 2 == 0 { json!([slot("TUESDAY")]) } else { json!([slot("TUESDAY"), slot("FRIDAY")]) };
        req(t, json!({ "managerName": name, "position": "Chairman", "slots": slots }))
    })
    .await;
}

async fn record_delinquency_notice(r: &Run<'_>) {
    // Overdue since 10 March: one installment of 108 750 missed on 17 March.
    let setup = async |key: u32| {
        on(r.app, "2026-03-17");
        let s = overdue_loan(r.app, &format!("K{key}"), "2026-03-10", json!({}), json!({})).await;
        // The deadline scanner opens the notice duty (R1), as it does in production.
        r.app.scanner("concurrency").tick().await.expect("tick");
        (s, r.app.staff())
    };
    let notice = |s: &Setup, channel: &str| {
        json!({ "loanId": s.loan, "sentAt": "2026-03-17T04:00:00Z", "channel": channel, "overdueAmount": "108750",
            "amountAsOf": "2026-03-17", "statesRightToApply": true, "statesConsequences": true })
    };
    // Each notice sent is a fact of its own: a repeat is recorded again, as one at a time.
    r.case("identical", Expect::InOrder("notice"), &setup, |(s, t), _| req(t, notice(s, "SMS"))).await;
    r.case("conflicting", Expect::InOrder("notice"), &setup, |(s, t), k| {
        req(t, notice(s, if k % 2 == 0 { "SMS" } else { "LETTER" }))
    })
    .await;
}

async fn submit_application(r: &Run<'_>) {
    let setup = async |key: u32| {
        on(r.app, "2026-10-10");
        let s = overdue_loan(r.app, &format!("K{key}"), "2026-10-02", json!({}), json!({})).await;
        (key, s.loan, r.app.borrower_token(&r.app.orgs.kz_mfo, s.borrower))
    };
    r.case("identical", Expect::Same("application"), &setup, |(key, loan, t), _| {
        req(t, submission(loan, &csid(*key, 1)))
    })
    .await;
    r.case("conflicting", Expect::InOrder("application"), &setup, |(key, loan, t), k| {
        req(t, submission(loan, &csid(*key, k)))
    })
    .await;
}

async fn request_documents(r: &Run<'_>) {
    let setup = async |key: u32| (application(r, key).await.0, r.app.staff());
    let ask = |id: &Value, kind: &str| json!({ "applicationId": id, "items": [{ "kind": kind, "description": "For the last 6 months" }] });
    r.case("identical", Expect::Once("applicationId"), &setup, |(id, t), _| req(t, ask(id, "INCOME_CERTIFICATE")))
        .await;
    r.case("conflicting", Expect::Once("applicationId"), &setup, |(id, t), k| {
        req(t, ask(id, if k % 2 == 0 { "INCOME_CERTIFICATE" } else { "BANK_STATEMENT" }))
    })
    .await;
}

async fn provide_documents(r: &Run<'_>) {
    let setup = async |key: u32| {
        let (id, token) = application(r, key).await;
        let ask = json!({ "applicationId": id, "items": [{ "kind": "INCOME_CERTIFICATE", "description": "For the last 6 months" }] });
        r.step(&r.app.staff(), "requestApplicationDocuments", ask).await;
        (id, token)
    };
    let docs = |id: &Value, name: &str| json!({ "applicationId": id, "documents": [{ "kind": "INCOME_CERTIFICATE", "name": name, "checksum": "sha256:ff" }] });
    r.case("identical", Expect::Once("applicationId"), &setup, |(id, t), _| req(t, docs(id, "income.pdf"))).await;
    r.case("conflicting", Expect::Once("applicationId"), &setup, |(id, t), k| {
        req(t, docs(id, if k % 2 == 0 { "income.pdf" } else { "income-2.pdf" }))
    })
    .await;
}

async fn decide(r: &Run<'_>) {
    let setup = async |key: u32| (application(r, key).await.0, r.app.manager());
    r.case("identical", Expect::Once("applicationId"), &setup, |(id, t), _| req(t, decide_input(id, "APPROVE"))).await;
    r.case("conflicting", Expect::Once("applicationId"), &setup, |(id, t), k| {
        req(t, decide_input(id, if k % 2 == 0 { "APPROVE" } else { "REFUSE" }))
    })
    .await;
}

async fn respond_to_counter_proposal(r: &Run<'_>) {
    let setup = async |key: u32| decided(r, key, "COUNTER_PROPOSAL").await;
    r.case("identical", Expect::Once("applicationId"), &setup, |(id, t), _| {
        req(t, json!({ "applicationId": id, "response": "ACCEPT" }))
    })
    .await;
    r.case("conflicting", Expect::Once("applicationId"), &setup, |(id, t), k| {
        req(t, json!({ "applicationId": id, "response": if k % 2 == 0 { "ACCEPT" } else { "REJECT" } }))
    })
    .await;
}

async fn mark_implemented(r: &Run<'_>) {
    let setup = async |key: u32| (decided(r, key, "APPROVE").await.0, r.app.staff());
    r.case("identical", Expect::Once("applicationId"), &setup, |(id, t), _| req(t, json!({ "applicationId": id })))
        .await;
}

async fn withdraw(r: &Run<'_>) {
    let setup = async |key: u32| application(r, key).await;
    r.case("identical", Expect::Once("applicationId"), &setup, |(id, t), _| req(t, json!({ "applicationId": id })))
        .await;
}

async fn file_appeal(r: &Run<'_>) {
    let setup = async |key: u32| (key, decided(r, key, "REFUSE").await);
    let appeal = |key: u32, n: usize, id: &Value| {
        let mut input = appeal_input(id);
        input["clientSubmissionId"] = json!(csid(key, n));
        input
    };
    r.case("identical", Expect::Same("appeal"), &setup, |(key, (id, t)), _| req(t, appeal(*key, 1, id))).await;
    // Several appeals of one refusal at once, each with its own id: answered as one after another.
    r.case("conflicting", Expect::InOrder("appeal"), &setup, |(key, (id, t)), k| req(t, appeal(*key, k, id))).await;
}

async fn resolve_appeal(r: &Run<'_>) {
    let setup = async |key: u32| {
        let (id, token) = decided(r, key, "REFUSE").await;
        let a = r.step(&token, "fileRegulatorAppeal", appeal_input(&id)).await;
        (a["appeal"]["id"].clone(), r.app.regulator(Jurisdiction::Kz))
    };
    r.case("identical", Expect::Once("appealId"), &setup, |(id, t), _| {
        req(t, json!({ "appealId": id, "outcome": "UPHELD", "note": "The MFO must review the income." }))
    })
    .await;
    r.case("conflicting", Expect::Once("appealId"), &setup, |(id, t), k| {
        let outcome = if k % 2 == 0 { "UPHELD" } else { "REJECTED" };
        req(t, json!({ "appealId": id, "outcome": outcome, "note": format!("desk {}", k % 2) }))
    })
    .await;
}

async fn assign_loan(r: &Run<'_>) {
    let setup = async |key: u32| (overdue(r, key).await, r.app.manager());
    let (one, two) = (org_id(&r.app.orgs.agency), org_id(&r.app.orgs.agency_2));
    r.case("identical", Expect::Once("loanId"), &setup, |(s, t), _| {
        req(t, json!({ "loanId": s.loan, "agencyId": one }))
    })
    .await;
    r.case("conflicting", Expect::Once("loanId"), &setup, |(s, t), k| {
        req(t, json!({ "loanId": s.loan, "agencyId": if k % 2 == 0 { &one } else { &two } }))
    })
    .await;
}

async fn recall_loan(r: &Run<'_>) {
    let setup = async |key: u32| (handed_over(r, key).await, r.app.manager());
    r.case("identical", Expect::Once("loanId"), &setup, |(s, t), _| req(t, json!({ "loanId": s.loan }))).await;
}

async fn record_contact(r: &Run<'_>) {
    let setup = async |key: u32| (key, handed_over(r, key).await, agency(r));
    // One agency sends them all: its submission ids differ per loan.
    let call = |key: u32, s: &Setup, n: usize| {
        let mut input = contact(&s.loan, 1000 + key * 10 + n as u32, "CALL", "2026-03-17T05:00:00Z");
        input["note"] = json!(format!("call {n}"));
        input
    };
    r.case("identical", Expect::Same("contact"), &setup, |(key, s, t), _| req(t, call(*key, s, 1))).await;
    // Eight calls at once: each is stored, the fourth and later flagged (X3) as in a row.
    r.case("conflicting", Expect::InOrder("contact"), &setup, |(key, s, t), k| req(t, call(*key, s, k))).await;
}

async fn flag_contact(r: &Run<'_>) {
    let setup = async |key: u32| (recorded_contact(r, key, "Agency").await.1, r.app.staff(), r.app.manager());
    r.case("identical", Expect::Once("contactId"), &setup, |(id, staff, _), _| {
        req(staff, json!({ "contactId": id, "fields": ["PERSON_POSITION"], "note": "no such collector" }))
    })
    .await;
    r.case("conflicting", Expect::Once("contactId"), &setup, |(id, staff, manager), k| {
        let (t, field) = if k % 2 == 0 { (staff, "PERSON_POSITION") } else { (manager, "PERSON_NAME") };
        req(t, json!({ "contactId": id, "fields": [field], "note": "not who they said" }))
    })
    .await;
}

async fn update_contact_details(r: &Run<'_>) {
    let setup = async |key: u32| r.app.borrower_token(&r.app.orgs.kz_mfo, overdue(r, key).await.borrower);
    let details = |phone: &str| json!({ "phone": phone, "changedOn": "2026-03-10" });
    r.case("identical", Expect::Same("borrower"), &setup, |t, _| req(t, details("+7 777 123 45 67"))).await;
    r.case("conflicting", Expect::All, &setup, |t, k| {
        req(t, details(if k % 2 == 0 { "+7 777 123 45 67" } else { "+7 777 765 43 21" }))
    })
    .await;
}

async fn register_conscription(r: &Run<'_>) {
    let setup = async |key: u32| {
        on(r.app, "2026-03-17");
        (overdue_loan(r.app, &format!("K{key}"), "2026-04-02", json!({}), json!({})).await, r.app.staff())
    };
    let service = |s: &Setup, end: &str| json!({ "loanId": s.loan, "serviceStart": "2026-03-20", "serviceEnd": end });
    r.case("identical", Expect::Once("loanId"), &setup, |(s, t), _| req(t, service(s, "2027-03-20"))).await;
    r.case("conflicting", Expect::Once("loanId"), &setup, |(s, t), k| {
        req(t, service(s, if k % 2 == 0 { "2027-03-20" } else { "2027-04-20" }))
    })
    .await;
}

async fn grant_deferral(r: &Run<'_>) {
    let setup = async |key: u32| (conscripted(r, key).await.0, r.app.staff(), r.app.manager());
    r.case("identical", Expect::Once("deferralId"), &setup, |(id, staff, _), _| {
        req(staff, json!({ "deferralId": id }))
    })
    .await;
    // Two desks of the MFO.
    r.case("conflicting", Expect::Once("deferralId"), &setup, |(id, staff, manager), k| {
        req(if k % 2 == 0 { staff } else { manager }, json!({ "deferralId": id }))
    })
    .await;
}

async fn refuse_deferral(r: &Run<'_>) {
    let setup = async |key: u32| granted(r, key).await;
    r.case("identical", Expect::Once("deferralId"), &setup, |(id, t), _| req(t, json!({ "deferralId": id }))).await;
}

async fn confirm_refusal(r: &Run<'_>) {
    let setup = async |key: u32| {
        let (id, borrower) = granted(r, key).await;
        r.step(&borrower, "refuseMilitaryDeferral", json!({ "deferralId": id })).await;
        (id, r.app.staff())
    };
    r.case("identical", Expect::Once("deferralId"), &setup, |(id, t), _| req(t, json!({ "deferralId": id }))).await;
}

async fn register_discharge(r: &Run<'_>) {
    let setup = async |key: u32| {
        let (id, _) = granted(r, key).await;
        on(r.app, "2026-09-01");
        (id, r.app.staff())
    };
    let discharge = |id: &Value, on: &str| json!({ "deferralId": id, "dischargedOn": on });
    r.case("identical", Expect::Once("deferralId"), &setup, |(id, t), _| req(t, discharge(id, "2026-08-15"))).await;
    r.case("conflicting", Expect::Once("deferralId"), &setup, |(id, t), k| {
        req(t, discharge(id, if k % 2 == 0 { "2026-08-15" } else { "2026-08-20" }))
    })
    .await;
}

/// Staff of an MFO of its own (an organisation has at most 20 endpoints, and every
/// setup registers some).
async fn fresh_mfo_staff(r: &Run<'_>, key: u32) -> String {
    let org = mfo_api::services::orgs::create(
        &r.app.ctx,
        mfo_api::services::orgs::NewOrg {
            kind: entity::enums::OrgKind::Mfo,
            name: format!("Hooked MFO {key}"),
            jurisdiction: Jurisdiction::Kz,
            address: None,
            founded_on: None,
        },
    )
    .await
    .expect("an MFO");
    r.app.staff_of(&org)
}

/// An endpoint of a fresh MFO, and its staff's token.
async fn hooked(r: &Run<'_>, key: u32) -> (Value, String) {
    let staff = fresh_mfo_staff(r, key).await;
    let url = format!("https://hooks.example.com/{key}");
    let e = r.step(&staff, "createWebhookEndpoint", json!({ "url": url })).await;
    (e["webhookEndpoint"]["id"].clone(), staff)
}

async fn create_webhook_endpoint(r: &Run<'_>) {
    let setup = async |key: u32| fresh_mfo_staff(r, key).await;
    // Not idempotent (no outside key): each creates its own, up to the organisation's 20.
    r.case("identical", Expect::InOrder("webhookEndpoint"), &setup, |staff, _| {
        req(staff, json!({ "url": "https://hooks.example.com/a" }))
    })
    .await;
}

async fn update_webhook_endpoint(r: &Run<'_>) {
    let setup = async |key: u32| hooked(r, key).await;
    r.case("identical", Expect::Same("webhookEndpoint"), &setup, |(id, t), _| {
        req(t, json!({ "endpointId": id, "url": "https://hooks.example.com/b" }))
    })
    .await;
    r.case("conflicting", Expect::All, &setup, |(id, t), k| {
        let url = if k % 2 == 0 { "https://hooks.example.com/b" } else { "https://hooks.example.com/c" };
        req(t, json!({ "endpointId": id, "url": url }))
    })
    .await;
}

async fn disable_webhook_endpoint(r: &Run<'_>) {
    let setup = async |key: u32| hooked(r, key).await;
    r.case("identical", Expect::Same("webhookEndpoint"), &setup, |(id, t), _| req(t, json!({ "endpointId": id })))
        .await;
}

async fn rotate_webhook_secret(r: &Run<'_>) {
    let setup = async |key: u32| hooked(r, key).await;
    // Each rotation is one: the last secret stands, the one before it in its window.
    r.case("identical", Expect::All, &setup, |(id, t), _| req(t, json!({ "endpointId": id }))).await;
}

async fn redeliver_webhook(r: &Run<'_>) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let setup = async |key: u32| {
        let (endpoint, staff) = hooked(r, key).await;
        let endpoint = mfo_api::graphql::ids::parse(endpoint.as_str().expect("id")).expect("global id").1;
        r.step(&staff, "upsertBorrower", borrower_input(&format!("hooked-{key}"))).await;
        mfo_api::services::webhooks::fan_out(&r.app.ctx).await.expect("queued");
        // As if sent: a delivered one is what a receiver asks to have again.
        let d = entity::webhook_delivery::Entity::find()
            .filter(entity::webhook_delivery::Column::EndpointId.eq(endpoint))
            .one(&r.app.ctx.db)
            .await
            .expect("deliveries")
            .expect("the borrower's delivery");
        entity::webhook_delivery::Entity::update_many()
            .col_expr(entity::webhook_delivery::Column::Status, sea_orm::sea_query::Expr::value("DELIVERED"))
            .filter(entity::webhook_delivery::Column::Id.eq(d.id))
            .exec(&r.app.ctx.db)
            .await
            .expect("delivered");
        (json!(mfo_api::graphql::ids::encode(mfo_api::graphql::ids::Kind::WebhookDelivery, d.id).0), staff)
    };
    r.case("identical", Expect::Same("webhookDelivery"), &setup, |(id, t), _| req(t, json!({ "deliveryId": id })))
        .await;
}

async fn acknowledge_escalation(r: &Run<'_>) {
    // The agency called posing as the MFO: an X6 escalation on the contact.
    let setup = async |key: u32| {
        let (_, contact_id) = recorded_contact(r, key, "KZ MFO").await;
        let reg = r.app.regulator(Jurisdiction::Kz);
        let list = r
            .app
            .gql(
                &reg,
                "query($id: ID!) { escalations(filter: { subjectId: $id }) { edges { node { id } } } }",
                json!({ "id": contact_id }),
            )
            .await;
        (list["escalations"]["edges"][0]["node"]["id"].clone(), reg)
    };
    r.case("identical", Expect::Once("escalationId"), &setup, |(id, t), _| {
        req(t, json!({ "escalationId": id, "note": "inspection of the agency opened" }))
    })
    .await;
    r.case("conflicting", Expect::Once("escalationId"), &setup, |(id, t), k| {
        req(t, json!({ "escalationId": id, "note": format!("desk {}", k % 2) }))
    })
    .await;
}

/// The schema's mutations without a case, and cases of mutations it does not have.
fn uncovered() -> Vec<String> {
    let mut out = Vec::new();
    for (m, _) in MUTATIONS.iter() {
        if !CASES.iter().any(|c| c.0 == m) {
            out.push(format!("{m}: no case (add one to CASES)"));
        }
    }
    for (m, _, _) in CASES {
        if !MUTATIONS.iter().any(|(n, _)| n == m) {
            out.push(format!("{m}: a case for a mutation the schema does not have"));
        }
    }
    out
}

/// Checked with every `cargo test` too, not only when the suite runs.
#[test]
fn every_mutation_has_a_case() {
    assert_eq!(uncovered(), Vec::<String>::new());
}

#[test]
fn the_mutations_are_read_from_the_schema() {
    assert!(MUTATIONS.len() >= 38, "{:?}", *MUTATIONS);
    assert!(MUTATIONS.iter().all(|(m, t)| !m.is_empty() && t.ends_with("Input")), "{:?}", *MUTATIONS);
    assert_eq!(MUTATIONS[0], ("upsertBorrower".to_owned(), "UpsertBorrowerInput".to_owned()));
}
