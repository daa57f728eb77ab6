//! `loan(contractNumber:)` finds a loan by the number on its contract, within an MFO:
//! an index so that the lookup stays one index probe at a portfolio's size. Not unique:
//! core banking is the source of the numbers, and a book may hold a reused one.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000003_loan_contract_number"
    }
}

#[derive(DeriveIden)]
enum Loan {
    Table,
    ContractNumber,
    MfoId,
}

const INDEX: &str = "ix_loan_contract_number";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create().name(INDEX).table(Loan::Table).col(Loan::ContractNumber).col(Loan::MfoId).to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(INDEX).table(Loan::Table).to_owned()).await
    }
}
