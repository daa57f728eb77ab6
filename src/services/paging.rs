//! Keyset pages of a list in the order its reader chose: `first` rows after a position,
//! or the `last` rows before one, ordered by one column and then by the list's key (the
//! tie-breaker that makes the order total, so a position names exactly one place).
//! Positions are values, not offsets: a page stays right while rows are added before it.
//!
//! It knows no table and no scope: each list hands it its scoped, filtered query and says
//! which columns it may be sorted by (a `SortField`, each backed by an index that leads
//! with the list's scope column and ends with the key).

use std::fmt::Display;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Select};

use crate::error::ServiceResult;
use crate::services::Page;

/// Which way a list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, async_graphql::Enum)]
#[graphql(name = "OrderDirection")]
pub enum Direction {
    /// Smallest (oldest, earliest) first.
    #[default]
    Asc,
    /// Largest (newest, latest) first.
    Desc,
}

impl Direction {
    fn order(self) -> sea_orm::Order {
        match self {
            Self::Asc => sea_orm::Order::Asc,
            Self::Desc => sea_orm::Order::Desc,
        }
    }

    fn reversed(self) -> Self {
        match self {
            Self::Asc => Self::Desc,
            Self::Desc => Self::Asc,
        }
    }
}

/// A row's value of the column its list is sorted by: what a cursor carries besides the
/// key. Only columns that are never NULL are offered for sorting (NULL has no place in a
/// keyset comparison).
#[derive(Debug, Clone, PartialEq)]
pub enum SortValue {
    Date(NaiveDate),
    Instant(DateTime<Utc>),
    Int(i64),
}

/// The type of a sort column, to read a cursor's value back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKind {
    Date,
    Instant,
    Int,
}

impl SortValue {
    fn sql(&self) -> sea_orm::Value {
        match self {
            Self::Date(d) => (*d).into(),
            Self::Instant(t) => (*t).into(),
            Self::Int(n) => (*n).into(),
        }
    }

    /// The value as a cursor carries it (read back exactly by `decode`).
    pub fn encode(&self) -> String {
        match self {
            Self::Date(d) => d.format("%Y-%m-%d").to_string(),
            Self::Instant(t) => t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            Self::Int(n) => n.to_string(),
        }
    }

    pub fn decode(kind: SortKind, s: &str) -> Option<Self> {
        match kind {
            SortKind::Date => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(Self::Date),
            SortKind::Instant => DateTime::parse_from_rfc3339(s).ok().map(|t| Self::Instant(t.with_timezone(&Utc))),
            SortKind::Int => s.parse().ok().map(Self::Int),
        }
    }
}

/// A column a list may be sorted by, as a cursor names it.
pub trait SortField: Copy + Send + Sync + 'static {
    /// The name a cursor is tagged with: a cursor of one order is refused by another.
    fn name(self) -> &'static str;
    fn kind(self) -> SortKind;
}

/// A sort field of the rows of `E`: its column, and a row's value of it.
pub trait SortColumn<E: EntityTrait>: SortField {
    fn column(self) -> E::Column;
    fn value(self, row: &E::Model) -> SortValue;
}

/// Declares a list's sort fields: an enum (also the GraphQL enum `<name>`) whose
/// variants each name a tag, a `SortKind` and the entity's column and field, with its
/// `SortField` and `SortColumn` impls.
macro_rules! sort_fields {
    ($(#[$doc:meta])* $name:ident for $entity:ident {
        $( $(#[$vdoc:meta])* $variant:ident => $tag:literal, $kind:ident($col:ident, $field:ident) );+ $(;)?
    }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )+
        }

        impl $crate::services::paging::SortField for $name {
            fn name(self) -> &'static str {
                match self { $( Self::$variant => $tag, )+ }
            }
            fn kind(self) -> $crate::services::paging::SortKind {
                match self { $( Self::$variant => $crate::services::paging::SortKind::$kind, )+ }
            }
        }

        impl $crate::services::paging::SortColumn<$entity::Entity> for $name {
            fn column(self) -> $entity::Column {
                match self { $( Self::$variant => $entity::Column::$col, )+ }
            }
            fn value(self, row: &$entity::Model) -> $crate::services::paging::SortValue {
                match self { $( Self::$variant => $crate::services::paging::SortValue::$kind(row.$field), )+ }
            }
        }
    };
}
pub(crate) use sort_fields;

/// The sort fields of a list offered only in its own order (the key's): a journal's
/// numbers, a feed's commit order. It has no values, so a `Sort` of it is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrder {}

impl SortField for KeyOrder {
    fn name(self) -> &'static str {
        match self {}
    }
    fn kind(self) -> SortKind {
        match self {}
    }
}

impl<E: EntityTrait> SortColumn<E> for KeyOrder {
    fn column(self) -> E::Column {
        match self {}
    }
    fn value(self, _: &E::Model) -> SortValue {
        match self {}
    }
}

/// A list's order: by `field` (none: by key alone, the list's default), then by key, both
/// in `direction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort<F> {
    pub field: Option<F>,
    pub direction: Direction,
}

impl<F> Default for Sort<F> {
    fn default() -> Self {
        Self { field: None, direction: Direction::Asc }
    }
}

impl<F: SortField> Sort<F> {
    /// What tags and types the cursors of this order (none: the key alone).
    pub fn tag(&self) -> Option<(&'static str, SortKind)> {
        self.field.map(|f| (f.name(), f.kind()))
    }

