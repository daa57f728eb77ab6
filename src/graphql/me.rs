//! `me`: who the token says the caller is, and the organisation types.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{Jurisdiction, OrgKind, Role};
use entity::organization;

use crate::graphql::context::ContextExt;
use crate::graphql::errors::{not_found, top_level};
use crate::graphql::ids::{Kind, encode};
use crate::graphql::loaders::Loaders;
use crate::graphql::loans::Borrower;
use crate::services::loans;

/// An MFO, collection agency or regulator.
#[derive(Clone)]
pub struct Organization(pub organization::Model);

/// An MFO, collection agency or regulator.
#[Object]
impl Organization {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::Organization, self.0.id)
    }
    /// MFO, collection agency or regulator.
    async fn kind(&self) -> OrgKind {
        self.0.kind
    }
    /// Registered name (X6 compares a collector's disclosure with it).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Whose rules, calendar and time zone apply.
    async fn jurisdiction(&self) -> Jurisdiction {
        self.0.jurisdiction
    }
    /// IANA time zone of local dates and hours (Asia/Almaty, Asia/Bishkek).
    async fn time_zone(&self) -> &str {
        &self.0.time_zone
    }
}

/// The authenticated caller.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Principal {
    /// The token's role (DOMAIN.md, Actors).
    pub role: Role,
    /// The token's `sub`.
    pub subject: String,
    /// When the token expires (UTC instant).
    pub expires_at: DateTime<Utc>,
    #[graphql(skip)]
    org_id: uuid::Uuid,
    #[graphql(skip)]
    borrower_id: Option<crate::ids::BorrowerId>,
}

#[async_graphql::ComplexObject]
impl Principal {
    /// The organisation the token acts for.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        let loaders = ctx.data_unchecked::<Loaders>();
        loaders.organizations.load_one(self.org_id).await?.map(Organization).ok_or_else(not_found)
    }

    /// The borrower a BORROWER token acts for.
    async fn borrower(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Borrower>> {
        let Some(b) = self.borrower_id else { return Ok(None) };
        let p = ctx.principal()?;
        loans::get_borrower(ctx.services(), p, b).await.map(|b| Some(Borrower(b))).map_err(top_level)
    }
}

#[derive(Default)]
pub struct MeQuery;

#[Object]
impl MeQuery {
    /// Organisations the caller may deal with, by name then id, optionally of one `kind`:
    /// MFO staff see their MFO and the collection agencies of its jurisdiction (those it
    /// may hand loans to, R17.2); a regulator itself and the MFOs and agencies of its
    /// jurisdiction; an agency itself; a borrower the MFO that lent to them.
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only organisations of this kind.")] kind: Option<OrgKind>,
    ) -> async_graphql::Result<Vec<Organization>> {
        let p = ctx.principal()?;
        let rows = crate::services::orgs::list(ctx.services(), p, kind).await.map_err(top_level)?;
        Ok(rows.into_iter().map(Organization).collect())
    }

    /// Who the bearer token identifies.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Principal> {
        let p = ctx.principal()?;
        Ok(Principal {
            role: p.role,
            subject: p.subject.clone(),
            expires_at: p.expires_at,
            org_id: p.org_id.0,
            borrower_id: p.borrower_id,
        })
    }
}
