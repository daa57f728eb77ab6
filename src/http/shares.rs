//! Per-principal shares of what a WebSocket holds for as long as it is open: sockets per
//! principal (per client address before or without a token) and subscriptions per
//! principal. One token, or none, must not take every place the server has (the
//! connection cap is global: without these, one borrower's sockets left everyone else,
//! `/healthz` included, with 503s). Places are given back when their `Slot` is dropped,
//! so a socket or a subscription task that ends for any reason frees its place.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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
}
