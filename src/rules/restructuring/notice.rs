//! R1: when the delinquency notice is due and the three contents it must state. Pure:
//! the dates come in, nothing is read from the clock.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::error::UserErrorReason;
use crate::rules::Refusal;
use crate::rules::calendar::{Calendar, Due};
use crate::rules::policy::Policy;

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
        missing.push(("overdueAmount", Refusal::rule("R1", UserErrorReason::NoticeContentMissing)));
    }
    if c.amount_as_of.is_none() {
        missing.push(("amountAsOf", Refusal::rule("R1", UserErrorReason::NoticeContentMissing)));
    }
    if !c.right_to_apply {
        missing.push(("statesRightToApply", Refusal::rule("R1", UserErrorReason::NoticeContentMissing)));
    }
    if !c.consequences {
        missing.push(("statesConsequences", Refusal::rule("R1", UserErrorReason::NoticeContentMissing)));
    }
    missing
}
