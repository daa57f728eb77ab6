//! How a complaint ends: the written answer (C10, C11), the oral answer or the invitation
//! to write (C12), leaving an abusive one without consideration (C3), closing a suggestion.
//! Each goes through `step`; none skips the C7 order.

use chrono::{DateTime, Utc};
use entity::enums::{
    AnswerDeliveryChannel, AnswerGround, ClosureReason, DeadlineKind, DeadlineStatus, Language, SignatoryRole,
};
use entity::{complaint, complaint_answer};
use sea_orm::{EntityTrait, IntoActiveModel};
use serde::Serialize;
use serde_json::json;

use super::{SUBJECT, complainants_of, for_change, step};
use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::ids::ComplaintId;
use crate::rules::complaints::{self as rules, Step};
use crate::services::deadlines;
use crate::services::write::{Actor, Subject};
use crate::services::{Ctx, MAX_TEXT_CHARS, refused, scope};

#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    pub name: String,
    pub certified_copy: bool,
}

/// The most documents attached to one answer (C10: certified copies and the like);
/// `ComplaintAnswer.attachments` is weighed by this.
pub const MAX_ATTACHMENTS: usize = 50;

#[derive(Debug, Clone, Serialize)]
pub struct AnswerInput {
    pub signatory_role: SignatoryRole,
    pub signatory_name: String,
    pub ground: AnswerGround,
    pub justification: String,
    pub executor_name: String,
    pub executor_contact: String,
    pub language: Language,
    pub delivery_channel: AnswerDeliveryChannel,
    pub sent_at: DateTime<Utc>,
    pub attachments: Vec<Attachment>,
}

/// C10, C11: the written answer, signed by the responsible manager.
pub async fn answer(ctx: &Ctx, p: &Principal, id: ComplaintId, a: AnswerInput) -> ServiceResult<complaint::Model> {
    scope::require_manager(p)?;
    let mut problems = Problems::new();
    let required = |field: &'static str, v: &str| (field, v.trim().is_empty());
    for (field, empty) in [
        required("signatoryName", &a.signatory_name),
        required("justification", &a.justification),
        required("executorName", &a.executor_name),
        required("executorContact", &a.executor_contact),
    ] {
        problems.check(!empty, || UserError::rule("C10", &[field], UserErrorReason::AnswerParticularRequired));
    }
    problems.each_filled("attachments", "name", &a.attachments, |x| &x.name);
    problems.at_most_items("attachments", a.attachments.len(), MAX_ATTACHMENTS);
    problems.at_most_chars(&["justification"], Some(&a.justification), MAX_TEXT_CHARS);
    problems.finish()?;
    ctx.write(Actor::from(p), async |w| {
        let c = for_change(w, p, id).await?;
        // The state first: an answer to a complaint not yet reviewed is refused as such.
        rules::next_status(c.status, Step::Answer, c.kind, c.form).map_err(|r| refused(r, &["complaintId"]))?;
        let mut problems = Problems::new();
        if let Err(r) = rules::check_answer_language(c.language, a.language) {
            problems.push(crate::services::refusal_error(r, &["language"]));
        }
        if let Err(r) = rules::check_sent_at(a.sent_at, c.registered_at, w.now) {
            problems.push(crate::services::refusal_error(r, &["sentAt"]));
        }
        problems.finish()?;
        let delivered_to = rules::answer_destination(&complainants_of(&c), c.answer_address.as_deref(), a.delivery_channel);
        let after = step(w, &c, Step::Answer, "complaint.answered", |_| {}).await?;
        let answer = complaint_answer::Model {
            id: w.new_id(),
            complaint_id: c.id,
            oral: false,
            signatory_role: Some(a.signatory_role),
            signatory_name: Some(a.signatory_name.trim().to_owned()),
            signed_by: p.key(),
            ground: Some(a.ground),
            text: a.justification.clone(),
            executor_name: Some(a.executor_name.clone()),
            executor_contact: Some(a.executor_contact.clone()),
            language: a.language,
            delivery_channel: Some(a.delivery_channel),
            delivered_to,
            sent_at: a.sent_at,
            attachments: serde_json::to_value(&a.attachments).map_err(|e| ServiceError::Internal(e.into()))?,
            created_at: w.now,
        };
        complaint_answer::Entity::insert(answer.clone().into_active_model()).exec_without_returning(w.txn()).await?;
        w.audit(
            "complaint_answer.created",
            Subject::new(SUBJECT, c.id),
            Some(c.mfo_id),
            None,
            Some(
                json!({ "ground": answer.ground, "signatory": answer.signatory_name, "deliveredTo": answer.delivered_to }),
            ),
        );
        deadlines::close(w, c.id, DeadlineKind::ComplaintAnswer, DeadlineStatus::Met).await?;
        Ok(after)
    })
    .await
}

