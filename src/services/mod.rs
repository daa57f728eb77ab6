//! The use cases. Each public function loads facts inside one transaction, asks
//! `rules/`, writes rows together with their audit entry, outbox event and deadline
//! changes, and commits (or writes nothing). Authorisation scoping lives here too, in
//! `scope`, one function per entity.
//!
//! Services return `ServiceError`; they never build GraphQL values.

use sea_orm::DatabaseConnection;

use crate::bus::Broker;
use crate::clock::SharedClock;
use crate::error;

pub mod appeals;
pub mod audit;
pub mod chain;
pub mod changes;
pub mod collection;
pub mod complaints;
pub mod deadlines;
pub mod escalations;
pub mod idempotency;
pub mod loans;
pub mod military;
pub mod orgs;
pub mod paging;
pub mod reference;
pub mod restructuring;
pub mod scope;
pub mod statistics;
pub mod sync;
pub mod webhooks;
pub mod write;

pub use write::{Actor, Subject, Write};

/// The longest free text the MFO's own people (or its agency) write into a record, some
/// ten pages: an answer's justification or what was said orally (C10, C12), a closing note
/// (C3, C7, C12), a decision's reasons (R8), a notice's text (R1). Its fields are weighed
/// by it (`graphql::budget::text_units`). The texts the law says are accepted as they come
/// (a complaint's substance, C2; an application's circumstances, R5) have no such bound.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// What every use case needs: the database, the clock and the broker.
#[derive(Clone)]
pub struct Ctx {
    pub db: DatabaseConnection,
    pub clock: SharedClock,
    pub broker: Broker,
    /// SQLite: one permit, held by the open `Write` (see `write.rs`), so this process's
    /// writers queue here in arrival order instead of polling the busy timeout.
    pub writers: std::sync::Arc<tokio::sync::Semaphore>,
    /// Calendars, policy versions, organisations and secrets kept in memory (see
    /// `reference`); shared by the clones of one `Ctx`, one per process.
    pub reference: std::sync::Arc<reference::Cache>,
    /// New escalations, read once per process and fanned out to the subscriptions.
    pub escalation_feed: std::sync::Arc<escalations::feed::Feed>,
    /// PostgreSQL: whether the outbox relay is listening now (it empties the reference
    /// cache each time it starts to, see `events::relay`); tests wait for it.
    pub relay_listening: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// How many days changes stay readable in the change feed (`changes`).
    pub change_retention_days: u32,
    /// Webhooks may go to http and private addresses (`MFO_WEBHOOK_ALLOW_PRIVATE`: tests
    /// and development); shared by the clones, so a test can change it.
    pub webhook_allow_private: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Ctx {
    pub fn new(db: DatabaseConnection, clock: SharedClock, broker: Broker) -> Self {
        Self {
            db,
            clock,
            broker,
            writers: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
            reference: std::sync::Arc::default(),
            escalation_feed: std::sync::Arc::default(),
            relay_listening: std::sync::Arc::default(),
            change_retention_days: changes::DEFAULT_RETENTION_DAYS,
            webhook_allow_private: std::sync::Arc::default(),
        }
    }

    pub fn webhook_allow_private(&self) -> bool {
        self.webhook_allow_private.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// One page of a list, and whether more rows follow it.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next: bool,
}

/// Reads one page of `q` (scoped, filtered, past the cursor and ordered by the caller):
/// `first` rows, and whether more follow (one more row is read to know).
pub(crate) async fn read_page<E: sea_orm::EntityTrait>(
    db: &DatabaseConnection,
    q: sea_orm::Select<E>,
    first: u64,
) -> error::ServiceResult<Page<E::Model>> {
    use sea_orm::QuerySelect;
    let mut items = q.limit(first + 1).all(db).await?;
    let has_next = items.len() as u64 > first;
    items.truncate(first as usize);
    Ok(Page { items, has_next })
}

/// Counts the rows of `q` (a list's scope and filter: `totalCount`).
pub(crate) async fn count_rows<E>(db: &DatabaseConnection, q: sea_orm::Select<E>) -> error::ServiceResult<u64>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
{
    use sea_orm::PaginatorTrait;
    Ok(q.count(db).await?)
}

/// A half-open range `[from, to)` of a list's date filter: either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Range<T> {
    pub from: Option<T>,
    pub to: Option<T>,
}

impl<T: Into<sea_orm::Value> + Copy + PartialOrd> Range<T> {
    /// `from <= col < to` for the ends given.
    pub fn condition(&self, col: impl sea_orm::ColumnTrait) -> sea_orm::Condition {
        let mut c = sea_orm::Condition::all();
        if let Some(f) = self.from {
            c = c.add(col.gte(f));
        }
        if let Some(t) = self.to {
            c = c.add(col.lt(t));
        }
        c
    }

    /// The same test in memory (the live escalation feed filters there).
    pub fn contains(&self, v: T) -> bool {
        self.from.is_none_or(|f| v >= f) && self.to.is_none_or(|t| v < t)
    }
}

/// Turns a rule's refusal into the user error of the input field it concerns.
pub(crate) fn refused(r: crate::rules::Refusal, field: &[&str]) -> crate::error::ServiceError {
    crate::error::ServiceError::user(refusal_error(r, field))
}

/// A rule's refusal as the user error of the input field it concerns, with its reason
/// and particulars.
pub(crate) fn refusal_error(r: crate::rules::Refusal, field: &[&str]) -> crate::error::UserError {
    r.on_field(field)
}

/// Runs a counter's upsert-increment (`… ON CONFLICT DO UPDATE SET last_number =
/// last_number + 1 RETURNING last_number`) inside the change's transaction and returns the
/// number it handed out. The row lock it takes makes concurrent registrations queue, and a
/// rolled-back registration gives its number back: numbers have no gaps and no duplicates.
pub(crate) async fn next_number(w: &Write, stmt: sea_orm::sea_query::InsertStatement) -> error::ServiceResult<i32> {
    use sea_orm::ConnectionTrait;
    let backend = w.txn().get_database_backend();
    let row = w
        .txn()
        .query_one_raw(backend.build(&stmt))
        .await?
        .ok_or_else(|| error::ServiceError::Internal(anyhow::anyhow!("a counter returned no row")))?;
    Ok(row.try_get::<i32>("", "last_number")?)
}
