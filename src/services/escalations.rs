//! Escalations (missed MFO deadlines and rule breaches) and deadlines as the supervising
//! authority and MFO staff read them.

use entity::enums::{DeadlineKind, DeadlineStatus, EscalationKind, Role};
use entity::{deadline, escalation};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::{Ctx, Page};
use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult};

/// Regulator: its jurisdiction. MFO staff and managers: their MFO. Nobody else.
fn org_scope(p: &Principal, org_col: impl ColumnTrait, jurisdiction_col: impl ColumnTrait) -> ServiceResult<Condition> {
    match p.role {
        Role::Regulator => Ok(Condition::all().add(jurisdiction_col.eq(p.jurisdiction))),
        Role::MfoStaff | Role::MfoManager => Ok(Condition::all().add(org_col.eq(p.org_id.0))),
        Role::Borrower | Role::CollectionAgency => {
            Err(ServiceError::Forbidden("escalations and deadlines are for MFO staff and regulators"))
        }
    }
}

pub fn escalation_scope(p: &Principal) -> ServiceResult<Condition> {
    org_scope(p, escalation::Column::OrgId, escalation::Column::Jurisdiction)
}

pub fn deadline_scope(p: &Principal) -> ServiceResult<Condition> {
    org_scope(p, deadline::Column::OrgId, deadline::Column::Jurisdiction)
}

#[derive(Debug, Clone, Default)]
pub struct EscalationFilter {
    pub kind: Option<EscalationKind>,
    pub rule: Option<String>,
    pub org_id: Option<Uuid>,
    pub subject_id: Option<Uuid>,
}

impl EscalationFilter {
    fn condition(&self) -> Condition {
        let mut c = Condition::all();
        if let Some(k) = self.kind {
            c = c.add(escalation::Column::Kind.eq(k));
        }
        if let Some(r) = &self.rule {
            c = c.add(escalation::Column::Rule.eq(r.clone()));
        }
        if let Some(o) = self.org_id {
            c = c.add(escalation::Column::OrgId.eq(o));
        }
        if let Some(s) = self.subject_id {
            c = c.add(escalation::Column::SubjectId.eq(s));
        }
        c
    }
}

/// Escalations after a sequence number, in sequence (= commit) order.
pub async fn list(
    ctx: &Ctx,
    p: &Principal,
    f: &EscalationFilter,
    after_seq: Option<i64>,
    first: u64,
) -> ServiceResult<Page<escalation::Model>> {
    let mut q = escalation::Entity::find().filter(escalation_scope(p)?).filter(f.condition());
    if let Some(s) = after_seq {
        q = q.filter(escalation::Column::Seq.gt(s));
    }
    let mut items = q.order_by_asc(escalation::Column::Seq).limit(first + 1).all(&ctx.db).await?;
    let has_next = items.len() as u64 > first;
    items.truncate(first as usize);
    Ok(Page { items, has_next })
}

/// The highest sequence number raised so far (0 when none): where a live-only
/// subscription starts.
pub async fn latest_seq(ctx: &Ctx) -> ServiceResult<i64> {
    let last = escalation::Entity::find().order_by_desc(escalation::Column::Seq).one(&ctx.db).await?;
    Ok(last.map(|e| e.seq).unwrap_or(0))
}

pub async fn get(ctx: &Ctx, p: &Principal, id: Uuid) -> ServiceResult<escalation::Model> {
    escalation::Entity::find()
        .filter(escalation::Column::Id.eq(id))
        .filter(escalation_scope(p)?)
        .one(&ctx.db)
        .await?
        .ok_or(ServiceError::NotFound)
}

#[derive(Debug, Clone, Default)]
pub struct DeadlineFilter {
    pub status: Option<DeadlineStatus>,
    pub kind: Option<DeadlineKind>,
    pub subject_id: Option<Uuid>,
}

pub async fn deadlines(
    ctx: &Ctx,
    p: &Principal,
    f: &DeadlineFilter,
    after: Option<Uuid>,
    first: u64,
) -> ServiceResult<Page<deadline::Model>> {
    let mut q = deadline::Entity::find().filter(deadline_scope(p)?);
    if let Some(s) = f.status {
        q = q.filter(deadline::Column::Status.eq(s));
    }
    if let Some(k) = f.kind {
        q = q.filter(deadline::Column::Kind.eq(k));
    }
    if let Some(s) = f.subject_id {
        q = q.filter(deadline::Column::SubjectId.eq(s));
    }
    if let Some(a) = after {
        q = q.filter(deadline::Column::Id.gt(a));
    }
    let mut items = q.order_by_asc(deadline::Column::Id).limit(first + 1).all(&ctx.db).await?;
    let has_next = items.len() as u64 > first;
    items.truncate(first as usize);
    Ok(Page { items, has_next })
}

pub async fn get_deadline(ctx: &Ctx, p: &Principal, id: Uuid) -> ServiceResult<deadline::Model> {
    deadline::Entity::find_by_id(id).filter(deadline_scope(p)?).one(&ctx.db).await?.ok_or(ServiceError::NotFound)
}
