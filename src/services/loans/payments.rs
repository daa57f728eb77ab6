//! Payments as the core-banking system reports them, idempotent by their external id; each
//! refreshes what the loan derives from its ledger. The same id saying otherwise is a CONFLICT.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use entity::{installment, loan, payment};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    LoanRef, MAX_AMOUNT, MAX_ID_LEN, Outcome, check_text, derived_of, require_ingest, visibility, write_order,
};
use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::money;
use crate::services::Ctx;
use crate::services::write::{Actor, Subject, Write, in_statements};

#[derive(Debug, Clone, Serialize)]
pub struct PaymentInput {
    pub loan: LoanRef,
    pub external_id: String,
    pub paid_at: DateTime<Utc>,
    pub amount: Decimal,
}

/// The checks of a payment that need no database (its scale needs the loan's currency).
pub(crate) fn validate_payment(input: &PaymentInput, now: DateTime<Utc>) -> ServiceResult<()> {
    let mut problems = Problems::new();
    check_text(&mut problems, "externalId", &input.external_id, MAX_ID_LEN);
    problems.check(input.amount > Decimal::ZERO && input.amount <= MAX_AMOUNT, || {
        UserError::invalid(&["amount"], UserErrorReason::OutOfRange).positive_up_to(MAX_AMOUNT)
    });
    problems.check(input.paid_at <= now, || UserError::invalid(&["paidAt"], UserErrorReason::DateInFuture));
    problems.finish()
}

pub async fn record_payment(
    ctx: &Ctx,
    p: &Principal,
    input: PaymentInput,
) -> ServiceResult<(payment::Model, loan::Model)> {
    require_ingest(p)?;
    validate_payment(&input, ctx.clock.now())?;
    // A batch of one: the judgement and the writes are `recordPayments`' own.
    ctx.write(Actor::from(p), async |w| {
        let mut answers = write_payments(w, p, &[&input]).await?;
        let (payment, loan, _outcome) =
            answers.pop().ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("a payment left unanswered")))??;
        Ok((payment, loan))
    })
    .await
}

/// A payment item's answer: the payment, its loan as the batch left it, what became of it.
pub(crate) type PaymentAnswer = (payment::Model, loan::Model, Outcome);

/// The judgement of one payment item against its loan's payments so far (stored, and
/// recorded by the items before it), pure: a new payment, the same one again
/// (`Unchanged`), or a CONFLICT when the same external id says otherwise.
fn judge(
    id: Uuid,
    now: DateTime<Utc>,
    l: &loan::Model,
    known: &[payment::Model],
    input: &PaymentInput,
) -> ServiceResult<(payment::Model, Outcome)> {
    let mut problems = Problems::new();
    money::check_scale(&mut problems, &["amount"], input.amount, l.currency);
    problems.finish()?;
    // A payment is a fact: the same external id again is the same payment (a retry), or a
    // CONFLICT when it says otherwise.
    match known.iter().find(|k| k.external_id == input.external_id) {
        Some(k) if k.amount.0 == input.amount && k.paid_at == input.paid_at => Ok((k.clone(), Outcome::Unchanged)),
        Some(_) => Err(ServiceError::user(UserError::conflict(&["externalId"], UserErrorReason::RetryWithOtherInput))),
        None => Ok((
            payment::Model {
                id,
                loan_id: l.id,
                external_id: input.external_id.clone(),
                paid_at: input.paid_at,
                amount: input.amount.normalize().into(),
                created_at: now,
            },
            Outcome::Created,
        )),
    }
}

