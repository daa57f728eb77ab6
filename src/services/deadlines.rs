//! Opening, meeting, extending and cancelling deadline rows, and what happens when the
//! scanner finds one missed. Every timed duty of docs/law.md goes through here.

use entity::deadline;
use entity::enums::{DeadlineKind, DeadlineStatus, Jurisdiction, Obligor};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveEnum, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

use super::write::{Subject, Visibility, Write};
use crate::error::{ServiceError, ServiceResult};
use crate::rules::calendar::Due;

/// A duty to open.
#[derive(Debug, Clone)]
pub struct NewDeadline {
    pub subject: Subject,
    pub org_id: Uuid,
    pub jurisdiction: Jurisdiction,
    pub kind: DeadlineKind,
    /// The rule's ID in docs/law.md, e.g. "C8".
    pub rule: &'static str,
    pub obligor: Obligor,
    pub due: Due,
    pub policy_version_id: Uuid,
    /// Distinguishes repeated duties of one kind on one subject (e.g. a second document
    /// request); "1" when there is only ever one.
    pub occurrence: String,
}

fn visibility(d: &deadline::Model) -> Visibility {
    Visibility { org_id: Some(d.org_id), jurisdiction: Some(d.jurisdiction) }
}

fn snapshot(d: &deadline::Model) -> serde_json::Value {
    json!({
        "kind": d.kind, "rule": d.rule, "status": d.status, "dueAt": d.due_at, "dueDate": d.due_date,
        "extensions": d.extensions, "policyVersionId": d.policy_version_id,
    })
}

/// Opens a deadline; opening the same (subject, kind, occurrence) again returns the first.
pub async fn open(w: &mut Write, d: NewDeadline) -> ServiceResult<deadline::Model> {
    let now = w.now;
    open_started(w, d, now).await
}

/// Opens a deadline whose clock started before it was entered (an application received
/// at a branch and entered later, R8; a documents request sent before it was recorded,
/// R6): `started_at` records that instant, so `policy import` sees the true clock start.
pub async fn open_started(
    w: &mut Write,
    d: NewDeadline,
    started_at: chrono::DateTime<chrono::Utc>,
) -> ServiceResult<deadline::Model> {
    let dedupe_key = format!("{}:{}:{}", d.subject.id, d.kind.to_value(), d.occurrence);
    let id = w.new_id();
    let row = deadline::ActiveModel {
        id: Set(id),
        org_id: Set(d.org_id),
        jurisdiction: Set(d.jurisdiction),
        subject_type: Set(d.subject.kind.to_owned()),
        subject_id: Set(d.subject.id),
        kind: Set(d.kind),
        rule: Set(d.rule.to_owned()),
        obligor: Set(d.obligor),
        dedupe_key: Set(dedupe_key.clone()),
        started_at: Set(started_at),
        due_at: Set(d.due.at),
        due_date: Set(d.due.date),
        status: Set(DeadlineStatus::Open),
        policy_version_id: Set(d.policy_version_id),
        extensions: Set(0),
        closed_at: Set(None),
        lease_owner: Set(None),
        lease_until: Set(None),
    };
    deadline::Entity::insert(row)
        .on_conflict(OnConflict::column(deadline::Column::DedupeKey).do_nothing().to_owned())
        .exec_without_returning(w.txn())
        .await?;
    let stored = deadline::Entity::find()
        .filter(deadline::Column::DedupeKey.eq(dedupe_key))
        .one(w.txn())
        .await?
        .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("deadline vanished after insert")))?;
    if stored.id == id {
        let subject = Subject::new("deadline", stored.id);
        w.audit("deadline.opened", subject, Some(stored.org_id), None, Some(snapshot(&stored)));
        w.event("deadline.opened", subject, visibility(&stored), snapshot(&stored));
    }
    Ok(stored)
}

