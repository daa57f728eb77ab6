//! Opaque global IDs (`base64url("Loan:<uuid>")`) and cursors. A malformed ID, or one of
//! another type, is treated as a missing record: it answers NOT_FOUND.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::graphql::errors::{bad_input, not_found};

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
}

impl Kind {
    fn name(self) -> &'static str {
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
        }
    }

    const ALL: [Kind; 17] = [
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
    ];
}

pub fn encode(kind: Kind, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{}", kind.name(), id)))
}

/// Splits a global ID into its kind and uuid; `None` for anything else.
pub fn parse(id: &str) -> Option<(Kind, Uuid)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.as_bytes()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (name, uuid) = text.split_once(':')?;
    let kind = Kind::ALL.into_iter().find(|k| k.name() == name)?;
    Some((kind, Uuid::parse_str(uuid).ok()?))
}

/// The uuid of a global ID of the expected kind, or NOT_FOUND.
pub fn decode(id: &ID, kind: Kind) -> async_graphql::Result<Uuid> {
    match parse(id) {
        Some((k, u)) if k == kind => Ok(u),
        _ => Err(not_found()),
    }
}

/// Cursors are opaque too: `base64url("c:<key>")`.
pub fn cursor(key: impl std::fmt::Display) -> String {
    URL_SAFE_NO_PAD.encode(format!("c:{key}"))
}

pub fn parse_cursor(cursor: &str) -> async_graphql::Result<String> {
    URL_SAFE_NO_PAD
        .decode(cursor.as_bytes())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("c:").map(str::to_owned))
        .ok_or_else(|| bad_input("`after` is not a cursor returned by this API"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_round_trip_and_keep_their_kind() {
        let u = Uuid::now_v7();
        let id = encode(Kind::Loan, u);
        assert_eq!(parse(&id), Some((Kind::Loan, u)));
        assert!(decode(&id, Kind::Borrower).is_err(), "a loan id is not a borrower id");
        assert!(parse("not-an-id").is_none());
    }
}
