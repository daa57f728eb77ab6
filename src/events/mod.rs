//! The workers after a commit: the relay (other instances' commits, on PostgreSQL), the
//! deadline scanner that marks deadlines missed and raises escalations, and the webhook
//! deliverer. They run above the services and call them; nothing below imports them.
//!
//! Events are written by `services::write::Write` in the transaction of the change and
//! published through `crate::bus`; a worker only ever acts on what has been committed.

pub mod relay;
pub mod scanner;
pub mod webhooks;
