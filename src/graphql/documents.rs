//! `issuedDocument(kind:, id:)`: where to download a document the law prescribes (D1, C10, C9)
//! and the SHA-256 of what will be downloaded. Transport only: `documents::issue` scopes
//! and renders; the PDF itself is served by `http::documents` with the same token.

use async_graphql::{Context, ID, Object, SimpleObject};
use entity::enums::Language;

use crate::documents::{self, DocumentKind};
use crate::graphql::context::ContextExt;
use crate::graphql::errors::top_level;
use crate::graphql::ids::{Kind, decode};

/// The path `http::documents` serves one document at (its route, `/documents/{kind}/{file}`).
pub fn path_of(kind: DocumentKind, id: &str) -> String {
    format!("/documents/{}/{id}.pdf", kind.slug())
}

/// The kind of record a document kind's id names.
pub fn record_kind(kind: DocumentKind) -> Kind {
    match kind {
        DocumentKind::RefusalLetter => Kind::Decision,
        DocumentKind::ComplaintAnswer => Kind::Complaint,
        DocumentKind::LoanStatement => Kind::InfoRequest,
    }
}

/// A document issued for one record, as a PDF/A-2u file. The same record always gives the
/// same bytes, so `sha256` names what was issued.
#[derive(SimpleObject)]
pub struct IssuedDocument {
    /// Which document.
    pub kind: DocumentKind,
    /// The path to GET it from on this server (`/documents/<kind>/<id>.pdf`), with the same
    /// `Authorization: Bearer` token.
    pub url: String,
    /// The language it is written in: the record's, as the law requires.
    pub language: Language,
    /// SHA-256 of the PDF, lowercase hex (also the download's `ETag` and `Repr-Digest`).
    pub sha256: String,
    /// The PDF's size in bytes.
    pub byte_size: i32,
}

#[derive(Default)]
pub struct DocumentQuery;

/// Documents.
#[Object]
impl DocumentQuery {
    /// The document of `kind` for a record the caller may read: a refusal letter (D1) for
    /// a signed refusal decision, the written answer (C10) to a complaint, the statement
    /// (C9) answering a loan-information request. NOT_FOUND when the record is missing,
    /// outside the caller's scope or has no such document (a draft, an oral answer).
    async fn issued_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which document.")] kind: DocumentKind,
        #[graphql(desc = "The global ID of its record: the decision, the complaint or the information request.")]
        id: ID,
    ) -> async_graphql::Result<IssuedDocument> {
        let p = ctx.principal()?;
        let record = decode(&id, record_kind(kind))?;
        let doc = documents::issue(ctx.services(), p, kind, record).await.map_err(top_level)?;
        Ok(IssuedDocument {
            kind,
            url: path_of(kind, &id),
            language: doc.language,
            sha256: doc.sha256,
            byte_size: i32::try_from(doc.bytes.len()).unwrap_or(i32::MAX),
        })
    }
}
