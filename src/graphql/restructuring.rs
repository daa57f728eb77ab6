//! Delinquency notices and restructuring applications (R1–R13, R19, D1): types, queries,
//! mutations and the `applicationUpdates` subscription.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use entity::enums::{
    ApplicationStatus, CounterProposalResponse, DeadlineKind, DecisionKind, DocumentRequestStatus, HardshipGround,
    Language, NoticeChannel, NoticeSender, PropertyMeasure, RepaymentOrder, RestructuringMeasure, SubmissionChannel,
};
use entity::{decision, delinquency_notice, document_request, restructuring_application as application};
use futures_util::Stream;
use rust_decimal::Decimal;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use crate::error::ServiceError;
use crate::graphql::appeals::RegulatorAppeal;
use crate::graphql::connection::{TotalCount, after_uuid, first, from_page};
use crate::graphql::context::ContextExt;
use crate::graphql::errors::{not_found, payload, top_level};
use crate::graphql::escalations::Deadline;
use crate::graphql::ids::{Kind, decode, encode};
use crate::graphql::loaders::Loaders;
use crate::graphql::loans::{Borrower, Loan, loan_currency};
use crate::graphql::scalars::Date;
use crate::ids::{ApplicationId, LoanId};
use crate::money::{at_scale, opt_at_scale};
use crate::rules::restructuring::{self as rules, Deferral, PropertyTerms, Terms};
use crate::services::Range;
use crate::services::restructuring as svc;

/// R1: a delinquency notice.
pub struct DelinquencyNotice(pub delinquency_notice::Model);

/// R1: a delinquency notice.
#[Object]
impl DelinquencyNotice {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::Notice, self.0.id)
    }
    /// When it was sent (UTC instant); R1 is met if its local date is within 20 calendar days of the overdue
    /// date.
    async fn sent_at(&self) -> DateTime<Utc> {
        self.0.sent_at
    }
    /// How it reached the borrower (X1).
    async fn channel(&self) -> NoticeChannel {
        self.0.channel
    }
    /// The MFO, or the collection agency it engaged to deliver the notice.
    async fn sender(&self) -> NoticeSender {
        self.0.sender
    }
    /// The overdue episode the notice is about.
    async fn overdue_since(&self) -> Date {
        Date(self.0.overdue_since)
    }
    /// R1 content 1: the amount owed, in the loan's currency.
    async fn overdue_amount(&self, ctx: &Context<'_>) -> async_graphql::Result<Decimal> {
        Ok(at_scale(self.0.overdue_amount.0, loan_currency(ctx, self.0.loan_id).await?))
    }
    /// The local date the amount is stated as of (R1 content 1).
    async fn amount_as_of(&self) -> Date {
        Date(self.0.amount_as_of)
    }
    /// R1 content 2: it tells the borrower of the right to apply to the MFO (R2).
    async fn states_right_to_apply(&self) -> bool {
        self.0.states_right_to_apply
    }
    /// R1 content 3: it states the consequences of non-payment.
    async fn states_consequences(&self) -> bool {
        self.0.states_consequences
    }
    /// The notice's text, if recorded.
    async fn text(&self) -> Option<&str> {
        self.0.text.as_deref()
    }
}

/// R3: a legal fact that makes a late application inadmissible.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BlockingFact {
    /// A court act in force on the debt.
    CourtAct,
    /// A notary's enforcement inscription.
    EnforcementInscription,
    /// A settlement or mediation agreement on the debt.
    SettlementAgreement,
    /// The claim was assigned to a third party.
    ClaimAssigned,
}

/// R2/R3 as judged at receipt.
#[derive(SimpleObject)]
pub struct Admissibility {
    /// Whether the application is admissible: inside the R2 window of 30 calendar days from the overdue date,
    /// or after it with no R3 fact.
    pub admissible: bool,
    /// R2 inside the window (or not overdue), R3 after it.
    pub rule: String,
    /// The R3 facts that made a late application inadmissible (empty when admissible).
    pub facts: Vec<BlockingFact>,
    /// The overdue date the R2 window counts from (local date); null when nothing was overdue.
    pub overdue_since: Option<Date>,
    /// Calendar days from the overdue date to receipt.
    pub days_after_overdue: Option<i64>,
}

/// R19: a hardship ground the borrower states.
#[derive(SimpleObject, InputObject, Clone, Deserialize)]
#[graphql(input_name = "HardshipGroundInput")]
pub struct Ground {
    /// The ground (R19).
    pub ground: HardshipGround,
    /// Required for OTHER (R19).
    pub text: Option<String>,
}

