//! A manager's reception hours (C13), data the MFO maintains.

use sea_orm::entity::prelude::*;

use crate::enums::Weekday;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reception_hours")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub mfo_id: Uuid,
    pub manager_name: String,
    pub position: String,
    pub weekday: Weekday,
    pub starts_at: Time,
    pub ends_at: Time,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