    /// A row's position in this order.
    pub fn position<E: EntityTrait, K>(&self, row: &E::Model, key: K) -> Position<K>
    where
        F: SortColumn<E>,
    {
        Position { value: self.field.map(|f| f.value(row)), key }
    }
}

/// Where a row stands in an order: its value of the sort column (none when sorted by key
/// alone) and its key.
#[derive(Debug, Clone, PartialEq)]
pub struct Position<K> {
    pub value: Option<SortValue>,
    pub key: K,
}

impl<K: Display + FromStr> Position<K> {
    /// The cursor text of a position: the key alone in the default order (so cursors of
    /// that order are what they always were), else `FIELD~value~key`.
    pub fn encode(&self, field: Option<&'static str>) -> String {
        match (field, &self.value) {
            (Some(f), Some(v)) => format!("{f}~{}~{}", v.encode(), self.key),
            _ => self.key.to_string(),
        }
    }

    /// Reads a position written by `encode` for the same order; `None` for any other text
    /// (a cursor of another order or list).
    pub fn decode(text: &str, field: Option<(&'static str, SortKind)>) -> Option<Self> {
        match field {
            None => text.parse().ok().map(|key| Self { value: None, key }),
            Some((name, kind)) => {
                let mut parts = text.splitn(3, '~');
                let (tag, value, key) = (parts.next()?, parts.next()?, parts.next()?);
                if tag != name {
                    return None;
                }
                Some(Self { value: Some(SortValue::decode(kind, value)?), key: key.parse().ok()? })
            }
        }
    }
}

/// Which rows a page holds: `size` rows after `after` (forward), or the `size` rows just
/// before `before` (backward); either bound may be given in either direction.
#[derive(Debug, Clone, PartialEq)]
pub struct Window<K> {
    pub after: Option<Position<K>>,
    pub before: Option<Position<K>>,
    pub size: u64,
    pub backward: bool,
}

impl<K> Window<K> {
    /// The first `size` rows after `after`: what every list offered before it could go back.
    pub fn forward(after: Option<K>, size: u64) -> Self {
        Self { after: after.map(|key| Position { value: None, key }), before: None, size, backward: false }
    }
}

/// Rows strictly past `at` in the direction `dir` (`Asc`: greater).
fn past<C: ColumnTrait, K: Into<sea_orm::Value> + Clone>(
    column: Option<C>,
    key: C,
    at: &Position<K>,
    dir: Direction,
) -> Condition {
    let beyond = |c: C, v: sea_orm::Value| match dir {
        Direction::Asc => c.gt(v),
        Direction::Desc => c.lt(v),
    };
    match (column, &at.value) {
        (Some(c), Some(v)) => Condition::any()
            .add(beyond(c, v.sql()))
            .add(Condition::all().add(c.eq(v.sql())).add(beyond(key, at.key.clone().into()))),
        _ => Condition::all().add(beyond(key, at.key.clone().into())),
    }
}

/// Reads the window's page of `q` (scoped and filtered by the list) in `sort`'s order,
/// `key` the tie-breaker. The page's rows are always in the list's order; `has_next` says
/// whether more rows lie beyond it in the direction of travel (older ones, going back).
pub async fn read<E, F, K>(
    db: &DatabaseConnection,
    q: Select<E>,
    key: E::Column,
    sort: &Sort<F>,
    w: &Window<K>,
) -> ServiceResult<Page<E::Model>>
where
    E: EntityTrait,
    F: SortColumn<E>,
    K: Into<sea_orm::Value> + Clone,
{
    let column = sort.field.map(|f| f.column());
    let mut q = q;
    if let Some(a) = &w.after {
        q = q.filter(past(column, key, a, sort.direction));
    }
    if let Some(b) = &w.before {
        q = q.filter(past(column, key, b, sort.direction.reversed()));
    }
    let travel = if w.backward { sort.direction.reversed() } else { sort.direction };
    if let Some(c) = column {
        q = q.order_by(c, travel.order());
    }
    q = q.order_by(key, travel.order());
    let mut page = crate::services::read_page(db, q, w.size).await?;
    if w.backward {
        page.items.reverse();
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_reads_back_only_in_its_own_order() {
        let t = DateTime::parse_from_rfc3339("2026-03-01T10:00:00.123456Z").unwrap().with_timezone(&Utc);
        let p = Position { value: Some(SortValue::Instant(t)), key: 42_i64 };
        let text = p.encode(Some("RECEIVED_AT"));
        assert_eq!(Position::decode(&text, Some(("RECEIVED_AT", SortKind::Instant))), Some(p.clone()));
        assert_eq!(Position::<i64>::decode(&text, Some(("UPDATED_AT", SortKind::Instant))), None);
        assert_eq!(Position::<i64>::decode(&text, None), None);
        let plain = Position { value: None, key: 7_i64 };
        assert_eq!(plain.encode(None), "7");
        assert_eq!(Position::decode("7", None), Some(plain));
    }

    #[test]
    fn dates_and_numbers_round_trip() {
        for (kind, v) in [
            (SortKind::Date, SortValue::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap())),
            (SortKind::Int, SortValue::Int(-3)),
        ] {
            assert_eq!(SortValue::decode(kind, &v.encode()), Some(v));
        }
    }
}
