//! Conscripted borrowers (M1–M6): the deferral type and its mutations.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::enums::DeferralStatus;
use entity::military_deferral;

use crate::graphql::context::ContextExt;
use crate::graphql::errors::payload;
use crate::graphql::escalations::Deadline;
use crate::graphql::ids::{Kind, decode, encode};
use crate::graphql::loaders::Loaders;
use crate::graphql::scalars::Date;
use crate::ids::{DeferralId, LoanId};
use crate::services::military as svc;

pub struct MilitaryDeferral(pub military_deferral::Model);

/// M1–M6: a conscripted borrower's deferral on one loan. Visible like its loan.
#[Object]
impl MilitaryDeferral {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::Deferral, self.0.id)
    }
    /// Where the deferral stands (M1–M6).
    async fn status(&self) -> DeferralStatus {
        self.0.status
    }
    /// When the credit bureau's data arrived (UTC instant); M1's 15 calendar days count from its local date.
    async fn bureau_received_at(&self) -> DateTime<Utc> {
        self.0.bureau_received_at
    }
    /// First day of service (local date).
    async fn service_start(&self) -> Date {
        Date(self.0.service_start)
    }
    /// Last day of service as reported (local date).
    async fn service_end(&self) -> Date {
        Date(self.0.service_end)
    }
    /// Early discharge date (M4), if any (local date).
    async fn discharged_on(&self) -> Option<Date> {
        self.0.discharged_on.map(Date)
    }
    /// The last day of the deferral and of the suspension of collection (M1, M4, M5).
    async fn protected_until(&self) -> Date {
        Date(self.0.protected_until)
    }
    /// When the MFO granted it (M1; UTC instant).
    async fn granted_at(&self) -> Option<DateTime<Utc>> {
        self.0.granted_at
    }
    /// When the borrower refused it (M3; UTC instant).
    async fn refused_at(&self) -> Option<DateTime<Utc>> {
        self.0.refused_at
    }
    /// When the MFO confirmed the refusal (M3; UTC instant).
    async fn refusal_confirmed_at(&self) -> Option<DateTime<Utc>> {
        self.0.refusal_confirmed_at
    }
    /// The timed duties on it (M1 grant, M3 confirmation), oldest first: the newest 50 at most.
    #[graphql(complexity = "crate::graphql::nested::MAX_DEADLINES * child_complexity")]
    async fn deadlines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Deadline>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let rows = loaders.deadlines.load_one(self.0.id).await?.unwrap_or_default();
        Ok(crate::graphql::nested::newest(rows, crate::graphql::nested::MAX_DEADLINES)
            .into_iter()
            .map(Deadline)
            .collect())
    }
}

/// M1: credit-bureau data that a borrower was conscripted (MFO_STAFF, MFO_MANAGER).
#[derive(InputObject)]
pub struct RegisterConscriptionInput {
    /// The loan's global ID.
    pub loan_id: ID,
    /// First day of service (local date).
    pub service_start: Date,
    /// Last day of service (local date); protection lasts until 60 days after it (M1, M5).
    pub service_end: Date,
    /// When the credit bureau's data arrived (M1's clock; defaults to now).
    pub bureau_received_at: Option<DateTime<Utc>>,
}

/// Names one military deferral.
#[derive(InputObject)]
pub struct DeferralRefInput {
    /// The deferral's global ID.
    pub deferral_id: ID,
}

/// M4: an early discharge from service.
#[derive(InputObject)]
pub struct RegisterDischargeInput {
    /// The deferral's global ID.
    pub deferral_id: ID,
    /// The discharge date (local date); the deferral ends 60 days after it.
    pub discharged_on: Date,
}

payload!(
    /// The conscription record after the mutation (M1–M6), or why it was refused.
    MilitaryDeferralPayload { deferral: MilitaryDeferral });

fn deferral_id(id: &ID) -> async_graphql::Result<DeferralId> {
    decode(id, Kind::Deferral).map(DeferralId)
}

#[derive(Default)]
pub struct MilitaryMutation;

#[Object]
impl MilitaryMutation {
    /// M1: the credit bureau reports the borrower conscripted; the MFO has 15 calendar days
    /// to grant the deferral (none of it applies under M6).
    async fn register_conscription(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The loan and the service period.")] input: RegisterConscriptionInput,
    ) -> async_graphql::Result<MilitaryDeferralPayload> {
        let p = ctx.principal()?;
        let input = svc::ConscriptionInput {
            loan_id: LoanId(decode(&input.loan_id, Kind::Loan)?),
            service_start: input.service_start.0,
            service_end: input.service_end.0,
            bureau_received_at: input.bureau_received_at,
        };
        MilitaryDeferralPayload::from_result(svc::register(ctx.services(), p, input).await.map(MilitaryDeferral))
    }

    /// M1, M2: grants the deferral (term grows, payment size stays, no interest).
    async fn grant_military_deferral(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which deferral (MFO_STAFF, MFO_MANAGER).")] input: DeferralRefInput,
    ) -> async_graphql::Result<MilitaryDeferralPayload> {
        let p = ctx.principal()?;
        MilitaryDeferralPayload::from_result(
            svc::grant(ctx.services(), p, deferral_id(&input.deferral_id)?).await.map(MilitaryDeferral),
        )
    }

    /// M3: the borrower refuses the deferral within 14 days of its notice.
    async fn refuse_military_deferral(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which deferral (BORROWER, their own).")] input: DeferralRefInput,
    ) -> async_graphql::Result<MilitaryDeferralPayload> {
        let p = ctx.principal()?;
        MilitaryDeferralPayload::from_result(
            svc::refuse(ctx.services(), p, deferral_id(&input.deferral_id)?).await.map(MilitaryDeferral),
        )
    }

    /// M3: the MFO confirms the refusal (within 15 days); the schedule is restored.
    async fn confirm_military_deferral_refusal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which deferral (MFO_STAFF, MFO_MANAGER).")] input: DeferralRefInput,
    ) -> async_graphql::Result<MilitaryDeferralPayload> {
        let p = ctx.principal()?;
        MilitaryDeferralPayload::from_result(
            svc::confirm_refusal(ctx.services(), p, deferral_id(&input.deferral_id)?).await.map(MilitaryDeferral),
        )
    }

    /// M4: an early discharge: the protection ends 60 days after it.
    async fn register_discharge(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which deferral and the discharge date.")] input: RegisterDischargeInput,
    ) -> async_graphql::Result<MilitaryDeferralPayload> {
        let p = ctx.principal()?;
        let id = deferral_id(&input.deferral_id)?;
        MilitaryDeferralPayload::from_result(
            svc::register_discharge(ctx.services(), p, id, input.discharged_on.0).await.map(MilitaryDeferral),
        )
    }
}

pub async fn loan_deferrals(ctx: &Context<'_>, loan_id: uuid::Uuid) -> async_graphql::Result<Vec<MilitaryDeferral>> {
    let loaders = ctx.data_unchecked::<Loaders>();
    let rows = loaders.deferrals.load_one(loan_id).await?.unwrap_or_default();
    Ok(crate::graphql::nested::newest(rows, crate::graphql::nested::MAX_DEFERRALS)
        .into_iter()
        .map(MilitaryDeferral)
        .collect())
}
