//! Collection: handing loans to agencies (R17.2, R18), `permittedActions` (one load of
//! facts, then the pure `rules::collection::verdict`), signed clearances for allowed
//! contacts, the contact log (X1–X7: every contact is stored, with the rules it broke, and
//! a breach raises an escalation), and the borrower's own contact details (X7).

mod clearance;
mod contacts;
mod details;
mod facts;
mod hand_over;
mod verdicts;

pub use clearance::*;
pub use contacts::*;
pub use details::*;
pub use facts::*;
pub use hand_over::*;
pub use verdicts::*;
