//! What a request may cost, counted before it runs: the complexity limit and the memory
//! budget are one check.
//!
//! async-graphql's complexity is the worst-case count of the values a document can
//! return: each field counts 1 plus its selection, and every list counts the most items it
//! can return times its selection (`first`/`last` on connections, root and nested alike,
//! `graphql::nested`; a named bound on every other list). A list kept in a record's JSON
//! (a complaint's complainants, an application's documents) is weighed by the bound its
//! input is held to in the services, which refuse a longer one with TOO_MANY and
//! `maxItems`; it returns at most that many, so a record stored before the bound reads
//! within it too. So a unit of complexity is one value of the response, and the response
//! of a document that passes can hold at most its complexity in values.
//!
//! One exception, on purpose: `regulatorStatistics`' `byMfo` and `byAgency` are weighed as
//! one row each. They have one row per organisation of the jurisdiction with records in
//! the period: reference data only the operator creates, not a list a client can grow, and
//! a regulator's figures must not be cut. Weighed by a bound above any market (several
//! hundred MFOs), the dashboard's own statistics query would no longer fit the limit.
//!
//! The memory budget (`MFO_MAX_RESPONSE_BYTES`) turns that into bytes. A value of the
//! response costs the process its node in async-graphql's value tree (a map entry with the
//! field's name, ≈ 100 bytes), its share of its parent's list and map, and its JSON text;
//! `UNIT_BYTES` is what one unit is allowed: the N2 document (one field per installment)
//! grew the process by about 550 bytes per installment, that is two units. The complexity
//! limit in force is therefore the smaller of `MFO_MAX_COMPLEXITY` and
//! `MFO_MAX_RESPONSE_BYTES / UNIT_BYTES`, and a document over it is refused with one error
//! naming both, before anything is read or built.
//!
//! Texts are the exception to "a value is small": a field holding a free text a client
//! wrote (a complaint's substance, an answer's text) can be as long as the body that
//! carried it. Its JSON in the response is no longer than its JSON in that body (the same
//! escapes), and the body is at most `MFO_MAX_BODY_BYTES`; so such a field weighs
//! `LONG_TEXT_UNITS` (the default body limit in units), a text with an input bound weighs
//! its bound (`text_units`): the texts the MFO's people write are held to
//! `services::MAX_TEXT_CHARS`, those the law says are accepted as they come (a complaint's
//! substance, C2; an application's circumstances, R5) are not. Listing complaints with their substance thus costs what it
//! may return: a few per page, not a hundred.
//!
//! The operations of a batch are answered together, so they share one budget: each is
//! validated on the heavy schema, whose extension (`graphql::ValidationOffWorkers`)
//! spends its complexity from the request's `BatchBudget`; the operation that would go
//! over is refused with the same error, and so is every one after it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::ServerError;

use crate::error::code;

/// The most rule IDs a contact's `violations` names: each at most once, of DOMAIN.md's 47
/// (C1–C13, R1–R19, X1–X7, M1–M6, D1).
pub const RULE_IDS: usize = 47;

/// The weight of a list of an enum's values, each named at most once: its variant count.
pub fn variants<E: async_graphql::EnumType>() -> usize {
    E::items().len()
}

/// The bytes of response one unit of complexity may stand for (see the module doc).
pub const UNIT_BYTES: usize = 256;

/// The default of `MFO_MAX_RESPONSE_BYTES` (kept with the settings, below this layer).
pub use crate::config::DEFAULT_RESPONSE_BYTES;

/// The default of `MFO_MAX_BODY_BYTES`, the longest a text without an input bound can be.
const DEFAULT_BODY_BYTES: usize = 1024 * 1024;

/// The weight of a free text with no bound but the request body's.
pub const LONG_TEXT_UNITS: usize = DEFAULT_BODY_BYTES / UNIT_BYTES;

/// The weight of a text of at most `max_chars` characters: each is at most 6 bytes of
/// JSON (`\u001f`), and one unit covers `UNIT_BYTES`.
pub const fn text_units(max_chars: usize) -> usize {
    (max_chars * 6).div_ceil(UNIT_BYTES)
}

/// The complexity limit in force: the smaller of the configured limit and the budget.
pub fn effective_limit(complexity: usize, response_bytes: usize) -> usize {
    complexity.min(response_bytes / UNIT_BYTES).max(1)
}

/// The refusal of a document (or batch) over the limit, naming both settings.
pub fn refusal(complexity: usize, response_bytes: usize, batch: bool) -> ServerError {
    let what = if batch { "the operations of this batch together" } else { "this document" };
    let mut e = ServerError::new(
        format!(
            "Query is too complex: {what} could return more than {limit} values (at most \
             {complexity}, MFO_MAX_COMPLEXITY) or {response_bytes} bytes (the response budget, \
             MFO_MAX_RESPONSE_BYTES, at {UNIT_BYTES} bytes a value); every list counts the most \
             items it may return, so ask for smaller pages (`first`/`last`) or fewer fields",
            limit = effective_limit(complexity, response_bytes),
        ),
        None,
    );
    e.extensions.get_or_insert_with(Default::default).set("code", code::BAD_USER_INPUT);
    e
}

/// What the operations of one batched request may still spend, shared by them (request
/// data; see the module doc).
#[derive(Clone)]
pub struct BatchBudget(Arc<AtomicUsize>);

impl BatchBudget {
    pub fn new(units: usize) -> Self {
        Self(Arc::new(AtomicUsize::new(units)))
    }

    /// Spends `units`; `false` (and nothing spent, the budget then empty) when fewer are left.
    pub fn spend(&self, units: usize) -> bool {
        let ok = self.0.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(units)).is_ok();
        if !ok {
            // Whatever is left is not for the operations after a refused one either: a
            // batch is answered in order, and a cheap operation after a refusal would
            // otherwise run on the budget the refused one could not have.
            self.0.store(0, Ordering::SeqCst);
        }
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_lowers_the_complexity_limit_only_when_smaller() {
        assert_eq!(effective_limit(20_000, DEFAULT_RESPONSE_BYTES), 20_000);
        assert_eq!(effective_limit(20_000, 1024 * 1024), 4_096);
        assert_eq!(text_units(2_000), 47);
    }

    #[test]
    fn a_batch_spends_one_budget() {
        let b = BatchBudget::new(10);
        assert!(b.spend(6));
        assert!(!b.spend(6));
        assert!(!b.spend(1), "nothing after a refusal");
    }
}
