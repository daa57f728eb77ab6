//! Delinquency notices and restructuring applications (R1–R13, R19, D1): types, queries,
//! mutations and the `applicationUpdates` subscription.

use async_graphql::connection::Connection;
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
use crate::graphql::connection::{after_uuid, first, from_page};
use crate::graphql::context::ContextExt;
use crate::graphql::errors::{not_found, payload, top_level};
use crate::graphql::escalations::Deadline;
use crate::graphql::ids::{Kind, decode, encode};
use crate::graphql::loaders::Loaders;
use crate::graphql::loans::{Borrower, Loan};
use crate::graphql::scalars::Date;
use crate::ids::{ApplicationId, LoanId};
use crate::rules::restructuring::{self as rules, Deferral, PropertyTerms, Terms};
use crate::services::restructuring as svc;

/// R1: a delinquency notice.
pub struct DelinquencyNotice(pub delinquency_notice::Model);

#[Object]
impl DelinquencyNotice {
    pub async fn id(&self) -> ID {
        encode(Kind::Notice, self.0.id)
    }
    async fn sent_at(&self) -> DateTime<Utc> {
        self.0.sent_at
    }
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
    async fn overdue_amount(&self) -> Decimal {
        self.0.overdue_amount.0
    }
    async fn amount_as_of(&self) -> Date {
        Date(self.0.amount_as_of)
    }
    async fn states_right_to_apply(&self) -> bool {
        self.0.states_right_to_apply
    }
    async fn states_consequences(&self) -> bool {
        self.0.states_consequences
    }
    async fn text(&self) -> Option<&str> {
        self.0.text.as_deref()
    }
}

/// R3: a legal fact that makes a late application inadmissible.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BlockingFact {
    CourtAct,
    EnforcementInscription,
    SettlementAgreement,
    ClaimAssigned,
}

/// R2/R3 as judged at receipt.
#[derive(SimpleObject)]
pub struct Admissibility {
    pub admissible: bool,
    /// R2 inside the window (or not overdue), R3 after it.
    pub rule: String,
    pub facts: Vec<BlockingFact>,
    pub overdue_since: Option<Date>,
    /// Calendar days from the overdue date to receipt.
    pub days_after_overdue: Option<i64>,
}

#[derive(SimpleObject, InputObject, Clone, Deserialize)]
#[graphql(input_name = "HardshipGroundInput")]
pub struct Ground {
    pub ground: HardshipGround,
    /// Required for OTHER (R19).
    pub text: Option<String>,
}

#[derive(SimpleObject, InputObject, Clone, Deserialize)]
#[graphql(input_name = "RequestedMeasureInput")]
pub struct RequestedMeasure {
    pub measure: RestructuringMeasure,
    /// Required for OTHER (R2).
    pub text: Option<String>,
}

/// A document's metadata (the file itself may come later).
#[derive(SimpleObject, InputObject, Clone, Deserialize)]
#[graphql(input_name = "DocumentInput")]
pub struct Document {
    pub kind: String,
    pub name: String,
    pub checksum: Option<String>,
}

#[derive(SimpleObject, InputObject, Clone, Deserialize)]
#[graphql(input_name = "RequestedDocumentInput")]
pub struct RequestedDocument {
    pub kind: String,
    pub description: String,
}

/// R6: documents the MFO asked for.
pub struct DocumentRequest(pub document_request::Model);

#[Object]
impl DocumentRequest {
    async fn items(&self) -> Vec<RequestedDocument> {
        serde_json::from_value(self.0.items.clone()).unwrap_or_default()
    }
    async fn requested_at(&self) -> DateTime<Utc> {
        self.0.requested_at
    }
    /// The last of the five business days the borrower has (R6).
    async fn due_date(&self) -> Date {
        Date(self.0.due_date)
    }
    async fn status(&self) -> DocumentRequestStatus {
        self.0.status
    }
    async fn provided_at(&self) -> Option<DateTime<Utc>> {
        self.0.provided_at
    }
}

/// A notice the MFO sent the borrower automatically (R6).
#[derive(SimpleObject, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BorrowerNotice {
    pub channel: String,
    pub text: String,
    pub sent_at: DateTime<Utc>,
}

#[derive(SimpleObject, InputObject, Clone, Copy)]
#[graphql(input_name = "DeferralInput")]
pub struct DeferralTerms {
    pub months: u32,
    /// Interest is deferred too (otherwise it is paid monthly during the deferral).
    #[graphql(default)]
    pub interest_too: bool,
}

