//! X7: the borrower reports new contact details. The old ones keep counting for contacts
//! made before the report; only the borrower changes their own details here.

use chrono::NaiveDate;
use entity::enums::Role;
use entity::{borrower, contact_detail_change};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};
use serde::Serialize;
use serde_json::json;

use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::services::write::{Actor, Subject};
use crate::services::{Ctx, loans, reference, scope};

#[derive(Debug, Clone, Serialize)]
pub struct ContactDetailsInput {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    /// When the details changed (X7: reported within 10 calendar days).
    pub changed_on: Option<NaiveDate>,
}

/// What a report of changed details says.
pub struct DetailsChanged {
    pub borrower: borrower::Model,
    /// Reported more than the allowed days after the change (X7): until the report, the
    /// old details counted.
    pub reported_late: bool,
}

/// X7: the borrower reports new contact details; contacts to the old ones before the
/// report are not violations, after it they are.
pub async fn update_my_contact_details(
    ctx: &Ctx,
    p: &Principal,
    input: ContactDetailsInput,
) -> ServiceResult<DetailsChanged> {
    let Some(b_id) = (match p.role {
        Role::Borrower => p.borrower_id,
        Role::MfoStaff | Role::MfoManager | Role::CollectionAgency | Role::Regulator => None,
    }) else {
        return Err(ServiceError::Forbidden("borrowers update their own details"));
    };
    let mut problems = Problems::new();
    loans::check_phone(&mut problems, "phone", input.phone.as_deref());
    loans::check_email(&mut problems, "email", input.email.as_deref());
    problems.check(input.phone.is_some() || input.email.is_some() || input.address.is_some(), || {
        UserError::invalid(&["phone"], UserErrorReason::Required)
    });
    problems.finish()?;
    ctx.write(Actor::from(p), async |w| {
        let b = w.for_change::<borrower::Entity>(scope::borrowers(p), b_id.0).await?;
        let law = reference::law(w.reference(), w.txn(), p.jurisdiction, w.now).await?;
        let today = law.calendar.local_date(w.now);
        let changed_on = input.changed_on.unwrap_or(today);
        let mut problems = Problems::new();
        problems.check(changed_on <= today, || UserError::invalid(&["changedOn"], UserErrorReason::DateInFuture));
        problems.finish()?;
        let previous = json!({ "phone": b.phone, "email": b.email, "address": b.address });
        let mut after = b.clone();
        if input.phone.is_some() {
            after.phone = input.phone.clone();
        }
        if input.email.is_some() {
            after.email = input.email.clone();
        }
        if input.address.is_some() {
            after.address = input.address.clone();
        }
        let current = json!({ "phone": after.phone, "email": after.email, "address": after.address });
        if current == previous {
            // The details as they stand: nothing changed, nothing to record (a retry, too).
            let reported_late = false;
            return Ok(DetailsChanged { borrower: b, reported_late });
        }
        after.updated_at = w.now;
        borrower::Entity::update(after.clone().into_active_model().reset_all()).exec(w.txn()).await?;
        let change = contact_detail_change::Model {
            id: w.new_id(),
            borrower_id: b.id,
            reported_at: w.now,
            changed_on,
            previous: previous.clone(),
            current: current.clone(),
        };
        contact_detail_change::Entity::insert(change.into_active_model()).exec_without_returning(w.txn()).await?;
        let subject = Subject::new("borrower", b.id);
        w.audit("borrower.contact_details_changed", subject, Some(b.mfo_id), Some(previous), Some(current));
        w.event(
            "borrower.contact_details_changed",
            subject,
            crate::services::write::Visibility { org_id: Some(b.mfo_id), jurisdiction: Some(p.jurisdiction) },
            json!({}),
        );
        let reported_late =
            (today - changed_on).num_days() > i64::from(law.policy.policy.contact.details_change_report_calendar_days);
        Ok(DetailsChanged { borrower: after, reported_late })
    })
    .await
}
