//! Indexes behind each list's `orderBy`: as for the default order (see the list indexes'
//! step), each leads with the scope column a page is read within (an MFO's staff by
//! `mfo_id`/`org_id`, a regulator by `jurisdiction`), then the sort column, and ends with
//! the key that breaks ties, so a page in any offered order, either way, is one index
//! range read of `first + 1` entries. (`contacts` has its indexes from the connection
//! filters' step.)

use sea_orm_migration::prelude::*;

use crate::cols::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000006_list_orders"
    }
}

/// (table, columns) of every index this step adds.
const INDEXES: &[(&str, &[&str])] = &[
    ("loan", &["mfo_id", "contract_date", "id"]),
    ("loan", &["jurisdiction", "contract_date", "id"]),
    ("loan", &["mfo_id", "created_at", "id"]),
    ("loan", &["mfo_id", "updated_at", "id"]),
    ("loan", &["jurisdiction", "updated_at", "id"]),
    ("borrower", &["mfo_id", "created_at", "id"]),
    ("borrower", &["mfo_id", "updated_at", "id"]),
    ("complaint", &["mfo_id", "received_at", "id"]),
    ("complaint", &["jurisdiction", "received_at", "id"]),
    ("complaint", &["mfo_id", "updated_at", "id"]),
    ("restructuring_application", &["mfo_id", "received_at", "id"]),
    ("restructuring_application", &["jurisdiction", "received_at", "id"]),
    ("restructuring_application", &["mfo_id", "updated_at", "id"]),
    ("deadline", &["org_id", "due_at", "id"]),
    ("deadline", &["jurisdiction", "due_at", "id"]),
    ("deadline", &["org_id", "started_at", "id"]),
    ("webhook_delivery", &["endpoint_id", "id"]),
    ("webhook_delivery", &["endpoint_id", "event_at", "id"]),
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