/// C12: an oral complaint answered at once, orally.
pub async fn answer_orally(
    ctx: &Ctx,
    p: &Principal,
    id: ComplaintId,
    text: String,
    answered_at: Option<DateTime<Utc>>,
) -> ServiceResult<complaint::Model> {
    let mut problems = Problems::new();
    problems.required("answer", &text);
    problems.at_most_chars(&["answer"], Some(&text), MAX_TEXT_CHARS);
    problems.finish()?;
    ctx.write(Actor::from(p), async |w| {
        let c = for_change(w, p, id).await?;
        let at = answered_at.unwrap_or(w.now);
        if at > w.now || at < c.received_at {
            return Err(ServiceError::user(
                UserError::invalid(&["answeredAt"], UserErrorReason::DateOutOfRange)
                    .with_param("notBefore", c.received_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .with_param("notAfter", w.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            ));
        }
        let after = step(w, &c, Step::AnswerOrally, "complaint.answered_orally", |_| {}).await?;
        let answer = complaint_answer::Model {
            id: w.new_id(),
            complaint_id: c.id,
            oral: true,
            signatory_role: None,
            signatory_name: None,
            signed_by: p.key(),
            ground: None,
            text,
            executor_name: None,
            executor_contact: None,
            language: c.language,
            delivery_channel: None,
            delivered_to: None,
            sent_at: at,
            attachments: json!([]),
            created_at: w.now,
        };
        complaint_answer::Entity::insert(answer.into_active_model()).exec_without_returning(w.txn()).await?;
        deadlines::close(w, c.id, DeadlineKind::ComplaintAnswer, DeadlineStatus::Met).await?;
        Ok(after)
    })
    .await
}

/// C12: an oral complaint that needs a check: the consumer is invited to put it in writing.
pub async fn invite_to_write(
    ctx: &Ctx,
    p: &Principal,
    id: ComplaintId,
    note: Option<String>,
) -> ServiceResult<complaint::Model> {
    let mut problems = Problems::new();
    problems.at_most_chars(&["note"], note.as_deref(), MAX_TEXT_CHARS);
    problems.finish()?;
    ctx.write(Actor::from(p), async |w| {
        let c = for_change(w, p, id).await?;
        let after = step(w, &c, Step::InviteToWrite, "complaint.invited_to_write", |a| a.closure_note = note).await?;
        deadlines::close(w, c.id, DeadlineKind::ComplaintAnswer, DeadlineStatus::Met).await?;
        Ok(after)
    })
    .await
}

/// C3: the responsible manager leaves an abusive written complaint without consideration.
pub async fn leave_without_consideration(
    ctx: &Ctx,
    p: &Principal,
    id: ComplaintId,
    reason: ClosureReason,
    note: String,
) -> ServiceResult<complaint::Model> {
    scope::require_manager(p)?;
    // C3: only abusive content is left without consideration here, and the note says what.
    let mut problems = Problems::new();
    problems.check(reason == ClosureReason::Abusive, || {
        UserError::rule("C3", &["reason"], UserErrorReason::AnonymityNotDecided)
    });
    problems
        .check(!note.trim().is_empty(), || UserError::rule("C3", &["note"], UserErrorReason::AbusiveContentRequired));
    problems.at_most_chars(&["note"], Some(&note), MAX_TEXT_CHARS);
    problems.finish()?;
    ctx.write(Actor::from(p), async |w| {
        let c = for_change(w, p, id).await?;
        let after = step(w, &c, Step::LeaveWithoutConsideration, "complaint.left_without_consideration", |a| {
            a.closure_reason = Some(reason);
            a.closure_note = Some(note);
        })
        .await?;
        for kind in [DeadlineKind::ComplaintAnswer, DeadlineKind::ComplaintAcknowledgement] {
            deadlines::close(w, c.id, kind, DeadlineStatus::Cancelled).await?;
        }
        Ok(after)
    })
    .await
}

/// C7: a suggestion closed without an answer.
pub async fn close_without_answer(
    ctx: &Ctx,
    p: &Principal,
    id: ComplaintId,
    note: Option<String>,
) -> ServiceResult<complaint::Model> {
    let mut problems = Problems::new();
    problems.at_most_chars(&["note"], note.as_deref(), MAX_TEXT_CHARS);
    problems.finish()?;
    ctx.write(Actor::from(p), async |w| {
        let c = for_change(w, p, id).await?;
        let after =
            step(w, &c, Step::CloseWithoutAnswer, "complaint.closed_without_answer", |a| a.closure_note = note).await?;
        Ok(after)
    })
    .await
}
