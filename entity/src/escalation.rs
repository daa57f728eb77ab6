//! A missed legal deadline or a rule breach, for the regulator's dashboards. `seq` orders
//! them in commit order, so a subscriber can resume after the last one it saw.

use sea_orm::entity::prelude::*;

use crate::enums::{EscalationKind, Jurisdiction};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "escalation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    #[sea_orm(unique)]
    pub id: Uuid,
    pub raised_at: DateTimeUtc,
    pub kind: EscalationKind,
    pub rule: String,
    pub org_id: Uuid,
    pub jurisdiction: Jurisdiction,
    pub subject_type: String,
    pub subject_id: Uuid,
    /// The missed deadline; unique, so one deadline raises one escalation.
    #[sea_orm(unique)]
    pub deadline_id: Option<Uuid>,
    pub message: String,
    pub details: Json,
    /// The organisation whose conduct the breach is when it is not `org_id` (e.g. the
    /// collection agency that made the contact); NULL: the MFO itself.
    pub responsible_org_id: Option<Uuid>,
    /// The regulator's acknowledgement; the escalation stays in the stream and statistics.
    pub acknowledged_at: Option<DateTimeUtc>,
    /// The acknowledging principal's key.
    pub acknowledged_by: Option<String>,
    pub acknowledgement_note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
