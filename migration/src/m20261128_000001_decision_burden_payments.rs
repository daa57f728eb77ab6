//! R7/R10: a decision keeps the two monthly payments its debt-burden check compared (the
//! schedule in force and the new one), beside the ratios, so the figures behind "lowered"
//! can be read back and audited. Nullable: refusals, drafts and decisions signed before
//! this step carry none.

use sea_orm_migration::prelude::*;

use crate::cols::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000001_decision_burden_payments"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_database_backend();
        // One column per statement: SQLite alters one column at a time.
        for col in ["burden_payment_before", "burden_payment_after"] {
            m.alter_table(Table::alter().table("decision").add_column(decimal_null(db, col)).take()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in ["burden_payment_after", "burden_payment_before"] {
            m.alter_table(Table::alter().table("decision").drop_column(col).take()).await?;
        }
        Ok(())
    }
}
