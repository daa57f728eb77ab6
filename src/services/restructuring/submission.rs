//! R2, R3, R5, R19: submitting an application. It is registered and numbered whatever it
//! lacks: inadmissibility marks it and drafts the D1 refusal, it never stops registration.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{
    DeadlineKind, DecisionKind, HardshipGround, Language, Obligor, RestructuringMeasure, SubmissionChannel,
};
use entity::{DbDecimal, decision, document_counter, loan, restructuring_application as application};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::{SUBJECT, get, snapshot, to_json, vis};
use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::ids::{ApplicationId, LoanId};
use crate::money;
use crate::rules::restructuring::{self as rules, BlockingFacts, SubmissionFacts};
use crate::services::deadlines::{self, NewDeadline};
use crate::services::write::{Actor, Subject, Submission, Submitted, Write};
use crate::services::{Ctx, loans, reference, scope};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroundInput {
    pub ground: HardshipGround,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeasureInput {
    pub measure: RestructuringMeasure,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentInput {
    pub kind: String,
    pub name: String,
    pub checksum: Option<String>,
}

/// The most hardship grounds one application states (R19 names eight). R5 registers every
/// application, so this is no judgement of a real one: it refuses a list built to weigh on
/// every read of the application, which returns the list whole (`grounds` is weighed by it).
pub const MAX_GROUNDS: usize = 20;
/// The most measures one application asks for (R2 names eight and "others"); as
/// `MAX_GROUNDS`, a guard only.
pub const MAX_MEASURES: usize = 20;
/// The most documents an application holds, those submitted with it (R2) and those
/// provided later (R6) together; `documents` is weighed by it.
pub const MAX_DOCUMENTS: usize = 50;

#[derive(Debug, Clone, Serialize)]
pub struct SubmitInput {
    pub client_submission_id: Option<Uuid>,
    pub loan_id: LoanId,
    pub channel: SubmissionChannel,
    pub language: Language,
    pub application_date: Option<NaiveDate>,
    pub grounds: Vec<GroundInput>,
    pub requested_measures: Vec<MeasureInput>,
    pub monthly_income: Option<Decimal>,
    pub other_monthly_debt_payments: Option<Decimal>,
    pub circumstances: Option<String>,
    pub documents: Vec<DocumentInput>,
    /// When the application reached the MFO (posted, handed in at a branch), if before it
    /// was entered; R8's days and R2/R3's day count run from it. Staff only: the app's
    /// submissions are received when sent.
    pub received_at: Option<DateTime<Utc>>,
}

/// The next incoming number of an organisation's series for the year; like the complaint
/// journal, the counter row is incremented inside the registering transaction.
async fn next_incoming_number(w: &Write, org: Uuid, series: &str, year: i32) -> ServiceResult<i32> {
    use document_counter::Column as C;
    let stmt = Query::insert()
        .into_table(document_counter::Entity)
        .columns([C::OrgId, C::Series, C::Year, C::LastNumber])
        .values_panic([org.into(), series.into(), year.into(), 1.into()])
        .on_conflict(
            OnConflict::columns([C::OrgId, C::Series, C::Year])
                .value(C::LastNumber, Expr::col((document_counter::Entity, C::LastNumber)).add(1))
                .to_owned(),
        )
        .returning_col(C::LastNumber)
        .to_owned();
    crate::services::next_number(w, stmt).await
}

/// R2, R5: submits an application. It is always registered with an incoming number; if it
/// is late and an R3 fact exists it is marked INADMISSIBLE and a refusal is drafted (D1).
pub async fn submit(ctx: &Ctx, p: &Principal, input: SubmitInput) -> ServiceResult<application::Model> {
    scope::permit(p.submits_for_borrower(), "applications come from the borrower or the MFO on their behalf")?;
    let is_borrower = p.is_borrower();
    let mut problems = Problems::new();
    if is_borrower {
        problems.check(input.client_submission_id.is_some(), || {
            UserError::invalid(&["clientSubmissionId"], UserErrorReason::Required)
        });
    }
    for (i, g) in input.grounds.iter().enumerate() {
        problems.check(
            g.ground != HardshipGround::Other || g.text.as_deref().is_some_and(|t| !t.trim().is_empty()),
            || UserError::invalid(&["grounds", &i.to_string(), "text"], UserErrorReason::Required),
        );
    }
    for (i, m) in input.requested_measures.iter().enumerate() {
        problems.check(
            m.measure != RestructuringMeasure::Other || m.text.as_deref().is_some_and(|t| !t.trim().is_empty()),
            || UserError::invalid(&["requestedMeasures", &i.to_string(), "text"], UserErrorReason::Required),
        );
    }
    for (field, v) in
        [("monthlyIncome", input.monthly_income), ("otherMonthlyDebtPayments", input.other_monthly_debt_payments)]
    {
        if let Some(v) = v {
            problems.in_range(&[field], v, Decimal::ZERO, crate::services::loans::MAX_AMOUNT);
        }
    }
    problems.each_filled("documents", "name", &input.documents, |x| &x.name);
    problems.at_most_items("grounds", input.grounds.len(), MAX_GROUNDS);
    problems.at_most_items("requestedMeasures", input.requested_measures.len(), MAX_MEASURES);
    problems.at_most_items("documents", input.documents.len(), MAX_DOCUMENTS);
    let now = ctx.clock.now();
    if !is_borrower {
        problems.check(input.received_at.is_none_or(|r| r <= now), || {
            UserError::invalid(&["receivedAt"], UserErrorReason::DateInFuture).with_rule("R8")
        });
    }
    problems.finish()?;

    let submission = Submission {
        client_submission_id: input.client_submission_id,
        operation: "submitRestructuringApplication",
        input: &input,
    };
    match ctx
        .submit(Actor::from(p), submission, async |w| {
            // Locked: applications of one loan are registered one after the other (R2, R3 read
            // the loan's facts).
            let l =
                loans::for_change(w, scope::loans(p).add(loan::Column::MfoId.eq(p.org_id.0)), input.loan_id).await?;
            let mut problems = Problems::new();
            for (field, v) in [
                ("monthlyIncome", input.monthly_income),
                ("otherMonthlyDebtPayments", input.other_monthly_debt_payments),
            ] {
                if let Some(v) = v {
                    money::check_scale(&mut problems, &[field], v, l.currency);
                }
            }
            problems.finish()?;
            // R8, R2: the clocks run from receipt; the app's submissions are received when sent.
            let received_at = rules::received_at(is_borrower, input.received_at, w.now);
            // The law in force at receipt: the R8 deadline keeps the version its clock started under.
            let law = reference::law(w.reference(), w.txn(), l.jurisdiction, received_at).await?;
            let received_on = law.calendar.local_date(received_at);
            let schedule = loans::schedule_of(w.txn(), l.id).await?;
            // R2/R3 as they stood at receipt: payments made after it do not move the overdue date.
            let payments: Vec<_> = loans::payments_of_loan(w.txn(), l.id)
                .await?
                .into_iter()
                .filter(|pay| law.calendar.local_date(pay.paid_at) <= received_on)
                .collect();
            let facts = SubmissionFacts {
                by_borrower: is_borrower,
                channel: input.channel,
                language: input.language,
                application_date: input.application_date,
                received_at,
                contract_date: l.contract_date,
                mfo_founded_on: reference::founded_on(w.reference(), w.txn(), l.mfo_id).await?,
                overdue_since: loans::ledger(&l, &schedule, &payments).overdue(received_on).since,
                blocking: BlockingFacts {
                    court_act_on: l.court_act_on,
                    enforcement_inscription_on: l.enforcement_inscription_on,
                    settlement_agreement_on: l.settlement_agreement_on,
                    claim_assigned_on: l.claim_assigned_on,
                },
            };
            let plan =
                rules::submission(&facts, w.now, &law.calendar, &law.policy.policy).map_err(ServiceError::user)?;

            let seq = next_incoming_number(w, l.mfo_id, "application", plan.incoming_year).await?;
            let row = application::Model {
                id: w.new_id(),
                mfo_id: l.mfo_id,
                jurisdiction: l.jurisdiction,
                loan_id: l.id,
                borrower_id: l.borrower_id,
                incoming_year: plan.incoming_year,
                incoming_seq: seq,
                received_at: plan.received_at,
                application_date: plan.application_date,
                language: input.language,
                channel: plan.channel,
                grounds: to_json(&input.grounds)?,
                requested_measures: to_json(&input.requested_measures)?,
                monthly_income: input.monthly_income.map(|m| DbDecimal(m.normalize())),
                other_monthly_debt_payments: DbDecimal(
                    input.other_monthly_debt_payments.unwrap_or_default().normalize(),
                ),
                circumstances: input.circumstances.clone(),
                documents: to_json(&input.documents)?,
                status: plan.status,
                overdue_since: facts.overdue_since,
                admissible: plan.admissible,
                admissibility_rule: plan.admissibility_rule.to_owned(),
                inadmissible_facts: (!plan.admissible).then(|| to_json(&plan.inadmissible_facts)).transpose()?,
                borrower_notice: None,
                submitted_by: p.key(),
                closed_at: None,
                updated_at: w.now,
            };
            application::Entity::insert(row.clone().into_active_model()).exec_without_returning(w.txn()).await?;
            let subject = Subject::new(SUBJECT, row.id);
            deadlines::open_started(
                w,
                NewDeadline {
                    subject,
                    org_id: l.mfo_id,
                    jurisdiction: l.jurisdiction,
                    kind: DeadlineKind::ApplicationDecision,
                    rule: "R8",
                    obligor: Obligor::Mfo,
                    due: plan.decision_due,
                    policy_version_id: law.policy.id,
                    occurrence: "1".into(),
                },
                plan.received_at,
            )
            .await?;
            if let Some(reasons) = plan.refusal_draft {
                let draft = decision::Model {
                    id: w.new_id(),
                    application_id: row.id,
                    kind: DecisionKind::Refuse,
                    draft: true,
                    terms: None,
                    reasons: Some(reasons),
                    signatory_name: None,
                    signatory_position: None,
                    decided_by: None,
                    decided_at: None,
                    delivered_at: None,
                    burden_before: None,
                    burden_after: None,
                    burden_limit: None,
                    burden_payment_before: None,
                    burden_payment_after: None,
                    reply_by: None,
                    response: None,
                    responded_at: None,
                    implemented_at: None,
                    created_at: w.now,
                };
                decision::Entity::insert(draft.into_active_model()).exec_without_returning(w.txn()).await?;
            }
            w.audit("application.submitted", subject, Some(l.mfo_id), None, Some(snapshot(&row)));
            w.event("application.submitted", subject, vis(&row), json!({ "status": row.status }));
            w.produced(row.id);
            Ok(row)
        })
        .await?
    {
        Submitted::Fresh(done) => Ok(done),
        Submitted::Replay(id) => get(ctx, p, ApplicationId(id)).await,
    }
}
