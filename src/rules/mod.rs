//! The law as pure functions of facts and `now`: calendars and deadlines, policy figures,
//! loan arithmetic, and one module per area of docs/law.md.
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

use crate::error::{UserError, UserErrorReason};

/// Why a rule (or the record's state) refuses an action: a verdict for the services to turn
/// into a user error on the right field. It carries no text: its reason is the message's
/// id, its params the arguments (`i18n`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub kind: RefusalKind,
    /// The rule's ID in docs/law.md, when a rule (not just the state) refuses.
    pub rule: Option<&'static str>,
    /// The specific reason a client can switch on.
    pub reason: UserErrorReason,
    /// Machine-readable particulars of the refusal (`lastDay`, `minDays`, …).
    pub params: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// A rule forbids it.
    RuleViolation,
    /// The record is not in a state that allows it.
    Conflict,
}

impl Refusal {
    pub fn rule(rule: &'static str, reason: UserErrorReason) -> Self {
        Self::new(RefusalKind::RuleViolation, Some(rule), reason)
    }

    pub fn conflict(reason: UserErrorReason) -> Self {
        Self::new(RefusalKind::Conflict, None, reason)
    }

    /// A state conflict that a rule defines (e.g. C7's order of steps).
    pub fn conflict_under(rule: &'static str, reason: UserErrorReason) -> Self {
        Self::new(RefusalKind::Conflict, Some(rule), reason)
    }

    fn new(kind: RefusalKind, rule: Option<&'static str>, reason: UserErrorReason) -> Self {
        Self { kind, rule, reason, params: Default::default() }
    }

    /// The same refusal with a machine-readable particular.
    pub fn with_param(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.params.insert(key.to_owned(), value.into());
        self
    }

    /// The user error of the input field the refusal concerns, with its reason, rule ID
    /// and particulars.
    pub fn on_field(self, field: &[&str]) -> UserError {
        let mut e = match self.kind {
            RefusalKind::RuleViolation => UserError::rule(self.rule.unwrap_or(""), field, self.reason),
            RefusalKind::Conflict => {
                let e = UserError::conflict(field, self.reason);
                match self.rule {
                    Some(rule) => e.with_rule(rule),
                    None => e,
                }
            }
        };
        e.params = self.params;
        e
    }
}
