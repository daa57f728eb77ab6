//! mfo-api: the GraphQL API through which MFOs, collection agencies, a mobile banking app
//! and the supervising authority work on complaints, loans and restructuring under the
//! law as docs/law.md states it. Start reading at `ARCHITECTURE.md`.

pub mod app;
pub mod auth;
pub mod bus;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod documents;
pub mod error;
pub mod events;
pub mod exports;
pub mod graphql;
pub mod http;
pub mod i18n;
pub mod ids;
pub mod import;
pub mod money;
pub mod rules;
pub mod services;
pub mod text;
