//! Loans, borrowers, schedules and payments: the types, the `loans`/`loan` queries and the
//! ingestion mutations of the MFO's core-banking system.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{ClaimAssignee, Currency, Language, LegalFactKind, LoanStatus, RepaymentOrder};
use entity::{borrower, installment, loan, payment};
use rust_decimal::Decimal;

use crate::error::code;
use crate::graphql::connection::{TotalCount, after_uuid, first, from_page};
use crate::graphql::context::ContextExt;
use crate::graphql::errors::{bad_input, not_found, payload, top_level};
use crate::graphql::ids::{Kind, decode, encode};
use crate::graphql::loaders::Loaders;
use crate::graphql::me::Organization;
use crate::graphql::scalars::Date;
use crate::ids::{BorrowerId, LoanId};
use crate::money::at_scale;
use crate::rules::loans::{InstallmentState, Ledger};
use crate::services::Range;
use crate::services::loans::{self as svc, LoanRef};

#[derive(Clone)]
pub struct Borrower(pub borrower::Model);

/// A borrower of an MFO, as its core-banking system syncs them. Visible to the MFO's staff and managers, the
/// agency holding one of their loans (R17.2), themself, and the regulator of the MFO's jurisdiction.
#[Object]
impl Borrower {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::Borrower, self.0.id)
    }
    /// The MFO's own id for the borrower.
    async fn external_id(&self) -> &str {
        &self.0.external_id
    }
    /// When the MFO first synced the borrower (UTC instant; `borrowers(filter: {from, to})`).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Full name.
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }
    /// National identification number (IIN in KZ, PIN in KG), if synced.
    async fn national_id(&self) -> Option<&str> {
        self.0.national_id.as_deref()
    }
    /// Registered or contract address (X1 letters go here; X7: changes count once reported).
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    /// Phone number (X3 calls go here).
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// E-mail address.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Preferred language for texts to the borrower.
    async fn language(&self) -> Language {
        self.0.language
    }
    /// Socially vulnerable status (R16, R19).
    async fn socially_vulnerable(&self) -> bool {
        self.0.socially_vulnerable
    }
}

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
    fn parse(self) -> Result<svc::MeetingTermsInput, crate::error::ServiceError> {
        use crate::error::{Problems, UserError};
        let mut problems = Problems::new();
        let mut time = |field: &str, v: Option<String>| match v {
            None => None,
            Some(s) => {
                let t = chrono::NaiveTime::parse_from_str(&s, "%H:%M").ok();
                problems.check(t.is_some(), || {
                    UserError::invalid(&["contractMeetingTerms", field], crate::error::UserErrorReason::Malformed)
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
    fn new(s: &InstallmentState, today: chrono::NaiveDate, currency: Currency) -> Self {
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
    fn scheduled(row: &installment::Model, currency: Currency) -> Self {
        Self {
            seq: row.seq,
            due_date: row.due_date,
            principal: row.principal.0,
            interest: row.interest.0,
            currency,
            paid: None,
        }
    }

    fn paid(&self) -> async_graphql::Result<&Paid> {
        // Unreachable: `Loan::installments` reads the payments whenever a paid field is selected.
        self.paid.as_ref().ok_or_else(|| crate::graphql::errors::code_error(code::INTERNAL, "internal error"))
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
        at_scale(self.principal, self.currency)
    }
    /// Interest due, in the loan's currency.
    async fn interest(&self) -> Decimal {
        at_scale(self.interest, self.currency)
    }
    /// Principal paid so far, in the loan's currency.
    async fn paid_principal(&self) -> async_graphql::Result<Decimal> {
        Ok(at_scale(self.paid()?.principal, self.currency))
    }
    /// Interest paid so far, in the loan's currency.
    async fn paid_interest(&self) -> async_graphql::Result<Decimal> {
        Ok(at_scale(self.paid()?.interest, self.currency))
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
        Ok(at_scale(self.0.amount.0, loan_currency(ctx, self.0.loan_id).await?))
    }
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
        at_scale(self.0.principal.0, self.0.currency)
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
        at_scale(self.0.credit_limit.map(|c| c.0).unwrap_or(self.0.principal.0), self.0.currency)
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
    /// The current schedule with what has been paid of each installment.
    async fn installments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Installment>> {
        let look = ctx.look_ahead();
        if INSTALLMENT_PAID_FIELDS.iter().any(|f| look.field(f).exists()) {
            let ledger = self.ledger(ctx).await?;
            let today = self.today(ctx);
            return Ok(ledger.installments.iter().map(|s| Installment::new(s, today, self.0.currency)).collect());
        }
        // Nothing paid asked: the schedule alone, in the ledger's order, without reading the
        // payments or allocating them (a page of schedules would do both for every loan).
        let loaders = ctx.data_unchecked::<Loaders>();
        let mut schedule = loaders.schedules.load_one(self.0.id).await?.unwrap_or_default();
        schedule.sort_by_key(|i| (i.due_date, i.seq));
        Ok(schedule.iter().map(|i| Installment::scheduled(i, self.0.currency)).collect())
    }
    /// Payments received, oldest first.
    async fn payments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Payment>> {
        let (_, payments) = self.rows(ctx).await?;
        Ok(payments.into_iter().map(Payment).collect())
    }
    /// R1: what is overdue now and since when.
    async fn overdue(&self, ctx: &Context<'_>) -> async_graphql::Result<Overdue> {
        let o = self.ledger(ctx).await?.overdue(self.today(ctx));
        Ok(Overdue {
            overdue: o.is_overdue(),
            since: o.since.map(Date),
            days: o.days,
            principal: at_scale(o.principal, self.0.currency),
            interest: at_scale(o.interest, self.0.currency),
            amount: at_scale(o.amount(), self.0.currency),
        })
    }
    /// Principal not yet repaid.
    async fn principal_balance(&self, ctx: &Context<'_>) -> async_graphql::Result<Decimal> {
        Ok(at_scale(self.ledger(ctx).await?.principal_balance(), self.0.currency))
    }
    /// R1: the delinquency notices sent about this loan.
    async fn delinquency_notices(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::graphql::restructuring::DelinquencyNotice>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let rows = loaders.notices.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(crate::graphql::restructuring::DelinquencyNotice).collect())
    }
    /// The agency working the loan now, if any (R17.2).
    async fn collection_assignment(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::graphql::collection::CollectionAssignment>> {
        crate::graphql::collection::loan_assignment(ctx, self).await
    }
    /// The contact log (an agency sees its own contacts).
    async fn contacts(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::graphql::collection::ContactEvent>> {
        crate::graphql::collection::loan_contacts(ctx, self).await
    }
    /// Conscription records (M1–M6).
    async fn military_deferrals(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::graphql::military::MilitaryDeferral>> {
        crate::graphql::military::loan_deferrals(ctx, self.0.id).await
    }
    /// What the caller may do with this loan's debtor at `at` (now by default): the same
    /// verdicts, reasons and clearances as `permittedActions(loanId:)`, resolved for a whole
    /// page of loans at once. NOT_FOUND for a loan not in the caller's hands.
    async fn permitted_actions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The instant to judge at (UTC); now when omitted. A clearance is issued only for now.")]
        at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Vec<crate::graphql::collection::ActionVerdict>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let views = loaders.verdicts.load_one((self.0.id, at)).await?.ok_or_else(not_found)?;
        Ok(views.into_iter().map(Into::into).collect())
    }
    /// The timed duties on this loan (R1's notice).
    async fn deadlines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<crate::graphql::escalations::Deadline>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let rows = loaders.deadlines.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(crate::graphql::escalations::Deadline).collect())
    }
}

/// Narrows `loans`; every field given must match.
#[derive(InputObject, Default)]
pub struct LoanFilter {
    /// Only loans in this servicing status.
    pub status: Option<LoanStatus>,
    /// R1: only loans that are (true) or are not (false) overdue now, in the local time of
    /// the loan's jurisdiction (Asia/Almaty for KZ, Asia/Bishkek for KG). Overdue: an
    /// installment due before today is not fully paid (as `Loan.overdue.overdue`), whatever
    /// the loan's status. `false` is everything else: loans repaid in full, closed loans,
    /// and loans with nothing due yet or nothing unpaid. `true` and `false` together list
    /// every loan exactly once.
    pub overdue: Option<bool>,
    /// Only this borrower's loans (global ID).
    pub borrower_id: Option<ID>,
    /// Only loans whose contract is dated on or after this date (`contractDate`, the
    /// contract's own date, no time zone). Half-open with `contractDateTo`.
    pub contract_date_from: Option<NaiveDate>,
    /// Only loans whose contract is dated before this date (exclusive): `[contractDateFrom,
    /// contractDateTo)`.
    pub contract_date_to: Option<NaiveDate>,
    /// Only loans created or changed at or after this instant (UTC):
    /// for a sync that re-reads what changed since its last run (`changes` lists the
    /// changes themselves).
    /// At most `MFO_CHANGE_RETENTION_DAYS` back (30 by default); older: BAD_USER_INPUT.
    pub updated_after: Option<DateTime<Utc>>,
}

/// Narrows `borrowers`; every field given must match.
#[derive(InputObject, Default)]
pub struct BorrowerFilter {
    /// Only borrowers first synced at or after this instant (UTC; `Borrower.createdAt`).
    /// Half-open with `to`: `[from, to)`.
    pub from: Option<DateTime<Utc>>,
    /// Only borrowers first synced before this instant (UTC, exclusive).
    pub to: Option<DateTime<Utc>>,
    /// Only borrowers created or changed at or after this instant (UTC):
    /// for a sync that re-reads what changed since its last run (`changes` lists the
    /// changes themselves).
    /// At most `MFO_CHANGE_RETENTION_DAYS` back (30 by default); older: BAD_USER_INPUT.
    pub updated_after: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct LoanQuery;

#[Object]
impl LoanQuery {
    /// Loans the caller may see: a borrower their own, staff their MFO's, an agency those
    /// currently handed to it, a regulator its jurisdiction's. Stable order: by id, i.e.
    /// in the order the loans were first synced (ids are UUIDv7), oldest first; a cursor
    /// stays valid while loans are added.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn loans(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only loans matching every field given.")] filter: Option<LoanFilter>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<crate::graphql::connection::Page<Loan>> {
        let p = ctx.principal()?;
        let limit = self::first(first)?;
        let had_cursor = after.is_some();
        let after = after_uuid(after)?;
        let filter = filter.unwrap_or_default();
        let borrower_id = match &filter.borrower_id {
            Some(id) => Some(BorrowerId(decode(id, Kind::Borrower)?)),
            None => None,
        };
        let f = svc::LoanFilter {
            status: filter.status,
            overdue: filter.overdue,
            borrower_id,
            contract_date: Range { from: filter.contract_date_from, to: filter.contract_date_to },
            updated_after: filter.updated_after,
        };
        let page = svc::list(ctx.services(), p, &f, after, limit).await.map_err(top_level)?;
        ctx.data_unchecked::<Loaders>().prefetch_loans(&ctx.look_ahead(), &page.items).await?;
        let total = TotalCount::of(ctx.services(), p, f, |c, p, f| async move { svc::count(&c, &p, &f).await });
        Ok(from_page(page, had_cursor, |l| l.id, Loan, total))
    }

    /// One loan, by exactly one of `id` (our global id), `externalId` (the MFO's own id,
    /// for the core-banking sync) or `contractNumber` (the number on the contract, what a
    /// call centre is told: "MK-2001/24"); `mfoId` narrows the last two when the caller
    /// sees several MFOs' loans. Two or none of the three: BAD_USER_INPUT; a number two
    /// loans in the caller's scope share, without `mfoId` (or within one MFO): BAD_USER_INPUT.
    /// NOT_FOUND when it does not exist or is outside the caller's scope (as `loans`).
    async fn loan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The loan's global ID.")] id: Option<ID>,
        #[graphql(desc = "The MFO's own id for the loan.")] external_id: Option<String>,
        #[graphql(desc = "The contract's number, as printed on it.")] contract_number: Option<String>,
        #[graphql(desc = "With `externalId` or `contractNumber`: the MFO whose loan it is (global ID).")]
        mfo_id: Option<ID>,
    ) -> async_graphql::Result<Option<Loan>> {
        let p = ctx.principal()?;
        let s = ctx.services();
        let mfo = mfo_id.map(|m| decode(&m, Kind::Organization)).transpose()?;
        match (id, external_id, contract_number) {
            (Some(id), None, None) => {
                let id = LoanId(decode(&id, Kind::Loan)?);
                svc::get(s, p, id).await.map(|l| Some(Loan(l))).map_err(top_level)
            }
            (None, Some(external_id), None) => {
                let rows = svc::find_by_external_id(s, p, &external_id, mfo).await.map_err(top_level)?;
                one_of(rows, "externalId").map(|l| Some(Loan(l)))
            }
            (None, None, Some(number)) => {
                let rows = svc::find_by_contract_number(s, p, &number, mfo).await.map_err(top_level)?;
                one_of(rows, "contractNumber").map(|l| Some(Loan(l)))
            }
            _ => Err(bad_input("give exactly one of `id`, `externalId` and `contractNumber`")),
        }
    }

    /// One borrower, by exactly one of `id` or `externalId` (the MFO's own id; `mfoId` as
    /// for `loan`). Both or neither, or an ambiguous `externalId`: BAD_USER_INPUT.
    /// NOT_FOUND when it does not exist or is outside the caller's scope (as `borrowers`).
    async fn borrower(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The borrower's global ID.")] id: Option<ID>,
        #[graphql(desc = "The MFO's own id for the borrower.")] external_id: Option<String>,
        #[graphql(desc = "With `externalId`: the MFO whose id it is (global ID).")] mfo_id: Option<ID>,
    ) -> async_graphql::Result<Option<Borrower>> {
        let p = ctx.principal()?;
        match (id, external_id) {
            (Some(id), None) => {
                let id = BorrowerId(decode(&id, Kind::Borrower)?);
                svc::get_borrower(ctx.services(), p, id).await.map(|b| Some(Borrower(b))).map_err(top_level)
            }
            (None, Some(external_id)) => {
                let mfo = mfo_id.map(|m| decode(&m, Kind::Organization)).transpose()?;
                let rows = svc::find_borrowers_by_external_id(ctx.services(), p, &external_id, mfo)
                    .await
                    .map_err(top_level)?;
                one_of(rows, "externalId").map(|b| Some(Borrower(b)))
            }
            _ => Err(bad_input("give exactly one of `id` and `externalId`")),
        }
    }

    /// Borrowers the caller may see: MFO staff their MFO's, an agency the borrowers of
    /// loans currently handed to it (R17.2), a borrower themself, a regulator those of its
    /// jurisdiction's MFOs. Stable order: by id, i.e. in the order the borrowers were first
    /// synced (ids are UUIDv7), oldest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn borrowers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only borrowers matching every field given.")] filter: Option<BorrowerFilter>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<crate::graphql::connection::Page<Borrower>> {
        let p = ctx.principal()?;
        let limit = self::first(first)?;
        let had_cursor = after.is_some();
        let after = after_uuid(after)?;
        let filter = filter.unwrap_or_default();
        let f = svc::BorrowerFilter {
            created: Range { from: filter.from, to: filter.to },
            updated_after: filter.updated_after,
        };
        let page = svc::list_borrowers(ctx.services(), p, &f, after, limit).await.map_err(top_level)?;
        let total =
            TotalCount::of(ctx.services(), p, f, |c, p, f| async move { svc::count_borrowers(&c, &p, &f).await });
        Ok(from_page(page, had_cursor, |b| b.id, Borrower, total))
    }
}

/// The one row of an external-id lookup (at most two are loaded).
fn one_of<T>(mut rows: Vec<T>, key: &str) -> async_graphql::Result<T> {
    match rows.len() {
        0 => Err(not_found()),
        1 => rows.pop().ok_or_else(not_found),
        _ => Err(bad_input(format!("several records in your scope have this `{key}`: give `mfoId`, or `id`"))),
    }
}

/// A borrower as the MFO's core-banking system holds them; every field replaces what was stored.
#[derive(InputObject)]
pub struct UpsertBorrowerInput {
    /// The MFO's own id for the borrower: sending it again updates the same borrower.
    pub external_id: String,
    /// Full name.
    pub full_name: String,
    /// National identification number (IIN, PIN).
    pub national_id: Option<String>,
    /// Registered or contract address.
    pub address: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Preferred language.
    pub language: Language,
    /// Socially vulnerable status (R16, R19); false when omitted.
    #[graphql(default)]
    pub socially_vulnerable: bool,
}

/// One installment of a schedule.
#[derive(InputObject)]
pub struct InstallmentInput {
    /// Due date (local date of the loan's jurisdiction).
    pub due_date: Date,
    /// Principal due, in the loan's currency, at its scale.
    pub principal: Decimal,
    /// Interest due, in the loan's currency, at its scale.
    pub interest: Decimal,
}

/// A loan as the MFO's core-banking system holds it; every field replaces what was stored.
#[derive(InputObject)]
pub struct UpsertLoanInput {
    /// The MFO's own id for the loan: sending it again updates the same loan.
    pub external_id: String,
    /// The MFO's own id of the borrower (upserted before).
    pub borrower_external_id: String,
    /// The contract's number.
    pub contract_number: String,
    /// The contract's date (local date).
    pub contract_date: Date,
    /// ISO 4217: KZT, KGS or USD.
    pub currency: String,
    /// The principal lent, in the loan's currency.
    pub principal: Decimal,
    /// Annual nominal rate as a fraction (0.35 = 35 %).
    pub annual_rate: Decimal,
    /// The term in months.
    pub term_months: i32,
    /// The credit limit (C9.7) for a credit line; the principal when omitted.
    pub credit_limit: Option<Decimal>,
    /// Servicing status; ACTIVE when omitted.
    #[graphql(default_with = "LoanStatus::Active")]
    pub status: LoanStatus,
    /// How payments are applied; INTEREST_FIRST when omitted.
    #[graphql(default_with = "RepaymentOrder::InterestFirst")]
    pub repayment_order: RepaymentOrder,
    /// Secured by a mortgage (R17.3's 180 days); false when omitted.
    #[graphql(default)]
    pub mortgage_secured: bool,
    /// Secured by a mortgage on the borrower's home (R16); false when omitted.
    #[graphql(default)]
    pub secured_by_dwelling: bool,
    /// A business loan (R14, R16 do not apply); false when omitted.
    #[graphql(default)]
    pub business_purpose: bool,
    /// The contract allows a collection agency (R17.2); false when omitted.
    #[graphql(default)]
    pub contract_allows_agency: bool,
    /// X4: the meeting terms the contract sets, if any. Like every field, it replaces
    /// what was stored: leaving it out means the contract agreed none.
    pub contract_meeting_terms: Option<ContractMeetingTerms>,
    /// The full schedule; it replaces the stored one.
    pub schedule: Vec<InstallmentInput>,
}

impl UpsertBorrowerInput {
    /// The service's input (`upsertBorrower`, and each item of `upsertBorrowers`).
    pub(crate) fn into_service(self) -> svc::BorrowerInput {
        svc::BorrowerInput {
            external_id: self.external_id,
            full_name: self.full_name,
            national_id: self.national_id,
            address: self.address,
            phone: self.phone,
            email: self.email,
            language: self.language,
            socially_vulnerable: self.socially_vulnerable,
        }
    }
}

impl UpsertLoanInput {
    /// The service's input (`upsertLoan`, and each item of `upsertLoans`); meeting terms
    /// that do not parse are the caller's error.
    pub(crate) fn into_service(self) -> Result<svc::LoanInput, crate::error::ServiceError> {
        let contract_meetings = self.contract_meeting_terms.map(ContractMeetingTerms::parse).transpose()?;
        Ok(svc::LoanInput {
            external_id: self.external_id,
            borrower_external_id: self.borrower_external_id,
            contract_number: self.contract_number,
            contract_date: self.contract_date.0,
            currency: self.currency,
            principal: self.principal,
            annual_rate: self.annual_rate,
            term_months: self.term_months,
            credit_limit: self.credit_limit,
            status: self.status,
            repayment_order: self.repayment_order,
            mortgage_secured: self.mortgage_secured,
            secured_by_dwelling: self.secured_by_dwelling,
            business_purpose: self.business_purpose,
            contract_allows_agency: self.contract_allows_agency,
            contract_meetings,
            schedule: self
                .schedule
                .into_iter()
                .map(|i| svc::InstallmentInput { due_date: i.due_date.0, principal: i.principal, interest: i.interest })
                .collect(),
        })
    }
}

/// Money received on a loan.
#[derive(InputObject)]
pub struct RecordPaymentInput {
    /// The loan by our global ID (or give `loanExternalId`).
    pub loan_id: Option<ID>,
    /// The loan by the MFO's own id (or give `loanId`).
    pub loan_external_id: Option<String>,
    /// The MFO's own id for the payment: sending it again records nothing new.
    pub external_id: String,
    /// When it was paid (UTC instant).
    pub paid_at: DateTime<Utc>,
    /// The amount, in the loan's currency, positive.
    pub amount: Decimal,
}

impl RecordPaymentInput {
    /// The service's input for an item of `recordPayments` (and a row of `mfo-api
    /// import payments`): a loan named by neither or both ids, or by a global id that is not
    /// a loan's, is the item's refusal.
    pub(crate) fn into_service(self) -> Result<svc::PaymentInput, crate::error::ServiceError> {
        use crate::error::{ServiceError, UserError, UserErrorReason};
        let named_by_id = self.loan_id.is_some();
        let loan = match loan_ref(self.loan_id, self.loan_external_id) {
            Ok(r) => r?,
            // A global id that is not a loan's names nothing of the caller's.
            Err(_) => {
                return Err(ServiceError::user(UserError::invalid(
                    &[if named_by_id { "loanId" } else { "loanExternalId" }],
                    UserErrorReason::UnknownReference,
                )));
            }
        };
        Ok(svc::PaymentInput { loan, external_id: self.external_id, paid_at: self.paid_at, amount: self.amount })
    }
}

/// A legal fact about a loan (R3, R14, R17, M6).
#[derive(InputObject)]
pub struct RecordLoanLegalFactInput {
    /// The loan by our global ID (or give `loanExternalId`).
    pub loan_id: Option<ID>,
    /// The loan by the MFO's own id (or give `loanId`).
    pub loan_external_id: Option<String>,
    /// Which fact.
    pub kind: LegalFactKind,
    /// When it took effect (local date).
    pub occurred_on: Date,
    /// Only for an insolvency procedure that has ended.
    pub ended_on: Option<Date>,
    /// Only for CLAIM_ASSIGNED: who took the claim. An assignment to a collection agency
    /// is checked against R17.3 and R14, to another third party (or an unreported one)
    /// against R17.3; it is recorded either way and what it broke is escalated.
    pub assignee: Option<ClaimAssignee>,
}

payload!(
    /// The borrower after the upsert, or why it was refused.
    BorrowerPayload { borrower: Borrower });
payload!(
    /// The loan after the mutation, or why it was refused.
    LoanPayload { loan: Loan });

/// A recorded payment and the loan it paid.
#[derive(SimpleObject)]
pub struct PaymentPayload {
    /// The payment recorded (or the one recorded before with the same `externalId`); null on userErrors.
    pub payment: Option<Payment>,
    /// The loan after the payment; null on userErrors.
    pub loan: Option<Loan>,
    /// Why the payment was refused; empty on success.
    pub user_errors: Vec<crate::graphql::errors::UserErrorObject>,
}

pub(crate) fn loan_ref(
    id: Option<ID>,
    external: Option<String>,
) -> async_graphql::Result<Result<LoanRef, crate::error::ServiceError>> {
    use crate::error::{ServiceError, UserError};
    Ok(match (id, external) {
        (Some(id), None) => Ok(LoanRef::Id(LoanId(decode(&id, Kind::Loan)?))),
        (None, Some(ext)) => Ok(LoanRef::External(ext)),
        _ => Err(ServiceError::user(
            UserError::invalid(&["loanId"], crate::error::UserErrorReason::ExactlyOneRequired)
                .with_param("fields", vec!["loanId", "loanExternalId"]),
        )),
    })
}

#[derive(Default)]
pub struct LoanMutation;

#[Object]
impl LoanMutation {
    /// Creates or updates a borrower of the caller's MFO (MFO_STAFF, MFO_MANAGER).
    async fn upsert_borrower(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The borrower; keyed by `externalId` within the caller's MFO.")] input: UpsertBorrowerInput,
    ) -> async_graphql::Result<BorrowerPayload> {
        let p = ctx.principal()?;
        BorrowerPayload::from_result(svc::upsert_borrower(ctx.services(), p, input.into_service()).await.map(Borrower))
    }

    /// Creates or updates a loan with its terms and full schedule (MFO_STAFF, MFO_MANAGER).
    async fn upsert_loan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The loan and its full schedule; keyed by `externalId` within the caller's MFO.")]
        input: UpsertLoanInput,
    ) -> async_graphql::Result<LoanPayload> {
        let p = ctx.principal()?;
        let input = match input.into_service() {
            Ok(input) => input,
            Err(e) => return LoanPayload::from_result(Err(e)),
        };
        LoanPayload::from_result(svc::upsert_loan(ctx.services(), p, input).await.map(Loan))
    }

    /// Records money received on a loan (MFO_STAFF, MFO_MANAGER).
    async fn record_payment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The payment; keyed by `externalId`, so a retry records nothing new.")]
        input: RecordPaymentInput,
    ) -> async_graphql::Result<PaymentPayload> {
        let p = ctx.principal()?;
        let result = match loan_ref(input.loan_id, input.loan_external_id)? {
            Ok(loan) => {
                let input = svc::PaymentInput {
                    loan,
                    external_id: input.external_id,
                    paid_at: input.paid_at,
                    amount: input.amount,
                };
                svc::record_payment(ctx.services(), p, input).await
            }
            Err(e) => Err(e),
        };
        match result {
            Ok((payment, loan)) => {
                Ok(PaymentPayload { payment: Some(Payment(payment)), loan: Some(Loan(loan)), user_errors: vec![] })
            }
            Err(crate::error::ServiceError::User(errors)) => Ok(PaymentPayload {
                payment: None,
                loan: None,
                user_errors: errors.into_iter().map(Into::into).collect(),
            }),
            Err(e) => Err(top_level(e)),
        }
    }

    /// Records a court act, enforcement inscription, settlement, assignment or insolvency
    /// procedure on a loan (MFO_STAFF, MFO_MANAGER).
    async fn record_loan_legal_fact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The loan, the fact and its date.")] input: RecordLoanLegalFactInput,
    ) -> async_graphql::Result<LoanPayload> {
        let p = ctx.principal()?;
        let result = match loan_ref(input.loan_id, input.loan_external_id)? {
            Ok(loan) => {
                let input = svc::LegalFactInput {
                    loan,
                    kind: input.kind,
                    occurred_on: input.occurred_on.0,
                    ended_on: input.ended_on.map(|d| d.0),
                    assignee: input.assignee,
                };
                svc::record_legal_fact(ctx.services(), p, input).await
            }
            Err(e) => Err(e),
        };
        LoanPayload::from_result(result.map(Loan))
    }
}
