//! R1: the overdue sweep that opens the delinquency-notice duty once per overdue episode,
//! and the notices that meet it. The sweep examines one loan per transaction; when it
//! runs is the scanner's business, not this file's.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{
    DeadlineKind, DeadlineStatus, Jurisdiction, LoanStatus, NoticeChannel, NoticeSender, Obligor, Role,
};
use entity::{delinquency_notice, loan};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::ids::LoanId;
use crate::money;
use crate::rules::calendar::Calendar;
use crate::rules::restructuring::{self as rules};
use crate::services::deadlines::{self, NewDeadline};
use crate::services::write::{Actor, Subject, Write};
use crate::services::{Ctx, loans, reference, scope};

/// R1: the loans of `j` that may have fallen overdue since they were last looked at (their
/// oldest unpaid due date is past and not yet examined), after `after` in id order. Only
/// ids: each loan is then examined on its own (`examine_overdue`), so a row that cannot be
/// read or handled stalls nothing but itself (the scanner isolates and retries it).
pub async fn overdue_candidates(
    ctx: &Ctx,
    j: Jurisdiction,
    today: NaiveDate,
    after: Option<Uuid>,
    limit: u64,
) -> ServiceResult<Vec<Uuid>> {
    let mut q = loan::Entity::find()
        .select_only()
        .column(loan::Column::Id)
        .filter(loan::Column::Jurisdiction.eq(j))
        .filter(loan::Column::Status.eq(LoanStatus::Active))
        .filter(loan::Column::FirstUnpaidDueDate.lt(today))
        .filter(
            Condition::any()
                .add(loan::Column::NoticeCheckedDueDate.is_null())
                .add(Expr::col(loan::Column::NoticeCheckedDueDate).ne(Expr::col(loan::Column::FirstUnpaidDueDate))),
        );
    if let Some(after) = after {
        q = q.filter(loan::Column::Id.gt(after));
    }
    Ok(q.order_by_asc(loan::Column::Id).limit(limit).into_tuple::<Uuid>().all(&ctx.db).await?)
}

/// What the R1 sweep did with one loan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverdueExamined {
    /// Nothing to do: not overdue, the same episode as before, or examined elsewhere.
    Unchanged,
    /// A new overdue episode: its notice deadline is open.
    NoticeDutyOpened,
    /// A new overdue episode that began before the jurisdiction's first policy version:
    /// R1 was not law when its clock would have started, so no duty opens (recorded).
    BeforeTheLaw,
}

/// R1: examines one loan once per move of its oldest unpaid due date and, for a new
/// overdue episode, opens the notice deadline dated from the overdue date itself, under
/// the policy version in force on that date (docs/law.md, "Figures are data"). The loan is read
/// for a change (locked), so of two scanners the second finds it examined.
pub async fn examine_overdue(ctx: &Ctx, loan_id: Uuid, cal: &Calendar) -> ServiceResult<OverdueExamined> {
    ctx.write(Actor::system("overdue-sweep"), async |w| {
        let l = match w.for_change::<loan::Entity>(Condition::all(), loan_id).await {
            Ok(l) if l.notice_checked_due_date != l.first_unpaid_due_date => l,
            // Gone, or examined for this oldest-unpaid date already (by another instance).
            Ok(_) | Err(ServiceError::NotFound) => {
                return Ok(OverdueExamined::Unchanged);
            }
            Err(e) => return Err(e),
        };
        loan::Entity::update_many()
            .col_expr(loan::Column::NoticeCheckedDueDate, Expr::value(l.first_unpaid_due_date))
            .filter(loan::Column::Id.eq(l.id))
            .exec(w.txn())
            .await?;
        let schedule = loans::schedule_of(w.txn(), l.id).await?;
        let payments = loans::payments_of_loan(w.txn(), l.id).await?;
        let today = cal.local_date(w.now);
        let Some(since) = loans::ledger(&l, &schedule, &payments).overdue(today).since else {
            return Ok(OverdueExamined::Unchanged);
        };
        if l.notice_episode_since == Some(since) {
            // The same, still running overdue: its duty is already open (or met).
            return Ok(OverdueExamined::Unchanged);
        }
        loan::Entity::update_many()
            .col_expr(loan::Column::NoticeEpisodeSince, Expr::value(since))
            .filter(loan::Column::Id.eq(l.id))
            .exec(w.txn())
            .await?;
        let subject = Subject::new("loan", l.id);
        // The clock started on the overdue date: the policy in force then sets the figure.
        let book = reference::policies(w.reference(), w.txn()).await?;
        let Some(policy) = book.in_force(l.jurisdiction, since) else {
            // R1 did not exist when this overdue began (a book migrated from before the first
            // version): no notice duty opens for it. The duties whose clocks start later (an
            // application's R5–R13, contacts' X rules, R17.3's day count) apply as usual.
            let first = book.first(l.jurisdiction).map(|v| v.effective_from);
            let after = json!({ "overdueSince": since, "noticeDuty": null, "lawInForceFrom": first });
            w.audit("loan.overdue", subject, Some(l.mfo_id), None, Some(after.clone()));
            w.event("loan.overdue", subject, loans::visibility(&l), after);
            return Ok(OverdueExamined::BeforeTheLaw);
        };
        let due = rules::notice_due(cal, &policy.policy, since);
        // R1's clock started on the overdue date, not when the sweep noticed it.
        let started = cal.instant(since, chrono::NaiveTime::MIN);
        deadlines::open_started(
            w,
            NewDeadline {
                subject,
                org_id: l.mfo_id,
                jurisdiction: l.jurisdiction,
                kind: DeadlineKind::DelinquencyNotice,
                rule: "R1",
                obligor: Obligor::Mfo,
                due,
                policy_version_id: policy.id,
                occurrence: since.to_string(),
            },
            started,
        )
        .await?;
        let after = json!({ "overdueSince": since, "policyVersionId": policy.id });
        w.audit("loan.overdue", subject, Some(l.mfo_id), None, Some(after.clone()));
        w.event("loan.overdue", subject, loans::visibility(&l), after);
        Ok(OverdueExamined::NoticeDutyOpened)
    })
    .await
}

