//! Complaints, the journal, loan-information requests and statements, reception hours:
//! types, queries, mutations and the `complaintUpdates` subscription (C1–C13).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, NaiveTime, Utc};
use entity::enums::{
    AcknowledgementChannel, AnswerDeliveryChannel, AnswerGround, ClosureReason, ComplaintChannel, ComplaintForm,
    ComplaintKind, ComplaintStatus, DeadlineKind, Language, MissingContent, SignatoryRole, Weekday,
};
use entity::{complaint, complaint_answer, info_request, reception_hours};
use futures_util::Stream;
use rust_decimal::Decimal;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use crate::graphql::connection::{TotalCount, after_uuid, first, from_page};
use crate::graphql::context::ContextExt;
use crate::graphql::errors::{bad_input, not_found, payload, top_level};
use crate::graphql::escalations::Deadline;
use crate::graphql::ids::{Kind, decode, encode, parse_cursor};
use crate::graphql::loaders::Loaders;
use crate::graphql::loans::{Borrower, Loan, Payment};
use crate::graphql::me::Organization;
use crate::graphql::scalars::Date;
use crate::ids::{BorrowerId, ComplaintId, ContactId, InfoRequestId, LoanId, OrgId};
use crate::money::at_scale;
use crate::rules::complaints::{Complainant as ComplainantFacts, journal_number};
use crate::services::Range;
use crate::services::complaints::{self as svc};

/// One complainant (several for a collective complaint, C11).
#[derive(SimpleObject, InputObject, Clone, Default)]
#[graphql(input_name = "ComplainantInput")]
pub struct Complainant {
    /// Full name (C3 requires it; without it, contacts and a postal address a written complaint is
    /// anonymous).
    pub full_name: Option<String>,
    /// Postal address (C3); a collective complaint's answer goes to the first one listed (C11).
    pub address: Option<String>,
    /// Phone number, a contact detail (C3).
    pub phone: Option<String>,
    /// E-mail address, a contact detail (C3).
    pub email: Option<String>,
}

impl From<ComplainantFacts> for Complainant {
    fn from(c: ComplainantFacts) -> Self {
        Self { full_name: c.full_name, address: c.address, phone: c.phone, email: c.email }
    }
}

impl From<Complainant> for ComplainantFacts {
    fn from(c: Complainant) -> Self {
        Self { full_name: c.full_name, address: c.address, phone: c.phone, email: c.email }
    }
}

/// A responsible manager a complaint is forwarded to (C7 step 2).
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "ResponsibleManagerInput")]
pub struct ResponsibleManager {
    /// The manager's full name.
    pub name: String,
    /// The manager's position.
    pub position: String,
}

/// A document attached to a written answer (C10: certified copies may be attached).
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "AttachmentInput")]
pub struct Attachment {
    /// The document's name or title.
    pub name: String,
    /// A certified copy of a document (C10).
    #[graphql(default)]
    pub certified_copy: bool,
}

/// C8: the extension of the answer deadline.
#[derive(SimpleObject)]
pub struct ComplaintExtension {
    /// Why an extra check was needed (C8).
    pub reason: String,
    /// How the consumer was told of the extension (e-mail, phone, letter…), as recorded.
    pub consumer_notified_by: Option<String>,
    /// When the consumer was told (UTC instant).
    pub consumer_notified_at: Option<DateTime<Utc>>,
    /// When the manager extended the deadline (UTC instant).
    pub extended_at: Option<DateTime<Utc>>,
}

/// C10–C12: the answer given.
pub struct ComplaintAnswer(pub complaint_answer::Model);

/// C10–C12: the answer given.
#[Object]
impl ComplaintAnswer {
    /// Given orally on the spot (C12).
    async fn oral(&self) -> bool {
        self.0.oral
    }
    /// Who signed a written answer (C10); null for an oral answer.
    async fn signatory_role(&self) -> Option<SignatoryRole> {
        self.0.signatory_role
    }
    /// The signatory's full name (C10); null for an oral answer.
    async fn signatory_name(&self) -> Option<&str> {
        self.0.signatory_name.as_deref()
    }
    /// The answer's ground (C10); null for an oral answer.
    async fn ground(&self) -> Option<AnswerGround> {
        self.0.ground
    }
    /// The justification of the ground, or what was said orally.
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// The responsible executor named in the answer (C10).
    async fn executor_name(&self) -> Option<&str> {
        self.0.executor_name.as_deref()
    }
    /// How to reach the responsible executor (C10).
    async fn executor_contact(&self) -> Option<&str> {
        self.0.executor_contact.as_deref()
    }
    /// The answer's language: the complaint's (C10: Kyrgyz or Russian in KG).
    async fn language(&self) -> Language {
        self.0.language
    }
    /// How the written answer was delivered (C10); null for an oral answer.
    async fn delivery_channel(&self) -> Option<AnswerDeliveryChannel> {
        self.0.delivery_channel
    }
    /// Where the answer went (C11).
    async fn delivered_to(&self) -> Option<&str> {
        self.0.delivered_to.as_deref()
    }
    /// When the answer was sent or given (UTC instant); it meets the C8 deadline if on or before the due
    /// date, local time.
    async fn sent_at(&self) -> DateTime<Utc> {
        self.0.sent_at
    }
    /// Documents attached, e.g. certified copies (C10).
    async fn attachments(&self) -> Vec<Attachment> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        struct A {
            name: String,
            certified_copy: bool,
        }
        let list: Vec<A> = serde_json::from_value(self.0.attachments.clone()).unwrap_or_default();
        list.into_iter().map(|a| Attachment { name: a.name, certified_copy: a.certified_copy }).collect()
    }
}

