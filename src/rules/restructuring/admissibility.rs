//! R2, R3: whether an application is admissible: the window after the overdue date and the
//! legal facts that close it later. It judges; registration never depends on it (R5).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::rules::policy::Policy;

/// Legal facts that close the late-application door (R3), with their dates.
#[derive(Debug, Clone, Copy, Default)]
pub struct BlockingFacts {
    pub court_act_on: Option<NaiveDate>,
    pub enforcement_inscription_on: Option<NaiveDate>,
    pub settlement_agreement_on: Option<NaiveDate>,
    pub claim_assigned_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BlockingFact {
    CourtAct,
    EnforcementInscription,
    SettlementAgreement,
    ClaimAssigned,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admissibility {
    pub admissible: bool,
    /// Calendar days from the overdue date to receipt (0 = received on the overdue date).
    pub days_after_overdue: Option<i64>,
    /// The rule that decided: R2 inside the window (or with no overdue), R3 after it.
    pub rule: &'static str,
    /// R3 facts in force at receipt; they make a late application inadmissible.
    pub facts: Vec<BlockingFact>,
}

/// R2: calendar days from the overdue date to `on` (0 on the overdue date itself).
pub fn days_after_overdue(since: NaiveDate, on: NaiveDate) -> i64 {
    (on - since).num_days()
}

/// R2/R3: inside N calendar days of the overdue date an application is admissible; after
/// that only with no court act, enforcement inscription, settlement or mediation agreement
/// and no assignment of the claim. An application from a borrower who is not overdue is
/// admissible too (R5 registers and reviews every one).
pub fn admissibility(
    overdue_since: Option<NaiveDate>,
    received_on: NaiveDate,
    f: &BlockingFacts,
    p: &Policy,
) -> Admissibility {
    let Some(since) = overdue_since else {
        return Admissibility { admissible: true, days_after_overdue: None, rule: "R2", facts: vec![] };
    };
    let days = days_after_overdue(since, received_on);
    if days <= i64::from(p.restructuring.application_window_calendar_days) {
        return Admissibility { admissible: true, days_after_overdue: Some(days), rule: "R2", facts: vec![] };
    }
    let in_force = |d: Option<NaiveDate>| d.is_some_and(|d| d <= received_on);
    let mut facts = Vec::new();
    if in_force(f.court_act_on) {
        facts.push(BlockingFact::CourtAct);
    }
    if in_force(f.enforcement_inscription_on) {
        facts.push(BlockingFact::EnforcementInscription);
    }
    if in_force(f.settlement_agreement_on) {
        facts.push(BlockingFact::SettlementAgreement);
    }
    if in_force(f.claim_assigned_on) {
        facts.push(BlockingFact::ClaimAssigned);
    }
    Admissibility { admissible: facts.is_empty(), days_after_overdue: Some(days), rule: "R3", facts }
}
