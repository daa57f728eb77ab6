//! Integration tests: every test talks to a real server over HTTP (or WebSocket) on its
//! own database. Run on SQLite by default, on PostgreSQL with MFO_TEST_DATABASE_URL.

mod helpers;

mod attribution;
mod audit_trail;
mod auth;
mod changes;
mod clearance;
mod collection;
mod complaints;
mod concurrency_suite;
mod crash_suite;
mod dashboard;
mod demo;
mod documents;
mod duplicate_suite;
mod exports;
mod exposure;
mod finding;
mod hostile;
mod hostile_suite;
mod import;
mod ingestion;
mod isolation_matrix;
mod languages;
mod legacy;
mod lifecycle;
mod mechanisms;
mod migrations;
mod money;
mod observability;
mod partner;
mod performance;
mod policies;
mod rates;
mod restructuring;
mod schema;
mod scoping;
mod shares;
mod statistics;
mod sync;
mod text;
mod token_matrix;
mod transport;
mod worklist;
