//! A contact with a debtor or a third party (X1–X7). Always stored, with the rules it broke.

use sea_orm::entity::prelude::*;

use crate::enums::{ContactChannel, ContactClearance, ContactOutcome, ContactParty, Jurisdiction, ThirdPartyPurpose};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contact_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub loan_id: Uuid,
    pub borrower_id: Uuid,
    pub mfo_id: Uuid,
    pub jurisdiction: Jurisdiction,
    /// The organisation that made the contact (the MFO or an agency).
    pub contactor_org_id: Uuid,
    pub recorded_by: String,
    pub channel: ContactChannel,
    pub occurred_at: DateTimeUtc,
    pub party: ContactParty,
    pub third_party_purpose: Option<ThirdPartyPurpose>,
    /// The phone, e-mail or address used.
    pub destination: Option<String>,
    /// X2: `{organizationName, organizationLocation, personName, personPosition}`.
    pub disclosure: Json,
    pub outcome: ContactOutcome,
    pub note: Option<String>,
    pub clearance: ContactClearance,
    /// Rule IDs the contact broke, e.g. `["X3"]`.
    pub violations: Json,
    /// X6: what the loan's MFO found false in the disclosure
    /// (`{fields, note, flaggedBy, flaggedAt}`); set once.
    pub misrepresentation: Option<Json>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
