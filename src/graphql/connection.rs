//! Relay connections over service pages: `first` rows (at most 100, default 20) after an
//! opaque `after` cursor, or the `last` rows before a `before` cursor, in the order the
//! list was asked for (`services::paging`). Lists cost `first ×` their children in the
//! complexity limit (`cost`, named on each field). Resolvers return `Page<N>`,
//! async-graphql's `Connection` with a type description (the schema documents every type)
//! and `totalCount`, which runs its service's COUNT only when a query selects it: a page
//! that does not ask pays nothing.
//! Nothing here knows a table or a scope: the count is the service's.

use std::borrow::Cow;
use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::parser::types::Field;
use async_graphql::registry::{MetaType, Registry};
use async_graphql::{ContextSelectionSet, Object, OutputType, Positioned, ServerResult, Value};

use crate::auth::Principal;
use crate::error::ServiceResult;
use crate::graphql::errors::{bad_input, top_level};
use crate::graphql::ids::{cursor, parse_cursor};
use crate::services::Ctx;
use crate::services::paging::{Position, SortKind, Window};

pub const DEFAULT_PAGE: i32 = 20;
pub const MAX_PAGE: i32 = 100;

/// The complexity of a paged field, root or nested: the most nodes it may return (`first`
/// or `last`, `DEFAULT_PAGE` without either, at most `MAX_PAGE`) times its selection. An
/// argument out of range is refused when the field runs; here it counts as `MAX_PAGE`.
pub fn cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let most = |n: Option<i32>| n.map_or(0, |n| if (0..=MAX_PAGE).contains(&n) { n } else { MAX_PAGE });
    let nodes = if first.is_none() && last.is_none() { DEFAULT_PAGE } else { most(first).max(most(last)) };
    (nodes as usize).saturating_mul(child_complexity)
}

/// Validates `first`.
pub fn first(first: Option<i32>) -> async_graphql::Result<u64> {
    size("first", first)
}

/// A connection of `N` (`<N>Connection` in the schema): async-graphql's `Connection`,
/// whose type it registers and resolves, plus the type description that one lacks.
pub struct Page<N: OutputType>(pub Connection<String, N, TotalCount>);

type CountFuture = Pin<Box<dyn Future<Output = ServiceResult<u64>> + Send>>;

/// `totalCount`: a deferred COUNT of the list's rows (scope and filter, not the page),
/// run only when the field is selected, once per selection.
#[derive(Clone)]
pub struct TotalCount(Arc<dyn Fn() -> CountFuture + Send + Sync>);

