//! Lists under a record (`Loan.installments`, `payments`, `contacts`,
//! `delinquencyNotices`) paged like the root lists: `first`/`after`, `last`/`before` per
//! the Relay connection specification, `pageInfo` and `totalCount`, answered as the same
//! `<N>Connection` types (`connection::Page`), their arguments checked by the root lists'
//! `connection::window`.
//!
//! Why the page is cut in memory and not in SQL: the rows come from the DataLoaders
//! (`loaders`), which read the lists of every loan of a page in one statement each, so a
//! page of loans costs the same few statements whatever its size. A per-loan `LIMIT`
//! would cost one statement per loan (or a window function per dialect). Each loan's
//! rows are a bounded few (a schedule has at most `MAX_SCHEDULE_LINES` lines; payments,
//! contacts and notices are those of one loan), so the loader keeps them all and each
//! field slices its window from them here; only the nodes of the window are built.
//!
//! A cursor names a row by its key in the list (an installment by `seq`, the others by
//! id), so a cursor stays valid while rows are added; one whose row is gone is refused
//! (BAD_USER_INPUT) rather than guessed at.
//!
//! Cost: such a field weighs `connection::cost(first, last, child)`, the most nodes it can
//! return times its selection, like a root list, so the complexity limit sees what a nested selection
//! can build (`graphql::budget`).

use std::fmt::Display;

use async_graphql::OutputType;
use async_graphql::connection::{Connection, Edge};

use crate::graphql::connection::{Page, TotalCount};
use crate::graphql::errors::bad_input;
use crate::graphql::ids::cursor;
use crate::services::paging::Window;

/// The most deadlines a record's `deadlines` returns: a record has a handful (C4, C5, C8;
/// R6, R8, R11, R13; M1, M3), but a loan gets an R1 notice duty per overdue episode, so
/// the list is bounded when read, keeping the newest.
pub const MAX_DEADLINES: usize = 50;
/// The most conscription records `Loan.militaryDeferrals` returns (the newest; at most one
/// is open at a time, M1–M4).
pub const MAX_DEFERRALS: usize = 20;
/// The most R6 document requests `RestructuringApplication.documentRequests` returns (the newest).
pub const MAX_DOCUMENT_REQUESTS: usize = 20;
/// The most R15 appeals `RestructuringApplication.appeals` returns (the newest; R16 makes
/// a second one the repeat of the first).
pub const MAX_APPEALS: usize = 10;
/// The most attempts `WebhookDelivery.attempts` returns (the newest): the retry schedule
/// has 7 and each redelivery one more.
pub const MAX_ATTEMPTS: usize = 50;
/// `permittedActions` returns one verdict per collection action: there are this many.
pub const ACTIONS: usize = 16;

/// The newest `max` of `rows` (given oldest first), still oldest first: a list under a
/// record bounded when read.
pub fn newest<T>(mut rows: Vec<T>, max: usize) -> Vec<T> {
    if rows.len() > max {
        rows.drain(..rows.len() - max);
    }
    rows
}

/// The first `max` items of a list stored as JSON in a record (empty when it does not read
/// as one): the list's input bound, kept on the way out for a record stored before it.
pub fn first_of_json<T: serde::de::DeserializeOwned>(list: &serde_json::Value, max: usize) -> Vec<T> {
    let mut items: Vec<T> = serde_json::from_value(list.clone()).unwrap_or_default();
    items.truncate(max);
    items
}

/// The window of `rows` (in the field's documented order) as a connection: `w` is the
/// field's checked arguments (`connection::window`), `key` a row's cursor key, `node`
/// builds the node of a row inside the window only.
pub fn page<T, N, K>(
    w: &Window<K>,
    rows: Vec<T>,
    key: impl Fn(&T) -> K,
    node: impl FnMut(T) -> N,
) -> async_graphql::Result<Page<N>>
where
    N: OutputType,
    K: PartialEq + Display,
{
    let (start, end) = bounds(w, &rows, &key)?;
    let total = rows.len() as u64;
    let mut c = Connection::with_additional_fields(
        start > 0,
        end < rows.len(),
        TotalCount::new(move || async move { Ok(total) }),
    );
    let mut node = node;
    c.edges.extend(rows.into_iter().skip(start).take(end - start).map(|row| Edge::new(cursor(key(&row)), node(row))));
    Ok(Page(c))
}

/// The window's range of `rows`: after `after`, before `before`, then the first or the
/// last `size` of what remains (Relay's ApplyCursorsToEdges).
fn bounds<T, K: PartialEq>(w: &Window<K>, rows: &[T], key: impl Fn(&T) -> K) -> async_graphql::Result<(usize, usize)> {
    let find = |name: &str, wanted: &K| {
        rows.iter()
            .position(|r| key(r) == *wanted)
            .ok_or_else(|| bad_input(format!("`{name}` names no row of this list (any more)")))
    };
    let mut start = 0;
    let mut end = rows.len();
    if let Some(after) = &w.after {
        start = find("after", &after.key)? + 1;
    }
    if let Some(before) = &w.before {
        end = find("before", &before.key)?.max(start);
    }
    let size = usize::try_from(w.size).unwrap_or(usize::MAX);
    if w.backward {
        start = start.max(end.saturating_sub(size));
    } else {
        end = end.min(start.saturating_add(size));
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(w: Window<usize>, n: usize) -> (usize, usize) {
        let rows: Vec<usize> = (0..n).collect();
        bounds(&w, &rows, |r| *r).unwrap_or((usize::MAX, usize::MAX))
    }

    fn win(first: Option<i32>, after: Option<usize>, last: Option<i32>, before: Option<usize>) -> Window<usize> {
        crate::graphql::connection::window(first, after.map(cursor), last, before.map(cursor), None)
            .unwrap_or_else(|_| Window::forward(None, 0))
    }

    #[test]
    fn windows_follow_relay() {
        assert_eq!(range(win(None, None, None, None), 30), (0, 20));
        assert_eq!(range(win(Some(10), Some(24), None, None), 30), (25, 30));
        assert_eq!(range(win(None, None, Some(10), None), 30), (20, 30));
        assert_eq!(range(win(None, None, Some(10), Some(5)), 30), (0, 5));
        assert_eq!(range(win(Some(3), Some(2), None, Some(9)), 30), (3, 6));
        assert_eq!(range(win(Some(0), None, None, None), 30), (0, 0));
    }

    #[test]
    fn a_cursor_of_no_row_is_refused() {
        assert!(bounds(&win(None, Some(99), None, None), &[1usize, 2, 3], |r| *r).is_err());
        assert!(bounds(&win(None, None, Some(2), Some(99)), &[1usize, 2, 3], |r| *r).is_err());
    }

    #[test]
    fn a_bounded_list_keeps_its_newest() {
        assert_eq!(newest(vec![1, 2, 3, 4], 2), vec![3, 4]);
        assert_eq!(newest(vec![1], 2), vec![1]);
    }

    #[test]
    fn every_collection_action_is_counted() {
        use async_graphql::resolver_utils::EnumType;
        assert_eq!(entity::enums::CollectionAction::items().len(), ACTIONS);
    }
}
