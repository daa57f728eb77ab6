//! Bulk sync's mutations (`upsertBorrowers`, `upsertLoans`, `recordPayments`): transport
//! only. Each item takes the single mutation's input type and answers with its own record,
//! outcome and `userErrors`, whose `field` paths point into the item
//! (`["input", "items", "3", "externalId"]`).

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};

use crate::error::{ServiceError, UserError};
use crate::graphql::context::ContextExt;
use crate::graphql::errors::{UserErrorObject, top_level};
use crate::graphql::loans::{Borrower, Loan, Payment, RecordPaymentInput, UpsertBorrowerInput, UpsertLoanInput};
use crate::services::loans::Outcome;
use crate::services::sync::{self as svc, ItemResult};

/// What an item of a batch did to its record.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SyncOutcome {
    /// The record was not stored before: it is now.
    Created,
    /// The record was stored with other data: it now holds the item's.
    Updated,
    /// The record already held exactly this: nothing was written or recorded (a re-sent item).
    Unchanged,
}

impl From<Outcome> for SyncOutcome {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Created => Self::Created,
            Outcome::Updated => Self::Updated,
            Outcome::Unchanged => Self::Unchanged,
        }
    }
}

/// Up to 500 borrowers of the caller's MFO.
#[derive(InputObject)]
pub struct UpsertBorrowersInput {
    /// The borrowers, each as `upsertBorrower` takes it; at most 500.
    pub items: Vec<UpsertBorrowerInput>,
}

/// Up to 500 loans of the caller's MFO, each with its full schedule.
#[derive(InputObject)]
pub struct UpsertLoansInput {
    /// The loans, each as `upsertLoan` takes it; at most 500.
    pub items: Vec<UpsertLoanInput>,
}

/// Up to 500 payments on loans of the caller's MFO.
#[derive(InputObject)]
pub struct RecordPaymentsInput {
    /// The payments, each as `recordPayment` takes it; at most 500.
    pub items: Vec<RecordPaymentInput>,
}

/// How many items of a batch ended each way.
#[derive(SimpleObject, Default)]
pub struct SyncCounts {
    /// Items whose record was created.
    pub created: i32,
    /// Items whose record was updated.
    pub updated: i32,
    /// Items that changed nothing.
    pub unchanged: i32,
    /// Items refused (each with its `userErrors`).
    pub refused: i32,
}

/// One borrower of an `upsertBorrowers` batch.
#[derive(SimpleObject)]
pub struct BorrowerSyncItem {
    /// The item's position in `input.items`, from 0.
    pub index: i32,
    /// The item's `externalId`, as sent.
    pub external_id: String,
    /// What became of the record; null when the item was refused.
    pub outcome: Option<SyncOutcome>,
    /// The borrower as the item left it; null when refused.
    pub borrower: Option<Borrower>,
    /// Why the item was refused (paths into `input.items.<index>`); empty when it was not.
    pub user_errors: Vec<UserErrorObject>,
}

/// One loan of an `upsertLoans` batch.
#[derive(SimpleObject)]
pub struct LoanSyncItem {
    /// The item's position in `input.items`, from 0.
    pub index: i32,
    /// The item's `externalId`, as sent.
    pub external_id: String,
    /// What became of the record; null when the item was refused.
    pub outcome: Option<SyncOutcome>,
    /// The loan as the item left it; null when refused.
    pub loan: Option<Loan>,
    /// Why the item was refused (paths into `input.items.<index>`); empty when it was not.
    pub user_errors: Vec<UserErrorObject>,
}

/// One payment of a `recordPayments` batch.
#[derive(SimpleObject)]
pub struct PaymentSyncItem {
    /// The item's position in `input.items`, from 0.
    pub index: i32,
    /// The item's `externalId`, as sent.
    pub external_id: String,
    /// CREATED, or UNCHANGED for a payment recorded before with the same data; null when refused.
    pub outcome: Option<SyncOutcome>,
    /// The payment; null when refused.
    pub payment: Option<Payment>,
    /// The loan after the batch's payments up to this one; null when refused.
    pub loan: Option<Loan>,
    /// Why the item was refused (paths into `input.items.<index>`); empty when it was not.
    pub user_errors: Vec<UserErrorObject>,
}

/// The answer to `upsertBorrowers`: one entry per item, in the order sent.
#[derive(SimpleObject)]
pub struct UpsertBorrowersPayload {
    /// Each item's answer, in the order of `input.items`.
    pub items: Vec<BorrowerSyncItem>,
    /// How many items ended each way.
    pub counts: SyncCounts,
    /// Why the whole batch was refused (more than 500 items); then `items` is empty.
    pub user_errors: Vec<UserErrorObject>,
}

