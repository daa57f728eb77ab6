//! The deadline scanner: claims due deadlines with a lease, so that several instances
//! never act on one twice, then marks each missed (`services::deadlines::mark_missed`, which
//! escalates the MFO's duties) and runs its area's consequence (`consequence`) in one
//! transaction.
//!
//! The claim is one `UPDATE … WHERE lease expired …` that works on both engines
//! (DESIGN.md, Events). The conditions are repeated outside the sub-select so that
//! PostgreSQL re-checks them on a row another scanner has just leased.
//!
//! One record must never stall the machinery for everyone: the R1 sweep and the deadline
//! scan read ids first and handle each item in its own transaction; an item that fails is
//! logged with its id, counted in `/metrics` (`mfo_scanner_item_failures_total`), and left
//! alone for a backoff that doubles with each failure (1 min up to 1 h) while every other
//! item goes on. A failed deadline's lease is extended to its next try, so other instances
//! respect the backoff too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use entity::deadline;
use entity::enums::DeadlineStatus;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use entity::enums::Jurisdiction;
use uuid::Uuid;

use crate::error::ServiceResult;
use crate::services::restructuring::{self, OverdueExamined};
use crate::services::write::{Actor, Write};
use crate::services::{Ctx, deadlines, reference};

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    /// R1: loans whose new overdue episode got its notice deadline.
    pub notice_duties_opened: usize,
    /// R1: new overdue episodes that began before the first policy version (no duty).
    pub before_the_law: usize,
    pub claimed: usize,
    pub missed: usize,
    /// Items (loans or deadlines) that failed this pass and wait for their retry.
    pub failed: usize,
    /// Items skipped because an earlier failure's backoff has not run out.
    pub backing_off: usize,
    /// Outbox rows deleted past the change feed's retention.
    pub pruned: u64,
}

/// Which stage an item failed in, for the log and the metric's label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Stage {
    OverdueSweep,
    Deadline,
    ChangePrune,
}

impl Stage {
    fn label(self) -> &'static str {
        match self {
            Stage::OverdueSweep => "overdue_sweep",
            Stage::Deadline => "deadline",
            Stage::ChangePrune => "change_prune",
        }
    }
}

/// Items that failed, with their failure count and the instant of their next try.
#[derive(Debug, Default)]
struct Backoff {
    items: HashMap<(Stage, Uuid), (u32, DateTime<Utc>)>,
}

impl Backoff {
    const FIRST: i64 = 60;
    const MAX: i64 = 3600;

    fn waiting(&self, stage: Stage, id: Uuid, now: DateTime<Utc>) -> bool {
        self.items.get(&(stage, id)).is_some_and(|(_, next)| *next > now)
    }

    /// Records a failure and returns when the item is next tried.
    fn failed(&mut self, stage: Stage, id: Uuid, now: DateTime<Utc>) -> DateTime<Utc> {
        let entry = self.items.entry((stage, id)).or_insert((0, now));
        entry.0 += 1;
        let wait = Self::FIRST.saturating_mul(1 << (entry.0 - 1).min(6)).min(Self::MAX);
        entry.1 = now + Duration::seconds(wait);
        entry.1
    }

    fn succeeded(&mut self, stage: Stage, id: Uuid) {
        self.items.remove(&(stage, id));
    }
}

#[derive(Clone)]
pub struct Scanner {
    ctx: Ctx,
    owner: String,
    lease: Duration,
    batch: u64,
    backoff: Arc<Mutex<Backoff>>,
}

impl Scanner {
    /// `owner` names this instance in the lease (host and process, or a test's name).
    pub fn new(ctx: Ctx, owner: impl Into<String>) -> Self {
        Self {
            ctx,
            owner: owner.into(),
            lease: Duration::seconds(60),
            batch: 100,
            backoff: Arc::new(Mutex::new(Backoff::default())),
        }
    }

    fn waiting(&self, stage: Stage, id: Uuid, now: DateTime<Utc>) -> bool {
        self.backoff.lock().map(|b| b.waiting(stage, id, now)).unwrap_or(false)
    }

    fn succeeded(&self, stage: Stage, id: Uuid) {
        if let Ok(mut b) = self.backoff.lock() {
            b.succeeded(stage, id);
        }
    }

    /// Logs and counts one item's failure; returns when it is tried again.
    fn failed(&self, stage: Stage, id: Uuid, now: DateTime<Utc>, e: &crate::error::ServiceError) -> DateTime<Utc> {
        let retry_at = match self.backoff.lock() {
            Ok(mut b) => b.failed(stage, id, now),
            Err(_) => now + Duration::seconds(Backoff::FIRST),
        };
        metrics::counter!("mfo_scanner_item_failures_total", "stage" => stage.label()).increment(1);
        tracing::error!(stage = stage.label(), item = %id, retry_at = %retry_at, error = ?e, "scanner item failed; the others go on");
        retry_at
    }

