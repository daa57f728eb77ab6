//! Conscripted borrowers (M1–M6): bureau data opens the 15-day grant duty; granting defers
//! the schedule (term grows, payment size stays); the borrower may refuse within 14 days
//! and the MFO confirms within 15; an early discharge shortens the protection. Collection
//! reads the protection from here (`collection::load_facts`).

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{DeadlineKind, DeadlineStatus, DeferralStatus, Obligor};
use entity::{installment, loan, military_deferral as deferral};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter};
use serde::Serialize;
use serde_json::{Value, json};

use super::deadlines::{self, NewDeadline};
use super::write::{Actor, Subject, Visibility, Write};
use super::{Ctx, loans, reference, refused, scope};
use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::ids::{DeferralId, LoanId};
use crate::rules::loans::Installment;
use crate::rules::military as rules;

const SUBJECT: &str = "military_deferral";

fn vis(d: &deferral::Model) -> Visibility {
    Visibility { org_id: Some(d.mfo_id), jurisdiction: Some(d.jurisdiction) }
}

fn snapshot(d: &deferral::Model) -> Value {
    json!({ "status": d.status, "serviceStart": d.service_start, "serviceEnd": d.service_end,
        "dischargedOn": d.discharged_on, "protectedUntil": d.protected_until })
}

#[derive(Debug, Clone, Serialize)]
pub struct ConscriptionInput {
    pub loan_id: LoanId,
    pub service_start: NaiveDate,
    pub service_end: NaiveDate,
    pub bureau_received_at: Option<DateTime<Utc>>,
}

/// The states of a deferral that is still the loan's current one (the partial unique index
/// `ix_military_deferral_open` lists the same).
const OPEN: [DeferralStatus; 3] =
    [DeferralStatus::Registered, DeferralStatus::Granted, DeferralStatus::RefusedByBorrower];

/// M1: the credit bureau reports the borrower conscripted. Unless M6 excludes it, the MFO
/// must grant the deferral within 15 calendar days.
pub async fn register(ctx: &Ctx, p: &Principal, input: ConscriptionInput) -> ServiceResult<deferral::Model> {
    scope::require_staff(p)?;
    if input.service_end <= input.service_start {
        return Err(ServiceError::user(
            UserError::invalid(&["serviceEnd"], UserErrorReason::EndBeforeStart).with_param("start", "serviceStart"),
        ));
    }
    ctx.write(Actor::from(p), async |w| {
        let l = loans::for_change(w, Condition::all().add(loan::Column::MfoId.eq(p.org_id.0)), input.loan_id).await?;
        // One protected period of a loan at a time (M1–M4): the bureau's report again, while a
        // deferral is registered, granted or being refused, is the same conscription.
        if deferral::Entity::find()
            .filter(deferral::Column::LoanId.eq(l.id))
            .filter(deferral::Column::Status.is_in(OPEN))
            .one(w.txn())
            .await?
            .is_some()
        {
            return Err(ServiceError::user(UserError::conflict(&["loanId"], UserErrorReason::AlreadyDone)));
        }
        let received = input.bureau_received_at.unwrap_or(w.now);
        let mut problems = Problems::new();
        problems.check(received <= w.now, || UserError::invalid(&["bureauReceivedAt"], UserErrorReason::DateInFuture));
        problems.finish()?;
        let law = reference::law(w.reference(), w.txn(), l.jurisdiction, received).await?;
        let bureau_on = law.calendar.local_date(received);
        // M1's clock runs from the bureau's data reaching the MFO: not before it existed.
        if let Some(founded_on) = reference::founded_on(w.reference(), w.txn(), l.mfo_id).await?
            && bureau_on < founded_on
        {
            return Err(ServiceError::user(
                UserError::invalid(&["bureauReceivedAt"], UserErrorReason::DateOutOfRange)
                    .with_param("notBefore", founded_on.to_string())
                    .with_rule("M1"),
            ));
        }
        let applicable = rules::applicable(
            l.court_act_on,
            l.enforcement_inscription_on,
            l.settlement_agreement_on,
            law.calendar.local_date(w.now),
        );
        let row = deferral::Model {
            id: w.new_id(),
            loan_id: l.id,
            borrower_id: l.borrower_id,
            mfo_id: l.mfo_id,
            jurisdiction: l.jurisdiction,
            bureau_received_at: received,
            service_start: input.service_start,
            service_end: input.service_end,
            discharged_on: None,
            protected_until: rules::protected_until(&law.policy.policy, input.service_end, None),
            status: if applicable { DeferralStatus::Registered } else { DeferralStatus::NotApplicable },
            granted_at: None,
            refused_at: None,
            refusal_confirmed_at: None,
            original_schedule: None,
            created_at: w.now,
        };
        deferral::Entity::insert(row.clone().into_active_model()).exec_without_returning(w.txn()).await?;
        let subject = Subject::new(SUBJECT, row.id);
        if applicable {
            deadlines::open(
                w,
                NewDeadline {
                    subject,
                    org_id: l.mfo_id,
                    jurisdiction: l.jurisdiction,
                    kind: DeadlineKind::MilitaryDeferralGrant,
                    rule: "M1",
                    obligor: Obligor::Mfo,
                    due: rules::grant_due(&law.calendar, &law.policy.policy, bureau_on),
                    policy_version_id: law.policy.id,
                    occurrence: "1".into(),
                },
            )
            .await?;
        }
        w.audit("military_deferral.registered", subject, Some(l.mfo_id), None, Some(snapshot(&row)));
        w.event("military_deferral.registered", subject, vis(&row), json!({ "status": row.status }));
        Ok(row)
    })
    .await
}

