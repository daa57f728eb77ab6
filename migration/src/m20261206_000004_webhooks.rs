//! Signed webhooks (Standard Webhooks): the endpoints an organisation registers, one
//! delivery per change and endpoint (unique: a change is never queued twice for one
//! endpoint, whichever instance fans it out), and every attempt of a delivery.

use sea_orm_migration::prelude::*;

use crate::cols::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000004_webhooks"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("webhook_endpoint")
                .col(uuid_pk("id"))
                .col(uuid("org_id"))
                .col(text("role"))
                .col(text("created_by"))
                .col(text("url"))
                .col(json("event_types"))
                .col(text_null("description"))
                .col(text("secret"))
                .col(text_null("previous_secret"))
                .col(ts_null("previous_secret_until"))
                .col(big_int("cursor_seq"))
                .col(ts("cursor_at"))
                .col(ts_null("disabled_at"))
                .col(text_null("disabled_reason"))
                .col(ts_null("failing_since"))
                .col(int("consecutive_failures"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("webhook_endpoint", "org_id", "organization"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("webhook_endpoint", &["org_id"], false)).await?;
        m.create_table(
            Table::create()
                .table("webhook_delivery")
                .col(uuid_pk("id"))
                .col(uuid("endpoint_id"))
                .col(uuid("event_id"))
                .col(big_int("event_seq"))
                .col(text("event_type"))
                .col(ts("event_at"))
                .col(json("payload"))
                .col(text("status"))
                .col(int("attempts"))
                .col(ts_null("next_attempt_at"))
                .col(text_null("lease_owner"))
                .col(ts_null("lease_until"))
                .col(int_null("last_status_code"))
                .col(text_null("last_error"))
                .col(ts_null("delivered_at"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("webhook_delivery", "endpoint_id", "webhook_endpoint"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("webhook_delivery", &["endpoint_id", "event_id"], true)).await?;
        m.create_index(index("webhook_delivery", &["status", "next_attempt_at"], false)).await?;
        m.create_table(
            Table::create()
                .table("webhook_attempt")
                .col(uuid_pk("id"))
                .col(uuid("delivery_id"))
                .col(ts("attempted_at"))
                .col(int_null("status_code"))
                .col(text_null("error"))
                .col(big_int("duration_ms"))
                .foreign_key(&mut fk("webhook_attempt", "delivery_id", "webhook_delivery"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("webhook_attempt", &["delivery_id", "attempted_at"], false)).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["webhook_attempt", "webhook_delivery", "webhook_endpoint"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