/// Records validated payments within `w` (`recordPayments`, and `recordPayment` as a batch
/// of one), answering each in the order given: the payment, its loan and the outcome, or
/// the refusal (NOT_FOUND for a loan not of the caller's MFO). Statements per batch,
/// whatever its size: one read each of the loans (locked: every payment of a loan is
/// recorded under its lock, so none can appear meanwhile), their schedules and their
/// payments; the judgement of every item in memory; one multi-row insert of the payments
/// and one multi-row overwrite of the loans whose derived dates moved.
pub(crate) async fn write_payments(
    w: &mut Write,
    p: &Principal,
    items: &[&PaymentInput],
) -> ServiceResult<Vec<ServiceResult<PaymentAnswer>>> {
    let mfo = p.org_id.0;
    let (mut by_id, mut by_external) = (BTreeSet::new(), BTreeSet::new());
    for i in items {
        match &i.loan {
            LoanRef::Id(id) => by_id.insert(id.0),
            LoanRef::External(e) => by_external.insert(e.as_str()),
        };
    }
    let which = Condition::any()
        .add(loan::Column::Id.is_in(by_id))
        .add(loan::Column::ExternalId.is_in(by_external.iter().copied()));
    let scope = Condition::all().add(loan::Column::MfoId.eq(mfo));
    let mut loans: BTreeMap<Uuid, loan::Model> = w
        .for_change_many::<loan::Entity, _>(scope, which, loan::Column::Id)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let by_external: HashMap<String, Uuid> = loans.values().map(|l| (l.external_id.clone(), l.id)).collect();
    let ids: Vec<Uuid> = loans.keys().copied().collect();
    let mut schedules: HashMap<Uuid, Vec<installment::Model>> = HashMap::new();
    let mut payments: HashMap<Uuid, Vec<payment::Model>> = HashMap::new();
    if !ids.is_empty() {
        for i in installment::Entity::find().filter(installment::Column::LoanId.is_in(ids.clone())).all(w.txn()).await?
        {
            schedules.entry(i.loan_id).or_default().push(i);
        }
        for p in payment::Entity::find().filter(payment::Column::LoanId.is_in(ids)).all(w.txn()).await? {
            payments.entry(p.loan_id).or_default().push(p);
        }
    }
    let loan_of = |i: &PaymentInput| match &i.loan {
        LoanRef::Id(id) => loans.get(&id.0).map(|l| l.id),
        LoanRef::External(e) => by_external.get(e).copied(),
    };
    let located: Vec<Option<Uuid>> = items.iter().map(|i| loan_of(i)).collect();
    // By loan first, then by external id: the order the rows were locked in.
    let order = write_order(items.iter().zip(&located).map(|(i, l)| (*l, i.external_id.as_str())));
    let mut judged: Vec<Option<ServiceResult<(payment::Model, Outcome)>>> = items.iter().map(|_| None).collect();
    let mut new = Vec::new();
    for &i in &order {
        let Some(l) = located[i].and_then(|id| loans.get(&id)) else {
            judged[i] = Some(Err(ServiceError::NotFound));
            continue;
        };
        let known = payments.entry(l.id).or_default();
        let answer = judge(w.new_id(), w.now, l, known, items[i]);
        if let Ok((row, Outcome::Created)) = &answer {
            known.push(row.clone());
            new.push(row.clone());
        }
        judged[i] = Some(answer);
    }
    // What the new payments change of their loans.
    let touched: BTreeSet<Uuid> = new.iter().map(|p| p.loan_id).collect();
    let mut moved = Vec::new();
    let mut cleared = Vec::new();
    for id in touched {
        let Some(l) = loans.get_mut(&id) else { continue };
        let derived = derived_of(
            l,
            schedules.get(&id).map_or(&[][..], Vec::as_slice),
            payments.get(&id).map_or(&[][..], Vec::as_slice),
            w.now,
        );
        if derived.overdue_cleared {
            cleared.push(l.clone());
        }
        if derived.first_unpaid != l.first_unpaid_due_date {
            l.first_unpaid_due_date = derived.first_unpaid;
            moved.push(l.clone().into_active_model());
        }
    }
    for chunk in in_statements(
        w.txn().get_database_backend(),
        new.iter().cloned().map(IntoActiveModel::into_active_model).collect(),
    ) {
        payment::Entity::insert_many(chunk).exec_without_returning(w.txn()).await?;
    }
    w.overwrite_many(moved).await?;
    for l in &cleared {
        // Only a loan with an open notice episode: rare, one loan at a time.
        crate::services::restructuring::overdue_cleared(w, l).await?;
    }
    for &i in &order {
        let Some(Ok((row, Outcome::Created))) = &judged[i] else { continue };
        let Some(l) = loans.get(&row.loan_id) else { continue };
        let subject = Subject::new("payment", row.id);
        let after = json!({ "loanId": l.id, "externalId": row.external_id, "paidAt": row.paid_at, "amount": row.amount.to_string() });
        w.audit("payment.recorded", subject, Some(l.mfo_id), None, Some(after.clone()));
        w.event("payment.recorded", Subject::new("loan", l.id), visibility(l), after);
    }
    judged
        .into_iter()
        .enumerate()
        .map(|(i, j)| match j {
            Some(Ok((row, outcome))) => {
                let l = loans
                    .get(&row.loan_id)
                    .cloned()
                    .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("payment item {i}'s loan was not read")))?;
                Ok(Ok((row, l, outcome)))
            }
            Some(Err(e)) => Ok(Err(e)),
            None => Err(ServiceError::Internal(anyhow::anyhow!("payment item {i} was not judged"))),
        })
        .collect()
}
