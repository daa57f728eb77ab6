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
    pub applies: bool,
    /// The last day a foreclosure lawsuit is barred, while the appeal is under review.
    pub until: Option<Date>,
}

pub struct RegulatorAppeal(pub regulator_appeal::Model);

#[Object]
impl RegulatorAppeal {
    pub async fn id(&self) -> ID {
        encode(Kind::Appeal, self.0.id)
    }
    async fn filed_at(&self) -> DateTime<Utc> {
        self.0.filed_at
    }
    async fn statement(&self) -> &str {
        &self.0.statement
    }
    async fn status(&self) -> AppealStatus {
        self.0.status
    }
    /// A repeat appeal on a question already appealed (R16 does not protect it).
    async fn repeat(&self) -> bool {
        self.0.repeat
    }
    async fn home_protection(&self) -> HomeProtection {
        HomeProtection { applies: self.0.home_protected_until.is_some(), until: self.0.home_protected_until.map(Date) }
    }
    async fn outcome(&self) -> Option<AppealOutcome> {
        self.0.outcome
    }
    async fn resolution_note(&self) -> Option<&str> {
        self.0.resolution_note.as_deref()
    }
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

#[derive(InputObject)]
pub struct EvidenceInput {
    pub name: String,
    pub checksum: Option<String>,
}

#[derive(InputObject)]
pub struct FileRegulatorAppealInput {
    pub client_submission_id: Option<Uuid>,
    pub application_id: ID,
    pub statement: String,
    #[graphql(default)]
    pub evidence: Vec<EvidenceInput>,
}

#[derive(InputObject)]
pub struct ResolveRegulatorAppealInput {
    pub appeal_id: ID,
    pub outcome: AppealOutcome,
    pub note: String,
}

payload!(RegulatorAppealPayload { appeal: RegulatorAppeal });

#[derive(Default)]
pub struct AppealMutation;

#[Object]
impl AppealMutation {
    /// R15: the borrower appeals to the regulator within 15 calendar days of a refusal,
    /// deemed refusal or rejected counter-proposal; the MFO is notified.
    async fn file_regulator_appeal(
        &self,
        ctx: &Context<'_>,
        input: FileRegulatorAppealInput,
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
        input: ResolveRegulatorAppealInput,
    ) -> async_graphql::Result<RegulatorAppealPayload> {
        let p = ctx.principal()?;
        let id = AppealId(decode(&input.appeal_id, Kind::Appeal)?);
        RegulatorAppealPayload::from_result(
            svc::resolve(ctx.services(), p, id, input.outcome, input.note).await.map(RegulatorAppeal),
        )
    }
}
