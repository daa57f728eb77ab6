//! R2, R3, R5, R8, D1 as one plan: what submitting an application writes (its receipt, its
//! admissibility and status, the R8 deadline, the drafted D1 refusal), from the facts the
//! service loaded and `now`. It reads nothing and writes nothing; the incoming number is
//! taken by the service.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::enums::{ApplicationStatus, Language, SubmissionChannel};

use super::{BlockingFact, BlockingFacts, admissibility, decision_due, late_application_reasons};
use crate::error::{UserError, UserErrorReason};
use crate::rules::calendar::{Calendar, Due};
use crate::rules::policy::Policy;

/// R8, R2: when an application counts as received: the app's submissions when sent, a
/// staff entry when it reached the MFO if given (posted, handed in at a branch).
pub fn received_at(by_borrower: bool, given: Option<DateTime<Utc>>, now: DateTime<Utc>) -> DateTime<Utc> {
    if by_borrower { now } else { given.unwrap_or(now) }
}

/// What submission depends on: the application as given and its loan as it stood at receipt.
#[derive(Debug, Clone, Copy)]
pub struct SubmissionFacts {
    pub by_borrower: bool,
    pub channel: SubmissionChannel,
    pub language: Language,
    pub application_date: Option<NaiveDate>,
    /// From `received_at`.
    pub received_at: DateTime<Utc>,
    pub contract_date: NaiveDate,
    /// The day the MFO was founded, when it is on record.
    pub mfo_founded_on: Option<NaiveDate>,
    /// The first day of the loan's overdue at receipt (payments after it do not count).
    pub overdue_since: Option<NaiveDate>,
    pub blocking: BlockingFacts,
}

/// What submitting writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub received_at: DateTime<Utc>,
    pub application_date: NaiveDate,
    pub channel: SubmissionChannel,
    pub status: ApplicationStatus,
    pub admissible: bool,
    /// R2 or R3: the rule that decided admissibility.
    pub admissibility_rule: &'static str,
    /// R3: the facts that make a late application inadmissible (empty when admissible).
    pub inadmissible_facts: Vec<BlockingFact>,
    /// The incoming number's year: the year the MFO registers it in.
    pub incoming_year: i32,
    /// R8: the decision is due within 15 calendar days of receipt, admissible or not; its
    /// clock starts at receipt.
    pub decision_due: Due,
    /// D1: the reasons of the refusal drafted for the manager to sign, when inadmissible.
    pub refusal_draft: Option<String>,
}

/// R2, R3, R5, R8: the registration of an application. It is registered whatever it lacks
/// (R5); only a receipt before the loan's contract or before the MFO was founded is refused.
pub fn submission(
    f: &SubmissionFacts,
    now: DateTime<Utc>,
    cal: &Calendar,
    p: &Policy,
) -> Result<Submission, UserError> {
    let received_on = cal.local_date(f.received_at);
    if received_on < f.contract_date {
        return Err(UserError::invalid(&["receivedAt"], UserErrorReason::DateOutOfRange)
            .with_param("notBefore", f.contract_date.to_string())
            .with_rule("R8"));
    }
    // A loan can predate its MFO (a portfolio taken over), an application cannot.
    if let Some(founded_on) = f.mfo_founded_on
        && received_on < founded_on
    {
        return Err(UserError::invalid(&["receivedAt"], UserErrorReason::DateOutOfRange)
            .with_param("notBefore", founded_on.to_string())
            .with_rule("R8"));
    }
    let verdict = admissibility(f.overdue_since, received_on, &f.blocking, p);
    // D1: an inadmissible application gets its refusal drafted for the manager to sign.
    let refusal_draft = (!verdict.admissible)
        .then(|| late_application_reasons(f.language, verdict.days_after_overdue.unwrap_or_default(), &verdict.facts));
    Ok(Submission {
        received_at: f.received_at,
        application_date: f.application_date.unwrap_or(received_on),
        channel: if f.by_borrower { SubmissionChannel::MobileApp } else { f.channel },
        status: if verdict.admissible { ApplicationStatus::Registered } else { ApplicationStatus::Inadmissible },
        admissible: verdict.admissible,
        admissibility_rule: verdict.rule,
        inadmissible_facts: if verdict.admissible { Vec::new() } else { verdict.facts },
        incoming_year: cal.local_date(now).year(),
        decision_due: decision_due(cal, p, received_on),
        refusal_draft,
    })
}
