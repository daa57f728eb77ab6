//! Appeals to the supervising authority (R15) and the home protection they may open
//! (R16). The borrower files, the MFO is notified, the regulator resolves; collection
//! reads the protection window from here.

use chrono::NaiveDate;
use entity::enums::{AppealOutcome, AppealStatus, ApplicationStatus, DecisionKind};
use entity::{borrower, decision, loan, regulator_appeal as appeal, restructuring_application as application};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::write::{Actor, Subject, Submission, Submitted, Visibility};
use super::{Ctx, reference, refused};
use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::ids::{AppealId, ApplicationId};
use crate::rules::Refusal;
use crate::rules::restructuring::{self as rules, HomeProtectionFacts};

const SUBJECT: &str = "appeal";

fn vis(a: &appeal::Model) -> Visibility {
    Visibility { org_id: Some(a.mfo_id), jurisdiction: Some(a.jurisdiction) }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    pub name: String,
    pub checksum: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileInput {
    pub client_submission_id: Option<Uuid>,
    pub application_id: ApplicationId,
    pub statement: String,
    pub evidence: Vec<Evidence>,
}

/// R15: the borrower appeals within 15 calendar days of a refusal (its receipt), a deemed
/// refusal, or the rejection of a counter-proposal, notifying the MFO (an outbox event).
pub async fn file(ctx: &Ctx, p: &Principal, input: FileInput) -> ServiceResult<appeal::Model> {
    super::scope::permit(p.is_borrower(), "the borrower files the appeal")?;
    let mut problems = Problems::new();
    problems.required("statement", &input.statement);
    problems.finish()?;
    let submission = Submission {
        client_submission_id: input.client_submission_id,
        operation: "fileRegulatorAppeal",
        input: &input,
    };
    match ctx
        .submit(Actor::from(p), submission, async |w| {
            let scope = super::scope::applications(p).ok_or(ServiceError::NotFound)?;
            // Locked: of two appeals at once the second is the repeat (R16).
            let a = w.for_change::<application::Entity>(scope, input.application_id.0).await?;
            let d = decision::Entity::find().filter(decision::Column::ApplicationId.eq(a.id)).one(w.txn()).await?;
            let law = reference::law(w.reference(), w.txn(), a.jurisdiction, w.now).await?;
            let tz = law.calendar.tz();
            let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).date_naive();
            // R15: the window opens on the refusal's receipt, the day it was deemed, or the rejection.
            let from: NaiveDate = match a.status {
                ApplicationStatus::Refused => d
                    .as_ref()
                    .filter(|d| d.kind == DecisionKind::Refuse)
                    .and_then(|d| d.delivered_at)
                    .map(local)
                    .ok_or_else(|| {
                        ServiceError::Internal(anyhow::anyhow!("a refused application without a delivered refusal"))
                    })?,
                // R13, R15: the failure to agree happens at the end of the last day of the reply
                // period counted from the proposal's receipt (under the policy in force then),
                // whenever the deadline scan noticed it; the appeal window runs from there.
                ApplicationStatus::DeemedRefused => {
                    let received = d
                        .as_ref()
                        .filter(|d| d.kind == DecisionKind::CounterProposal)
                        .and_then(|d| d.delivered_at)
                        .ok_or_else(|| {
                            ServiceError::Internal(anyhow::anyhow!("a deemed refusal without a delivered proposal"))
                        })?;
                    let then = reference::law(w.reference(), w.txn(), a.jurisdiction, received).await?;
                    rules::deemed_refusal_due(&then.calendar, &then.policy.policy, local(received)).date
                }
                ApplicationStatus::CounterRejected => a.closed_at.map(local).unwrap_or_else(|| local(a.updated_at)),
                ApplicationStatus::Registered
                | ApplicationStatus::DocumentsRequested
                | ApplicationStatus::Inadmissible
                | ApplicationStatus::Approved
                | ApplicationStatus::CounterProposed
                | ApplicationStatus::Agreed
                | ApplicationStatus::LeftWithoutReview
                | ApplicationStatus::Withdrawn
                | ApplicationStatus::Implemented => {
                    return Err(refused(
                        Refusal::conflict_under("R15", UserErrorReason::NothingToAppeal),
                        &["applicationId"],
                    ));
                }
            };
            let filed_on = local(w.now);
            rules::check_appeal_in_time(&law.policy.policy, from, filed_on)
                .map_err(|r| refused(r, &["applicationId"]))?;
            let earlier = appeal::Entity::find().filter(appeal::Column::ApplicationId.eq(a.id)).count(w.txn()).await?;
            let l = loan::Entity::find_by_id(a.loan_id).one(w.txn()).await?.ok_or(ServiceError::NotFound)?;
            let b = borrower::Entity::find_by_id(a.borrower_id).one(w.txn()).await?.ok_or(ServiceError::NotFound)?;
            let facts = HomeProtectionFacts {
                socially_vulnerable: b.socially_vulnerable,
                business_purpose: l.business_purpose,
                mortgage_secured: l.mortgage_secured,
                secured_by_dwelling: l.secured_by_dwelling,
                repeat: earlier > 0,
            };
            let row = appeal::Model {
                id: w.new_id(),
                application_id: a.id,
                loan_id: a.loan_id,
                borrower_id: a.borrower_id,
                mfo_id: a.mfo_id,
                jurisdiction: a.jurisdiction,
                filed_at: w.now,
                statement: input.statement.clone(),
                evidence: serde_json::to_value(&input.evidence).map_err(|e| ServiceError::Internal(e.into()))?,
                repeat: earlier > 0,
                home_protected_until: rules::home_protection_until(&facts, filed_on, &law.policy.policy),
                status: AppealStatus::UnderReview,
                outcome: None,
                resolution_note: None,
                resolved_at: None,
                resolved_by: None,
            };
            appeal::Entity::insert(row.clone().into_active_model()).exec_without_returning(w.txn()).await?;
            let subject = Subject::new(SUBJECT, row.id);
            let after =
                json!({ "applicationId": a.id, "repeat": row.repeat, "homeProtectedUntil": row.home_protected_until });
            w.audit("appeal.filed", subject, Some(a.mfo_id), None, Some(after.clone()));
            // The MFO is notified at the same time (R15): the event is visible to it and the regulator.
            w.event("appeal.filed", subject, vis(&row), after);
            w.produced(row.id);
            Ok(row)
        })
        .await?
    {
        Submitted::Fresh(done) => Ok(done),
        Submitted::Replay(id) => get(ctx, p, AppealId(id)).await,
    }
}

