//! Loans, borrowers and payments as every role reads them within its scope (`scope`),
//! lists, counts and the loaders' batches. Nothing here writes.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::LoanStatus;
use entity::{DbDecimal, borrower, installment, loan, payment};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult};
use crate::ids::{BorrowerId, LoanId};
use crate::rules::calendar::time_zone;
use crate::services::paging::{self, Sort, Window};
use crate::services::{Ctx, Page, scope};

#[derive(Debug, Clone, Default)]
pub struct LoanFilter {
    pub status: Option<LoanStatus>,
    pub overdue: Option<bool>,
    pub borrower_id: Option<BorrowerId>,
    /// On `contract_date`.
    pub contract_date: crate::services::Range<chrono::NaiveDate>,
    /// Records changed (created included) at or after this instant: see `services::changes`.
    pub updated_after: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default)]
pub struct BorrowerFilter {
    /// On `created_at` (when the borrower was first synced).
    pub created: crate::services::Range<DateTime<Utc>>,
    /// Records changed (created included) at or after this instant: see `services::changes`.
    pub updated_after: Option<DateTime<Utc>>,
}

/// A loan the principal may see, or NOT_FOUND (also when it exists outside the scope).
pub async fn get(ctx: &Ctx, p: &Principal, id: LoanId) -> ServiceResult<loan::Model> {
    loan::Entity::find_by_id(id.0).filter(scope::loans(p)).one(&ctx.db).await?.ok_or(ServiceError::NotFound)
}

paging::sort_fields!(
    /// What `loans` may be sorted by (then by id); each is backed by an index per scope.
    LoanOrderField for loan {
        /// The contract's date.
        ContractDate => "CONTRACT_DATE", Date(ContractDate, contract_date);
        /// When the loan was first synced.
        CreatedAt => "CREATED_AT", Instant(CreatedAt, created_at);
        /// When the loan last changed.
        UpdatedAt => "UPDATED_AT", Instant(UpdatedAt, updated_at);
    }
);

/// `loans`: a window of the principal's scope in `sort`'s order (by default by id: UUIDv7,
/// the order the loans were first synced).
pub async fn list(
    ctx: &Ctx,
    p: &Principal,
    filter: &LoanFilter,
    sort: &Sort<LoanOrderField>,
    w: &Window<Uuid>,
) -> ServiceResult<Page<loan::Model>> {
    crate::services::changes::check_since(ctx, filter.updated_after)?;
    paging::read(&ctx.db, filtered(ctx, p, filter), loan::Column::Id, sort, w).await
}

/// `loans { totalCount }`: every loan of `list`'s scope and filter.
pub async fn count(ctx: &Ctx, p: &Principal, filter: &LoanFilter) -> ServiceResult<u64> {
    crate::services::count_rows(&ctx.db, filtered(ctx, p, filter)).await
}

fn filtered(ctx: &Ctx, p: &Principal, filter: &LoanFilter) -> sea_orm::Select<loan::Entity> {
    let mut query =
        loan::Entity::find().filter(scope::loans(p)).filter(filter.contract_date.condition(loan::Column::ContractDate));
    if let Some(status) = filter.status {
        query = query.filter(loan::Column::Status.eq(status));
    }
    if let Some(b) = filter.borrower_id {
        query = query.filter(loan::Column::BorrowerId.eq(b.0));
    }
    if let Some(overdue) = filter.overdue {
        query = query.filter(overdue_now(ctx.clock.now(), overdue));
    }
    if let Some(t) = filter.updated_after {
        query = query.filter(crate::services::changes::updated_since("loan", loan::Column::Id, t));
    }
    query
}

