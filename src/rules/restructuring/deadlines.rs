//! The periods of an application's life (R6, R8, R11–R13), of an appeal (R15) and of the
//! home protection it may open (R16), from the policy's figures; never from the clock.

use chrono::NaiveDate;

use crate::error::UserErrorReason;
use crate::rules::Refusal;
use crate::rules::calendar::{Calendar, Due};
use crate::rules::policy::Policy;

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
        return Err(Refusal::rule("R12", UserErrorReason::ReplyPeriodTooShort).with_param("minDays", min));
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
        return Err(Refusal::rule("R15", UserErrorReason::AppealWindowClosed).with_param("lastDay", last.to_string()));
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
