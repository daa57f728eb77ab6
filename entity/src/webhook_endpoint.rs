//! An organisation's webhook endpoint: where its changes are POSTed, signed (Standard
//! Webhooks), from `cursor_seq` on, as the principal that created it may see them.

use sea_orm::entity::prelude::*;

use crate::enums::Role;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoint")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    /// The role whose scope the deliveries follow (the creator's).
    pub role: Role,
    /// The creator's principal key (`ROLE:sub@org`).
    pub created_by: String,
    pub url: String,
    /// Record types (`ChangeRecordType` names) to deliver; empty: all.
    pub event_types: Json,
    pub description: Option<String>,
    /// `whsec_<base64>`.
    pub secret: String,
    /// The secret before the last rotation, still signing until `previous_secret_until`.
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<DateTimeUtc>,
    /// The last change (outbox sequence and instant) queued for delivery.
    pub cursor_seq: i64,
    pub cursor_at: DateTimeUtc,
    pub disabled_at: Option<DateTimeUtc>,
    pub disabled_reason: Option<String>,
    /// Since when every attempt failed (none since the last success), and how many.
    pub failing_since: Option<DateTimeUtc>,
    pub consecutive_failures: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
