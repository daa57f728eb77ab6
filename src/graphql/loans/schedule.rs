//! Installments and payments as GraphQL types, amounts at the loan's currency scale. What
//! was paid of an installment is read only when the selection asks for it.

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::Currency;
use entity::{installment, payment};
use rust_decimal::Decimal;

use crate::graphql::errors::not_found;
use crate::graphql::ids::{Kind, encode};
use crate::graphql::loaders::Loaders;
use crate::graphql::scalars::Date;
use crate::money::Money;
use crate::rules::loans::InstallmentState;

/// Where an installment stands today (local date of the loan's jurisdiction).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum InstallmentStatus {
    /// Paid in full.
    Paid,
    /// Partly paid and not yet past due.
    PartiallyPaid,
    /// Not yet due and nothing paid.
    Due,
    /// Past its due date and not paid in full (R1).
    Overdue,
}

/// An installment of a loan's schedule, with what was paid of it when the selection asks.
pub struct Installment {
    seq: i32,
    due_date: NaiveDate,
    principal: Decimal,
    interest: Decimal,
    currency: Currency,
    /// `None` when the selection asks for nothing paid: the payments were then not read
    /// (`Loan::installments`).
    paid: Option<Paid>,
}

struct Paid {
    principal: Decimal,
    interest: Decimal,
    status: InstallmentStatus,
}

/// The fields of `Installment` that need the loan's payments (and its ledger).
pub(crate) const INSTALLMENT_PAID_FIELDS: [&str; 3] = ["paidPrincipal", "paidInterest", "status"];

impl Installment {
    pub(super) fn new(s: &InstallmentState, today: chrono::NaiveDate, currency: Currency) -> Self {
        let status = if s.is_paid() {
            InstallmentStatus::Paid
        } else if s.is_overdue(today) {
            InstallmentStatus::Overdue
        } else if s.paid_principal + s.paid_interest > Decimal::ZERO {
            InstallmentStatus::PartiallyPaid
        } else {
            InstallmentStatus::Due
        };
        Self {
            seq: s.seq,
            due_date: s.due_date,
            principal: s.principal,
            interest: s.interest,
            currency,
            paid: Some(Paid { principal: s.paid_principal, interest: s.paid_interest, status }),
        }
    }

    /// The schedule's line alone, for a selection without anything paid.
    pub(super) fn scheduled(row: &installment::Model, currency: Currency) -> Self {
        Self {
            seq: row.seq,
            due_date: row.due_date,
            principal: row.principal.0,
            interest: row.interest.0,
            currency,
            paid: None,
        }
    }

    /// An amount of this installment, in the loan's currency.
    fn money(&self, amount: Decimal) -> Money {
        Money::new(amount, self.currency)
    }

    fn paid(&self) -> async_graphql::Result<&Paid> {
        // Unreachable: `Loan::installments` reads the payments whenever a paid field is selected.
        self.paid
            .as_ref()
            .ok_or_else(|| crate::graphql::errors::code_error(crate::error::code::INTERNAL, "internal error"))
    }
}

/// One installment of a loan's current schedule and what has been paid of it.
#[Object]
impl Installment {
    /// Position in the schedule, from 1.
    async fn seq(&self) -> i32 {
        self.seq
    }
    /// Due date (local date of the loan's jurisdiction).
    async fn due_date(&self) -> Date {
        self.due_date.into()
    }
    /// Principal due, in the loan's currency.
    async fn principal(&self) -> Decimal {
        self.money(self.principal).at_scale()
    }
    /// Interest due, in the loan's currency.
    async fn interest(&self) -> Decimal {
        self.money(self.interest).at_scale()
    }
    /// Principal paid so far, in the loan's currency.
    async fn paid_principal(&self) -> async_graphql::Result<Decimal> {
        Ok(self.money(self.paid()?.principal).at_scale())
    }
    /// Interest paid so far, in the loan's currency.
    async fn paid_interest(&self) -> async_graphql::Result<Decimal> {
        Ok(self.money(self.paid()?.interest).at_scale())
    }
    /// Paid, partly paid, due or overdue today.
    async fn status(&self) -> async_graphql::Result<InstallmentStatus> {
        Ok(self.paid()?.status)
    }
}

pub struct Payment(pub payment::Model);

/// The currency of a loan a record belongs to (amounts come back at its scale), through the
/// loans DataLoader so that a list of records costs one batch.
pub(crate) async fn loan_currency(ctx: &Context<'_>, loan_id: uuid::Uuid) -> async_graphql::Result<Currency> {
    let loaders = ctx.data_unchecked::<Loaders>();
    Ok(loaders.loans.load_one(loan_id).await?.ok_or_else(not_found)?.currency)
}

/// An amount of a record of a loan, in the loan's currency (`loan_currency`).
pub(crate) async fn loan_money(
    ctx: &Context<'_>,
    loan_id: uuid::Uuid,
    amount: Decimal,
) -> async_graphql::Result<Money> {
    Ok(Money::new(amount, loan_currency(ctx, loan_id).await?))
}

/// Money received on a loan, as the MFO's core-banking system reports it. Visible like its loan.
#[Object]
impl Payment {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::Payment, self.0.id)
    }
    /// The MFO's own id for the payment (idempotency key of `recordPayment`).
    async fn external_id(&self) -> &str {
        &self.0.external_id
    }
    /// When it was paid (UTC instant).
    async fn paid_at(&self) -> DateTime<Utc> {
        self.0.paid_at
    }
    /// The amount, in the loan's currency, at its scale.
    async fn amount(&self, ctx: &Context<'_>) -> async_graphql::Result<Decimal> {
        Ok(loan_money(ctx, self.0.loan_id, self.0.amount.0).await?.at_scale())
    }
}
