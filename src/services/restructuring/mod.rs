//! Delinquency notices and restructuring applications (R1–R13, R19, D1): the overdue
//! sweep that opens the notice duty, registration and admissibility, document requests,
//! decisions with their debt-burden check, counter-proposals, implementation, and the
//! automatic consequences of lapsed periods.
//!
//! An application is always registered (R5): inadmissibility, missing documents or a
//! missing income never stop registration; they shape what happens next.

mod decision;
mod documents;
mod overdue;
mod reads;
mod submission;

use entity::enums::{ApplicationStatus, DeadlineKind, Obligor};
use entity::restructuring_application as application;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::deadlines::NewDeadline;
use super::write::{Subject, Visibility, Write};
use super::{refused, scope};
use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult};
use crate::ids::ApplicationId;
use crate::rules::restructuring::{self as rules, AppStep};

pub use decision::*;
pub use documents::*;
pub use overdue::*;
pub use reads::*;
pub use submission::*;

const SUBJECT: &str = "application";

fn vis(a: &application::Model) -> Visibility {
    Visibility { org_id: Some(a.mfo_id), jurisdiction: Some(a.jurisdiction) }
}

fn snapshot(a: &application::Model) -> Value {
    json!({
        "number": rules::incoming_number(a.incoming_year, a.incoming_seq), "status": a.status,
        "admissible": a.admissible, "admissibilityRule": a.admissibility_rule, "inadmissibleFacts": a.inadmissible_facts,
        "overdueSince": a.overdue_since, "monthlyIncome": a.monthly_income.map(|m| m.to_string()),
        "borrowerNotice": a.borrower_notice, "closedAt": a.closed_at,
    })
}

fn to_json<T: Serialize>(v: &T) -> ServiceResult<Value> {
    serde_json::to_value(v).map_err(|e| ServiceError::Internal(e.into()))
}

/// Loads an application for a change by the principal: MFO staff of its MFO, or the
/// borrower it belongs to (when `borrower_may` is true).
async fn for_change(
    w: &Write,
    p: &Principal,
    id: ApplicationId,
    borrower_may: bool,
) -> ServiceResult<application::Model> {
    scope::permit(p.acts_for_mfo() || (borrower_may && p.is_borrower()), "not for this role")?;
    let scope = scope::applications(p).ok_or(ServiceError::NotFound)?;
    // Of two concurrent decisions the second sees the first's.
    w.for_change::<application::Entity>(scope, id.0).await
}

/// Moves an application to its next status and records the change.
async fn transition(
    w: &mut Write,
    before: &application::Model,
    step: AppStep,
    action: &str,
    change: impl FnOnce(&mut application::Model),
) -> ServiceResult<application::Model> {
    let status = rules::next_status(before.status, step).map_err(|r| refused(r, &["applicationId"]))?;
    let mut after = before.clone();
    after.status = status;
    after.updated_at = w.now;
    if !rules::under_review(status) && status != ApplicationStatus::Approved && status != ApplicationStatus::Agreed {
        after.closed_at = Some(w.now);
    }
    change(&mut after);
    application::Entity::update(after.clone().into_active_model().reset_all()).exec(w.txn()).await?;
    let subject = Subject::new(SUBJECT, after.id);
    w.audit(action, subject, Some(after.mfo_id), Some(snapshot(before)), Some(snapshot(&after)));
    w.event(action, subject, vis(&after), json!({ "status": after.status }));
    Ok(after)
}

fn new_deadline(
    a: &application::Model,
    kind: DeadlineKind,
    rule: &'static str,
    obligor: Obligor,
    due: crate::rules::calendar::Due,
    policy: Uuid,
    occurrence: String,
) -> NewDeadline {
    NewDeadline {
        subject: Subject::new(SUBJECT, a.id),
        org_id: a.mfo_id,
        jurisdiction: a.jurisdiction,
        kind,
        rule,
        obligor,
        due,
        policy_version_id: policy,
        occurrence,
    }
}
