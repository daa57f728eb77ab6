//! Delinquency and restructuring (docs/law.md R1–R16, R19, D1; Kazakh seed): the notice
//! duty, the application window and its blocking facts, the decision's deadlines, the
//! new terms and their schedule, the debt-burden check, appeals and home protection, and
//! the refusal letter.

use chrono::{Datelike, Months, NaiveDate};
use entity::enums::{ApplicationStatus, Currency, DecisionKind, Language, PropertyMeasure, RepaymentOrder};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Refusal;
use super::calendar::{Calendar, Due};
use super::loans::{Installment, Ledger};
use super::policy::Policy;
use crate::money::at_scale;

// ---- R1: the delinquency notice ---------------------------------------------------------

/// R1: the notice is due no later than N calendar days from the overdue date.
pub fn notice_due(cal: &Calendar, p: &Policy, overdue_since: NaiveDate) -> Due {
    cal.due_in_calendar_days(overdue_since, p.delinquency.notice_calendar_days)
}

/// What a notice says (R1's three contents).
#[derive(Debug, Clone, Copy)]
pub struct NoticeContents {
    /// 1. The overdue and the amount owed as of a date.
    pub overdue_amount: Option<Decimal>,
    pub amount_as_of: Option<NaiveDate>,
    /// 2. The right to apply to the MFO.
    pub right_to_apply: bool,
    /// 3. The consequences of non-payment.
    pub consequences: bool,
}

/// R1: each missing content, by input field.
pub fn missing_notice_contents(c: &NoticeContents) -> Vec<(&'static str, Refusal)> {
    let mut missing = Vec::new();
    if c.overdue_amount.is_none_or(|a| a <= Decimal::ZERO) {
        missing.push(("overdueAmount", Refusal::rule("R1", crate::error::UserErrorReason::NoticeContentMissing)));
    }
    if c.amount_as_of.is_none() {
        missing.push(("amountAsOf", Refusal::rule("R1", crate::error::UserErrorReason::NoticeContentMissing)));
    }
    if !c.right_to_apply {
        missing.push(("statesRightToApply", Refusal::rule("R1", crate::error::UserErrorReason::NoticeContentMissing)));
    }
    if !c.consequences {
        missing.push(("statesConsequences", Refusal::rule("R1", crate::error::UserErrorReason::NoticeContentMissing)));
    }
    missing
}

// ---- R2, R3: admissibility ----------------------------------------------------------------

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

// ---- deadlines ------------------------------------------------------------------------------

/// R8: the MFO answers within N calendar days of receipt.
pub fn decision_due(cal: &Calendar, p: &Policy, received_on: NaiveDate) -> Due {
    cal.due_in_calendar_days(received_on, p.restructuring.decision_calendar_days)
}

/// R6: the borrower provides requested documents within N business days.
pub fn documents_due(cal: &Calendar, p: &Policy, requested_on: NaiveDate) -> Due {
    cal.due_in_business_days(requested_on, p.restructuring.documents_business_days)
}

/// R12: a counter-proposal gives the borrower at least N calendar days from receipt.
pub fn check_reply_by(p: &Policy, delivered_on: NaiveDate, reply_by: NaiveDate) -> Result<(), Refusal> {
    let min = i64::from(p.restructuring.counter_proposal_min_reply_calendar_days);
    if (reply_by - delivered_on).num_days() < min {
        return Err(Refusal::rule("R12", crate::error::UserErrorReason::ReplyPeriodTooShort).with_param("minDays", min));
    }
    Ok(())
}

/// R13: without agreement N calendar days after receipt of the proposal, it is refused.
pub fn deemed_refusal_due(cal: &Calendar, p: &Policy, delivered_on: NaiveDate) -> Due {
    cal.due_in_calendar_days(delivered_on, p.restructuring.deemed_refusal_calendar_days)
}

/// R11: agreed changes are made within N calendar days of the decision.
pub fn implementation_due(cal: &Calendar, p: &Policy, decided_on: NaiveDate) -> Due {
    cal.due_in_calendar_days(decided_on, p.restructuring.implementation_calendar_days)
}

/// R15: the borrower may appeal within N calendar days of the refusal (or of the failure
/// to agree): the last day to file.
pub fn appeal_last_day(p: &Policy, from: NaiveDate) -> NaiveDate {
    from.checked_add_days(chrono::Days::new(u64::from(p.restructuring.appeal_calendar_days))).unwrap_or(NaiveDate::MAX)
}

pub fn check_appeal_in_time(p: &Policy, from: NaiveDate, filed_on: NaiveDate) -> Result<(), Refusal> {
    let last = appeal_last_day(p, from);
    if filed_on > last {
        return Err(Refusal::rule("R15", crate::error::UserErrorReason::AppealWindowClosed)
            .with_param("lastDay", last.to_string()));
    }
    Ok(())
}

/// What R16 needs to know about an appeal.
#[derive(Debug, Clone, Copy)]
pub struct HomeProtectionFacts {
    pub socially_vulnerable: bool,
    pub business_purpose: bool,
    pub mortgage_secured: bool,
    pub secured_by_dwelling: bool,
    /// A repeat appeal on a question already appealed.
    pub repeat: bool,
}

/// R16: the last day of the home-protection window an appeal opens, if it opens one: a
/// socially vulnerable borrower's non-business loan secured by a mortgage on their home,
/// for N calendar days from the appeal; never for a repeat appeal.
pub fn home_protection_until(f: &HomeProtectionFacts, filed_on: NaiveDate, p: &Policy) -> Option<NaiveDate> {
    let applies =
        f.socially_vulnerable && !f.business_purpose && f.mortgage_secured && f.secured_by_dwelling && !f.repeat;
    applies.then(|| {
        filed_on
            .checked_add_days(chrono::Days::new(u64::from(p.restructuring.home_protection_calendar_days)))
            .unwrap_or(NaiveDate::MAX)
    })
}