/// R1: a payment that clears the overdue ends the episode, and with it the notice duty.
pub(crate) async fn overdue_cleared(w: &mut Write, l: &loan::Model) -> ServiceResult<()> {
    deadlines::close(w, l.id, DeadlineKind::DelinquencyNotice, DeadlineStatus::Cancelled).await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct NoticeInput {
    pub loan_id: LoanId,
    pub sent_at: DateTime<Utc>,
    pub channel: NoticeChannel,
    pub overdue_amount: Option<Decimal>,
    pub amount_as_of: Option<NaiveDate>,
    pub states_right_to_apply: bool,
    pub states_consequences: bool,
    pub text: Option<String>,
}

/// R1: records a delinquency notice sent by the MFO or by the agency it engaged.
pub async fn record_notice(ctx: &Ctx, p: &Principal, input: NoticeInput) -> ServiceResult<delinquency_notice::Model> {
    let sender = match p.role {
        Role::MfoStaff | Role::MfoManager => NoticeSender::Mfo,
        Role::CollectionAgency => NoticeSender::CollectionAgency,
        Role::Borrower | Role::Regulator => {
            return Err(ServiceError::Forbidden("notices are sent by the MFO or its agency"));
        }
    };
    let mut problems = Problems::new();
    for (field, r) in rules::missing_notice_contents(&rules::NoticeContents {
        overdue_amount: input.overdue_amount,
        amount_as_of: input.amount_as_of,
        right_to_apply: input.states_right_to_apply,
        consequences: input.states_consequences,
    }) {
        problems.push(crate::services::refusal_error(r, &[field]));
    }
    problems.check(input.sent_at <= ctx.clock.now(), || UserError::invalid(&["sentAt"], UserErrorReason::DateInFuture));
    problems.at_most_chars(&["text"], input.text.as_deref(), crate::services::MAX_TEXT_CHARS);
    problems.finish()?;
    ctx.write(Actor::from(p), async |w| {
        // scope::loans gives an agency only the loans handed to it now (R1: it may deliver).
        // Locked: the notice closes the loan's R1 duty once.
        let l = loans::for_change(w, scope::loans(p), input.loan_id).await?;
        if let Some(amount) = input.overdue_amount {
            let mut problems = Problems::new();
            money::check_scale(&mut problems, &["overdueAmount"], amount, l.currency);
            problems.finish()?;
        }
        let Some(since) = l.notice_episode_since else {
            return Err(ServiceError::user(
                UserError::conflict(&["loanId"], UserErrorReason::NothingOverdue).with_rule("R1"),
            ));
        };
        let row = delinquency_notice::Model {
            id: w.new_id(),
            loan_id: l.id,
            mfo_id: l.mfo_id,
            jurisdiction: l.jurisdiction,
            overdue_since: since,
            sent_at: input.sent_at,
            channel: input.channel,
            sender,
            sender_org_id: p.org_id.0,
            overdue_amount: input.overdue_amount.unwrap_or_default().into(),
            amount_as_of: input.amount_as_of.unwrap_or(since),
            states_right_to_apply: true,
            states_consequences: true,
            text: input.text.clone(),
            recorded_by: p.key(),
            created_at: w.now,
        };
        delinquency_notice::Entity::insert(row.clone().into_active_model()).exec_without_returning(w.txn()).await?;
        deadlines::close(w, l.id, DeadlineKind::DelinquencyNotice, DeadlineStatus::Met).await?;
        let subject = Subject::new("loan", l.id);
        let after = json!({ "noticeId": row.id, "sender": row.sender, "channel": row.channel, "sentAt": row.sent_at,
            "overdueAmount": row.overdue_amount.to_string(), "amountAsOf": row.amount_as_of });
        w.audit("delinquency_notice.recorded", subject, Some(l.mfo_id), None, Some(after.clone()));
        w.event("delinquency_notice.recorded", subject, loans::visibility(&l), after);
        Ok(row)
    })
    .await
}

pub async fn notices_of<C: ConnectionTrait>(
    db: &C,
    loan_ids: &[Uuid],
) -> ServiceResult<std::collections::HashMap<Uuid, Vec<delinquency_notice::Model>>> {
    let rows = delinquency_notice::Entity::find()
        .filter(delinquency_notice::Column::LoanId.is_in(loan_ids.iter().copied()))
        .order_by_asc(delinquency_notice::Column::SentAt)
        .all(db)
        .await?;
    let mut map: std::collections::HashMap<Uuid, Vec<delinquency_notice::Model>> = std::collections::HashMap::new();
    for r in rows {
        map.entry(r.loan_id).or_default().push(r);
    }
    Ok(map)
}
