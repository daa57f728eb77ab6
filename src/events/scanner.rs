//! The deadline scanner: claims due deadlines with a lease, so that several instances
//! never act on one twice, then marks each missed and runs its consequence in one
//! transaction (`services::deadlines::on_missed`).
//!
//! The claim is one `UPDATE … WHERE lease expired … RETURNING` that works on both engines
//! (DESIGN.md, Events). The conditions are repeated outside the sub-select so that
//! PostgreSQL re-checks them on a row another scanner has just leased.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use entity::deadline;
use entity::enums::DeadlineStatus;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ActiveEnum, ColumnTrait, Condition, EntityTrait, QueryFilter};
use serde_json::json;

use crate::error::ServiceResult;
use crate::services::write::{Actor, Subject, Visibility, Write};
use crate::services::{Ctx, deadlines};

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    pub claimed: usize,
    pub missed: usize,
}

#[derive(Clone)]
pub struct Scanner {
    ctx: Ctx,
    owner: String,
    lease: Duration,
    batch: u64,
}

impl Scanner {
    /// `owner` names this instance in the lease (host and process, or a test's name).
    pub fn new(ctx: Ctx, owner: impl Into<String>) -> Self {
        Self { ctx, owner: owner.into(), lease: Duration::seconds(60), batch: 100 }
    }

    fn claimable(now: DateTime<Utc>) -> Condition {
        Condition::all()
            .add(deadline::Column::Status.eq(DeadlineStatus::Open))
            .add(deadline::Column::DueAt.lte(now))
            .add(Condition::any().add(deadline::Column::LeaseUntil.is_null()).add(deadline::Column::LeaseUntil.lt(now)))
    }

    /// Leases up to one batch of due deadlines to this instance.
    pub async fn claim(&self, now: DateTime<Utc>) -> ServiceResult<Vec<deadline::Model>> {
        let due = Query::select()
            .column(deadline::Column::Id)
            .from(deadline::Entity)
            .cond_where(Self::claimable(now))
            .order_by(deadline::Column::DueAt, sea_orm::Order::Asc)
            .limit(self.batch)
            .to_owned();
        Ok(deadline::Entity::update_many()
            .col_expr(deadline::Column::LeaseOwner, Expr::value(self.owner.clone()))
            .col_expr(deadline::Column::LeaseUntil, Expr::value(now + self.lease))
            .filter(Self::claimable(now))
            .filter(deadline::Column::Id.in_subquery(due))
            .exec_with_returning(&self.ctx.db)
            .await?)
    }

    /// One pass: claim what is due and handle each claimed deadline.
    pub async fn tick(&self) -> ServiceResult<TickReport> {
        // R1: open the notice duty of loans that fell overdue since the last pass.
        crate::services::restructuring::sweep_overdue(&self.ctx).await?;
        let now = self.ctx.clock.now();
        let claimed = self.claim(now).await?;
        let mut report = TickReport { claimed: claimed.len(), missed: 0 };
        for d in claimed {
            match self.handle(d).await {
                Ok(true) => report.missed += 1,
                Ok(false) => {}
                // The lease runs out and a later pass (here or elsewhere) retries it.
                Err(e) => tracing::error!(error = ?e, "failed to handle a missed deadline"),
            }
        }
        Ok(report)
    }

    /// Marks one leased deadline missed and runs its consequence, all in one transaction.
    /// `false` when it was met, cancelled or re-leased meanwhile.
    async fn handle(&self, d: deadline::Model) -> ServiceResult<bool> {
        let mut w = Write::begin(&self.ctx, Actor::system("deadline-scanner")).await?;
        let marked = deadline::Entity::update_many()
            .col_expr(deadline::Column::Status, Expr::value(DeadlineStatus::Missed.to_value()))
            .col_expr(deadline::Column::ClosedAt, Expr::value(w.now))
            .filter(deadline::Column::Id.eq(d.id))
            .filter(deadline::Column::Status.eq(DeadlineStatus::Open))
            .filter(deadline::Column::LeaseOwner.eq(self.owner.clone()))
            .exec(w.txn())
            .await?;
        if marked.rows_affected != 1 {
            w.rollback().await?;
            return Ok(false);
        }
        deadlines::on_missed(&mut w, &d).await?;
        let subject = Subject::new("deadline", d.id);
        let details = json!({ "kind": d.kind, "rule": d.rule, "dueAt": d.due_at, "subjectId": d.subject_id });
        w.audit("deadline.missed", subject, Some(d.org_id), None, Some(details.clone()));
        w.event(
            "deadline.missed",
            subject,
            Visibility { org_id: Some(d.org_id), jurisdiction: Some(d.jurisdiction) },
            details,
        );
        w.commit().await?;
        Ok(true)
    }

    /// Runs passes until the process stops. Only `serve` calls this; tests call `tick`.
    pub async fn run(self, every: StdDuration) {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            if let Err(e) = self.tick().await {
                tracing::error!(error = ?e, "deadline scan failed");
            }
        }
    }
}