/// R2: a measure the borrower asks for.
#[derive(SimpleObject, InputObject, Clone, Deserialize)]
#[graphql(input_name = "RequestedMeasureInput")]
pub struct RequestedMeasure {
    /// The measure (R2.1–R2.8, or OTHER).
    pub measure: RestructuringMeasure,
    /// Required for OTHER (R2).
    pub text: Option<String>,
}

/// A document's metadata (the file itself may come later).
#[derive(SimpleObject, InputObject, Clone, Deserialize)]
#[graphql(input_name = "DocumentInput")]
pub struct Document {
    /// What the document is (e.g. "income statement"), free text.
    pub kind: String,
    /// The file or document name.
    pub name: String,
    /// A checksum of the file, if the caller has one (e.g. SHA-256 hex).
    pub checksum: Option<String>,
}

/// R6: one document the MFO asks for.
#[derive(SimpleObject, InputObject, Clone, Deserialize)]
#[graphql(input_name = "RequestedDocumentInput")]
pub struct RequestedDocument {
    /// What document is missing (free text).
    pub kind: String,
    /// What exactly is needed, as the borrower is told.
    pub description: String,
}

/// R6: documents the MFO asked for.
pub struct DocumentRequest(pub document_request::Model);

/// R6: documents the MFO asked for.
#[Object]
impl DocumentRequest {
    /// The documents asked for.
    async fn items(&self) -> Vec<RequestedDocument> {
        serde_json::from_value(self.0.items.clone()).unwrap_or_default()
    }
    /// When the request was sent to the borrower (UTC instant); R6's 5 business days count from its local
    /// date.
    async fn requested_at(&self) -> DateTime<Utc> {
        self.0.requested_at
    }
    /// The last of the five business days the borrower has (R6).
    async fn due_date(&self) -> Date {
        Date(self.0.due_date)
    }
    /// Open, provided or lapsed (R6).
    async fn status(&self) -> DocumentRequestStatus {
        self.0.status
    }
    /// When the borrower provided them (UTC instant).
    async fn provided_at(&self) -> Option<DateTime<Utc>> {
        self.0.provided_at
    }
}

/// A notice the MFO sent the borrower automatically (R6).
#[derive(SimpleObject, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BorrowerNotice {
    /// How the notice was sent (e.g. "MOBILE_APP").
    pub channel: String,
    /// What the borrower was told.
    pub text: String,
    /// When it was sent (UTC instant).
    pub sent_at: DateTime<Utc>,
}

/// R2.2: a deferral of payments.
#[derive(SimpleObject, InputObject, Clone, Copy)]
#[graphql(input_name = "DeferralInput")]
pub struct DeferralTerms {
    /// Months of deferral (whole calendar months).
    pub months: u32,
    /// Interest is deferred too (otherwise it is paid monthly during the deferral).
    #[graphql(default)]
    pub interest_too: bool,
}

/// R2.6–R2.8: the terms of a measure concerning mortgaged property.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "PropertyTermsInput")]
pub struct PropertyMeasureTerms {
    /// Which property measure.
    pub measure: PropertyMeasure,
    /// The agreed local date by which it is to be completed.
    pub complete_by: Date,
    /// Further terms, free text.
    pub note: Option<String>,
}

/// R2's measures as agreed or proposed.
#[derive(SimpleObject, InputObject, Clone, Default)]
#[graphql(input_name = "RestructuringTermsInput")]
pub struct RestructuringTerms {
    /// R2.1: the new annual rate as a fraction.
    pub new_annual_rate: Option<Decimal>,
    /// R2.2: a deferral of principal (and interest, if `interestToo`).
    pub deferral: Option<DeferralTerms>,
    /// R2.3: the new order in which payments are applied.
    pub repayment_order: Option<RepaymentOrder>,
    /// R2.4: months of the new schedule from the change.
    pub new_term_months: Option<u32>,
    /// R2.5: overdue principal forgiven, in the loan's currency (0 for none).
    #[graphql(default)]
    pub forgive_overdue_principal: Decimal,
    /// R2.5: overdue interest forgiven, in the loan's currency (0 for none).
    #[graphql(default)]
    pub forgive_overdue_interest: Decimal,
    /// R2.5: penalties cancelled.
    #[graphql(default)]
    pub cancel_penalties: bool,
    /// R2.6–R2.8: a measure concerning mortgaged property and its terms.
    pub property: Option<PropertyMeasureTerms>,
}

