//! Bulk sync: many borrowers, loans or payments of the caller's MFO in one call, for the
//! core-banking system's nightly run. Each item is checked and written exactly as its
//! single mutation would (`loans::write_borrower`, `write_loan`, `write_payment`: the same
//! insert-first of the outside id and the same row lock), so a batch and single calls
//! can meet on one record in any order. It must not judge or write an item any other way.
//!
//! One transaction per batch, one savepoint per item: a refused item takes back only what
//! it wrote, and the others commit together. Items are written in the order of their
//! outside ids (not the order sent), so two workers sending overlapping batches at once
//! take the rows they share in one order: the later one waits for the earlier's commit and
//! then finds its rows (UNCHANGED or UPDATED), instead of the two waiting on each other.
//! A batch that changed nothing is rolled back: a re-sent batch writes no audit entry and
//! no event.

use entity::{borrower, loan, payment};

use super::Ctx;
use super::loans::{self, BorrowerInput, LoanInput, LoanRef, Outcome, PaymentInput};
use super::write::{Actor, Write};
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

/// The order items are written in: by key, then by position (a key sent twice is
/// written in the order sent, the later one updating the earlier).
fn write_order<K: Ord>(keys: Vec<K>) -> Vec<usize> {
    let mut order: Vec<(K, usize)> = keys.into_iter().enumerate().map(|(i, k)| (k, i)).collect();
    order.sort();
    order.into_iter().map(|(_, i)| i).collect()
}

/// An item's service error as its answer: a business refusal stays the item's; anything
/// else (the database failing) fails the whole batch.
fn item_error(e: ServiceError, not_found: &[&str]) -> ServiceResult<Vec<UserError>> {
    match e {
        ServiceError::User(errors) => Ok(errors),
        // A loan named by a payment that is not the caller's MFO's (or does not exist).
        ServiceError::NotFound => Ok(vec![UserError::invalid(not_found, UserErrorReason::UnknownReference)]),
        other @ (ServiceError::Forbidden(_)
        | ServiceError::Unauthenticated
        | ServiceError::OutsideLaw(_)
        | ServiceError::Internal(_)) => Err(other),
    }
}

/// Runs each valid item through `$write` in the write order, each in its own savepoint,
/// and answers every item in the order sent. A macro rather than a function over an async
/// closure: the closure's future borrows the `Write`, and the compiler cannot yet prove
/// such a future `Send` for the resolver.
macro_rules! run {
    ($ctx:expr, $p:expr, $items:expr, $checked:expr, $order:expr, $not_found:expr, |$w:ident, $item:ident| $write:expr) => {{
        let items = $items;
        let mut results: Vec<Option<ItemResult<_>>> =
            $checked.into_iter().map(|problems: Option<Vec<UserError>>| problems.map(Err)).collect();
        if results.iter().any(Option::is_none) {
            // One unit for the batch; a batch whose every item was undone commits nothing.
            $ctx.write(Actor::from($p), async |w: &mut Write| {
                for i in $order {
                    if results[i].is_some() {
                        continue;
                    }
                    let savepoint = w.savepoint().await?;
                    let answer = {
                        let $w = &mut *w;
                        let $item = &items[i];
                        $write
                    };
                    match answer {
                        Ok(done) => {
                            w.keep(savepoint).await?;
                            results[i] = Some(Ok(done));
                        }
                        Err(e) => {
                            w.undo(savepoint).await?;
                            results[i] = Some(Err(item_error(e, &[$not_found(&items[i])])?));
                        }
                    }
                }
                Ok(())
            })
            .await?;
        }
        results
            .into_iter()
            .map(|r| r.ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("a batch item was left unanswered"))))
            .collect()
    }};
}

fn refusals(r: ServiceResult<()>) -> Option<Vec<UserError>> {
    match r {
        Ok(()) => None,
        Err(ServiceError::User(errors)) => Some(errors),
        // The checks before writing only ever refuse.
        Err(_) => Some(Vec::new()),
    }
}

/// `upsertBorrowers`: every item as `upsertBorrower` would.
pub async fn upsert_borrowers(
    ctx: &Ctx,
    p: &Principal,
    items: Vec<BorrowerInput>,
) -> ServiceResult<Vec<ItemResult<borrower::Model>>> {
    loans::require_ingest(p)?;
    check_size(items.len())?;
    let checked: Vec<Option<Vec<UserError>>> = items.iter().map(|i| refusals(loans::validate_borrower(i))).collect();
    let order = write_order(items.iter().map(|i| i.external_id.clone()).collect());
    run!(ctx, p, &items, checked, order, |_: &BorrowerInput| "externalId", |w, i| {
        loans::write_borrower(w, p, i.clone()).await
    })
}

/// `upsertLoans`: every item, schedule included, as `upsertLoan` would.
pub async fn upsert_loans(
    ctx: &Ctx,
    p: &Principal,
    items: Vec<LoanInput>,
) -> ServiceResult<Vec<ItemResult<loan::Model>>> {
    loans::require_ingest(p)?;
    check_size(items.len())?;
    let mut currencies = Vec::with_capacity(items.len());
    let checked: Vec<Option<Vec<UserError>>> = items
        .iter()
        .map(|i| match loans::validate_loan(i) {
            Ok(c) => {
                currencies.push(Some(c));
                None
            }
            Err(e) => {
                currencies.push(None);
                refusals(Err(e))
            }
        })
        .collect();
    let order = write_order(items.iter().map(|i| i.external_id.clone()).collect());
    let indexed: Vec<(LoanInput, Option<entity::enums::Currency>)> = items.into_iter().zip(currencies).collect();
    run!(ctx, p, &indexed, checked, order, |_: &(LoanInput, _)| "borrowerExternalId", |w, item| {
        match item.1 {
            Some(currency) => loans::write_loan(w, p, &item.0, currency).await,
            None => Err(ServiceError::Internal(anyhow::anyhow!("an unchecked loan was written"))),
        }
    })
}

/// `recordPayments`: every item as `recordPayment` would. A payment's loan is named as in
/// `recordPayment`; one not of the caller's MFO is UNKNOWN_REFERENCE on the item.
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
    // By loan first: a loan's row is what a payment locks.
    let order = write_order(
        items
            .iter()
            .map(|i| {
                let loan = match &i.loan {
                    LoanRef::Id(id) => format!("id:{}", id.0),
                    LoanRef::External(e) => format!("ext:{e}"),
                };
                (loan, i.external_id.clone())
            })
            .collect(),
    );
    let named = |i: &PaymentInput| match i.loan {
        LoanRef::Id(_) => "loanId",
        LoanRef::External(_) => "loanExternalId",
    };
    run!(ctx, p, &items, checked, order, named, |w, i| {
        loans::write_payment(w, p, i).await.map(|(payment, loan, outcome)| ((payment, loan), outcome))
    })
}
