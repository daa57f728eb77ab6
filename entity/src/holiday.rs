//! A day that differs from a jurisdiction's Monday–Friday week: a day off or a worked weekend day.

use sea_orm::entity::prelude::*;

use crate::enums::{HolidayKind, Jurisdiction};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "holiday")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub jurisdiction: Jurisdiction,
    pub date: Date,
    pub kind: HolidayKind,
    pub name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
