//! R7, R8, R10–R13 as one plan: what signing a decision writes (its delivery, its reasons,
//! the debt-burden check of its terms, the next status and the deadline that follows), from
//! the facts the service loaded and `now`. It reads nothing and writes nothing.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use entity::enums::{ApplicationStatus, Currency, DeadlineKind, DecisionKind, Obligor};
use rust_decimal::Decimal;

use super::{
    AppStep, Burden, Terms, burden, check_lowers_burden, check_reply_by, deemed_refusal_due, implementation_due,
    new_schedule, next_status,
};
use crate::error::{Problems, UserError, UserErrorReason};
use crate::money;
use crate::rules::calendar::{Calendar, Due};
use crate::rules::loans::Ledger;
use crate::rules::policy::Policy;

/// Terms a decision agrees or proposes, with the ledger of the loan they change.
#[derive(Debug, Clone, Copy)]
pub struct Proposal<'a> {
    pub terms: &'a Terms,
    pub ledger: &'a Ledger,
}

/// What a decision depends on: the application, its loan and the decision as given.
#[derive(Debug, Clone, Copy)]
pub struct DecisionFacts<'a> {
    pub status: ApplicationStatus,
    pub received_at: DateTime<Utc>,
    pub monthly_income: Option<Decimal>,
    pub other_monthly_debt_payments: Decimal,
    pub currency: Currency,
    pub annual_rate: Decimal,
    pub kind: DecisionKind,
    pub proposal: Option<Proposal<'a>>,
    pub reasons: Option<&'a str>,
    /// R3: the reasons of the refusal drafted at submission, if any.
    pub drafted_reasons: Option<&'a str>,
    pub reply_by: Option<NaiveDate>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// A deadline a decision starts, with the rule that sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextDeadline {
    pub kind: DeadlineKind,
    pub rule: &'static str,
    pub obligor: Obligor,
    pub due: Due,
}

/// What signing a decision writes. R8's decision deadline is met by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionPlan {
    pub step: AppStep,
    pub status: ApplicationStatus,
    pub delivered_at: DateTime<Utc>,
    pub reasons: Option<String>,
    /// R7, R10: the burden the terms were checked with.
    pub burden: Option<Burden>,
    /// R11: an approval is implemented in time; R13: a counter-proposal awaits its reply.
    pub next_deadline: Option<NextDeadline>,
}

fn on(field: &str) -> impl Fn(super::Refusal) -> Vec<UserError> + '_ {
    move |r| vec![r.on_field(&[field])]
}

/// R7, R8, R10–R13: the decision on an application, or the user errors that refuse it.
pub fn decision(
    f: &DecisionFacts<'_>,
    now: DateTime<Utc>,
    cal: &Calendar,
    p: &Policy,
) -> Result<DecisionPlan, Vec<UserError>> {
    let step = AppStep::Decide(f.kind);
    let status = next_status(f.status, step).map_err(on("applicationId"))?;
    // A decision is delivered between the application's receipt and now.
    let delivered_at = f.delivered_at.unwrap_or(now);
    if delivered_at > now || delivered_at < f.received_at {
        return Err(vec![
            UserError::invalid(&["deliveredAt"], UserErrorReason::DateOutOfRange)
                .with_param("notBefore", f.received_at.to_rfc3339_opts(SecondsFormat::Secs, true))
                .with_param("notAfter", now.to_rfc3339_opts(SecondsFormat::Secs, true)),
        ]);
    }
    let today = cal.local_date(now);
    let delivered_on = cal.local_date(delivered_at);
    let mut checked = None;
    if let Some(Proposal { terms, ledger }) = f.proposal {
        // R2.5: forgiven amounts are money of the loan's currency, never finer than its minor unit.
        let mut problems = Problems::new();
        for (field, v) in [
            ("forgiveOverduePrincipal", terms.forgive_overdue_principal),
            ("forgiveOverdueInterest", terms.forgive_overdue_interest),
        ] {
            money::check_scale(&mut problems, &["terms", field], v, f.currency);
        }
        if !problems.is_empty() {
            return Err(problems.into_errors());
        }
        // Terms that cannot be scheduled (R2) are refused on the terms, before the burden.
        new_schedule(ledger, f.currency, terms, f.annual_rate, today).map_err(on("terms"))?;
        let income = money::Money::new(f.monthly_income.unwrap_or_default(), f.currency);
        let b = burden(ledger, terms, f.annual_rate, today, income, f.other_monthly_debt_payments, p)
            .map_err(on("applicationId"))?;
        // R10: agreed or proposed terms must lower the debt burden.
        check_lowers_burden(&b, f.currency).map_err(on("terms"))?;
        checked = Some(b);
    }
    // R12: the borrower has at least the policy's days to reply to a counter-proposal.
    if let Some(reply_by) = f.reply_by {
        check_reply_by(p, delivered_on, reply_by).map_err(on("replyBy"))?;
    }
    let reasons = match f.kind {
        // R8, D1: a refusal is motivated, by the manager or by the drafted refusal (R3).
        DecisionKind::Refuse => match f.reasons.filter(|r| !r.trim().is_empty()).or(f.drafted_reasons) {
            Some(r) => Some(r.to_owned()),
            None => {
                return Err(vec![UserError::rule("R8", &["reasons"], UserErrorReason::RefusalReasonsRequired)]);
            }
        },
        DecisionKind::Approve | DecisionKind::CounterProposal => f.reasons.map(str::to_owned),
    };
    let next_deadline = match f.kind {
        DecisionKind::Approve => Some(NextDeadline {
            kind: DeadlineKind::DecisionImplementation,
            rule: "R11",
            obligor: Obligor::Mfo,
            due: implementation_due(cal, p, today),
        }),
        DecisionKind::CounterProposal => Some(NextDeadline {
            kind: DeadlineKind::CounterProposalReply,
            rule: "R13",
            obligor: Obligor::Borrower,
            due: deemed_refusal_due(cal, p, delivered_on),
        }),
        DecisionKind::Refuse => None,
    };
    Ok(DecisionPlan { step, status, delivered_at, reasons, burden: checked, next_deadline })
}
