//! The restructuring queries. Each takes the principal and calls a service; the scope is
//! `services::scope::applications`, never decided here.

use async_graphql::{Context, ID, Object};

use super::{ApplicationFilter, RestructuringApplication};
use crate::graphql::connection::{TotalCount, connection, order_input, window};
use crate::graphql::context::ContextExt;
use crate::graphql::errors::top_level;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::loaders::Loaders;
use crate::ids::{ApplicationId, LoanId};
use crate::services::Range;
use crate::services::restructuring as svc;

order_input!(
    /// How `restructuringApplications` is sorted (by default: by id, i.e. the order they
    /// were submitted).
    ApplicationOrder,
    svc::ApplicationOrderField
);

#[derive(Default)]
pub struct RestructuringQuery;

#[Object]
impl RestructuringQuery {
    /// Applications the caller may see: a borrower their own, staff their MFO's, a
    /// regulator its jurisdiction's. Stable order: `orderBy`, then id; by default by id,
    /// i.e. in the order they were submitted (ids are UUIDv7), oldest first.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn restructuring_applications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only applications matching every field given.")] filter: Option<ApplicationFilter>,
        #[graphql(desc = "The order of the list.")] order_by: Option<ApplicationOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Only rows after this cursor (of the same order).")] after: Option<String>,
        #[graphql(desc = "Page size going backward: the last 0 to 100 rows (before `before`).")] last: Option<i32>,
        #[graphql(desc = "Only rows before this cursor (of the same order).")] before: Option<String>,
    ) -> async_graphql::Result<crate::graphql::connection::Page<RestructuringApplication>> {
        let p = ctx.principal()?;
        let sort = ApplicationOrder::sort(order_by);
        let w = window(first, after, last, before, sort.tag())?;
        let f = filter.unwrap_or_default();
        let f = svc::ApplicationFilter {
            status: f.status,
            loan_id: f.loan_id.as_ref().map(|l| decode(l, Kind::Loan).map(LoanId)).transpose()?,
            received: Range { from: f.from, to: f.to },
            updated_after: f.updated_after,
        };
        let page = svc::list(ctx.services(), p, &f, &sort, &w).await.map_err(top_level)?;
        ctx.data_unchecked::<Loaders>().prefetch_applications(&ctx.look_ahead(), &page.items).await?;
        let total = TotalCount::of(ctx.services(), p, f, |c, p, f| async move { svc::count(&c, &p, &f).await });
        Ok(connection(page, &w, sort.tag(), |a| sort.position(a, a.id), RestructuringApplication, total))
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