/// The regulator's only mutation: it resolves an appeal of its jurisdiction.
pub async fn resolve(
    ctx: &Ctx,
    p: &Principal,
    id: AppealId,
    outcome: AppealOutcome,
    note: String,
) -> ServiceResult<appeal::Model> {
    super::scope::permit(p.supervises(), "the supervising authority resolves appeals")?;
    let mut problems = Problems::new();
    problems.required("note", &note);
    problems.finish()?;
    ctx.write(Actor::from(p), async |w| {
        let scope = super::scope::appeals(p).ok_or(ServiceError::NotFound)?;
        let a = w.for_change::<appeal::Entity>(scope, id.0).await?;
        match a.status {
            AppealStatus::UnderReview => {}
            AppealStatus::Resolved => {
                return Err(ServiceError::user(UserError::conflict(&["appealId"], UserErrorReason::AlreadyDone)));
            }
        }
        let mut after = a.clone();
        after.status = AppealStatus::Resolved;
        after.outcome = Some(outcome);
        after.resolution_note = Some(note);
        after.resolved_at = Some(w.now);
        after.resolved_by = Some(p.key());
        appeal::Entity::update(after.clone().into_active_model().reset_all()).exec(w.txn()).await?;
        let subject = Subject::new(SUBJECT, a.id);
        w.audit(
            "appeal.resolved",
            subject,
            Some(a.mfo_id),
            Some(json!({ "status": a.status })),
            Some(json!({ "status": after.status, "outcome": outcome })),
        );
        w.event("appeal.resolved", subject, vis(&after), json!({ "outcome": outcome }));
        Ok(after)
    })
    .await
}

pub async fn get(ctx: &Ctx, p: &Principal, id: AppealId) -> ServiceResult<appeal::Model> {
    let scope = super::scope::appeals(p).ok_or(ServiceError::NotFound)?;
    appeal::Entity::find_by_id(id.0).filter(scope).one(&ctx.db).await?.ok_or(ServiceError::NotFound)
}