/// R1: the loans that are (`true`) or are not (`false`) overdue at `now`, each in the local
/// time of its jurisdiction. Overdue: the oldest unpaid installment fell due before today
/// (`first_unpaid_due_date < today`), whatever the loan's status. Not overdue is exactly
/// the rest: nothing unpaid (`first_unpaid_due_date` NULL: repaid, closed, or a loan with no
/// schedule) or nothing unpaid due before today. Written positively for both answers
/// because `NOT (date < today)` is NULL, not true, for a NULL date: the two filters
/// partition every loan.
fn overdue_now(now: DateTime<Utc>, overdue: bool) -> sea_orm::Condition {
    let mut any = sea_orm::Condition::any();
    for j in [entity::enums::Jurisdiction::Kz, entity::enums::Jurisdiction::Kg] {
        let today = now.with_timezone(&time_zone(j)).date_naive();
        let position = if overdue {
            sea_orm::Condition::all().add(loan::Column::FirstUnpaidDueDate.lt(today))
        } else {
            sea_orm::Condition::any()
                .add(loan::Column::FirstUnpaidDueDate.is_null())
                .add(loan::Column::FirstUnpaidDueDate.gte(today))
        };
        any = any.add(sea_orm::Condition::all().add(loan::Column::Jurisdiction.eq(j)).add(position));
    }
    any
}

/// Borrowers by id, for a loader; the caller has already scoped the loans they hang off.
pub async fn borrowers_by_id<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> ServiceResult<HashMap<Uuid, borrower::Model>> {
    let rows = borrower::Entity::find().filter(borrower::Column::Id.is_in(ids.iter().copied())).all(db).await?;
    Ok(rows.into_iter().map(|b| (b.id, b)).collect())
}

pub async fn schedules_by_loan<C: ConnectionTrait>(
    db: &C,
    loan_ids: &[Uuid],
) -> ServiceResult<HashMap<Uuid, Vec<installment::Model>>> {
    use installment::Column as C;
    // Read by position, not by name: a page of 50 loans is 600 lines, and sea-orm's model
    // decoding looks every column of every row up by name (a profile of the loan page put
    // ~4% of the CPU in those lookups).
    type Line = (Uuid, Uuid, i32, NaiveDate, DbDecimal, DbDecimal);
    let rows: Vec<Line> = installment::Entity::find()
        .select_only()
        .columns([C::Id, C::LoanId, C::Seq, C::DueDate, C::Principal, C::Interest])
        .filter(C::LoanId.is_in(loan_ids.iter().copied()))
        .order_by_asc(C::Seq)
        .into_tuple()
        .all(db)
        .await?;
    let mut map: HashMap<Uuid, Vec<installment::Model>> = HashMap::new();
    for (id, loan_id, seq, due_date, principal, interest) in rows {
        let line = installment::Model { id, loan_id, seq, due_date, principal, interest };
        map.entry(loan_id).or_default().push(line);
    }
    Ok(map)
}

pub async fn payments_by_loan<C: ConnectionTrait>(
    db: &C,
    loan_ids: &[Uuid],
) -> ServiceResult<HashMap<Uuid, Vec<payment::Model>>> {
    use payment::Column as C;
    // By position, as `schedules_by_loan`.
    type Line = (Uuid, Uuid, String, DateTime<Utc>, DbDecimal, DateTime<Utc>);
    let rows: Vec<Line> = payment::Entity::find()
        .select_only()
        .columns([C::Id, C::LoanId, C::ExternalId, C::PaidAt, C::Amount, C::CreatedAt])
        .filter(C::LoanId.is_in(loan_ids.iter().copied()))
        .order_by_asc(C::PaidAt)
        .into_tuple()
        .all(db)
        .await?;
    let mut map: HashMap<Uuid, Vec<payment::Model>> = HashMap::new();
    for (id, loan_id, external_id, paid_at, amount, created_at) in rows {
        map.entry(loan_id).or_default().push(payment::Model { id, loan_id, external_id, paid_at, amount, created_at });
    }
    Ok(map)
}

/// A borrower the principal may see.
pub async fn get_borrower(ctx: &Ctx, p: &Principal, id: BorrowerId) -> ServiceResult<borrower::Model> {
    borrower::Entity::find_by_id(id.0).filter(scope::borrowers(p)).one(&ctx.db).await?.ok_or(ServiceError::NotFound)
}

