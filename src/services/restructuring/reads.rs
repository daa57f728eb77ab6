//! Applications, notices and decisions as their readers see them: one scope
//! (`scope::applications`) for every read, lists and counts. Nothing here writes.

use chrono::{DateTime, Utc};
use entity::enums::ApplicationStatus;
use entity::{decision, delinquency_notice, restructuring_application as application};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult};
use crate::ids::{ApplicationId, LoanId};
use crate::rules::restructuring::{self as rules};
use crate::services::paging::{self, Sort, Window};
use crate::services::{Ctx, Page, scope};

/// An application the principal may see; NOT_FOUND otherwise (agencies see none).
pub async fn get(ctx: &Ctx, p: &Principal, id: ApplicationId) -> ServiceResult<application::Model> {
    let scope = scope::applications(p).ok_or(ServiceError::NotFound)?;
    application::Entity::find_by_id(id.0).filter(scope).one(&ctx.db).await?.ok_or(ServiceError::NotFound)
}

#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub status: Option<ApplicationStatus>,
    pub loan_id: Option<LoanId>,
    /// On `received_at` (R5: when the application reached the MFO).
    pub received: crate::services::Range<DateTime<Utc>>,
    /// Records changed (created included) at or after this instant: see `services::changes`.
    pub updated_after: Option<DateTime<Utc>>,
}

paging::sort_fields!(
    /// What `restructuringApplications` may be sorted by (then by id).
    ApplicationOrderField for application {
        /// When the application reached the MFO (R5's clock starts then).
        ReceivedAt => "RECEIVED_AT", Instant(ReceivedAt, received_at);
        /// When the application last changed.
        UpdatedAt => "UPDATED_AT", Instant(UpdatedAt, updated_at);
    }
);

/// `restructuringApplications`: a window in `sort`'s order (by default by id: UUIDv7,
/// the order they were submitted).
pub async fn list(
    ctx: &Ctx,
    p: &Principal,
    f: &ApplicationFilter,
    sort: &Sort<ApplicationOrderField>,
    w: &Window<Uuid>,
) -> ServiceResult<Page<application::Model>> {
    crate::services::changes::check_since(ctx, f.updated_after)?;
    paging::read(&ctx.db, filtered(p, f)?, application::Column::Id, sort, w).await
}

/// `restructuringApplications { totalCount }`.
pub async fn count(ctx: &Ctx, p: &Principal, f: &ApplicationFilter) -> ServiceResult<u64> {
    crate::services::count_rows(&ctx.db, filtered(p, f)?).await
}

fn filtered(p: &Principal, f: &ApplicationFilter) -> ServiceResult<sea_orm::Select<application::Entity>> {
    let scope = scope::applications(p).ok_or(ServiceError::Forbidden("collection agencies do not see applications"))?;
    let mut q = application::Entity::find().filter(scope).filter(f.received.condition(application::Column::ReceivedAt));
    if let Some(s) = f.status {
        q = q.filter(application::Column::Status.eq(s));
    }
    if let Some(l) = f.loan_id {
        q = q.filter(application::Column::LoanId.eq(l.0));
    }
    if let Some(t) = f.updated_after {
        q = q.filter(crate::services::changes::updated_since("application", application::Column::Id, t));
    }
    Ok(q)
}

pub async fn decisions_by_application<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> ServiceResult<std::collections::HashMap<Uuid, decision::Model>> {
    let rows =
        decision::Entity::find().filter(decision::Column::ApplicationId.is_in(ids.iter().copied())).all(db).await?;
    Ok(rows.into_iter().map(|d| (d.application_id, d)).collect())
}

/// R2: calendar days from the overdue date to receipt, as judged at receipt.
pub fn days_after_overdue(a: &application::Model) -> Option<i64> {
    let received_on = a.received_at.with_timezone(&crate::rules::calendar::time_zone(a.jurisdiction)).date_naive();
    a.overdue_since.map(|since| rules::days_after_overdue(since, received_on))
}

/// R9: the states in which an application is under review.
pub const UNDER_REVIEW: [ApplicationStatus; 4] = [
    ApplicationStatus::Registered,
    ApplicationStatus::DocumentsRequested,
    ApplicationStatus::Inadmissible,
    ApplicationStatus::CounterProposed,
];

/// A delinquency notice, seen by whoever may see its loan; NOT_FOUND otherwise.
pub async fn get_notice(ctx: &Ctx, p: &Principal, id: Uuid) -> ServiceResult<delinquency_notice::Model> {
    let row = delinquency_notice::Entity::find_by_id(id).one(&ctx.db).await?.ok_or(ServiceError::NotFound)?;
    crate::services::loans::get(ctx, p, crate::ids::LoanId(row.loan_id)).await?;
    Ok(row)
}

/// A decision, seen by whoever may see its application (`get`); NOT_FOUND otherwise.
pub async fn get_decision(ctx: &Ctx, p: &Principal, id: Uuid) -> ServiceResult<decision::Model> {
    let row = decision::Entity::find_by_id(id).one(&ctx.db).await?.ok_or(ServiceError::NotFound)?;
    get(ctx, p, ApplicationId(row.application_id)).await?;
    Ok(row)
}