fn schedule_json(rows: &[installment::Model]) -> Value {
    json!(rows.iter().map(|i| json!({ "seq": i.seq, "dueDate": i.due_date, "principal": i.principal.to_string(), "interest": i.interest.to_string() })).collect::<Vec<_>>())
}

fn schedule_from_json(v: &Value) -> Vec<Installment> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Row {
        seq: i32,
        due_date: NaiveDate,
        principal: rust_decimal::Decimal,
        interest: rust_decimal::Decimal,
    }
    serde_json::from_value::<Vec<Row>>(v.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|r| Installment { seq: r.seq, due_date: r.due_date, principal: r.principal, interest: r.interest })
        .collect()
}

/// Replaces the schedule with one deferred through `protected_until`, built from the
/// schedule before any deferral (M2, M4).
async fn apply_deferral(
    w: &mut Write,
    d: &deferral::Model,
    original: &[Installment],
    protected_until: NaiveDate,
) -> ServiceResult<()> {
    let l = loan::Entity::find_by_id(d.loan_id).one(w.txn()).await?.ok_or(ServiceError::NotFound)?;
    let payments = loans::payments_of_loan(w.txn(), l.id).await?;
    let rules_payments: Vec<crate::rules::loans::Payment> = payments
        .iter()
        .map(|p| crate::rules::loans::Payment { paid_on: loans::local_today(&l, p.paid_at), amount: p.amount.0 })
        .collect();
    let ledger = crate::rules::loans::Ledger::build(original, &rules_payments, l.repayment_order);
    let deferred = rules::deferred_schedule(&ledger, d.service_start, protected_until);
    let before = loans::schedule_of(w.txn(), l.id).await?;
    let rows = loans::installment_rows(w, l.id, &deferred);
    let after = schedule_json(&rows);
    loans::replace_schedule(w, l.id, rows).await?;
    if let Some(last) = deferred.last() {
        let mut updated = l.clone();
        updated.term_months = crate::rules::restructuring::term_months(l.contract_date, last.due_date);
        updated.updated_at = w.now;
        loan::Entity::update(updated.clone().into_active_model().reset_all()).exec(w.txn()).await?;
        loans::refresh_derived(w, updated).await?;
    }
    w.audit(
        "loan.schedule_deferred",
        Subject::new("loan", l.id),
        Some(l.mfo_id),
        Some(schedule_json(&before)),
        Some(after),
    );
    Ok(())
}

