//! Identifiers: UUIDv7 minted from the injected clock, typed ids so a loan id cannot be
//! passed where a borrower id is meant, and the opaque global ids records leave the API
//! with (GraphQL, exports, webhooks alike).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
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

/// The object types that have global IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Organization,
    Borrower,
    Loan,
    Installment,
    Payment,
    Deadline,
    Escalation,
    Complaint,
    InfoRequest,
    Application,
    Decision,
    Appeal,
    Contact,
    Notice,
    Deferral,
    Assignment,
    AuditEntry,
    WebhookEndpoint,
    WebhookDelivery,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Organization => "Organization",
            Kind::Borrower => "Borrower",
            Kind::Loan => "Loan",
            Kind::Installment => "Installment",
            Kind::Payment => "Payment",
            Kind::Deadline => "Deadline",
            Kind::Escalation => "Escalation",
            Kind::Complaint => "Complaint",
            Kind::InfoRequest => "InfoRequest",
            Kind::Application => "RestructuringApplication",
            Kind::Decision => "Decision",
            Kind::Appeal => "RegulatorAppeal",
            Kind::Contact => "ContactEvent",
            Kind::Notice => "DelinquencyNotice",
            Kind::Deferral => "MilitaryDeferral",
            Kind::Assignment => "CollectionAssignment",
            Kind::AuditEntry => "AuditEntry",
            Kind::WebhookEndpoint => "WebhookEndpoint",
            Kind::WebhookDelivery => "WebhookDelivery",
        }
    }

    pub const ALL: [Kind; 19] = [
        Kind::Organization,
        Kind::Borrower,
        Kind::Loan,
        Kind::Installment,
        Kind::Payment,
        Kind::Deadline,
        Kind::Escalation,
        Kind::Complaint,
        Kind::InfoRequest,
        Kind::Application,
        Kind::Decision,
        Kind::Appeal,
        Kind::Contact,
        Kind::Notice,
        Kind::Deferral,
        Kind::Assignment,
        Kind::AuditEntry,
        Kind::WebhookEndpoint,
        Kind::WebhookDelivery,
    ];
}

/// A record's global ID: `base64url("<Type>:<uuid>")`, opaque to clients.
pub fn global_id(kind: Kind, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}", kind.name(), id))
}

/// Splits a global ID into its kind and uuid; `None` for anything else.
pub fn parse_global(id: &str) -> Option<(Kind, Uuid)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.as_bytes()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (name, uuid) = text.split_once(':')?;
    let kind = Kind::ALL.into_iter().find(|k| k.name() == name)?;
    Some((kind, Uuid::parse_str(uuid).ok()?))
}

/// The kind of a record by the `subject_type` the services store (audit entries,
/// escalations, deadlines); `None` for what the API exposes no global id of (operator
/// records: calendars, policy versions).
pub fn kind_of_subject(subject_type: &str) -> Option<Kind> {
    Some(match subject_type {
        "loan" => Kind::Loan,
        "borrower" => Kind::Borrower,
        "complaint" => Kind::Complaint,
        "info_request" => Kind::InfoRequest,
        "application" => Kind::Application,
        "decision" => Kind::Decision,
        "appeal" => Kind::Appeal,
        "contact" => Kind::Contact,
        "military_deferral" => Kind::Deferral,
        "deadline" => Kind::Deadline,
        "escalation" => Kind::Escalation,
        "payment" => Kind::Payment,
        "organization" => Kind::Organization,
        _ => return None,
    })
}

/// A principal's key as the API shows it: `ROLE:sub@<organisation's global id>`
/// (`auth::Principal::key` stores the organisation's uuid). `system:<task>` and anything
/// else without an organisation uuid is unchanged.
pub fn actor(key: &str) -> String {
    match key.rsplit_once('@') {
        Some((who, org)) => match Uuid::parse_str(org) {
            Ok(u) => format!("{who}@{}", global_id(Kind::Organization, u)),
            Err(_) => key.to_owned(),
        },
        None => key.to_owned(),
    }
}

/// A stored subject's global ID; the raw uuid for what has none (operator records).
pub fn subject_global_id(subject_type: &str, id: Uuid) -> String {
    match kind_of_subject(subject_type) {
        Some(kind) => global_id(kind, id),
        None => id.to_string(),
    }
}
