//! R7, R8, R10–R13: the decision with its debt-burden check, the borrower's
//! answer to a counter-proposal, implementation, withdrawal, and the D1 refusal letter
//! rendered from the records. The figures and texts come from `rules::restructuring`.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{
    ApplicationStatus, CounterProposalResponse, DeadlineKind, DeadlineStatus, DecisionKind, Language, Obligor,
};
use entity::{DbDecimal, borrower, deadline, decision, loan, organization, restructuring_application as application};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use serde::Serialize;
use serde_json::{Value, json};

use super::{SUBJECT, for_change, new_deadline, to_json, transition};
use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::ids::ApplicationId;
use crate::rules::restructuring::{self as rules, AppStep, Burden, DecisionFacts, Proposal, RefusalLetterFacts, Terms};
use crate::services::deadlines;
use crate::services::write::{Actor, Subject, Write};
use crate::services::{Ctx, loans, reference, refused, scope};

#[derive(Debug, Clone, Serialize)]
pub struct DecideInput {
    pub kind: DecisionKind,
    pub terms: Option<Terms>,
    pub reasons: Option<String>,
    pub signatory_name: String,
    pub signatory_position: Option<String>,
    pub reply_by: Option<NaiveDate>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// What a decision was checked with.
#[derive(Debug, Clone)]
pub struct Decided {
    pub application: application::Model,
    pub burden: Option<Burden>,
}

/// Input sanity bound on a proposed deferral (not a figure of the law).
const MAX_DEFERRAL_MONTHS: u32 = 60;

fn check_terms(t: &Terms) -> Problems {
    let mut problems = Problems::new();
    problems.check(t.changes_anything(), || UserError::invalid(&["terms"], UserErrorReason::TermsChangeNothing));
    if let Some(r) = t.new_annual_rate {
        problems.in_range(&["terms", "newAnnualRate"], r, Decimal::ZERO, crate::services::loans::MAX_ANNUAL_RATE);
    }
    if let Some(d) = t.deferral {
        problems.in_range(&["terms", "deferral", "months"], d.months, 1, MAX_DEFERRAL_MONTHS);
    }
    if let Some(n) = t.new_term_months {
        problems.in_range(&["terms", "newTermMonths"], n, 1, crate::services::loans::MAX_TERM_MONTHS.unsigned_abs());
    }
    for (field, v) in [
        ("forgiveOverduePrincipal", t.forgive_overdue_principal),
        ("forgiveOverdueInterest", t.forgive_overdue_interest),
    ] {
        problems.check(v >= Decimal::ZERO, || {
            UserError::invalid(&["terms", field], UserErrorReason::OutOfRange).at_least(0)
        });
    }
    problems
}

/// R8: the manager's answer: agreement, counter-proposal (R12) or motivated refusal (D1).
/// Agreed or proposed terms must lower the debt burden (R7, R10).
pub async fn decide(ctx: &Ctx, p: &Principal, id: ApplicationId, input: DecideInput) -> ServiceResult<Decided> {
    scope::require_manager(p)?;
    let mut problems = Problems::new();
    problems.check(!input.signatory_name.trim().is_empty(), || {
        UserError::rule("R8", &["signatoryName"], UserErrorReason::DecisionUnsigned)
    });
    problems.at_most_chars(&["reasons"], input.reasons.as_deref(), crate::services::MAX_TEXT_CHARS);
    match input.kind {
        DecisionKind::Refuse => {
            problems.check(input.terms.is_none(), || UserError::invalid(&["terms"], UserErrorReason::NotApplicable));
        }
        DecisionKind::Approve | DecisionKind::CounterProposal => match &input.terms {
            Some(t) => problems.absorb(check_terms(t)),
            None => problems.push(UserError::invalid(&["terms"], UserErrorReason::Required)),
        },
    }
    if input.kind == DecisionKind::CounterProposal {
        problems.check(input.reply_by.is_some(), || {
            UserError::rule("R12", &["replyBy"], UserErrorReason::ReplyDateRequired)
        });
    }
    problems.finish()?;

    ctx.write(Actor::from(p), async |w| {
        let a = for_change(w, p, id, false).await?;
        let law = reference::law(w.reference(), w.txn(), a.jurisdiction, w.now).await?;
        let l = loan::Entity::find_by_id(a.loan_id).one(w.txn()).await?.ok_or(ServiceError::NotFound)?;
        let ledger = match &input.terms {
            Some(_) => {
                let schedule = loans::schedule_of(w.txn(), l.id).await?;
                let payments = loans::payments_of_loan(w.txn(), l.id).await?;
                Some(loans::ledger(&l, &schedule, &payments))
            }
            None => None,
        };
        let draft = match input.kind {
            DecisionKind::Refuse => {
                decision::Entity::find().filter(decision::Column::ApplicationId.eq(a.id)).one(w.txn()).await?
            }
            DecisionKind::Approve | DecisionKind::CounterProposal => None,
        };
        let facts = DecisionFacts {
            status: a.status,
            received_at: a.received_at,
            monthly_income: a.monthly_income.map(|m| m.0),
            other_monthly_debt_payments: a.other_monthly_debt_payments.0,
            currency: l.currency,
            annual_rate: l.annual_rate.0,
            kind: input.kind,
            proposal: input.terms.as_ref().zip(ledger.as_ref()).map(|(terms, ledger)| Proposal { terms, ledger }),
            reasons: input.reasons.as_deref(),
            drafted_reasons: draft.as_ref().and_then(|d| d.reasons.as_deref()),
            reply_by: input.reply_by,
            delivered_at: input.delivered_at,
        };
        let plan = rules::decision(&facts, w.now, &law.calendar, &law.policy.policy).map_err(ServiceError::User)?;
        let burden = plan.burden;
        let row = decision::Model {
            id: w.new_id(),
            application_id: a.id,
            kind: input.kind,
            draft: false,
            terms: input.terms.as_ref().map(to_json).transpose()?,
            reasons: plan.reasons,
            signatory_name: Some(input.signatory_name.trim().to_owned()),
            signatory_position: input.signatory_position.clone(),
            decided_by: Some(p.key()),
            decided_at: Some(w.now),
            delivered_at: Some(plan.delivered_at),
            burden_before: burden.map(|b| DbDecimal(b.ratio_before)),
            burden_after: burden.map(|b| DbDecimal(b.ratio_after)),
            burden_limit: burden.map(|b| DbDecimal(b.limit)),
            burden_payment_before: burden.map(|b| DbDecimal(b.payment_before)),
            burden_payment_after: burden.map(|b| DbDecimal(b.payment_after)),
            reply_by: input.reply_by,
            response: None,
            responded_at: None,
            implemented_at: None,
            created_at: w.now,
        };
        // A drafted refusal (R3) is replaced by the signed decision.
        decision::Entity::delete_many().filter(decision::Column::ApplicationId.eq(a.id)).exec(w.txn()).await?;
        decision::Entity::insert(row.clone().into_active_model()).exec_without_returning(w.txn()).await?;
        let after = transition(w, &a, plan.step, "application.decided", |_| {}).await?;
        w.audit(
            "decision.signed",
            Subject::new(SUBJECT, a.id),
            Some(a.mfo_id),
            None,
            Some(json!({ "kind": row.kind, "terms": row.terms, "reasons": row.reasons, "signatory": row.signatory_name,
                "burdenBefore": row.burden_before.map(|b| b.to_string()), "burdenAfter": row.burden_after.map(|b| b.to_string()),
                "monthlyPaymentBefore": row.burden_payment_before.map(|b| b.to_string()),
                "monthlyPaymentAfter": row.burden_payment_after.map(|b| b.to_string()),
                "replyBy": row.reply_by, "deliveredAt": row.delivered_at })),
        );
        // R8: the decision meets its deadline.
        deadlines::close(w, a.id, DeadlineKind::ApplicationDecision, DeadlineStatus::Met).await?;
        if let Some(next) = plan.next_deadline {
            let d = new_deadline(&a, next.kind, next.rule, next.obligor, next.due, law.policy.id, "1".into());
            deadlines::open(w, d).await?;
        }
        Ok(Decided { application: after, burden })
    })
    .await
}

/// R12: the borrower accepts or rejects the counter-proposal.
pub async fn respond(
    ctx: &Ctx,
    p: &Principal,
    id: ApplicationId,
    response: CounterProposalResponse,
) -> ServiceResult<application::Model> {
    ctx.write(Actor::from(p), async |w| {
        let a = for_change(w, p, id, true).await?;
        let step = match response {
            CounterProposalResponse::Accept => AppStep::Accept,
            CounterProposalResponse::Reject => AppStep::Reject,
        };
        let action = match response {
            CounterProposalResponse::Accept => "application.counter_proposal_accepted",
            CounterProposalResponse::Reject => "application.counter_proposal_rejected",
        };
        let after = transition(w, &a, step, action, |_| {}).await?;
        decision::Entity::update_many()
            .col_expr(decision::Column::Response, Expr::value(sea_orm::ActiveEnum::to_value(&response)))
            .col_expr(decision::Column::RespondedAt, Expr::value(w.now))
            .filter(decision::Column::ApplicationId.eq(a.id))
            .exec(w.txn())
            .await?;
        deadlines::close(w, a.id, DeadlineKind::CounterProposalReply, DeadlineStatus::Met).await?;
        if response == CounterProposalResponse::Accept {
            let law = reference::law(w.reference(), w.txn(), a.jurisdiction, w.now).await?;
            let due = rules::implementation_due(&law.calendar, &law.policy.policy, law.calendar.local_date(w.now));
            deadlines::open(
                w,
                new_deadline(
                    &a,
                    DeadlineKind::DecisionImplementation,
                    "R11",
                    Obligor::Mfo,
                    due,
                    law.policy.id,
                    "1".into(),
                ),
            )
            .await?;
        }
        Ok(after)
    })
    .await
}

/// R13: no agreement within 30 days of receipt: the proposal counts as refused (the
/// scanner runs this when the reply deadline passes).
pub(crate) async fn deemed_refusal(w: &mut Write, d: &deadline::Model) -> ServiceResult<()> {
    let Some(a) = application::Entity::find_by_id(d.subject_id).one(w.txn()).await? else { return Ok(()) };
    if a.status != ApplicationStatus::CounterProposed {
        return Ok(());
    }
    transition(w, &a, AppStep::DeemRefused, "application.deemed_refused", |_| {}).await?;
    Ok(())
}

/// R11: the agreed changes are made: a new schedule replaces the unpaid installments, and
/// the loan's rate and repayment order follow the terms; the audit entry keeps both
/// schedules.
pub async fn implement(ctx: &Ctx, p: &Principal, id: ApplicationId) -> ServiceResult<application::Model> {
    scope::require_staff(p)?;
    ctx.write(Actor::from(p), async |w| {
        let a = for_change(w, p, id, false).await?;
        rules::next_status(a.status, AppStep::Implement).map_err(|r| refused(r, &["applicationId"]))?;
        let d = decision::Entity::find()
            .filter(decision::Column::ApplicationId.eq(a.id))
            .one(w.txn())
            .await?
            .ok_or(ServiceError::NotFound)?;
        let terms: Terms = d
            .terms
            .clone()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| ServiceError::Internal(e.into()))?
            .unwrap_or_default();
        let l = loan::Entity::find_by_id(a.loan_id).one(w.txn()).await?.ok_or(ServiceError::NotFound)?;
        let today = loans::local_today(&l, w.now);
        let old = loans::schedule_of(w.txn(), l.id).await?;
        let payments = loans::payments_of_loan(w.txn(), l.id).await?;
        let ledger = loans::ledger(&l, &old, &payments);
        let new =
            rules::new_schedule(&ledger, l.currency, &terms, l.annual_rate.0, today).map_err(|r| refused(r, &["applicationId"]))?;
        let rows = loans::installment_rows(w, l.id, &new);
        loans::replace_schedule(w, l.id, rows).await?;
        let mut updated = l.clone();
        if let Some(rate) = terms.new_annual_rate {
            updated.annual_rate = DbDecimal(rate.normalize());
        }
        if let Some(order) = terms.repayment_order {
            updated.repayment_order = order;
        }
        if let Some(last) = new.last() {
            updated.term_months = rules::term_months(l.contract_date, last.due_date);
        }
        updated.updated_at = w.now;
        loan::Entity::update(updated.clone().into_active_model().reset_all()).exec(w.txn()).await?;
        let updated = loans::refresh_derived(w, updated).await?;
        let line =
            |i: &crate::rules::loans::Installment| json!([i.due_date, i.principal.to_string(), i.interest.to_string()]);
        let old_lines: Vec<Value> =
            old.iter().map(|i| json!([i.due_date, i.principal.to_string(), i.interest.to_string()])).collect();
        w.audit(
            "loan.restructured",
            Subject::new("loan", l.id),
            Some(l.mfo_id),
            Some(json!({ "annualRate": l.annual_rate.to_string(), "repaymentOrder": l.repayment_order, "termMonths": l.term_months, "schedule": old_lines })),
            Some(json!({ "annualRate": updated.annual_rate.to_string(), "repaymentOrder": updated.repayment_order, "termMonths": updated.term_months,
                "schedule": new.iter().map(line).collect::<Vec<_>>(), "applicationId": a.id })),
        );
        w.event(
            "loan.restructured",
            Subject::new("loan", l.id),
            loans::visibility(&updated),
            json!({ "applicationId": a.id }),
        );
        decision::Entity::update_many()
            .col_expr(decision::Column::ImplementedAt, Expr::value(w.now))
            .filter(decision::Column::Id.eq(d.id))
            .exec(w.txn())
            .await?;
        let after = transition(w, &a, AppStep::Implement, "application.implemented", |_| {}).await?;
        deadlines::close(w, a.id, DeadlineKind::DecisionImplementation, DeadlineStatus::Met).await?;
        Ok(after)
    })
    .await
}