/// A complaint, suggestion or request registered in an MFO's single journal (C1–C13). Visible to the borrower
/// it concerns, the MFO's staff and managers, and the regulator of its jurisdiction.
#[derive(Clone)]
pub struct Complaint(pub complaint::Model);

/// A complaint, suggestion or request registered in an MFO's single journal (C1–C13). Visible to the borrower
/// it concerns, the MFO's staff and managers, and the regulator of its jurisdiction.
#[Object]
impl Complaint {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::Complaint, self.0.id)
    }
    /// The journal number, e.g. `2026/000042` (C4).
    async fn number(&self) -> String {
        journal_number(self.0.journal_year, self.0.journal_seq)
    }
    /// The journal year of its number (C4).
    async fn journal_year(&self) -> i32 {
        self.0.journal_year
    }
    /// The sequence number within the MFO's journal year: gapless, never reused (C4).
    async fn journal_seq(&self) -> i32 {
        self.0.journal_seq
    }
    /// Complaint, suggestion or information request.
    async fn kind(&self) -> ComplaintKind {
        self.0.kind
    }
    /// How it reached the MFO (C1).
    async fn channel(&self) -> ComplaintChannel {
        self.0.channel
    }
    /// Written or oral (C3, C12).
    async fn form(&self) -> ComplaintForm {
        self.0.form
    }
    /// Its language; the answer is written in it (C10).
    async fn language(&self) -> Language {
        self.0.language
    }
    /// Where its handling stands (C7).
    async fn status(&self) -> ComplaintStatus {
        self.0.status
    }
    /// Why it was left without consideration (C3), if it was.
    async fn closure_reason(&self) -> Option<ClosureReason> {
        self.0.closure_reason
    }
    /// The note recorded when it was closed without an answer or without consideration.
    async fn closure_note(&self) -> Option<&str> {
        self.0.closure_note.as_deref()
    }
    /// What it is about (C3); null if it lacks one (it is registered all the same, C2).
    async fn substance(&self) -> Option<&str> {
        self.0.substance.as_deref()
    }
    /// Who complains: several for a collective complaint (C11).
    async fn complainants(&self) -> Vec<Complainant> {
        svc::complainants_of(&self.0).into_iter().map(Into::into).collect()
    }
    /// The address the complaint names for its answer, if not the first complainant's (C11).
    async fn answer_address(&self) -> Option<&str> {
        self.0.answer_address.as_deref()
    }
    /// A written complaint bears a signature (C3).
    async fn signed(&self) -> bool {
        self.0.signed
    }
    /// The date written on the complaint (C3), as written.
    async fn dated_on(&self) -> Option<Date> {
        self.0.dated_on.map(Date)
    }
    /// What C3 requires and the complaint lacks; it was registered all the same (C2).
    async fn missing_content(&self) -> Vec<MissingContent> {
        svc::missing_of(&self.0)
    }
    /// C3: left without consideration as anonymous.
    async fn anonymous(&self) -> bool {
        self.0.closure_reason == Some(ClosureReason::Anonymous)
    }
    /// The branch where it was received, if any (C4: branches forward to head office).
    async fn branch(&self) -> Option<&str> {
        self.0.branch.as_deref()
    }
    /// When it reached the MFO (UTC instant); C4 and C5 count from it.
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.received_at
    }
    /// When it was registered in the journal (UTC instant); C8 counts from it.
    async fn registered_at(&self) -> DateTime<Utc> {
        self.0.registered_at
    }
    /// When receipt of an e-mailed complaint was confirmed (C5; UTC instant).
    async fn acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.0.acknowledged_at
    }
    /// How receipt was confirmed (C5).
    async fn acknowledgement_channel(&self) -> Option<AcknowledgementChannel> {
        self.0.acknowledgement_channel
    }
    /// The responsible managers it was forwarded to (C7).
    async fn forwarded_to(&self) -> Vec<ResponsibleManager> {
        #[derive(serde::Deserialize)]
        struct M {
            name: String,
            position: String,
        }
        let list: Vec<M> = self.0.forwarded_to.clone().and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default();
        list.into_iter().map(|m| ResponsibleManager { name: m.name, position: m.position }).collect()
    }
    /// The one C8 extension of the answer deadline, if granted.
    async fn extension(&self) -> Option<ComplaintExtension> {
        let reason = self.0.extension_reason.clone()?;
        let notice = self.0.extension_notice.clone().unwrap_or_default();
        Some(ComplaintExtension {
            reason,
            consumer_notified_by: notice.get("channel").and_then(|c| c.as_str()).map(str::to_owned),
            consumer_notified_at: notice
                .get("sentAt")
                .and_then(|s| s.as_str())
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|d| d.with_timezone(&Utc)),
            extended_at: self.0.extended_at,
        })
    }
    /// The answer given (C10–C12), once there is one.
    async fn answer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ComplaintAnswer>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders.complaint_answers.load_one(self.0.id).await?.map(ComplaintAnswer))
    }
    /// The last day the answer is due (C8), local date of the MFO's jurisdiction; null when
    /// no answer is owed: none was ever due (a simple request, a suggestion), or the duty
    /// was cancelled (incomplete, C2), or the complaint was left without consideration (C3),
    /// even when its deadline had been missed before that decision. The deadline, with its
    /// date, stays in `deadlines` (CANCELLED, or MISSED). Once answered (or missed while the
    /// answer is still owed) it shows the date the answer was due.
    async fn answer_due_date(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Date>> {
        if !crate::rules::complaints::shows_answer_due_date(self.0.status) {
            return Ok(None);
        }
        let loaders = ctx.data_unchecked::<Loaders>();
        let deadlines = loaders.deadlines.load_one(self.0.id).await?.unwrap_or_default();
        Ok(deadlines
            .iter()
            .find(|d| d.kind == DeadlineKind::ComplaintAnswer && d.status != entity::enums::DeadlineStatus::Cancelled)
            .map(|d| Date(d.due_date)))
    }
    /// The timed duties on this complaint (C4, C5, C8).
    async fn deadlines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Deadline>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders.deadlines.load_one(self.0.id).await?.unwrap_or_default().into_iter().map(Deadline).collect())
    }
    /// The MFO whose journal holds it.
    async fn mfo(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        let loaders = ctx.data_unchecked::<Loaders>();
        loaders.organizations.load_one(self.0.mfo_id).await?.map(Organization).ok_or_else(not_found)
    }
    /// The borrower it was filed by or for, when known.
    async fn borrower(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Borrower>> {
        let Some(b) = self.0.borrower_id else { return Ok(None) };
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders.borrowers.load_one(b).await?.map(Borrower))
    }
    /// The loan it concerns (registration checks it is the complainant's and the MFO's).
    async fn loan(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Loan>> {
        let Some(l) = self.0.loan_id else { return Ok(None) };
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders.loans.load_one(l).await?.map(Loan))
    }
    /// X6: the id of the contact with a collector the complaint is about (a report of
    /// unfair practice).
    async fn contact_id(&self) -> Option<ID> {
        self.0.contact_id.map(|c| encode(Kind::Contact, c))
    }
}

