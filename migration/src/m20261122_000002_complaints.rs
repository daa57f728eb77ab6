//! Complaints and requests (C1–C13): the complaint journal with its per-MFO, per-year
//! counter, answers, loan-information requests and managers' reception hours.

use sea_orm_migration::prelude::*;

use crate::cols::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000002_complaints"
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
                .table("complaint")
                .col(uuid_pk("id"))
                .col(uuid("mfo_id"))
                .col(text("jurisdiction"))
                .col(int("journal_year"))
                .col(int("journal_seq"))
                .col(text("kind"))
                .col(text("channel"))
                .col(text("form"))
                .col(text("language"))
                .col(text_null("substance"))
                .col(json("complainants"))
                .col(text_null("answer_address"))
                .col(boolean("signed"))
                .col(date_null("dated_on"))
                .col(json("missing_content"))
                .col(uuid_null("borrower_id"))
                .col(uuid_null("loan_id"))
                .col(text_null("branch"))
                .col(ts("received_at"))
                .col(ts("registered_at"))
                .col(text("registered_by"))
                .col(text("status"))
                .col(text_null("closure_reason"))
                .col(text_null("closure_note"))
                .col(ts_null("acknowledged_at"))
                .col(text_null("acknowledgement_channel"))
                .col(json_null("forwarded_to"))
                .col(text_null("extension_reason"))
                .col(json_null("extension_notice"))
                .col(ts_null("extended_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("complaint", "mfo_id", "organization"))
                .foreign_key(&mut fk("complaint", "borrower_id", "borrower"))
                .foreign_key(&mut fk("complaint", "loan_id", "loan"))
                .take(),
        )
        .await?;
        // C4: a journal number is never used twice, whatever races.
        m.create_index(
            Index::create()
                .name("ix_complaint_journal")
                .table("complaint")
                .col("mfo_id")
                .col("journal_year")
                .col("journal_seq")
                .unique()
                .take(),
        )
        .await?;
        m.create_index(Index::create().name("ix_complaint_borrower").table("complaint").col("borrower_id").take())
            .await?;

        m.create_table(
            Table::create()
                .table("complaint_journal_counter")
                .col(uuid("mfo_id"))
                .col(int("year"))
                .col(int("last_number"))
                .primary_key(Index::create().col("mfo_id").col("year"))
                .foreign_key(&mut fk("complaint_journal_counter", "mfo_id", "organization"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("complaint_answer")
                .col(uuid_pk("id"))
                .col(uuid("complaint_id"))
                .col(boolean("oral"))
                .col(text_null("signatory_role"))
                .col(text_null("signatory_name"))
                .col(text("signed_by"))
                .col(text_null("ground"))
                .col(text("text"))
                .col(text_null("executor_name"))
                .col(text_null("executor_contact"))
                .col(text("language"))
                .col(text_null("delivery_channel"))
                .col(text_null("delivered_to"))
                .col(ts("sent_at"))
                .col(json("attachments"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("complaint_answer", "complaint_id", "complaint"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_complaint_answer_complaint")
                .table("complaint_answer")
                .col("complaint_id")
                .unique()
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("info_request")
                .col(uuid_pk("id"))
                .col(uuid("mfo_id"))
                .col(text("jurisdiction"))
                .col(uuid("borrower_id"))
                .col(uuid("loan_id"))
                .col(text("channel"))
                .col(text("form"))
                .col(ts("received_at"))
                .col(text("month"))
                .col(boolean("beyond_free_monthly"))
                .col(text("status"))
                .col(ts_null("answered_at"))
                .col(text_null("answer_channel"))
                .col(text("registered_by"))
                .foreign_key(&mut fk("info_request", "mfo_id", "organization"))
                .foreign_key(&mut fk("info_request", "borrower_id", "borrower"))
                .foreign_key(&mut fk("info_request", "loan_id", "loan"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_info_request_borrower_month")
                .table("info_request")
                .col("borrower_id")
                .col("month")
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("reception_hours")
                .col(uuid_pk("id"))
                .col(uuid("mfo_id"))
                .col(text("manager_name"))
                .col(text("position"))
                .col(text("weekday"))
                .col(ColumnDef::new("starts_at").time().not_null())
                .col(ColumnDef::new("ends_at").time().not_null())
                .col(ts("updated_at"))
                .foreign_key(&mut fk("reception_hours", "mfo_id", "organization"))
                .take(),
        )
        .await?;
        m.create_index(Index::create().name("ix_reception_hours_mfo").table("reception_hours").col("mfo_id").take())
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["reception_hours", "info_request", "complaint_answer", "complaint_journal_counter", "complaint"] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
