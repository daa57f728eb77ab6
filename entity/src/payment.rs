//! Money received on a loan, as the core-banking system reports it.

use sea_orm::entity::prelude::*;

use crate::DbDecimal;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub loan_id: Uuid,
    /// The MFO's own id for the payment; unique per loan.
    pub external_id: String,
    pub paid_at: DateTimeUtc,
    pub amount: DbDecimal,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