/// The borrower withdraws an undecided application.
pub async fn withdraw(ctx: &Ctx, p: &Principal, id: ApplicationId) -> ServiceResult<application::Model> {
    scope::permit(p.is_borrower(), "only the borrower withdraws an application")?;
    ctx.write(Actor::from(p), async |w| {
        let a = for_change(w, p, id, true).await?;
        let after = transition(w, &a, AppStep::Withdraw, "application.withdrawn", |_| {}).await?;
        for kind in [DeadlineKind::ApplicationDecision, DeadlineKind::ApplicationDocuments] {
            deadlines::close(w, a.id, kind, DeadlineStatus::Cancelled).await?;
        }
        Ok(after)
    })
    .await
}

/// D1: the records a refusal letter (signed or drafted) is rendered from.
pub struct LetterRecords<'a> {
    pub decision: &'a decision::Model,
    pub application: &'a application::Model,
    pub loan: &'a loan::Model,
    pub borrower: &'a borrower::Model,
    pub mfo: &'a organization::Model,
}

/// D1: the letter of a refusal (signed or drafted), rendered from its records; `None` for
/// decisions that are not refusals.
pub fn refusal_letter(r: &LetterRecords<'_>) -> Option<(Language, String)> {
    let (d, a, l, b, mfo) = (r.decision, r.application, r.loan, r.borrower, r.mfo);
    if d.kind != DecisionKind::Refuse {
        return None;
    }
    let tz = crate::rules::calendar::time_zone(a.jurisdiction);
    let language = rules::refusal_letter_language(a.language);
    let signatory = match (&d.signatory_name, &d.signatory_position) {
        (Some(n), Some(pos)) => format!("{n}, {pos}"),
        (Some(n), None) => n.clone(),
        (None, _) => "________________".to_owned(),
    };
    let facts = RefusalLetterFacts {
        borrower_name: b.full_name.clone(),
        borrower_address: b.address.clone(),
        creditor: mfo.name.clone(),
        application_date: a.application_date,
        incoming_number: rules::incoming_number(a.incoming_year, a.incoming_seq),
        incoming_date: a.received_at.with_timezone(&tz).date_naive(),
        contract_number: l.contract_number.clone(),
        contract_date: l.contract_date,
        reasons: d.reasons.clone().unwrap_or_default(),
        signatory,
    };
    Some((language, rules::refusal_letter(language, &facts)))
}