impl From<RestructuringTerms> for Terms {
    fn from(t: RestructuringTerms) -> Self {
        Terms {
            new_annual_rate: t.new_annual_rate,
            deferral: t.deferral.map(|d| Deferral { months: d.months, interest_too: d.interest_too }),
            repayment_order: t.repayment_order,
            new_term_months: t.new_term_months,
            forgive_overdue_principal: t.forgive_overdue_principal,
            forgive_overdue_interest: t.forgive_overdue_interest,
            cancel_penalties: t.cancel_penalties,
            property: t.property.map(|p| PropertyTerms {
                measure: p.measure,
                complete_by: p.complete_by.0,
                note: p.note,
            }),
        }
    }
}

impl From<Terms> for RestructuringTerms {
    fn from(t: Terms) -> Self {
        RestructuringTerms {
            new_annual_rate: t.new_annual_rate,
            deferral: t.deferral.map(|d| DeferralTerms { months: d.months, interest_too: d.interest_too }),
            repayment_order: t.repayment_order,
            new_term_months: t.new_term_months,
            forgive_overdue_principal: t.forgive_overdue_principal,
            forgive_overdue_interest: t.forgive_overdue_interest,
            cancel_penalties: t.cancel_penalties,
            property: t.property.map(|p| PropertyMeasureTerms {
                measure: p.measure,
                complete_by: Date(p.complete_by),
                note: p.note,
            }),
        }
    }
}

/// R7/R10: the debt-burden ratios the decision was checked with (NBK resolution No. 215:
/// monthly debt payments over monthly income), like for like: both sides spread the same
/// outstanding balance, arrears included, over the same remaining months, "before" under
/// the terms in force and "after" under the new ones. A schedule's monthly payment is its
/// heaviest calendar month (principal plus interest) from the decision's local date on.
/// The borrower's declared other monthly debt payments count on both sides.
#[derive(SimpleObject)]
pub struct DebtBurden {
    /// Ratio under the terms in force: (monthlyPaymentBefore + other payments) / income.
    pub before: Decimal,
    /// Ratio under the new terms: (monthlyPaymentAfter + other payments) / income.
    pub after: Decimal,
    /// The limit in force (NBK resolution No. 215).
    pub limit: Decimal,
    /// R10: the new terms' monthly payment is lower than what the terms in force give for
    /// the same balance and months.
    pub lowered: bool,
    /// R7: the ratio after the change is within the limit in force.
    pub within_limit: bool,
    /// R7: the monthly payment the terms in force give for the same balance, arrears
    /// included, and the same remaining months, in the loan's currency (null for decisions
    /// signed before it was recorded).
    pub monthly_payment_before: Option<Decimal>,
    /// R7: the monthly payment of the new schedule, in the loan's currency.
    pub monthly_payment_after: Option<Decimal>,
}

/// D1: the refusal letter.
#[derive(SimpleObject)]
pub struct RefusalLetter {
    /// The letter's language: Russian, or Kazakh for an application in Kazakh.
    pub language: Language,
    /// The letter with every D1 particular: borrower's name and address, creditor, application date and
    /// incoming number, contract number and date, motivated reason, authorised person.
    pub text: String,
}

/// R8: the MFO's answer.
pub struct Decision(pub decision::Model);

impl Decision {
    /// The currency of the loan the decision is about (its amounts come back at its scale).
    async fn currency(&self, ctx: &Context<'_>) -> async_graphql::Result<entity::enums::Currency> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let application = loaders.applications.load_one(self.0.application_id).await?.ok_or_else(not_found)?;
        loan_currency(ctx, application.loan_id).await
    }
}

