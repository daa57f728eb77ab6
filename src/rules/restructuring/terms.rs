//! R2, R7, R10, R11: the terms a decision may set, the schedule they give, and the debt
//! burden before and after. Pure like the rest of `rules/`: ledger and terms in, figures out.

use chrono::{Datelike, Months, NaiveDate};
use entity::enums::{Currency, PropertyMeasure, RepaymentOrder};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::UserErrorReason;
use crate::money::Money;
use crate::rules::Refusal;
use crate::rules::loans::{Installment, Ledger};
use crate::rules::policy::Policy;

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

/// R2.1: a month's interest on `balance`, rounded to the currency's minor unit.
fn monthly_interest(balance: Decimal, annual_rate: Decimal, currency: Currency) -> Decimal {
    Money::new(balance * annual_rate / Decimal::from(12), currency).round_to_minor_unit().amount()
}

/// Spreads `total` over `n` parts rounded to the currency's minor unit, the last taking
/// the rounding.
fn spread(total: Decimal, n: usize, currency: Currency) -> Vec<Decimal> {
    if n == 0 {
        return vec![];
    }
    let part = Money::new(total / Decimal::from(n as u64), currency).round_to_minor_unit().amount();
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
    currency: Currency,
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
        return Err(Refusal::rule("R2", UserErrorReason::ForgivenessExceedsOverdue));
    }
    overdue_principal -= terms.forgive_overdue_principal;
    overdue_interest -= terms.forgive_overdue_interest;
    let rate = terms.new_annual_rate.unwrap_or(current_rate);
    let total_principal = overdue_principal + future.iter().map(|f| f.1).sum::<Decimal>();

    // Regular installments: (due date, principal, interest).
    let mut regular: Vec<(NaiveDate, Decimal, Decimal)> = match terms.new_term_months {
        Some(0) => {
            return Err(Refusal::rule("R2", UserErrorReason::NewTermTooShort));
        }
        Some(n) => {
            let first = future.first().map(|f| f.0).filter(|d| *d > start).unwrap_or_else(|| add_months(start, 1));
            let parts = spread(total_principal, n as usize, currency);
            let mut balance = total_principal;
            parts
                .into_iter()
                .enumerate()
                .map(|(i, p)| {
                    let interest = monthly_interest(balance, rate, currency);
                    balance -= p;
                    (add_months(first, i as u32), p, interest)
                })
                .collect()
        }
        None => {
            if future.is_empty() {
                future.push((add_months(start, 1), Decimal::ZERO, Decimal::ZERO));
            }
            let extra = spread(overdue_principal, future.len(), currency);
            let mut balance = total_principal;
            future
                .iter()
                .zip(extra)
                .map(|(&(due, p, i), e)| {
                    let principal = p + e;
                    let interest =
                        if terms.new_annual_rate.is_some() { monthly_interest(balance, rate, currency) } else { i };
                    balance -= principal;
                    (due, principal, interest)
                })
                .collect()
        }
    };
    let interest_parts = spread(overdue_interest, regular.len(), currency);
    for (row, extra) in regular.iter_mut().zip(interest_parts) {
        row.2 += extra;
    }
    if let Some(d) = terms.deferral.filter(|d| d.months > 0) {
        let first_due = regular.first().map(|r| r.0).unwrap_or_else(|| add_months(start, 1));
        let mut during = Vec::new();
        if !d.interest_too {
            for m in 0..d.months {
                during.push((
                    add_months(first_due, m),
                    Decimal::ZERO,
                    monthly_interest(total_principal, rate, currency),
                ));
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
/// `income` is in the loan's currency, the one the schedules are rounded in.
pub fn burden(
    ledger: &Ledger,
    terms: &Terms,
    current_rate: Decimal,
    start: NaiveDate,
    income: Money,
    other_debts: Decimal,
    p: &Policy,
) -> Result<Burden, Refusal> {
    let (currency, income) = (income.currency(), income.amount());
    if income <= Decimal::ZERO {
        return Err(Refusal::rule("R7", UserErrorReason::IncomeRequired));
    }
    let payment = |t: &Terms| -> Result<Decimal, Refusal> {
        let rows: Vec<(NaiveDate, Decimal)> = new_schedule(ledger, currency, t, current_rate, start)?
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
        return Err(Refusal::rule("R10", UserErrorReason::DebtBurdenNotLowered)
            .with_param("monthlyPaymentBefore", Money::new(b.payment_before, currency).to_string())
            .with_param("monthlyPaymentAfter", Money::new(b.payment_after, currency).to_string()));
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
