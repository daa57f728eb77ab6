//! A loan handed to a collection agency for pre-trial collection (R17.2), until recalled.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "collection_assignment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub loan_id: Uuid,
    pub agency_id: Uuid,
    pub assigned_at: DateTimeUtc,
    /// Set when the loan is recalled; an assignment with none is current.
    pub ended_at: Option<DateTimeUtc>,
    pub assigned_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
