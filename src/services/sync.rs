//! Bulk sync: many borrowers, loans or payments of the caller's MFO in one call, for the
//! core-banking system's nightly run. The single mutations are batches of one: each item
//! is judged by the same code (`loans::write_borrowers`, `write_loans`, `write_payments`),
//! so a batch and single calls can meet on one record in any order.
//!
//! One transaction per batch, whose statements do not grow with the number of items: the
//! stored records are read at once (locked), every item is judged in memory before anything
//! is written (a refused item writes nothing, so it needs no savepoint), and the rows, audit
//! entries and outbox events are written by multi-row statements. Items are judged and
//! written in the order of their outside ids (not the order sent), so two workers sending
//! overlapping batches at once take the rows they share in one order: the later one waits
//! for the earlier's commit and then finds its rows (UNCHANGED or UPDATED). A batch that
//! changed nothing writes nothing: a re-sent batch records no audit entry and no event.

use entity::enums::Currency;
use entity::{borrower, loan, payment};

use super::Ctx;
use super::loans::{self, BorrowerInput, LoanInput, LoanRef, Outcome, PaymentInput};
use super::write::Actor;
use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult, UserError, UserErrorReason};

/// The most items one call may carry (documented on each batch mutation): 500 loans with
/// a year's schedule each stay well inside the request body limit and the request timeout.
pub const MAX_ITEMS: usize = 500;

/// One item's answer: its record and what became of it, or why it was refused (field
/// paths relative to the item's input, as the single mutation says them).
pub type ItemResult<T> = Result<(T, Outcome), Vec<UserError>>;

/// A batch over `MAX_ITEMS` is refused whole, before anything is read.
pub fn check_size(len: usize) -> ServiceResult<()> {
    if len > MAX_ITEMS {
        return Err(ServiceError::user(
            UserError::invalid(&["items"], UserErrorReason::TooMany).with_param("maxItems", MAX_ITEMS),
        ));
    }
    Ok(())
}

/// An item's service error as its answer: a business refusal stays the item's; anything
/// else (the database failing) fails the whole batch.
fn item_error(e: ServiceError, not_found: &str) -> ServiceResult<Vec<UserError>> {
    match e {
        ServiceError::User(errors) => Ok(errors),
        // A loan named by a payment that is not the caller's MFO's (or does not exist).
        ServiceError::NotFound => Ok(vec![UserError::invalid(&[not_found], UserErrorReason::UnknownReference)]),
        other @ (ServiceError::Forbidden(_)
        | ServiceError::Unauthenticated
        | ServiceError::OutsideLaw(_)
        | ServiceError::Internal(_)) => Err(other),
    }
}

fn refusals(r: ServiceResult<()>) -> Option<Vec<UserError>> {
    match r {
        Ok(()) => None,
        Err(ServiceError::User(errors)) => Some(errors),
        // The checks before writing only ever refuse.
        Err(_) => Some(Vec::new()),
    }
}

/// The answers of the items judged in the write (`answers`, in order) put back among the
/// items refused before it (`checked`).
fn merge<T>(
    checked: Vec<Option<Vec<UserError>>>,
    answers: Vec<ServiceResult<(T, Outcome)>>,
    not_found: impl Fn(usize) -> &'static str,
) -> ServiceResult<Vec<ItemResult<T>>> {
    let mut answers = answers.into_iter();
    checked
        .into_iter()
        .enumerate()
        .map(|(i, problems)| match problems {
            Some(errors) => Ok(Err(errors)),
            None => match answers.next() {
                Some(Ok(done)) => Ok(Ok(done)),
                Some(Err(e)) => Ok(Err(item_error(e, not_found(i))?)),
                None => Err(ServiceError::Internal(anyhow::anyhow!("a batch item was left unanswered"))),
            },
        })
        .collect()
}

/// `upsertBorrowers`: every item as `upsertBorrower` would (the same code, a batch of one
/// there). A batch that changed nothing writes nothing.
pub async fn upsert_borrowers(
    ctx: &Ctx,
    p: &Principal,
    items: Vec<BorrowerInput>,
) -> ServiceResult<Vec<ItemResult<borrower::Model>>> {
    loans::require_ingest(p)?;
    check_size(items.len())?;
    let checked: Vec<Option<Vec<UserError>>> = items.iter().map(|i| refusals(loans::validate_borrower(i))).collect();
    let valid: Vec<&BorrowerInput> = items.iter().zip(&checked).filter(|(_, c)| c.is_none()).map(|(i, _)| i).collect();
    let answers = if valid.is_empty() {
        Vec::new()
    } else {
        ctx.write(Actor::from(p), async |w| loans::write_borrowers(w, p, &valid).await).await?
    };
    merge(checked, answers.into_iter().map(Ok).collect(), |_| "externalId")
}

/// `upsertLoans`: every item, schedule included, as `upsertLoan` would (the same code, a
/// batch of one there). A batch that changed nothing writes nothing.
pub async fn upsert_loans(
    ctx: &Ctx,
    p: &Principal,
    items: Vec<LoanInput>,
) -> ServiceResult<Vec<ItemResult<loan::Model>>> {
    loans::require_ingest(p)?;
    check_size(items.len())?;
    let mut valid: Vec<(&LoanInput, Currency)> = Vec::with_capacity(items.len());
    let checked: Vec<Option<Vec<UserError>>> = items
        .iter()
        .map(|i| match loans::validate_loan(i) {
            Ok(c) => {
                valid.push((i, c));
                None
            }
            Err(e) => refusals(Err(e)),
        })
        .collect();
    let answers = if valid.is_empty() {
        Vec::new()
    } else {
        ctx.write(Actor::from(p), async |w| loans::write_loans(w, p, &valid).await).await?
    };
    merge(checked, answers, |_| "borrowerExternalId")
}

/// `recordPayments`: every item as `recordPayment` would (the same code, a batch of one
/// there). A payment's loan is named as in `recordPayment`; one not of the caller's MFO is
/// UNKNOWN_REFERENCE on the item.
pub async fn record_payments(
    ctx: &Ctx,
    p: &Principal,
    items: Vec<PaymentInput>,
) -> ServiceResult<Vec<ItemResult<(payment::Model, loan::Model)>>> {
    loans::require_ingest(p)?;
    check_size(items.len())?;
    let now = ctx.clock.now();
    let checked: Vec<Option<Vec<UserError>>> =
        items.iter().map(|i| refusals(loans::validate_payment(i, now))).collect();
    let valid: Vec<&PaymentInput> = items.iter().zip(&checked).filter(|(_, c)| c.is_none()).map(|(i, _)| i).collect();
    let answers = if valid.is_empty() {
        Vec::new()
    } else {
        ctx.write(Actor::from(p), async |w| loans::write_payments(w, p, &valid).await).await?
    };
    let answers = answers.into_iter().map(|a| a.map(|(payment, loan, outcome)| ((payment, loan), outcome))).collect();
    merge(checked, answers, |i| match items[i].loan {
        LoanRef::Id(_) => "loanId",
        LoanRef::External(_) => "loanExternalId",
    })
}