impl TotalCount {
    /// `count` runs the service's COUNT for the list's scope and filter.
    pub fn new<F, Fut>(count: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ServiceResult<u64>> + Send + 'static,
    {
        Self(Arc::new(move || Box::pin(count())))
    }

    /// The usual case: `count(ctx, principal, filter)`, given owned copies on each call.
    pub fn of<A, F, Fut>(ctx: &Ctx, p: &Principal, args: A, count: F) -> Self
    where
        A: Clone + Send + Sync + 'static,
        F: Fn(Ctx, Principal, A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ServiceResult<u64>> + Send + 'static,
    {
        let (ctx, p) = (ctx.clone(), p.clone());
        Self::new(move || count(ctx.clone(), p.clone(), args.clone()))
    }
}

/// The total of a connection (flattened into `<N>Connection`).
#[Object]
impl TotalCount {
    /// How many records match the field's scope and filter, whatever `first` and `after`
    /// (a COUNT, run only when this field is selected).
    async fn total_count(&self) -> async_graphql::Result<i64> {
        let n = (self.0)().await.map_err(top_level)?;
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl<N: OutputType> OutputType for Page<N> {
    fn type_name() -> Cow<'static, str> {
        Connection::<String, N, TotalCount>::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        let qualified = Connection::<String, N, TotalCount>::create_type_info(registry);
        let name = Self::type_name();
        if let Some(MetaType::Object { description, .. }) = registry.types.get_mut(name.as_ref())
            && description.is_none()
        {
            *description = Some(format!(
                "A page of `{node}` objects in the order the field documents: `edges` (each with its \
                 `cursor`) or just `nodes`, and `pageInfo`. For the next page pass \
                 `pageInfo.endCursor` as `after` (`first` is 0 to 100, default 20); for the \
                 previous one `pageInfo.startCursor` as `before` with `last`.",
                node = N::type_name()
            ));
        }
        qualified
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> ServerResult<Value> {
        self.0.resolve(ctx, field).await
    }
}

/// A page size argument (`first` or `last`): 0 to `MAX_PAGE`, default `DEFAULT_PAGE`.
fn size(name: &str, n: Option<i32>) -> async_graphql::Result<u64> {
    let n = n.unwrap_or(DEFAULT_PAGE);
    if !(0..=MAX_PAGE).contains(&n) {
        return Err(bad_input(format!("`{name}` must be between 0 and {MAX_PAGE}")));
    }
    Ok(n as u64)
}

/// The Relay arguments of a list, checked: `first` rows after `after`, or the `last` rows
/// before `before` (either cursor bounds either direction; `first` and `last` together:
/// BAD_USER_INPUT). A cursor must come from the same list in the same order (`tag`).
pub fn window<K: FromStr + Display>(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
    tag: Option<(&'static str, SortKind)>,
) -> async_graphql::Result<Window<K>> {
    if first.is_some() && last.is_some() {
        return Err(bad_input("give `first` (forward) or `last` (backward), not both"));
    }
    let backward = last.is_some() || (before.is_some() && first.is_none());
    let size = if backward { size("last", last)? } else { size("first", first)? };
    let position = |cursor: Option<String>, name: &str| {
        cursor
            .map(|c| {
                parse_cursor(&c)
                    .ok()
                    .and_then(|text| Position::decode(&text, tag))
                    .ok_or_else(|| bad_input(format!("`{name}` is not a cursor of this list in this order")))
            })
            .transpose()
    };
    Ok(Window { after: position(after, "after")?, before: position(before, "before")?, size, backward })
}

/// Builds a connection from a window's page: each edge's cursor is its row's `position`
/// (tagged with the order's field, `tag`); `pageInfo` says what lies on each side (going
/// forward, rows before the page exist when a cursor bounded it; going back, likewise
/// after).
pub fn connection<T, N, K>(
    page: crate::services::Page<T>,
    w: &Window<K>,
    tag: Option<(&'static str, SortKind)>,
    position: impl Fn(&T) -> Position<K>,
    node: impl Fn(T) -> N,
    total: TotalCount,
) -> Page<N>
where
    N: OutputType,
    K: FromStr + Display,
{
    let (has_previous, has_next) =
        if w.backward { (page.has_next, w.before.is_some()) } else { (w.after.is_some(), page.has_next) };
    let mut c = Connection::with_additional_fields(has_previous, has_next, total);
    let name = tag.map(|(n, _)| n);
    c.edges.extend(page.items.into_iter().map(|item| Edge::new(cursor(position(&item).encode(name)), node(item))));
    Page(c)
}

/// An `orderBy` input of a list: `$field` is its enum of sort columns. `sort` turns the
/// argument into the services' `Sort` (absent: the list's default order).
macro_rules! order_input {
    ($(#[$doc:meta])* $name:ident, $field:ty) => {
        $(#[$doc])*
        #[derive(async_graphql::InputObject)]
        pub struct $name {
            /// The column to sort by; rows equal in it follow in id order, in the same direction.
            pub field: $field,
            /// `ASC` (the default) or `DESC`.
            #[graphql(default)]
            pub direction: $crate::services::paging::Direction,
        }

        impl $name {
            /// The order asked for, or the list's default (by key, ascending).
            pub fn sort(order: Option<Self>) -> $crate::services::paging::Sort<$field> {
                Self::sort_or(order, $crate::services::paging::Sort::default())
            }

            /// The order asked for, or `default`.
            #[allow(dead_code)]
            pub fn sort_or(
                order: Option<Self>,
                default: $crate::services::paging::Sort<$field>,
            ) -> $crate::services::paging::Sort<$field> {
                order
                    .map(|o| $crate::services::paging::Sort { field: Some(o.field), direction: o.direction })
                    .unwrap_or(default)
            }
        }
    };
}
pub(crate) use order_input;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cost_is_the_most_nodes_times_the_selection() {
        assert_eq!(cost(None, None, 3), 60);
        assert_eq!(cost(Some(100), None, 2), 200);
        assert_eq!(cost(None, Some(5), 2), 10);
        assert_eq!(cost(Some(1_000), None, 1), 100);
    }
}
