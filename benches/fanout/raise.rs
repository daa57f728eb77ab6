//! Raising escalations through the real API: the set-up of one borrower and loan per MFO, and
//! `recordContact` letters that are flagged X2 (measured) or X6 (warm-up), one escalation each.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::api::Api;
use crate::scope::Mfo;

/// Named, so its own statements can be told apart on `/metrics`
/// (`graphql_operation_sql_statements{operation="FanoutRaise"}`).
pub(crate) const RAISE: &str = "mutation FanoutRaise($input: RecordContactInput!) {
  recordContact(input: $input) { contact { id violations } userErrors { code message } } }";

/// The rule of the escalations that are measured (an empty disclosure) and of the warm-up
/// ones (a complete disclosure naming another organisation), so a socket tells them apart
/// as they arrive.
pub(crate) const MEASURED_RULE: &str = "X2";
pub(crate) const WARMUP_RULE: &str = "X6";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Phase {
    Spaced,
    Burst,
}

/// One escalation the bench raised and measures.
#[derive(Debug, Clone)]
pub(crate) struct Raised {
    pub(crate) mfo: Mfo,
    pub(crate) phase: Phase,
    /// The mutation's round trip as the client saw it.
    pub(crate) round_trip: Duration,
    /// When its answer arrived: the commit happened before, so received − this is a lower
    /// bound of committed → received (and received − `raisedAt` an upper one).
    pub(crate) responded: DateTime<Utc>,
}

/// One borrower and one loan of the MFO whose staff `token` is (upserts: a rerun on the same
/// database reuses them); returns the loan's global id.
pub(crate) async fn loan_of(api: &Api, token: &str, mfo: Mfo) -> anyhow::Result<String> {
    let (tag, currency, address) = match mfo {
        Mfo::A => ("A", "KZT", "Abay 1, Almaty"),
        Mfo::B => ("B", "KZT", "Abay 2, Almaty"),
        Mfo::Kg => ("KG", "KGS", "Chui 1, Bishkek"),
    };
    let borrower = api
        .gql(
            0,
            token,
            "mutation($input: UpsertBorrowerInput!) { upsertBorrower(input: $input) { userErrors { code message } } }",
            json!({ "input": { "externalId": format!("FANOUT-B-{tag}"), "fullName": format!("Fanout Borrower {tag}"),
                "address": address, "phone": "+7 701 000 00 00", "language": "RU" } }),
        )
        .await
        .with_context(|| format!("upsertBorrower for MFO {tag}"))?;
    if borrower["upsertBorrower"]["userErrors"] != json!([]) {
        bail!("upsertBorrower for MFO {tag} refused: {borrower}");
    }
    let schedule: Vec<Value> = (7..=9)
        .map(|m| json!({ "dueDate": format!("2026-{m:02}-01"), "principal": "100000", "interest": "8750" }))
        .collect();
    let loan = api
        .gql(
            0,
            token,
            "mutation($input: UpsertLoanInput!) { upsertLoan(input: $input) { loan { id } userErrors { code message } } }",
            json!({ "input": { "externalId": format!("FANOUT-L-{tag}"), "borrowerExternalId": format!("FANOUT-B-{tag}"),
                "contractNumber": format!("FANOUT-{tag}"), "contractDate": "2026-06-01", "currency": currency,
                "principal": "300000", "annualRate": "0.35", "termMonths": 3, "contractAllowsAgency": true,
                "schedule": schedule } }),
        )
        .await
        .with_context(|| format!("upsertLoan for MFO {tag}"))?;
    if loan["upsertLoan"]["userErrors"] != json!([]) {
        bail!("upsertLoan for MFO {tag} refused: {loan}");
    }
    loan["upsertLoan"]["loan"]["id"].as_str().map(str::to_owned).context("upsertLoan returned no loan id")
}

/// Records a letter on `loan` through `instance`; `measured` leaves the disclosure empty
/// (X2), otherwise it names another organisation (X6). Returns the contact's global id and
/// the round trip. Fails unless exactly the intended rule was flagged.
pub(crate) async fn raise(
    api: &Api,
    instance: usize,
    token: &str,
    loan: &str,
    measured: bool,
) -> anyhow::Result<(String, Duration, DateTime<Utc>)> {
    let disclosure = if measured {
        json!({})
    } else {
        json!({ "organizationName": "Not The Contactor LLP", "organizationLocation": "Almaty",
            "personName": "A. Collector", "personPosition": "Collector" })
    };
    let input = json!({ "input": {
        "clientSubmissionId": uuid::Uuid::now_v7(), "loanId": loan, "channel": "LETTER",
        "occurredAt": (Utc::now() - chrono::Duration::minutes(1)).to_rfc3339(), "party": "BORROWER",
        "disclosure": disclosure, "outcome": "NO_ANSWER" } });
    let started = Instant::now();
    let data = api.gql(instance, token, RAISE, input).await.context("recordContact")?;
    let took = started.elapsed();
    let responded = Utc::now();
    let payload = &data["recordContact"];
    if payload["userErrors"] != json!([]) {
        bail!("recordContact refused: {payload}");
    }
    let rule = if measured { MEASURED_RULE } else { WARMUP_RULE };
    if payload["contact"]["violations"] != json!([rule]) {
        bail!("recordContact flagged {} where the bench expects [{rule}] only", payload["contact"]["violations"]);
    }
    let id = payload["contact"]["id"].as_str().context("recordContact returned no contact id")?;
    Ok((id.to_owned(), took, responded))
}
