//! Legal facts of a loan (court acts, settlements, insolvency, an assigned claim) as the MFO
//! reports them; an assignment the rules did not allow raises an escalation, never a refusal.

use chrono::NaiveDate;
use entity::enums::{ClaimAssignee, EscalationKind, LegalFactKind};
use entity::loan;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};
use serde::Serialize;
use serde_json::json;

use super::{LoanRef, loan_snapshot, own_loan_for_change, require_ingest, schedule_of, visibility};
use crate::auth::Principal;
use crate::error::{Problems, ServiceResult, UserError, UserErrorReason};
use crate::services::write::{Actor, EscalationDraft, Subject};
use crate::services::{Ctx, reference};

#[derive(Debug, Clone, Serialize)]
pub struct LegalFactInput {
    pub loan: LoanRef,
    pub kind: LegalFactKind,
    pub occurred_on: NaiveDate,
    /// Only for an insolvency procedure that has ended.
    pub ended_on: Option<NaiveDate>,
    /// Only for an assigned claim: who took it (R14 applies to a collection agency).
    pub assignee: Option<ClaimAssignee>,
}

pub async fn record_legal_fact(ctx: &Ctx, p: &Principal, input: LegalFactInput) -> ServiceResult<loan::Model> {
    require_ingest(p)?;
    ctx.write(Actor::from(p), async |w| {
        let l = own_loan_for_change(w, p, &input.loan).await?;
        let today = reference::calendar(w.reference(), w.txn(), l.jurisdiction).await?.local_date(w.now);
        let mut problems = Problems::new();
        problems.check(input.occurred_on <= today, || {
            UserError::invalid(&["occurredOn"], UserErrorReason::DateInFuture)
        });
        match (input.kind, input.ended_on) {
            (LegalFactKind::InsolvencyProcedure, Some(end)) => {
                problems.check(end >= input.occurred_on && end <= today, || {
                    UserError::invalid(&["endedOn"], UserErrorReason::DateOutOfRange)
                        .with_param("notBefore", input.occurred_on.to_string())
                        .with_param("notAfter", today.to_string())
                });
            }
            (LegalFactKind::InsolvencyProcedure, None) => {}
            (_, Some(_)) => problems.push(UserError::invalid(&["endedOn"], UserErrorReason::NotApplicable)),
            (_, None) => {}
        }
        problems.check(input.assignee.is_none() || input.kind == LegalFactKind::ClaimAssigned, || {
            UserError::invalid(&["assignee"], UserErrorReason::NotApplicable)
        });
        // Dropping `w` on the error path rolls the (so far read-only) transaction back.
        problems.finish()?;
        let schedule = schedule_of(w.txn(), l.id).await?;
        let before = loan_snapshot(&l, &schedule);
        let mut row = l.clone();
        let on = Some(input.occurred_on);
        match input.kind {
            LegalFactKind::CourtAct => row.court_act_on = on,
            LegalFactKind::EnforcementInscription => row.enforcement_inscription_on = on,
            LegalFactKind::SettlementAgreement => row.settlement_agreement_on = on,
            LegalFactKind::ReducingSettlement => row.reducing_settlement_on = on,
            LegalFactKind::ClaimAssigned => {
                row.claim_assigned_on = on;
                row.claim_assignee = input.assignee;
            }
            LegalFactKind::InsolvencyProcedure => {
                row.insolvency_from = on;
                row.insolvency_to = input.ended_on;
            }
        }
        let after = loan_snapshot(&row, &schedule);
        if after == before {
            // The same fact again: nothing changed, nothing to record or flag twice.
            return Ok(row);
        }
        row.updated_at = w.now;
        loan::Entity::update(row.clone().into_active_model().reset_all()).exec(w.txn()).await?;
        let subject = Subject::new("loan", row.id);
        if input.kind == LegalFactKind::ClaimAssigned {
            // R17.3 / R14: an assignment is a fact that already happened, so it is recorded
            // whatever it broke (R3 must know of it); what it broke is escalated.
            if let Some((v, reason)) = crate::services::collection::assignment_verdict(
                w.reference(),
                w.txn(),
                &row,
                input.occurred_on,
                input.assignee,
            )
            .await?
                && !v.allowed
            {
                for rule in &v.basis {
                    w.escalate(EscalationDraft {
                        kind: EscalationKind::RuleBreach,
                        rule: (*rule).to_owned(),
                        org_id: row.mfo_id,
                        jurisdiction: row.jurisdiction,
                        subject_type: "loan".into(),
                        subject_id: row.id,
                        deadline_id: None,
                        message: crate::i18n::Msg::new(crate::i18n::MsgId::EscalationClaimAssigned)
                            .arg("contract", row.contract_number.clone())
                            .arg("on", input.occurred_on.to_string())
                            .arg("rule", *rule),
                        details: json!({ "loanId": row.id, "action": v.action, "assignee": input.assignee,
                            "occurredOn": input.occurred_on, "reason": reason }),
                    });
                }
            }
        }
        w.audit("loan.legal_fact_recorded", subject, Some(row.mfo_id), Some(before), Some(after));
        w.event(
            "loan.legal_fact_recorded",
            subject,
            visibility(&row),
            json!({ "kind": input.kind, "occurredOn": input.occurred_on, "endedOn": input.ended_on, "assignee": input.assignee }),
        );
        Ok(row)
    })
    .await
}