/// The open deadline of a kind on a subject, if any.
pub async fn find_open(w: &Write, subject_id: Uuid, kind: DeadlineKind) -> ServiceResult<Option<deadline::Model>> {
    Ok(deadline::Entity::find()
        .filter(deadline::Column::SubjectId.eq(subject_id))
        .filter(deadline::Column::Kind.eq(kind))
        .filter(deadline::Column::Status.eq(DeadlineStatus::Open))
        .order_by_desc(deadline::Column::StartedAt)
        .one(w.txn())
        .await?)
}

/// Closes the open deadline of a kind on a subject as `Met` or `Cancelled`. Closing one
/// that is not open (already met, missed or cancelled) changes nothing.
pub async fn close(
    w: &mut Write,
    subject_id: Uuid,
    kind: DeadlineKind,
    status: DeadlineStatus,
) -> ServiceResult<Option<deadline::Model>> {
    debug_assert!(matches!(status, DeadlineStatus::Met | DeadlineStatus::Cancelled));
    let Some(open) = find_open(w, subject_id, kind).await? else {
        return Ok(None);
    };
    let changed = deadline::Entity::update_many()
        .col_expr(deadline::Column::Status, Expr::value(status.to_value()))
        .col_expr(deadline::Column::ClosedAt, Expr::value(w.now))
        .filter(deadline::Column::Id.eq(open.id))
        .filter(deadline::Column::Status.eq(DeadlineStatus::Open))
        .exec(w.txn())
        .await?;
    if changed.rows_affected == 0 {
        return Ok(None);
    }
    let mut closed = open.clone();
    closed.status = status;
    closed.closed_at = Some(w.now);
    let subject = Subject::new("deadline", closed.id);
    let topic = match status {
        DeadlineStatus::Met => "deadline.met",
        _ => "deadline.cancelled",
    };
    w.audit(topic, subject, Some(closed.org_id), Some(snapshot(&open)), Some(snapshot(&closed)));
    w.event(topic, subject, visibility(&closed), snapshot(&closed));
    Ok(Some(closed))
}

/// Moves an open deadline's due time (an extension the law allows, e.g. C8).
pub async fn extend(w: &mut Write, open: &deadline::Model, due: Due) -> ServiceResult<deadline::Model> {
    deadline::Entity::update_many()
        .col_expr(deadline::Column::DueAt, Expr::value(due.at))
        .col_expr(deadline::Column::DueDate, Expr::value(due.date))
        .col_expr(deadline::Column::Extensions, Expr::col(deadline::Column::Extensions).add(1))
        .filter(deadline::Column::Id.eq(open.id))
        .exec(w.txn())
        .await?;
    let mut extended = open.clone();
    extended.due_at = due.at;
    extended.due_date = due.date;
    extended.extensions += 1;
    let subject = Subject::new("deadline", open.id);
    w.audit("deadline.extended", subject, Some(open.org_id), Some(snapshot(open)), Some(snapshot(&extended)));
    w.event("deadline.extended", subject, visibility(&extended), snapshot(&extended));
    Ok(extended)
}

/// For the MFO's own duties, a missed deadline is an escalation naming its record. Runs
/// inside the transaction that marked it missed (`mark_missed`), so it happens exactly
/// once. The area's own consequence of a miss (R6, R13) is the caller's: the scanner
/// dispatches it, so this mechanism knows no area.
async fn escalate_missed(w: &mut Write, d: &deadline::Model) -> ServiceResult<()> {
    match d.obligor {
        Obligor::Mfo => {
            let message = match subject_number(w, d).await? {
                Some(number) => crate::i18n::Msg::new(crate::i18n::MsgId::EscalationDeadlineMissedOn)
                    .arg("subjectType", d.subject_type.clone())
                    .arg("subject", number),
                None => crate::i18n::Msg::new(crate::i18n::MsgId::EscalationDeadlineMissed),
            };
            w.escalate(super::write::EscalationDraft {
                kind: entity::enums::EscalationKind::DeadlineMissed,
                rule: d.rule.clone(),
                org_id: d.org_id,
                jurisdiction: d.jurisdiction,
                subject_type: d.subject_type.clone(),
                subject_id: d.subject_id,
                deadline_id: Some(d.id),
                message: message
                    .arg("kind", d.kind.to_value())
                    .arg("rule", d.rule.clone())
                    .arg("due", d.due_date.to_string()),
                details: json!({ "deadlineId": d.id, "dueAt": d.due_at, "kind": d.kind }),
            })
        }
        Obligor::Borrower => {}
    }
    Ok(())
}

