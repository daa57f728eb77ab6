//! The loan as a GraphQL type, with its legal facts, contract meeting terms and overdue
//! position. Its figures and verdicts come from the services and loaders, never computed here.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{ClaimAssignee, Currency, LoanStatus, RepaymentOrder};
use entity::{installment, loan, payment};
use rust_decimal::Decimal;

use super::{Borrower, INSTALLMENT_PAID_FIELDS, Installment, Payment};
use crate::error::UserErrorReason;
use crate::graphql::connection::Page;
use crate::graphql::connection::window;
use crate::graphql::context::ContextExt;
use crate::graphql::errors::not_found;
use crate::graphql::ids::{Kind, encode};
use crate::graphql::loaders::Loaders;
use crate::graphql::me::Organization;
use crate::graphql::nested;
use crate::graphql::scalars::Date;
use crate::money::Money;
use crate::rules::loans::Ledger;
use crate::services::loans::{self as svc};

/// The legal facts that bind what may be done with a loan (R3, R14, R17, M6).
#[derive(SimpleObject)]
pub struct LoanLegalFacts {
    /// Local date of a court act in force on the debt (R3, M6), if any.
    pub court_act_on: Option<Date>,
    /// Local date of a notary's enforcement inscription (R3, M6), if any.
    pub enforcement_inscription_on: Option<Date>,
    /// Local date of a settlement or mediation agreement (R3, M6), if any.
    pub settlement_agreement_on: Option<Date>,
    /// Local date a settlement reducing the obligation was carried out (R14), if any.
    pub reducing_settlement_on: Option<Date>,
    /// Local date the claim was assigned to a third party (R3, R17.3), if it was.
    pub claim_assigned_on: Option<Date>,
    /// Who the claim was assigned to, when reported (R14 applies to a collection agency).
    pub claim_assignee: Option<ClaimAssignee>,
    /// Local date an insolvency or bankruptcy procedure began (R17.3), if any.
    pub insolvency_from: Option<Date>,
    /// Local date it ended; null while it applies.
    pub insolvency_to: Option<Date>,
}

/// X4 "unless the contract sets other terms": the meeting terms the loan's contract
/// agreed. A term left null is the one of the policy version in force (X4's figures).
/// Calls (X3) have no contract exception.
#[derive(SimpleObject, InputObject, Clone, Default)]
#[graphql(input_name = "ContractMeetingTermsInput")]
pub struct ContractMeetingTerms {
    /// Local time (the borrower's jurisdiction) the meeting window opens, `HH:MM`,
    /// included. Give both ends or neither.
    pub window_start: Option<String>,
    /// Local time the window closes, `HH:MM`, excluded.
    pub window_end: Option<String>,
    /// Meetings a day (at least 1).
    pub per_day: Option<i32>,
    /// Meetings a week, Monday to Sunday local time (at least 1, not fewer than `perDay`).
    pub per_week: Option<i32>,
    /// Meetings also on weekends and official days off of the jurisdiction.
    #[graphql(default)]
    pub on_days_off: bool,
}

impl ContractMeetingTerms {
    fn of(l: &loan::Model) -> Option<Self> {
        let terms = crate::services::collection::contract_meeting_terms(l);
        terms.is_set().then(|| Self {
            window_start: l.contract_meeting_window_start.map(|t| t.format("%H:%M").to_string()),
            window_end: l.contract_meeting_window_end.map(|t| t.format("%H:%M").to_string()),
            per_day: l.contract_meetings_per_day,
            per_week: l.contract_meetings_per_week,
            on_days_off: l.contract_meetings_on_days_off,
        })
    }

    /// Parses the `HH:MM` times; a bad one is a user error on its field.
    pub(super) fn parse(self) -> Result<svc::MeetingTermsInput, crate::error::ServiceError> {
        use crate::error::{Problems, UserError};
        let mut problems = Problems::new();
        let mut time = |field: &str, v: Option<String>| match v {
            None => None,
            Some(s) => {
                let t = chrono::NaiveTime::parse_from_str(&s, "%H:%M").ok();
                problems.check(t.is_some(), || {
                    UserError::invalid(&["contractMeetingTerms", field], UserErrorReason::Malformed)
                        .with_param("format", "time")
                });
                t
            }
        };
        let window_start = time("windowStart", self.window_start);
        let window_end = time("windowEnd", self.window_end);
        problems.finish()?;
        Ok(svc::MeetingTermsInput {
            window_start,
            window_end,
            per_day: self.per_day,
            per_week: self.per_week,
            on_days_off: self.on_days_off,
        })
    }
}

