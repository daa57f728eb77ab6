//! Trusted documents: the GraphQL documents an app's build produced, loaded from a manifest
//! at start-up, that a client names by their SHA-256 instead of sending their text (the
//! Apollo persisted-query convention, `extensions.persistedQuery.sha256Hash`). A deployment
//! can require them of borrowers (`MFO_BORROWER_TRUSTED_DOCUMENTS_ONLY`): the mobile app
//! then runs only the operations it shipped with, whoever holds a borrower's token.
//!
//! Nothing is registered at run time (no automatic persisted queries): an unknown hash is
//! `PersistedQueryNotFound`, whoever asks. This module only turns a request into the text
//! it names or refuses it; it knows nothing of what the document does.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use async_graphql::{Request as GqlRequest, Response as GqlResponse, ServerError, Value};
use entity::enums::Role;
use sha2::{Digest, Sha256};

use crate::auth::Principal;
use crate::error::code;

/// The documents and whether borrowers are held to them.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub documents: Option<Arc<TrustedDocuments>>,
    /// Borrowers' requests must be trusted documents (by hash, or text whose hash is one).
    pub borrowers_only: bool,
}

/// The manifest: SHA-256 (lowercase hex) of a document's text → the text.
#[derive(Debug, Default)]
pub struct TrustedDocuments {
    by_hash: HashMap<String, String>,
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl TrustedDocuments {
    /// Reads a manifest: either an object of hash → text (GraphQL Codegen's
    /// `persisted-documents.json`) or Apollo's `apollo-persisted-query-manifest`
    /// (`operations: [{ id, body }]`). Every hash must be the SHA-256 of its text: a
    /// manifest that says otherwise is refused at start-up, not discovered by a client.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let raw = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&raw).with_context(|| format!("the trusted documents in {}", path.display()))
    }

    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        let json: serde_json::Value = serde_json::from_str(raw).context("not JSON")?;
        let pairs: Vec<(String, String)> = match json.get("operations") {
            Some(ops) => ops
                .as_array()
                .context("`operations` is not a list")?
                .iter()
                .map(|o| {
                    let id = o.get("id").and_then(|v| v.as_str()).context("an operation without a string `id`")?;
                    let body =
                        o.get("body").and_then(|v| v.as_str()).context("an operation without a string `body`")?;
                    Ok((id.to_owned(), body.to_owned()))
                })
                .collect::<anyhow::Result<_>>()?,
            None => json
                .as_object()
                .context("neither an object of hash to document nor an Apollo manifest")?
                .iter()
                .map(|(k, v)| Ok((k.clone(), v.as_str().context("a document that is not a string")?.to_owned())))
                .collect::<anyhow::Result<_>>()?,
        };
        let mut by_hash = HashMap::with_capacity(pairs.len());
        for (hash, body) in pairs {
            let hash = hash.strip_prefix("sha256:").unwrap_or(&hash).to_ascii_lowercase();
            anyhow::ensure!(sha256_hex(&body) == hash, "{hash} is not the SHA-256 of its document");
            by_hash.insert(hash, body);
        }
        Ok(Self { by_hash })
    }

    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }
}

/// The hash a request names (`extensions.persistedQuery.sha256Hash`), if any.
pub fn named_hash(req: &GqlRequest) -> Option<String> {
    let Value::Object(pq) = req.extensions.get("persistedQuery")? else { return None };
    match pq.get("sha256Hash")? {
        Value::String(h) => Some(h.to_ascii_lowercase()),
        _ => None,
    }
}

/// A refusal in the persisted-query convention's words: the message is the code's name
/// (`PersistedQueryNotFound`), which clients match on.
fn refusal(message: &str, code: &str) -> Refused {
    let mut e = ServerError::new(message, None);
    e.extensions.get_or_insert_with(Default::default).set("code", code);
    Box::new(GqlResponse::from_errors(vec![e]))
}

/// The answer that refuses a request, in its place in the response.
pub type Refused = Box<GqlResponse>;

impl Policy {
    /// The request with the text of the document it names (a request that names none is
    /// returned as it is), or the answer that refuses it. Needs no principal, so that a
    /// GET can tell a named mutation before it is authenticated.
    pub fn expand(&self, mut req: GqlRequest) -> Result<GqlRequest, Refused> {
        let Some(hash) = named_hash(&req) else { return Ok(req) };
        if !req.query.trim().is_empty() {
            return if sha256_hex(&req.query) == hash {
                Ok(req)
            } else {
                Err(refusal("the document's SHA-256 is not the hash it names", code::BAD_USER_INPUT))
            };
        }
        match self.documents.as_ref().and_then(|d| d.by_hash.get(&hash)) {
            Some(text) => {
                req.query = text.clone();
                Ok(req)
            }
            None => Err(refusal("PersistedQueryNotFound", code::PERSISTED_QUERY_NOT_FOUND)),
        }
    }

    /// Whether the principal may run this (expanded) request: a borrower held to the
    /// trusted documents only one of their texts.
    pub fn admit(&self, req: &GqlRequest, principal: Option<&Principal>) -> Result<(), Refused> {
        let held = self.borrowers_only && principal.is_some_and(|p| p.role == Role::Borrower);
        let listed = || self.documents.as_ref().is_some_and(|d| d.by_hash.contains_key(&sha256_hex(&req.query)));
        if held && !listed() {
            return Err(refusal(
                "only the operations of the app's trusted documents are run for this role: send one by its hash",
                code::PERSISTED_QUERY_NOT_IN_LIST,
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "{ me { role } }";

    #[test]
    fn a_manifest_whose_hash_is_not_its_documents_is_refused() {
        let h = sha256_hex(DOC);
        assert_eq!(TrustedDocuments::parse(&serde_json::json!({ h.clone(): DOC }).to_string()).expect("ok").len(), 1);
        let apollo = serde_json::json!({ "format": "apollo-persisted-query-manifest", "version": 1,
            "operations": [{ "id": h, "body": DOC, "name": "Me", "type": "query" }] });
        assert_eq!(TrustedDocuments::parse(&apollo.to_string()).expect("ok").len(), 1);
        let wrong = serde_json::json!({ sha256_hex("{ other }"): DOC });
        assert!(TrustedDocuments::parse(&wrong.to_string()).is_err());
        assert!(TrustedDocuments::parse("[1]").is_err());
    }
}
