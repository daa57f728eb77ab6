//! The "at most one" invariants of the model, stated by the database as well as by the row
//! locks the services take (`Write::for_change`): a change that missed its lock meets a
//! unique index and is refused (the service layer answers CONFLICT), never a second row.
//!
//! - one active hand-over of a loan to a collection agency (R17.2: the agency the loan is
//!   handed to is one at a time; X4's counts and R18 follow it);
//! - one open conscription deferral of a loan (M1–M4: one protected period at a time).
//!
//! Appeals have no such index: R16 knows repeat appeals on the same question, filed while
//! the first is under review too (they open no new protection); the application's row
//! lock makes the second of two at once the repeat.
//!
//! Partial unique indexes (`… WHERE`), which both engines have; written as SQL because
//! sea-query's index statement has no condition. The other invariants (one decision per
//! application, one answer per complaint, natural keys, idempotency keys, journal numbers)
//! already had their unique indexes.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000001_at_most_one"
    }
}

/// (name, table, column, condition) of each partial unique index.
const INDEXES: &[(&str, &str, &str, &str)] = &[
    ("ix_collection_assignment_active", "collection_assignment", "loan_id", "ended_at IS NULL"),
    (
        "ix_military_deferral_open",
        "military_deferral",
        "loan_id",
        "status IN ('REGISTERED', 'GRANTED', 'REFUSED_BY_BORROWER')",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for (name, table, column, condition) in INDEXES {
            db.execute_unprepared(&format!("CREATE UNIQUE INDEX {name} ON {table} ({column}) WHERE {condition}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _, _) in INDEXES.iter().rev() {
            m.drop_index(Index::drop().name(*name).table(*table).to_owned()).await?;
        }
        Ok(())
    }
}
