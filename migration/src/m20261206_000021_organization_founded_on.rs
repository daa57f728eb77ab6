//! The day an organisation was founded: nothing can have reached it before, so a receipt
//! date before it is a typo (a year 1, a swapped century). Nullable: organisations
//! registered before the column existed have no date, and nothing is refused for them.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000021_organization_founded_on"
    }
}

#[derive(DeriveIden)]
enum Organization {
    Table,
    FoundedOn,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Organization::Table)
                .add_column(ColumnDef::new(Organization::FoundedOn).date().null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Organization::Table).drop_column(Organization::FoundedOn).to_owned()).await
    }
}
