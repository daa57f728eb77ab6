//! Loans, borrowers, schedules and payments: the types, the `loans`/`loan` queries and the
//! ingestion mutations of the MFO's core-banking system.

mod borrower;
mod loan;
mod mutation;
mod query;
mod schedule;

pub use borrower::*;
pub use loan::*;
pub use mutation::*;
pub use query::*;
pub use schedule::*;
