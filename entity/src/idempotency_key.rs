//! A retried mutation's memory: principal + `clientSubmissionId` → the input's hash and the
//! record the first attempt produced.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_key")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub principal_key: String,
    pub client_submission_id: Uuid,
    pub operation: String,
    /// SHA-256 (hex) of the canonical JSON of the input.
    pub request_hash: String,
    /// The record the first attempt produced; set before that attempt commits.
    pub result_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