/// R8: the MFO's answer.
#[Object]
impl Decision {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::Decision, self.0.id)
    }
    /// Agreement, counter-proposal or refusal (R8).
    async fn kind(&self) -> DecisionKind {
        self.0.kind
    }
    /// A refusal drafted for an inadmissible application, waiting for the manager's signature.
    async fn draft(&self) -> bool {
        self.0.draft
    }
    /// The agreed or proposed terms (APPROVE, COUNTER_PROPOSAL); amounts at the loan's
    /// currency's scale.
    async fn terms(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<RestructuringTerms>> {
        let Some(terms) = self.0.terms.clone().and_then(|t| serde_json::from_value::<Terms>(t).ok()) else {
            return Ok(None);
        };
        let currency = self.currency(ctx).await?;
        let mut out = RestructuringTerms::from(terms);
        out.forgive_overdue_principal = at_scale(out.forgive_overdue_principal, currency);
        out.forgive_overdue_interest = at_scale(out.forgive_overdue_interest, currency);
        Ok(Some(out))
    }
    /// The motivated reasons of a refusal (R8.3, D1).
    async fn reasons(&self) -> Option<&str> {
        self.0.reasons.as_deref()
    }
    /// Who signed it (an MFO_MANAGER); null for an unsigned draft.
    async fn signatory_name(&self) -> Option<&str> {
        self.0.signatory_name.as_deref()
    }
    /// The signatory's position.
    async fn signatory_position(&self) -> Option<&str> {
        self.0.signatory_position.as_deref()
    }
    /// When it was signed (UTC instant); R8 is met if on or before the due date (local); R11's 15 calendar
    /// days count from it.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    /// When the borrower received it (R12, R13, R15 count from here).
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
    /// R7/R10: the debt-burden check the terms passed; null for a refusal.
    async fn debt_burden(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<DebtBurden>> {
        let (Some(before), Some(after), Some(limit)) = (self.0.burden_before, self.0.burden_after, self.0.burden_limit)
        else {
            return Ok(None);
        };
        let currency = self.currency(ctx).await?;
        Ok(Some(DebtBurden {
            before: before.0,
            after: after.0,
            limit: limit.0,
            lowered: crate::rules::restructuring::lowers_burden(
                self.0.burden_payment_before.zip(self.0.burden_payment_after).map(|(b, a)| (b.0, a.0)),
                (before.0, after.0),
            ),
            within_limit: crate::rules::restructuring::within_burden_limit(after.0, limit.0),
            monthly_payment_before: opt_at_scale(self.0.burden_payment_before.map(|d| d.0), currency),
            monthly_payment_after: opt_at_scale(self.0.burden_payment_after.map(|d| d.0), currency),
        }))
    }
    /// R12: the reply date the counter-proposal gives.
    async fn reply_by(&self) -> Option<Date> {
        self.0.reply_by.map(Date)
    }
    /// The borrower's answer to a counter-proposal (R12).
    async fn response(&self) -> Option<CounterProposalResponse> {
        self.0.response
    }
    /// When the borrower answered (UTC instant).
    async fn responded_at(&self) -> Option<DateTime<Utc>> {
        self.0.responded_at
    }
    /// When the agreed changes were made to the loan (R11; UTC instant).
    async fn implemented_at(&self) -> Option<DateTime<Utc>> {
        self.0.implemented_at
    }
    /// D1: the letter of a refusal, in Russian, or Kazakh for an application in Kazakh.
    async fn refusal_letter(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<RefusalLetter>> {
        if self.0.kind != DecisionKind::Refuse {
            return Ok(None);
        }
        let loaders = ctx.data_unchecked::<Loaders>();
        let application = loaders.applications.load_one(self.0.application_id).await?.ok_or_else(not_found)?;
        let (loan, borrower, mfo) = futures_util::try_join!(
            loaders.loans.load_one(application.loan_id),
            loaders.borrowers.load_one(application.borrower_id),
            loaders.organizations.load_one(application.mfo_id),
        )?;
        let (Some(loan), Some(borrower), Some(mfo)) = (loan, borrower, mfo) else { return Err(not_found()) };
        let records = svc::LetterRecords {
            decision: &self.0,
            application: &application,
            loan: &loan,
            borrower: &borrower,
            mfo: &mfo,
        };
        Ok(svc::refusal_letter(&records).map(|(language, text)| RefusalLetter { language, text }))
    }
}

/// R2–R13: a borrower's application for restructuring. Visible to the borrower, the MFO's staff and managers,
/// and the regulator of its jurisdiction.
#[derive(Clone)]
pub struct RestructuringApplication(pub application::Model);

/// R2–R13: a borrower's application for restructuring. Visible to the borrower, the MFO's staff and managers,
/// and the regulator of its jurisdiction.
#[Object]
impl RestructuringApplication {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::Application, self.0.id)
    }
    /// The MFO's incoming number (R5), e.g. `R-2026/000012`.
    async fn incoming_number(&self) -> String {
        rules::incoming_number(self.0.incoming_year, self.0.incoming_seq)
    }
    /// When it reached the MFO (UTC instant); R8's 15 calendar days and R2's 30 count from its local date.
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.received_at
    }
    /// The date on the application (local date).
    async fn application_date(&self) -> Date {
        Date(self.0.application_date)
    }
    /// Its language; the D1 letter follows it.
    async fn language(&self) -> Language {
        self.0.language
    }
    /// How it reached the MFO (R2).
    async fn channel(&self) -> SubmissionChannel {
        self.0.channel
    }
    /// Where it stands (R5–R13).
    async fn status(&self) -> ApplicationStatus {
        self.0.status
    }
    /// R2/R3 as judged at receipt.
    async fn admissibility(&self) -> Admissibility {
        let facts: Vec<BlockingFact> =
            self.0.inadmissible_facts.clone().and_then(|f| serde_json::from_value(f).ok()).unwrap_or_default();
        Admissibility {
            admissible: self.0.admissible,
            rule: self.0.admissibility_rule.clone(),
            facts,
            overdue_since: self.0.overdue_since.map(Date),
            days_after_overdue: svc::days_after_overdue(&self.0),
        }
    }
    /// The hardship grounds stated (R19).
    async fn grounds(&self) -> Vec<Ground> {
        serde_json::from_value(self.0.grounds.clone()).unwrap_or_default()
    }
    /// The measures asked for (R2).
    async fn requested_measures(&self) -> Vec<RequestedMeasure> {
        serde_json::from_value(self.0.requested_measures.clone()).unwrap_or_default()
    }
    /// The borrower's declared monthly income, in the loan's currency (R2, R7).
    async fn monthly_income(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Decimal>> {
        Ok(opt_at_scale(self.0.monthly_income.map(|m| m.0), loan_currency(ctx, self.0.loan_id).await?))
    }
    /// The borrower's declared monthly payments on other debts, in the loan's currency (R7; 0 if none).
    async fn other_monthly_debt_payments(&self, ctx: &Context<'_>) -> async_graphql::Result<Decimal> {
        Ok(at_scale(self.0.other_monthly_debt_payments.0, loan_currency(ctx, self.0.loan_id).await?))
    }
    /// The borrower's account of their circumstances (R2, R10).
    async fn circumstances(&self) -> Option<&str> {
        self.0.circumstances.as_deref()
    }
    /// Documents submitted with it or later (R2, R6).
    async fn documents(&self) -> Vec<Document> {
        serde_json::from_value(self.0.documents.clone()).unwrap_or_default()
    }
    /// The MFO's requests for missing documents (R6), oldest first.
    async fn document_requests(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<DocumentRequest>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders
            .document_requests
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(DocumentRequest)
            .collect())
    }
    /// The last notice sent to the borrower automatically (e.g. left without review, R6).
    async fn borrower_notice(&self) -> Option<BorrowerNotice> {
        self.0.borrower_notice.clone().and_then(|n| serde_json::from_value(n).ok())
    }
    /// The MFO's decision (R8), once there is one.
    async fn decision(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Decision>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders.decisions.load_one(self.0.id).await?.map(Decision))
    }
    /// R8: the last day of the 15 calendar days the MFO has to answer.
    async fn decision_due_date(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Date>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let deadlines = loaders.deadlines.load_one(self.0.id).await?.unwrap_or_default();
        Ok(deadlines.iter().find(|d| d.kind == DeadlineKind::ApplicationDecision).map(|d| Date(d.due_date)))
    }
    /// The timed duties on it (R6, R8, R11, R13).
    async fn deadlines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Deadline>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders.deadlines.load_one(self.0.id).await?.unwrap_or_default().into_iter().map(Deadline).collect())
    }
    /// Appeals to the regulator about it (R15).
    async fn appeals(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RegulatorAppeal>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders.appeals.load_one(self.0.id).await?.unwrap_or_default().into_iter().map(RegulatorAppeal).collect())
    }
    /// The loan it is about.
    async fn loan(&self, ctx: &Context<'_>) -> async_graphql::Result<Loan> {
        let loaders = ctx.data_unchecked::<Loaders>();
        // Read through the application's own scope: whoever sees it sees its loan.
        let rows = loaders.loans.load_one(self.0.loan_id).await?;
        rows.map(Loan).ok_or_else(not_found)
    }
    /// The borrower who applied.
    async fn borrower(&self, ctx: &Context<'_>) -> async_graphql::Result<Borrower> {
        let loaders = ctx.data_unchecked::<Loaders>();
        loaders.borrowers.load_one(self.0.borrower_id).await?.map(Borrower).ok_or_else(not_found)
    }
}