/// R1: the overdue position now, in the loan's local time.
#[derive(SimpleObject)]
pub struct Overdue {
    /// An installment due before today (local date of the loan's jurisdiction) is not fully paid.
    pub overdue: bool,
    /// The first overdue day (the day after the oldest unpaid due date).
    pub since: Option<Date>,
    /// Consecutive overdue days including today.
    pub days: i64,
    /// Overdue principal, in the loan's currency.
    pub principal: Decimal,
    /// Overdue interest, in the loan's currency.
    pub interest: Decimal,
    /// principal + interest overdue, in the loan's currency.
    pub amount: Decimal,
}

#[derive(Clone)]
pub struct Loan(pub loan::Model);

impl Loan {
    async fn rows(&self, ctx: &Context<'_>) -> async_graphql::Result<(Vec<installment::Model>, Vec<payment::Model>)> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let (schedule, payments) =
            futures_util::try_join!(loaders.schedules.load_one(self.0.id), loaders.payments.load_one(self.0.id))?;
        Ok((schedule.unwrap_or_default(), payments.unwrap_or_default()))
    }

    async fn ledger(&self, ctx: &Context<'_>) -> async_graphql::Result<Ledger> {
        let (schedule, payments) = self.rows(ctx).await?;
        Ok(svc::ledger(&self.0, &schedule, &payments))
    }

    fn today(&self, ctx: &Context<'_>) -> chrono::NaiveDate {
        svc::local_today(&self.0, ctx.services().clock.now())
    }

    /// An amount of this loan, in the loan's currency.
    fn money(&self, amount: Decimal) -> Money {
        Money::new(amount, self.0.currency)
    }
}

