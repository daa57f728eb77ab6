//! Collection: the contract's own meeting terms (X4 "unless the contract sets
//! other terms"), who a claim was assigned to (R14 applies to a collection agency only),
//! the MFO's finding that a collector gave a false name or position (X6), and the contact
//! a complaint is about (a borrower's complaint about a collector is an X6 report).
//!
//! One column per `ALTER TABLE`: SQLite adds one column per statement.

use sea_orm_migration::prelude::*;

use crate::cols::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000005_collection_terms"
    }
}

/// The columns this step adds, in order; `down` drops them in reverse.
fn added() -> Vec<(&'static str, ColumnDef)> {
    vec![
        // X4: local times of the borrower's jurisdiction; NULL: the policy's window.
        ("loan", ColumnDef::new("contract_meeting_window_start").time().null().take()),
        ("loan", ColumnDef::new("contract_meeting_window_end").time().null().take()),
        // X4: NULL: the policy's figure.
        ("loan", ColumnDef::new("contract_meetings_per_day").integer().null().take()),
        ("loan", ColumnDef::new("contract_meetings_per_week").integer().null().take()),
        // X4: existing loans agreed nothing else: meetings on business days only.
        ("loan", ColumnDef::new("contract_meetings_on_days_off").boolean().not_null().default(false).take()),
        // R14: COLLECTION_AGENCY | OTHER_THIRD_PARTY; NULL when not reported.
        ("loan", text_null("claim_assignee")),
        // X6: {fields, note, flaggedBy, flaggedAt}, set once by the loan's MFO.
        ("contact_event", json_null("misrepresentation")),
        // X6: the contact a complaint is about.
        ("complaint", uuid_null("contact_id")),
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
        // The complaints about one contact (an X6 report each).
        m.create_index(index("complaint", &["contact_id"], false)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_complaint_contact_id").table("complaint").to_owned()).await?;
        for (table, col) in added().into_iter().rev() {
            m.alter_table(Table::alter().table(table).drop_column(Alias::new(col.get_column_name())).take()).await?;
        }
        Ok(())
    }
}
