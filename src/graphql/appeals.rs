//! Appeals to the regulator (R15, R16): the type and the two mutations (the borrower
//! files, the regulator resolves: its only mutation).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{AppealOutcome, AppealStatus};
use entity::regulator_appeal;
use uuid::Uuid;

use crate::graphql::context::ContextExt;
use crate::graphql::errors::payload;
use crate::graphql::ids::{Kind, decode, encode};
use crate::graphql::restructuring::RestructuringApplication;
use crate::graphql::scalars::Date;
use crate::ids::{AppealId, ApplicationId};
use crate::services::appeals as svc;

/// R16: the home-protection window an appeal opened.
#[derive(SimpleObject)]
pub struct HomeProtection {
    /// Whether R16 protects the borrower's home: a socially vulnerable borrower, a non-business loan secured
    /// by their dwelling, not a repeat appeal.
    pub applies: bool,
    /// The last day a foreclosure lawsuit is barred, while the appeal is under review.
    pub until: Option<Date>,
}

pub struct RegulatorAppeal(pub regulator_appeal::Model);

/// R15: a borrower's appeal to the regulator after a refusal or a failure to agree. Visible to the borrower,
/// the MFO's staff and managers, and the regulator of its jurisdiction.
#[Object]
impl RegulatorAppeal {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::Appeal, self.0.id)
    }
    /// When it was filed (UTC instant); R15's 15 calendar days and R16's 60 count in local dates.
    async fn filed_at(&self) -> DateTime<Utc> {
        self.0.filed_at
    }
    /// The borrower's statement.
    async fn statement(&self) -> &str {
        &self.0.statement
    }
    /// Under review or resolved.
    async fn status(&self) -> AppealStatus {
        self.0.status
    }
    /// A repeat appeal on a question already appealed (R16 does not protect it).
    async fn repeat(&self) -> bool {
        self.0.repeat
    }
    /// R16: whether foreclosure is barred and until when.
    async fn home_protection(&self) -> HomeProtection {
        HomeProtection { applies: self.0.home_protected_until.is_some(), until: self.0.home_protected_until.map(Date) }
    }
    /// How the regulator resolved it.
    async fn outcome(&self) -> Option<AppealOutcome> {
        self.0.outcome
    }
    /// The regulator's note on the resolution.
    async fn resolution_note(&self) -> Option<&str> {
        self.0.resolution_note.as_deref()
    }
    /// When it was resolved (UTC instant).
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    /// The application appealed (whoever sees the appeal sees it).
    async fn application(&self, ctx: &Context<'_>) -> async_graphql::Result<RestructuringApplication> {
        let loaders = ctx.data_unchecked::<crate::graphql::loaders::Loaders>();
        loaders
            .applications
            .load_one(self.0.application_id)
            .await?
            .map(RestructuringApplication)
            .ok_or_else(crate::graphql::errors::not_found)
    }
}

/// R15: a piece of evidence of the application and the disagreement.
#[derive(InputObject)]
pub struct EvidenceInput {
    /// The document's name.
    pub name: String,
    /// A checksum of the file, if the caller has one.
    pub checksum: Option<String>,
}

/// R15: a borrower's appeal (BORROWER, their own application).
#[derive(InputObject)]
pub struct FileRegulatorAppealInput {
    /// Required from the mobile app: a retry with the same id returns the first result.
    pub client_submission_id: Option<Uuid>,
    /// The refused or disagreed application's global ID.
    pub application_id: ID,
    /// What the borrower asks of the regulator and why.
    pub statement: String,
    /// Evidence of the application and the disagreement (R15).
    #[graphql(default)]
    pub evidence: Vec<EvidenceInput>,
}

/// The regulator's resolution of an appeal (REGULATOR of its jurisdiction).
#[derive(InputObject)]
pub struct ResolveRegulatorAppealInput {
    /// The appeal's global ID.
    pub appeal_id: ID,
    /// Upheld, rejected or settled.
    pub outcome: AppealOutcome,
    /// The reasoning (required).
    pub note: String,
}

payload!(
    /// The appeal (R15) after the mutation, or why it was refused.
    RegulatorAppealPayload { appeal: RegulatorAppeal });

#[derive(Default)]
pub struct AppealMutation;

#[Object]
impl AppealMutation {
    /// R15: the borrower appeals to the regulator within 15 calendar days of a refusal,
    /// deemed refusal or rejected counter-proposal; the MFO is notified.
    async fn file_regulator_appeal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application, the statement and the evidence.")] input: FileRegulatorAppealInput,
    ) -> async_graphql::Result<RegulatorAppealPayload> {
        let p = ctx.principal()?;
        let input = svc::FileInput {
            client_submission_id: input.client_submission_id,
            application_id: ApplicationId(decode(&input.application_id, Kind::Application)?),
            statement: input.statement,
            evidence: input
                .evidence
                .into_iter()
                .map(|e| svc::Evidence { name: e.name, checksum: e.checksum })
                .collect(),
        };
        RegulatorAppealPayload::from_result(svc::file(ctx.services(), p, input).await.map(RegulatorAppeal))
    }

    /// The regulator resolves an appeal of its jurisdiction.
    async fn resolve_regulator_appeal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The appeal, its outcome and the note.")] input: ResolveRegulatorAppealInput,
    ) -> async_graphql::Result<RegulatorAppealPayload> {
        let p = ctx.principal()?;
        let id = AppealId(decode(&input.appeal_id, Kind::Appeal)?);
        RegulatorAppealPayload::from_result(
            svc::resolve(ctx.services(), p, id, input.outcome, input.note).await.map(RegulatorAppeal),
        )
    }
}