/// A loan of an MFO with its terms, schedule and what the rules say about it now. Visible to its borrower,
/// the MFO's staff and managers, the agency it is handed to (R17.2), and the regulator of its jurisdiction.
#[Object]
impl Loan {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::Loan, self.0.id)
    }
    /// The MFO's own id for the loan.
    async fn external_id(&self) -> &str {
        &self.0.external_id
    }
    /// The contract's number (D1 names it).
    async fn contract_number(&self) -> &str {
        &self.0.contract_number
    }
    /// The contract's date (local date).
    async fn contract_date(&self) -> Date {
        self.0.contract_date.into()
    }
    /// When the MFO first synced the loan (UTC instant).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the loan last changed (UTC instant).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Whose rules, calendar and time zone apply (KZ: Asia/Almaty, KG: Asia/Bishkek).
    async fn jurisdiction(&self) -> entity::enums::Jurisdiction {
        self.0.jurisdiction
    }
    /// The currency of every amount of the loan.
    async fn currency(&self) -> Currency {
        self.0.currency
    }
    /// The principal lent, in the loan's currency.
    async fn principal(&self) -> Decimal {
        self.money(self.0.principal.0).at_scale()
    }
    /// Annual nominal rate as a fraction (0.35 = 35 %).
    async fn annual_rate(&self) -> Decimal {
        self.0.annual_rate.0
    }
    /// The term in months.
    async fn term_months(&self) -> i32 {
        self.0.term_months
    }
    /// The credit limit (C9.7): the principal unless the loan is a credit line.
    async fn credit_limit(&self) -> Decimal {
        self.money(self.0.credit_limit.map(|c| c.0).unwrap_or(self.0.principal.0)).at_scale()
    }
    /// Servicing status as the core-banking system reports it.
    async fn status(&self) -> LoanStatus {
        self.0.status
    }
    /// How payments are applied (R2.3 may change it).
    async fn repayment_order(&self) -> RepaymentOrder {
        self.0.repayment_order
    }
    /// Secured by a mortgage: R17.3 allows assignment after 180 overdue days instead of 90.
    async fn mortgage_secured(&self) -> bool {
        self.0.mortgage_secured
    }
    /// Secured by a mortgage on the borrower's home (R16 home protection).
    async fn secured_by_dwelling(&self) -> bool {
        self.0.secured_by_dwelling
    }
    /// A business loan: R14 and R16 do not apply.
    async fn business_purpose(&self) -> bool {
        self.0.business_purpose
    }
    /// The contract allows handing the debt to a collection agency (R17.2).
    async fn contract_allows_agency(&self) -> bool {
        self.0.contract_allows_agency
    }
    /// X4: the meeting terms the contract agreed, null when it agreed none (the policy's
    /// apply). Verdicts that use them cite CONTRACT beside X4.
    async fn contract_meeting_terms(&self) -> Option<ContractMeetingTerms> {
        ContractMeetingTerms::of(&self.0)
    }
    /// Court acts, settlements, assignment and insolvency recorded on the loan (R3, R14, R17, M6).
    async fn legal_facts(&self) -> LoanLegalFacts {
        let l = &self.0;
        LoanLegalFacts {
            court_act_on: l.court_act_on.map(Date),
            enforcement_inscription_on: l.enforcement_inscription_on.map(Date),
            settlement_agreement_on: l.settlement_agreement_on.map(Date),
            reducing_settlement_on: l.reducing_settlement_on.map(Date),
            claim_assigned_on: l.claim_assigned_on.map(Date),
            claim_assignee: l.claim_assignee,
            insolvency_from: l.insolvency_from.map(Date),
            insolvency_to: l.insolvency_to.map(Date),
        }
    }
    /// The lending MFO.
    async fn mfo(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        let loaders = ctx.data_unchecked::<Loaders>();
        loaders.organizations.load_one(self.0.mfo_id).await?.map(Organization).ok_or_else(not_found)
    }
    /// The borrower.
    async fn borrower(&self, ctx: &Context<'_>) -> async_graphql::Result<Borrower> {
        let loaders = ctx.data_unchecked::<Loaders>();
        loaders.borrowers.load_one(self.0.borrower_id).await?.map(Borrower).ok_or_else(not_found)
    }
    /// The current schedule with what has been paid of each installment, by due date then
    /// `seq`, paged like a root list (the cursor names an installment by its `seq`).
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn installments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many installments from the start (or after `after`): 0 to 100, default 20.")]
        first: Option<i32>,
        #[graphql(desc = "A cursor: the installments after this one.")] after: Option<String>,
        #[graphql(desc = "How many installments from the end (or before `before`): 0 to 100; not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor: the installments before this one.")] before: Option<String>,
    ) -> async_graphql::Result<Page<Installment>> {
        let w = window::<i32>(first, after, last, before, None)?;
        let look = ctx.look_ahead();
        let paid_asked = [look.field("nodes"), look.field("edges").field("node")]
            .iter()
            .any(|n| INSTALLMENT_PAID_FIELDS.iter().any(|f| n.field(f).exists()));
        if paid_asked {
            let ledger = self.ledger(ctx).await?;
            let today = self.today(ctx);
            return nested::page(&w, ledger.installments, |s| s.seq, |s| Installment::new(&s, today, self.0.currency));
        }
        // Nothing paid asked: the schedule alone, in the ledger's order, without reading the
        // payments or allocating them (a page of schedules would do both for every loan).
        let loaders = ctx.data_unchecked::<Loaders>();
        let mut schedule = loaders.schedules.load_one(self.0.id).await?.unwrap_or_default();
        schedule.sort_by_key(|i| (i.due_date, i.seq));
        nested::page(&w, schedule, |i| i.seq, |i| Installment::scheduled(&i, self.0.currency))
    }
    /// Payments received, oldest first (by payment time, then id), paged like a root list.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn payments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many payments from the oldest (or after `after`): 0 to 100, default 20.")] first: Option<
            i32,
        >,
        #[graphql(desc = "A cursor: the payments after this one.")] after: Option<String>,
        #[graphql(desc = "How many payments from the newest (or before `before`): 0 to 100; not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor: the payments before this one.")] before: Option<String>,
    ) -> async_graphql::Result<Page<Payment>> {
        let w = window::<uuid::Uuid>(first, after, last, before, None)?;
        let loaders = ctx.data_unchecked::<Loaders>();
        let mut payments = loaders.payments.load_one(self.0.id).await?.unwrap_or_default();
        payments.sort_by_key(|p| (p.paid_at, p.id));
        nested::page(&w, payments, |p| p.id, Payment)
    }
    /// R1: what is overdue now and since when.
    async fn overdue(&self, ctx: &Context<'_>) -> async_graphql::Result<Overdue> {
        let o = self.ledger(ctx).await?.overdue(self.today(ctx));
        Ok(Overdue {
            overdue: o.is_overdue(),
            since: o.since.map(Date),
            days: o.days,
            principal: self.money(o.principal).at_scale(),
            interest: self.money(o.interest).at_scale(),
            amount: self.money(o.amount()).at_scale(),
        })
    }
    /// Principal not yet repaid.
    async fn principal_balance(&self, ctx: &Context<'_>) -> async_graphql::Result<Decimal> {
        Ok(self.money(self.ledger(ctx).await?.principal_balance()).at_scale())
    }
    /// R1: the delinquency notices sent about this loan, oldest first (by sending time,
    /// then id), paged like a root list.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn delinquency_notices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many notices from the oldest (or after `after`): 0 to 100, default 20.")] first: Option<
            i32,
        >,
        #[graphql(desc = "A cursor: the notices after this one.")] after: Option<String>,
        #[graphql(desc = "How many notices from the newest (or before `before`): 0 to 100; not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor: the notices before this one.")] before: Option<String>,
    ) -> async_graphql::Result<Page<crate::graphql::restructuring::DelinquencyNotice>> {
        let w = window::<uuid::Uuid>(first, after, last, before, None)?;
        let loaders = ctx.data_unchecked::<Loaders>();
        let mut rows = loaders.notices.load_one(self.0.id).await?.unwrap_or_default();
        rows.sort_by_key(|n| (n.sent_at, n.id));
        nested::page(&w, rows, |n| n.id, crate::graphql::restructuring::DelinquencyNotice)
    }
    /// The agency working the loan now, if any (R17.2).
    async fn collection_assignment(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::graphql::collection::CollectionAssignment>> {
        crate::graphql::collection::loan_assignment(ctx, self).await
    }
    /// The contact log (an agency sees its own contacts), oldest first (by when the
    /// contact happened, then id), paged like a root list.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many contacts from the oldest (or after `after`): 0 to 100, default 20.")] first: Option<
            i32,
        >,
        #[graphql(desc = "A cursor: the contacts after this one.")] after: Option<String>,
        #[graphql(desc = "How many contacts from the newest (or before `before`): 0 to 100; not with `first`.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor: the contacts before this one.")] before: Option<String>,
    ) -> async_graphql::Result<Page<crate::graphql::collection::ContactEvent>> {
        let w = window::<uuid::Uuid>(first, after, last, before, None)?;
        crate::graphql::collection::loan_contacts(ctx, self, &w).await
    }
    /// Conscription records (M1–M6), oldest first: the newest 20 at most.
    #[graphql(complexity = "nested::MAX_DEFERRALS * child_complexity")]
    async fn military_deferrals(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::graphql::military::MilitaryDeferral>> {
        crate::graphql::military::loan_deferrals(ctx, self.0.id).await
    }
    /// What the caller may do with this loan's debtor at `at` (now by default): the same
    /// verdicts, reasons and clearances as `permittedActions(loanId:)`, resolved for a whole
    /// page of loans at once. NOT_FOUND for a loan not in the caller's hands.
    #[graphql(complexity = "nested::ACTIONS * child_complexity")]
    async fn permitted_actions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The instant to judge at (UTC); now when omitted. A clearance is issued only for now.")]
        at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<crate::graphql::collection::ActionVerdicts> {
        use crate::graphql::collection::{ActionVerdict, ActionVerdicts};
        let loaders = ctx.data_unchecked::<Loaders>();
        let views = loaders.verdicts.load_one((self.0.id, at)).await?.ok_or_else(not_found)?;
        Ok(ActionVerdicts(views.into_iter().map(ActionVerdict).collect()))
    }
    /// The timed duties on this loan (R1's notice), oldest first: the newest 50 at most.
    #[graphql(complexity = "nested::MAX_DEADLINES * child_complexity")]
    async fn deadlines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<crate::graphql::escalations::Deadline>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let rows = loaders.deadlines.load_one(self.0.id).await?.unwrap_or_default();
        Ok(nested::newest(rows, nested::MAX_DEADLINES).into_iter().map(crate::graphql::escalations::Deadline).collect())
    }
}
