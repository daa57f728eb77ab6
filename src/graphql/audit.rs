//! `auditTrail`: the recorded changes of one record, for MFO staff and regulators who can
//! see that record.

use async_graphql::{Context, ID, Json, Object};
use chrono::{DateTime, Utc};
use entity::audit_entry;

use crate::graphql::context::ContextExt;
use crate::graphql::errors::{not_found, top_level};
use crate::graphql::escalations::subject_global_id;
use crate::graphql::ids::{Kind, encode, globalize, kind_of_subject, parse};
use crate::ids::{AppealId, ApplicationId, BorrowerId, ComplaintId, ContactId, DeferralId, InfoRequestId, LoanId};
use crate::services::audit::{self, TrailSubject};

pub struct AuditEntry(pub audit_entry::Model);

impl AuditEntry {
    /// The record the entry is about, for `globalize`.
    fn subject(&self) -> Option<(Kind, uuid::Uuid)> {
        kind_of_subject(&self.0.subject_type).map(|k| (k, self.0.subject_id))
    }
}

/// One entry of the tamper-evident audit chain: who changed what, before and after. Visible to MFO staff and
/// managers and regulators who can see the record.
#[Object]
impl AuditEntry {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::AuditEntry, self.0.id)
    }
    /// When it was recorded (UTC instant).
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
    /// `ROLE:sub@org` of the principal (`org`: the organisation's global ID, so
    /// `node(id:)` resolves it), or `system:<task>`.
    async fn actor(&self) -> String {
        crate::graphql::ids::actor(&self.0.actor)
    }
    /// What was done, e.g. "complaint.registered".
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The type of the record changed.
    async fn subject_type(&self) -> &str {
        &self.0.subject_type
    }
    /// The record's global ID.
    async fn subject_id(&self) -> ID {
        subject_global_id(&self.0.subject_type, self.0.subject_id)
    }
    /// The record before the change (JSON); null when it was created. Ids of records
    /// in it are global IDs, as everywhere in the API.
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0.before.as_ref().map(|v| Json(globalize(v, self.subject())))
    }
    /// The record after the change (JSON); null when it was removed. Ids of records in it
    /// are global IDs, as everywhere in the API.
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.0.after.as_ref().map(|v| Json(globalize(v, self.subject())))
    }
    /// SHA-256 of the previous entry: the chain that makes tampering detectable.
    async fn prev_hash(&self) -> &str {
        &self.0.prev_hash
    }
    /// SHA-256 of this entry and `prevHash`.
    async fn hash(&self) -> &str {
        &self.0.hash
    }
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit entries of a record, oldest first: a loan, borrower, complaint,
    /// information request, restructuring application, regulator appeal, contact event,
    /// military deferral or escalation (its acknowledgement). For MFO staff and regulators who can see that record;
    /// NOT_FOUND for a record outside their scope, as for a missing one.
    async fn audit_trail(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's global ID.")] subject_id: ID,
    ) -> async_graphql::Result<Vec<AuditEntry>> {
        let p = ctx.principal()?;
        let (kind, uuid) = parse(&subject_id).ok_or_else(not_found)?;
        let subject = match kind {
            Kind::Loan => TrailSubject::Loan(LoanId(uuid)),
            Kind::Borrower => TrailSubject::Borrower(BorrowerId(uuid)),
            Kind::Complaint => TrailSubject::Complaint(ComplaintId(uuid)),
            Kind::InfoRequest => TrailSubject::InfoRequest(InfoRequestId(uuid)),
            Kind::Application => TrailSubject::Application(ApplicationId(uuid)),
            Kind::Appeal => TrailSubject::Appeal(AppealId(uuid)),
            Kind::Contact => TrailSubject::Contact(ContactId(uuid)),
            Kind::Deferral => TrailSubject::Deferral(DeferralId(uuid)),
            Kind::Escalation => TrailSubject::Escalation(uuid),
            Kind::Organization
            | Kind::Installment
            | Kind::Payment
            | Kind::Deadline
            | Kind::Decision
            | Kind::Notice
            | Kind::Assignment
            | Kind::AuditEntry
            | Kind::WebhookEndpoint
            | Kind::WebhookDelivery => return Err(not_found()),
        };
        let entries = audit::trail(ctx.services(), p, subject).await.map_err(top_level)?;
        Ok(entries.into_iter().map(AuditEntry).collect())
    }
}
