//! A complaint, suggestion or request in the MFO's single journal (C1–C12).

use sea_orm::entity::prelude::*;

use crate::enums::{
    AcknowledgementChannel, ClosureReason, ComplaintChannel, ComplaintForm, ComplaintKind, ComplaintStatus,
    Jurisdiction, Language,
};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "complaint")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub mfo_id: Uuid,
    pub jurisdiction: Jurisdiction,
    /// Journal year (local year of registration) and number within it (C4).
    pub journal_year: i32,
    pub journal_seq: i32,
    pub kind: ComplaintKind,
    pub channel: ComplaintChannel,
    pub form: ComplaintForm,
    pub language: Language,
    pub substance: Option<String>,
    /// The complainants in the order given (several for a collective complaint, C11):
    /// `[{fullName, address, phone, email}]`.
    pub complainants: Json,
    /// The address the complaint names for the answer, when not the first complainant's (C11).
    pub answer_address: Option<String>,
    pub signed: bool,
    pub dated_on: Option<Date>,
    /// What C3 requires and the complaint lacks, as a JSON list of `MissingContent`.
    pub missing_content: Json,
    pub borrower_id: Option<Uuid>,
    pub loan_id: Option<Uuid>,
    /// The contact with a collector the complaint is about: an X6 report.
    pub contact_id: Option<Uuid>,
    pub branch: Option<String>,
    pub received_at: DateTimeUtc,
    pub registered_at: DateTimeUtc,
    pub registered_by: String,
    pub status: ComplaintStatus,
    pub closure_reason: Option<ClosureReason>,
    pub closure_note: Option<String>,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub acknowledgement_channel: Option<AcknowledgementChannel>,
    /// The responsible managers it was forwarded to (C7): `[{name, position}]`.
    pub forwarded_to: Option<Json>,
    pub extension_reason: Option<String>,
    /// C8: how and when the consumer was told of the extension: `{channel, sentAt}`.
    pub extension_notice: Option<Json>,
    pub extended_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