// ---- the application's life ---------------------------------------------------------------

/// R9: an application is under review until it is decided, agreed, refused or closed.
pub fn under_review(s: ApplicationStatus) -> bool {
    match s {
        ApplicationStatus::Registered
        | ApplicationStatus::DocumentsRequested
        | ApplicationStatus::Inadmissible
        | ApplicationStatus::CounterProposed => true,
        ApplicationStatus::Approved
        | ApplicationStatus::Agreed
        | ApplicationStatus::CounterRejected
        | ApplicationStatus::Refused
        | ApplicationStatus::DeemedRefused
        | ApplicationStatus::LeftWithoutReview
        | ApplicationStatus::Withdrawn
        | ApplicationStatus::Implemented => false,
    }
}

/// Something that happens to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppStep {
    RequestDocuments,
    ProvideDocuments,
    DocumentsLapsed,
    Decide(DecisionKind),
    Accept,
    Reject,
    DeemRefused,
    Implement,
    Withdraw,
}

/// Every state's possible next states; anything else is a conflict.
pub fn next_status(s: ApplicationStatus, step: AppStep) -> Result<ApplicationStatus, Refusal> {
    use ApplicationStatus as S;
    let conflict = || {
        Refusal::conflict(crate::error::UserErrorReason::StatusDoesNotAllow)
            .with_param("status", serde_json::to_value(s).unwrap_or_default())
    };
    match (s, step) {
        (S::Registered, AppStep::RequestDocuments) => Ok(S::DocumentsRequested),
        (S::DocumentsRequested, AppStep::ProvideDocuments) => Ok(S::Registered),
        (S::DocumentsRequested, AppStep::DocumentsLapsed) => Ok(S::LeftWithoutReview),
        (S::Registered, AppStep::Decide(DecisionKind::Approve)) => Ok(S::Approved),
        (S::Registered, AppStep::Decide(DecisionKind::CounterProposal)) => Ok(S::CounterProposed),
        (S::Registered | S::Inadmissible, AppStep::Decide(DecisionKind::Refuse)) => Ok(S::Refused),
        (S::Inadmissible, AppStep::Decide(DecisionKind::Approve | DecisionKind::CounterProposal)) => {
            Err(Refusal::rule("R3", crate::error::UserErrorReason::LateApplicationOnlyRefusable))
        }
        (S::DocumentsRequested, AppStep::Decide(_)) => {
            Err(Refusal::conflict_under("R6", crate::error::UserErrorReason::DocumentsPending))
        }
        (S::CounterProposed, AppStep::Accept) => Ok(S::Agreed),
        (S::CounterProposed, AppStep::Reject) => Ok(S::CounterRejected),
        (S::CounterProposed, AppStep::DeemRefused) => Ok(S::DeemedRefused),
        (S::Approved | S::Agreed, AppStep::Implement) => Ok(S::Implemented),
        (S::Registered | S::DocumentsRequested | S::Inadmissible, AppStep::Withdraw) => Ok(S::Withdrawn),
        (
            S::Registered
            | S::DocumentsRequested
            | S::Inadmissible
            | S::Approved
            | S::CounterProposed
            | S::Agreed
            | S::CounterRejected
            | S::Refused
            | S::DeemedRefused
            | S::LeftWithoutReview
            | S::Withdrawn
            | S::Implemented,
            AppStep::RequestDocuments
            | AppStep::ProvideDocuments
            | AppStep::DocumentsLapsed
            | AppStep::Decide(_)
            | AppStep::Accept
            | AppStep::Reject
            | AppStep::DeemRefused
            | AppStep::Implement
            | AppStep::Withdraw,
        ) => Err(conflict()),
    }
}

/// R15: the statuses a borrower may appeal from.
pub fn appealable(s: ApplicationStatus) -> bool {
    matches!(s, ApplicationStatus::Refused | ApplicationStatus::DeemedRefused | ApplicationStatus::CounterRejected)
}

// ---- R2, R7, R10, R11: terms, schedule, burden ----------------------------------------------

/// R2.2: a deferral of principal (and of interest, if `interest_too`) for some months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deferral {
    pub months: u32,
    pub interest_too: bool,
}

/// R2.6–8: a measure on mortgaged property, with its agreed date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyTerms {
    pub measure: PropertyMeasure,
    pub complete_by: NaiveDate,
    pub note: Option<String>,
}

/// The terms of an approval or counter-proposal (R2's measures).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Terms {
    /// R2.1
    pub new_annual_rate: Option<Decimal>,
    /// R2.2
    pub deferral: Option<Deferral>,
    /// R2.3
    pub repayment_order: Option<RepaymentOrder>,
    /// R2.4: months of the new schedule from the change.
    pub new_term_months: Option<u32>,
    /// R2.5
    pub forgive_overdue_principal: Decimal,
    pub forgive_overdue_interest: Decimal,
    pub cancel_penalties: bool,
    /// R2.6–8
    pub property: Option<PropertyTerms>,
}

impl Terms {
    pub fn changes_anything(&self) -> bool {
        self.new_annual_rate.is_some()
            || self.deferral.is_some_and(|d| d.months > 0)
            || self.repayment_order.is_some()
            || self.new_term_months.is_some()
            || self.forgive_overdue_principal > Decimal::ZERO
            || self.forgive_overdue_interest > Decimal::ZERO
            || self.cancel_penalties
            || self.property.is_some()
    }
}

