//! M1–M6: a conscripted borrower's service, the deferral it brings and the suspension of
//! collection.

use sea_orm::entity::prelude::*;

use crate::enums::{DeferralStatus, Jurisdiction};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "military_deferral")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub loan_id: Uuid,
    pub borrower_id: Uuid,
    pub mfo_id: Uuid,
    pub jurisdiction: Jurisdiction,
    /// When the credit bureau's data arrived (M1's clock).
    pub bureau_received_at: DateTimeUtc,
    pub service_start: Date,
    pub service_end: Date,
    /// Removal from the unit's lists before the end of service (M4).
    pub discharged_on: Option<Date>,
    /// The last day of service + 60 days (or discharge + 60): the deferral and the
    /// suspension of collection run through it (M1, M4, M5).
    pub protected_until: Date,
    pub status: DeferralStatus,
    pub granted_at: Option<DateTimeUtc>,
    pub refused_at: Option<DateTimeUtc>,
    pub refusal_confirmed_at: Option<DateTimeUtc>,
    /// The schedule before the deferral, to restore it when a refusal is confirmed (M3).
    pub original_schedule: Option<Json>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
