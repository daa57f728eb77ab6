//! Complaints, suggestions and requests (C1–C12), loan-information requests (C9) and
//! reception hours (C13): registration into the MFO's single journal, the steps of
//! handling, answers, and the deadlines each step opens or meets.
//!
//! Registration never refuses a complaint for what it lacks (C2): it is stored, numbered
//! and flagged. Only a caller who may not register at all, or a retry carrying other
//! input, is turned away.

mod answers;
mod info_requests;
mod reads;
mod reception;
mod register;
mod steps;

use entity::complaint;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel};
use serde_json::{Value, json};

use super::write::{Subject, Visibility, Write};
use super::{refused, scope};
use crate::auth::Principal;
use crate::error::ServiceResult;
use crate::ids::ComplaintId;
use crate::rules::complaints::{self as rules, Complainant, Step};

pub use answers::*;
pub use info_requests::*;
pub use reads::*;
pub use reception::*;
pub use register::*;
pub use steps::*;

const SUBJECT: &str = "complaint";

fn visibility(c: &complaint::Model) -> Visibility {
    Visibility { org_id: Some(c.mfo_id), jurisdiction: Some(c.jurisdiction) }
}

fn snapshot(c: &complaint::Model) -> Value {
    json!({
        "number": rules::journal_number(c.journal_year, c.journal_seq), "kind": c.kind, "channel": c.channel,
        "form": c.form, "language": c.language, "status": c.status, "closureReason": c.closure_reason,
        "closureNote": c.closure_note, "missingContent": c.missing_content, "forwardedTo": c.forwarded_to,
        "acknowledgedAt": c.acknowledged_at, "extensionReason": c.extension_reason,
        "extensionNotice": c.extension_notice, "borrowerId": c.borrower_id, "loanId": c.loan_id,
        "contactId": c.contact_id,
    })
}

pub fn complainants_of(c: &complaint::Model) -> Vec<Complainant> {
    serde_json::from_value(c.complainants.clone()).unwrap_or_default()
}

pub fn missing_of(c: &complaint::Model) -> Vec<entity::enums::MissingContent> {
    serde_json::from_value(c.missing_content.clone()).unwrap_or_default()
}

/// Loads a complaint of the principal's MFO for a change (`Write::for_change`).
async fn for_change(w: &Write, p: &Principal, id: ComplaintId) -> ServiceResult<complaint::Model> {
    scope::require_staff(p)?;
    w.for_change::<complaint::Entity>(Condition::all().add(complaint::Column::MfoId.eq(p.org_id.0)), id.0).await
}

/// Applies a step's status change and records it.
async fn step(
    w: &mut Write,
    before: &complaint::Model,
    step: Step,
    action: &str,
    change: impl FnOnce(&mut complaint::Model),
) -> ServiceResult<complaint::Model> {
    let status =
        rules::next_status(before.status, step, before.kind, before.form).map_err(|r| refused(r, &["complaintId"]))?;
    let mut after = before.clone();
    after.status = status;
    after.updated_at = w.now;
    change(&mut after);
    complaint::Entity::update(after.clone().into_active_model().reset_all()).exec(w.txn()).await?;
    let subject = Subject::new(SUBJECT, after.id);
    w.audit(action, subject, Some(after.mfo_id), Some(snapshot(before)), Some(snapshot(&after)));
    w.event(action, subject, visibility(&after), json!({ "status": after.status }));
    Ok(after)
}