/// Narrows `restructuringApplications`; every field given must match.
#[derive(InputObject, Default)]
pub struct ApplicationFilter {
    /// Only applications in this status.
    pub status: Option<ApplicationStatus>,
    /// Only those about this loan (global ID).
    pub loan_id: Option<ID>,
    /// Only applications received at or after this instant (UTC; `receivedAt`, when the
    /// application reached the MFO, R5). Half-open with `to`: `[from, to)`.
    pub from: Option<DateTime<Utc>>,
    /// Only applications received before this instant (UTC, exclusive).
    pub to: Option<DateTime<Utc>>,
    /// Only applications (their documents and decision included) created or changed at or after this instant (UTC):
    /// for a sync that re-reads what changed since its last run (`changes` lists the
    /// changes themselves).
    /// At most `MFO_CHANGE_RETENTION_DAYS` back (30 by default); older: BAD_USER_INPUT.
    pub updated_after: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct RestructuringQuery;

#[Object]
impl RestructuringQuery {
    /// Applications the caller may see: a borrower their own, staff their MFO's, a
    /// regulator its jurisdiction's. Stable order: by id, i.e. in the order they were
    /// submitted (ids are UUIDv7), oldest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn restructuring_applications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only applications matching every field given.")] filter: Option<ApplicationFilter>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<crate::graphql::connection::Page<RestructuringApplication>> {
        let p = ctx.principal()?;
        let limit = self::first(first)?;
        let had_cursor = after.is_some();
        let after = after_uuid(after)?;
        let f = filter.unwrap_or_default();
        let f = svc::ApplicationFilter {
            status: f.status,
            loan_id: f.loan_id.as_ref().map(|l| decode(l, Kind::Loan).map(LoanId)).transpose()?,
            received: Range { from: f.from, to: f.to },
            updated_after: f.updated_after,
        };
        let page = svc::list(ctx.services(), p, &f, after, limit).await.map_err(top_level)?;
        ctx.data_unchecked::<Loaders>().prefetch_applications(&ctx.look_ahead(), &page.items).await?;
        let total = TotalCount::of(ctx.services(), p, f, |c, p, f| async move { svc::count(&c, &p, &f).await });
        Ok(from_page(page, had_cursor, |a| a.id, RestructuringApplication, total))
    }

