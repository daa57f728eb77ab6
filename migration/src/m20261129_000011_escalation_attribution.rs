//! Attribution: the organisation responsible for an escalation as a column
//! (until now only `details.responsibleOrgId`), so escalations and statistics can be
//! filtered by it with an index, and the regulator's acknowledgement of an escalation.
//! Plus the indexes `regulatorStatistics` reads a period through (jurisdiction, instant).
//!
//! Existing rows are backfilled from `details.responsibleOrgId` by reading them here
//! (JSON paths and UUID storage differ between the engines; a row-by-row update in Rust
//! is the same on both). One column per `ALTER TABLE`: SQLite adds one per statement.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::cols::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000011_escalation_attribution"
    }
}

/// The columns this step adds, in order; `down` drops them in reverse.
fn added() -> Vec<(&'static str, ColumnDef)> {
    vec![
        // The organisation whose conduct the breach is, when it is not the MFO of the loan
        // (e.g. the collection agency that made an X2–X7 contact); NULL: the MFO itself.
        ("escalation", uuid_null("responsible_org_id")),
        // The regulator's acknowledgement: when, by whom (principal key), and its note.
        ("escalation", ts_null("acknowledged_at")),
        ("escalation", text_null("acknowledged_by")),
        ("escalation", text_null("acknowledgement_note")),
    ]
}

/// The statistics' period filters: a jurisdiction's records between two instants (or
/// local dates, for deadlines).
fn period_indexes() -> Vec<(&'static str, &'static [&'static str])> {
    vec![
        ("complaint", &["jurisdiction", "received_at"]),
        ("restructuring_application", &["jurisdiction", "received_at"]),
        ("contact_event", &["jurisdiction", "occurred_at"]),
        ("escalation", &["jurisdiction", "raised_at"]),
        ("deadline", &["jurisdiction", "due_date"]),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, col) in added() {
            m.alter_table(Table::alter().table(table).add_column(col).take()).await?;
        }
        m.create_index(index("escalation", &["responsible_org_id"], false)).await?;
        create_indexes(m, &period_indexes()).await?;
        let db = m.get_connection();
        let select = Query::select().columns(["seq", "details"]).from("escalation").to_owned();
        for row in db.query_all(&select).await? {
            let seq: i64 = row.try_get("", "seq")?;
            let details: serde_json::Value = row.try_get("", "details")?;
            let Some(org) = details["responsibleOrgId"].as_str().and_then(|s| uuid::Uuid::parse_str(s).ok()) else {
                continue;
            };
            let update = Query::update()
                .table("escalation")
                .value("responsible_org_id", org)
                .and_where(Expr::col("seq").eq(seq))
                .to_owned();
            db.execute(&update).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_indexes(m, &period_indexes()).await?;
        m.drop_index(Index::drop().name("ix_escalation_responsible_org_id").table("escalation").to_owned()).await?;
        for (table, col) in added().into_iter().rev() {
            m.alter_table(Table::alter().table(table).drop_column(Alias::new(col.get_column_name())).take()).await?;
        }
        Ok(())
    }
}