/// Loans in the principal's scope with the MFO's own id `external_id` (optionally of one
/// MFO); at most two, so the caller can tell "one" from "ambiguous" (several MFOs may use
/// the same external id; a regulator or agency then names the MFO).
pub async fn find_by_external_id(
    ctx: &Ctx,
    p: &Principal,
    external_id: &str,
    mfo: Option<Uuid>,
) -> ServiceResult<Vec<loan::Model>> {
    let mut q = loan::Entity::find().filter(scope::loans(p)).filter(loan::Column::ExternalId.eq(external_id));
    if let Some(m) = mfo {
        q = q.filter(loan::Column::MfoId.eq(m));
    }
    Ok(q.order_by_asc(loan::Column::Id).limit(2).all(&ctx.db).await?)
}

/// Loans in the principal's scope with the contract number `number` (what call centres
/// and analysts know, e.g. "MK-2001/24"), optionally of one MFO; at most two, as
/// `find_by_external_id`.
pub async fn find_by_contract_number(
    ctx: &Ctx,
    p: &Principal,
    number: &str,
    mfo: Option<Uuid>,
) -> ServiceResult<Vec<loan::Model>> {
    let mut q = loan::Entity::find().filter(scope::loans(p)).filter(loan::Column::ContractNumber.eq(number.trim()));
    if let Some(m) = mfo {
        q = q.filter(loan::Column::MfoId.eq(m));
    }
    Ok(q.order_by_asc(loan::Column::Id).limit(2).all(&ctx.db).await?)
}

/// Borrowers in the principal's scope with the MFO's own id `external_id`; see
/// `find_by_external_id`.
pub async fn find_borrowers_by_external_id(
    ctx: &Ctx,
    p: &Principal,
    external_id: &str,
    mfo: Option<Uuid>,
) -> ServiceResult<Vec<borrower::Model>> {
    let mut q =
        borrower::Entity::find().filter(scope::borrowers(p)).filter(borrower::Column::ExternalId.eq(external_id));
    if let Some(m) = mfo {
        q = q.filter(borrower::Column::MfoId.eq(m));
    }
    Ok(q.order_by_asc(borrower::Column::Id).limit(2).all(&ctx.db).await?)
}

paging::sort_fields!(
    /// What `borrowers` may be sorted by (then by id).
    BorrowerOrderField for borrower {
        /// When the borrower was first synced.
        CreatedAt => "CREATED_AT", Instant(CreatedAt, created_at);
        /// When the borrower last changed.
        UpdatedAt => "UPDATED_AT", Instant(UpdatedAt, updated_at);
    }
);

/// `borrowers`: a window of the principal's scope (`scope::borrowers`) in `sort`'s order
/// (by default by id: UUIDv7, the order they were first synced).
pub async fn list_borrowers(
    ctx: &Ctx,
    p: &Principal,
    f: &BorrowerFilter,
    sort: &Sort<BorrowerOrderField>,
    w: &Window<Uuid>,
) -> ServiceResult<Page<borrower::Model>> {
    crate::services::changes::check_since(ctx, f.updated_after)?;
    paging::read(&ctx.db, borrowers_filtered(p, f), borrower::Column::Id, sort, w).await
}

/// `borrowers { totalCount }`.
pub async fn count_borrowers(ctx: &Ctx, p: &Principal, f: &BorrowerFilter) -> ServiceResult<u64> {
    crate::services::count_rows(&ctx.db, borrowers_filtered(p, f)).await
}

fn borrowers_filtered(p: &Principal, f: &BorrowerFilter) -> sea_orm::Select<borrower::Entity> {
    let q =
        borrower::Entity::find().filter(scope::borrowers(p)).filter(f.created.condition(borrower::Column::CreatedAt));
    match f.updated_after {
        Some(t) => q.filter(crate::services::changes::updated_since("borrower", borrower::Column::Id, t)),
        None => q,
    }
}

/// A payment, seen by whoever may see its loan (`scope::loans`); NOT_FOUND otherwise.
pub async fn get_payment(ctx: &Ctx, p: &Principal, id: Uuid) -> ServiceResult<payment::Model> {
    let row = payment::Entity::find_by_id(id).one(&ctx.db).await?.ok_or(ServiceError::NotFound)?;
    get(ctx, p, LoanId(row.loan_id)).await?;
    Ok(row)
}