    /// One application by global ID; NOT_FOUND when missing or outside the caller's scope (as
    /// `restructuringApplications`).
    async fn restructuring_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application's global ID.")] id: ID,
    ) -> async_graphql::Result<Option<RestructuringApplication>> {
        let p = ctx.principal()?;
        let id = ApplicationId(decode(&id, Kind::Application)?);
        svc::get(ctx.services(), p, id).await.map(|a| Some(RestructuringApplication(a))).map_err(top_level)
    }
}

/// R1: a notice sent about a loan's overdue. MFO staff and managers, or the agency the loan is handed to.
#[derive(InputObject)]
pub struct RecordDelinquencyNoticeInput {
    /// The loan's global ID.
    pub loan_id: ID,
    /// When it was sent (UTC instant); not in the future.
    pub sent_at: DateTime<Utc>,
    /// How it was sent (X1).
    pub channel: NoticeChannel,
    /// R1 content 1: the overdue amount owed, in the loan's currency (as of `amountAsOf`).
    pub overdue_amount: Option<Decimal>,
    /// The local date `overdueAmount` is stated as of (R1 content 1).
    pub amount_as_of: Option<Date>,
    /// R1 content 2: the notice tells the borrower of the right to apply to the MFO (R2).
    #[graphql(default)]
    pub states_right_to_apply: bool,
    /// R1 content 3: the notice states the consequences of non-payment.
    #[graphql(default)]
    pub states_consequences: bool,
    /// The notice's text, if it is to be kept.
    pub text: Option<String>,
}

payload!(
    /// The recorded R1 notice, or why it was refused.
    DelinquencyNoticePayload { notice: DelinquencyNotice });

/// R2: an application for restructuring. A borrower from the app (their own loan), or MFO staff and managers
/// entering a paper one.
#[derive(InputObject)]
pub struct SubmitRestructuringApplicationInput {
    /// Required from the mobile app: a retry with the same id returns the first result.
    pub client_submission_id: Option<Uuid>,
    /// The loan's global ID.
    pub loan_id: ID,
    /// How it reached the MFO (R2; the app is MOBILE_APP).
    #[graphql(default_with = "SubmissionChannel::MobileApp")]
    pub channel: SubmissionChannel,
    /// The application's language.
    #[graphql(default_with = "Language::Ru")]
    pub language: Language,
    /// The date on the application, if not the day it is received.
    pub application_date: Option<Date>,
    /// Hardship grounds (R19); OTHER needs a text.
    #[graphql(default)]
    pub grounds: Vec<Ground>,
    /// One or more measures asked for (R2); OTHER needs a text.
    #[graphql(default)]
    pub requested_measures: Vec<RequestedMeasure>,
    /// Declared monthly income, in the loan's currency (R2, R7); at the currency's scale.
    pub monthly_income: Option<Decimal>,
    /// Declared monthly payments on other debts, in the loan's currency (R7); 0 when omitted.
    pub other_monthly_debt_payments: Option<Decimal>,
    /// The borrower's account of the circumstances (R2).
    pub circumstances: Option<String>,
    /// Documents submitted with it (R2).
    #[graphql(default)]
    pub documents: Vec<Document>,
    /// When the application reached the MFO (by post, at a branch), if it is entered
    /// later; defaults to now. R8's 15 calendar days and R2/R3's day count run from it, in
    /// the jurisdiction's local time. Not in the future, not before the loan's contract
    /// date (userErrors INVALID with rule R8). Ignored from the mobile app (BORROWER),
    /// whose submissions are received when sent.
    pub received_at: Option<DateTime<Utc>>,
}

