//! A loan's schedule and payments and the ledger derived from them (R1, C9), read and
//! replaced inside the caller's `Write`. Nothing here opens a transaction of its own.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{DbDecimal, installment, loan, payment};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::error::ServiceResult;
use crate::rules::calendar::time_zone;
use crate::rules::loans::{self as rules, Ledger};
use crate::services::write::Write;

/// Rows for a schedule the rules computed (R11, M2, M3).
pub(crate) fn installment_rows(w: &Write, loan_id: Uuid, schedule: &[rules::Installment]) -> Vec<installment::Model> {
    schedule
        .iter()
        .map(|i| installment::Model {
            id: w.new_id(),
            loan_id,
            seq: i.seq,
            due_date: i.due_date,
            principal: DbDecimal(i.principal.normalize()),
            interest: DbDecimal(i.interest.normalize()),
        })
        .collect()
}

/// Replaces a loan's schedule (ingestion, R11 and M2 regenerate it). The audit entry of
/// the caller records the schedule before and after.
pub(crate) async fn replace_schedule(w: &Write, loan_id: Uuid, schedule: Vec<installment::Model>) -> ServiceResult<()> {
    installment::Entity::delete_many().filter(installment::Column::LoanId.eq(loan_id)).exec(w.txn()).await?;
    if !schedule.is_empty() {
        installment::Entity::insert_many(schedule.into_iter().map(IntoActiveModel::into_active_model))
            .exec_without_returning(w.txn())
            .await?;
    }
    Ok(())
}

pub(crate) async fn schedule_of<C: ConnectionTrait>(db: &C, loan_id: Uuid) -> ServiceResult<Vec<installment::Model>> {
    Ok(installment::Entity::find()
        .filter(installment::Column::LoanId.eq(loan_id))
        .order_by_asc(installment::Column::Seq)
        .all(db)
        .await?)
}

pub(crate) async fn payments_of_loan<C: ConnectionTrait>(db: &C, loan_id: Uuid) -> ServiceResult<Vec<payment::Model>> {
    Ok(payment::Entity::find()
        .filter(payment::Column::LoanId.eq(loan_id))
        .order_by_asc(payment::Column::PaidAt)
        .all(db)
        .await?)
}

/// The ledger of a loan from its rows (R1, C9): payments dated in the loan's local time.
pub fn ledger(l: &loan::Model, schedule: &[installment::Model], payments: &[payment::Model]) -> Ledger {
    let tz = time_zone(l.jurisdiction);
    let installments: Vec<rules::Installment> = schedule
        .iter()
        .map(|i| rules::Installment {
            seq: i.seq,
            due_date: i.due_date,
            principal: i.principal.0,
            interest: i.interest.0,
        })
        .collect();
    let payments: Vec<rules::Payment> = payments
        .iter()
        .map(|p| rules::Payment { paid_on: p.paid_at.with_timezone(&tz).date_naive(), amount: p.amount.0 })
        .collect();
    Ledger::build(&installments, &payments, l.repayment_order)
}

/// The loan's local date at `now`.
pub fn local_today(l: &loan::Model, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&time_zone(l.jurisdiction)).date_naive()
}

/// What a loan derives from its schedule and payments at `now`.
pub(crate) struct Derived {
    /// R1: the due date of the oldest installment not paid in full.
    pub first_unpaid: Option<NaiveDate>,
    /// The loan's notice episode is open and nothing is overdue any more: its R1 duty ends
    /// (`restructuring::overdue_cleared`).
    pub overdue_cleared: bool,
}

/// `Derived` from the rows, pure: the single writes (`refresh_derived`) and the batches
/// (`write_loans`, `write_payments`) judge by it alike.
pub(crate) fn derived_of(
    l: &loan::Model,
    schedule: &[installment::Model],
    payments: &[payment::Model],
    now: DateTime<Utc>,
) -> Derived {
    let ledger = ledger(l, schedule, payments);
    Derived {
        first_unpaid: ledger.first_unpaid().map(|s| s.due_date),
        overdue_cleared: l.notice_episode_since.is_some() && !ledger.overdue(local_today(l, now)).is_overdue(),
    }
}

/// Recomputes what is derived from schedule and payments and stores it on the loan.
pub(crate) async fn refresh_derived(w: &mut Write, mut l: loan::Model) -> ServiceResult<loan::Model> {
    let schedule = schedule_of(w.txn(), l.id).await?;
    let payments = payments_of_loan(w.txn(), l.id).await?;
    let Derived { first_unpaid, overdue_cleared } = derived_of(&l, &schedule, &payments, w.now);
    if overdue_cleared {
        crate::services::restructuring::overdue_cleared(w, &l).await?;
    }
    if first_unpaid != l.first_unpaid_due_date {
        loan::Entity::update_many()
            .col_expr(loan::Column::FirstUnpaidDueDate, Expr::value(first_unpaid))
            .filter(loan::Column::Id.eq(l.id))
            .exec(w.txn())
            .await?;
        l.first_unpaid_due_date = first_unpaid;
    }
    Ok(l)
}
