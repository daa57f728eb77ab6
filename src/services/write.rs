//! `Write`: the unit of every change. One database transaction that carries the rows, the
//! audit entries, the outbox events and the escalations of a use case, and publishes the
//! events only after the commit succeeded.
//!
//! On SQLite the transaction is `BEGIN IMMEDIATE`, so concurrent writers never fail when a
//! read lock cannot be upgraded, and it begins only once the process's one writer permit
//! (`Ctx::writers`) is held, until commit, rollback or drop: SQLite has one writer at a
//! time anyway, and a queue in the process wakes the next writer the moment the last one
//! ends, where the busy timeout has them poll with growing sleeps (seconds of p99 under
//! load). Writers of other processes (the CLI) still meet the busy timeout. On
//! PostgreSQL there is no permit (writers run concurrently) and the chain-head row locks
//! taken at commit order appends by commit.

use chrono::{DateTime, Utc};
use entity::enums::{EscalationKind, Jurisdiction};
use entity::{escalation, outbox_event};
use sea_orm::sea_query::{IntoIden, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, Condition, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    PrimaryKeyTrait, QueryFilter, QuerySelect, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::{Ctx, chain, idempotency};
use crate::auth::Principal;
use crate::bus::Published;
use crate::error::{ServiceError, ServiceResult};
use crate::ids::new_id;

/// Who makes a change: a principal or a system task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub key: String,
    pub org_id: Option<Uuid>,
}

impl Actor {
    pub fn system(task: &str) -> Self {
        Self { key: format!("system:{task}"), org_id: None }
    }
}

impl From<&Principal> for Actor {
    fn from(p: &Principal) -> Self {
        Self { key: p.key(), org_id: Some(p.org_id.0) }
    }
}

/// The record a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    pub kind: &'static str,
    pub id: Uuid,
}

impl Subject {
    pub fn new(kind: &'static str, id: impl Into<Uuid>) -> Self {
        Self { kind, id: id.into() }
    }
}

pub(crate) struct AuditDraft {
    pub action: String,
    pub subject: Subject,
    pub org_id: Option<Uuid>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Where an event is visible: the organisation and jurisdiction it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visibility {
    pub org_id: Option<Uuid>,
    pub jurisdiction: Option<Jurisdiction>,
}

struct EventDraft {
    topic: String,
    subject: Subject,
    visibility: Visibility,
    payload: Value,
}

/// An escalation to raise when the change commits.
#[derive(Debug, Clone)]
pub struct EscalationDraft {
    pub kind: EscalationKind,
    pub rule: String,
    pub org_id: Uuid,
    pub jurisdiction: Jurisdiction,
    pub subject_type: String,
    pub subject_id: Uuid,
    pub deadline_id: Option<Uuid>,
    /// What happened, as a message rendered in each reader's language at read time (kept
    /// in `details` as `messageId`/`messageArgs`; the `message` column keeps the English).
    pub message: crate::i18n::Msg,
    pub details: Value,
}

pub struct Write {
    txn: DatabaseTransaction,
    /// SQLite's writer permit; declared after `txn` so it is released after the
    /// transaction ends, also when a `Write` is dropped.
    _writer: Option<tokio::sync::OwnedSemaphorePermit>,
    ctx: Ctx,
    /// The instant of the change: one reading of the clock for the whole transaction.
    pub now: DateTime<Utc>,
    pub actor: Actor,
    audits: Vec<AuditDraft>,
    events: Vec<EventDraft>,
    escalations: Vec<EscalationDraft>,
    /// The idempotency row this change answers, if it came with a `clientSubmissionId`.
    pub(crate) idempotency_row: Option<Uuid>,
    /// The record the change produced, stored with its submission at commit.
    result: Option<Uuid>,
}

/// How a change that may be a retry begins (`Write::begin_submission`).
pub enum Begun {
    /// A first attempt: make the change, name its record with `Write::produced`, commit.
    Fresh(Box<Write>),
    /// The same submission was made before with the same input: answer with this record;
    /// nothing was written.
    Replay(Uuid),
}

/// What `Ctx::submit` answers.
pub enum Submitted<T> {
    /// A first attempt: what the change returned, committed.
    Fresh(T),
    /// The same submission was made before with the same input: the first attempt's
    /// record; nothing was written.
    Replay(Uuid),
}

impl Ctx {
    /// One change as one unit: `change` runs in a new `Write`, which commits when it returns
    /// `Ok` and rolls back when it returns `Err`, so no path can leave a change half-done
    /// or forget its commit. A change that wrote nothing commits nothing.
    ///
    /// When the database gives up on the transaction because of other writers (a deadlock
    /// or a serialization failure on PostgreSQL, BUSY/LOCKED on SQLite), the whole change
    /// is rerun from the start in a new transaction, up to `RETRIES` more times after a
    /// jittered backoff: each attempt runs a fresh clone of `change` (a closure is `Clone`
    /// when what it captures is), so every attempt starts from the same captured input,
    /// and what a failed attempt queued on its `Write` went with it.
    pub async fn write<T>(
        &self,
        actor: Actor,
        change: impl AsyncFnOnce(&mut Write) -> ServiceResult<T> + Clone,
    ) -> ServiceResult<T> {
        self.rerun_on_conflict(|| {
            let (actor, change) = (actor.clone(), change.clone());
            async move { Write::begin(self, actor).await?.run(change).await }
        })
        .await
    }

