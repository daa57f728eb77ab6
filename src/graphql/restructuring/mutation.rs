//! The restructuring mutations and their inputs (R1–R13). Each takes the principal, calls one
//! service and maps its result; none computes a date or checks a rule.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::enums::{CounterProposalResponse, DecisionKind, Language, NoticeChannel, SubmissionChannel};
use entity::restructuring_application as application;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{
    DelinquencyNotice, Document, Ground, RequestedDocument, RequestedMeasure, RestructuringApplication,
    RestructuringTerms,
};
use crate::error::ServiceError;
use crate::graphql::context::ContextExt;
use crate::graphql::errors::payload;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::scalars::Date;
use crate::ids::{ApplicationId, LoanId};
use crate::services::restructuring as svc;

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
    /// The notice's text, if it is to be kept. At most 20,000 characters (userErrors TOO_LONG with `maxLength`).
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
    /// Hardship grounds (R19); OTHER needs a text. At most 20 (userErrors TOO_MANY with `maxItems`), over
    /// twice the grounds R19 names: a guard against a list built to weigh on every read.
    #[graphql(default)]
    pub grounds: Vec<Ground>,
    /// One or more measures asked for (R2); OTHER needs a text. At most 20 (userErrors TOO_MANY with
    /// `maxItems`), over twice the measures R2 names.
    #[graphql(default)]
    pub requested_measures: Vec<RequestedMeasure>,
    /// Declared monthly income, in the loan's currency (R2, R7); at the currency's scale.
    pub monthly_income: Option<Decimal>,
    /// Declared monthly payments on other debts, in the loan's currency (R7); 0 when omitted.
    pub other_monthly_debt_payments: Option<Decimal>,
    /// The borrower's account of the circumstances (R2).
    pub circumstances: Option<String>,
    /// Documents submitted with it (R2); at most 50 (userErrors TOO_MANY with `maxItems`), and at most 50
    /// with those provided later (R6).
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
    /// What is missing (at least one, at most 50: userErrors TOO_MANY with `maxItems`).
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
    /// The documents provided (at least one). The application holds at most 50 documents, those
    /// submitted with it included: over that, userErrors TOO_MANY with `maxItems` and nothing is stored.
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
    /// Required for REFUSE: the motivated reasons (D1). At most 20,000 characters (userErrors TOO_LONG with `maxLength`).
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

pub(super) fn app_id(id: &ID) -> async_graphql::Result<ApplicationId> {
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
