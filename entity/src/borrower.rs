//! A borrower of one MFO, kept in sync by the MFO's core-banking system.

use sea_orm::entity::prelude::*;

use crate::enums::Language;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "borrower")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub mfo_id: Uuid,
    /// The MFO's own id for the borrower; unique per MFO.
    pub external_id: String,
    pub full_name: String,
    /// National identification number (IIN / PIN), when known.
    pub national_id: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: Language,
    /// Socially vulnerable status (R16, R19).
    pub socially_vulnerable: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
