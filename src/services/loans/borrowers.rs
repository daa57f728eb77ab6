//! Borrowers as the core-banking system sends them (`upsertBorrower`, and one item of a
//! batch), idempotent by the MFO's external id. It writes the borrower row only.

use entity::borrower;
use entity::enums::Language;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel};
use serde::Serialize;
use serde_json::json;

use super::{
    MAX_ID_LEN, MAX_TEXT_LEN, Outcome, check_email, check_optional_text, check_phone, check_text, require_ingest,
};
use crate::auth::Principal;
use crate::error::{Problems, ServiceResult};
use crate::services::Ctx;
use crate::services::write::{Actor, Subject, Visibility, Write};

#[derive(Debug, Clone, Serialize)]
pub struct BorrowerInput {
    pub external_id: String,
    pub full_name: String,
    pub national_id: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: Language,
    pub socially_vulnerable: bool,
}

fn borrower_snapshot(b: &borrower::Model) -> serde_json::Value {
    json!({
        "externalId": b.external_id, "fullName": b.full_name, "nationalId": b.national_id,
        "address": b.address, "phone": b.phone, "email": b.email, "language": b.language,
        "sociallyVulnerable": b.socially_vulnerable,
    })
}

/// The checks of a borrower that need no database.
pub(crate) fn validate_borrower(input: &BorrowerInput) -> ServiceResult<()> {
    let mut problems = Problems::new();
    check_text(&mut problems, "externalId", &input.external_id, MAX_ID_LEN);
    check_text(&mut problems, "fullName", &input.full_name, 300);
    check_optional_text(&mut problems, "nationalId", input.national_id.as_deref(), 32);
    check_optional_text(&mut problems, "address", input.address.as_deref(), MAX_TEXT_LEN);
    check_phone(&mut problems, "phone", input.phone.as_deref());
    check_email(&mut problems, "email", input.email.as_deref());
    problems.finish()
}

pub async fn upsert_borrower(ctx: &Ctx, p: &Principal, input: BorrowerInput) -> ServiceResult<borrower::Model> {
    require_ingest(p)?;
    validate_borrower(&input)?;
    // An unchanged borrower writes nothing, so its unit commits nothing.
    ctx.write(Actor::from(p), async |w| Ok(write_borrower(w, p, input).await?.0)).await
}

/// Upserts a validated borrower within `w` (one call of `upsertBorrower`, or one item of
/// `upsertBorrowers`).
pub(crate) async fn write_borrower(
    w: &mut Write,
    p: &Principal,
    input: BorrowerInput,
) -> ServiceResult<(borrower::Model, Outcome)> {
    let mfo = p.org_id.0;
    let mut row = borrower::Model {
        id: w.new_id(),
        mfo_id: mfo,
        external_id: input.external_id.clone(),
        full_name: input.full_name.trim().to_owned(),
        national_id: input.national_id,
        address: input.address,
        phone: input.phone,
        email: input.email,
        language: input.language,
        socially_vulnerable: input.socially_vulnerable,
        created_at: w.now,
        updated_at: w.now,
    };
    // Inserted unless the external id is stored (or being stored by a concurrent sync,
    // whose commit this waits for): then that row is the one to update, locked.
    let existing = if w
        .insert_new(row.clone().into_active_model(), [borrower::Column::MfoId, borrower::Column::ExternalId])
        .await?
    {
        None
    } else {
        let which = Condition::all().add(borrower::Column::ExternalId.eq(&input.external_id));
        let e = w
            .for_change_where::<borrower::Entity>(Condition::all().add(borrower::Column::MfoId.eq(mfo)), which)
            .await?;
        row = borrower::Model { id: e.id, created_at: e.created_at, updated_at: e.updated_at, ..row };
        Some(e)
    };
    let before = existing.as_ref().map(borrower_snapshot);
    let after = borrower_snapshot(&row);
    if let Some(e) = existing.filter(|_| before.as_ref() == Some(&after)) {
        // The same row again: nothing changed, nothing to record.
        return Ok((e, Outcome::Unchanged));
    }
    if before.is_some() {
        row.updated_at = w.now;
        borrower::Entity::update(row.clone().into_active_model().reset_all()).exec(w.txn()).await?;
    }
    let subject = Subject::new("borrower", row.id);
    let (action, outcome) =
        if before.is_some() { ("borrower.updated", Outcome::Updated) } else { ("borrower.created", Outcome::Created) };
    w.audit(action, subject, Some(mfo), before, Some(after));
    w.event(action, subject, Visibility { org_id: Some(mfo), jurisdiction: Some(p.jurisdiction) }, json!({}));
    Ok((row, outcome))
}