    fn claimable(now: DateTime<Utc>) -> Condition {
        Condition::all()
            .add(deadline::Column::Status.eq(DeadlineStatus::Open))
            .add(deadline::Column::DueAt.lte(now))
            .add(Condition::any().add(deadline::Column::LeaseUntil.is_null()).add(deadline::Column::LeaseUntil.lt(now)))
    }

    /// Leases up to one batch of due deadlines to this instance and returns their ids
    /// (ids only: a row that cannot be read must fail alone, in its own handling).
    pub async fn claim(&self, now: DateTime<Utc>) -> ServiceResult<Vec<Uuid>> {
        let due = Query::select()
            .column(deadline::Column::Id)
            .from(deadline::Entity)
            .cond_where(Self::claimable(now))
            .order_by(deadline::Column::DueAt, sea_orm::Order::Asc)
            .limit(self.batch)
            .to_owned();
        let claim = Query::update()
            .table(deadline::Entity)
            .value(deadline::Column::LeaseOwner, self.owner.clone())
            .value(deadline::Column::LeaseUntil, now + self.lease)
            .cond_where(Self::claimable(now))
            .and_where(deadline::Column::Id.in_subquery(due))
            .returning(Query::returning().columns([deadline::Column::Id, deadline::Column::DueAt]))
            .to_owned();
        let rows = self.ctx.db.query_all(&claim).await?;
        let mut claimed = rows
            .iter()
            .map(|r| Ok((r.try_get::<DateTime<Utc>>("", "due_at")?, r.try_get::<Uuid>("", "id")?)))
            .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
        // RETURNING gives rows in no set order: handled in due order, an earlier duty's
        // consequence comes first (R6's lapse cancels the R8 decision due after it, after
        // a pass that catches up on several days).
        claimed.sort();
        Ok(claimed.into_iter().map(|(_, id)| id).collect())
    }

    /// `/metrics`: how far behind the scan is (the oldest open deadline already due; 0 when
    /// none is), so an operator sees a stalled or overloaded scanner before a regulator does.
    async fn record_lag(&self, now: DateTime<Utc>) {
        let oldest: Result<Option<Option<DateTime<Utc>>>, _> = deadline::Entity::find()
            .select_only()
            .column_as(deadline::Column::DueAt.min(), "oldest")
            .filter(deadline::Column::Status.eq(DeadlineStatus::Open))
            .filter(deadline::Column::DueAt.lte(now))
            .into_tuple()
            .one(&self.ctx.db)
            .await;
        let lag = match oldest {
            Ok(Some(Some(t))) => (now - t).num_milliseconds() as f64 / 1000.0,
            Ok(_) => 0.0,
            Err(e) => {
                tracing::warn!(error = ?e, "could not measure the scanner's lag");
                return;
            }
        };
        metrics::gauge!("mfo_scanner_lag_seconds").set(lag);
    }

