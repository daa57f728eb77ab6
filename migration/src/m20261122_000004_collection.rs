//! Collection (X1–X7, M1–M6, R14–R18): the contact log, conscripts' deferrals, borrowers'
//! contact-detail changes, and the shared secret that signs contact clearances.

use sea_orm_migration::prelude::*;

use crate::cols::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000004_collection"
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
                .table("contact_event")
                .col(uuid_pk("id"))
                .col(uuid("loan_id"))
                .col(uuid("borrower_id"))
                .col(uuid("mfo_id"))
                .col(text("jurisdiction"))
                .col(uuid("contactor_org_id"))
                .col(text("recorded_by"))
                .col(text("channel"))
                .col(ts("occurred_at"))
                .col(text("party"))
                .col(text_null("third_party_purpose"))
                .col(text_null("destination"))
                .col(json("disclosure"))
                .col(text("outcome"))
                .col(text_null("note"))
                .col(text("clearance"))
                .col(json("violations"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("contact_event", "loan_id", "loan"))
                .foreign_key(&mut fk("contact_event", "contactor_org_id", "organization"))
                .take(),
        )
        .await?;
        // X3/X4 count a debtor's contacts by day and week.
        m.create_index(index("contact_event", &["borrower_id", "occurred_at"], false)).await?;
        m.create_index(index("contact_event", &["loan_id", "occurred_at"], false)).await?;

        m.create_table(
            Table::create()
                .table("military_deferral")
                .col(uuid_pk("id"))
                .col(uuid("loan_id"))
                .col(uuid("borrower_id"))
                .col(uuid("mfo_id"))
                .col(text("jurisdiction"))
                .col(ts("bureau_received_at"))
                .col(date("service_start"))
                .col(date("service_end"))
                .col(date_null("discharged_on"))
                .col(date("protected_until"))
                .col(text("status"))
                .col(ts_null("granted_at"))
                .col(ts_null("refused_at"))
                .col(ts_null("refusal_confirmed_at"))
                .col(json_null("original_schedule"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("military_deferral", "loan_id", "loan"))
                .take(),
        )
        .await?;
        m.create_index(index("military_deferral", &["loan_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("contact_detail_change")
                .col(uuid_pk("id"))
                .col(uuid("borrower_id"))
                .col(ts("reported_at"))
                .col(date("changed_on"))
                .col(json("previous"))
                .col(json("current"))
                .foreign_key(&mut fk("contact_detail_change", "borrower_id", "borrower"))
                .take(),
        )
        .await?;
        m.create_index(index("contact_detail_change", &["borrower_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("app_secret")
                .col(ColumnDef::new("name").text().not_null().primary_key())
                .col(text("value"))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["app_secret", "contact_detail_change", "military_deferral", "contact_event"] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
