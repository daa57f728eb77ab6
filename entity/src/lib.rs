//! SeaORM entities, one file per table, and the enums stored in them.
//!
//! Entities are storage shapes only: no business rule and no GraphQL type lives here
//! (the enums may derive `async_graphql::Enum` behind the `graphql` feature, because the
//! contract's enum values are exactly the stored ones).

pub mod decimal;
pub mod enums;

pub mod app_secret;
pub mod audit_entry;
pub mod borrower;
pub mod chain_head;
pub mod collection_assignment;
pub mod complaint;
pub mod complaint_answer;
pub mod complaint_journal_counter;
pub mod contact_detail_change;
pub mod contact_event;
pub mod deadline;
pub mod decision;
pub mod delinquency_notice;
pub mod document_counter;
pub mod document_request;
pub mod escalation;
pub mod holiday;
pub mod idempotency_key;
pub mod info_request;
pub mod installment;
pub mod loan;
pub mod military_deferral;
pub mod organization;
pub mod outbox_event;
pub mod payment;
pub mod policy_version;
pub mod reception_hours;
pub mod regulator_appeal;
pub mod restructuring_application;
pub mod webhook_attempt;
pub mod webhook_delivery;
pub mod webhook_endpoint;

pub use decimal::DbDecimal;
