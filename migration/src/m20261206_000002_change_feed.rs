//! The change feed reads the outbox: `changes(after:)` by sequence (the primary key),
//! `updatedAfter` on the root lists as "records of this type with an event since", and
//! the retention prune by age. Two indexes serve the last two.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000002_change_feed"
    }
}

#[derive(DeriveIden)]
enum OutboxEvent {
    Table,
    SubjectType,
    OccurredAt,
    SubjectId,
}

const BY_SUBJECT: &str = "ix_outbox_event_subject_changed";
const BY_AGE: &str = "ix_outbox_event_occurred_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Covering: `updatedAfter` reads the subject ids of one type since an instant.
        m.create_index(
            Index::create()
                .name(BY_SUBJECT)
                .table(OutboxEvent::Table)
                .col(OutboxEvent::SubjectType)
                .col(OutboxEvent::OccurredAt)
                .col(OutboxEvent::SubjectId)
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name(BY_AGE).table(OutboxEvent::Table).col(OutboxEvent::OccurredAt).to_owned())
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(BY_AGE).table(OutboxEvent::Table).to_owned()).await?;
        m.drop_index(Index::drop().name(BY_SUBJECT).table(OutboxEvent::Table).to_owned()).await
    }
}