    /// `write` for a change a client may retry (`clientSubmissionId`, `Write::begin_submission`):
    /// a replay runs nothing and answers with the first attempt's record. Rerun on a
    /// deadlock or serialization failure as `write` is, the claim included.
    pub async fn submit<I: Serialize, T>(
        &self,
        actor: Actor,
        s: Submission<'_, I>,
        change: impl AsyncFnOnce(&mut Write) -> ServiceResult<T> + Clone,
    ) -> ServiceResult<Submitted<T>> {
        self.rerun_on_conflict(|| {
            let (actor, change, s) = (actor.clone(), change.clone(), s.again());
            async move {
                match Write::begin_submission(self, actor, s).await? {
                    Begun::Fresh(w) => w.run(change).await.map(Submitted::Fresh),
                    Begun::Replay(id) => Ok(Submitted::Replay(id)),
                }
            }
        })
        .await
    }

    /// Runs `attempt` and, while it fails in a way a rerun can cure (`is_retryable`), runs it
    /// again, up to `RETRIES` more times, after a jittered wait (`retried`).
    async fn rerun_on_conflict<T, F: Future<Output = ServiceResult<T>>>(
        &self,
        mut attempt: impl FnMut() -> F,
    ) -> ServiceResult<T> {
        let mut reruns = 0;
        loop {
            match attempt().await {
                Err(e) if reruns < RETRIES && is_retryable(self.db.get_database_backend(), &e) => {
                    reruns += 1;
                    retried(reruns, &e).await;
                }
                other => return other,
            }
        }
    }
}

/// How many times a change the database gave up on is rerun before its error is the answer.
pub const RETRIES: u32 = 3;

/// Waits before rerun `attempt` (from 1): 20 ms doubled per attempt, jittered by ±50 % so
/// that the writers that met keep from meeting again in step; counted in `/metrics`.
async fn retried(attempt: u32, e: &ServiceError) {
    use rand::Rng;
    let base = 20u64 << attempt.min(6);
    let wait = rand::rng().random_range(base / 2..=base + base / 2);
    tracing::info!(attempt, wait_ms = wait, error = %e, "the database gave up on a change for other writers; rerunning it");
    metrics::counter!("mfo_write_retries_total").increment(1);
    tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
}

/// Whether the database refused a transaction only because of concurrent writers, so that
/// the same change run again can succeed: PostgreSQL's deadlock (SQLSTATE 40P01) and
/// serialization failure (40001), SQLite's BUSY and LOCKED (primary codes 5 and 6; the
/// driver reports extended codes, whose low byte is the primary one).
pub fn is_retryable(backend: DbBackend, e: &ServiceError) -> bool {
    let ServiceError::Internal(e) = e else { return false };
    let Some(db) = e.downcast_ref::<sea_orm::DbErr>() else { return false };
    let (sea_orm::DbErr::Exec(sea_orm::RuntimeErr::SqlxError(sqlx))
    | sea_orm::DbErr::Query(sea_orm::RuntimeErr::SqlxError(sqlx))
    | sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(sqlx))) = db
    else {
        return false;
    };
    sqlx.as_database_error().and_then(|d| d.code()).is_some_and(|code| retryable_code(backend, &code))
}