/// Narrows `complaints`; every field given must match.
#[derive(InputObject, Default)]
pub struct ComplaintFilter {
    /// Only complaints in this status.
    pub status: Option<ComplaintStatus>,
    /// Only this kind.
    pub kind: Option<ComplaintKind>,
    /// Only those of this borrower (global ID).
    pub borrower_id: Option<ID>,
    /// Only those about this loan (global ID).
    pub loan_id: Option<ID>,
    /// Only complaints received at or after this instant (UTC; `receivedAt`, when the
    /// complaint reached the MFO, C2). Half-open with `to`: `[from, to)`.
    pub from: Option<DateTime<Utc>>,
    /// Only complaints received before this instant (UTC, exclusive).
    pub to: Option<DateTime<Utc>>,
    /// Only complaints (their steps included) created or changed at or after this instant (UTC):
    /// for a sync that re-reads what changed since its last run (`changes` lists the
    /// changes themselves).
    /// At most `MFO_CHANGE_RETENTION_DAYS` back (30 by default); older: BAD_USER_INPUT.
    pub updated_after: Option<DateTime<Utc>>,
}

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

async fn statement_of(ctx: &Context<'_>, id: LoanId) -> async_graphql::Result<LoanStatement> {
    let p = ctx.principal()?;
    let (loan, payments, s) = svc::statement(ctx.services(), p, id).await.map_err(top_level)?;
    let c = loan.currency;
    let allocations = s
        .allocations
        .iter()
        .filter_map(|a| {
            let pay = payments.get(a.payment)?;
            Some(PaymentAllocation {
                payment_external_id: pay.external_id.clone(),
                paid_at: pay.paid_at,
                installment_seq: a.installment_seq,
                to_interest: at_scale(a.to_interest, c),
                to_principal: at_scale(a.to_principal, c),
            })
        })
        .collect();
    Ok(LoanStatement {
        as_of: Date(s.as_of),
        currency: loan.currency,
        amount_paid: at_scale(s.paid_total, c),
        next_payments: s
            .next_payments
            .iter()
            .map(|n| NextPayment {
                due_date: Date(n.due_date),
                principal: at_scale(n.principal, c),
                interest: at_scale(n.interest, c),
                amount: at_scale(n.amount(), c),
            })
            .collect(),
        overdue: StatementOverdue {
            since: s.overdue.since.map(Date),
            days: s.overdue.days,
            principal: at_scale(s.overdue.principal, c),
            interest: at_scale(s.overdue.interest, c),
            amount: at_scale(s.overdue.amount(), c),
        },
        allocations,
        early_repayment: EarlyRepayment {
            full: at_scale(s.early_repayment_full, c),
            partial_minimum: at_scale(s.early_repayment_partial_minimum, c),
            accrued_interest: at_scale(s.accrued_interest, c),
        },
        principal_balance: at_scale(s.principal_balance, c),
        credit_limit: at_scale(s.credit_limit, c),
        payments: payments.into_iter().map(Payment).collect(),
        loan: Loan(loan),
    })
}

