//! The organisation register: operators create organisations (`mfo-api org create`), the
//! API only reads them. Also the import of newer holiday calendars, and the principal
//! behind a verified token (its organisation, looked up here so that `auth` only verifies).

use anyhow::Context;
use entity::enums::{HolidayKind, Jurisdiction, OrgKind, Role};
use entity::{borrower, holiday, organization};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveEnum, ActiveValue::Set, EntityTrait};
use serde_json::json;

use super::Ctx;
use super::write::{Actor, Subject, Visibility};
use crate::auth::{AuthError, Principal, Verified};
use crate::error::ServiceResult;
use crate::ids::{BorrowerId, OrgId};
use crate::rules::calendar::time_zone;

pub struct NewOrg {
    pub kind: OrgKind,
    pub name: String,
    pub jurisdiction: Jurisdiction,
    pub address: Option<String>,
    /// The day it was founded (receipt dates before it are refused), if known.
    pub founded_on: Option<chrono::NaiveDate>,
}

pub async fn create(ctx: &Ctx, org: NewOrg) -> ServiceResult<organization::Model> {
    ctx.write(Actor::system("operator"), async |w| {
        let row = organization::Model {
            id: w.new_id(),
            kind: org.kind,
            name: org.name,
            jurisdiction: org.jurisdiction,
            time_zone: time_zone(org.jurisdiction).name().to_owned(),
            address: org.address,
            founded_on: org.founded_on,
            created_at: w.now,
        };
        organization::Entity::insert(organization::ActiveModel::from(row.clone()))
            .exec_without_returning(w.txn())
            .await?;
        let subject = Subject::new("organization", row.id);
        let after = json!({
            "kind": row.kind, "name": row.name, "jurisdiction": row.jurisdiction, "foundedOn": row.founded_on,
        });
        w.audit("organization.created", subject, Some(row.id), None, Some(after.clone()));
        w.event(
            "organization.created",
            subject,
            Visibility { org_id: Some(row.id), jurisdiction: Some(row.jurisdiction) },
            after,
        );
        Ok(row)
    })
    .await
}

pub async fn find(ctx: &Ctx, id: OrgId) -> ServiceResult<Option<organization::Model>> {
    Ok(organization::Entity::find_by_id(id.0).one(&ctx.db).await?)
}

/// Loads a calendar CSV (`date,kind,name`) for a jurisdiction: new days are added and
/// listed days replace what was stored for that date. Returns the number of days loaded.
pub async fn import_calendar(ctx: &Ctx, jurisdiction: Jurisdiction, csv: &str) -> ServiceResult<usize> {
    let days = migration::seed::parse_calendar_csv(csv).map_err(|e| anyhow::anyhow!(e)).context("bad calendar file")?;
    ctx.write(Actor::system("operator"), async |w| {
        let code = jurisdiction.to_value();
        for d in &days {
            let kind = if d.kind == "DAY_OFF" { HolidayKind::DayOff } else { HolidayKind::WorkingDay };
            let row = holiday::ActiveModel {
                id: Set(migration::seed::holiday_id(&code, d.date)),
                jurisdiction: Set(jurisdiction),
                date: Set(d.date),
                kind: Set(kind),
                name: Set(d.name.clone()),
            };
            holiday::Entity::insert(row)
                .on_conflict(
                    OnConflict::columns([holiday::Column::Jurisdiction, holiday::Column::Date])
                        .update_columns([holiday::Column::Kind, holiday::Column::Name])
                        .to_owned(),
                )
                .exec_without_returning(w.txn())
                .await?;
        }
        let subject = Subject::new("calendar", migration::seed::holiday_id(&code, chrono::NaiveDate::MIN));
        w.audit(
            "calendar.imported",
            subject,
            None,
            None,
            Some(json!({ "jurisdiction": jurisdiction, "days": days.len() })),
        );
        w.event(
            "calendar.imported",
            subject,
            Visibility { org_id: None, jurisdiction: Some(jurisdiction) },
            json!({ "days": days.len() }),
        );
        Ok(days.len())
    })
    .await
}

/// An organisation the principal may see (`scope::organizations`), or NOT_FOUND.
pub async fn get(ctx: &Ctx, p: &crate::auth::Principal, id: OrgId) -> ServiceResult<organization::Model> {
    use sea_orm::QueryFilter;
    organization::Entity::find_by_id(id.0)
        .filter(super::scope::organizations(p))
        .one(&ctx.db)
        .await?
        .ok_or(crate::error::ServiceError::NotFound)
}

/// The organisations the principal may see, optionally of one kind, by name then id (a
/// register of a few dozen rows: no paging).
pub async fn list(
    ctx: &Ctx,
    p: &crate::auth::Principal,
    kind: Option<OrgKind>,
) -> ServiceResult<Vec<organization::Model>> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let mut q = organization::Entity::find().filter(super::scope::organizations(p));
    if let Some(kind) = kind {
        q = q.filter(organization::Column::Kind.eq(kind));
    }
    Ok(q.order_by_asc(organization::Column::Name).order_by_asc(organization::Column::Id).all(&ctx.db).await?)
}

/// Completes a verified token into a principal: the organisation must exist and be of
/// the role's kind, and a borrower token must name a borrower of that MFO.
pub async fn principal(ctx: &Ctx, v: Verified) -> Result<Principal, AuthError> {
    let (cache, db) = (&ctx.reference, &ctx.db);
    // Through the cache: the organisation behind a token is read on every request.
    let org = super::reference::organization(cache, db, v.org_id)
        .await
        .map_err(|_| AuthError::Unavailable)?
        .ok_or(AuthError::UnknownOrganisation)?;
    // Exhaustive on purpose: a new role must decide which organisations it belongs to.
    let kind_matches = match v.role {
        Role::MfoStaff | Role::MfoManager | Role::Borrower => org.kind == OrgKind::Mfo,
        Role::CollectionAgency => org.kind == OrgKind::CollectionAgency,
        Role::Regulator => org.kind == OrgKind::Regulator,
    };
    if !kind_matches {
        return Err(AuthError::RoleMismatch);
    }
    let borrower_id = match (v.role, v.borrower_id) {
        (Role::Borrower, Some(b)) => {
            let found = borrower::Entity::find_by_id(b).one(db).await.map_err(|_| AuthError::Unavailable)?;
            match found {
                Some(row) if row.mfo_id == org.id => Some(BorrowerId(b)),
                _ => return Err(AuthError::Borrower),
            }
        }
        (Role::Borrower, None) => return Err(AuthError::Borrower),
        // A staff, agency or regulator token never acts as a borrower.
        (Role::MfoStaff | Role::MfoManager | Role::CollectionAgency | Role::Regulator, _) => None,
    };
    Ok(Principal {
        role: v.role,
        subject: v.subject,
        org_id: OrgId(org.id),
        org_kind: org.kind,
        jurisdiction: org.jurisdiction,
        borrower_id,
        expires_at: v.expires_at,
    })
}
