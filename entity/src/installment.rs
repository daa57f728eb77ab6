//! One line of a loan's current repayment schedule.

use sea_orm::entity::prelude::*;

use crate::DbDecimal;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "installment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub loan_id: Uuid,
    /// 1-based position in the schedule.
    pub seq: i32,
    pub due_date: Date,
    pub principal: DbDecimal,
    pub interest: DbDecimal,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
