//! Column shapes shared by the migrations, so both engines get the same meaning.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

pub fn uuid_pk<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().primary_key().take()
}

pub fn uuid<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().take()
}

pub fn uuid_null<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).uuid().null().take()
}

/// A big integer sequence primary key (`INTEGER PRIMARY KEY AUTOINCREMENT` on SQLite).
pub fn seq_pk<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().auto_increment().primary_key().take()
}

pub fn text<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).text().not_null().take()
}

pub fn text_null<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).text().null().take()
}

pub fn int<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().take()
}

pub fn int_null<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).integer().null().take()
}

pub fn big_int<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().take()
}

pub fn boolean<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).boolean().not_null().take()
}

pub fn date<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).date().not_null().take()
}

pub fn date_null<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).date().null().take()
}

pub fn ts<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).timestamp_with_time_zone().not_null().take()
}

pub fn ts_null<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).timestamp_with_time_zone().null().take()
}

pub fn json<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).json_binary().not_null().take()
}

pub fn json_null<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).json_binary().null().take()
}

/// An exact decimal: `NUMERIC(20,6)` on PostgreSQL, `TEXT` on SQLite (entity::DbDecimal
/// explains why a SQLite NUMERIC column would round money).
pub fn decimal<T: IntoIden>(backend: DbBackend, name: T) -> ColumnDef {
    let mut col = ColumnDef::new(name);
    match backend {
        DbBackend::Sqlite => col.text(),
        _ => col.decimal_len(20, 6),
    };
    col.not_null().take()
}

pub fn decimal_null<T: IntoIden>(backend: DbBackend, name: T) -> ColumnDef {
    let mut col = ColumnDef::new(name);
    match backend {
        DbBackend::Sqlite => col.text(),
        _ => col.decimal_len(20, 6),
    };
    col.null().take()
}

/// A foreign key to `to.id`; a referenced row cannot be deleted (records are kept).
pub fn fk(table: &'static str, col: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{col}"))
        .from(table, col)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

/// The name `index` gives an index of `table` on `cols`.
fn index_name(table: &str, cols: &[&str]) -> String {
    format!("ix_{table}_{}", cols.join("_"))
}

/// An index named after its table and columns.
pub fn index(table: &'static str, cols: &[&'static str], unique: bool) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(index_name(table, cols)).table(table);
    for c in cols {
        idx.col(*c);
    }
    if unique {
        idx.unique();
    }
    idx.take()
}

/// Creates each (table, columns) non-unique index of a step, in order.
pub async fn create_indexes(m: &SchemaManager<'_>, indexes: &[(&'static str, &[&'static str])]) -> Result<(), DbErr> {
    for (table, cols) in indexes {
        m.create_index(index(table, cols, false)).await?;
    }
    Ok(())
}

/// Drops the indexes `create_indexes` made, in reverse order.
pub async fn drop_indexes(m: &SchemaManager<'_>, indexes: &[(&'static str, &[&'static str])]) -> Result<(), DbErr> {
    for (table, cols) in indexes.iter().rev() {
        m.drop_index(Index::drop().name(index_name(table, cols)).table(*table).to_owned()).await?;
    }
    Ok(())
}
