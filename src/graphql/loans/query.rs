//! The loans' queries (`loans`, `loan`, `borrowers`, `borrower`) and their filters. Each takes
//! the principal and calls a service; the scope is the service's, never decided here.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::LoanStatus;

use super::{Borrower, Loan};
use crate::graphql::connection::{TotalCount, connection, order_input, window};
use crate::graphql::context::ContextExt;
use crate::graphql::errors::{bad_input, not_found, top_level};
use crate::graphql::ids::{Kind, decode};
use crate::graphql::loaders::Loaders;
use crate::ids::{BorrowerId, LoanId};
use crate::services::Range;
use crate::services::loans::{self as svc};

/// Narrows `loans`; every field given must match.
#[derive(InputObject, Default)]
pub struct LoanFilter {
    /// Only loans in this servicing status.
    pub status: Option<LoanStatus>,
    /// R1: only loans that are (true) or are not (false) overdue now, in the local time of
    /// the loan's jurisdiction (Asia/Almaty for KZ, Asia/Bishkek for KG). Overdue: an
    /// installment due before today is not fully paid (as `Loan.overdue.overdue`), whatever
    /// the loan's status. `false` is everything else: loans repaid in full, closed loans,
    /// and loans with nothing due yet or nothing unpaid. `true` and `false` together list
    /// every loan exactly once.
    pub overdue: Option<bool>,
    /// Only this borrower's loans (global ID).
    pub borrower_id: Option<ID>,
    /// Only loans whose contract is dated on or after this date (`contractDate`, the
    /// contract's own date, no time zone). Half-open with `contractDateTo`.
    pub contract_date_from: Option<NaiveDate>,
    /// Only loans whose contract is dated before this date (exclusive): `[contractDateFrom,
    /// contractDateTo)`.
    pub contract_date_to: Option<NaiveDate>,
    /// Only loans created or changed at or after this instant (UTC):
    /// for a sync that re-reads what changed since its last run (`changes` lists the
    /// changes themselves).
    /// At most `MFO_CHANGE_RETENTION_DAYS` back (30 by default); older: BAD_USER_INPUT.
    pub updated_after: Option<DateTime<Utc>>,
}

order_input!(
    /// How `loans` is sorted (by default: by id, i.e. the order the loans were first synced).
    LoanOrder,
    svc::LoanOrderField
);

order_input!(
    /// How `borrowers` is sorted (by default: by id, i.e. the order they were first synced).
    BorrowerOrder,
    svc::BorrowerOrderField
);

/// Narrows `borrowers`; every field given must match.
#[derive(InputObject, Default)]
pub struct BorrowerFilter {
    /// Only borrowers first synced at or after this instant (UTC; `Borrower.createdAt`).
    /// Half-open with `to`: `[from, to)`.
    pub from: Option<DateTime<Utc>>,
    /// Only borrowers first synced before this instant (UTC, exclusive).
    pub to: Option<DateTime<Utc>>,
    /// Only borrowers created or changed at or after this instant (UTC):
    /// for a sync that re-reads what changed since its last run (`changes` lists the
    /// changes themselves).
    /// At most `MFO_CHANGE_RETENTION_DAYS` back (30 by default); older: BAD_USER_INPUT.
    pub updated_after: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct LoanQuery;

#[Object]
impl LoanQuery {
    /// Loans the caller may see: a borrower their own, staff their MFO's, an agency those
    /// currently handed to it, a regulator its jurisdiction's. Stable order: `orderBy`, then
    /// id; by default by id, i.e. in the order the loans were first synced (ids are
    /// UUIDv7), oldest first. A cursor keeps its place while loans are added; it belongs to
    /// the order it was read in.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn loans(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only loans matching every field given.")] filter: Option<LoanFilter>,
        #[graphql(desc = "The order of the list.")] order_by: Option<LoanOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Only rows after this cursor (of the same order).")] after: Option<String>,
        #[graphql(desc = "Page size going backward: the last 0 to 100 rows (before `before`).")] last: Option<i32>,
        #[graphql(desc = "Only rows before this cursor (of the same order).")] before: Option<String>,
    ) -> async_graphql::Result<crate::graphql::connection::Page<Loan>> {
        let p = ctx.principal()?;
        let sort = LoanOrder::sort(order_by);
        let w = window(first, after, last, before, sort.tag())?;
        let filter = filter.unwrap_or_default();
        let borrower_id = match &filter.borrower_id {
            Some(id) => Some(BorrowerId(decode(id, Kind::Borrower)?)),
            None => None,
        };
        let f = svc::LoanFilter {
            status: filter.status,
            overdue: filter.overdue,
            borrower_id,
            contract_date: Range { from: filter.contract_date_from, to: filter.contract_date_to },
            updated_after: filter.updated_after,
        };
        let page = svc::list(ctx.services(), p, &f, &sort, &w).await.map_err(top_level)?;
        ctx.data_unchecked::<Loaders>().prefetch_loans(&ctx.look_ahead(), &page.items).await?;
        let total = TotalCount::of(ctx.services(), p, f, |c, p, f| async move { svc::count(&c, &p, &f).await });
        Ok(connection(page, &w, sort.tag(), |l| sort.position(l, l.id), Loan, total))
    }

