//! An MFO, a collection agency or a regulator. Registered by an operator (`mfo-api org create`).

use sea_orm::entity::prelude::*;

use crate::enums::{Jurisdiction, OrgKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organization")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: OrgKind,
    pub name: String,
    pub jurisdiction: Jurisdiction,
    /// IANA zone for local dates and hours (Asia/Almaty, Asia/Bishkek).
    pub time_zone: String,
    /// Postal address, printed on letters (D1).
    pub address: Option<String>,
    /// The day it was founded: nothing reached it before (receipt dates are checked
    /// against it). `None` for organisations registered without it.
    pub founded_on: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
