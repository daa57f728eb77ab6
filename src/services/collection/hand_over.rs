//! R17.2, R18: the manager hands an overdue loan to one agency at a time and recalls it.
//! The hand-over is judged by `rules::collection` like any other action, never here.

use entity::enums::{CollectionAction, OrgKind};
use entity::{collection_assignment, loan, organization};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::load_facts;
use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::ids::{LoanId, OrgId};
use crate::rules::collection::{self as rules};
use crate::services::write::{Actor, Subject, Write};
use crate::services::{Ctx, loans, scope};

/// R17.2: the manager hands an overdue loan to an agency, when the contract allows it.
pub async fn assign(
    ctx: &Ctx,
    p: &Principal,
    id: LoanId,
    agency: OrgId,
) -> ServiceResult<collection_assignment::Model> {
    scope::require_manager(p)?;
    ctx.write(Actor::from(p), async |w| {
        let l = loans::for_change(w, Condition::all().add(loan::Column::MfoId.eq(p.org_id.0)), id).await?;
        // One agency at a time (R17.2): a loan handed over is recalled before it goes to another.
        if current_assignment(w, l.id).await?.is_some() {
            return Err(ServiceError::user(
                UserError::conflict(&["loanId"], UserErrorReason::AlreadyAtAgency).with_rule("R17.2"),
            ));
        }
        let org = organization::Entity::find_by_id(agency.0).one(w.txn()).await?;
        let Some(org) = org.filter(|o| o.kind == OrgKind::CollectionAgency && o.jurisdiction == l.jurisdiction) else {
            return Err(ServiceError::user(UserError::invalid(&["agencyId"], UserErrorReason::NotACollectionAgency)));
        };
        let loaded = load_facts(w.reference(), w.txn(), l.clone(), w.now).await?;
        let v = rules::verdict(
            CollectionAction::HandToCollectionAgency,
            &loaded.facts,
            w.now,
            &loaded.law.calendar,
            &loaded.law.policy.policy,
        );
        if !v.allowed {
            let mut e = UserError::rule(
                v.basis.first().copied().unwrap_or("R17.2"),
                &["loanId"],
                UserErrorReason::HandOverNotAllowed,
            )
            .with_param("basis", v.basis.clone());
            e.details = v.messages();
            if let Some(next) = v.next_allowed_at {
                e = e.with_param("nextAllowedAt", next.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            }
            return Err(ServiceError::user(e));
        }
        let row = collection_assignment::Model {
            id: w.new_id(),
            loan_id: l.id,
            agency_id: org.id,
            assigned_at: w.now,
            ended_at: None,
            assigned_by: p.key(),
        };
        collection_assignment::Entity::insert(row.clone().into_active_model()).exec_without_returning(w.txn()).await?;
        let subject = Subject::new("loan", l.id);
        w.audit("loan.assigned_to_agency", subject, Some(l.mfo_id), None, Some(json!({ "agencyId": org.id })));
        w.event("loan.assigned_to_agency", subject, loans::visibility(&l), json!({ "agencyId": org.id }));
        Ok(row)
    })
    .await
}

/// Ends the agency's work on the loan.
pub async fn recall(ctx: &Ctx, p: &Principal, id: LoanId) -> ServiceResult<collection_assignment::Model> {
    scope::require_manager(p)?;
    ctx.write(Actor::from(p), async |w| {
        let l = loans::for_change(w, Condition::all().add(loan::Column::MfoId.eq(p.org_id.0)), id).await?;
        let Some(current) = current_assignment(w, l.id).await? else {
            return Err(ServiceError::user(UserError::conflict(&["loanId"], UserErrorReason::NotAtAgency)));
        };
        collection_assignment::Entity::update_many()
            .col_expr(collection_assignment::Column::EndedAt, Expr::value(w.now))
            .filter(collection_assignment::Column::Id.eq(current.id))
            .exec(w.txn())
            .await?;
        let subject = Subject::new("loan", l.id);
        w.audit(
            "loan.recalled_from_agency",
            subject,
            Some(l.mfo_id),
            None,
            Some(json!({ "agencyId": current.agency_id })),
        );
        w.event("loan.recalled_from_agency", subject, loans::visibility(&l), json!({ "agencyId": current.agency_id }));
        let ended = collection_assignment::Model { ended_at: Some(w.now), ..current };
        Ok(ended)
    })
    .await
}

/// The loan's active hand-over, read under the loan's lock (`loans::for_change`).
async fn current_assignment(w: &Write, loan: Uuid) -> ServiceResult<Option<collection_assignment::Model>> {
    Ok(collection_assignment::Entity::find()
        .filter(collection_assignment::Column::LoanId.eq(loan))
        .filter(collection_assignment::Column::EndedAt.is_null())
        .one(w.txn())
        .await?)
}

/// A hand-over to an agency, seen by whoever may see its loan now (an agency: while the
/// loan is handed to it, R17.2); NOT_FOUND otherwise.
pub async fn get_assignment(ctx: &Ctx, p: &Principal, id: Uuid) -> ServiceResult<collection_assignment::Model> {
    let row = collection_assignment::Entity::find_by_id(id).one(&ctx.db).await?.ok_or(ServiceError::NotFound)?;
    crate::services::loans::get(ctx, p, LoanId(row.loan_id)).await?;
    Ok(row)
}
