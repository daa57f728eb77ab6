//! A borrower's request for information about a serviced loan (C9).

use sea_orm::entity::prelude::*;

use crate::enums::{ComplaintChannel, ComplaintForm, InfoRequestStatus, Jurisdiction};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "info_request")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub mfo_id: Uuid,
    pub jurisdiction: Jurisdiction,
    pub borrower_id: Uuid,
    pub loan_id: Uuid,
    pub channel: ComplaintChannel,
    pub form: ComplaintForm,
    pub received_at: DateTimeUtc,
    /// The local calendar month of receipt, `YYYY-MM`: one free request per borrower in it.
    pub month: String,
    /// A second (or later) request in the same month: still registered and answered, but
    /// not free of charge under C9.
    pub beyond_free_monthly: bool,
    pub status: InfoRequestStatus,
    pub answered_at: Option<DateTimeUtc>,
    pub answer_channel: Option<String>,
    pub registered_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