/// `is_retryable` on the database's error code.
pub fn retryable_code(backend: DbBackend, code: &str) -> bool {
    match backend {
        DbBackend::Postgres => matches!(code, "40P01" | "40001"),
        DbBackend::Sqlite => code.parse::<u32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6)),
        _ => false,
    }
}

/// A retryable mutation's submission: its `clientSubmissionId` (if the client sent one),
/// the operation and the input the id stands for.
pub struct Submission<'a, I: Serialize> {
    pub client_submission_id: Option<Uuid>,
    pub operation: &'static str,
    pub input: &'a I,
}

impl<I: Serialize> Submission<'_, I> {
    /// The same submission for another attempt.
    fn again(&self) -> Submission<'_, I> {
        Submission { client_submission_id: self.client_submission_id, operation: self.operation, input: self.input }
    }
}

impl Write {
    /// The process's reference data (calendars, policy versions), for the rules.
    pub fn reference(&self) -> &super::reference::Cache {
        &self.ctx.reference
    }

    pub async fn begin(ctx: &Ctx, actor: Actor) -> ServiceResult<Self> {
        let writer =
            if ctx.db.get_database_backend() == DbBackend::Sqlite {
                Some(
                    ctx.writers.clone().acquire_owned().await.map_err(|e| {
                        crate::error::ServiceError::Internal(anyhow::anyhow!("writer queue closed: {e}"))
                    })?,
                )
            } else {
                None
            };
        let txn = ctx
            .db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        Ok(Self {
            txn,
            _writer: writer,
            ctx: ctx.clone(),
            now: ctx.clock.now(),
            actor,
            audits: Vec::new(),
            events: Vec::new(),
            escalations: Vec::new(),
            idempotency_row: None,
            result: None,
        })
    }

    /// Begins a change a client may retry. With a `clientSubmissionId`, the (principal, id)
    /// key is claimed first thing in the transaction: a concurrent duplicate waits on its
    /// unique index (or on SQLite's writer permit) and then finds the first attempt. A
    /// replay writes nothing and answers with the first attempt's record; the same id with
    /// other input is a CONFLICT. The claim and the result are one unit with the change:
    /// `commit` refuses a claimed submission whose record was not named (`produced`).
    pub async fn begin_submission<I: Serialize>(ctx: &Ctx, actor: Actor, s: Submission<'_, I>) -> ServiceResult<Begun> {
        let mut w = Self::begin(ctx, actor).await?;
        let Some(csid) = s.client_submission_id else { return Ok(Begun::Fresh(Box::new(w))) };
        match idempotency::claim(&mut w, csid, s.operation, s.input).await? {
            idempotency::Claim::Fresh => Ok(Begun::Fresh(Box::new(w))),
            idempotency::Claim::Replay(id) => {
                w.rollback().await?;
                Ok(Begun::Replay(id))
            }
        }
    }

    /// Runs `change` on this unit: commit on `Ok`, rollback on `Err`. A failed rollback is
    /// logged; the caller gets the change's own error, which is what went wrong.
    async fn run<T>(mut self, change: impl AsyncFnOnce(&mut Write) -> ServiceResult<T>) -> ServiceResult<T> {
        match change(&mut self).await {
            Ok(v) => {
                self.commit().await?;
                Ok(v)
            }
            Err(e) => {
                if let Err(r) = self.txn.rollback().await {
                    tracing::warn!(error = ?r, "rolling back a refused change failed; the connection drops it");
                }
                Err(e)
            }
        }
    }

    /// Names the record this change produced: what a retry of its submission answers with.
    pub fn produced(&mut self, id: Uuid) {
        self.result = Some(id);
    }

    /// Reads the one record a change is about, within the caller's `scope`, its row locked
    /// until the commit (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's writers are one at
    /// a time already, and sea-query leaves the clause out there). Every state change reads
    /// its record through here, so of two concurrent changes of one record the second runs
    /// on the first's result, as if it had come later. Outside the scope is NOT_FOUND.
    pub async fn for_change<E>(&self, scope: Condition, id: Uuid) -> ServiceResult<E::Model>
    where
        E: EntityTrait,
        Uuid: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
    {
        E::find_by_id(id).filter(scope).lock_exclusive().one(&self.txn).await?.ok_or(ServiceError::NotFound)
    }

