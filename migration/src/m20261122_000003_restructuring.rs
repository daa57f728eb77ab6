//! Delinquency notices, restructuring applications, document requests, decisions and
//! regulator appeals (R1–R16, D1), with the incoming-number counter.

use sea_orm_migration::prelude::*;

use crate::cols::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000003_restructuring"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_database_backend();
        // R1's sweep remembers which overdue it examined (see entity::loan).
        m.alter_table(Table::alter().table("loan").add_column(date_null("notice_checked_due_date")).take()).await?;
        m.create_table(
            Table::create()
                .table("document_counter")
                .col(uuid("org_id"))
                .col(text("series"))
                .col(int("year"))
                .col(int("last_number"))
                .primary_key(Index::create().col("org_id").col("series").col("year"))
                .foreign_key(&mut fk("document_counter", "org_id", "organization"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("delinquency_notice")
                .col(uuid_pk("id"))
                .col(uuid("loan_id"))
                .col(uuid("mfo_id"))
                .col(text("jurisdiction"))
                .col(date("overdue_since"))
                .col(ts("sent_at"))
                .col(text("channel"))
                .col(text("sender"))
                .col(uuid("sender_org_id"))
                .col(decimal(db, "overdue_amount"))
                .col(date("amount_as_of"))
                .col(boolean("states_right_to_apply"))
                .col(boolean("states_consequences"))
                .col(text_null("text"))
                .col(text("recorded_by"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("delinquency_notice", "loan_id", "loan"))
                .foreign_key(&mut fk("delinquency_notice", "sender_org_id", "organization"))
                .take(),
        )
        .await?;
        m.create_index(index("delinquency_notice", &["loan_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("restructuring_application")
                .col(uuid_pk("id"))
                .col(uuid("mfo_id"))
                .col(text("jurisdiction"))
                .col(uuid("loan_id"))
                .col(uuid("borrower_id"))
                .col(int("incoming_year"))
                .col(int("incoming_seq"))
                .col(ts("received_at"))
                .col(date("application_date"))
                .col(text("language"))
                .col(text("channel"))
                .col(json("grounds"))
                .col(json("requested_measures"))
                .col(decimal_null(db, "monthly_income"))
                .col(decimal(db, "other_monthly_debt_payments"))
                .col(text_null("circumstances"))
                .col(json("documents"))
                .col(text("status"))
                .col(date_null("overdue_since"))
                .col(boolean("admissible"))
                .col(text("admissibility_rule"))
                .col(json_null("inadmissible_facts"))
                .col(json_null("borrower_notice"))
                .col(text("submitted_by"))
                .col(ts_null("closed_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("restructuring_application", "mfo_id", "organization"))
                .foreign_key(&mut fk("restructuring_application", "loan_id", "loan"))
                .foreign_key(&mut fk("restructuring_application", "borrower_id", "borrower"))
                .take(),
        )
        .await?;
        // An incoming number is never used twice.
        m.create_index(index("restructuring_application", &["mfo_id", "incoming_year", "incoming_seq"], true)).await?;
        m.create_index(index("restructuring_application", &["loan_id"], false)).await?;
        m.create_index(index("restructuring_application", &["borrower_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("document_request")
                .col(uuid_pk("id"))
                .col(uuid("application_id"))
                .col(json("items"))
                .col(ts("requested_at"))
                .col(text("requested_by"))
                .col(date("due_date"))
                .col(text("status"))
                .col(json_null("provided"))
                .col(ts_null("provided_at"))
                .foreign_key(&mut fk("document_request", "application_id", "restructuring_application"))
                .take(),
        )
        .await?;
        m.create_index(index("document_request", &["application_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("decision")
                .col(uuid_pk("id"))
                .col(uuid("application_id"))
                .col(text("kind"))
                .col(boolean("draft"))
                .col(json_null("terms"))
                .col(text_null("reasons"))
                .col(text_null("signatory_name"))
                .col(text_null("signatory_position"))
                .col(text_null("decided_by"))
                .col(ts_null("decided_at"))
                .col(ts_null("delivered_at"))
                .col(decimal_null(db, "burden_before"))
                .col(decimal_null(db, "burden_after"))
                .col(decimal_null(db, "burden_limit"))
                .col(date_null("reply_by"))
                .col(text_null("response"))
                .col(ts_null("responded_at"))
                .col(ts_null("implemented_at"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("decision", "application_id", "restructuring_application"))
                .take(),
        )
        .await?;
        // One decision per application (a draft refusal is signed in place).
        m.create_index(index("decision", &["application_id"], true)).await?;

        m.create_table(
            Table::create()
                .table("regulator_appeal")
                .col(uuid_pk("id"))
                .col(uuid("application_id"))
                .col(uuid("loan_id"))
                .col(uuid("borrower_id"))
                .col(uuid("mfo_id"))
                .col(text("jurisdiction"))
                .col(ts("filed_at"))
                .col(text("statement"))
                .col(json("evidence"))
                .col(boolean("repeat"))
                .col(date_null("home_protected_until"))
                .col(text("status"))
                .col(text_null("outcome"))
                .col(text_null("resolution_note"))
                .col(ts_null("resolved_at"))
                .col(text_null("resolved_by"))
                .foreign_key(&mut fk("regulator_appeal", "application_id", "restructuring_application"))
                .foreign_key(&mut fk("regulator_appeal", "loan_id", "loan"))
                .take(),
        )
        .await?;
        m.create_index(index("regulator_appeal", &["loan_id"], false)).await?;
        m.create_index(index("regulator_appeal", &["application_id"], false)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "regulator_appeal",
            "decision",
            "document_request",
            "restructuring_application",
            "delinquency_notice",
            "document_counter",
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        m.alter_table(Table::alter().table("loan").drop_column("notice_checked_due_date").take()).await?;
        Ok(())
    }
}