/// C13: one reception slot of a manager.
pub struct ReceptionHours(pub reception_hours::Model);

/// C13: one reception slot of a manager.
#[Object]
impl ReceptionHours {
    /// The manager's full name.
    async fn manager_name(&self) -> &str {
        &self.0.manager_name
    }
    /// The manager's position.
    async fn position(&self) -> &str {
        &self.0.position
    }
    /// The day of the week of this slot.
    async fn weekday(&self) -> Weekday {
        self.0.weekday
    }
    /// Local time, `HH:MM`.
    async fn starts_at(&self) -> String {
        self.0.starts_at.format("%H:%M").to_string()
    }
    /// Local time, `HH:MM`, exclusive.
    async fn ends_at(&self) -> String {
        self.0.ends_at.format("%H:%M").to_string()
    }
}

#[derive(Default)]
pub struct ComplaintQuery;

#[Object]
impl ComplaintQuery {
    /// Complaints the caller may see: a borrower their own, staff their MFO's, a regulator
    /// its jurisdiction's. Stable order: by id, i.e. in the order they were registered (ids
    /// are UUIDv7), oldest first (`receivedAt` may be earlier than registration: filter on
    /// it with `from`/`to`).
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn complaints(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only complaints matching every field given.")] filter: Option<ComplaintFilter>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<crate::graphql::connection::Page<Complaint>> {
        let p = ctx.principal()?;
        let limit = self::first(first)?;
        let had_cursor = after.is_some();
        let after = after_uuid(after)?;
        let f = filter.unwrap_or_default();
        let f = svc::ComplaintFilter {
            status: f.status,
            kind: f.kind,
            borrower_id: f.borrower_id.as_ref().map(|b| decode(b, Kind::Borrower).map(BorrowerId)).transpose()?,
            loan_id: f.loan_id.as_ref().map(|l| decode(l, Kind::Loan).map(LoanId)).transpose()?,
            received: Range { from: f.from, to: f.to },
            updated_after: f.updated_after,
        };
        let page = svc::list(ctx.services(), p, &f, after, limit).await.map_err(top_level)?;
        ctx.data_unchecked::<Loaders>().prefetch_complaints(&ctx.look_ahead(), &page.items).await?;
        let total = TotalCount::of(ctx.services(), p, f, |c, p, f| async move { svc::count(&c, &p, &f).await });
        Ok(from_page(page, had_cursor, |c| c.id, Complaint, total))
    }