fn add_months(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_months(Months::new(n)).unwrap_or(d)
}

fn monthly_interest(balance: Decimal, annual_rate: Decimal) -> Decimal {
    (balance * annual_rate / Decimal::from(12)).round_dp(2)
}

/// Spreads `total` over `n` parts of two decimals, the last taking the rounding.
fn spread(total: Decimal, n: usize) -> Vec<Decimal> {
    if n == 0 {
        return vec![];
    }
    let part = (total / Decimal::from(n as u64)).round_dp(2);
    let mut parts = vec![part; n];
    if let Some(last) = parts.last_mut() {
        *last = total - part * Decimal::from(n as u64 - 1);
    }
    parts
}

/// The new schedule under `terms` from `start` (the local date of the change), R11.
/// Paid installments (and the paid parts of partly paid ones) stay as they are, so the
/// payments already made still allocate to them; everything unpaid is rescheduled:
/// forgiven overdue amounts are dropped (R2.5), the remaining overdue is spread over the
/// future installments, a new rate recomputes interest on the declining balance (R2.1), a
/// new term re-spreads the principal over that many months (R2.4), and a deferral moves
/// the schedule later by its months with the payment size unchanged (R2.2), interest being
/// paid monthly during it unless deferred too.
pub fn new_schedule(
    ledger: &Ledger,
    terms: &Terms,
    current_rate: Decimal,
    start: NaiveDate,
) -> Result<Vec<Installment>, Refusal> {
    let mut kept: Vec<Installment> = Vec::new();
    let (mut overdue_principal, mut overdue_interest) = (Decimal::ZERO, Decimal::ZERO);
    let mut future: Vec<(NaiveDate, Decimal, Decimal)> = Vec::new();
    for s in &ledger.installments {
        if s.paid_principal + s.paid_interest > Decimal::ZERO {
            kept.push(Installment {
                seq: 0,
                due_date: s.due_date,
                principal: s.paid_principal,
                interest: s.paid_interest,
            });
        }
        if s.is_paid() {
            continue;
        }
        if s.due_date < start {
            overdue_principal += s.unpaid_principal();
            overdue_interest += s.unpaid_interest();
        } else {
            future.push((s.due_date, s.unpaid_principal(), s.unpaid_interest()));
        }
    }
    if terms.forgive_overdue_principal > overdue_principal || terms.forgive_overdue_interest > overdue_interest {
        return Err(Refusal::rule("R2", crate::error::UserErrorReason::ForgivenessExceedsOverdue));
    }
    overdue_principal -= terms.forgive_overdue_principal;
    overdue_interest -= terms.forgive_overdue_interest;
    let rate = terms.new_annual_rate.unwrap_or(current_rate);
    let total_principal = overdue_principal + future.iter().map(|f| f.1).sum::<Decimal>();

    // Regular installments: (due date, principal, interest).
    let mut regular: Vec<(NaiveDate, Decimal, Decimal)> = match terms.new_term_months {
        Some(0) => {
            return Err(Refusal::rule("R2", crate::error::UserErrorReason::NewTermTooShort));
        }
        Some(n) => {
            let first = future.first().map(|f| f.0).filter(|d| *d > start).unwrap_or_else(|| add_months(start, 1));
            let parts = spread(total_principal, n as usize);
            let mut balance = total_principal;
            parts
                .into_iter()
                .enumerate()
                .map(|(i, p)| {
                    let interest = monthly_interest(balance, rate);
                    balance -= p;
                    (add_months(first, i as u32), p, interest)
                })
                .collect()
        }
        None => {
            if future.is_empty() {
                future.push((add_months(start, 1), Decimal::ZERO, Decimal::ZERO));
            }
            let extra = spread(overdue_principal, future.len());
            let mut balance = total_principal;
            future
                .iter()
                .zip(extra)
                .map(|(&(due, p, i), e)| {
                    let principal = p + e;
                    let interest = if terms.new_annual_rate.is_some() { monthly_interest(balance, rate) } else { i };
                    balance -= principal;
                    (due, principal, interest)
                })
                .collect()
        }
    };
    let interest_parts = spread(overdue_interest, regular.len());
    for (row, extra) in regular.iter_mut().zip(interest_parts) {
        row.2 += extra;
    }
    if let Some(d) = terms.deferral.filter(|d| d.months > 0) {
        let first_due = regular.first().map(|r| r.0).unwrap_or_else(|| add_months(start, 1));
        let mut during = Vec::new();
        if !d.interest_too {
            for m in 0..d.months {
                during.push((add_months(first_due, m), Decimal::ZERO, monthly_interest(total_principal, rate)));
            }
        }
        for row in &mut regular {
            row.0 = add_months(row.0, d.months);
        }
        during.extend(regular);
        regular = during;
    }
    let mut all = kept;
    all.extend(regular.into_iter().map(|(due_date, principal, interest)| Installment {
        seq: 0,
        due_date,
        principal,
        interest,
    }));
    all.sort_by_key(|i| i.due_date);
    // Merge installments that fall on one date (a kept paid part and its rescheduled rest).
    let mut merged: Vec<Installment> = Vec::with_capacity(all.len());
    for i in all {
        match merged.last_mut() {
            Some(last) if last.due_date == i.due_date => {
                last.principal += i.principal;
                last.interest += i.interest;
            }
            _ => merged.push(i),
        }
    }
    for (n, i) in merged.iter_mut().enumerate() {
        i.seq = n as i32 + 1;
    }
    Ok(merged)
}

