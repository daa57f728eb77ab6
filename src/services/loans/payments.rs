//! Payments as the core-banking system reports them, idempotent by their external id; each
//! refreshes what the loan derives from its ledger. The same id saying otherwise is a CONFLICT.

use chrono::{DateTime, Utc};
use entity::{loan, payment};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use serde::Serialize;
use serde_json::json;

use super::{
    LoanRef, MAX_AMOUNT, MAX_ID_LEN, Outcome, check_text, own_loan_for_change, refresh_derived, require_ingest,
    visibility,
};
use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::money;
use crate::services::Ctx;
use crate::services::write::{Actor, Subject, Write};

#[derive(Debug, Clone, Serialize)]
pub struct PaymentInput {
    pub loan: LoanRef,
    pub external_id: String,
    pub paid_at: DateTime<Utc>,
    pub amount: Decimal,
}

/// The checks of a payment that need no database (its scale needs the loan's currency).
pub(crate) fn validate_payment(input: &PaymentInput, now: DateTime<Utc>) -> ServiceResult<()> {
    let mut problems = Problems::new();
    check_text(&mut problems, "externalId", &input.external_id, MAX_ID_LEN);
    problems.check(input.amount > Decimal::ZERO && input.amount <= MAX_AMOUNT, || {
        UserError::invalid(&["amount"], UserErrorReason::OutOfRange).positive_up_to(MAX_AMOUNT)
    });
    problems.check(input.paid_at <= now, || UserError::invalid(&["paidAt"], UserErrorReason::DateInFuture));
    problems.finish()
}

pub async fn record_payment(
    ctx: &Ctx,
    p: &Principal,
    input: PaymentInput,
) -> ServiceResult<(payment::Model, loan::Model)> {
    require_ingest(p)?;
    validate_payment(&input, ctx.clock.now())?;
    ctx.write(Actor::from(p), async |w| {
        let (payment, loan, _outcome) = write_payment(w, p, &input).await?;
        Ok((payment, loan))
    })
    .await
}

/// Records a validated payment within `w` (one call of `recordPayment`, or one item of
/// `recordPayments`). The same external id again is the same payment (`Unchanged`), or a
/// CONFLICT when it says otherwise.
pub(crate) async fn write_payment(
    w: &mut Write,
    p: &Principal,
    input: &PaymentInput,
) -> ServiceResult<(payment::Model, loan::Model, Outcome)> {
    let l = own_loan_for_change(w, p, &input.loan).await?;
    let mut problems = Problems::new();
    money::check_scale(&mut problems, &["amount"], input.amount, l.currency);
    problems.finish()?;
    let row = payment::Model {
        id: w.new_id(),
        loan_id: l.id,
        external_id: input.external_id.clone(),
        paid_at: input.paid_at,
        amount: input.amount.normalize().into(),
        created_at: w.now,
    };
    if !w.insert_new(row.clone().into_active_model(), [payment::Column::LoanId, payment::Column::ExternalId]).await? {
        // A payment is a fact: the same external id again is the same payment (a retry),
        // or a CONFLICT when it says otherwise.
        let existing = payment::Entity::find()
            .filter(payment::Column::LoanId.eq(l.id))
            .filter(payment::Column::ExternalId.eq(&input.external_id))
            .one(w.txn())
            .await?
            .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("a payment's key conflicted but is not visible")))?;
        return if existing.amount.0 == input.amount && existing.paid_at == input.paid_at {
            Ok((existing, l, Outcome::Unchanged))
        } else {
            Err(ServiceError::user(UserError::conflict(&["externalId"], UserErrorReason::RetryWithOtherInput)))
        };
    }
    let l = refresh_derived(w, l).await?;
    let subject = Subject::new("payment", row.id);
    let after = json!({ "loanId": l.id, "externalId": row.external_id, "paidAt": row.paid_at, "amount": row.amount.to_string() });
    w.audit("payment.recorded", subject, Some(l.mfo_id), None, Some(after.clone()));
    w.event("payment.recorded", Subject::new("loan", l.id), visibility(&l), after);
    Ok((row, l, Outcome::Created))
}
