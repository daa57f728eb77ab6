//! Per-principal shares. Of what a WebSocket holds for as long as it is open: sockets per
//! principal (per client address before or without a token) and subscriptions per
//! principal (`Tally`). Of the workers: requests of one principal running at once
//! (`Lanes`). One token, or none, must not take every place the server has (the
//! connection cap is global: without these, one borrower's sockets left everyone else,
//! `/healthz` included, with 503s; and one principal's parallel requests took the workers
//! from everyone else's). Places are given back when their `Slot` or `Lane` is dropped,
//! so a socket, a subscription task or a request that ends for any reason frees its place.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How many places each key holds.
#[derive(Debug, Default)]
pub struct Tally {
    counts: Mutex<HashMap<String, usize>>,
}

/// One place held under a key; given back on drop.
#[derive(Debug)]
pub struct Slot {
    tally: Arc<Tally>,
    key: String,
}

impl Tally {
    /// A place for `key` if it holds fewer than `max`.
    pub fn take(self: &Arc<Self>, key: &str, max: usize) -> Option<Slot> {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let held = counts.entry(key.to_owned()).or_insert(0);
        if *held >= max {
            return None;
        }
        *held += 1;
        Some(Slot { tally: self.clone(), key: key.to_owned() })
    }

    /// Places `key` holds now.
    pub fn held(&self, key: &str) -> usize {
        self.counts.lock().unwrap_or_else(|p| p.into_inner()).get(key).copied().unwrap_or(0)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.tally.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(held) = counts.get_mut(&self.key) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

/// Requests running at once per key: at most `max`; the others wait their turn, first come
/// first served (tokio's semaphore is fair), within the request's own timeout. Waiting
/// rather than refusing: a sync worker's parallel requests are slowed to the key's share,
/// never failed.
#[derive(Debug)]
pub struct Lanes {
    max: usize,
    lanes: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// A running request's place in its key's lane; given back on drop.
#[derive(Debug)]
pub struct Lane {
    lanes: Arc<Lanes>,
    key: String,
    permit: Option<OwnedSemaphorePermit>,
}

impl Lanes {
    pub fn new(max: usize) -> Self {
        Self { max: max.max(1), lanes: Mutex::default() }
    }

    /// Waits for a place in `key`'s lane.
    pub async fn enter(self: &Arc<Self>, key: &str) -> Lane {
        let semaphore = {
            let mut lanes = self.lanes.lock().unwrap_or_else(|p| p.into_inner());
            lanes.entry(key.to_owned()).or_insert_with(|| Arc::new(Semaphore::new(self.max))).clone()
        };
        // The semaphore is never closed, so acquiring fails never; were it to, the
        // request runs without a place rather than not at all.
        let permit = semaphore.acquire_owned().await.ok();
        Lane { lanes: self.clone(), key: key.to_owned(), permit }
    }

    /// Keys with a lane now (running or waiting requests).
    pub fn keys(&self) -> usize {
        self.lanes.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl Drop for Lane {
    fn drop(&mut self) {
        drop(self.permit.take());
        let mut lanes = self.lanes.lanes.lock().unwrap_or_else(|p| p.into_inner());
        // Only the map holds it: nobody runs or waits (a waiter cloned it under this lock).
        if lanes.get(&self.key).is_some_and(|s| Arc::strong_count(s) == 1) {
            lanes.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_bounded_per_key_and_given_back_on_drop() {
        let tally = Arc::new(Tally::default());
        let a1 = tally.take("a", 2).expect("first");
        let _a2 = tally.take("a", 2).expect("second");
        assert!(tally.take("a", 2).is_none(), "a third over two");
        let _b = tally.take("b", 2).expect("another key has its own places");
        drop(a1);
        assert_eq!(tally.held("a"), 1);
        assert!(tally.take("a", 2).is_some());
    }

    #[tokio::test]
    async fn a_lane_holds_max_requests_and_the_next_waits_its_turn() {
        let lanes = Arc::new(Lanes::new(2));
        let a1 = lanes.enter("a").await;
        let _a2 = lanes.enter("a").await;
        let waiting = tokio::spawn({
            let lanes = lanes.clone();
            async move { lanes.enter("a").await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "a third waits while two run");
        let _b = tokio::time::timeout(std::time::Duration::from_secs(1), lanes.enter("b"))
            .await
            .expect("another key has its own lane");
        drop(a1);
        let a3 = tokio::time::timeout(std::time::Duration::from_secs(1), waiting)
            .await
            .expect("the waiter runs when a place is given back")
            .expect("task");
        drop((a3, _a2, _b));
        assert_eq!(lanes.keys(), 0, "lanes nobody uses are forgotten");
    }
}