/// The answer to `upsertLoans`: one entry per item, in the order sent.
#[derive(SimpleObject)]
pub struct UpsertLoansPayload {
    /// Each item's answer, in the order of `input.items`.
    pub items: Vec<LoanSyncItem>,
    /// How many items ended each way.
    pub counts: SyncCounts,
    /// Why the whole batch was refused (more than 500 items); then `items` is empty.
    pub user_errors: Vec<UserErrorObject>,
}

/// The answer to `recordPayments`: one entry per item, in the order sent.
#[derive(SimpleObject)]
pub struct RecordPaymentsPayload {
    /// Each item's answer, in the order of `input.items`.
    pub items: Vec<PaymentSyncItem>,
    /// How many items ended each way.
    pub counts: SyncCounts,
    /// Why the whole batch was refused (more than 500 items); then `items` is empty.
    pub user_errors: Vec<UserErrorObject>,
}

macro_rules! refused_whole {
    ($($ty:ident),*) => {$(
        impl $ty {
            /// The whole batch refused: no item was looked at.
            fn refused_whole(user_errors: Vec<UserErrorObject>) -> Self {
                Self { items: Vec::new(), counts: SyncCounts::default(), user_errors }
            }
        }
    )*};
}
refused_whole!(UpsertBorrowersPayload, UpsertLoansPayload, RecordPaymentsPayload);

/// An item's refusal with its paths moved under `input.items.<index>`.
fn item_errors(index: usize, errors: Vec<UserError>) -> Vec<UserErrorObject> {
    errors
        .into_iter()
        .map(|mut e| {
            let rest: Vec<String> = e.field.iter().skip(1).cloned().collect();
            e.field = ["input".to_owned(), "items".to_owned(), index.to_string()].into_iter().chain(rest).collect();
            e.into()
        })
        .collect()
}

/// One item's answer as the payload shows it: its index and outside id, outcome, record,
/// refusals.
struct Answer<T> {
    index: i32,
    external_id: String,
    outcome: Option<SyncOutcome>,
    record: Option<T>,
    user_errors: Vec<UserErrorObject>,
}

/// Each item's answer in the payload's item type (`item`), in the order sent, with the counts.
fn answers<T, Item>(
    results: Vec<ItemResult<T>>,
    externals: Vec<String>,
    item: impl Fn(Answer<T>) -> Item,
) -> (Vec<Item>, SyncCounts) {
    let mut counts = SyncCounts::default();
    let items = results
        .into_iter()
        .zip(externals)
        .enumerate()
        .map(|(i, (r, external_id))| {
            let index = i as i32;
            item(match r {
                Ok((record, outcome)) => {
                    match outcome {
                        Outcome::Created => counts.created += 1,
                        Outcome::Updated => counts.updated += 1,
                        Outcome::Unchanged => counts.unchanged += 1,
                    }
                    Answer {
                        index,
                        external_id,
                        outcome: Some(outcome.into()),
                        record: Some(record),
                        user_errors: Vec::new(),
                    }
                }
                Err(errors) => {
                    counts.refused += 1;
                    Answer { index, external_id, outcome: None, record: None, user_errors: item_errors(i, errors) }
                }
            })
        })
        .collect();
    (items, counts)
}

/// The items converted for the service; one that does not convert is refused in its place
/// (`None` where the service answers, its user errors otherwise; `merge` puts them back).
type Converted<S> = (Vec<Option<Vec<UserError>>>, Vec<S>);

fn convert_each<I, S>(
    items: Vec<I>,
    convert: impl Fn(I) -> Result<S, ServiceError>,
) -> async_graphql::Result<Converted<S>> {
    let (mut early, mut converted) = (Vec::new(), Vec::new());
    for i in items {
        match convert(i) {
            Ok(s) => {
                early.push(None);
                converted.push(s);
            }
            Err(e) => early.push(Some(refused(e)?)),
        }
    }
    Ok((early, converted))
}

/// A refusal of the whole batch (its size) as user errors; anything else top-level.
fn batch_refusal(e: ServiceError) -> async_graphql::Result<Vec<UserErrorObject>> {
    match e {
        ServiceError::User(errors) => Ok(errors.into_iter().map(Into::into).collect()),
        other => Err(top_level(other)),
    }
}

#[derive(Default)]
pub struct SyncMutation;

