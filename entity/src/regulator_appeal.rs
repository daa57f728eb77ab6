//! R15/R16: a borrower's appeal to the supervising authority, and the home-protection
//! window it may open.

use sea_orm::entity::prelude::*;

use crate::enums::{AppealOutcome, AppealStatus, Jurisdiction};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "regulator_appeal")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    pub loan_id: Uuid,
    pub borrower_id: Uuid,
    pub mfo_id: Uuid,
    pub jurisdiction: Jurisdiction,
    pub filed_at: DateTimeUtc,
    pub statement: String,
    /// `[{name, checksum}]`: evidence of the application and the disagreement.
    pub evidence: Json,
    /// A repeat appeal on a question already appealed (R16 gives it no protection).
    pub repeat: bool,
    /// R16: the last day foreclosure (or a foreclosure lawsuit) is barred, if it is.
    pub home_protected_until: Option<Date>,
    pub status: AppealStatus,
    pub outcome: Option<AppealOutcome>,
    pub resolution_note: Option<String>,
    pub resolved_at: Option<DateTimeUtc>,
    pub resolved_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