    /// One complaint by global ID; NOT_FOUND when missing or outside the caller's scope (as `complaints`).
    async fn complaint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The complaint's global ID.")] id: ID,
    ) -> async_graphql::Result<Option<Complaint>> {
        let p = ctx.principal()?;
        let id = ComplaintId(decode(&id, Kind::Complaint)?);
        svc::get(ctx.services(), p, id).await.map(|c| Some(Complaint(c))).map_err(top_level)
    }

    /// The MFO's single complaint journal for a year, in number order (C4, C6). Staff read
    /// their own MFO's (mfoId may be omitted); a regulator names an MFO of its jurisdiction.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn complaint_journal(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The MFO (global ID); staff may omit it (their own), a regulator must name one of its jurisdiction."
        )]
        mfo_id: Option<ID>,
        #[graphql(desc = "The journal year (numbers restart each year, C4).")] year: i32,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<crate::graphql::connection::Page<Complaint>> {
        let p = ctx.principal()?;
        let limit = self::first(first)?;
        let had_cursor = after.is_some();
        let after_seq = after
            .map(|a| {
                parse_cursor(&a).and_then(|k| k.parse::<i32>().map_err(|_| bad_input("`after` is not a valid cursor")))
            })
            .transpose()?;
        let mfo = mfo_id.as_ref().map(|m| decode(m, Kind::Organization).map(OrgId)).transpose()?;
        let page = svc::journal(ctx.services(), p, mfo, year, after_seq, limit).await.map_err(top_level)?;
        let total = TotalCount::of(ctx.services(), p, (mfo, year), |c, p, (mfo, year)| async move {
            svc::journal_count(&c, &p, mfo, year).await
        });
        Ok(from_page(page, had_cursor, |c| c.journal_seq, Complaint, total))
    }

    /// C9: the seven items of a loan the caller may see, as of now.
    async fn loan_statement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The loan's global ID.")] loan_id: ID,
    ) -> async_graphql::Result<LoanStatement> {
        let id = LoanId(decode(&loan_id, Kind::Loan)?);
        statement_of(ctx, id).await
    }

    /// One loan-information request (C9) by global ID; NOT_FOUND when missing or outside the caller's scope.
    async fn info_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's global ID.")] id: ID,
    ) -> async_graphql::Result<Option<InfoRequest>> {
        let p = ctx.principal()?;
        let id = InfoRequestId(decode(&id, Kind::InfoRequest)?);
        svc::get_info_request(ctx.services(), p, id).await.map(|r| Some(InfoRequest(r))).map_err(top_level)
    }

    /// C13: the MFO's managers' reception hours (borrowers and staff: their MFO's).
    async fn reception_hours(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The MFO (global ID); a borrower and staff may omit it (their MFO), a regulator names one of its jurisdiction."
        )]
        mfo_id: Option<ID>,
    ) -> async_graphql::Result<Vec<ReceptionHours>> {
        let p = ctx.principal()?;
        let mfo = mfo_id.as_ref().map(|m| decode(m, Kind::Organization).map(OrgId)).transpose()?;
        let rows = svc::reception_hours_of(ctx.services(), p, mfo).await.map_err(top_level)?;
        Ok(rows.into_iter().map(ReceptionHours).collect())
    }
}

/// What `registerComplaint` records (C1–C4). Staff and managers of the MFO, or a borrower from the app.
#[derive(InputObject)]
pub struct RegisterComplaintInput {
    /// Required from the mobile app: a retry with the same id returns the first result.
    pub client_submission_id: Option<Uuid>,
    /// Complaint, suggestion or information request.
    pub kind: ComplaintKind,
    /// C1 (the mobile app is always MOBILE_APP).
    #[graphql(default_with = "ComplaintChannel::MobileApp")]
    pub channel: ComplaintChannel,
    /// Written or oral; by default what the channel implies.
    pub form: Option<ComplaintForm>,
    /// The complaint's language; the answer is written in it (C10).
    pub language: Language,
    /// Who complains; several for a collective complaint (C11). May be empty (C2): it is then flagged as
    /// lacking content.
    #[graphql(default)]
    pub complainants: Vec<Complainant>,
    /// Where the answer should go, if not to the first complainant's address (C11).
    pub answer_address: Option<String>,
    /// What it is about (C3).
    pub substance: Option<String>,
    /// A written complaint bears a signature (C3).
    #[graphql(default)]
    pub signed: bool,
    /// The date written on a written complaint (C3 requires one).
    pub dated_on: Option<Date>,
    /// The borrower's global ID, when known (a borrower filing from the app: themself).
    pub borrower_id: Option<ID>,
    /// The loan it concerns (global ID): must be the borrower's and the MFO's.
    pub loan_id: Option<ID>,
    /// The branch where it was received (C4).
    pub branch: Option<String>,
    /// When it reached the MFO (defaults to now).
    pub received_at: Option<DateTime<Utc>>,
    /// X6: the contact with a collector the complaint is about (on a loan of the MFO; the
    /// complaint takes its loan and borrower). It counts as a report of unfair practice:
    /// an X6 escalation attributed to the organisation that made the contact.
    pub contact_id: Option<ID>,
}

payload!(
    /// The complaint after the mutation, or why it was refused.
    ComplaintPayload { complaint: Complaint });
payload!(
    /// The information request (C9) after the mutation, or why it was refused.
    InfoRequestPayload { info_request: InfoRequest });

payload!(
    /// The MFO's reception hours (C13) after the change, or why it was refused.
    ReceptionHoursPayload { reception_hours: Vec<ReceptionHours> });

/// C5: the confirmation of receipt of an e-mailed complaint.
#[derive(InputObject)]
pub struct AcknowledgeComplaintInput {
    /// The complaint's global ID.
    pub complaint_id: ID,
    /// How receipt was confirmed (C5).
    pub channel: AcknowledgementChannel,
    /// When it was confirmed (UTC instant; defaults to now); due by the end of the next business day (C5).
    pub acknowledged_at: Option<DateTime<Utc>>,
}