    /// One loan, by exactly one of `id` (our global id), `externalId` (the MFO's own id,
    /// for the core-banking sync) or `contractNumber` (the number on the contract, what a
    /// call centre is told: "MK-2001/24"); `mfoId` narrows the last two when the caller
    /// sees several MFOs' loans. Two or none of the three: BAD_USER_INPUT; a number two
    /// loans in the caller's scope share, without `mfoId` (or within one MFO): BAD_USER_INPUT.
    /// NOT_FOUND when it does not exist or is outside the caller's scope (as `loans`).
    async fn loan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The loan's global ID.")] id: Option<ID>,
        #[graphql(desc = "The MFO's own id for the loan.")] external_id: Option<String>,
        #[graphql(desc = "The contract's number, as printed on it.")] contract_number: Option<String>,
        #[graphql(desc = "With `externalId` or `contractNumber`: the MFO whose loan it is (global ID).")]
        mfo_id: Option<ID>,
    ) -> async_graphql::Result<Option<Loan>> {
        let p = ctx.principal()?;
        let s = ctx.services();
        let mfo = mfo_id.map(|m| decode(&m, Kind::Organization)).transpose()?;
        match (id, external_id, contract_number) {
            (Some(id), None, None) => {
                let id = LoanId(decode(&id, Kind::Loan)?);
                svc::get(s, p, id).await.map(|l| Some(Loan(l))).map_err(top_level)
            }
            (None, Some(external_id), None) => {
                let rows = svc::find_by_external_id(s, p, &external_id, mfo).await.map_err(top_level)?;
                one_of(rows, "externalId").map(|l| Some(Loan(l)))
            }
            (None, None, Some(number)) => {
                let rows = svc::find_by_contract_number(s, p, &number, mfo).await.map_err(top_level)?;
                one_of(rows, "contractNumber").map(|l| Some(Loan(l)))
            }
            _ => Err(bad_input("give exactly one of `id`, `externalId` and `contractNumber`")),
        }
    }

    /// One borrower, by exactly one of `id` or `externalId` (the MFO's own id; `mfoId` as
    /// for `loan`). Both or neither, or an ambiguous `externalId`: BAD_USER_INPUT.
    /// NOT_FOUND when it does not exist or is outside the caller's scope (as `borrowers`).
    async fn borrower(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The borrower's global ID.")] id: Option<ID>,
        #[graphql(desc = "The MFO's own id for the borrower.")] external_id: Option<String>,
        #[graphql(desc = "With `externalId`: the MFO whose id it is (global ID).")] mfo_id: Option<ID>,
    ) -> async_graphql::Result<Option<Borrower>> {
        let p = ctx.principal()?;
        match (id, external_id) {
            (Some(id), None) => {
                let id = BorrowerId(decode(&id, Kind::Borrower)?);
                svc::get_borrower(ctx.services(), p, id).await.map(|b| Some(Borrower(b))).map_err(top_level)
            }
            (None, Some(external_id)) => {
                let mfo = mfo_id.map(|m| decode(&m, Kind::Organization)).transpose()?;
                let rows = svc::find_borrowers_by_external_id(ctx.services(), p, &external_id, mfo)
                    .await
                    .map_err(top_level)?;
                one_of(rows, "externalId").map(|b| Some(Borrower(b)))
            }
            _ => Err(bad_input("give exactly one of `id` and `externalId`")),
        }
    }

    /// Borrowers the caller may see: MFO staff their MFO's, an agency the borrowers of
    /// loans currently handed to it (R17.2), a borrower themself, a regulator those of its
    /// jurisdiction's MFOs. Stable order: `orderBy`, then id; by default by id, i.e. in the
    /// order the borrowers were first synced (ids are UUIDv7), oldest first.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn borrowers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only borrowers matching every field given.")] filter: Option<BorrowerFilter>,
        #[graphql(desc = "The order of the list.")] order_by: Option<BorrowerOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Only rows after this cursor (of the same order).")] after: Option<String>,
        #[graphql(desc = "Page size going backward: the last 0 to 100 rows (before `before`).")] last: Option<i32>,
        #[graphql(desc = "Only rows before this cursor (of the same order).")] before: Option<String>,
    ) -> async_graphql::Result<crate::graphql::connection::Page<Borrower>> {
        let p = ctx.principal()?;
        let sort = BorrowerOrder::sort(order_by);
        let w = window(first, after, last, before, sort.tag())?;
        let filter = filter.unwrap_or_default();
        let f = svc::BorrowerFilter {
            created: Range { from: filter.from, to: filter.to },
            updated_after: filter.updated_after,
        };
        let page = svc::list_borrowers(ctx.services(), p, &f, &sort, &w).await.map_err(top_level)?;
        let total =
            TotalCount::of(ctx.services(), p, f, |c, p, f| async move { svc::count_borrowers(&c, &p, &f).await });
        Ok(connection(page, &w, sort.tag(), |b| sort.position(b, b.id), Borrower, total))
    }
}

/// The one row of an external-id lookup (at most two are loaded).
fn one_of<T>(mut rows: Vec<T>, key: &str) -> async_graphql::Result<T> {
    match rows.len() {
        0 => Err(not_found()),
        1 => rows.pop().ok_or_else(not_found),
        _ => Err(bad_input(format!("several records in your scope have this `{key}`: give `mfoId`, or `id`"))),
    }
}
