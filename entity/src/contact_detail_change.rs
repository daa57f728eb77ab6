//! X7: a borrower's report of changed contact details: until it is made, the old details
//! count as valid.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contact_detail_change")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub borrower_id: Uuid,
    pub reported_at: DateTimeUtc,
    /// The day the details changed, as the borrower says (X7: report within 10 days).
    pub changed_on: Date,
    /// `{phone, email, address}` before and after.
    pub previous: Json,
    pub current: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
