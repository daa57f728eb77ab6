//! The documents the law prescribes, as PDF/A-2u files: the D1 refusal letter (of a
//! signed refusal), the C10 written answer to a complaint and the C9 statement answering a
//! loan-information request. Each is issued for one record, to exactly the principals who
//! may read that record (the services' scoping: outside it is NOT_FOUND), in the record's
//! language, its texts from the Fluent catalogues (`doc-*` ids).
//!
//! A document depends on its records alone: its date is the record's (the decision, the
//! answer's sending, the request's receipt), its figures are computed as of that date, and
//! the PDF carries no clock reading and no random id. So one record always gives the same
//! bytes, and their SHA-256, returned with every copy, names what was issued.
//!
//! This module must not decide anything the rules decide (which language a D1 letter is
//! owed in, what a statement's figures are): it loads, asks `rules/` and `services/`, sets.

mod letters;
pub mod pdf;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult};
use crate::services::Ctx;
use entity::enums::Language;

/// Which document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum)]
#[graphql(name = "IssuedDocumentKind")]
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
}

/// The document of `kind` for the record `id`, if the principal may read the record and the
/// record has one; NOT_FOUND otherwise (a draft or non-refusal decision, an oral answer, an
/// unanswered complaint, a record outside the scope).
pub async fn issue(ctx: &Ctx, p: &Principal, kind: DocumentKind, id: Uuid) -> ServiceResult<Issued> {
    let sheet = match kind {
        DocumentKind::RefusalLetter => letters::refusal_letter(ctx, p, id).await?,
        DocumentKind::ComplaintAnswer => letters::complaint_answer(ctx, p, id).await?,
        DocumentKind::LoanStatement => letters::loan_statement(ctx, p, id).await?,
    };
    let (language, sheet) = sheet;
    // Setting text and subsetting fonts is CPU work of a few milliseconds: off the
    // runtime's threads.
    let bytes = tokio::task::spawn_blocking(move || pdf::render(&sheet))
        .await
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("document rendering stopped: {e}")))?
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("document rendering failed: {e}")))?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    Ok(Issued { kind, language, bytes, sha256 })
}
