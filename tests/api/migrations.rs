//! The migrations can be rolled back: an operator who deploys a release and has to go back
//! runs `down`, and a later `up` must work on what it left. Every step's `down` undoes
//! its `up` on both engines, and the whole chain comes back.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

/// The tables and indexes in the test's database or schema (`table x`, `index y`), the
/// migrations' own bookkeeping aside.
async fn objects(db: &DatabaseConnection) -> Vec<String> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT 'table ' || table_name AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = current_schema()"
        }
        _ => {
            "SELECT type || ' ' || name AS name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%'"
        }
    };
    let rows = db.query_all_raw(Statement::from_string(backend, sql)).await.expect("list tables and indexes");
    let mut names: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", "name").expect("object name"))
        .filter(|n| !n.contains("seaql_migrations"))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn every_migration_rolls_back_and_the_chain_comes_back_up() {
    let (db, _dir) = crate::helpers::fresh_database().await;
    Migrator::up(&db, None).await.expect("up");
    let all = objects(&db).await;
    assert!(all.contains(&"table escalation".to_owned()) && all.iter().any(|o| o.starts_with("index ")), "{all:?}");
    let steps = Migrator::migrations().len() as u32;
    // Each step from the newest: down, then up again, leaves the tables and indexes as they were.
    for k in 1..=steps {
        Migrator::down(&db, Some(k)).await.unwrap_or_else(|e| panic!("down {k} step(s): {e}"));
        assert_eq!(Migrator::get_applied_migrations(&db).await.expect("applied").len() as u32, steps - k);
        Migrator::up(&db, None).await.unwrap_or_else(|e| panic!("up after {k} step(s) down: {e}"));
        assert_eq!(objects(&db).await, all, "after {k} step(s) down and up again");
    }
    Migrator::down(&db, None).await.expect("down to nothing");
    assert_eq!(objects(&db).await, Vec::<String>::new(), "every table and index the migrations made is gone");
    Migrator::up(&db, None).await.expect("up from nothing");
    assert_eq!(objects(&db).await, all);
}
