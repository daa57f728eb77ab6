//! The answer to a complaint (C10–C12): written and signed, or given orally.

use sea_orm::entity::prelude::*;

use crate::enums::{AnswerDeliveryChannel, AnswerGround, Language, SignatoryRole};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "complaint_answer")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub complaint_id: Uuid,
    /// An oral answer on the spot (C12) has no signatory, ground or delivery.
    pub oral: bool,
    pub signatory_role: Option<SignatoryRole>,
    pub signatory_name: Option<String>,
    /// The MFO_MANAGER principal who signed it.
    pub signed_by: String,
    pub ground: Option<AnswerGround>,
    pub text: String,
    pub executor_name: Option<String>,
    pub executor_contact: Option<String>,
    pub language: Language,
    pub delivery_channel: Option<AnswerDeliveryChannel>,
    /// Where it went (C11), e.g. the first complainant's postal address.
    pub delivered_to: Option<String>,
    pub sent_at: DateTimeUtc,
    /// `[{name, certifiedCopy}]`
    pub attachments: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