    /// Inserts a batch's new records: one statement per chunk of `in_statements`, each row
    /// unless a row with the same `key` (a unique index: an outside id) is stored, or being
    /// stored by a concurrent writer, whose commit this waits for (PostgreSQL).
    /// Answers the primary keys of the rows inserted; the others' keys were taken, and
    /// their records are to be read (`for_change_many`) and judged again.
    pub async fn insert_new_many<A, C, I>(
        &self,
        rows: Vec<A>,
        key: I,
    ) -> ServiceResult<Vec<<<A::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType>>
    where
        A: ActiveModelTrait,
        <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
        C: IntoIden,
        I: IntoIterator<Item = C>,
    {
        let key: Vec<sea_orm::sea_query::DynIden> = key.into_iter().map(IntoIden::into_iden).collect();
        let mut inserted = Vec::with_capacity(rows.len());
        for chunk in in_statements(self.txn.get_database_backend(), rows) {
            inserted.extend(
                <A::Entity as EntityTrait>::insert_many(chunk)
                    .on_conflict(OnConflict::columns(key.clone()).do_nothing().to_owned())
                    .exec_with_returning_keys(&self.txn)
                    .await?,
            );
        }
        Ok(inserted)
    }

    /// Overwrites stored rows (a batch's changed records, read and locked by
    /// `for_change_many`) with `rows`, every column but the primary key, by multi-row
    /// `INSERT … ON CONFLICT (primary key) DO UPDATE`: one statement per chunk of
    /// `in_statements`, whatever the number of rows.
    pub async fn overwrite_many<A>(&self, rows: Vec<A>) -> ServiceResult<()>
    where
        A: ActiveModelTrait,
    {
        use sea_orm::{Iterable, PrimaryKeyToColumn};
        let keys: Vec<<A::Entity as EntityTrait>::Column> =
            <A::Entity as EntityTrait>::PrimaryKey::iter().map(|k| k.into_column()).collect();
        let others: Vec<<A::Entity as EntityTrait>::Column> = <A::Entity as EntityTrait>::Column::iter()
            .filter(|c| !keys.iter().any(|k| sea_orm::IdenStatic::as_str(k) == sea_orm::IdenStatic::as_str(c)))
            .collect();
        for chunk in in_statements(self.txn.get_database_backend(), rows) {
            <A::Entity as EntityTrait>::insert_many(chunk)
                .on_conflict(OnConflict::columns(keys.clone()).update_columns(others.clone()).to_owned())
                .exec_without_returning(&self.txn)
                .await?;
        }
        Ok(())
    }

    /// `for_change` for a record named by other columns (an outside id): `which` picks
    /// one row, `scope` limits it to the caller's.
    pub async fn for_change_where<E: EntityTrait>(
        &self,
        scope: Condition,
        which: Condition,
    ) -> ServiceResult<E::Model> {
        E::find().filter(scope).filter(which).lock_exclusive().one(&self.txn).await?.ok_or(ServiceError::NotFound)
    }

    /// `for_change_where` for many records at once (a batch's, named by their outside ids):
    /// every row in `scope` that `which` picks, locked until the commit, in the order of
    /// `order` (a unique column) so that two batches sharing rows lock them in one order.
    /// One statement, whatever the number of rows.
    pub async fn for_change_many<E, C>(
        &self,
        scope: Condition,
        which: Condition,
        order: C,
    ) -> ServiceResult<Vec<E::Model>>
    where
        E: EntityTrait,
        C: sea_orm::ColumnTrait,
    {
        use sea_orm::QueryOrder;
        Ok(E::find().filter(scope).filter(which).order_by_asc(order).lock_exclusive().all(&self.txn).await?)
    }

    pub fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// A new UUIDv7 stamped with this change's instant.
    pub fn new_id(&self) -> Uuid {
        new_id(self.now)
    }

    /// Records what changed; appended to the hash chain at commit.
    pub fn audit(
        &mut self,
        action: &str,
        subject: Subject,
        org_id: Option<Uuid>,
        before: Option<Value>,
        after: Option<Value>,
    ) {
        self.audits.push(AuditDraft { action: action.to_owned(), subject, org_id, before, after });
    }

    /// Announces the change to subscribers once committed.
    pub fn event(&mut self, topic: &str, subject: Subject, visibility: Visibility, payload: Value) {
        self.events.push(EventDraft { topic: topic.to_owned(), subject, visibility, payload });
    }

