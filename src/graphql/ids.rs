//! Opaque global IDs (`base64url("Loan:<uuid>")`) and cursors. A malformed ID, or one of
//! another type, is treated as a missing record: it answers NOT_FOUND.
//!
//! Also the one place where ids stored raw inside JSON (audit `before`/`after`,
//! escalation `details`) and in actor keys (`ROLE:sub@<org>`) become global ids, as they
//! leave through GraphQL: the stored JSON is hash-chained (the audit) or already written,
//! so it is translated on the way out, never rewritten. Nothing here reads the database.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::graphql::errors::{bad_input, not_found};

pub use crate::ids::{Kind, actor, kind_of_subject};

/// A record's global ID.
pub fn encode(kind: Kind, id: Uuid) -> ID {
    ID(crate::ids::global_id(kind, id))
}

/// Splits a global ID into its kind and uuid; `None` for anything else.
pub fn parse(id: &str) -> Option<(Kind, Uuid)> {
    crate::ids::parse_global(id)
}

/// The uuid of a global ID of the expected kind, or NOT_FOUND.
pub fn decode(id: &ID, kind: Kind) -> async_graphql::Result<Uuid> {
    match parse(id) {
        Some((k, u)) if k == kind => Ok(u),
        _ => Err(not_found()),
    }
}

/// What a key of stored JSON names when its value is a record's raw uuid. The services
/// write camelCase keys (`json!`), row snapshots snake_case; both are listed.
/// `policyVersionId` is not here: a policy version has no global id (`Deadline.policyVersionId`
/// is its plain id).
fn kind_of_key(key: &str) -> Option<Kind> {
    Some(match key {
        "loanId" | "loan_id" => Kind::Loan,
        "borrowerId" | "borrower_id" => Kind::Borrower,
        "complaintId" | "complaint_id" => Kind::Complaint,
        "infoRequestId" | "info_request_id" => Kind::InfoRequest,
        "applicationId" | "application_id" => Kind::Application,
        "decisionId" | "decision_id" => Kind::Decision,
        "appealId" | "appeal_id" => Kind::Appeal,
        "contactId" | "contact_id" => Kind::Contact,
        "deferralId" | "deferral_id" => Kind::Deferral,
        "deadlineId" | "deadline_id" => Kind::Deadline,
        "escalationId" | "escalation_id" => Kind::Escalation,
        "paymentId" | "payment_id" => Kind::Payment,
        "noticeId" | "notice_id" => Kind::Notice,
        "assignmentId" | "assignment_id" => Kind::Assignment,
        "installmentId" | "installment_id" => Kind::Installment,
        "organizationId" | "organization_id" | "orgId" | "org_id" | "mfoId" | "mfo_id" | "agencyId" | "agency_id"
        | "responsibleOrgId" | "responsible_org_id" | "contactor" | "contactorOrgId" | "contactor_org_id" | "by" => {
            Kind::Organization
        }
        _ => return None,
    })
}

/// Keys whose value is a principal's key (`ROLE:sub@<org uuid>`, see `actor`).
const ACTOR_KEYS: &[&str] = &[
    "actor",
    "acknowledgedBy",
    "acknowledged_by",
    "registeredBy",
    "registered_by",
    "recordedBy",
    "recorded_by",
    "submittedBy",
    "submitted_by",
    "decidedBy",
    "decided_by",
];

/// Stored JSON as the API shows it: every raw uuid of a record the API exposes becomes
/// that record's global id. A value is translated when its key names a kind of record
/// (`loanId`, `agency_id`, `contactor`, …) or when it is the id of `subject` (the record
/// the JSON is about: a snapshot's `id`, a deadline's `subjectId`); an array under such a
/// key has each element translated; actor keys as `actor`. Anything else is unchanged.
pub fn globalize(value: &serde_json::Value, subject: Option<(Kind, Uuid)>) -> serde_json::Value {
    use serde_json::Value;
    let as_global = |v: &Value, kind: Option<Kind>| -> Option<Value> {
        let u = Uuid::parse_str(v.as_str()?).ok()?;
        let kind = kind.or_else(|| subject.filter(|(_, s)| *s == u).map(|(k, _)| k))?;
        Some(Value::String(encode(kind, u).0))
    };
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let kind = kind_of_key(k);
                    let out = if ACTOR_KEYS.contains(&k.as_str()) {
                        v.as_str().map(|a| Value::String(actor(a))).unwrap_or_else(|| globalize(v, subject))
                    } else if let Value::Array(items) = v
                        && kind.is_some()
                    {
                        Value::Array(
                            items.iter().map(|i| as_global(i, kind).unwrap_or_else(|| globalize(i, subject))).collect(),
                        )
                    } else {
                        as_global(v, kind).unwrap_or_else(|| globalize(v, subject))
                    };
                    (k.clone(), out)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|i| globalize(i, subject)).collect()),
        Value::String(_) => as_global(value, None).unwrap_or_else(|| value.clone()),
        Value::Null | Value::Bool(_) | Value::Number(_) => value.clone(),
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

    #[test]
    fn raw_record_ids_in_json_and_actors_become_global_ids() {
        let (loan, org, contact, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let stored = serde_json::json!({
            "id": contact, "loanId": loan, "contactor": org,
            "nested": { "mfo_id": org, "note": "text" }, "clientSubmissionId": other,
            "acknowledgedBy": format!("REGULATOR:r1@{org}"),
        });
        let shown = globalize(&stored, Some((Kind::Contact, contact)));
        assert_eq!(shown["id"], encode(Kind::Contact, contact).0);
        assert_eq!(shown["loanId"], encode(Kind::Loan, loan).0);
        assert_eq!(shown["contactor"], encode(Kind::Organization, org).0);
        assert_eq!(shown["nested"]["mfo_id"], encode(Kind::Organization, org).0);
        assert_eq!(shown["nested"]["note"], "text");
        // A uuid that names no record of the API (a client's submission id) stays as sent.
        assert_eq!(shown["clientSubmissionId"], other.to_string());
        assert_eq!(shown["acknowledgedBy"], format!("REGULATOR:r1@{}", encode(Kind::Organization, org).0));
        assert_eq!(actor("system:scanner"), "system:scanner");
    }
}
