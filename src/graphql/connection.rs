//! Relay connections over service pages: `first` (at most 100, default 20) and an opaque
//! `after` cursor. Lists cost `first ×` their children in the complexity limit (set on
//! each field).

use async_graphql::OutputType;
use async_graphql::connection::{Connection, Edge};
use uuid::Uuid;

use crate::graphql::errors::bad_input;
use crate::graphql::ids::{cursor, parse_cursor};
use crate::services::Page;

pub const DEFAULT_PAGE: i32 = 20;
pub const MAX_PAGE: i32 = 100;

/// Validates `first`.
pub fn first(first: Option<i32>) -> async_graphql::Result<u64> {
    let n = first.unwrap_or(DEFAULT_PAGE);
    if !(0..=MAX_PAGE).contains(&n) {
        return Err(bad_input(format!("`first` must be between 0 and {MAX_PAGE}")));
    }
    Ok(n as u64)
}

/// Decodes an `after` cursor that wraps a uuid.
pub fn after_uuid(after: Option<String>) -> async_graphql::Result<Option<Uuid>> {
    after
        .map(|a| {
            parse_cursor(&a).and_then(|k| Uuid::parse_str(&k).map_err(|_| bad_input("`after` is not a valid cursor")))
        })
        .transpose()
}

/// Builds a connection from a page; `key` gives each row's cursor key.
pub fn from_page<T, N, K>(
    page: Page<T>,
    had_cursor: bool,
    key: impl Fn(&T) -> K,
    node: impl Fn(T) -> N,
) -> Connection<String, N>
where
    N: OutputType,
    K: std::fmt::Display,
{
    let mut c = Connection::new(had_cursor, page.has_next);
    c.edges.extend(page.items.into_iter().map(|item| {
        let k = cursor(key(&item));
        Edge::new(k, node(item))
    }));
    c
}
