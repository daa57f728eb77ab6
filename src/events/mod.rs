//! After-commit delivery: the in-process broker that fans committed outbox events out to
//! subscriptions, the escalation feed (one reader of new escalations per process), and
//! the deadline scanner that raises escalations.
//!
//! Events are written by `services::write::Write` in the transaction of the change; this
//! module only ever publishes what has been committed.

pub mod broker;
pub mod feed;
pub mod relay;
pub mod scanner;
pub mod webhooks;

pub use broker::{Broker, Published};