    pub fn escalate(&mut self, e: EscalationDraft) {
        self.escalations.push(e);
    }

    /// Nothing of the change is kept.
    pub async fn rollback(self) -> ServiceResult<()> {
        self.txn.rollback().await?;
        Ok(())
    }

    /// Writes the escalations (in commit order), the outbox events and the audit entries
    /// (hash-chained), commits, then publishes the events. The audit chain's head is locked
    /// last, before the outbox rows: every write of every organisation queues on it, so it
    /// is held only for those rows, the entries' one insert, the head's update and the commit.
    pub async fn commit(mut self) -> ServiceResult<()> {
        if let Some(row) = self.idempotency_row {
            let result = self.result.ok_or_else(|| {
                ServiceError::Internal(anyhow::anyhow!("a claimed submission committed without naming its record"))
            })?;
            idempotency::remember(&self.txn, row, result).await?;
        }
        // Text the database could not hold was made storable at the edge (`crate::text`);
        // the request's first audited write keeps the originals on the trail of each record
        // it changed (deadlines carry no input text, so not theirs).
        let taken = if self.audits.is_empty() { None } else { crate::text::take_originals() };
        if let Some(originals) = &taken {
            let after = serde_json::json!({
                "replacement": crate::text::REPLACEMENT.to_string(),
                "escaping": "%00 is U+0000, %25 is %",
                "originals": originals,
            });
            let mut subjects: Vec<(Subject, Option<Uuid>)> = Vec::new();
            for a in self.audits.iter().filter(|a| a.subject.kind != "deadline") {
                if !subjects.iter().any(|(s, _)| *s == a.subject) {
                    subjects.push((a.subject, a.org_id));
                }
            }
            for (subject, org_id) in subjects {
                let action = "input.normalised".to_owned();
                self.audits.push(AuditDraft { action, subject, org_id, before: None, after: Some(after.clone()) });
            }
        }

        let ended = self.write_queued_and_commit().await;
        if ended.is_err()
            && let Some(originals) = taken
        {
            // A rerun of the change (`Ctx::write`) records them instead.
            crate::text::put_back_originals(originals);
        }
        ended
    }

