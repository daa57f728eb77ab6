//! The bus: how a committed change reaches the processes' subscribers. `Broker` fans
//! committed outbox events out in memory; `CHANNEL` is the PostgreSQL NOTIFY channel a
//! commit names so that other instances' relays (`events::relay`) hear of it.
//!
//! It sits below `services::write::Write`, which publishes through it after a commit, and
//! must not import services, workers or anything with business knowledge.

pub mod broker;

pub use broker::{Broker, Published};

/// The PostgreSQL NOTIFY channel a commit names with its outbox ids (`Write`), which every
/// instance's relay listens on.
pub const CHANNEL: &str = "mfo_outbox";
