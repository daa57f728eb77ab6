//! `DbDecimal`: an exact decimal column that reads back exactly on both engines.
//!
//! PostgreSQL stores it as `NUMERIC`; SQLite as `TEXT`, because SeaORM reads SQLite
//! decimals through `f64`, which would round money. The migrations declare the column
//! accordingly; this type must never be stored as a SQLite REAL.

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use rust_decimal::Decimal;
use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, Value, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DbDecimal(pub Decimal);

impl DbDecimal {
    pub fn get(self) -> Decimal {
        self.0
    }
}

impl Deref for DbDecimal {
    type Target = Decimal;
    fn deref(&self) -> &Decimal {
        &self.0
    }
}

impl From<Decimal> for DbDecimal {
    fn from(d: Decimal) -> Self {
        Self(d)
    }
}

impl From<DbDecimal> for Decimal {
    fn from(d: DbDecimal) -> Self {
        d.0
    }
}

impl fmt::Display for DbDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<DbDecimal> for Value {
    fn from(d: DbDecimal) -> Self {
        // On SQLite sea-query binds a decimal as its string form: exact.
        Value::Decimal(Some(d.0))
    }
}

impl Nullable for DbDecimal {
    fn null() -> Value {
        Value::Decimal(None)
    }
}

impl ValueType for DbDecimal {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        match v {
            Value::Decimal(Some(d)) => Ok(Self(d)),
            Value::String(Some(s)) => Decimal::from_str(&s).map(Self).map_err(|_| ValueTypeErr),
            _ => Err(ValueTypeErr),
        }
    }

    fn type_name() -> String {
        "DbDecimal".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::Decimal
    }

    fn column_type() -> ColumnType {
        ColumnType::Decimal(Some((20, 6)))
    }
}

impl TryGetable for DbDecimal {
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        if res.try_as_sqlite_row().is_some() {
            let text = String::try_get_by(res, idx)?;
            Decimal::from_str(&text)
                .map(Self)
                .map_err(|e| TryGetError::DbErr(DbErr::Type(format!("column {idx:?} is not a decimal: {e}"))))
        } else {
            // NUMERIC(20,6) pads to six places; the value, not the padding, is the money.
            Decimal::try_get_by(res, idx).map(|d| Self(d.normalize()))
        }
    }
}
