//! The figures of DOMAIN.md in force for a jurisdiction from a date (JSON, read by `rules::policy`).

use sea_orm::entity::prelude::*;

use crate::enums::Jurisdiction;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "policy_version")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub jurisdiction: Jurisdiction,
    pub effective_from: Date,
    /// A human name, e.g. "KZ seed 2024-09-09".
    pub name: String,
    pub figures: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
