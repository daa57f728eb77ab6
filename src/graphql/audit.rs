//! `auditTrail`: the recorded changes of one record, for MFO staff and regulators who can
//! see that record.

use async_graphql::{Context, ID, Json, Object};
use chrono::{DateTime, Utc};
use entity::audit_entry;

use crate::graphql::context::ContextExt;
use crate::graphql::errors::{code_error, not_found, top_level};
use crate::graphql::escalations::subject_global_id;
use crate::graphql::ids::{Kind, encode, parse};
use crate::ids::{AppealId, ApplicationId, BorrowerId, ComplaintId, ContactId, InfoRequestId, LoanId};
use crate::services::{appeals, audit, collection, complaints, loans, restructuring};

pub struct AuditEntry(pub audit_entry::Model);

#[Object]
impl AuditEntry {
    async fn id(&self) -> ID {
        encode(Kind::AuditEntry, self.0.id)
    }
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
    /// `ROLE:sub@org` of the principal, or `system:<task>`.
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    async fn action(&self) -> &str {
        &self.0.action
    }
    async fn subject_type(&self) -> &str {
        &self.0.subject_type
    }
    async fn subject_id(&self) -> ID {
        subject_global_id(&self.0.subject_type, self.0.subject_id)
    }
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0.before.clone().map(Json)
    }
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.0.after.clone().map(Json)
    }
    /// SHA-256 of the previous entry: the chain that makes tampering detectable.
    async fn prev_hash(&self) -> &str {
        &self.0.prev_hash
    }
    async fn hash(&self) -> &str {
        &self.0.hash
    }
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit entries of a record, oldest first (MFO staff and regulators who can see it).
    async fn audit_trail(&self, ctx: &Context<'_>, subject_id: ID) -> async_graphql::Result<Vec<AuditEntry>> {
        let p = ctx.principal()?;
        if !audit::may_read_audit(p) {
            return Err(code_error("FORBIDDEN", "audit trails are for MFO staff and regulators"));
        }
        let s = ctx.services();
        let (kind, uuid) = parse(&subject_id).ok_or_else(not_found)?;
        // The record must be visible to the caller before its history is.
        match kind {
            Kind::Loan => loans::get(s, p, LoanId(uuid)).await.map(|_| ()),
            Kind::Borrower => loans::get_borrower(s, p, BorrowerId(uuid)).await.map(|_| ()),
            Kind::Complaint => complaints::get(s, p, ComplaintId(uuid)).await.map(|_| ()),
            Kind::InfoRequest => complaints::get_info_request(s, p, InfoRequestId(uuid)).await.map(|_| ()),
            Kind::Application => restructuring::get(s, p, ApplicationId(uuid)).await.map(|_| ()),
            Kind::Appeal => appeals::get(s, p, AppealId(uuid)).await.map(|_| ()),
            // X6: a contact's recording and the MFO's flag on it.
            Kind::Contact => collection::get_contact(s, p, ContactId(uuid)).await.map(|_| ()),
            _ => return Err(not_found()),
        }
        .map_err(top_level)?;
        let entries = audit::trail_for(&s.db, uuid).await.map_err(top_level)?;
        Ok(entries.into_iter().map(AuditEntry).collect())
    }
}