payload!(
    /// The application after the mutation (R2–R13), or why it was refused.
    RestructuringApplicationPayload { application: RestructuringApplication });

fn application_payload(
    r: Result<application::Model, ServiceError>,
) -> async_graphql::Result<RestructuringApplicationPayload> {
    RestructuringApplicationPayload::from_result(r.map(RestructuringApplication))
}

/// R6: documents the MFO asks for.
#[derive(InputObject)]
pub struct RequestApplicationDocumentsInput {
    /// The application's global ID.
    pub application_id: ID,
    /// What is missing (at least one).
    pub items: Vec<RequestedDocument>,
    /// When the request was sent to the borrower, if it is recorded later; defaults to
    /// now. R6's 5 business days run from its local date. Not in the future, not before
    /// the application was received (userErrors INVALID with rule R6).
    pub sent_at: Option<DateTime<Utc>>,
}

/// R6: documents the borrower provides.
#[derive(InputObject)]
pub struct ProvideApplicationDocumentsInput {
    /// The application's global ID.
    pub application_id: ID,
    /// The documents provided.
    pub documents: Vec<Document>,
}

/// R8, D1: who signs the decision (the authorised person).
#[derive(InputObject)]
pub struct DecisionSignatoryInput {
    /// The signatory's full name.
    pub full_name: String,
    /// The signatory's position.
    pub position: Option<String>,
}

/// R8: the manager's decision on an application.
#[derive(InputObject)]
pub struct DecideRestructuringApplicationInput {
    /// The application's global ID.
    pub application_id: ID,
    /// Agreement, counter-proposal or refusal.
    pub decision: DecisionKind,
    /// For APPROVE and COUNTER_PROPOSAL.
    pub terms: Option<RestructuringTerms>,
    /// Required for REFUSE: the motivated reasons (D1).
    pub reasons: Option<String>,
    /// Who signs it (D1).
    pub signatory: DecisionSignatoryInput,
    /// COUNTER_PROPOSAL: the reply date, at least 15 calendar days after receipt (R12).
    pub reply_by: Option<Date>,
    /// When the borrower received the decision (defaults to now: the app delivers at once).
    pub delivered_at: Option<DateTime<Utc>>,
}

/// R12: the borrower's answer to a counter-proposal.
#[derive(InputObject)]
pub struct RespondToCounterProposalInput {
    /// The application's global ID.
    pub application_id: ID,
    /// Accept or reject.
    pub response: CounterProposalResponse,
}

/// Names one application.
#[derive(InputObject)]
pub struct ApplicationRefInput {
    /// The application's global ID.
    pub application_id: ID,
}

fn app_id(id: &ID) -> async_graphql::Result<ApplicationId> {
    decode(id, Kind::Application).map(ApplicationId)
}

#[derive(Default)]
pub struct RestructuringMutation;

