//! The foundation: organisations, borrowers, loans with schedules and payments, agency
//! hand-overs, calendars, policy versions, and the generic mechanisms every area uses
//! (deadlines, escalations, outbox, audit chain, idempotency keys). Seeds the shipped
//! calendars and policy versions.

use sea_orm_migration::prelude::*;

use crate::cols::*;
use crate::seed;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000001_foundation"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_database_backend();

        m.create_table(
            Table::create()
                .table("organization")
                .col(uuid_pk("id"))
                .col(text("kind"))
                .col(text("name"))
                .col(text("jurisdiction"))
                .col(text("time_zone"))
                .col(text_null("address"))
                .col(ts("created_at"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("borrower")
                .col(uuid_pk("id"))
                .col(uuid("mfo_id"))
                .col(text("external_id"))
                .col(text("full_name"))
                .col(text_null("national_id"))
                .col(text_null("address"))
                .col(text_null("phone"))
                .col(text_null("email"))
                .col(text("language"))
                .col(boolean("socially_vulnerable"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("borrower", "mfo_id", "organization"))
                .take(),
        )
        .await?;
        // The MFO's own ids make ingestion idempotent.
        m.create_index(index("borrower", &["mfo_id", "external_id"], true)).await?;

        m.create_table(
            Table::create()
                .table("loan")
                .col(uuid_pk("id"))
                .col(uuid("mfo_id"))
                .col(uuid("borrower_id"))
                .col(text("jurisdiction"))
                .col(text("external_id"))
                .col(text("contract_number"))
                .col(date("contract_date"))
                .col(text("currency"))
                .col(decimal(db, "principal"))
                .col(decimal(db, "annual_rate"))
                .col(int("term_months"))
                .col(decimal_null(db, "credit_limit"))
                .col(text("status"))
                .col(text("repayment_order"))
                .col(boolean("mortgage_secured"))
                .col(boolean("secured_by_dwelling"))
                .col(boolean("business_purpose"))
                .col(boolean("contract_allows_agency"))
                .col(date_null("court_act_on"))
                .col(date_null("enforcement_inscription_on"))
                .col(date_null("settlement_agreement_on"))
                .col(date_null("reducing_settlement_on"))
                .col(date_null("claim_assigned_on"))
                .col(date_null("insolvency_from"))
                .col(date_null("insolvency_to"))
                .col(date_null("first_unpaid_due_date"))
                .col(date_null("notice_episode_since"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("loan", "mfo_id", "organization"))
                .foreign_key(&mut fk("loan", "borrower_id", "borrower"))
                .take(),
        )
        .await?;
        m.create_index(index("loan", &["mfo_id", "external_id"], true)).await?;
        m.create_index(index("loan", &["borrower_id"], false)).await?;
        m.create_index(index("loan", &["first_unpaid_due_date"], false)).await?;

        m.create_table(
            Table::create()
                .table("installment")
                .col(uuid_pk("id"))
                .col(uuid("loan_id"))
                .col(int("seq"))
                .col(date("due_date"))
                .col(decimal(db, "principal"))
                .col(decimal(db, "interest"))
                .foreign_key(&mut fk("installment", "loan_id", "loan"))
                .take(),
        )
        .await?;
        m.create_index(index("installment", &["loan_id", "seq"], true)).await?;

        m.create_table(
            Table::create()
                .table("payment")
                .col(uuid_pk("id"))
                .col(uuid("loan_id"))
                .col(text("external_id"))
                .col(ts("paid_at"))
                .col(decimal(db, "amount"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("payment", "loan_id", "loan"))
                .take(),
        )
        .await?;
        m.create_index(index("payment", &["loan_id", "external_id"], true)).await?;

        m.create_table(
            Table::create()
                .table("collection_assignment")
                .col(uuid_pk("id"))
                .col(uuid("loan_id"))
                .col(uuid("agency_id"))
                .col(ts("assigned_at"))
                .col(ts_null("ended_at"))
                .col(text("assigned_by"))
                .foreign_key(&mut fk("collection_assignment", "loan_id", "loan"))
                .foreign_key(&mut fk("collection_assignment", "agency_id", "organization"))
                .take(),
        )
        .await?;
        m.create_index(index("collection_assignment", &["loan_id"], false)).await?;
        m.create_index(index("collection_assignment", &["agency_id", "ended_at"], false)).await?;

        m.create_table(
            Table::create()
                .table("holiday")
                .col(uuid_pk("id"))
                .col(text("jurisdiction"))
                .col(date("date"))
                .col(text("kind"))
                .col(text("name"))
                .take(),
        )
        .await?;
        m.create_index(index("holiday", &["jurisdiction", "date"], true)).await?;

        m.create_table(
            Table::create()
                .table("policy_version")
                .col(uuid_pk("id"))
                .col(text("jurisdiction"))
                .col(date("effective_from"))
                .col(text("name"))
                .col(json("figures"))
                .col(ts("created_at"))
                .take(),
        )
        .await?;
        m.create_index(index("policy_version", &["jurisdiction", "effective_from"], true)).await?;

        m.create_table(
            Table::create()
                .table("deadline")
                .col(uuid_pk("id"))
                .col(uuid("org_id"))
                .col(text("jurisdiction"))
                .col(text("subject_type"))
                .col(uuid("subject_id"))
                .col(text("kind"))
                .col(text("rule"))
                .col(text("obligor"))
                .col(text("dedupe_key"))
                .col(ts("started_at"))
                .col(ts("due_at"))
                .col(date("due_date"))
                .col(text("status"))
                .col(uuid("policy_version_id"))
                .col(int("extensions"))
                .col(ts_null("closed_at"))
                .col(text_null("lease_owner"))
                .col(ts_null("lease_until"))
                .foreign_key(&mut fk("deadline", "org_id", "organization"))
                .foreign_key(&mut fk("deadline", "policy_version_id", "policy_version"))
                .take(),
        )
        .await?;
        m.create_index(index("deadline", &["dedupe_key"], true)).await?;
        // The scanner's query: open rows by due time.
        m.create_index(index("deadline", &["status", "due_at"], false)).await?;
        m.create_index(index("deadline", &["subject_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("escalation")
                .col(seq_pk("seq"))
                .col(uuid("id"))
                .col(ts("raised_at"))
                .col(text("kind"))
                .col(text("rule"))
                .col(uuid("org_id"))
                .col(text("jurisdiction"))
                .col(text("subject_type"))
                .col(uuid("subject_id"))
                .col(uuid_null("deadline_id"))
                .col(text("message"))
                .col(json("details"))
                .foreign_key(&mut fk("escalation", "org_id", "organization"))
                .take(),
        )
        .await?;
        m.create_index(index("escalation", &["id"], true)).await?;
        // One deadline raises at most one escalation, whatever the number of scanners.
        m.create_index(index("escalation", &["deadline_id"], true)).await?;

        m.create_table(
            Table::create()
                .table("outbox_event")
                .col(seq_pk("seq"))
                .col(uuid("id"))
                .col(ts("occurred_at"))
                .col(text("topic"))
                .col(text("subject_type"))
                .col(uuid("subject_id"))
                .col(uuid_null("org_id"))
                .col(text_null("jurisdiction"))
                .col(json("payload"))
                .take(),
        )
        .await?;
        m.create_index(index("outbox_event", &["id"], true)).await?;
        m.create_index(index("outbox_event", &["subject_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("audit_entry")
                .col(seq_pk("seq"))
                .col(uuid("id"))
                .col(ts("recorded_at"))
                .col(text("actor"))
                .col(uuid_null("org_id"))
                .col(text("action"))
                .col(text("subject_type"))
                .col(uuid("subject_id"))
                .col(json_null("before"))
                .col(json_null("after"))
                .col(text("prev_hash"))
                .col(text("hash"))
                .take(),
        )
        .await?;
        m.create_index(index("audit_entry", &["id"], true)).await?;
        m.create_index(index("audit_entry", &["subject_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("chain_head")
                .col(ColumnDef::new("name").text().not_null().primary_key())
                .col(text("last_hash"))
                .col(big_int("appended"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("idempotency_key")
                .col(uuid_pk("id"))
                .col(text("principal_key"))
                .col(uuid("client_submission_id"))
                .col(text("operation"))
                .col(text("request_hash"))
                .col(uuid_null("result_id"))
                .col(ts("created_at"))
                .take(),
        )
        .await?;
        m.create_index(index("idempotency_key", &["principal_key", "client_submission_id"], true)).await?;

        seed::chain_heads(m).await?;
        seed::calendars(m).await?;
        seed::policies(m).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "idempotency_key",
            "chain_head",
            "audit_entry",
            "outbox_event",
            "escalation",
            "deadline",
            "policy_version",
            "holiday",
            "collection_assignment",
            "payment",
            "installment",
            "loan",
            "borrower",
            "organization",
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
