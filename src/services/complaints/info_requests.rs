//! C9: loan-information requests and their answers, and the loan statement they quote.
//! A second request in a month is registered too, only flagged as beyond the free one.

use chrono::Datelike;
use entity::enums::{
    ComplaintChannel, ComplaintForm, DeadlineKind, DeadlineStatus, InfoRequestStatus, LoanStatus, Obligor,
};
use entity::{info_request, loan, payment};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::ids::{InfoRequestId, LoanId};
use crate::rules::complaints::{self as rules};
use crate::rules::loans::Statement;
use crate::services::deadlines::{self, NewDeadline};
use crate::services::write::{Actor, Subject, Submission, Submitted, Visibility};
use crate::services::{Ctx, loans, reference, scope};

#[derive(Debug, Clone, Serialize)]
pub struct InfoRequestInput {
    pub client_submission_id: Option<Uuid>,
    pub loan_id: LoanId,
    pub channel: ComplaintChannel,
    pub form: ComplaintForm,
}

/// C9: registers a request for the seven items of a serviced loan; a second one in the
/// same calendar month is registered too, flagged as beyond the free one.
pub async fn request_information(
    ctx: &Ctx,
    p: &Principal,
    mut input: InfoRequestInput,
) -> ServiceResult<info_request::Model> {
    scope::permit(
        p.submits_for_borrower(),
        "loan information is requested by the borrower or the MFO on their behalf",
    )?;
    let is_borrower = p.is_borrower();
    if is_borrower {
        if input.client_submission_id.is_none() {
            return Err(ServiceError::user(UserError::invalid(&["clientSubmissionId"], UserErrorReason::Required)));
        }
        input.channel = ComplaintChannel::MobileApp;
        input.form = ComplaintForm::Written;
    }
    let submission = Submission {
        client_submission_id: input.client_submission_id,
        operation: "requestLoanInformation",
        input: &input,
    };
    match ctx
        .submit(Actor::from(p), submission, async |w| {
            // Locked: C9's once-a-month count sees the request before this one, also at once.
            let l =
                loans::for_change(w, scope::loans(p).add(loan::Column::MfoId.eq(p.org_id.0)), input.loan_id).await?;
            match l.status {
                LoanStatus::Active => {}
                LoanStatus::Closed | LoanStatus::WrittenOff => {
                    return Err(ServiceError::user(UserError::rule(
                        "C9",
                        &["loanId"],
                        UserErrorReason::LoanNotServiced,
                    )));
                }
            }
            let law = reference::law(w.reference(), w.txn(), l.jurisdiction, w.now).await?;
            let today = law.calendar.local_date(w.now);
            let month = format!("{:04}-{:02}", today.year(), today.month());
            let earlier = info_request::Entity::find()
                .filter(info_request::Column::BorrowerId.eq(l.borrower_id))
                .filter(info_request::Column::Month.eq(month.clone()))
                .count(w.txn())
                .await?;
            let row = info_request::Model {
                id: w.new_id(),
                mfo_id: l.mfo_id,
                jurisdiction: l.jurisdiction,
                borrower_id: l.borrower_id,
                loan_id: l.id,
                channel: input.channel,
                form: input.form,
                received_at: w.now,
                month,
                beyond_free_monthly: rules::beyond_free_monthly(
                    u32::try_from(earlier).unwrap_or(u32::MAX),
                    &law.policy.policy,
                ),
                status: InfoRequestStatus::Open,
                answered_at: None,
                answer_channel: None,
                registered_by: p.key(),
            };
            info_request::Entity::insert(row.clone().into_active_model()).exec_without_returning(w.txn()).await?;
            let subject = Subject::new("info_request", row.id);
            let due = rules::info_request_due(&law.calendar, &law.policy.policy, today);
            deadlines::open(
                w,
                NewDeadline {
                    subject,
                    org_id: l.mfo_id,
                    jurisdiction: l.jurisdiction,
                    kind: DeadlineKind::InfoRequestAnswer,
                    rule: "C9",
                    obligor: Obligor::Mfo,
                    due,
                    policy_version_id: law.policy.id,
                    occurrence: "1".into(),
                },
            )
            .await?;
            let after =
                json!({ "loanId": l.id, "beyondFreeMonthlyRequest": row.beyond_free_monthly, "channel": row.channel });
            w.audit("info_request.registered", subject, Some(l.mfo_id), None, Some(after.clone()));
            w.event(
                "info_request.registered",
                subject,
                Visibility { org_id: Some(l.mfo_id), jurisdiction: Some(l.jurisdiction) },
                after,
            );
            w.produced(row.id);
            Ok(row)
        })
        .await?
    {
        Submitted::Fresh(done) => Ok(done),
        Submitted::Replay(id) => get_info_request(ctx, p, InfoRequestId(id)).await,
    }
}

/// C9: records that the information was given.
pub async fn answer_information(
    ctx: &Ctx,
    p: &Principal,
    id: InfoRequestId,
    channel: String,
) -> ServiceResult<info_request::Model> {
    scope::require_staff(p)?;
    ctx.write(Actor::from(p), async |w| {
        let own = Condition::all().add(info_request::Column::MfoId.eq(p.org_id.0));
        let r = w.for_change::<info_request::Entity>(own, id.0).await?;
        match r.status {
            InfoRequestStatus::Open => {}
            InfoRequestStatus::Answered => {
                return Err(ServiceError::user(UserError::conflict(&["infoRequestId"], UserErrorReason::AlreadyDone)));
            }
        }
        let mut after = r.clone();
        after.status = InfoRequestStatus::Answered;
        after.answered_at = Some(w.now);
        after.answer_channel = Some(channel.clone());
        info_request::Entity::update(after.clone().into_active_model().reset_all()).exec(w.txn()).await?;
        let subject = Subject::new("info_request", r.id);
        w.audit("info_request.answered", subject, Some(r.mfo_id), None, Some(json!({ "channel": channel })));
        w.event(
            "info_request.answered",
            subject,
            Visibility { org_id: Some(r.mfo_id), jurisdiction: Some(r.jurisdiction) },
            json!({}),
        );
        deadlines::close(w, r.id, DeadlineKind::InfoRequestAnswer, DeadlineStatus::Met).await?;
        Ok(after)
    })
    .await
}

pub async fn get_info_request(ctx: &Ctx, p: &Principal, id: InfoRequestId) -> ServiceResult<info_request::Model> {
    let scope = scope::info_requests(p).ok_or(ServiceError::NotFound)?;
    info_request::Entity::find_by_id(id.0).filter(scope).one(&ctx.db).await?.ok_or(ServiceError::NotFound)
}

/// C9: the statement of a loan the principal may see, as of now.
pub async fn statement(
    ctx: &Ctx,
    p: &Principal,
    id: LoanId,
) -> ServiceResult<(loan::Model, Vec<payment::Model>, Statement)> {
    let l = loans::get(ctx, p, id).await?;
    let schedule = loans::schedule_of(&ctx.db, l.id).await?;
    let payments = loans::payments_of_loan(&ctx.db, l.id).await?;
    let ledger = loans::ledger(&l, &schedule, &payments);
    let today = loans::local_today(&l, ctx.clock.now());
    let limit = l.credit_limit.map(|c| c.0).unwrap_or(l.principal.0);
    let s = crate::rules::loans::statement(&ledger, l.currency, l.contract_date, limit, today);
    Ok((l, payments, s))
}