#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "PropertyTermsInput")]
pub struct PropertyMeasureTerms {
    pub measure: PropertyMeasure,
    pub complete_by: Date,
    pub note: Option<String>,
}

/// R2's measures as agreed or proposed.
#[derive(SimpleObject, InputObject, Clone, Default)]
#[graphql(input_name = "RestructuringTermsInput")]
pub struct RestructuringTerms {
    /// R2.1: the new annual rate as a fraction.
    pub new_annual_rate: Option<Decimal>,
    /// R2.2
    pub deferral: Option<DeferralTerms>,
    /// R2.3
    pub repayment_order: Option<RepaymentOrder>,
    /// R2.4: months of the new schedule from the change.
    pub new_term_months: Option<u32>,
    /// R2.5
    #[graphql(default)]
    pub forgive_overdue_principal: Decimal,
    #[graphql(default)]
    pub forgive_overdue_interest: Decimal,
    #[graphql(default)]
    pub cancel_penalties: bool,
    /// R2.6–8
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
/// monthly debt payments over monthly income). A schedule's monthly payment is its
/// heaviest calendar month (installments as scheduled, principal plus interest) from the
/// decision's local date on; arrears are not a monthly payment. The borrower's declared
/// other monthly debt payments count on both sides.
#[derive(SimpleObject)]
pub struct DebtBurden {
    /// Ratio under the schedule in force: (monthlyPaymentBefore + other payments) / income.
    pub before: Decimal,
    /// Ratio under the new schedule: (monthlyPaymentAfter + other payments) / income.
    pub after: Decimal,
    /// The limit in force (NBK resolution No. 215).
    pub limit: Decimal,
    /// R10: the new monthly payment is lower than the one in force.
    pub lowered: bool,
    pub within_limit: bool,
    /// R7: the monthly payment of the schedule in force, in the loan's currency (null for
    /// decisions signed before it was recorded).
    pub monthly_payment_before: Option<Decimal>,
    /// R7: the monthly payment of the new schedule, in the loan's currency.
    pub monthly_payment_after: Option<Decimal>,
}

/// D1: the refusal letter.
#[derive(SimpleObject)]
pub struct RefusalLetter {
    pub language: Language,
    pub text: String,
}

/// R8: the MFO's answer.
pub struct Decision(pub decision::Model);

#[Object]
impl Decision {
    pub async fn id(&self) -> ID {
        encode(Kind::Decision, self.0.id)
    }
    async fn kind(&self) -> DecisionKind {
        self.0.kind
    }
    /// A refusal drafted for an inadmissible application, waiting for the manager's signature.
    async fn draft(&self) -> bool {
        self.0.draft
    }
    async fn terms(&self) -> Option<RestructuringTerms> {
        self.0.terms.clone().and_then(|t| serde_json::from_value::<Terms>(t).ok()).map(Into::into)
    }
    async fn reasons(&self) -> Option<&str> {
        self.0.reasons.as_deref()
    }
    async fn signatory_name(&self) -> Option<&str> {
        self.0.signatory_name.as_deref()
    }
    async fn signatory_position(&self) -> Option<&str> {
        self.0.signatory_position.as_deref()
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    /// When the borrower received it (R12, R13, R15 count from here).
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
    async fn debt_burden(&self) -> Option<DebtBurden> {
        let (before, after, limit) = (self.0.burden_before?, self.0.burden_after?, self.0.burden_limit?);
        Some(DebtBurden {
            before: before.0,
            after: after.0,
            limit: limit.0,
            lowered: crate::rules::restructuring::lowers_burden(
                self.0.burden_payment_before.zip(self.0.burden_payment_after).map(|(b, a)| (b.0, a.0)),
                (before.0, after.0),
            ),
            within_limit: crate::rules::restructuring::within_burden_limit(after.0, limit.0),
            monthly_payment_before: self.0.burden_payment_before.map(|d| d.0),
            monthly_payment_after: self.0.burden_payment_after.map(|d| d.0),
        })
    }
    /// R12: the reply date the counter-proposal gives.
    async fn reply_by(&self) -> Option<Date> {
        self.0.reply_by.map(Date)
    }
    async fn response(&self) -> Option<CounterProposalResponse> {
        self.0.response
    }
    async fn responded_at(&self) -> Option<DateTime<Utc>> {
        self.0.responded_at
    }
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

#[derive(Clone)]
pub struct RestructuringApplication(pub application::Model);

#[Object]
impl RestructuringApplication {
    pub async fn id(&self) -> ID {
        encode(Kind::Application, self.0.id)
    }
    /// The MFO's incoming number (R5), e.g. `R-2026/000012`.
    async fn incoming_number(&self) -> String {
        rules::incoming_number(self.0.incoming_year, self.0.incoming_seq)
    }
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.received_at
    }
    async fn application_date(&self) -> Date {
        Date(self.0.application_date)
    }
    async fn language(&self) -> Language {
        self.0.language
    }
    async fn channel(&self) -> SubmissionChannel {
        self.0.channel
    }
    async fn status(&self) -> ApplicationStatus {
        self.0.status
    }
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
    async fn grounds(&self) -> Vec<Ground> {
        serde_json::from_value(self.0.grounds.clone()).unwrap_or_default()
    }
    async fn requested_measures(&self) -> Vec<RequestedMeasure> {
        serde_json::from_value(self.0.requested_measures.clone()).unwrap_or_default()
    }
    async fn monthly_income(&self) -> Option<Decimal> {
        self.0.monthly_income.map(|m| m.0)
    }
    async fn other_monthly_debt_payments(&self) -> Decimal {
        self.0.other_monthly_debt_payments.0
    }
    async fn circumstances(&self) -> Option<&str> {
        self.0.circumstances.as_deref()
    }
    async fn documents(&self) -> Vec<Document> {
        serde_json::from_value(self.0.documents.clone()).unwrap_or_default()
    }
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
    async fn borrower_notice(&self) -> Option<BorrowerNotice> {
        self.0.borrower_notice.clone().and_then(|n| serde_json::from_value(n).ok())
    }
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
    async fn deadlines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Deadline>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders.deadlines.load_one(self.0.id).await?.unwrap_or_default().into_iter().map(Deadline).collect())
    }
    async fn appeals(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RegulatorAppeal>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders.appeals.load_one(self.0.id).await?.unwrap_or_default().into_iter().map(RegulatorAppeal).collect())
    }
    async fn loan(&self, ctx: &Context<'_>) -> async_graphql::Result<Loan> {
        let loaders = ctx.data_unchecked::<Loaders>();
        // Read through the application's own scope: whoever sees it sees its loan.
        let rows = loaders.loans.load_one(self.0.loan_id).await?;
        rows.map(Loan).ok_or_else(not_found)
    }
    async fn borrower(&self, ctx: &Context<'_>) -> async_graphql::Result<Borrower> {
        let loaders = ctx.data_unchecked::<Loaders>();
        loaders.borrowers.load_one(self.0.borrower_id).await?.map(Borrower).ok_or_else(not_found)
    }
}