    /// `commit`'s rows: escalations, outbox events, audit entries; then the commit itself.
    async fn write_queued_and_commit(mut self) -> ServiceResult<()> {
        let escalations = std::mem::take(&mut self.escalations);
        // Counted once committed (/metrics: escalations raised by kind and rule).
        let raised: Vec<(String, String)> =
            escalations.iter().map(|e| (sea_orm::ActiveEnum::to_value(&e.kind), e.rule.clone())).collect();
        if !escalations.is_empty() {
            // Hold the escalation head's row lock until commit: sequence numbers are then
            // handed out in commit order, which is what `after:` replays rely on.
            chain::lock_head(&self.txn, chain::ESCALATION_CHAIN).await?;
            for e in escalations {
                let id = self.new_id();
                let row = escalation::ActiveModel {
                    id: Set(id),
                    raised_at: Set(self.now),
                    kind: Set(e.kind),
                    rule: Set(e.rule.clone()),
                    org_id: Set(e.org_id),
                    jurisdiction: Set(e.jurisdiction),
                    subject_type: Set(e.subject_type.clone()),
                    subject_id: Set(e.subject_id),
                    deadline_id: Set(e.deadline_id),
                    message: Set(e.message.render(crate::i18n::Lang::En)),
                    // The column the filters and statistics use; the details keep it too.
                    responsible_org_id: Set(e.details["responsibleOrgId"]
                        .as_str()
                        .and_then(|s| Uuid::parse_str(s).ok())
                        .filter(|o| *o != e.org_id)),
                    details: Set({
                        let mut d = e.details.clone();
                        if let Some(o) = d.as_object_mut() {
                            let (id, args) = e.message.stored();
                            o.insert("messageId".to_owned(), id);
                            o.insert("messageArgs".to_owned(), args);
                        }
                        d
                    }),
                    ..Default::default()
                };
                let stored = escalation::Entity::insert(row).exec_with_returning(&self.txn).await?;
                self.events.push(EventDraft {
                    topic: "escalation.raised".to_owned(),
                    subject: Subject::new("escalation", id),
                    visibility: Visibility { org_id: Some(e.org_id), jurisdiction: Some(e.jurisdiction) },
                    payload: serde_json::json!({ "seq": stored.seq, "rule": e.rule, "kind": e.kind }),
                });
            }
        }

        let mut published = Vec::with_capacity(self.events.len());
        let mut rows = Vec::with_capacity(self.events.len());
        for e in std::mem::take(&mut self.events) {
            let id = self.new_id();
            let row = outbox_event::ActiveModel {
                id: Set(id),
                occurred_at: Set(self.now),
                topic: Set(e.topic.clone()),
                subject_type: Set(e.subject.kind.to_owned()),
                subject_id: Set(e.subject.id),
                org_id: Set(e.visibility.org_id),
                jurisdiction: Set(e.visibility.jurisdiction),
                payload: Set(e.payload.clone()),
                ..Default::default()
            };
            rows.push(row);
            published.push(Published {
                id,
                topic: e.topic,
                subject_type: e.subject.kind.to_owned(),
                subject_id: e.subject.id,
                org_id: e.visibility.org_id,
                jurisdiction: e.visibility.jurisdiction,
                occurred_at: self.now,
                payload: e.payload,
            });
        }

        // The outbox's sequence numbers are handed out in commit order, which the change
        // feed's cursor relies on (`services::changes`): the audit chain's head, which every
        // write takes anyway, is locked before they are drawn and held until commit.
        if !rows.is_empty() {
            chain::lock_head(&self.txn, chain::AUDIT_CHAIN).await?;
        }
        // One statement for all the outbox rows: every statement taken while a chain head is
        // locked lengthens the queue of every other writer.
        for chunk in in_statements(self.txn.get_database_backend(), rows) {
            outbox_event::Entity::insert_many(chunk).exec_without_returning(&self.txn).await?;
        }
        if self.txn.get_database_backend() == DbBackend::Postgres && !published.is_empty() {
            // A wake-up for the other instances, delivered at commit; the row is the record.
            // The payload names the schema, so that the instances of other deployments (or
            // other tests) sharing the database ignore it without a query. One notification
            // per event, sent by one statement.
            let ids = published.iter().map(|e| e.id.to_string()).collect::<Vec<_>>().join(",");
            let notify = Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, current_schema() || ' ' || id) FROM unnest(string_to_array($2, ',')) AS id",
                [crate::bus::CHANNEL.into(), ids.into()],
            );
            self.txn.execute_raw(notify).await?;
            // This instance delivers its own events after the commit: the relay is not to
            // read them back when their notifications arrive (possibly before that).
            self.ctx.broker.expect_local(published.iter().map(|e| e.id));
        }
        // The audit chain's head is the one lock every write takes: taken as late as the
        // outbox's order allows, so that it is held for a few statements and the commit.
        chain::append(&self.txn, self.now, &self.actor, std::mem::take(&mut self.audits)).await?;
        self.txn.commit().await?;
        if published.iter().any(|e| super::reference::changes_reference(&e.topic)) {
            self.ctx.reference.invalidate();
        }
        for (kind, rule) in raised {
            metrics::counter!("mfo_escalations_raised_total", "kind" => kind, "rule" => rule).increment(1);
        }
        self.ctx.broker.publish(published);
        Ok(())
    }
}

/// The most values one statement may bind: SQLite's `SQLITE_MAX_VARIABLE_NUMBER` (32,766
/// since 3.32) and PostgreSQL's protocol limit (65,535, a 16-bit count).
pub(crate) fn max_parameters(backend: DbBackend) -> usize {
    match backend {
        DbBackend::Postgres => 65_535,
        _ => 32_766,
    }
}

/// Splits rows of `columns` values each into the fewest multi-row statements the backend's
/// parameter limit allows, in order; none when there are none. A batch's rows then take a
/// statement per table whatever their number, until they pass the limit.
pub(crate) fn in_chunks<T>(backend: DbBackend, columns: usize, mut rows: Vec<T>) -> Vec<Vec<T>> {
    let per_statement = (max_parameters(backend) / columns.max(1)).max(1);
    let mut chunks = Vec::new();
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(per_statement));
        chunks.push(std::mem::replace(&mut rows, rest));
    }
    chunks
}

/// `in_chunks` for sea-orm rows: the entity's columns (all of them, the widest row).
pub(crate) fn in_statements<A: ActiveModelTrait>(backend: DbBackend, rows: Vec<A>) -> Vec<Vec<A>> {
    use sea_orm::Iterable;
    in_chunks(backend, <A::Entity as EntityTrait>::Column::iter().count(), rows)
}

