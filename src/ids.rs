//! Identifiers: UUIDv7 minted from the injected clock, and typed ids so a loan id cannot be
//! passed where a borrower id is meant.

use chrono::{DateTime, Utc};
use uuid::{NoContext, Timestamp, Uuid};

/// A new UUIDv7 whose time part is `now` (the injected clock's), not the system clock.
pub fn new_id(now: DateTime<Utc>) -> Uuid {
    let secs = u64::try_from(now.timestamp()).unwrap_or(0);
    Uuid::new_v7(Timestamp::from_unix(NoContext, secs, now.timestamp_subsec_nanos()))
}

macro_rules! typed_id {
    ($($(#[$m:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self { Self(u) }
        }
        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid { id.0 }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { self.0.fmt(f) }
        }
    )+};
}

typed_id!(OrgId, BorrowerId, LoanId, ComplaintId, InfoRequestId, ApplicationId, AppealId, ContactId, DeferralId,);
