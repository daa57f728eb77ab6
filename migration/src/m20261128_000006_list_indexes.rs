//! Indexes behind every list the schema offers and the scanner's sweeps, so a
//! page of 50 at 300,000 loans or 50,000 complaints is an index range scan, not a scan of
//! the table with the caller's scope filtered out row by row.
//!
//! Each list pages in id order (UUIDv7, i.e. creation order) after a cursor, inside the
//! caller's scope (`services::scope`: an MFO's staff by `mfo_id`/`org_id`, a regulator by
//! `jurisdiction`), optionally by status. So each index leads with the scope column, then
//! the equality filter, and ends with the order column: the planner reads the first
//! `first + 1` entries and stops. A borrower's scope is served by the existing
//! `borrower_id` indexes; the complaint journal by its unique (mfo, year, seq) index; the
//! deadline claim (`status = OPEN AND due_at <= now`, by `due_at`) by (status, due_at) of
//! the foundation step.

use sea_orm_migration::prelude::*;

use crate::cols::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000006_list_indexes"
    }
}

/// (table, columns) of every index this step adds.
const INDEXES: &[(&str, &[&str])] = &[
    // `loans`: an MFO's page, by status, by overdue (`first_unpaid_due_date` range); a
    // regulator's page.
    ("loan", &["mfo_id", "id"]),
    ("loan", &["mfo_id", "status", "id"]),
    ("loan", &["mfo_id", "status", "first_unpaid_due_date"]),
    ("loan", &["jurisdiction", "id"]),
    // R1's overdue sweep (`services::restructuring::overdue_candidates`): active loans of a
    // jurisdiction whose oldest unpaid installment is past, in id order.
    ("loan", &["jurisdiction", "status", "first_unpaid_due_date", "id"]),
    // `complaints`.
    ("complaint", &["mfo_id", "id"]),
    ("complaint", &["mfo_id", "status", "id"]),
    ("complaint", &["jurisdiction", "id"]),
    // `restructuringApplications`.
    ("restructuring_application", &["mfo_id", "id"]),
    ("restructuring_application", &["mfo_id", "status", "id"]),
    ("restructuring_application", &["jurisdiction", "id"]),
    // `escalations` (and the subscription's catch-up) in sequence order.
    ("escalation", &["jurisdiction", "seq"]),
    ("escalation", &["org_id", "seq"]),
    // `deadlines`.
    ("deadline", &["org_id", "id"]),
    ("deadline", &["jurisdiction", "id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_indexes(m, INDEXES).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_indexes(m, INDEXES).await
    }
}
