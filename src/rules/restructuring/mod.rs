//! Delinquency and restructuring (docs/law.md R1–R16, R19, D1; Kazakh seed): the notice
//! duty, the application window and its blocking facts, the decision's deadlines, the
//! new terms and their schedule, the debt-burden check, appeals and home protection, and
//! the refusal letter.

mod admissibility;
mod deadlines;
mod decision;
mod letter;
mod notice;
mod submission;
mod terms;

use entity::enums::{ApplicationStatus, DecisionKind};

use super::Refusal;
use crate::error::UserErrorReason;

pub use admissibility::*;
pub use deadlines::*;
pub use decision::*;
pub use letter::*;
pub use notice::*;
pub use submission::*;
pub use terms::*;

/// R9: an application is under review until it is decided, agreed, refused or closed.
pub fn under_review(s: ApplicationStatus) -> bool {
    match s {
        ApplicationStatus::Registered
        | ApplicationStatus::DocumentsRequested
        | ApplicationStatus::Inadmissible
        | ApplicationStatus::CounterProposed => true,
        ApplicationStatus::Approved
        | ApplicationStatus::Agreed
        | ApplicationStatus::CounterRejected
        | ApplicationStatus::Refused
        | ApplicationStatus::DeemedRefused
        | ApplicationStatus::LeftWithoutReview
        | ApplicationStatus::Withdrawn
        | ApplicationStatus::Implemented => false,
    }
}

/// Something that happens to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppStep {
    RequestDocuments,
    ProvideDocuments,
    DocumentsLapsed,
    Decide(DecisionKind),
    Accept,
    Reject,
    DeemRefused,
    Implement,
    Withdraw,
}

/// Every state's possible next states; anything else is a conflict.
pub fn next_status(s: ApplicationStatus, step: AppStep) -> Result<ApplicationStatus, Refusal> {
    use ApplicationStatus as S;
    let conflict = || {
        Refusal::conflict(UserErrorReason::StatusDoesNotAllow)
            .with_param("status", serde_json::to_value(s).unwrap_or_default())
    };
    match (s, step) {
        (S::Registered, AppStep::RequestDocuments) => Ok(S::DocumentsRequested),
        (S::DocumentsRequested, AppStep::ProvideDocuments) => Ok(S::Registered),
        (S::DocumentsRequested, AppStep::DocumentsLapsed) => Ok(S::LeftWithoutReview),
        (S::Registered, AppStep::Decide(DecisionKind::Approve)) => Ok(S::Approved),
        (S::Registered, AppStep::Decide(DecisionKind::CounterProposal)) => Ok(S::CounterProposed),
        (S::Registered | S::Inadmissible, AppStep::Decide(DecisionKind::Refuse)) => Ok(S::Refused),
        (S::Inadmissible, AppStep::Decide(DecisionKind::Approve | DecisionKind::CounterProposal)) => {
            Err(Refusal::rule("R3", UserErrorReason::LateApplicationOnlyRefusable))
        }
        (S::DocumentsRequested, AppStep::Decide(_)) => {
            Err(Refusal::conflict_under("R6", UserErrorReason::DocumentsPending))
        }
        (S::CounterProposed, AppStep::Accept) => Ok(S::Agreed),
        (S::CounterProposed, AppStep::Reject) => Ok(S::CounterRejected),
        (S::CounterProposed, AppStep::DeemRefused) => Ok(S::DeemedRefused),
        (S::Approved | S::Agreed, AppStep::Implement) => Ok(S::Implemented),
        (S::Registered | S::DocumentsRequested | S::Inadmissible, AppStep::Withdraw) => Ok(S::Withdrawn),
        (
            S::Registered
            | S::DocumentsRequested
            | S::Inadmissible
            | S::Approved
            | S::CounterProposed
            | S::Agreed
            | S::CounterRejected
            | S::Refused
            | S::DeemedRefused
            | S::LeftWithoutReview
            | S::Withdrawn
            | S::Implemented,
            AppStep::RequestDocuments
            | AppStep::ProvideDocuments
            | AppStep::DocumentsLapsed
            | AppStep::Decide(_)
            | AppStep::Accept
            | AppStep::Reject
            | AppStep::DeemRefused
            | AppStep::Implement
            | AppStep::Withdraw,
        ) => Err(conflict()),
    }
}

/// R15: the statuses a borrower may appeal from.
pub fn appealable(s: ApplicationStatus) -> bool {
    matches!(s, ApplicationStatus::Refused | ApplicationStatus::DeemedRefused | ApplicationStatus::CounterRejected)
}

#[cfg(test)]
mod tests;
