//! The change feed: every committed change to a record the caller may see, in commit
//! order, read from the outbox `Write` fills in each change's transaction; and
//! `updatedAfter`, the same outbox asked "which records of this type changed since".
//!
//! Visibility is the records' own: a change is listed when its record passes the scope
//! its own query and `node(id:)` apply (`visible`), so the feed reveals nothing a caller
//! could not read by id. Changes of reference data (calendars, policy versions) are not
//! in the feed: they are not records a caller reads by id.
//!
//! Retention: the scanner deletes outbox rows older than the retention (plus a margin, so
//! that a cursor or instant accepted here never points into what was deleted); a cursor or
//! an `updatedAfter` older than the retention is refused, never answered with a silent gap.
//! This module never writes an outbox row (only `Write::commit` does).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use entity::{
    borrower, complaint, contact_event, deadline, escalation, info_request, loan, military_deferral, organization,
    outbox_event, regulator_appeal, restructuring_application,
};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::{Ctx, scope};
use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult, UserError, UserErrorReason};
use entity::enums::Role;

/// How long changes stay readable when `MFO_CHANGE_RETENTION_DAYS` is not set.
pub use crate::config::DEFAULT_CHANGE_RETENTION_DAYS as DEFAULT_RETENTION_DAYS;

/// Outbox rows a page reads at most while it looks for changes the caller may see: a
/// caller who may see few of them gets a short (even empty) page and a cursor past what
/// was read, instead of a request that reads the whole table.
pub const MAX_SCAN: u64 = 1_000;

/// Rows the scanner deletes per pass, so that a first prune of a long backlog holds no
/// long lock.
const PRUNE_BATCH: u64 = 10_000;

/// The records whose changes are listed: the outbox's `subject_type` and the record
/// type's name as partners read it (`ChangeRecordType`, webhook bodies).
pub const RECORD_TYPES: [(&str, &str); 11] = [
    ("loan", "LOAN"),
    ("borrower", "BORROWER"),
    ("complaint", "COMPLAINT"),
    ("info_request", "INFO_REQUEST"),
    ("application", "RESTRUCTURING_APPLICATION"),
    ("appeal", "REGULATOR_APPEAL"),
    ("contact", "CONTACT_EVENT"),
    ("military_deferral", "MILITARY_DEFERRAL"),
    ("deadline", "DEADLINE"),
    ("escalation", "ESCALATION"),
    ("organization", "ORGANIZATION"),
];

/// A record type's name (`LOAN`) by its `subject_type`.
pub fn record_type_name(subject: &str) -> Option<&'static str> {
    RECORD_TYPES.iter().find(|(s, _)| *s == subject).map(|(_, n)| *n)
}

/// A record type's `subject_type` by its name.
pub fn subject_of(name: &str) -> Option<&'static str> {
    RECORD_TYPES.iter().find(|(_, n)| *n == name).map(|(s, _)| *s)
}

/// A position in the feed: after the change with this sequence number, committed at `at`
/// (kept so that a cursor older than the retention is told apart from a quiet feed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub seq: i64,
    pub at: DateTime<Utc>,
}

impl Cursor {
    pub fn of(e: &outbox_event::Model) -> Self {
        Self { seq: e.seq, at: e.occurred_at }
    }
}

/// One page of the feed. `resume` is where the next page starts: past the last change
/// listed, or past the changes read and skipped because the caller may not see them.
#[derive(Debug, Clone)]
pub struct ChangePage {
    pub items: Vec<outbox_event::Model>,
    pub resume: Option<Cursor>,
    pub has_next: bool,
}

/// The retention as a duration.
pub fn retention(days: u32) -> Duration {
    Duration::days(i64::from(days))
}

/// Refuses an instant older than the retention: the changes before it may be deleted.
fn within_retention(ctx: &Ctx, field: &str, at: DateTime<Utc>) -> ServiceResult<()> {
    let horizon = ctx.clock.now() - retention(ctx.change_retention_days);
    if at < horizon {
        return Err(ServiceError::user(
            UserError::invalid(&[field], UserErrorReason::BeyondChangeRetention)
                .with_param("days", ctx.change_retention_days),
        ));
    }
    Ok(())
}