/// A duty whose outcome is known when it is recorded (C4: a complaint registered days
/// after it arrived was registered either in time or late). Stored like any deadline, met
/// or missed, and a missed one escalates as if the scanner had found it. Only for the MFO's
/// duties, whose miss has no consequence in its area beyond the escalation.
pub async fn record_settled(w: &mut Write, d: NewDeadline, met: bool) -> ServiceResult<deadline::Model> {
    let kind = d.kind;
    let opened = open(w, d).await?;
    if met {
        return Ok(close(w, opened.subject_id, kind, DeadlineStatus::Met).await?.unwrap_or(opened));
    }
    Ok(mark_missed(w, &opened, None).await?.unwrap_or(opened))
}

/// Marks an open deadline missed, records it (audit entry and `deadline.missed` event, the
/// deadline's snapshot) and escalates a missed duty of the MFO (`escalate_missed`), in the
/// caller's transaction. With `lease_owner`, only while that owner holds the scanner's lease. `None`
/// when the deadline is no longer open (met, cancelled or marked meanwhile) or the lease
/// moved on: nothing is written then.
pub async fn mark_missed(
    w: &mut Write,
    d: &deadline::Model,
    lease_owner: Option<&str>,
) -> ServiceResult<Option<deadline::Model>> {
    let mut marking = deadline::Entity::update_many()
        .col_expr(deadline::Column::Status, Expr::value(DeadlineStatus::Missed.to_value()))
        .col_expr(deadline::Column::ClosedAt, Expr::value(w.now))
        .filter(deadline::Column::Id.eq(d.id))
        .filter(deadline::Column::Status.eq(DeadlineStatus::Open));
    if let Some(owner) = lease_owner {
        marking = marking.filter(deadline::Column::LeaseOwner.eq(owner));
    }
    if marking.exec(w.txn()).await?.rows_affected != 1 {
        return Ok(None);
    }
    let mut missed = d.clone();
    missed.status = DeadlineStatus::Missed;
    missed.closed_at = Some(w.now);
    let subject = Subject::new("deadline", missed.id);
    w.audit("deadline.missed", subject, Some(missed.org_id), None, Some(snapshot(&missed)));
    w.event("deadline.missed", subject, visibility(&missed), snapshot(&missed));
    escalate_missed(w, &missed).await?;
    Ok(Some(missed))
}

/// The number a person knows the deadline's record by, for its escalation's message: a
/// complaint's journal number (C4), an application's incoming number, a loan's contract
/// number (also for an information request or a deferral, which are about a loan).
async fn subject_number(w: &Write, d: &deadline::Model) -> ServiceResult<Option<String>> {
    use entity::{complaint, info_request, loan, military_deferral, restructuring_application as application};
    let loan_of = |id: Uuid| async move {
        Ok::<_, ServiceError>(loan::Entity::find_by_id(id).one(w.txn()).await?.map(|l| l.contract_number))
    };
    Ok(match d.subject_type.as_str() {
        "complaint" => complaint::Entity::find_by_id(d.subject_id)
            .one(w.txn())
            .await?
            .map(|c| crate::rules::complaints::journal_number(c.journal_year, c.journal_seq)),
        "application" => application::Entity::find_by_id(d.subject_id)
            .one(w.txn())
            .await?
            .map(|a| crate::rules::restructuring::incoming_number(a.incoming_year, a.incoming_seq)),
        "loan" => loan_of(d.subject_id).await?,
        "info_request" => match info_request::Entity::find_by_id(d.subject_id).one(w.txn()).await? {
            Some(r) => loan_of(r.loan_id).await?,
            None => None,
        },
        "military_deferral" => match military_deferral::Entity::find_by_id(d.subject_id).one(w.txn()).await? {
            Some(m) => loan_of(m.loan_id).await?,
            None => None,
        },
        _ => None,
    })
}