#[derive(InputObject, Default)]
pub struct ApplicationFilter {
    pub status: Option<ApplicationStatus>,
    pub loan_id: Option<ID>,
}

#[derive(Default)]
pub struct RestructuringQuery;

#[Object]
impl RestructuringQuery {
    /// Applications the caller may see: a borrower their own, staff their MFO's, a
    /// regulator its jurisdiction's.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn restructuring_applications(
        &self,
        ctx: &Context<'_>,
        filter: Option<ApplicationFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, RestructuringApplication>> {
        let p = ctx.principal()?;
        let limit = self::first(first)?;
        let had_cursor = after.is_some();
        let after = after_uuid(after)?;
        let f = filter.unwrap_or_default();
        let f = svc::ApplicationFilter {
            status: f.status,
            loan_id: f.loan_id.as_ref().map(|l| decode(l, Kind::Loan).map(LoanId)).transpose()?,
        };
        let page = svc::list(ctx.services(), p, &f, after, limit).await.map_err(top_level)?;
        ctx.data_unchecked::<Loaders>().prefetch_applications(&ctx.look_ahead(), &page.items).await?;
        Ok(from_page(page, had_cursor, |a| a.id, RestructuringApplication))
    }

    async fn restructuring_application(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<RestructuringApplication>> {
        let p = ctx.principal()?;
        let id = ApplicationId(decode(&id, Kind::Application)?);
        svc::get(ctx.services(), p, id).await.map(|a| Some(RestructuringApplication(a))).map_err(top_level)
    }
}

#[derive(InputObject)]
pub struct RecordDelinquencyNoticeInput {
    pub loan_id: ID,
    pub sent_at: DateTime<Utc>,
    pub channel: NoticeChannel,
    /// R1 content 1: the overdue amount…
    pub overdue_amount: Option<Decimal>,
    /// …as of this date.
    pub amount_as_of: Option<Date>,
    /// R1 content 2.
    #[graphql(default)]
    pub states_right_to_apply: bool,
    /// R1 content 3.
    #[graphql(default)]
    pub states_consequences: bool,
    pub text: Option<String>,
}

payload!(DelinquencyNoticePayload { notice: DelinquencyNotice });

#[derive(InputObject)]
pub struct SubmitRestructuringApplicationInput {
    /// Required from the mobile app: a retry with the same id returns the first result.
    pub client_submission_id: Option<Uuid>,
    pub loan_id: ID,
    #[graphql(default_with = "SubmissionChannel::MobileApp")]
    pub channel: SubmissionChannel,
    #[graphql(default_with = "Language::Ru")]
    pub language: Language,
    /// The date on the application, if not the day it is received.
    pub application_date: Option<Date>,
    #[graphql(default)]
    pub grounds: Vec<Ground>,
    #[graphql(default)]
    pub requested_measures: Vec<RequestedMeasure>,
    pub monthly_income: Option<Decimal>,
    pub other_monthly_debt_payments: Option<Decimal>,
    pub circumstances: Option<String>,
    #[graphql(default)]
    pub documents: Vec<Document>,
    /// When the application reached the MFO (by post, at a branch), if it is entered
    /// later; defaults to now. R8's 15 calendar days and R2/R3's day count run from it, in
    /// the jurisdiction's local time. Not in the future, not before the loan's contract
    /// date (userErrors INVALID with rule R8). Ignored from the mobile app (BORROWER),
    /// whose submissions are received when sent.
    pub received_at: Option<DateTime<Utc>>,
}

payload!(RestructuringApplicationPayload { application: RestructuringApplication });

fn application_payload(
    r: Result<application::Model, ServiceError>,
) -> async_graphql::Result<RestructuringApplicationPayload> {
    RestructuringApplicationPayload::from_result(r.map(RestructuringApplication))
}

#[derive(InputObject)]
pub struct RequestApplicationDocumentsInput {
    pub application_id: ID,
    pub items: Vec<RequestedDocument>,
    /// When the request was sent to the borrower, if it is recorded later; defaults to
    /// now. R6's 5 business days run from its local date. Not in the future, not before
    /// the application was received (userErrors INVALID with rule R6).
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct ProvideApplicationDocumentsInput {
    pub application_id: ID,
    pub documents: Vec<Document>,
}

#[derive(InputObject)]
pub struct DecisionSignatoryInput {
    pub full_name: String,
    pub position: Option<String>,
}

#[derive(InputObject)]
pub struct DecideRestructuringApplicationInput {
    pub application_id: ID,
    pub decision: DecisionKind,
    /// For APPROVE and COUNTER_PROPOSAL.
    pub terms: Option<RestructuringTerms>,
    /// Required for REFUSE: the motivated reasons (D1).
    pub reasons: Option<String>,
    pub signatory: DecisionSignatoryInput,
    /// COUNTER_PROPOSAL: the reply date, at least 15 calendar days after receipt (R12).
    pub reply_by: Option<Date>,
    /// When the borrower received the decision (defaults to now: the app delivers at once).
    pub delivered_at: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct RespondToCounterProposalInput {
    pub application_id: ID,
    pub response: CounterProposalResponse,
}

#[derive(InputObject)]
pub struct ApplicationRefInput {
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
        input: RecordDelinquencyNoticeInput,
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
        input: RequestApplicationDocumentsInput,
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
        input: ProvideApplicationDocumentsInput,
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
        input: RespondToCounterProposalInput,
    ) -> async_graphql::Result<RestructuringApplicationPayload> {
        let p = ctx.principal()?;
        application_payload(svc::respond(ctx.services(), p, app_id(&input.application_id)?, input.response).await)
    }

    /// R11: applies the agreed terms to the loan (a new schedule).
    async fn mark_decision_implemented(
        &self,
        ctx: &Context<'_>,
        input: ApplicationRefInput,
    ) -> async_graphql::Result<RestructuringApplicationPayload> {
        let p = ctx.principal()?;
        application_payload(svc::implement(ctx.services(), p, app_id(&input.application_id)?).await)
    }

    /// The borrower withdraws an application not yet decided.
    async fn withdraw_restructuring_application(
        &self,
        ctx: &Context<'_>,
        input: ApplicationRefInput,
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
