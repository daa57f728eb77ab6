//! The law as pure functions of facts and `now`: calendars and deadlines, policy figures,
//! loan arithmetic, and one module per area of DOMAIN.md.
//!
//! Architecture invariant: nothing here touches the database, the network or the clock.
//! Every verdict names the rule IDs that decided it, and every figure comes from the
//! `Policy` passed in, never from a literal.

pub mod calendar;
pub mod collection;
pub mod complaints;
pub mod loans;
pub mod military;
pub mod policy;
pub mod restructuring;

/// Why a rule (or the record's state) refuses an action: a verdict for the services to turn
/// into a user error on the right field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub kind: RefusalKind,
    /// The DOMAIN.md rule, when a rule (not just the state) refuses.
    pub rule: Option<&'static str>,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// A rule forbids it.
    RuleViolation,
    /// The record is not in a state that allows it.
    Conflict,
}

impl Refusal {
    pub fn rule(rule: &'static str, message: impl Into<String>) -> Self {
        Self { kind: RefusalKind::RuleViolation, rule: Some(rule), message: message.into() }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self { kind: RefusalKind::Conflict, rule: None, message: message.into() }
    }

    /// A state conflict that a rule defines (e.g. C7's order of steps).
    pub fn conflict_under(rule: &'static str, message: impl Into<String>) -> Self {
        Self { kind: RefusalKind::Conflict, rule: Some(rule), message: message.into() }
    }
}
