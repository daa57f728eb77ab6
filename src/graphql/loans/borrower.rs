//! The borrower as a GraphQL type. Fields map the synced record; nothing here reads a
//! record outside the caller's scope.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use entity::borrower;
use entity::enums::Language;

use crate::graphql::ids::{Kind, encode};

#[derive(Clone)]
pub struct Borrower(pub borrower::Model);

/// A borrower of an MFO, as its core-banking system syncs them. Visible to the MFO's staff and managers, the
/// agency holding one of their loans (R17.2), themself, and the regulator of the MFO's jurisdiction.
#[Object]
impl Borrower {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::Borrower, self.0.id)
    }
    /// The MFO's own id for the borrower.
    async fn external_id(&self) -> &str {
        &self.0.external_id
    }
    /// When the MFO first synced the borrower (UTC instant; `borrowers(filter: {from, to})`).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the borrower last changed (UTC instant).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Full name.
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }
    /// National identification number (IIN in KZ, PIN in KG), if synced.
    async fn national_id(&self) -> Option<&str> {
        self.0.national_id.as_deref()
    }
    /// Registered or contract address (X1 letters go here; X7: changes count once reported).
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    /// Phone number (X3 calls go here).
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// E-mail address.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Preferred language for texts to the borrower.
    async fn language(&self) -> Language {
        self.0.language
    }
    /// Socially vulnerable status (R16, R19).
    async fn socially_vulnerable(&self) -> bool {
        self.0.socially_vulnerable
    }
}