/// C7: who a complaint is forwarded to.
#[derive(InputObject)]
pub struct ForwardComplaintInput {
    /// The complaint's global ID.
    pub complaint_id: ID,
    /// The responsible managers (at least one, each with a name).
    pub managers: Vec<ResponsibleManager>,
}

/// Names one complaint.
#[derive(InputObject)]
pub struct ComplaintRefInput {
    /// The complaint's global ID.
    pub complaint_id: ID,
}

/// How and when the consumer was told of something (C8).
#[derive(InputObject)]
pub struct ConsumerNoticeInput {
    /// How the consumer was told (e-mail, phone, letter…).
    pub channel: String,
    /// When the consumer was told (UTC instant).
    pub sent_at: DateTime<Utc>,
}

/// C8: the one extension of a complaint's answer deadline by 10 business days.
#[derive(InputObject)]
pub struct ExtendComplaintDeadlineInput {
    /// The complaint's global ID.
    pub complaint_id: ID,
    /// Why an extra check is needed (C8).
    pub reason: String,
    /// How and when the consumer was told (C8).
    pub consumer_notice: ConsumerNoticeInput,
}

/// C10: who signs the answer.
#[derive(InputObject)]
pub struct SignatoryInput {
    /// Chairman, branch director or authorised person (C10).
    pub role: SignatoryRole,
    /// The signatory's full name.
    pub full_name: String,
}

/// C10, C11: a signed written answer.
#[derive(InputObject)]
pub struct AnswerComplaintInput {
    /// The complaint's global ID.
    pub complaint_id: ID,
    /// Who signs it (C10).
    pub signatory: SignatoryInput,
    /// Satisfied (fully or partly), refused, or explained (C10).
    pub ground: AnswerGround,
    /// Why: the reasoning behind the ground (C10).
    pub justification: String,
    /// The responsible executor (C10).
    pub executor_name: String,
    /// The executor's contact (C10).
    pub executor_contact: String,
    /// Must be the complaint's language (C10).
    pub language: Language,
    /// In person or a channel that records the sending date (C10).
    pub delivery_channel: AnswerDeliveryChannel,
    /// When it was sent or handed over (UTC instant); the C8 deadline is met if this is on or before the due
    /// date (local).
    pub sent_at: DateTime<Utc>,
    /// Attached documents, e.g. certified copies (C10).
    #[graphql(default)]
    pub attachments: Vec<Attachment>,
}

/// C12: an oral answer given at once.
#[derive(InputObject)]
pub struct AnswerComplaintOrallyInput {
    /// The oral complaint's global ID.
    pub complaint_id: ID,
    /// What was answered.
    pub answer: String,
    /// When it was answered (UTC instant; defaults to now).
    pub answered_at: Option<DateTime<Utc>>,
}

/// C12: an oral complaint whose consumer is invited to write it.
#[derive(InputObject)]
pub struct InviteToWriteInput {
    /// The oral complaint's global ID.
    pub complaint_id: ID,
    /// What the consumer was told, if worth recording.
    pub note: Option<String>,
}

/// C3: an abusive complaint left without consideration by a manager.
#[derive(InputObject)]
pub struct LeaveComplaintWithoutConsiderationInput {
    /// The complaint's global ID.
    pub complaint_id: ID,
    /// Why (C3); ABUSIVE is the manager's decision, ANONYMOUS is applied at registration.
    pub reason: ClosureReason,
    /// The abusive content, quoted or described (C3).
    pub note: String,
}

/// C7: a suggestion closed without an answer.
#[derive(InputObject)]
pub struct CloseSuggestionInput {
    /// The suggestion's global ID (kind SUGGESTION).
    pub complaint_id: ID,
    /// Why, if worth recording.
    pub note: Option<String>,
}

/// C9: a request for the seven items of a serviced loan.
#[derive(InputObject)]
pub struct RequestLoanInformationInput {
    /// Required from the mobile app.
    pub client_submission_id: Option<Uuid>,
    /// The loan's global ID (a borrower: their own).
    pub loan_id: ID,
    /// How the request reached the MFO (C1; the app is MOBILE_APP).
    #[graphql(default_with = "ComplaintChannel::MobileApp")]
    pub channel: ComplaintChannel,
    /// Written or oral (C9 allows both).
    #[graphql(default_with = "ComplaintForm::Written")]
    pub form: ComplaintForm,
}

/// C9: the information was given.
#[derive(InputObject)]
pub struct AnswerLoanInformationRequestInput {
    /// The request's global ID.
    pub info_request_id: ID,
    /// How the information was given (in writing, orally, by e-mail…).
    pub channel: String,
}

/// C13: one weekly reception slot.
#[derive(InputObject)]
pub struct ReceptionSlotInput {
    /// The day of the week.
    pub weekday: Weekday,
    /// Local time, `HH:MM`.
    pub starts_at: String,
    /// Local time, `HH:MM`, after `startsAt`.
    pub ends_at: String,
}

