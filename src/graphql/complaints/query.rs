//! The complaints' queries: complaints, the journal, C9 requests and statements, reception
//! hours. Each takes the principal and calls a service; none checks a rule.

use async_graphql::{Context, ID, Object};

use super::{Complaint, ComplaintFilter, InfoRequest, LoanStatement, ReceptionHours, statement_of};
use crate::graphql::connection::{TotalCount, connection, order_input, window};
use crate::graphql::context::ContextExt;
use crate::graphql::errors::top_level;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::loaders::Loaders;
use crate::ids::{BorrowerId, ComplaintId, InfoRequestId, LoanId, OrgId};
use crate::services::Range;
use crate::services::complaints::{self as svc};
use crate::services::paging::Position;

order_input!(
    /// How `complaints` is sorted (by default: by id, i.e. the order they were registered).
    ComplaintOrder,
    svc::ComplaintOrderField
);

#[derive(Default)]
pub struct ComplaintQuery;

#[Object]
impl ComplaintQuery {
    /// Complaints the caller may see: a borrower their own, staff their MFO's, a regulator
    /// its jurisdiction's. Stable order: `orderBy`, then id; by default by id, i.e. in the
    /// order they were registered (ids are UUIDv7), oldest first (`receivedAt` may be
    /// earlier than registration: sort by it with `orderBy`, filter on it with `from`/`to`).
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn complaints(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only complaints matching every field given.")] filter: Option<ComplaintFilter>,
        #[graphql(desc = "The order of the list.")] order_by: Option<ComplaintOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Only rows after this cursor (of the same order).")] after: Option<String>,
        #[graphql(desc = "Page size going backward: the last 0 to 100 rows (before `before`).")] last: Option<i32>,
        #[graphql(desc = "Only rows before this cursor (of the same order).")] before: Option<String>,
    ) -> async_graphql::Result<crate::graphql::connection::Page<Complaint>> {
        let p = ctx.principal()?;
        let sort = ComplaintOrder::sort(order_by);
        let w = window(first, after, last, before, sort.tag())?;
        let f = filter.unwrap_or_default();
        let f = svc::ComplaintFilter {
            status: f.status,
            kind: f.kind,
            borrower_id: f.borrower_id.as_ref().map(|b| decode(b, Kind::Borrower).map(BorrowerId)).transpose()?,
            loan_id: f.loan_id.as_ref().map(|l| decode(l, Kind::Loan).map(LoanId)).transpose()?,
            received: Range { from: f.from, to: f.to },
            updated_after: f.updated_after,
        };
        let page = svc::list(ctx.services(), p, &f, &sort, &w).await.map_err(top_level)?;
        ctx.data_unchecked::<Loaders>().prefetch_complaints(&ctx.look_ahead(), &page.items).await?;
        let total = TotalCount::of(ctx.services(), p, f, |c, p, f| async move { svc::count(&c, &p, &f).await });
        Ok(connection(page, &w, sort.tag(), |c| sort.position(c, c.id), Complaint, total))
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

    /// The MFO's single complaint journal for a year, in number order (C4, C6), forward
    /// (`first`/`after`) or back from the last number (`last`/`before`); the journal's
    /// order is its numbering, so it has no `orderBy`. Staff read
    /// their own MFO's (mfoId may be omitted); a regulator names an MFO of its jurisdiction.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn complaint_journal(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The MFO (global ID); staff may omit it (their own), a regulator must name one of its jurisdiction."
        )]
        mfo_id: Option<ID>,
        #[graphql(desc = "The journal year (numbers restart each year, C4).")] year: i32,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Only rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Page size going backward: the last 0 to 100 rows (before `before`).")] last: Option<i32>,
        #[graphql(desc = "Only rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<crate::graphql::connection::Page<Complaint>> {
        let p = ctx.principal()?;
        let w = window(first, after, last, before, None)?;
        let mfo = mfo_id.as_ref().map(|m| decode(m, Kind::Organization).map(OrgId)).transpose()?;
        let page = svc::journal(ctx.services(), p, mfo, year, &w).await.map_err(top_level)?;
        let total = TotalCount::of(ctx.services(), p, (mfo, year), |c, p, (mfo, year)| async move {
            svc::journal_count(&c, &p, mfo, year).await
        });
        Ok(connection(page, &w, None, |c| Position { value: None, key: c.journal_seq }, Complaint, total))
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
