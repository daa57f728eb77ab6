//! An event written in the same transaction as the change it announces, published after commit.

use sea_orm::entity::prelude::*;

use crate::enums::Jurisdiction;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    #[sea_orm(unique)]
    pub id: Uuid,
    pub occurred_at: DateTimeUtc,
    /// e.g. "loan.upserted", "complaint.registered".
    pub topic: String,
    pub subject_type: String,
    pub subject_id: Uuid,
    pub org_id: Option<Uuid>,
    pub jurisdiction: Option<Jurisdiction>,
    pub payload: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
