//! Loans as the MFO's core-banking system reports them (borrowers, contracts, schedules,
//! payments, legal facts), and the loan queries every role uses within its scope.
//!
//! Ingestion is idempotent by the MFO's own external ids: sending the same row again
//! changes nothing; a bad row is refused whole with user errors naming its fields.

mod borrowers;
mod contracts;
mod ledger;
mod legal_facts;
mod payments;
mod reads;

use entity::loan;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, Condition};
use serde::Serialize;

use super::scope;
use super::write::{Visibility, Write};
use crate::auth::Principal;
use crate::error::{Problems, ServiceResult, UserError, UserErrorReason};
use crate::ids::LoanId;

pub use borrowers::*;
pub use contracts::*;
pub use ledger::*;
pub use legal_facts::*;
pub use payments::*;
pub use reads::*;

/// After a round of a batch's insert-first of its new outside ids: moves the round's
/// records (`state`, by outside id) to `finals`, but those a concurrent sync inserted first
/// (`lost`: new to this batch, yet not inserted by it), whose keys it returns to be read and
/// judged again as stored. A second round (`round` 1) that loses a key again is an error:
/// the other sync's row has committed and must be visible by then.
fn settle<'k, S>(
    state: std::collections::BTreeMap<&'k str, S>,
    finals: &mut std::collections::BTreeMap<&'k str, S>,
    lost: impl Fn(&str, &S) -> bool,
    round: usize,
) -> ServiceResult<std::collections::BTreeSet<&'k str>> {
    let taken: std::collections::BTreeSet<&str> = state.iter().filter(|(k, s)| lost(k, s)).map(|(k, _)| *k).collect();
    finals.extend(state.into_iter().filter(|(k, _)| !taken.contains(k)));
    if !taken.is_empty() && round == 1 {
        return Err(crate::error::ServiceError::Internal(anyhow::anyhow!(
            "an outside id was taken by another sync but is not visible"
        )));
    }
    Ok(taken)
}

const MAX_ID_LEN: usize = 100;
/// No microloan comes near a trillion; the bound keeps sums of amounts far from overflow.
pub(crate) const MAX_AMOUNT: Decimal = rust_decimal_macros::dec!(1_000_000_000_000);
/// Input sanity bounds (not figures of the law), shared with restructuring's new terms.
pub(crate) const MAX_ANNUAL_RATE: Decimal = rust_decimal_macros::dec!(10);
pub(crate) const MAX_TERM_MONTHS: i32 = 600;
/// The most lines a schedule may have (one a month over the longest term).
const MAX_SCHEDULE_LINES: usize = MAX_TERM_MONTHS as usize;
const MAX_TEXT_LEN: usize = 1000;

/// A loan named by our id or by the MFO's own.
#[derive(Debug, Clone, Serialize)]
pub enum LoanRef {
    Id(LoanId),
    External(String),
}

pub(crate) fn require_ingest(p: &Principal) -> ServiceResult<()> {
    scope::permit(p.acts_for_mfo(), "only the MFO's staff keep its loans in sync")
}

fn check_text(problems: &mut Problems, field: &str, value: &str, max: usize) {
    if value.trim().is_empty() {
        problems.push(UserError::invalid(&[field], UserErrorReason::Required));
    } else if value.chars().count() > max {
        problems.push(UserError::invalid(&[field], UserErrorReason::TooLong).with_param("maxLength", max));
    }
}

fn check_optional_text(problems: &mut Problems, field: &str, value: Option<&str>, max: usize) {
    if let Some(v) = value {
        check_text(problems, field, v, max);
    }
}

/// A phone number as the core-banking system sends it: `+`, digits, spaces, dashes,
/// parentheses; 7 to 15 digits.
pub fn check_phone(problems: &mut Problems, field: &str, phone: Option<&str>) {
    if let Some(phone) = phone {
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let allowed = phone.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
        problems.check(allowed && (7..=15).contains(&digits), || {
            UserError::invalid(&[field], UserErrorReason::Malformed).with_param("format", "phone")
        });
    }
}

pub fn check_email(problems: &mut Problems, field: &str, email: Option<&str>) {
    if let Some(email) = email {
        let ok = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
            && !email.contains(char::is_whitespace);
        problems.check(ok, || UserError::invalid(&[field], UserErrorReason::Malformed).with_param("format", "email"));
    }
}

/// What a sync item did to its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    /// The same data again: nothing written, nothing recorded.
    Unchanged,
}

/// The order a batch judges and writes its items in: by key (an outside id), then as sent,
/// so that two batches sharing records take their rows in one order, and a key sent twice
/// is judged in the order sent (the later item against what the earlier left).
pub(crate) fn write_order<K: Ord>(keys: impl IntoIterator<Item = K>) -> Vec<usize> {
    let mut order: Vec<(K, usize)> = keys.into_iter().enumerate().map(|(i, k)| (k, i)).collect();
    order.sort();
    order.into_iter().map(|(_, i)| i).collect()
}

pub(crate) fn visibility(l: &loan::Model) -> Visibility {
    Visibility { org_id: Some(l.mfo_id), jurisdiction: Some(l.jurisdiction) }
}

/// Reads a loan of the principal's MFO, by our id or the MFO's own, for a change of it
/// (locked: `Write::for_change`).
async fn own_loan_for_change(w: &Write, p: &Principal, loan_ref: &LoanRef) -> ServiceResult<loan::Model> {
    let scope = Condition::all().add(loan::Column::MfoId.eq(p.org_id.0));
    let which = match loan_ref {
        LoanRef::Id(id) => loan::Column::Id.eq(id.0),
        LoanRef::External(ext) => loan::Column::ExternalId.eq(ext),
    };
    w.for_change_where::<loan::Entity>(scope, Condition::all().add(which)).await
}

/// Reads a loan in `scope` for a change of it or of what hangs on it (a hand-over, a
/// deferral, a contact counted against its limits), locked until the commit, so that
/// changes of one loan apply one after the other.
pub(crate) async fn for_change(w: &Write, scope: Condition, id: LoanId) -> ServiceResult<loan::Model> {
    w.for_change::<loan::Entity>(scope, id.0).await
}
