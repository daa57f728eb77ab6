//! R1: a delinquency notice sent to the borrower, with its three required contents.

use sea_orm::entity::prelude::*;

use crate::DbDecimal;
use crate::enums::{Jurisdiction, NoticeChannel, NoticeSender};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delinquency_notice")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub loan_id: Uuid,
    pub mfo_id: Uuid,
    pub jurisdiction: Jurisdiction,
    /// The overdue episode (its first overdue day) the notice is about.
    pub overdue_since: Date,
    pub sent_at: DateTimeUtc,
    pub channel: NoticeChannel,
    pub sender: NoticeSender,
    pub sender_org_id: Uuid,
    /// Content 1: the overdue amount as of a date.
    pub overdue_amount: DbDecimal,
    pub amount_as_of: Date,
    /// Content 2: the borrower's right to apply to the MFO (R2).
    pub states_right_to_apply: bool,
    /// Content 3: the consequences of non-payment.
    pub states_consequences: bool,
    pub text: Option<String>,
    pub recorded_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