/// R7: the debt-burden ratios before and after a change, and the limit in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Burden {
    /// The monthly payment the terms in force give over the same outstanding balance as the
    /// new schedule, arrears included (`burden`).
    pub payment_before: Decimal,
    /// The monthly payment of the new schedule, measured the same way.
    pub payment_after: Decimal,
    /// The borrower's declared monthly payments on other debts, added to both sides.
    pub other_debts: Decimal,
    pub ratio_before: Decimal,
    pub ratio_after: Decimal,
    pub limit: Decimal,
}

impl Burden {
    pub fn within_limit(&self) -> bool {
        within_burden_limit(self.ratio_after, self.limit)
    }
}

/// R7: the monthly payment of a schedule, as the debt-burden ratio counts it: its
/// installments (principal plus interest, as scheduled, whatever has been paid) summed by
/// calendar month, and the largest month from `from` on. An irregular schedule is judged
/// by its heaviest month, so no change can hide a heavier month behind a lighter first
/// one. A schedule whose every installment fell due before `from` (a matured loan) is
/// judged by the largest month it had.
pub fn monthly_payment(installments: &[(NaiveDate, Decimal)], from: NaiveDate) -> Decimal {
    let largest = |only_from: bool| {
        let mut months: std::collections::BTreeMap<(i32, u32), Decimal> = std::collections::BTreeMap::new();
        for (due, amount) in installments.iter().filter(|(due, _)| !only_from || *due >= from) {
            *months.entry((due.year(), due.month())).or_default() += *amount;
        }
        months.into_values().max()
    };
    largest(true).or_else(|| largest(false)).unwrap_or_default()
}

/// R7/R10: the terms in force, to be read exactly as `terms` are: the current rate, the
/// months left in the schedule in force, nothing forgiven or deferred. Whenever `terms`
/// recompute interest on the declining balance (a new rate or a new term), these do too,
/// at the current rate, so the two schedules differ by the change of terms and nothing
/// else: folding the arrears is on both sides.
fn terms_in_force_like(terms: &Terms, current_rate: Decimal) -> Terms {
    let recomputes_interest = terms.new_annual_rate.is_some() || terms.new_term_months.is_some();
    Terms { new_annual_rate: recomputes_interest.then_some(current_rate), ..Terms::default() }
}

/// R7: monthly debt payments over monthly income (NBK resolution No. 215), before and
/// after a change of `terms` on `start`, like for like. Both sides are schedules of the
/// same outstanding balance, arrears included, from `start`: after is `new_schedule` under
/// `terms`, before is `new_schedule` under the terms in force (`terms_in_force_like`), which
/// spreads the arrears over the months left at the current rate. Comparing the new
/// schedule with the one in force instead would count the arrears on one side only, and
/// refuse a rate cut on an overdue loan because its arrears land in the new months.
/// `other_debts`, the borrower's monthly payments on other loans, count on both sides.
pub fn burden(
    ledger: &Ledger,
    terms: &Terms,
    current_rate: Decimal,
    start: NaiveDate,
    income: Decimal,
    other_debts: Decimal,
    p: &Policy,
) -> Result<Burden, Refusal> {
    if income <= Decimal::ZERO {
        return Err(Refusal::rule("R7", crate::error::UserErrorReason::IncomeRequired));
    }
    let payment = |t: &Terms| -> Result<Decimal, Refusal> {
        let rows: Vec<(NaiveDate, Decimal)> = new_schedule(ledger, t, current_rate, start)?
            .iter()
            .map(|i| (i.due_date, i.principal + i.interest))
            .collect();
        Ok(monthly_payment(&rows, start))
    };
    let payment_before = payment(&terms_in_force_like(terms, current_rate))?;
    let payment_after = payment(terms)?;
    let ratio = |payment: Decimal| ((payment + other_debts) / income).round_dp(4);
    Ok(Burden {
        payment_before,
        payment_after,
        other_debts,
        ratio_before: ratio(payment_before),
        ratio_after: ratio(payment_after),
        limit: p.restructuring.debt_burden_limit,
    })
}

/// R10: changes must lower the borrower's debt burden: the new monthly payment must be
/// lower than the one the terms in force give on the same balance (an equal payment
/// lowers nothing). The payments in the refusal are money, at the loan's currency's scale.
pub fn check_lowers_burden(b: &Burden, currency: Currency) -> Result<(), Refusal> {
    if !lowers_burden(Some((b.payment_before, b.payment_after)), (b.ratio_before, b.ratio_after)) {
        return Err(Refusal::rule("R10", crate::error::UserErrorReason::DebtBurdenNotLowered)
            .with_param("monthlyPaymentBefore", at_scale(b.payment_before, currency).to_string())
            .with_param("monthlyPaymentAfter", at_scale(b.payment_after, currency).to_string()));
    }
    Ok(())
}

/// R10: a change lowers the burden when its monthly payment is lower; a decision stored
/// before payments were recorded is judged by its ratios.
pub fn lowers_burden(payments: Option<(Decimal, Decimal)>, ratios: (Decimal, Decimal)) -> bool {
    match payments {
        Some((before, after)) => after < before,
        None => ratios.1 < ratios.0,
    }
}

/// R7: the ratio after the change is within the limit in force.
pub fn within_burden_limit(ratio_after: Decimal, limit: Decimal) -> bool {
    ratio_after <= limit
}

/// The contract's term in months once the schedule ends on `last_due`.
pub fn term_months(contract_date: NaiveDate, last_due: NaiveDate) -> i32 {
    (last_due.year() - contract_date.year()) * 12 + last_due.month() as i32 - contract_date.month() as i32
}

