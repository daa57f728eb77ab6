//! One change to deliver to one endpoint: its body, fixed when queued (a redelivery sends
//! the same bytes under the same `webhook-id`), and where its attempts stand.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_delivery")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub endpoint_id: Uuid,
    /// The change's id (the outbox event's): the `webhook-id`.
    pub event_id: Uuid,
    pub event_seq: i64,
    pub event_type: String,
    pub event_at: DateTimeUtc,
    pub payload: Json,
    /// PENDING, DELIVERED or FAILED (every attempt of the schedule failed).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTimeUtc>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
