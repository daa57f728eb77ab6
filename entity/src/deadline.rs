//! The one timer mechanism: a timed duty on a subject, opened and closed by the services
//! and marked missed by the scanner (DESIGN.md, Storage).

use sea_orm::entity::prelude::*;

use crate::enums::{DeadlineKind, DeadlineStatus, Jurisdiction, Obligor};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deadline")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub jurisdiction: Jurisdiction,
    pub subject_type: String,
    pub subject_id: Uuid,
    pub kind: DeadlineKind,
    /// The DOMAIN.md rule that sets it, e.g. "C8".
    pub rule: String,
    pub obligor: Obligor,
    /// Makes opening idempotent: one deadline per (subject, kind, occurrence).
    #[sea_orm(unique)]
    pub dedupe_key: String,
    pub started_at: DateTimeUtc,
    /// The first instant at which the duty is late (the end of the last allowed local day).
    pub due_at: DateTimeUtc,
    /// The last allowed local day, for people.
    pub due_date: Date,
    pub status: DeadlineStatus,
    pub policy_version_id: Uuid,
    pub extensions: i32,
    pub closed_at: Option<DateTimeUtc>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