// ---- D1: the refusal letter ----------------------------------------------------------------

/// What appendix 1 of the KZ seed puts in a refusal.
#[derive(Debug, Clone)]
pub struct RefusalLetterFacts {
    pub borrower_name: String,
    pub borrower_address: Option<String>,
    pub creditor: String,
    pub application_date: NaiveDate,
    pub incoming_number: String,
    pub incoming_date: NaiveDate,
    pub contract_number: String,
    pub contract_date: NaiveDate,
    pub reasons: String,
    pub signatory: String,
}

/// D1: the letter in Kazakh when the application was in Kazakh, otherwise in Russian.
pub fn refusal_letter_language(application: Language) -> Language {
    match application {
        Language::Kk => Language::Kk,
        Language::Ru | Language::Ky => Language::Ru,
    }
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// D1: renders the refusal letter from the record.
pub fn refusal_letter(language: Language, f: &RefusalLetterFacts) -> String {
    let address = f.borrower_address.clone().unwrap_or_else(|| "—".to_owned());
    match refusal_letter_language(language) {
        Language::Kk => format!(
            "{name}\nМекенжайы: {address}\n\nМикрокредит беру туралы шарттың талаптарын өзгертуден бас тарту\n\n\
             {creditor} (бұдан әрі – Кредитор) Сіздің {app_date} жылғы (кіріс № {number}, {in_date} жылғы) \
             {contract_date} жылғы № {contract} микрокредит беру туралы шарттың (бұдан әрі – Шарт) талаптарына \
             өзгерістер енгізу туралы өтінішіңізге жауап ретінде мынаны хабарлайды.\n\n\
             «Микроқаржылық қызмет туралы» Қазақстан Республикасы Заңының 9-2-бабы 3-тармағының 3) тармақшасына \
             сәйкес Кредитор Сізге Шарттың талаптарын өзгертуден мынадай себептермен бас тартады: {reasons}\n\n\
             Кредитордың уәкілетті тұлғасы\n{signatory}\n",
            name = f.borrower_name,
            creditor = f.creditor,
            app_date = dmy(f.application_date),
            number = f.incoming_number,
            in_date = dmy(f.incoming_date),
            contract = f.contract_number,
            contract_date = dmy(f.contract_date),
            reasons = f.reasons,
            signatory = f.signatory,
        ),
        Language::Ru | Language::Ky => format!(
            "{name}\nАдрес: {address}\n\nОтказ в изменении условий договора о предоставлении микрокредита\n\n\
             {creditor} (далее – Кредитор) в ответ на Ваше заявление от {app_date} года (входящий № {number} от \
             {in_date} года) о внесении изменений в условия Договора о предоставлении микрокредита № {contract} от \
             {contract_date} года (далее – Договор) сообщает следующее.\n\n\
             В соответствии с подпунктом 3) пункта 3 статьи 9-2 Закона Республики Казахстан «О микрофинансовой \
             деятельности» Кредитор отказывает Вам в изменении условий Договора в связи с {reasons}\n\n\
             Уполномоченное лицо Кредитора\n{signatory}\n",
            name = f.borrower_name,
            creditor = f.creditor,
            app_date = dmy(f.application_date),
            number = f.incoming_number,
            in_date = dmy(f.incoming_date),
            contract = f.contract_number,
            contract_date = dmy(f.contract_date),
            reasons = f.reasons,
            signatory = f.signatory,
        ),
    }
}

/// The incoming number of an application, e.g. `R-2026/000012`.
pub fn incoming_number(year: i32, seq: i32) -> String {
    format!("R-{year}/{seq:06}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::calendar::tests::kz;
    use crate::rules::loans::Payment;
    use crate::rules::policy::tests::shipped;
    use entity::enums::Jurisdiction;
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn policy() -> Policy {
        shipped(Jurisdiction::Kz).policy
    }

    #[test]
    fn r01_notice_due_20_calendar_days_from_the_overdue_date_and_needs_three_contents() {
        assert_eq!(notice_due(&kz(), &policy(), d("2026-03-02")).date, d("2026-03-22"));
        let complete = NoticeContents {
            overdue_amount: Some(dec!(1)),
            amount_as_of: Some(d("2026-03-02")),
            right_to_apply: true,
            consequences: true,
        };
        assert!(missing_notice_contents(&complete).is_empty());
        for (broken, field) in [
            (NoticeContents { overdue_amount: None, ..complete }, "overdueAmount"),
            (NoticeContents { amount_as_of: None, ..complete }, "amountAsOf"),
            (NoticeContents { right_to_apply: false, ..complete }, "statesRightToApply"),
            (NoticeContents { consequences: false, ..complete }, "statesConsequences"),
        ] {
            let missing = missing_notice_contents(&broken);
            assert_eq!(missing.len(), 1);
            assert_eq!(missing[0].0, field);
            assert_eq!(missing[0].1.rule, Some("R1"));
        }
    }

    #[test]
    fn r02_the_window_is_30_calendar_days_after_the_overdue_date() {
        let court = BlockingFacts { court_act_on: Some(d("2026-01-05")), ..Default::default() };
        let since = d("2026-01-01");
        let day30 = admissibility(Some(since), d("2026-01-31"), &court, &policy());
        assert!(day30.admissible, "day 30 is inside the window whatever the facts");
        assert_eq!((day30.rule, day30.days_after_overdue), ("R2", Some(30)));
        let day31 = admissibility(Some(since), d("2026-02-01"), &court, &policy());
        assert!(!day31.admissible);
        assert_eq!((day31.rule, day31.facts.as_slice()), ("R3", &[BlockingFact::CourtAct][..]));
        assert!(admissibility(None, d("2026-02-01"), &court, &policy()).admissible, "not overdue at all");
    }

    #[test]
    fn r03_each_blocking_fact_closes_a_late_application_and_only_if_in_force_at_receipt() {
        let since = d("2026-01-01");
        let late = d("2026-03-01");
        for (facts, fact) in [
            (BlockingFacts { court_act_on: Some(since), ..Default::default() }, BlockingFact::CourtAct),
            (
                BlockingFacts { enforcement_inscription_on: Some(since), ..Default::default() },
                BlockingFact::EnforcementInscription,
            ),
            (
                BlockingFacts { settlement_agreement_on: Some(since), ..Default::default() },
                BlockingFact::SettlementAgreement,
            ),
            (BlockingFacts { claim_assigned_on: Some(since), ..Default::default() }, BlockingFact::ClaimAssigned),
        ] {
            let a = admissibility(Some(since), late, &facts, &policy());
            assert_eq!((a.admissible, a.facts), (false, vec![fact]));
        }
        let none = admissibility(Some(since), late, &BlockingFacts::default(), &policy());
        assert!(none.admissible, "late but nothing blocks it");
        let future_act = BlockingFacts { court_act_on: Some(d("2026-04-01")), ..Default::default() };
        assert!(admissibility(Some(since), late, &future_act, &policy()).admissible);
    }

    #[test]
    fn r08_r11_r12_r13_r15_r16_deadlines() {
        let p = policy();
        assert_eq!(decision_due(&kz(), &p, d("2026-03-10")).date, d("2026-03-25"), "R8");
        assert_eq!(implementation_due(&kz(), &p, d("2026-03-10")).date, d("2026-03-25"), "R11");
        assert_eq!(documents_due(&kz(), &p, d("2026-03-20")).date, d("2026-04-01"), "R6 across Nauryz");
        assert!(check_reply_by(&p, d("2026-03-10"), d("2026-03-25")).is_ok(), "R12: 15 days");
        assert_eq!(check_reply_by(&p, d("2026-03-10"), d("2026-03-24")).expect_err("R12").rule, Some("R12"));
        assert_eq!(deemed_refusal_due(&kz(), &p, d("2026-03-10")).date, d("2026-04-09"), "R13");
        assert!(check_appeal_in_time(&p, d("2026-03-10"), d("2026-03-25")).is_ok(), "R15 day 15");
        assert_eq!(check_appeal_in_time(&p, d("2026-03-10"), d("2026-03-26")).expect_err("day 16").rule, Some("R15"));
        let home = HomeProtectionFacts {
            socially_vulnerable: true,
            business_purpose: false,
            mortgage_secured: true,
            secured_by_dwelling: true,
            repeat: false,
        };
        assert_eq!(home_protection_until(&home, d("2026-03-10"), &p), Some(d("2026-05-09")), "R16: 60 days");
        assert_eq!(home_protection_until(&HomeProtectionFacts { repeat: true, ..home }, d("2026-03-10"), &p), None);
        assert_eq!(
            home_protection_until(&HomeProtectionFacts { business_purpose: true, ..home }, d("2026-03-10"), &p),
            None
        );
        assert_eq!(
            home_protection_until(&HomeProtectionFacts { socially_vulnerable: false, ..home }, d("2026-03-10"), &p),
            None
        );
    }

    #[test]
    fn every_status_has_its_next_statuses() {
        use ApplicationStatus as S;
        assert_eq!(next_status(S::Registered, AppStep::Decide(DecisionKind::CounterProposal)), Ok(S::CounterProposed));
        assert_eq!(next_status(S::CounterProposed, AppStep::DeemRefused), Ok(S::DeemedRefused));
        assert_eq!(next_status(S::Agreed, AppStep::Implement), Ok(S::Implemented));
        assert_eq!(
            next_status(S::Inadmissible, AppStep::Decide(DecisionKind::Approve)).expect_err("R3").rule,
            Some("R3")
        );
        assert!(next_status(S::Refused, AppStep::Withdraw).is_err());
        assert!(next_status(S::Approved, AppStep::Withdraw).is_err(), "withdrawn only while undecided");
        assert!(under_review(S::CounterProposed) && !under_review(S::Refused));
    }

    fn ledger() -> Ledger {
        // 3 000 over three months, 100 interest each; nothing paid, first installment overdue.
        let schedule: Vec<Installment> = (1..=3)
            .map(|m| Installment {
                seq: m,
                due_date: d(&format!("2026-0{m}-10")),
                principal: dec!(1000),
                interest: dec!(100),
            })
            .collect();
        Ledger::build(&schedule, &[], RepaymentOrder::InterestFirst)
    }

    #[test]
    fn r11_a_deferral_keeps_the_payment_size_and_lengthens_the_term() {
        let terms = Terms { deferral: Some(Deferral { months: 2, interest_too: true }), ..Default::default() };
        let s = new_schedule(&ledger(), &terms, dec!(0.4), d("2026-01-20")).expect("schedule");
        // The overdue January installment is folded into February and March, then both move two months.
        let dates: Vec<NaiveDate> = s.iter().map(|i| i.due_date).collect();
        assert_eq!(dates, vec![d("2026-04-10"), d("2026-05-10")]);
        assert_eq!(s.iter().map(|i| i.principal).sum::<Decimal>(), dec!(3000));
        assert_eq!(s[0].principal + s[0].interest, dec!(1650));
    }

    #[test]
    fn r11_paid_parts_stay_and_forgiveness_lowers_the_principal() {
        let schedule: Vec<Installment> = (1..=3)
            .map(|m| Installment {
                seq: m,
                due_date: d(&format!("2026-0{m}-10")),
                principal: dec!(1000),
                interest: dec!(100),
            })
            .collect();
        let paid = Ledger::build(
            &schedule,
            &[Payment { paid_on: d("2026-01-10"), amount: dec!(600) }],
            RepaymentOrder::InterestFirst,
        );
        let terms = Terms { forgive_overdue_principal: dec!(500), ..Default::default() };
        let s = new_schedule(&paid, &terms, dec!(0.4), d("2026-01-20")).expect("schedule");
        assert_eq!(
            (s[0].due_date, s[0].principal, s[0].interest),
            (d("2026-01-10"), dec!(500), dec!(100)),
            "the paid part"
        );
        assert_eq!(s.iter().map(|i| i.principal).sum::<Decimal>(), dec!(2500));
        let too_much = Terms { forgive_overdue_principal: dec!(501), ..Default::default() };
        assert_eq!(new_schedule(&paid, &too_much, dec!(0.4), d("2026-01-20")).expect_err("R2").rule, Some("R2"));
    }

    #[test]
    fn r07_the_monthly_payment_is_the_heaviest_calendar_month_from_the_change_on() {
        let rows = |r: &[(&str, Decimal)]| r.iter().map(|(d_, a)| (d(d_), *a)).collect::<Vec<_>>();
        let annuity = rows(&[("2026-01-10", dec!(1100)), ("2026-02-10", dec!(1100)), ("2026-03-10", dec!(1100))]);
        assert_eq!(monthly_payment(&annuity, d("2026-01-20")), dec!(1100), "past months do not count");
        let balloon = rows(&[("2026-02-10", dec!(100)), ("2026-03-10", dec!(100)), ("2026-04-10", dec!(3000))]);
        assert_eq!(monthly_payment(&balloon, d("2026-01-20")), dec!(3000), "judged by its heaviest month");
        let twice = rows(&[("2026-02-01", dec!(600)), ("2026-02-25", dec!(600)), ("2026-03-01", dec!(1000))]);
        assert_eq!(monthly_payment(&twice, d("2026-01-20")), dec!(1200), "two installments in one month add up");
        assert_eq!(monthly_payment(&annuity, d("2026-03-10")), dec!(1100), "an installment due on the day counts");
        assert_eq!(monthly_payment(&balloon, d("2026-05-01")), dec!(3000), "a matured schedule: its largest month");
        assert_eq!(monthly_payment(&[], d("2026-05-01")), Decimal::ZERO);
    }

    /// R7/R10 on the three-month ledger (3 000 at 40 %, 1 000 + 100 a month, nothing paid):
    /// the burden of `terms` on `start` with 5 000 of income and 200 of other debts.
    fn burden_of(terms: Terms, start: NaiveDate) -> Burden {
        burden(&ledger(), &terms, dec!(0.4), start, dec!(5000), dec!(200), &policy()).expect("burden")
    }

    fn rate(r: Decimal) -> Terms {
        Terms { new_annual_rate: Some(r), ..Default::default() }
    }

    fn term(months: u32) -> Terms {
        Terms { new_term_months: Some(months), ..Default::default() }
    }

    /// January's 1 100 is overdue on 20 January.
    fn overdue() -> NaiveDate {
        d("2026-01-20")
    }

    /// (case, terms, monthly payment before, after) on `overdue()`; every case is allowed.
    fn assert_lowered(cases: &[(&str, Terms, Decimal, Decimal)]) {
        for (case, terms, before, after) in cases.iter().cloned() {
            let b = burden_of(terms, overdue());
            assert_eq!((b.payment_before, b.payment_after), (before, after), "{case}");
            assert_eq!(b.ratio_before, ((before + dec!(200)) / dec!(5000)).round_dp(4), "{case}");
            assert_eq!(b.ratio_after, ((after + dec!(200)) / dec!(5000)).round_dp(4), "{case}");
            assert!(check_lowers_burden(&b, Currency::Kzt).is_ok(), "{case}: {b:?}");
        }
    }

    /// (case, terms, monthly payment before, after) on `start`; every case is refused.
    fn assert_refused(start: NaiveDate, cases: &[(&str, Terms, Decimal, Decimal)]) {
        for (case, terms, before, after) in cases.iter().cloned() {
            let b = burden_of(terms, start);
            assert_eq!((b.payment_before, b.payment_after), (before, after), "{case}");
            assert_eq!(check_lowers_burden(&b, Currency::Kzt).expect_err(case).rule, Some("R10"), "{case}");
        }
    }

    // Before, on 20 January, for every change of rate or term: the terms in force over the
    // whole 3 000 (January's arrears included) and the two months left. February carries
    // 1 000 + 500 of January's principal, 3 000 x 40 % / 12 = 100 of interest and 50 of
    // January's 100 interest: 1 650, the heaviest month (March: 1 500 + 50 + 50 = 1 600).

    #[test]
    fn r10_rate_cut_on_an_overdue_loan_lowers_the_burden() {
        assert_lowered(&[
            // February: 1 500 + 3 000 x 10 % / 12 = 25 + 50. The 1 100 in force leaves January's
            // arrears out: against it, a cut would look like a raise.
            ("40 % -> 10 %", rate(dec!(0.1)), dec!(1650), dec!(1575)),
            // February: 1 500 + 0 + 50.
            ("40 % -> 0 %", rate(dec!(0)), dec!(1650), dec!(1550)),
            // 3 000 over six months: 500 + 3 000 x 20 % / 12 = 50 + 100 / 6 = 16.67.
            (
                "40 % -> 20 % over six months",
                Terms { new_annual_rate: Some(dec!(0.2)), new_term_months: Some(6), ..Default::default() },
                dec!(1650),
                dec!(566.67),
            ),
        ]);
        // Before any overdue (5 January): January 1 000 + 100 at 40 %, 1 000 + 25 at 10 %.
        let b = burden_of(rate(dec!(0.1)), d("2026-01-05"));
        assert_eq!((b.payment_before, b.payment_after), (dec!(1100), dec!(1025)));
        assert_eq!((b.ratio_before, b.ratio_after), (dec!(0.26), dec!(0.245)), "(1 100 + 200) / 5 000");
    }

    #[test]
    fn r10_a_longer_term_or_forgiven_arrears_lower_the_burden() {
        assert_lowered(&[
            // 3 000 over 12 months: 250 + 100 of interest + 100 / 12 = 8.33.
            ("term 2 -> 12 months", term(12), dec!(1650), dec!(358.33)),
            // The interest as scheduled on both sides; February: 1 000 + 250 + 100 + 50.
            (
                "500 of overdue principal forgiven",
                Terms { forgive_overdue_principal: dec!(500), ..Default::default() },
                dec!(1650),
                dec!(1400),
            ),
            // February: 1 500 + 100.
            (
                "the overdue interest forgiven",
                Terms { forgive_overdue_interest: dec!(100), ..Default::default() },
                dec!(1650),
                dec!(1600),
            ),
        ]);
    }

    #[test]
    fn r10_rate_raise_or_shorter_term_is_refused_whatever_the_arrears() {
        assert_refused(
            overdue(),
            &[
                // February: 1 500 + 3 000 x 90 % / 12 = 225 + 50.
                ("40 % -> 90 %", rate(dec!(0.9)), dec!(1650), dec!(1775)),
                // February: 1 500 + 102.50 + 50: the smallest raise is refused too.
                ("40 % -> 41 %", rate(dec!(0.41)), dec!(1650), dec!(1652.50)),
                // All 3 000 in February, with 100 of interest and January's 100.
                ("term 2 -> 1 month", term(1), dec!(1650), dec!(3200)),
            ],
        );
        // Not overdue: January 1 000 + 3 000 x 50 % / 12 = 125.
        assert_refused(d("2026-01-05"), &[("40 % -> 50 %", rate(dec!(0.5)), dec!(1100), dec!(1125))]);
    }

    #[test]
    fn r10_folding_the_arrears_alone_lowers_nothing() {
        assert_refused(
            overdue(),
            &[
                ("the same rate", rate(dec!(0.4)), dec!(1650), dec!(1650)),
                ("the same two months", term(2), dec!(1650), dec!(1650)),
                // The interest as scheduled: February and March 1 500 + 100 + 50 on both sides.
                (
                    "another repayment order",
                    Terms { repayment_order: Some(RepaymentOrder::PrincipalFirst), ..Default::default() },
                    dec!(1650),
                    dec!(1650),
                ),
                // The same payments, two months later (April and May).
                (
                    "a deferral alone",
                    Terms { deferral: Some(Deferral { months: 2, interest_too: true }), ..Default::default() },
                    dec!(1650),
                    dec!(1650),
                ),
            ],
        );
    }

    #[test]
    fn r07_the_burden_needs_an_income_and_r10_names_both_payments_at_the_currencys_scale() {
        let terms = term(12);
        let refused = burden(&ledger(), &terms, dec!(0.4), overdue(), Decimal::ZERO, dec!(200), &policy());
        assert_eq!(refused.expect_err("R7").rule, Some("R7"));
        let b = burden_of(rate(dec!(0.9)), overdue());
        let r = check_lowers_burden(&b, Currency::Kzt).expect_err("R10");
        assert_eq!(r.params["monthlyPaymentBefore"], "1650.00");
        assert_eq!(r.params["monthlyPaymentAfter"], "1775.00");
        // (1 650 + 200) / 5 000 and (1 775 + 200) / 5 000 against the policy's limit (data).
        assert_eq!((b.ratio_before, b.ratio_after, b.limit), (dec!(0.37), dec!(0.395), dec!(0.5)));
        assert!(b.within_limit(), "within the limit, and still refused: R10 is about lowering");
    }

    #[test]
    fn d01_the_letter_carries_every_required_field_in_the_applications_language() {
        let f = RefusalLetterFacts {
            borrower_name: "Sadykova Aigerim".into(),
            borrower_address: Some("Almaty, Satpayev 30".into()),
            creditor: "Qomeq Finance LLP".into(),
            application_date: d("2026-03-01"),
            incoming_number: "R-2026/000007".into(),
            incoming_date: d("2026-03-02"),
            contract_number: "MK-2001/24".into(),
            contract_date: d("2024-11-05"),
            reasons: "the income stated does not cover any schedule".into(),
            signatory: "Omarov D. K.".into(),
        };
        for lang in [Language::Ru, Language::Kk] {
            let text = refusal_letter(lang, &f);
            for part in [
                "Sadykova Aigerim",
                "Almaty, Satpayev 30",
                "Qomeq Finance LLP",
                "01.03.2026",
                "R-2026/000007",
                "02.03.2026",
                "MK-2001/24",
                "05.11.2024",
                "the income stated",
                "Omarov D. K.",
            ] {
                assert!(text.contains(part), "{lang:?} letter lacks {part}:\n{text}");
            }
        }
        assert!(refusal_letter(Language::Ru, &f).contains("Отказ в изменении условий"));
        assert!(refusal_letter(Language::Kk, &f).contains("бас тарту"));
    }
}
