//! A record's audit trail as MFO staff and regulators read it: the entries about one record
//! (within the record's own scope) and one entry by id. The chain the entries form, and its
//! check, are `services::chain`.

use entity::audit_entry;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{Ctx, appeals, collection, complaints, loans, military, restructuring};
use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult};
use crate::ids::{AppealId, ApplicationId, BorrowerId, ComplaintId, ContactId, DeferralId, InfoRequestId, LoanId};

/// The records whose audit trail can be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrailSubject {
    Loan(LoanId),
    Borrower(BorrowerId),
    Complaint(ComplaintId),
    InfoRequest(InfoRequestId),
    Application(ApplicationId),
    Appeal(AppealId),
    Contact(ContactId),
    Deferral(DeferralId),
    /// An escalation: its acknowledgement (`escalation.acknowledged`).
    Escalation(Uuid),
}

/// The audit entries of a record, oldest first, for MFO staff and regulators who can see
/// the record itself: its scope is the one its own query applies (a contact through
/// `collection::get_contact`, a military deferral through its loan), so a record outside
/// it answers NOT_FOUND like a missing one.
pub async fn trail(ctx: &Ctx, p: &Principal, subject: TrailSubject) -> ServiceResult<Vec<audit_entry::Model>> {
    super::scope::permit(p.reads_audit_trail(), "audit trails are for MFO staff and regulators")?;
    let id = visible(ctx, p, subject).await?;
    trail_for(&ctx.db, id).await
}

/// The record's id when the principal may see it (its own query's scope); NOT_FOUND otherwise.
async fn visible(ctx: &Ctx, p: &Principal, subject: TrailSubject) -> ServiceResult<Uuid> {
    Ok(match subject {
        TrailSubject::Loan(id) => loans::get(ctx, p, id).await?.id,
        TrailSubject::Borrower(id) => loans::get_borrower(ctx, p, id).await?.id,
        TrailSubject::Complaint(id) => complaints::get(ctx, p, id).await?.id,
        TrailSubject::InfoRequest(id) => complaints::get_info_request(ctx, p, id).await?.id,
        TrailSubject::Application(id) => restructuring::get(ctx, p, id).await?.id,
        TrailSubject::Appeal(id) => appeals::get(ctx, p, id).await?.id,
        TrailSubject::Contact(id) => collection::get_contact(ctx, p, id).await?.id,
        TrailSubject::Deferral(id) => military::get(ctx, p, id).await?.id,
        TrailSubject::Escalation(id) => super::escalations::get(ctx, p, id).await?.id,
    })
}

/// One audit entry (`node(id:)`), for whoever may read its record's trail: MFO staff and
/// regulators who see the record (a deadline's or a payment's entry: who sees that
/// deadline or payment). Entries of operator records (organisations, calendars, policy
/// versions) are no API caller's: NOT_FOUND, like a missing entry, as for every
/// principal that may read no trail.
pub async fn get_entry(ctx: &Ctx, p: &Principal, id: Uuid) -> ServiceResult<audit_entry::Model> {
    if !p.reads_audit_trail() {
        return Err(ServiceError::NotFound);
    }
    let e = audit_entry::Entity::find()
        .filter(audit_entry::Column::Id.eq(id))
        .one(&ctx.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let s = e.subject_id;
    let subject = match e.subject_type.as_str() {
        "loan" => TrailSubject::Loan(LoanId(s)),
        "borrower" => TrailSubject::Borrower(BorrowerId(s)),
        "complaint" => TrailSubject::Complaint(ComplaintId(s)),
        "info_request" => TrailSubject::InfoRequest(InfoRequestId(s)),
        "application" => TrailSubject::Application(ApplicationId(s)),
        "appeal" => TrailSubject::Appeal(AppealId(s)),
        "contact" => TrailSubject::Contact(ContactId(s)),
        "military_deferral" => TrailSubject::Deferral(DeferralId(s)),
        "escalation" => TrailSubject::Escalation(s),
        "deadline" => {
            super::escalations::get_deadline(ctx, p, s).await?;
            return Ok(e);
        }
        "payment" => {
            loans::get_payment(ctx, p, s).await?;
            return Ok(e);
        }
        _ => return Err(ServiceError::NotFound),
    };
    visible(ctx, p, subject).await?;
    Ok(e)
}

/// The entries about one record, oldest first, for a principal allowed to see it (the
/// caller checks scope on the record first).
pub async fn trail_for<C: ConnectionTrait>(db: &C, subject_id: Uuid) -> ServiceResult<Vec<audit_entry::Model>> {
    Ok(audit_entry::Entity::find()
        .filter(audit_entry::Column::SubjectId.eq(subject_id))
        .order_by_asc(audit_entry::Column::Seq)
        .all(db)
        .await?)
}
