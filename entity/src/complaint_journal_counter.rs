//! The last journal number handed out per MFO and year (C4). Incremented inside the
//! registering transaction, so a number is used exactly when its complaint commits.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "complaint_journal_counter")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub mfo_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    pub last_number: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