/// `changes(after:, types:, first:)`: up to `first` changes after `after`, of the given
/// record types (all when empty), that the caller may see, in commit order.
pub async fn page(
    ctx: &Ctx,
    p: &Principal,
    after: Option<Cursor>,
    types: &[&'static str],
    first: u64,
) -> ServiceResult<ChangePage> {
    if let Some(c) = after {
        within_retention(ctx, "after", c.at)?;
    }
    let types: Vec<&str> =
        if types.is_empty() { RECORD_TYPES.iter().map(|(s, _)| *s).collect() } else { types.to_vec() };
    let mut items = Vec::new();
    let mut position = after;
    let mut scanned = 0u64;
    loop {
        // One more than asked, to know whether more follow.
        let want = (first + 1 - items.len() as u64).max(50).min(MAX_SCAN - scanned);
        let mut q = outbox_event::Entity::find()
            .filter(outbox_event::Column::SubjectType.is_in(types.iter().copied()))
            .filter(coarse(p));
        if let Some(c) = position {
            q = q.filter(outbox_event::Column::Seq.gt(c.seq));
        }
        let rows = q.order_by_asc(outbox_event::Column::Seq).limit(want).all(&ctx.db).await?;
        let exhausted = (rows.len() as u64) < want;
        let seen = visible(ctx, p, &rows).await?;
        for row in rows {
            let at = Cursor::of(&row);
            if seen.contains(&(row.subject_type.clone(), row.subject_id)) {
                if items.len() as u64 == first {
                    // The (first + 1)-th: more follow; the page ends at the last listed.
                    return Ok(ChangePage { items, resume: position, has_next: true });
                }
                items.push(row);
            }
            scanned += 1;
            position = Some(at);
        }
        if exhausted {
            return Ok(ChangePage { items, resume: position, has_next: false });
        }
        if scanned >= MAX_SCAN {
            // Read enough for one request: the caller continues from here.
            return Ok(ChangePage { items, resume: position, has_next: true });
        }
    }
}

/// A cheap superset of what the caller may see, so that a page does not read every
/// organisation's changes to find one's: the exact test is `visible`.
fn coarse(p: &Principal) -> Condition {
    let organizations = outbox_event::Column::SubjectType.eq("organization");
    match p.role {
        Role::MfoStaff | Role::MfoManager | Role::Borrower => {
            Condition::any().add(outbox_event::Column::OrgId.eq(p.org_id.0)).add(organizations)
        }
        Role::Regulator => {
            Condition::any().add(outbox_event::Column::Jurisdiction.eq(p.jurisdiction)).add(organizations)
        }
        // An agency's loans come from many MFOs: no cheaper test than the exact one.
        Role::CollectionAgency => Condition::all(),
    }
}

/// Which of the rows' records the caller may see: one statement per record type on the
/// page, each through the scope the record's own query applies.
async fn visible(ctx: &Ctx, p: &Principal, rows: &[outbox_event::Model]) -> ServiceResult<HashSet<(String, Uuid)>> {
    let mut by_type: HashMap<&str, Vec<Uuid>> = HashMap::new();
    for r in rows {
        by_type.entry(r.subject_type.as_str()).or_default().push(r.subject_id);
    }
    let mut out = HashSet::new();
    for (kind, ids) in by_type {
        for id in visible_of(ctx, p, kind, ids).await? {
            out.insert((kind.to_owned(), id));
        }
    }
    Ok(out)
}

/// The ids among `ids` of records of `kind` the caller may see.
async fn visible_of(ctx: &Ctx, p: &Principal, kind: &str, ids: Vec<Uuid>) -> ServiceResult<Vec<Uuid>> {
    let db = &ctx.db;
    macro_rules! ids_of {
        ($entity:ident, $scope:expr) => {
            match $scope {
                Some(scope) => Ok($entity::Entity::find()
                    .select_only()
                    .column($entity::Column::Id)
                    .filter($entity::Column::Id.is_in(ids))
                    .filter(scope)
                    .into_tuple::<Uuid>()
                    .all(db)
                    .await?),
                None => Ok(Vec::new()),
            }
        };
    }
    match kind {
        "loan" => ids_of!(loan, Some(scope::loans(p))),
        "borrower" => ids_of!(borrower, Some(scope::borrowers(p))),
        "complaint" => ids_of!(complaint, scope::complaints(p)),
        "info_request" => ids_of!(info_request, scope::info_requests(p)),
        "application" => ids_of!(restructuring_application, scope::applications(p)),
        "appeal" => ids_of!(regulator_appeal, scope::appeals(p)),
        "contact" => ids_of!(contact_event, Some(scope::contacts(p))),
        // A deferral is visible to whoever sees its loan (`military::get`).
        "military_deferral" => ids_of!(
            military_deferral,
            Some(Condition::all().add(military_deferral::Column::LoanId.in_subquery(
                Query::select().column(loan::Column::Id).from(loan::Entity).cond_where(scope::loans(p)).to_owned()
            )))
        ),
        "deadline" => ids_of!(deadline, scope::deadlines(p)),
        "escalation" => ids_of!(escalation, scope::escalations(p)),
        "organization" => ids_of!(organization, Some(scope::organizations(p))),
        _ => Ok(Vec::new()),
    }
}

/// Refuses an `updatedAfter` older than the retention (`updated_since` could not tell a
/// record unchanged since from one whose changes were deleted).
pub fn check_since(ctx: &Ctx, since: Option<DateTime<Utc>>) -> ServiceResult<()> {
    match since {
        Some(t) => within_retention(ctx, "filter.updatedAfter", t),
        None => Ok(()),
    }
}

/// `updatedAfter` on a root list: records of `kind` (whose id column is `id`) with a
/// change committed at or after `since`, their creation included. The list calls
/// `check_since` first.
pub fn updated_since(kind: &'static str, id: impl ColumnTrait, since: DateTime<Utc>) -> Condition {
    let changed = Query::select()
        .column(outbox_event::Column::SubjectId)
        .from(outbox_event::Entity)
        .and_where(outbox_event::Column::SubjectType.eq(kind))
        .and_where(outbox_event::Column::OccurredAt.gte(since))
        .to_owned();
    Condition::all().add(id.in_subquery(changed))
}

/// Deletes up to one batch of outbox rows older than the retention and a margin of a
/// day (a cursor accepted up to the retention's edge still finds every change after it).
/// Returns how many were deleted.
pub async fn prune(ctx: &Ctx) -> ServiceResult<u64> {
    let before = ctx.clock.now() - retention(ctx.change_retention_days) - Duration::days(1);
    let oldest = Query::select()
        .column(outbox_event::Column::Seq)
        .from(outbox_event::Entity)
        .and_where(outbox_event::Column::OccurredAt.lt(before))
        .order_by(outbox_event::Column::Seq, sea_orm::Order::Asc)
        .limit(PRUNE_BATCH)
        .to_owned();
    let deleted =
        outbox_event::Entity::delete_many().filter(outbox_event::Column::Seq.in_subquery(oldest)).exec(&ctx.db).await?;
    Ok(deleted.rows_affected)
}