#[Object]
impl RestructuringMutation {
    /// R1: records a delinquency notice with its three contents (MFO staff or the agency
    /// working the loan).
    async fn record_delinquency_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice and its three R1 contents.")] input: RecordDelinquencyNoticeInput,
    ) -> async_graphql::Result<DelinquencyNoticePayload> {
        let p = ctx.principal()?;
        let input = svc::NoticeInput {
            loan_id: LoanId(decode(&input.loan_id, Kind::Loan)?),
            sent_at: input.sent_at,
            channel: input.channel,
            overdue_amount: input.overdue_amount,
            amount_as_of: input.amount_as_of.map(|d| d.0),
            states_right_to_apply: input.states_right_to_apply,
            states_consequences: input.states_consequences,
            text: input.text,
        };
        DelinquencyNoticePayload::from_result(svc::record_notice(ctx.services(), p, input).await.map(DelinquencyNotice))
    }

    /// R2, R5, R19: submits an application; it is always registered with an incoming
    /// number, and a 15-day decision deadline opens (R8), counted from `receivedAt`.
    async fn submit_restructuring_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application; retried safely with the same `clientSubmissionId`.")]
        input: SubmitRestructuringApplicationInput,
    ) -> async_graphql::Result<RestructuringApplicationPayload> {
        let p = ctx.principal()?;
        let input = svc::SubmitInput {
            client_submission_id: input.client_submission_id,
            loan_id: LoanId(decode(&input.loan_id, Kind::Loan)?),
            channel: input.channel,
            language: input.language,
            application_date: input.application_date.map(|d| d.0),
            grounds: input.grounds.into_iter().map(|g| svc::GroundInput { ground: g.ground, text: g.text }).collect(),
            requested_measures: input
                .requested_measures
                .into_iter()
                .map(|m| svc::MeasureInput { measure: m.measure, text: m.text })
                .collect(),
            monthly_income: input.monthly_income,
            other_monthly_debt_payments: input.other_monthly_debt_payments,
            circumstances: input.circumstances,
            documents: input
                .documents
                .into_iter()
                .map(|d| svc::DocumentInput { kind: d.kind, name: d.name, checksum: d.checksum })
                .collect(),
            received_at: input.received_at,
        };
        application_payload(svc::submit(ctx.services(), p, input).await)
    }

    /// R6: asks for missing documents; the borrower has five business days from the
    /// request's sending (`sentAt`).
    async fn request_application_documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which application and what is missing.")] input: RequestApplicationDocumentsInput,
    ) -> async_graphql::Result<RestructuringApplicationPayload> {
        let p = ctx.principal()?;
        let items =
            input.items.into_iter().map(|i| svc::RequestedItem { kind: i.kind, description: i.description }).collect();
        let id = app_id(&input.application_id)?;
        application_payload(svc::request_documents(ctx.services(), p, id, items, input.sent_at).await)
    }

    /// R6: provides the requested documents.
    async fn provide_application_documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which application and the documents.")] input: ProvideApplicationDocumentsInput,
    ) -> async_graphql::Result<RestructuringApplicationPayload> {
        let p = ctx.principal()?;
        let docs = input
            .documents
            .into_iter()
            .map(|d| svc::DocumentInput { kind: d.kind, name: d.name, checksum: d.checksum })
            .collect();
        application_payload(svc::provide_documents(ctx.services(), p, app_id(&input.application_id)?, docs).await)
    }

    /// R8: the manager's decision. Terms must lower the debt burden (R7, R10); a
    /// counter-proposal gives at least 15 days to reply (R12); a refusal is motivated (D1).
    async fn decide_restructuring_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The decision, its terms or reasons, and the signatory.")]
        input: DecideRestructuringApplicationInput,
    ) -> async_graphql::Result<RestructuringApplicationPayload> {
        let p = ctx.principal()?;
        let id = app_id(&input.application_id)?;
        let d = svc::DecideInput {
            kind: input.decision,
            terms: input.terms.map(Into::into),
            reasons: input.reasons,
            signatory_name: input.signatory.full_name,
            signatory_position: input.signatory.position,
            reply_by: input.reply_by.map(|d| d.0),
            delivered_at: input.delivered_at,
        };
        application_payload(svc::decide(ctx.services(), p, id, d).await.map(|d| d.application))
    }

    /// R12: the borrower accepts or rejects the MFO's counter-proposal.
    async fn respond_to_counter_proposal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which application and the borrower's answer.")] input: RespondToCounterProposalInput,
    ) -> async_graphql::Result<RestructuringApplicationPayload> {
        let p = ctx.principal()?;
        application_payload(svc::respond(ctx.services(), p, app_id(&input.application_id)?, input.response).await)
    }

    /// R11: applies the agreed terms to the loan (a new schedule).
    async fn mark_decision_implemented(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which application (its decision must be agreed: APPROVED or AGREED).")]
        input: ApplicationRefInput,
    ) -> async_graphql::Result<RestructuringApplicationPayload> {
        let p = ctx.principal()?;
        application_payload(svc::implement(ctx.services(), p, app_id(&input.application_id)?).await)
    }

    /// The borrower withdraws an application not yet decided.
    async fn withdraw_restructuring_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which application (the borrower's own).")] input: ApplicationRefInput,
    ) -> async_graphql::Result<RestructuringApplicationPayload> {
        let p = ctx.principal()?;
        application_payload(svc::withdraw(ctx.services(), p, app_id(&input.application_id)?).await)
    }
}

#[derive(Default)]
pub struct RestructuringSubscription;

#[Subscription]
impl RestructuringSubscription {
    /// The application each time it changes.
    async fn application_updates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application's global ID; scoped like `restructuringApplication(id:)`.")]
        application_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<RestructuringApplication>>> {
        let p = ctx.principal()?.clone();
        let services = ctx.services().clone();
        let id = app_id(&application_id)?;
        svc::get(&services, &p, id).await.map_err(top_level)?;
        let rx = services.broker.subscribe();
        Ok(futures_util::stream::unfold((rx, services, p), move |(mut rx, services, p)| async move {
            loop {
                match rx.recv().await {
                    Ok(e) if e.subject_id == id.0 && e.subject_type == "application" => {
                        let item = svc::get(&services, &p, id).await.map(RestructuringApplication).map_err(top_level);
                        return Some((item, (rx, services, p)));
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return None,
                }
            }
        }))
    }
}
