//! C9: the loan-information request and the loan statement as GraphQL types. The figures
//! come from `services::complaints::statement`; this file only shapes them.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{ComplaintChannel, ComplaintForm};
use entity::info_request;
use rust_decimal::Decimal;

use crate::graphql::connection::{Page, window};
use crate::graphql::context::ContextExt;
use crate::graphql::errors::top_level;
use crate::graphql::ids::{Kind, encode};
use crate::graphql::loaders::Loaders;
use crate::graphql::loans::{Loan, Payment};
use crate::graphql::nested;
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
#[derive(SimpleObject, Clone)]
pub struct NextPayment {
    /// The installment (1-based schedule position).
    pub installment_seq: i32,
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
#[derive(SimpleObject, Clone)]
pub struct PaymentAllocation {
    #[graphql(skip)]
    pub payment_id: uuid::Uuid,
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

impl PaymentAllocation {
    /// Its cursor key: a payment goes to an installment at most once.
    fn key(&self) -> String {
        format!("{}.{}", self.payment_id, self.installment_seq)
    }
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

/// C9: the seven items of a serviced loan, computed from its schedule and payments. Its
/// lists are paged like the lists under a loan (`graphql::nested`): a loan's payments have
/// no bound, so neither has what one statement could return whole.
pub struct LoanStatement {
    loan: entity::loan::Model,
    as_of: Date,
    amount_paid: Decimal,
    /// Oldest first (by payment time, then id).
    payments: Vec<entity::payment::Model>,
    next_payments: Vec<NextPayment>,
    overdue: StatementOverdue,
    allocations: Vec<PaymentAllocation>,
    early_repayment: EarlyRepayment,
    principal_balance: Decimal,
    credit_limit: Decimal,
}

/// C9: the seven items of a serviced loan, computed from its schedule and payments.
#[Object]
impl LoanStatement {
    /// The loan.
    async fn loan(&self) -> Loan {
        Loan(self.loan.clone())
    }
    /// The date the figures are computed for: today in the loan's jurisdiction (local date).
    async fn as_of(&self) -> Date {
        self.as_of
    }
    /// The currency of every amount here.
    async fn currency(&self) -> entity::enums::Currency {
        self.loan.currency
    }
    /// C9.1: What has been paid.
    async fn amount_paid(&self) -> Decimal {
        self.amount_paid
    }
    /// The payments received, oldest first (by payment time, then id), paged like a root list.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn payments(
        &self,
        #[graphql(desc = "How many payments from the oldest (or after `after`): 0 to 100, default 20.")] first: Option<
            i32,
        >,
        #[graphql(desc = "A cursor: the payments after this one.")] after: Option<String>,
        #[graphql(desc = "How many payments from the newest (or before `before`): 0 to 100; not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor: the payments before this one.")] before: Option<String>,
    ) -> async_graphql::Result<Page<Payment>> {
        let w = window::<uuid::Uuid>(first, after, last, before, None)?;
        nested::page(&w, self.payments.clone(), |p| p.id, Payment)
    }
    /// C9.2: The next payments, the unpaid installments due today or later by due date,
    /// paged like a root list (the cursor names an installment by its `seq`).
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn next_payments(
        &self,
        #[graphql(desc = "How many installments from the next one (or after `after`): 0 to 100, default 20.")]
        first: Option<i32>,
        #[graphql(desc = "A cursor: the installments after this one.")] after: Option<String>,
        #[graphql(desc = "How many installments from the last one (or before `before`): 0 to 100; not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor: the installments before this one.")] before: Option<String>,
    ) -> async_graphql::Result<Page<NextPayment>> {
        let w = window::<i32>(first, after, last, before, None)?;
        nested::page(&w, self.next_payments.clone(), |n| n.installment_seq, |n| n)
    }
    /// C9.3: The overdue.
    async fn overdue(&self) -> &StatementOverdue {
        &self.overdue
    }
    /// C9.4: How payments were allocated, payment by payment (oldest first), each over the
    /// installments it paid; paged like a root list.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn allocations(
        &self,
        #[graphql(desc = "How many allocations from the first (or after `after`): 0 to 100, default 20.")]
        first: Option<i32>,
        #[graphql(desc = "A cursor: the allocations after this one.")] after: Option<String>,
        #[graphql(desc = "How many allocations from the last (or before `before`): 0 to 100; not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor: the allocations before this one.")] before: Option<String>,
    ) -> async_graphql::Result<Page<PaymentAllocation>> {
        let w = window::<String>(first, after, last, before, None)?;
        nested::page(&w, self.allocations.clone(), PaymentAllocation::key, |a| a)
    }
    /// C9.5: Early repayment, part or full.
    async fn early_repayment(&self) -> &EarlyRepayment {
        &self.early_repayment
    }
    /// C9.6: Principal balance.
    async fn principal_balance(&self) -> Decimal {
        self.principal_balance
    }
    /// C9.7: Credit limit.
    async fn credit_limit(&self) -> Decimal {
        self.credit_limit
    }
}

pub(super) async fn statement_of(ctx: &Context<'_>, id: LoanId) -> async_graphql::Result<LoanStatement> {
    let p = ctx.principal()?;
    let (loan, mut payments, s) = svc::statement(ctx.services(), p, id).await.map_err(top_level)?;
    let c = loan.currency;
    let scaled = |amount: Decimal| Money::new(amount, c).at_scale();
    let allocations = s
        .allocations
        .iter()
        .filter_map(|a| {
            let pay = payments.get(a.payment)?;
            Some(PaymentAllocation {
                payment_id: pay.id,
                payment_external_id: pay.external_id.clone(),
                paid_at: pay.paid_at,
                installment_seq: a.installment_seq,
                to_interest: scaled(a.to_interest),
                to_principal: scaled(a.to_principal),
            })
        })
        .collect();
    payments.sort_by_key(|p| (p.paid_at, p.id));
    Ok(LoanStatement {
        as_of: Date(s.as_of),
        amount_paid: scaled(s.paid_total),
        next_payments: s
            .next_payments
            .iter()
            .map(|n| NextPayment {
                installment_seq: n.seq,
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
        payments,
        loan,
    })
}