#[cfg(test)]
mod tests {
    /// Every `.rs` file under `dir`, with its text.
    fn sources(dir: &std::path::Path, out: &mut Vec<(std::path::PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push((path.clone(), std::fs::read_to_string(&path).expect("read file")));
            }
        }
    }

    /// The row lock of a change is taken in one place, so a new state change reads its
    /// record through `Write::for_change` rather than a lock of its own (or none).
    #[test]
    fn row_locks_are_taken_only_by_write_for_change() {
        let mut files = Vec::new();
        sources(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        let elsewhere: Vec<_> = files
            .iter()
            .filter(|(path, text)| !path.ends_with("services/write.rs") && text.contains(".lock_exclusive()"))
            .map(|(path, _)| path.display().to_string())
            .collect();
        assert!(elsewhere.is_empty(), "row locks outside Write::for_change: {elsewhere:?}");
    }

    /// Every change of the application runs through `Ctx::write` or `Ctx::submit`, which
    /// commit on `Ok` and roll back on `Err`: no code under src/ begins, commits or rolls
    /// back a `Write`, or opens a transaction of its own, by hand (the mechanism tests under
    /// tests/ do, to hold one open).
    #[test]
    fn changes_run_only_through_the_closure_shaped_write() {
        let mut files = Vec::new();
        sources(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        let by_hand = ["Write::begin(", "Write::begin_submission(", "w.commit()", "w.rollback()", "db.begin()"];
        let elsewhere: Vec<_> = files
            .iter()
            .filter(|(path, text)| !path.ends_with("services/write.rs") && by_hand.iter().any(|c| text.contains(c)))
            .map(|(path, _)| path.display().to_string())
            .collect();
        assert!(elsewhere.is_empty(), "changes begun or ended by hand: {elsewhere:?}");
    }

    /// A change is rerun only when the database gave up on it for other writers:
    /// PostgreSQL's deadlock and serialization failure, SQLite's BUSY and LOCKED with their
    /// extended codes; a constraint or any other failure is the answer at once.
    #[test]
    fn only_deadlocks_serialization_failures_and_busy_locked_are_rerun() {
        use sea_orm::DatabaseBackend::{Postgres, Sqlite};
        for code in ["40P01", "40001"] {
            assert!(super::retryable_code(Postgres, code), "{code}");
        }
        for code in ["23505", "23503", "40002", "57014", "08006", "5", "6"] {
            assert!(!super::retryable_code(Postgres, code), "{code}");
        }
        // BUSY, LOCKED, BUSY_RECOVERY, LOCKED_SHAREDCACHE, BUSY_SNAPSHOT, BUSY_TIMEOUT.
        for code in ["5", "6", "261", "262", "517", "773"] {
            assert!(super::retryable_code(Sqlite, code), "{code}");
        }
        // CONSTRAINT_UNIQUE, CONSTRAINT, IOERR, and PostgreSQL's codes.
        for code in ["2067", "19", "10", "40P01", "40001"] {
            assert!(!super::retryable_code(Sqlite, code), "{code}");
        }
        let other = crate::error::ServiceError::Internal(anyhow::anyhow!("no database error"));
        assert!(!super::is_retryable(Postgres, &other));
    }

    /// A unique index that states an invariant is told to the client as a CONFLICT on its
    /// field, in the words of either engine.
    #[test]
    fn a_unique_violation_of_an_invariant_is_a_conflict_on_its_field() {
        use crate::error::{UserErrorCode, UserErrorReason};
        let pg = "duplicate key value violates unique constraint \"ix_collection_assignment_active\"";
        let sqlite = "UNIQUE constraint failed: collection_assignment.loan_id";
        for message in [pg, sqlite] {
            let conflict = crate::error::conflict_of_unique(message).expect("an invariant's index");
            assert_eq!(conflict.code, UserErrorCode::Conflict);
            assert_eq!(conflict.reason, UserErrorReason::AlreadyAtAgency);
            assert_eq!(conflict.field, vec!["input".to_owned(), "loanId".to_owned()]);
        }
        assert!(
            crate::error::conflict_of_unique("UNIQUE constraint failed: holiday.jurisdiction, holiday.date").is_none()
        );
    }
}
