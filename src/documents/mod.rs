//! The documents the law prescribes, as PDF/A-2u files: the D1 refusal letter (of a
//! signed refusal), the C10 written answer to a complaint and the C9 statement answering a
//! loan-information request. Each is issued for one record, to exactly the principals who
//! may read that record (the services' scoping: outside it is NOT_FOUND), in the record's
//! language, its texts from the Fluent catalogues (`doc-*` ids).
//!
//! A document depends on its records alone: its date is the record's (the decision, the
//! answer's sending, the request's receipt), its figures are computed as of that date, and
//! the PDF carries no clock reading and no random id. So one record always gives the same
//! bytes, and their SHA-256, returned with every copy, names what was issued. A document
//! served (`serve`) is recorded in its record's audit trail: kind, language, SHA-256.
//!
//! This module must not decide anything the rules decide (which language a D1 letter is
//! owed in, what a statement's figures are): it loads, asks `rules/` and `services/`, sets.

mod letters;
pub mod pdf;

use entity::enums::Language;
use entity::{audit_entry, complaint, info_request, restructuring_application};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult};
use crate::services::{Actor, Ctx, Subject};

/// The audit action of a served document.
pub const ISSUED: &str = "document.issued";

/// Which document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum, serde::Serialize)]
#[graphql(name = "IssuedDocumentKind")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DocumentKind {
    /// D1: the letter refusing a restructuring application (of a signed refusal decision;
    /// its id is the decision's).
    RefusalLetter,
    /// C10: the written answer to a complaint (its id is the complaint's; an oral answer
    /// has none).
    ComplaintAnswer,
    /// C9: the statement of a loan answering a loan-information request (its id is the
    /// request's), as of the day the request was received.
    LoanStatement,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 3] =
        [DocumentKind::RefusalLetter, DocumentKind::ComplaintAnswer, DocumentKind::LoanStatement];

    /// The kind's name in a URL (`/documents/<slug>/<id>.pdf`).
    pub fn slug(self) -> &'static str {
        match self {
            DocumentKind::RefusalLetter => "refusal-letter",
            DocumentKind::ComplaintAnswer => "complaint-answer",
            DocumentKind::LoanStatement => "loan-statement",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.slug() == s)
    }
}

/// One issued document.
#[derive(Debug, Clone)]
pub struct Issued {
    pub kind: DocumentKind,
    /// The language it is written in (the record's).
    pub language: Language,
    pub bytes: Vec<u8>,
    /// SHA-256 of `bytes`, lowercase hex.
    pub sha256: String,
    /// The record it was issued for (the decision, the complaint, the request).
    pub record: Uuid,
    /// The record whose audit trail its issue goes to.
    pub trail: Subject,
    pub mfo_id: Uuid,
}

/// The document of `kind` for the record `id`, if the principal may read the record and the
/// record has one; NOT_FOUND otherwise (a draft or non-refusal decision, an oral answer, an
/// unanswered complaint, a record outside the scope).
pub async fn issue(ctx: &Ctx, p: &Principal, kind: DocumentKind, id: Uuid) -> ServiceResult<Issued> {
    let letter = match kind {
        DocumentKind::RefusalLetter => letters::refusal_letter(ctx, p, id).await?,
        DocumentKind::ComplaintAnswer => letters::complaint_answer(ctx, p, id).await?,
        DocumentKind::LoanStatement => letters::loan_statement(ctx, p, id).await?,
    };
    let letters::Letter { language, sheet, trail, mfo_id } = letter;
    // Setting text and subsetting fonts is CPU work of a few milliseconds: off the
    // runtime's threads.
    let bytes = tokio::task::spawn_blocking(move || pdf::render(&sheet))
        .await
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("document rendering stopped: {e}")))?
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("document rendering failed: {e}")))?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    Ok(Issued { kind, language, bytes, sha256, record: id, trail, mfo_id })
}

/// The document, issued to the principal (`issue`) and recorded in its record's audit
/// trail (`document.issued`: kind, language, SHA-256, size and the record), in one
/// transaction, before a byte of it is served.
///
/// The same bytes are recorded once per record. A document depends on its records alone,
/// so a second copy with the same SHA-256 is the same document: the trail's purpose is to
/// say what was issued, and it said so the first time. Recording every download instead
/// would make each reading of a letter a write (the audit chain's lock included) and let
/// the trail grow with views rather than with documents. Bytes that differ (the record
/// changed, or the setting did) are a new document and are recorded again. Two first
/// copies at once are one: the record's row is locked while the trail is read.
pub async fn serve(ctx: &Ctx, p: &Principal, kind: DocumentKind, id: Uuid) -> ServiceResult<Issued> {
    let doc = issue(ctx, p, kind, id).await?;
    ctx.write(Actor::from(p), async |w| {
        // The caller may read the record (`issue` loaded it through the scope); the lock is
        // what is taken here.
        let any = Condition::all();
        match kind {
            DocumentKind::RefusalLetter => {
                w.for_change::<restructuring_application::Entity>(any, doc.trail.id).await?;
            }
            DocumentKind::ComplaintAnswer => {
                w.for_change::<complaint::Entity>(any, doc.trail.id).await?;
            }
            DocumentKind::LoanStatement => {
                w.for_change::<info_request::Entity>(any, doc.trail.id).await?;
            }
        }
        let recorded = audit_entry::Entity::find()
            .filter(audit_entry::Column::SubjectId.eq(doc.trail.id))
            .filter(audit_entry::Column::Action.eq(ISSUED))
            .all(w.txn())
            .await?
            .iter()
            .any(|e| e.after.as_ref().is_some_and(|a| a["sha256"] == doc.sha256.as_str()));
        if recorded {
            return Ok(());
        }
        let record_key = match kind {
            DocumentKind::RefusalLetter => "decisionId",
            DocumentKind::ComplaintAnswer => "complaintId",
            DocumentKind::LoanStatement => "infoRequestId",
        };
        let mut after = json!({
            "kind": kind,
            "language": doc.language,
            "sha256": doc.sha256,
            "byteSize": doc.bytes.len(),
        });
        after[record_key] = json!(doc.record);
        w.audit(ISSUED, doc.trail, Some(doc.mfo_id), None, Some(after));
        Ok(())
    })
    .await?;
    Ok(doc)
}
