//! Schema migrations, one file per step, applied by `mfo-api migrate` and at start-up.
//!
//! Append-only: a migration that has been released is never edited; a change is a new
//! step. Each step runs in one transaction on both engines.

pub use sea_orm_migration::prelude::*;

mod cols;
mod m20261122_000001_foundation;
mod m20261122_000002_complaints;
mod m20261122_000003_restructuring;
mod m20261122_000004_collection;
mod m20261128_000001_decision_burden_payments;
mod m20261128_000005_collection_terms;
mod m20261128_000006_list_indexes;
mod m20261129_000011_escalation_attribution;
mod m20261129_000021_clearance_lifetime;
mod m20261129_000031_connection_filters;
mod m20261206_000001_at_most_one;
mod m20261206_000002_change_feed;
mod m20261206_000003_loan_contract_number;
mod m20261206_000004_webhooks;
mod m20261206_000006_list_orders;
mod m20261206_000021_organization_founded_on;
pub mod seed;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_foundation::Migration),
            Box::new(m20261122_000002_complaints::Migration),
            Box::new(m20261122_000003_restructuring::Migration),
            Box::new(m20261122_000004_collection::Migration),
            Box::new(m20261128_000001_decision_burden_payments::Migration),
            Box::new(m20261128_000005_collection_terms::Migration),
            Box::new(m20261128_000006_list_indexes::Migration),
            Box::new(m20261129_000011_escalation_attribution::Migration),
            Box::new(m20261129_000021_clearance_lifetime::Migration),
            Box::new(m20261129_000031_connection_filters::Migration),
            Box::new(m20261206_000001_at_most_one::Migration),
            Box::new(m20261206_000002_change_feed::Migration),
            Box::new(m20261206_000003_loan_contract_number::Migration),
            Box::new(m20261206_000004_webhooks::Migration),
            Box::new(m20261206_000006_list_orders::Migration),
            Box::new(m20261206_000021_organization_founded_on::Migration),
        ]
    }
}
