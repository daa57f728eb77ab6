//! C9: the loan-information request and the loan statement as GraphQL types. The figures
//! come from `services::complaints::statement`; this file only shapes them.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{ComplaintChannel, ComplaintForm};
use entity::info_request;
use rust_decimal::Decimal;

use crate::graphql::context::ContextExt;
use crate::graphql::errors::top_level;
use crate::graphql::ids::{Kind, encode};
use crate::graphql::loaders::Loaders;
use crate::graphql::loans::{Loan, Payment};
use crate::graphql::scalars::Date;
use crate::ids::LoanId;
use crate::money::Money;
use crate::services::complaints::{self as svc};

/// C9: a loan-information request.
pub struct InfoRequest(pub info_request::Model);

/// C9: a loan-information request.
#[Object]
impl InfoRequest {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::InfoRequest, self.0.id)
    }
    /// How the request reached the MFO (C9: orally or in writing, by any C1 channel).
    async fn channel(&self) -> ComplaintChannel {
        self.0.channel
    }
    /// Written or oral (C9 allows both).
    async fn form(&self) -> ComplaintForm {
        self.0.form
    }
    /// When it reached the MFO (UTC instant); the 5 business days count from it (C9).
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.received_at
    }
    /// A second request by the borrower in the same calendar month: registered and
    /// answered, but beyond the free one (C9).
    async fn beyond_free_monthly_request(&self) -> bool {
        self.0.beyond_free_monthly
    }
    /// Open or answered.
    async fn status(&self) -> entity::enums::InfoRequestStatus {
        self.0.status
    }
    /// When the information was given (UTC instant).
    async fn answered_at(&self) -> Option<DateTime<Utc>> {
        self.0.answered_at
    }
    /// The last day of the five-business-day answer period (C9).
    async fn answer_due_date(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Date>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let deadlines = loaders.deadlines.load_one(self.0.id).await?.unwrap_or_default();
        Ok(deadlines.first().map(|d| Date(d.due_date)))
    }
    /// The borrower's loan the request is about.
    async fn loan(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Loan>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders.loans.load_one(self.0.loan_id).await?.map(Loan))
    }
    /// The seven items as of now (C9).
    async fn statement(&self, ctx: &Context<'_>) -> async_graphql::Result<LoanStatement> {
        statement_of(ctx, LoanId(self.0.loan_id)).await
    }
}

/// C9.2: an upcoming payment.
#[derive(SimpleObject)]
pub struct NextPayment {
    /// The installment's due date (local date of the loan's jurisdiction).
    pub due_date: Date,
    /// Principal still due on it, in the loan's currency.
    pub principal: Decimal,
    /// Interest still due on it, in the loan's currency.
    pub interest: Decimal,
    /// principal + interest, in the loan's currency.
    pub amount: Decimal,
}

/// C9.4: where (part of) a payment went.
#[derive(SimpleObject)]
pub struct PaymentAllocation {
    /// The payment's id in the MFO's core-banking system.
    pub payment_external_id: String,
    /// When the payment was made (UTC instant).
    pub paid_at: DateTime<Utc>,
    /// The installment it went to (1-based schedule position).
    pub installment_seq: i32,
    /// The part that paid interest, in the loan's currency.
    pub to_interest: Decimal,
    /// The part that paid principal, in the loan's currency.
    pub to_principal: Decimal,
}

/// C9.5: what early repayment costs today.
#[derive(SimpleObject)]
pub struct EarlyRepayment {
    /// Everything: principal balance, overdue interest and interest accrued this period.
    pub full: Decimal,
    /// What a partial early repayment covers first (overdue and accrued interest); any
    /// amount above it reduces the principal.
    pub partial_minimum: Decimal,
    /// Interest accrued in the current period up to `asOf`, in the loan's currency.
    pub accrued_interest: Decimal,
}

/// C9.3: the overdue.
#[derive(SimpleObject)]
pub struct StatementOverdue {
    /// The due date of the oldest unpaid installment (local date); null when nothing is overdue.
    pub since: Option<Date>,
    /// Calendar days overdue as of `asOf` (0 when nothing is overdue).
    pub days: i64,
    /// Overdue principal, in the loan's currency.
    pub principal: Decimal,
    /// Overdue interest, in the loan's currency.
    pub interest: Decimal,
    /// principal + interest overdue, in the loan's currency.
    pub amount: Decimal,
}

/// C9: the seven items of a serviced loan, computed from its schedule and payments.
#[derive(SimpleObject)]
pub struct LoanStatement {
    /// The loan.
    pub loan: Loan,
    /// The date the figures are computed for: today in the loan's jurisdiction (local date).
    pub as_of: Date,
    /// The currency of every amount here.
    pub currency: entity::enums::Currency,
    /// C9.1: What has been paid.
    pub amount_paid: Decimal,
    /// The payments received, oldest first.
    pub payments: Vec<Payment>,
    /// C9.2: The next payments.
    pub next_payments: Vec<NextPayment>,
    /// C9.3: The overdue.
    pub overdue: StatementOverdue,
    /// C9.4: How payments were allocated.
    pub allocations: Vec<PaymentAllocation>,
    /// C9.5: Early repayment, part or full.
    pub early_repayment: EarlyRepayment,
    /// C9.6: Principal balance.
    pub principal_balance: Decimal,
    /// C9.7: Credit limit.
    pub credit_limit: Decimal,
}

pub(super) async fn statement_of(ctx: &Context<'_>, id: LoanId) -> async_graphql::Result<LoanStatement> {
    let p = ctx.principal()?;
    let (loan, payments, s) = svc::statement(ctx.services(), p, id).await.map_err(top_level)?;
    let c = loan.currency;
    let scaled = |amount: Decimal| Money::new(amount, c).at_scale();
    let allocations = s
        .allocations
        .iter()
        .filter_map(|a| {
            let pay = payments.get(a.payment)?;
            Some(PaymentAllocation {
                payment_external_id: pay.external_id.clone(),
                paid_at: pay.paid_at,
                installment_seq: a.installment_seq,
                to_interest: scaled(a.to_interest),
                to_principal: scaled(a.to_principal),
            })
        })
        .collect();
    Ok(LoanStatement {
        as_of: Date(s.as_of),
        currency: loan.currency,
        amount_paid: scaled(s.paid_total),
        next_payments: s
            .next_payments
            .iter()
            .map(|n| NextPayment {
                due_date: Date(n.due_date),
                principal: scaled(n.principal),
                interest: scaled(n.interest),
                amount: scaled(n.amount()),
            })
            .collect(),
        overdue: StatementOverdue {
            since: s.overdue.since.map(Date),
            days: s.overdue.days,
            principal: scaled(s.overdue.principal),
            interest: scaled(s.overdue.interest),
            amount: scaled(s.overdue.amount()),
        },
        allocations,
        early_repayment: EarlyRepayment {
            full: scaled(s.early_repayment_full),
            partial_minimum: scaled(s.early_repayment_partial_minimum),
            accrued_interest: scaled(s.accrued_interest),
        },
        principal_balance: scaled(s.principal_balance),
        credit_limit: scaled(s.credit_limit),
        payments: payments.into_iter().map(Payment).collect(),
        loan: Loan(loan),
    })
}
