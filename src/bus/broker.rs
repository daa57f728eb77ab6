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

impl Recent {
    /// Remembers `id`, forgetting the oldest past `REMEMBERED`; false when already known.
    fn remember(&mut self, id: Uuid) -> bool {
        if !self.ids.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > REMEMBERED
            && let Some(old) = self.order.pop_front()
        {
            self.ids.remove(&old);
        }
        true
    }
}

const REMEMBERED: usize = 8192;

#[derive(Clone)]
pub struct Broker {
    tx: Arc<broadcast::Sender<Published>>,
    recent: Arc<Mutex<Recent>>,
    /// Events this instance is committing and will deliver itself (`expect_local`).
    local: Arc<Mutex<Recent>>,
}

impl Broker {
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity);
        Self {
            tx: Arc::new(tx),
            recent: Arc::new(Mutex::new(Recent::default())),
            local: Arc::new(Mutex::new(Recent::default())),
        }
    }

    /// Hands committed events to current subscribers, once each; having none is not an error.
    pub fn publish(&self, events: impl IntoIterator<Item = Published>) {
        for e in events {
            if !self.recent.lock().unwrap_or_else(|p| p.into_inner()).remember(e.id) {
                continue;
            }
            let _ = self.tx.send(e);
        }
    }

    /// Events of a transaction this instance is about to commit: it publishes them itself
    /// once committed, so their notifications (which can arrive before that) need no read
    /// of the outbox (otherwise every write reads its own rows back). Ids of a transaction
    /// that then fails are never notified, and age out.
    pub fn expect_local(&self, ids: impl IntoIterator<Item = Uuid>) {
        let mut local = self.local.lock().unwrap_or_else(|p| p.into_inner());
        for id in ids {
            local.remember(id);
        }
    }

    /// Whether this event was delivered here already, or will be by the commit that
    /// wrote it (`expect_local`).
    pub fn delivered(&self, id: Uuid) -> bool {
        self.recent.lock().unwrap_or_else(|p| p.into_inner()).ids.contains(&id)
            || self.local.lock().unwrap_or_else(|p| p.into_inner()).ids.contains(&id)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: Uuid) -> Published {
        Published {
            id,
            topic: "contact.recorded".to_owned(),
            subject_type: "contact".to_owned(),
            subject_id: id,
            org_id: None,
            jurisdiction: None,
            occurred_at: DateTime::<Utc>::UNIX_EPOCH,
            payload: serde_json::Value::Null,
        }
    }

    /// The relay need not read back an event its own instance is committing (its
    /// notification may arrive before the commit returns), and that event still reaches the
    /// subscribers once, when the commit publishes it.
    #[test]
    fn an_expected_local_event_counts_as_delivered_and_is_still_published_once() {
        let broker = Broker::new(16);
        let mut rx = broker.subscribe();
        let (mine, theirs) = (Uuid::now_v7(), Uuid::now_v7());
        broker.expect_local([mine]);
        assert!(broker.delivered(mine), "the relay skips it");
        assert!(!broker.delivered(theirs), "another instance's event is read");
        broker.publish([event(mine)]);
        broker.publish([event(mine)]);
        assert_eq!(rx.try_recv().map(|e| e.id).ok(), Some(mine));
        assert!(rx.try_recv().is_err(), "published once");
    }
}
