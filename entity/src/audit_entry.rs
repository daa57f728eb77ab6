//! The append-only, hash-chained record of every change: who, when, what, before and after.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    #[sea_orm(unique)]
    pub id: Uuid,
    pub recorded_at: DateTimeUtc,
    /// `role:sub@org` of the principal, or `system:<task>`.
    pub actor: String,
    pub org_id: Option<Uuid>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: Uuid,
    pub before: Option<Json>,
    pub after: Option<Json>,
    /// SHA-256 (hex) of the previous entry; 64 zeros for the first.
    pub prev_hash: String,
    /// SHA-256 (hex) over `prev_hash` and this entry's content.
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