/// C13: one manager's whole reception schedule.
#[derive(InputObject)]
pub struct SetReceptionHoursInput {
    /// The manager's full name (required); identifies the schedule replaced.
    pub manager_name: String,
    /// The manager's position.
    pub position: String,
    /// The manager's whole schedule; an empty list removes it.
    pub slots: Vec<ReceptionSlotInput>,
}

fn complaint_id(id: &ID) -> async_graphql::Result<ComplaintId> {
    decode(id, Kind::Complaint).map(ComplaintId)
}

fn hhmm(field: &str, s: &str) -> Result<NaiveTime, crate::error::ServiceError> {
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| {
        crate::error::ServiceError::user(
            crate::error::UserError::invalid(&["slots", field], crate::error::UserErrorReason::Malformed)
                .with_param("format", "time"),
        )
    })
}

#[derive(Default)]
pub struct ComplaintMutation;

#[Object]
impl ComplaintMutation {
    /// Registers a complaint, suggestion or request from any channel (C1). It is never
    /// refused for what it lacks (C2): missing content is flagged, an anonymous written one
    /// is left without consideration (C3), and every one gets the next journal number (C4).
    async fn register_complaint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The complaint as received; only `kind` and `language` are required (C2).")]
        input: RegisterComplaintInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let p = ctx.principal()?;
        let input = svc::RegisterInput {
            client_submission_id: input.client_submission_id,
            kind: input.kind,
            channel: input.channel,
            form: input.form,
            language: input.language,
            complainants: input.complainants.into_iter().map(Into::into).collect(),
            answer_address: input.answer_address,
            substance: input.substance,
            signed: input.signed,
            dated_on: input.dated_on.map(|d| d.0),
            borrower_id: input.borrower_id.as_ref().map(|b| decode(b, Kind::Borrower).map(BorrowerId)).transpose()?,
            loan_id: input.loan_id.as_ref().map(|l| decode(l, Kind::Loan).map(LoanId)).transpose()?,
            branch: input.branch,
            received_at: input.received_at,
            contact_id: input.contact_id.as_ref().map(|c| decode(c, Kind::Contact).map(ContactId)).transpose()?,
        };
        ComplaintPayload::from_result(svc::register(ctx.services(), p, input).await.map(Complaint))
    }

    /// C5: records the confirmation of receipt of an e-mailed complaint.
    async fn acknowledge_complaint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which complaint, how and when receipt was confirmed.")] input: AcknowledgeComplaintInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let p = ctx.principal()?;
        let id = complaint_id(&input.complaint_id)?;
        ComplaintPayload::from_result(
            svc::acknowledge(ctx.services(), p, id, input.channel, input.acknowledged_at).await.map(Complaint),
        )
    }

    /// C7: forwards a registered complaint to the responsible managers.
    async fn forward_complaint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which complaint and to which managers.")] input: ForwardComplaintInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let p = ctx.principal()?;
        let id = complaint_id(&input.complaint_id)?;
        let managers = input
            .managers
            .into_iter()
            .map(|m| svc::ResponsibleManager { name: m.name, position: m.position })
            .collect();
        ComplaintPayload::from_result(svc::forward(ctx.services(), p, id, managers).await.map(Complaint))
    }

    /// C7: takes a forwarded complaint into review.
    async fn start_complaint_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which complaint.")] input: ComplaintRefInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let p = ctx.principal()?;
        let id = complaint_id(&input.complaint_id)?;
        ComplaintPayload::from_result(svc::start_review(ctx.services(), p, id).await.map(Complaint))
    }

    /// C8: extends the answer deadline by ten business days, once (MFO_MANAGER).
    async fn extend_complaint_deadline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which complaint, why, and how the consumer was told (C8).")]
        input: ExtendComplaintDeadlineInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let p = ctx.principal()?;
        let id = complaint_id(&input.complaint_id)?;
        let notice =
            svc::ConsumerNotice { channel: input.consumer_notice.channel, sent_at: input.consumer_notice.sent_at };
        ComplaintPayload::from_result(svc::extend(ctx.services(), p, id, input.reason, notice).await.map(Complaint))
    }

    /// C10, C11: the written answer, signed (MFO_MANAGER).
    async fn answer_complaint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The answer and its C10 particulars.")] input: AnswerComplaintInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let p = ctx.principal()?;
        let id = complaint_id(&input.complaint_id)?;
        let a = svc::AnswerInput {
            signatory_role: input.signatory.role,
            signatory_name: input.signatory.full_name,
            ground: input.ground,
            justification: input.justification,
            executor_name: input.executor_name,
            executor_contact: input.executor_contact,
            language: input.language,
            delivery_channel: input.delivery_channel,
            sent_at: input.sent_at,
            attachments: input
                .attachments
                .into_iter()
                .map(|a| svc::Attachment { name: a.name, certified_copy: a.certified_copy })
                .collect(),
        };
        ComplaintPayload::from_result(svc::answer(ctx.services(), p, id, a).await.map(Complaint))
    }

    /// C12: an oral complaint answered at once, orally.
    async fn answer_complaint_orally(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which oral complaint and what was answered.")] input: AnswerComplaintOrallyInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let p = ctx.principal()?;
        let id = complaint_id(&input.complaint_id)?;
        ComplaintPayload::from_result(
            svc::answer_orally(ctx.services(), p, id, input.answer, input.answered_at).await.map(Complaint),
        )
    }

    /// C12: an oral complaint that needs a check: the consumer is invited to write it.
    async fn invite_complainant_to_write(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which oral complaint.")] input: InviteToWriteInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let p = ctx.principal()?;
        let id = complaint_id(&input.complaint_id)?;
        ComplaintPayload::from_result(svc::invite_to_write(ctx.services(), p, id, input.note).await.map(Complaint))
    }

    /// C3: leaves an abusive written complaint without consideration (MFO_MANAGER).
    async fn leave_complaint_without_consideration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which complaint, the reason and the quoted content.")]
        input: LeaveComplaintWithoutConsiderationInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let p = ctx.principal()?;
        let id = complaint_id(&input.complaint_id)?;
        ComplaintPayload::from_result(
            svc::leave_without_consideration(ctx.services(), p, id, input.reason, input.note).await.map(Complaint),
        )
    }

    /// C7: closes a suggestion without an answer (answering one is optional).
    async fn close_suggestion_without_answer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which suggestion.")] input: CloseSuggestionInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let p = ctx.principal()?;
        let id = complaint_id(&input.complaint_id)?;
        ComplaintPayload::from_result(svc::close_without_answer(ctx.services(), p, id, input.note).await.map(Complaint))
    }

    /// C9: asks for the seven items of a serviced loan; answered within five business days.
    async fn request_loan_information(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which loan; retried safely with the same `clientSubmissionId`.")]
        input: RequestLoanInformationInput,
    ) -> async_graphql::Result<InfoRequestPayload> {
        let p = ctx.principal()?;
        let input = svc::InfoRequestInput {
            client_submission_id: input.client_submission_id,
            loan_id: LoanId(decode(&input.loan_id, Kind::Loan)?),
            channel: input.channel,
            form: input.form,
        };
        InfoRequestPayload::from_result(svc::request_information(ctx.services(), p, input).await.map(InfoRequest))
    }

    /// C9: records that the requested information was given.
    async fn answer_loan_information_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which request and how the information was given.")] input: AnswerLoanInformationRequestInput,
    ) -> async_graphql::Result<InfoRequestPayload> {
        let p = ctx.principal()?;
        let id = InfoRequestId(decode(&input.info_request_id, Kind::InfoRequest)?);
        InfoRequestPayload::from_result(
            svc::answer_information(ctx.services(), p, id, input.channel).await.map(InfoRequest),
        )
    }

    /// C13: sets a manager's reception hours (MFO_MANAGER).
    async fn set_reception_hours(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The manager and their slots; replaces their schedule.")] input: SetReceptionHoursInput,
    ) -> async_graphql::Result<ReceptionHoursPayload> {
        let p = ctx.principal()?;
        let slots: Result<Vec<svc::ReceptionSlot>, _> = input
            .slots
            .iter()
            .map(|s| {
                Ok(svc::ReceptionSlot {
                    weekday: s.weekday,
                    starts_at: hhmm("startsAt", &s.starts_at)?,
                    ends_at: hhmm("endsAt", &s.ends_at)?,
                })
            })
            .collect();
        let result = match slots {
            Ok(slots) => svc::set_reception_hours(ctx.services(), p, input.manager_name, input.position, slots).await,
            Err(e) => Err(e),
        };
        ReceptionHoursPayload::from_result(result.map(|rows| rows.into_iter().map(ReceptionHours).collect()))
    }
}

#[derive(Default)]
pub struct ComplaintSubscription;

#[Subscription]
impl ComplaintSubscription {
    /// The complaint each time it changes.
    async fn complaint_updates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The complaint's global ID; scoped like `complaint(id:)`.")] complaint_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Complaint>>> {
        let p = ctx.principal()?.clone();
        let services = ctx.services().clone();
        let id = ComplaintId(decode(&complaint_id, Kind::Complaint)?);
        // Visible now, or NOT_FOUND before any event.
        svc::get(&services, &p, id).await.map_err(top_level)?;
        let rx = services.broker.subscribe();
        Ok(futures_util::stream::unfold((rx, services, p), move |(mut rx, services, p)| async move {
            loop {
                match rx.recv().await {
                    Ok(e) if e.subject_id == id.0 && e.subject_type == "complaint" => {
                        let item = svc::get(&services, &p, id).await.map(Complaint).map_err(top_level);
                        return Some((item, (rx, services, p)));
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return None,
                }
            }
        }))
    }
}
