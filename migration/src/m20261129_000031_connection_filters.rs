//! Finding records: the indexes behind the connections' date-range filters and
//! the `contacts` connection, so a filtered page is an index range scan inside the
//! caller's scope, not the scope's rows filtered one by one.
//!
//! Each index leads with a scope column (`services::scope`: an MFO's `mfo_id`/`org_id`, a
//! regulator's `jurisdiction`, an agency's `contactor_org_id`) and then the filtered date.
//! A regulator's complaints, applications and escalations by date use the (jurisdiction,
//! instant) indexes of `m20261129_000011`. `contacts` is read newest first by
//! (occurred_at, id), so its indexes end with `id` and are read backwards without a sort.

use sea_orm_migration::prelude::*;

use crate::cols::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000031_connection_filters"
    }
}

/// (table, columns) of every index this step adds.
const INDEXES: &[(&str, &[&str])] = &[
    // `loans(filter: {contractDateFrom, contractDateTo})`.
    ("loan", &["mfo_id", "contract_date"]),
    ("loan", &["jurisdiction", "contract_date"]),
    // `borrowers(filter: {from, to})`, on when the borrower was first synced.
    ("borrower", &["mfo_id", "created_at"]),
    // `complaints` and `restructuringApplications` by `receivedAt`, an MFO's.
    ("complaint", &["mfo_id", "received_at"]),
    ("restructuring_application", &["mfo_id", "received_at"]),
    // `escalations` by `raisedAt`, an MFO's.
    ("escalation", &["org_id", "raised_at"]),
    // `deadlines` by `dueAt`.
    ("deadline", &["org_id", "due_at"]),
    ("deadline", &["jurisdiction", "due_at"]),
    // `contacts`: an MFO's, a regulator's, an agency's, newest first.
    ("contact_event", &["mfo_id", "occurred_at", "id"]),
    ("contact_event", &["jurisdiction", "occurred_at", "id"]),
    ("contact_event", &["contactor_org_id", "occurred_at", "id"]),
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
