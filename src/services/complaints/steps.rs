//! The steps before an answer: acknowledgement (C5), forwarding and review (C7), the one
//! extension (C8). Each goes through `step` (`rules::complaints::next_status`), so none
//! skips the C7 order.

use chrono::{DateTime, Utc};
use entity::complaint;
use entity::enums::{AcknowledgementChannel, DeadlineKind, DeadlineStatus};
use serde::Serialize;
use serde_json::json;

use super::{for_change, step};
use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::ids::ComplaintId;
use crate::rules::complaints::{self as rules, Step};
use crate::services::deadlines;
use crate::services::write::Actor;
use crate::services::{Ctx, reference, refused, scope};

/// C5: confirms receipt of an e-mailed complaint.
pub async fn acknowledge(
    ctx: &Ctx,
    p: &Principal,
    id: ComplaintId,
    channel: AcknowledgementChannel,
    at: Option<DateTime<Utc>>,
) -> ServiceResult<complaint::Model> {
    ctx.write(Actor::from(p), async |w| {
        let c = for_change(w, p, id).await?;
        if c.acknowledged_at.is_some() {
            return Err(ServiceError::user(UserError::conflict(&["complaintId"], UserErrorReason::AlreadyDone)));
        }
        let at = at.unwrap_or(w.now);
        if at > w.now || at < c.received_at {
            return Err(ServiceError::user(
                UserError::invalid(&["acknowledgedAt"], UserErrorReason::DateOutOfRange)
                    .with_param("notBefore", c.received_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .with_param("notAfter", w.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            ));
        }
        let after = step(w, &c, Step::Acknowledge, "complaint.acknowledged", |a| {
            a.acknowledged_at = Some(at);
            a.acknowledgement_channel = Some(channel);
        })
        .await?;
        deadlines::close(w, c.id, DeadlineKind::ComplaintAcknowledgement, DeadlineStatus::Met).await?;
        Ok(after)
    })
    .await
}

#[derive(Debug, Clone, Serialize)]
pub struct ResponsibleManager {
    pub name: String,
    pub position: String,
}

/// The most responsible managers a complaint is forwarded to at once (C7): it goes to the
/// one or two who answer for its subject; `Complaint.forwardedTo` is weighed by this.
pub const MAX_FORWARDED_TO: usize = 10;

/// C7: forwards the complaint to the responsible managers.
pub async fn forward(
    ctx: &Ctx,
    p: &Principal,
    id: ComplaintId,
    managers: Vec<ResponsibleManager>,
) -> ServiceResult<complaint::Model> {
    let mut problems = Problems::new();
    problems.check(!managers.is_empty(), || UserError::invalid(&["managers"], UserErrorReason::Required));
    problems.each_filled("managers", "name", &managers, |x| &x.name);
    problems.at_most_items("managers", managers.len(), MAX_FORWARDED_TO);
    problems.finish()?;
    ctx.write(Actor::from(p), async |w| {
        let c = for_change(w, p, id).await?;
        let to = serde_json::to_value(&managers).map_err(|e| ServiceError::Internal(e.into()))?;
        let after = step(w, &c, Step::Forward, "complaint.forwarded", |a| a.forwarded_to = Some(to)).await?;
        Ok(after)
    })
    .await
}

/// C7: a responsible manager takes the complaint into review.
pub async fn start_review(ctx: &Ctx, p: &Principal, id: ComplaintId) -> ServiceResult<complaint::Model> {
    ctx.write(Actor::from(p), async |w| {
        let c = for_change(w, p, id).await?;
        let after = step(w, &c, Step::StartReview, "complaint.review_started", |_| {}).await?;
        Ok(after)
    })
    .await
}

/// How and when the consumer was told something (C8's extension notice).
#[derive(Debug, Clone, Serialize)]
pub struct ConsumerNotice {
    pub channel: String,
    pub sent_at: DateTime<Utc>,
}

/// C8: the responsible manager extends the answer deadline, once, telling the consumer.
pub async fn extend(
    ctx: &Ctx,
    p: &Principal,
    id: ComplaintId,
    reason: String,
    notice: ConsumerNotice,
) -> ServiceResult<complaint::Model> {
    scope::require_manager(p)?;
    let mut problems = Problems::new();
    problems.check(!reason.trim().is_empty(), || UserError::invalid(&["reason"], UserErrorReason::Required));
    problems.check(!notice.channel.trim().is_empty(), || {
        UserError::invalid(&["consumerNotice", "channel"], UserErrorReason::Required)
    });
    problems.finish()?;
    ctx.write(Actor::from(p), async |w| {
        let c = for_change(w, p, id).await?;
        if notice.sent_at > w.now {
            return Err(ServiceError::user(UserError::invalid(
                &["consumerNotice", "sentAt"],
                UserErrorReason::DateInFuture,
            )));
        }
        rules::next_status(c.status, Step::Extend, c.kind, c.form).map_err(|r| refused(r, &["complaintId"]))?;
        let open = deadlines::find_open(w, c.id, DeadlineKind::ComplaintAnswer).await?.ok_or_else(|| {
            ServiceError::user(UserError::conflict(&["complaintId"], UserErrorReason::NoOpenDeadline))
        })?;
        let law = reference::law(w.reference(), w.txn(), c.jurisdiction, open.started_at).await?;
        let due = rules::extended_due(
            &law.calendar,
            &law.policy.policy,
            open.due_date,
            u32::try_from(open.extensions).unwrap_or(0),
        )
        .map_err(|r| refused(r, &["complaintId"]))?;
        deadlines::extend(w, &open, due).await?;
        let notice_json = json!({ "channel": notice.channel, "sentAt": notice.sent_at });
        let after = step(w, &c, Step::Extend, "complaint.deadline_extended", |a| {
            a.extension_reason = Some(reason);
            a.extension_notice = Some(notice_json);
            a.extended_at = Some(a.updated_at);
        })
        .await?;
        Ok(after)
    })
    .await
}
