//! The restructuring application as a GraphQL type, with its grounds, documents, document
//! requests and admissibility, and `ApplicationFilter`. Fields map the record; nothing here judges.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{
    ApplicationStatus, DeadlineKind, DocumentRequestStatus, HardshipGround, Language, RestructuringMeasure,
    SubmissionChannel,
};
use entity::{document_request, restructuring_application as application};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::Decision;
use crate::graphql::appeals::RegulatorAppeal;
use crate::graphql::errors::not_found;
use crate::graphql::escalations::Deadline;
use crate::graphql::ids::{Kind, encode};
use crate::graphql::loaders::Loaders;
use crate::graphql::loans::{Borrower, Loan, loan_currency, loan_money};
use crate::graphql::scalars::Date;
use crate::money::Money;
use crate::rules::restructuring::{self as rules};
use crate::services::restructuring as svc;

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
    #[graphql(complexity = "crate::graphql::budget::variants::<BlockingFact>()")]
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
    /// The documents asked for: at most 50, the bound of `requestApplicationDocuments` (an
    /// older request holding more shows its first 50).
    #[graphql(complexity = "svc::MAX_REQUESTED_ITEMS * child_complexity")]
    async fn items(&self) -> Vec<RequestedDocument> {
        crate::graphql::nested::first_of_json(&self.0.items, svc::MAX_REQUESTED_ITEMS)
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
    /// When the application last changed (UTC instant).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
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
    /// The hardship grounds stated (R19): at most 20, the bound of
    /// `submitRestructuringApplication` (an older application holding more shows its first 20).
    #[graphql(complexity = "svc::MAX_GROUNDS * child_complexity")]
    async fn grounds(&self) -> Vec<Ground> {
        crate::graphql::nested::first_of_json(&self.0.grounds, svc::MAX_GROUNDS)
    }
    /// The measures asked for (R2): at most 20, the bound of `submitRestructuringApplication`
    /// (an older application holding more shows its first 20).
    #[graphql(complexity = "svc::MAX_MEASURES * child_complexity")]
    async fn requested_measures(&self) -> Vec<RequestedMeasure> {
        crate::graphql::nested::first_of_json(&self.0.requested_measures, svc::MAX_MEASURES)
    }
    /// The borrower's declared monthly income, in the loan's currency (R2, R7).
    async fn monthly_income(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Decimal>> {
        let currency = loan_currency(ctx, self.0.loan_id).await?;
        Ok(self.0.monthly_income.map(|m| Money::new(m.0, currency).at_scale()))
    }
    /// The borrower's declared monthly payments on other debts, in the loan's currency (R7; 0 if none).
    async fn other_monthly_debt_payments(&self, ctx: &Context<'_>) -> async_graphql::Result<Decimal> {
        Ok(loan_money(ctx, self.0.loan_id, self.0.other_monthly_debt_payments.0).await?.at_scale())
    }
    /// The borrower's account of their circumstances (R2, R10).
    #[graphql(complexity = "crate::graphql::budget::LONG_TEXT_UNITS")]
    async fn circumstances(&self) -> Option<&str> {
        self.0.circumstances.as_deref()
    }
    /// Documents submitted with it or later (R2, R6), in the order received: at most 50, the
    /// bound of `submitRestructuringApplication` and `provideApplicationDocuments` together
    /// (an older application holding more shows its first 50).
    #[graphql(complexity = "svc::MAX_DOCUMENTS * child_complexity")]
    async fn documents(&self) -> Vec<Document> {
        crate::graphql::nested::first_of_json(&self.0.documents, svc::MAX_DOCUMENTS)
    }
    /// The MFO's requests for missing documents (R6), oldest first: the newest 20 at most.
    #[graphql(complexity = "crate::graphql::nested::MAX_DOCUMENT_REQUESTS * child_complexity")]
    async fn document_requests(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<DocumentRequest>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let rows = loaders.document_requests.load_one(self.0.id).await?.unwrap_or_default();
        Ok(crate::graphql::nested::newest(rows, crate::graphql::nested::MAX_DOCUMENT_REQUESTS)
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
    /// The timed duties on it (R6, R8, R11, R13), oldest first: the newest 50 at most.
    #[graphql(complexity = "crate::graphql::nested::MAX_DEADLINES * child_complexity")]
    async fn deadlines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Deadline>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let rows = loaders.deadlines.load_one(self.0.id).await?.unwrap_or_default();
        Ok(crate::graphql::nested::newest(rows, crate::graphql::nested::MAX_DEADLINES)
            .into_iter()
            .map(Deadline)
            .collect())
    }
    /// Appeals to the regulator about it (R15), oldest first: the newest 10 at most.
    #[graphql(complexity = "crate::graphql::nested::MAX_APPEALS * child_complexity")]
    async fn appeals(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RegulatorAppeal>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let rows = loaders.appeals.load_one(self.0.id).await?.unwrap_or_default();
        Ok(crate::graphql::nested::newest(rows, crate::graphql::nested::MAX_APPEALS)
            .into_iter()
            .map(RegulatorAppeal)
            .collect())
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
