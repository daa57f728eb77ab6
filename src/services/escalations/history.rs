//! Escalations read backwards: the page of a filtered list that ends just before a
//! sequence number (or at the newest), for a reader who starts at the present and goes
//! back through history a page at a time (`escalations(last:, before:)`).
//!
//! It reads through the same scope and filter as `escalations::list` (`filtered`),
//! so a backward page holds exactly the rows a forward one would; it must not decide who
//! sees what any other way.

use entity::escalation;
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};

use super::EscalationFilter;
use crate::auth::Principal;
use crate::error::ServiceResult;
use crate::services::{Ctx, Page};

/// The `last` escalations before `before_seq` (before none: the newest), oldest first as
/// every page of the list is; `has_next` says whether older ones precede them.
pub async fn before(
    ctx: &Ctx,
    p: &Principal,
    f: &EscalationFilter,
    before_seq: Option<i64>,
    last: u64,
) -> ServiceResult<Page<escalation::Model>> {
    crate::services::changes::check_since(ctx, f.updated_after)?;
    let mut q = super::filtered(p, f)?;
    if let Some(s) = before_seq {
        q = q.filter(escalation::Column::Seq.lt(s));
    }
    let mut page = crate::services::read_page(&ctx.db, q.order_by_desc(escalation::Column::Seq), last).await?;
    page.items.reverse();
    Ok(page)
}