    /// R1: examines every loan that may have fallen overdue, each on its own.
    async fn sweep_overdue(&self, report: &mut TickReport) -> ServiceResult<()> {
        let now = self.ctx.clock.now();
        for j in [Jurisdiction::Kz, Jurisdiction::Kg] {
            let cal = reference::calendar(&self.ctx.reference, &self.ctx.db, j).await?;
            let today = cal.local_date(now);
            let mut after = None;
            loop {
                let ids = restructuring::overdue_candidates(&self.ctx, j, today, after, 500).await?;
                let Some(last) = ids.last().copied() else { break };
                after = Some(last);
                for id in ids {
                    if self.waiting(Stage::OverdueSweep, id, now) {
                        report.backing_off += 1;
                        continue;
                    }
                    match restructuring::examine_overdue(&self.ctx, id, &cal).await {
                        Ok(done) => {
                            self.succeeded(Stage::OverdueSweep, id);
                            match done {
                                OverdueExamined::NoticeDutyOpened => report.notice_duties_opened += 1,
                                OverdueExamined::BeforeTheLaw => report.before_the_law += 1,
                                OverdueExamined::Unchanged => {}
                            }
                        }
                        Err(e) => {
                            self.failed(Stage::OverdueSweep, id, now, &e);
                            report.failed += 1;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// One pass: the R1 sweep, then claim what is due and handle each claimed deadline.
    /// A failure of the sweep as a whole (the database gone) does not stop the deadline
    /// scan; a failure of one item stops nothing but that item.
    pub async fn tick(&self) -> ServiceResult<TickReport> {
        let mut report = TickReport::default();
        // R1: open the notice duty of loans that fell overdue since the last pass.
        if let Err(e) = self.sweep_overdue(&mut report).await {
            metrics::counter!("mfo_scanner_pass_failures_total", "stage" => Stage::OverdueSweep.label()).increment(1);
            tracing::error!(error = ?e, "the overdue sweep failed; the deadline scan goes on");
        }
        // Changes past the feed's retention; like the sweep, a failure stops nothing else.
        match crate::services::changes::prune(&self.ctx).await {
            Ok(n) => report.pruned = n,
            Err(e) => {
                metrics::counter!("mfo_scanner_pass_failures_total", "stage" => Stage::ChangePrune.label())
                    .increment(1);
                tracing::error!(error = ?e, "pruning the change feed failed; the deadline scan goes on");
            }
        }
        let now = self.ctx.clock.now();
        let claimed = self.claim(now).await?;
        report.claimed = claimed.len();
        self.record_lag(now).await;
        for id in claimed {
            if self.waiting(Stage::Deadline, id, now) {
                report.backing_off += 1;
                continue;
            }
            match self.handle(id).await {
                Ok(missed) => {
                    self.succeeded(Stage::Deadline, id);
                    report.missed += usize::from(missed);
                }
                Err(e) => {
                    let retry_at = self.failed(Stage::Deadline, id, now, &e);
                    report.failed += 1;
                    // Hold the lease until the retry, so other instances back off too.
                    let held = deadline::Entity::update_many()
                        .col_expr(deadline::Column::LeaseUntil, Expr::value(retry_at))
                        .filter(deadline::Column::Id.eq(id))
                        .filter(deadline::Column::LeaseOwner.eq(self.owner.clone()))
                        .exec(&self.ctx.db)
                        .await;
                    if let Err(e) = held {
                        tracing::warn!(item = %id, error = ?e, "could not extend a failed deadline's lease");
                    }
                }
            }
        }
        Ok(report)
    }

    /// Marks one leased deadline missed and runs its consequence, all in one transaction.
    /// `false` when it was met, cancelled or re-leased meanwhile.
    async fn handle(&self, id: Uuid) -> ServiceResult<bool> {
        self.ctx
            .write(Actor::system("deadline-scanner"), async |w| {
                let Some(d) = deadline::Entity::find_by_id(id).one(w.txn()).await? else { return Ok(false) };
                let Some(missed) = deadlines::mark_missed(w, &d, Some(&self.owner)).await? else { return Ok(false) };
                consequence(w, &missed).await?;
                Ok(true)
            })
            .await
    }

    /// Runs passes until `stop` resolves, then finishes the pass under way and gives back
    /// this instance's leases, so another instance takes the deadlines up at once instead
    /// of after the lease runs out. Only `serve` calls this; tests call `tick`.
    pub async fn run(self, every: StdDuration, stop: impl Future<Output = ()>) {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                // A stop wins over a due pass: a draining process starts no new one.
                biased;
                () = &mut stop => break,
                _ = interval.tick() => {}
            }
            if let Err(e) = self.tick().await {
                tracing::error!(error = ?e, "deadline scan failed");
            }
        }
        match self.release().await {
            Ok(n) => tracing::info!(released = n, "scanner stopped; leases released"),
            Err(e) => tracing::warn!(error = ?e, "scanner stopped; its leases run out by themselves"),
        }
    }

    /// Gives back every lease this instance holds on an open deadline (a failed item's
    /// backoff lease too: another instance retrying it sooner keeps its own backoff).
    pub async fn release(&self) -> ServiceResult<u64> {
        let release = Query::update()
            .table(deadline::Entity)
            .value(deadline::Column::LeaseOwner, Option::<String>::None)
            .value(deadline::Column::LeaseUntil, Option::<DateTime<Utc>>::None)
            .and_where(deadline::Column::LeaseOwner.eq(self.owner.clone()))
            .and_where(deadline::Column::Status.eq(DeadlineStatus::Open))
            .to_owned();
        Ok(self.ctx.db.execute(&release).await?.rows_affected())
    }
}

/// What missing a deadline does in its area besides the mark and, for the MFO's duties,
/// the escalation (`deadlines::mark_missed`): an automatic status change. Exhaustive, so a
/// new kind must decide what missing it does.
async fn consequence(w: &mut Write, d: &deadline::Model) -> ServiceResult<()> {
    use entity::enums::DeadlineKind;
    match d.kind {
        // R6: documents not provided: left without review, borrower told.
        DeadlineKind::ApplicationDocuments => restructuring::documents_lapsed(w, d).await,
        // R13: no agreement 30 days after receipt: deemed refused.
        DeadlineKind::CounterProposalReply => restructuring::deemed_refusal(w, d).await,
        // The MFO's own duties: missing them is the escalation alone.
        DeadlineKind::ComplaintRegistration
        | DeadlineKind::ComplaintAcknowledgement
        | DeadlineKind::ComplaintAnswer
        | DeadlineKind::InfoRequestAnswer
        | DeadlineKind::DelinquencyNotice
        | DeadlineKind::ApplicationDecision
        | DeadlineKind::DecisionImplementation
        | DeadlineKind::MilitaryDeferralGrant
        | DeadlineKind::MilitaryRefusalConfirmation => Ok(()),
    }
}
