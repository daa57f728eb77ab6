//! The escalation feed: one reader of the `escalation` table per process, fanned out in
//! memory to every live `escalations` subscription (with every subscriber re-reading
//! the table, each escalation cost ≈ 1,059 queries at 500 subscribers).
//!
//! The feed wakes on the broker's `escalation.raised` events (this process's commits and,
//! through the relay, other instances'), reads the rows past the last one it has sent,
//! in sequence order, and broadcasts them. It knows nothing of who may see what: each
//! subscription filters with `services::escalations::admits`. A subscription that falls
//! behind the broadcast reads the table itself to catch up (`services::escalations::live`),
//! so a slow consumer can lose nothing.

use std::sync::Arc;
use std::time::Duration;

use entity::escalation;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};

use crate::error::{ServiceError, ServiceResult};
use crate::services::{Ctx, escalations};

/// Rows read per statement while catching up.
const BATCH: u64 = 500;
/// Escalations a subscription may fall behind before it catches up from the table.
const CAPACITY: usize = 4096;

pub struct Feed {
    tx: broadcast::Sender<Arc<escalation::Model>>,
    /// Set once the reader knows where it starts (and runs).
    started: tokio::sync::OnceCell<()>,
}

impl Default for Feed {
    fn default() -> Self {
        Self { tx: broadcast::channel(CAPACITY).0, started: tokio::sync::OnceCell::new() }
    }
}

impl Feed {
    /// A receiver of every escalation committed from now on (starting the process's reader
    /// on first use). Rows already committed are the caller's to read from the table.
    pub async fn subscribe(&self, ctx: &Ctx) -> ServiceResult<broadcast::Receiver<Arc<escalation::Model>>> {
        let rx = self.tx.subscribe();
        // Every caller, not only the first, waits until the reader knows where it starts:
        // a subscriber that went on to read the table while the first caller was still
        // reading the start position lost whatever was committed between its own read and
        // that position (neither in its read nor past the reader's start): a second shared
        // rendering, started beside the first, missed three escalations on PostgreSQL under
        // load.
        self.started
            .get_or_try_init(|| async {
                // Wake-ups first, then the position: an escalation committed in between is
                // both past the position and announced.
                let wakeups = ctx.broker.subscribe();
                let from = escalations::latest_seq(ctx).await?;
                tokio::spawn(run(ctx.clone(), self.tx.clone(), wakeups, from));
                Ok::<(), ServiceError>(())
            })
            .await?;
        Ok(rx)
    }
}

async fn run(
    ctx: Ctx,
    tx: broadcast::Sender<Arc<escalation::Model>>,
    mut wakeups: broadcast::Receiver<crate::bus::Published>,
    mut last: i64,
) {
    loop {
        // Everything past `last`, then wait for the next wake-up.
        loop {
            let rows = escalation::Entity::find()
                .filter(escalation::Column::Seq.gt(last))
                .order_by_asc(escalation::Column::Seq)
                .limit(BATCH)
                .all(&ctx.db)
                .await;
            match rows {
                Ok(rows) => {
                    // A short batch is the end of the table: no second read to learn it.
                    let more = rows.len() as u64 == BATCH;
                    for row in rows {
                        last = row.seq;
                        // No receiver is not an error: nobody subscribes right now.
                        let _ = tx.send(Arc::new(row));
                    }
                    if !more {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "escalation feed could not read; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
        loop {
            match wakeups.recv().await {
                Ok(event) if event.topic == "escalation.raised" => break,
                Ok(_) => {}
                // Fell behind the broker: read the table anyway.
                Err(RecvError::Lagged(_)) => break,
                Err(RecvError::Closed) => return,
            }
        }
        // One read covers every wake-up already queued (a commit that raised several
        // escalations announces each).
        while !matches!(wakeups.try_recv(), Err(TryRecvError::Empty | TryRecvError::Closed)) {}
    }
}