/// Loads a deferral for a change (`Write::for_change`): the MFO's staff change their MFO's,
/// a borrower (where `borrower_may`) their own.
async fn for_change(w: &Write, p: &Principal, id: DeferralId, borrower_may: bool) -> ServiceResult<deferral::Model> {
    let scope = if p.is_borrower() && !borrower_may { None } else { super::scope::deferrals(p) };
    w.for_change::<deferral::Entity>(scope.ok_or(ServiceError::NotFound)?, id.0).await
}

async fn save(w: &mut Write, before: &deferral::Model, after: &deferral::Model, action: &str) -> ServiceResult<()> {
    deferral::Entity::update(after.clone().into_active_model().reset_all()).exec(w.txn()).await?;
    let subject = Subject::new(SUBJECT, after.id);
    w.audit(action, subject, Some(after.mfo_id), Some(snapshot(before)), Some(snapshot(after)));
    w.event(action, subject, vis(after), json!({ "status": after.status }));
    Ok(())
}

/// M1–M4: the deferral's status does not allow the step; the status is the message's and
/// a program's particular.
fn wrong_state(d: &deferral::Model) -> ServiceError {
    ServiceError::user(
        UserError::conflict(&["deferralId"], UserErrorReason::StatusDoesNotAllow)
            .with_param("status", serde_json::to_value(d.status).unwrap_or_default()),
    )
}

/// M1, M2: grants the deferral: principal and interest are deferred through service + 60
/// days with no interest; the term grows and the payment size stays; the borrower is
/// notified (an outbox event).
pub async fn grant(ctx: &Ctx, p: &Principal, id: DeferralId) -> ServiceResult<deferral::Model> {
    scope::require_staff(p)?;
    ctx.write(Actor::from(p), async |w| {
        let d = for_change(w, p, id, false).await?;
        if d.status != DeferralStatus::Registered {
            return Err(wrong_state(&d));
        }
        let current = loans::schedule_of(w.txn(), d.loan_id).await?;
        let original: Vec<Installment> = current
            .iter()
            .map(|i| Installment { seq: i.seq, due_date: i.due_date, principal: i.principal.0, interest: i.interest.0 })
            .collect();
        apply_deferral(w, &d, &original, d.protected_until).await?;
        let mut after = d.clone();
        after.status = DeferralStatus::Granted;
        after.granted_at = Some(w.now);
        after.original_schedule = Some(schedule_json(&current));
        save(w, &d, &after, "military_deferral.granted").await?;
        deadlines::close(w, d.id, DeadlineKind::MilitaryDeferralGrant, DeadlineStatus::Met).await?;
        Ok(after)
    })
    .await
}

/// M3: the borrower refuses the deferral within 14 days of its notice; the MFO must
/// confirm within 15 days, and interest resumes.
pub async fn refuse(ctx: &Ctx, p: &Principal, id: DeferralId) -> ServiceResult<deferral::Model> {
    super::scope::permit(p.is_borrower(), "the borrower refuses the deferral")?;
    ctx.write(Actor::from(p), async |w| {
        let d = for_change(w, p, id, true).await?;
        let Some(granted_at) = d.granted_at.filter(|_| d.status == DeferralStatus::Granted) else {
            return Err(wrong_state(&d));
        };
        let law = reference::law(w.reference(), w.txn(), d.jurisdiction, w.now).await?;
        let today = law.calendar.local_date(w.now);
        rules::check_refusal_in_time(&law.policy.policy, law.calendar.local_date(granted_at), today)
            .map_err(|r| refused(r, &["deferralId"]))?;
        let mut after = d.clone();
        after.status = DeferralStatus::RefusedByBorrower;
        after.refused_at = Some(w.now);
        save(w, &d, &after, "military_deferral.refused").await?;
        deadlines::open(
            w,
            NewDeadline {
                subject: Subject::new(SUBJECT, d.id),
                org_id: d.mfo_id,
                jurisdiction: d.jurisdiction,
                kind: DeadlineKind::MilitaryRefusalConfirmation,
                rule: "M3",
                obligor: Obligor::Mfo,
                due: rules::confirmation_due(&law.calendar, &law.policy.policy, today),
                policy_version_id: law.policy.id,
                occurrence: "1".into(),
            },
        )
        .await?;
        Ok(after)
    })
    .await
}

