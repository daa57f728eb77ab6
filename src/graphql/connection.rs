//! Relay connections over service pages: `first` (at most 100, default 20) and an opaque
//! `after` cursor. Lists cost `first ×` their children in the complexity limit (set on
//! each field). Resolvers return `Page<N>`, async-graphql's `Connection` with a type
//! description (the schema documents every type) and `totalCount`, which runs its
//! service's COUNT only when a query selects it: a page that does not ask pays nothing.
//! Nothing here knows a table or a scope: the count is the service's.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::parser::types::Field;
use async_graphql::registry::{MetaType, Registry};
use async_graphql::{ContextSelectionSet, Object, OutputType, Positioned, ServerResult, Value};
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::ServiceResult;
use crate::graphql::errors::{bad_input, top_level};
use crate::graphql::ids::{cursor, parse_cursor};
use crate::services::Ctx;

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
                 `pageInfo.endCursor` as `after`; `first` is 0 to 100 (default 20).",
                node = N::type_name()
            ));
        }
        qualified
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> ServerResult<Value> {
        self.0.resolve(ctx, field).await
    }
}

/// Builds a connection from a page read backwards (`last`/`before`): `has_next` of the
/// service's page is whether older rows precede it; newer ones follow when a `before`
/// cursor was given.
pub fn from_backward_page<T, N, K>(
    page: crate::services::Page<T>,
    had_cursor: bool,
    key: impl Fn(&T) -> K,
    node: impl Fn(T) -> N,
    total: TotalCount,
) -> Page<N>
where
    N: OutputType,
    K: std::fmt::Display,
{
    let mut c = Connection::with_additional_fields(page.has_next, had_cursor, total);
    c.edges.extend(page.items.into_iter().map(|item| Edge::new(cursor(key(&item)), node(item))));
    Page(c)
}

/// Builds a connection from a page; `key` gives each row's cursor key, `total` the
/// deferred `totalCount`.
pub fn from_page<T, N, K>(
    page: crate::services::Page<T>,
    had_cursor: bool,
    key: impl Fn(&T) -> K,
    node: impl Fn(T) -> N,
    total: TotalCount,
) -> Page<N>
where
    N: OutputType,
    K: std::fmt::Display,
{
    let mut c = Connection::with_additional_fields(had_cursor, page.has_next, total);
    c.edges.extend(page.items.into_iter().map(|item| {
        let k = cursor(key(&item));
        Edge::new(k, node(item))
    }));
    Page(c)
}
