//! Complaints and the journal as their readers see them (`scope::complaints`), lists,
//! counts and the loaders' answers. Nothing here writes.

use chrono::{DateTime, Utc};
use entity::enums::{ComplaintKind, ComplaintStatus, Role};
use entity::{complaint, complaint_answer};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::ids::{BorrowerId, ComplaintId, LoanId, OrgId};
use crate::services::paging::{self, Sort, Window};
use crate::services::{Ctx, Page, scope};

/// A complaint the principal may see; NOT_FOUND otherwise (also for agencies).
pub async fn get(ctx: &Ctx, p: &Principal, id: ComplaintId) -> ServiceResult<complaint::Model> {
    let scope = scope::complaints(p).ok_or(ServiceError::NotFound)?;
    complaint::Entity::find_by_id(id.0).filter(scope).one(&ctx.db).await?.ok_or(ServiceError::NotFound)
}

#[derive(Debug, Clone, Default)]
pub struct ComplaintFilter {
    pub status: Option<ComplaintStatus>,
    pub kind: Option<ComplaintKind>,
    pub borrower_id: Option<BorrowerId>,
    pub loan_id: Option<LoanId>,
    /// On `received_at` (C2's clock starts when the complaint reached the MFO).
    pub received: crate::services::Range<DateTime<Utc>>,
    /// Records changed (created included) at or after this instant: see `services::changes`.
    pub updated_after: Option<DateTime<Utc>>,
}

paging::sort_fields!(
    /// What `complaints` may be sorted by (then by id).
    ComplaintOrderField for complaint {
        /// When the complaint reached the MFO (C2's clock starts then).
        ReceivedAt => "RECEIVED_AT", Instant(ReceivedAt, received_at);
        /// When the complaint last changed.
        UpdatedAt => "UPDATED_AT", Instant(UpdatedAt, updated_at);
    }
);

/// `complaints`: a window in `sort`'s order (by default by id: UUIDv7, the order they
/// were registered).
pub async fn list(
    ctx: &Ctx,
    p: &Principal,
    f: &ComplaintFilter,
    sort: &Sort<ComplaintOrderField>,
    w: &Window<Uuid>,
) -> ServiceResult<Page<complaint::Model>> {
    crate::services::changes::check_since(ctx, f.updated_after)?;
    paging::read(&ctx.db, filtered(p, f)?, complaint::Column::Id, sort, w).await
}

/// `complaints { totalCount }`.
pub async fn count(ctx: &Ctx, p: &Principal, f: &ComplaintFilter) -> ServiceResult<u64> {
    crate::services::count_rows(&ctx.db, filtered(p, f)?).await
}

fn filtered(p: &Principal, f: &ComplaintFilter) -> ServiceResult<sea_orm::Select<complaint::Entity>> {
    let scope = scope::complaints(p).ok_or(ServiceError::Forbidden("collection agencies do not see complaints"))?;
    let mut q = complaint::Entity::find().filter(scope).filter(f.received.condition(complaint::Column::ReceivedAt));
    if let Some(s) = f.status {
        q = q.filter(complaint::Column::Status.eq(s));
    }
    if let Some(k) = f.kind {
        q = q.filter(complaint::Column::Kind.eq(k));
    }
    if let Some(b) = f.borrower_id {
        q = q.filter(complaint::Column::BorrowerId.eq(b.0));
    }
    if let Some(l) = f.loan_id {
        q = q.filter(complaint::Column::LoanId.eq(l.0));
    }
    if let Some(t) = f.updated_after {
        q = q.filter(crate::services::changes::updated_since("complaint", complaint::Column::Id, t));
    }
    Ok(q)
}

/// C4, C6: an MFO's journal for a year, in number order. MFO staff read their own MFO's;
/// a regulator any MFO of its jurisdiction.
pub async fn journal(
    ctx: &Ctx,
    p: &Principal,
    mfo: Option<OrgId>,
    year: i32,
    w: &Window<i32>,
) -> ServiceResult<Page<complaint::Model>> {
    let q = journal_query(p, mfo, year)?;
    paging::read(&ctx.db, q, complaint::Column::JournalSeq, &Sort::<paging::KeyOrder>::default(), w).await
}

/// `complaintJournal { totalCount }`: the entries of the year (C4: the last number).
pub async fn journal_count(ctx: &Ctx, p: &Principal, mfo: Option<OrgId>, year: i32) -> ServiceResult<u64> {
    crate::services::count_rows(&ctx.db, journal_query(p, mfo, year)?).await
}

fn journal_query(p: &Principal, mfo: Option<OrgId>, year: i32) -> ServiceResult<sea_orm::Select<complaint::Entity>> {
    let mfo = match p.role {
        Role::MfoStaff | Role::MfoManager => match mfo {
            Some(m) if m != p.org_id => return Err(ServiceError::NotFound),
            _ => p.org_id,
        },
        Role::Regulator => {
            mfo.ok_or_else(|| ServiceError::user(UserError::invalid(&["mfoId"], UserErrorReason::Required)))?
        }
        Role::Borrower | Role::CollectionAgency => {
            return Err(ServiceError::Forbidden(
                "the complaint journal is kept by the MFO for its staff and the regulator",
            ));
        }
    };
    let scope = scope::complaints(p).ok_or(ServiceError::NotFound)?;
    Ok(complaint::Entity::find()
        .filter(scope)
        .filter(complaint::Column::MfoId.eq(mfo.0))
        .filter(complaint::Column::JournalYear.eq(year)))
}

/// Answers by complaint id, for a loader.
pub async fn answers_by_complaint<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> ServiceResult<std::collections::HashMap<Uuid, complaint_answer::Model>> {
    let rows = complaint_answer::Entity::find()
        .filter(complaint_answer::Column::ComplaintId.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|a| (a.complaint_id, a)).collect())
}
