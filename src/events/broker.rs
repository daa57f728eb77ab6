//! In-process fan-out of committed events (`tokio::sync::broadcast`). A slow subscriber
//! that falls behind loses live events, never stored ones: the escalation subscription
//! replays from the table on reconnect (`after:`), which is the source of truth.

use std::sync::Arc;

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

#[derive(Clone)]
pub struct Broker {
    tx: Arc<broadcast::Sender<Published>>,
}

impl Broker {
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity);
        Self { tx: Arc::new(tx) }
    }

    /// Hands committed events to current subscribers; having none is not an error.
    pub fn publish(&self, events: impl IntoIterator<Item = Published>) {
        for e in events {
            let _ = self.tx.send(e);
        }
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
