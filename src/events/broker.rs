//! In-process fan-out of committed events (`tokio::sync::broadcast`). A slow subscriber
//! that falls behind loses live events, never stored ones: the escalation subscription
//! replays from the table on reconnect (`after:`), which is the source of truth.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use entity::enums::Jurisdiction;
use tokio::sync::broadcast;
use uuid::Uuid;

/// A committed outbox event as subscribers receive it.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    pub id: Uuid,
    pub topic: String,
    pub subject_type: String,
    pub subject_id: Uuid,
    pub org_id: Option<Uuid>,
    pub jurisdiction: Option<Jurisdiction>,
    pub occurred_at: DateTime<Utc>,
    pub payload: serde_json::Value,
}

/// Ids of events already delivered here, so the PostgreSQL relay does not deliver this
/// instance's own commits a second time.
#[derive(Default)]
struct Recent {
    order: VecDeque<Uuid>,
    ids: HashSet<Uuid>,
}

const REMEMBERED: usize = 8192;

#[derive(Clone)]
pub struct Broker {
    tx: Arc<broadcast::Sender<Published>>,
    recent: Arc<Mutex<Recent>>,
}

impl Broker {
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity);
        Self { tx: Arc::new(tx), recent: Arc::new(Mutex::new(Recent::default())) }
    }

    /// Hands committed events to current subscribers, once each; having none is not an error.
    pub fn publish(&self, events: impl IntoIterator<Item = Published>) {
        for e in events {
            {
                let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
                if !recent.ids.insert(e.id) {
                    continue;
                }
                recent.order.push_back(e.id);
                if recent.order.len() > REMEMBERED
                    && let Some(old) = recent.order.pop_front()
                {
                    recent.ids.remove(&old);
                }
            }
            let _ = self.tx.send(e);
        }
    }

    /// Whether this event was already delivered here.
    pub fn delivered(&self, id: Uuid) -> bool {
        self.recent.lock().unwrap_or_else(|p| p.into_inner()).ids.contains(&id)
    }

    /// The outbox backlog (`/metrics`): events committed and handed to this instance's
    /// subscribers that not all of them have taken yet. Committed rows are delivered at
    /// commit (this instance) or on their notification (the relay), so the table has no
    /// "not yet relayed" state; events wait here, and a subscriber that falls the whole
    /// capacity behind misses events (it re-reads the table where it can).
    pub fn backlog(&self) -> usize {
        self.tx.len()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Published> {
        self.tx.subscribe()
    }
}

impl Default for Broker {
    fn default() -> Self {
        Self::new(1024)
    }
}
