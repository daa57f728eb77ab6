//! The law as pure functions of facts and `now`: calendars and deadlines, policy figures,
//! loan arithmetic, and one module per area of DOMAIN.md.
//!
//! Architecture invariant: nothing here touches the database, the network or the clock.
//! Every verdict names the rule IDs that decided it, and every figure comes from the
//! `Policy` passed in, never from a literal.

pub mod calendar;
pub mod loans;
pub mod policy;
