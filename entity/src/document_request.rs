//! R6: documents the MFO asked for, and whether the borrower provided them in time.

use sea_orm::entity::prelude::*;

use crate::enums::DocumentRequestStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document_request")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    /// `[{kind, description}]`
    pub items: Json,
    pub requested_at: DateTimeUtc,
    pub requested_by: String,
    pub due_date: Date,
    pub status: DocumentRequestStatus,
    /// `[{kind, name, checksum}]`
    pub provided: Option<Json>,
    pub provided_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
