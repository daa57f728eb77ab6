//! R8: the MFO's answer to an application: agreement, counter-proposal or refusal (D1).

use sea_orm::entity::prelude::*;

use crate::DbDecimal;
use crate::enums::{CounterProposalResponse, DecisionKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "decision")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub application_id: Uuid,
    pub kind: DecisionKind,
    /// A refusal drafted automatically for an inadmissible application, not yet signed.
    pub draft: bool,
    /// The terms agreed or proposed (JSON of `rules::restructuring::Terms`).
    pub terms: Option<Json>,
    pub reasons: Option<String>,
    pub signatory_name: Option<String>,
    pub signatory_position: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    /// When the borrower received it: R12, R13 and R15 count from here.
    pub delivered_at: Option<DateTimeUtc>,
    /// R7/R10: the debt-burden ratios the decision was checked with.
    pub burden_before: Option<DbDecimal>,
    pub burden_after: Option<DbDecimal>,
    pub burden_limit: Option<DbDecimal>,
    /// R7: the monthly payments compared: of the schedule in force and of the new one.
    pub burden_payment_before: Option<DbDecimal>,
    pub burden_payment_after: Option<DbDecimal>,
    /// R12: the reply date the counter-proposal letter gives.
    pub reply_by: Option<Date>,
    pub response: Option<CounterProposalResponse>,
    pub responded_at: Option<DateTimeUtc>,
    pub implemented_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