#[Object]
impl SyncMutation {
    /// Creates or updates up to 500 borrowers of the caller's MFO at once, each exactly as
    /// `upsertBorrower` would (MFO_STAFF, MFO_MANAGER). A refused item refuses only itself;
    /// a re-sent batch changes nothing and answers UNCHANGED for each item.
    async fn upsert_borrowers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The borrowers; each keyed by `externalId` within the caller's MFO.")]
        input: UpsertBorrowersInput,
    ) -> async_graphql::Result<UpsertBorrowersPayload> {
        let p = ctx.principal()?;
        if let Err(e) = svc::check_size(input.items.len()) {
            return Ok(UpsertBorrowersPayload::refused_whole(batch_refusal(e)?));
        }
        let externals: Vec<String> = input.items.iter().map(|i| i.external_id.clone()).collect();
        let items = input.items.into_iter().map(UpsertBorrowerInput::into_service).collect();
        match svc::upsert_borrowers(ctx.services(), p, items).await {
            Ok(results) => {
                let (items, counts) = answers(results, externals, |a| BorrowerSyncItem {
                    index: a.index,
                    external_id: a.external_id,
                    outcome: a.outcome,
                    borrower: a.record.map(Borrower),
                    user_errors: a.user_errors,
                });
                Ok(UpsertBorrowersPayload { items, counts, user_errors: Vec::new() })
            }
            Err(e) => Ok(UpsertBorrowersPayload::refused_whole(batch_refusal(e)?)),
        }
    }

    /// Creates or updates up to 500 loans of the caller's MFO at once, each with its full
    /// schedule, exactly as `upsertLoan` would (MFO_STAFF, MFO_MANAGER). A refused item
    /// refuses only itself; a re-sent batch changes nothing and answers UNCHANGED for each item.
    async fn upsert_loans(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The loans; each keyed by `externalId` within the caller's MFO.")] input: UpsertLoansInput,
    ) -> async_graphql::Result<UpsertLoansPayload> {
        let p = ctx.principal()?;
        if let Err(e) = svc::check_size(input.items.len()) {
            return Ok(UpsertLoansPayload::refused_whole(batch_refusal(e)?));
        }
        let externals: Vec<String> = input.items.iter().map(|i| i.external_id.clone()).collect();
        // An item whose input does not even convert is refused before the service sees it;
        // the service's batch gets the rest.
        let (early, items) = convert_each(input.items, UpsertLoanInput::into_service)?;
        match svc::upsert_loans(ctx.services(), p, items).await {
            Ok(results) => {
                let (items, counts) = answers(merge(early, results)?, externals, |a| LoanSyncItem {
                    index: a.index,
                    external_id: a.external_id,
                    outcome: a.outcome,
                    loan: a.record.map(Loan),
                    user_errors: a.user_errors,
                });
                Ok(UpsertLoansPayload { items, counts, user_errors: Vec::new() })
            }
            Err(e) => Ok(UpsertLoansPayload::refused_whole(batch_refusal(e)?)),
        }
    }

    /// Records up to 500 payments on loans of the caller's MFO at once, each exactly as
    /// `recordPayment` would (MFO_STAFF, MFO_MANAGER). A refused item refuses only itself
    /// (a loan not found is UNKNOWN_REFERENCE on the item); a re-sent batch records nothing
    /// new and answers UNCHANGED for each item.
    async fn record_payments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The payments; each keyed by its loan and `externalId`.")] input: RecordPaymentsInput,
    ) -> async_graphql::Result<RecordPaymentsPayload> {
        let p = ctx.principal()?;
        if let Err(e) = svc::check_size(input.items.len()) {
            return Ok(RecordPaymentsPayload::refused_whole(batch_refusal(e)?));
        }
        let externals: Vec<String> = input.items.iter().map(|i| i.external_id.clone()).collect();
        let (early, items) = convert_each(input.items, RecordPaymentInput::into_service)?;
        match svc::record_payments(ctx.services(), p, items).await {
            Ok(results) => {
                let (items, counts) = answers(merge(early, results)?, externals, |a| {
                    let (payment, loan) = a.record.map(|(p, l)| (Payment(p), Loan(l))).unzip();
                    PaymentSyncItem {
                        index: a.index,
                        external_id: a.external_id,
                        outcome: a.outcome,
                        payment,
                        loan,
                        user_errors: a.user_errors,
                    }
                });
                Ok(RecordPaymentsPayload { items, counts, user_errors: Vec::new() })
            }
            Err(e) => Ok(RecordPaymentsPayload::refused_whole(batch_refusal(e)?)),
        }
    }
}

/// A conversion's refusal as the item's user errors.
fn refused(e: ServiceError) -> async_graphql::Result<Vec<UserError>> {
    match e {
        ServiceError::User(errors) => Ok(errors),
        other => Err(top_level(other)),
    }
}

/// The items refused before the service, put back in their places among its answers.
fn merge<T>(
    early: Vec<Option<Vec<UserError>>>,
    results: Vec<ItemResult<T>>,
) -> async_graphql::Result<Vec<ItemResult<T>>> {
    let mut results = results.into_iter();
    early
        .into_iter()
        .map(|e| match e {
            Some(errors) => Ok(Err(errors)),
            None => results
                .next()
                .ok_or_else(|| top_level(ServiceError::Internal(anyhow::anyhow!("a batch answer is missing")))),
        })
        .collect()
}