/// M3: the MFO confirms the refusal: the schedule before the deferral is restored.
pub async fn confirm_refusal(ctx: &Ctx, p: &Principal, id: DeferralId) -> ServiceResult<deferral::Model> {
    scope::require_staff(p)?;
    ctx.write(Actor::from(p), async |w| {
        let d = for_change(w, p, id, false).await?;
        if d.status != DeferralStatus::RefusedByBorrower {
            return Err(wrong_state(&d));
        }
        if let Some(original) = &d.original_schedule {
            let before = loans::schedule_of(w.txn(), d.loan_id).await?;
            let rows = loans::installment_rows(w, d.loan_id, &schedule_from_json(original));
            loans::replace_schedule(w, d.loan_id, rows).await?;
            let l = loan::Entity::find_by_id(d.loan_id).one(w.txn()).await?.ok_or(ServiceError::NotFound)?;
            loans::refresh_derived(w, l).await?;
            w.audit(
                "loan.schedule_restored",
                Subject::new("loan", d.loan_id),
                Some(d.mfo_id),
                Some(schedule_json(&before)),
                Some(original.clone()),
            );
        }
        let mut after = d.clone();
        after.status = DeferralStatus::RefusalConfirmed;
        after.refusal_confirmed_at = Some(w.now);
        save(w, &d, &after, "military_deferral.refusal_confirmed").await?;
        deadlines::close(w, d.id, DeadlineKind::MilitaryRefusalConfirmation, DeadlineStatus::Met).await?;
        Ok(after)
    })
    .await
}

/// M4: discharge before the end of service: the protection ends 60 days after it (a
/// granted deferral's schedule is rebuilt for the shorter period).
pub async fn register_discharge(
    ctx: &Ctx,
    p: &Principal,
    id: DeferralId,
    discharged_on: NaiveDate,
) -> ServiceResult<deferral::Model> {
    scope::require_staff(p)?;
    ctx.write(Actor::from(p), async |w| {
        let d = for_change(w, p, id, false).await?;
        match d.status {
            DeferralStatus::Registered
            | DeferralStatus::Granted
            | DeferralStatus::RefusedByBorrower
            | DeferralStatus::RefusalConfirmed => {}
            DeferralStatus::NotApplicable => return Err(wrong_state(&d)),
        }
        // M4: a borrower is discharged once; the first report moved the protection's end.
        if d.discharged_on.is_some() {
            return Err(ServiceError::user(UserError::conflict(&["deferralId"], UserErrorReason::AlreadyDone)));
        }
        let law = reference::law(w.reference(), w.txn(), d.jurisdiction, w.now).await?;
        let mut problems = Problems::new();
        problems.check(discharged_on >= d.service_start && discharged_on < d.service_end, || {
            UserError::invalid(&["dischargedOn"], UserErrorReason::DateOutOfRange)
        });
        problems.check(discharged_on <= law.calendar.local_date(w.now), || {
            UserError::invalid(&["dischargedOn"], UserErrorReason::DateInFuture)
        });
        problems.finish()?;
        let mut after = d.clone();
        after.discharged_on = Some(discharged_on);
        after.protected_until = rules::protected_until(&law.policy.policy, d.service_end, Some(discharged_on));
        if d.status == DeferralStatus::Granted
            && let Some(original) = &d.original_schedule
        {
            apply_deferral(w, &d, &schedule_from_json(original), after.protected_until).await?;
        }
        save(w, &d, &after, "military_deferral.discharged").await?;
        Ok(after)
    })
    .await
}

pub async fn get(ctx: &Ctx, p: &Principal, id: DeferralId) -> ServiceResult<deferral::Model> {
    let d = deferral::Entity::find_by_id(id.0).one(&ctx.db).await?.ok_or(ServiceError::NotFound)?;
    // Visible to whoever sees its loan.
    loans::get(ctx, p, LoanId(d.loan_id)).await?;
    Ok(d)
}
