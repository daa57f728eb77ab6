//! On PostgreSQL, instances tell each other about commits: every outbox event is
//! announced with `NOTIFY mfo_outbox, '<schema> <id>'` in its transaction (see
//! `Write::commit`), and this relay, one per instance, loads the announced row of its own
//! schema and hands it to the local broker (and empties the reference cache when the
//! event is an import of a calendar or a policy version).
//! The notification is only a wake-up; the outbox row is the record. On SQLite (one
//! process) there is nothing to relay.

use std::sync::atomic::Ordering;
use std::time::Duration;

use entity::outbox_event;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::bus::{CHANNEL, Published};
use crate::services::Ctx;

/// Starts the relay when the database is PostgreSQL.
pub fn spawn(ctx: Ctx) -> Option<JoinHandle<()>> {
    (ctx.db.get_database_backend() == DbBackend::Postgres).then(|| tokio::spawn(run(ctx)))
}

async fn run(ctx: Ctx) {
    loop {
        if let Err(e) = listen(&ctx).await {
            tracing::warn!(error = %e, "outbox relay lost its connection; reconnecting");
        }
        ctx.relay_listening.store(false, Ordering::SeqCst);
        // Back off before reconnecting; events committed meanwhile are still in the table
        // (escalation subscriptions re-read it on their next wake-up).
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn listen(ctx: &Ctx) -> Result<(), sea_orm::sqlx::Error> {
    let schema = own_schema(ctx).await.map_err(|e| sea_orm::sqlx::Error::Protocol(e.to_string()))?;
    let mut listener = PgListener::connect_with(ctx.db.get_postgres_connection_pool()).await?;
    listener.listen(CHANNEL).await?;
    // Notifications sent while this instance was not listening are lost: an import may
    // have happened, so the reference data is read again.
    ctx.reference.invalidate();
    ctx.relay_listening.store(true, Ordering::SeqCst);
    loop {
        let n = listener.recv().await?;
        // Another schema's (another deployment's, another test's) event: not ours to load.
        let Some((from, id)) = n.payload().split_once(' ') else { continue };
        if from != schema {
            continue;
        }
        let Ok(id) = Uuid::parse_str(id) else { continue };
        if ctx.broker.delivered(id) {
            continue;
        }
        match outbox_event::Entity::find().filter(outbox_event::Column::Id.eq(id)).one(&ctx.db).await {
            Ok(Some(e)) => {
                // Another instance imported a calendar or a policy version.
                if crate::services::reference::changes_reference(&e.topic) {
                    ctx.reference.invalidate();
                }
                ctx.broker.publish([Published {
                    id: e.id,
                    topic: e.topic,
                    subject_type: e.subject_type,
                    subject_id: e.subject_id,
                    org_id: e.org_id,
                    jurisdiction: e.jurisdiction,
                    occurred_at: e.occurred_at,
                    payload: e.payload,
                }])
            }
            Ok(None) => {}
            Err(err) => tracing::warn!(error = %err, "outbox relay could not load an event"),
        }
    }
}

/// The schema this instance's statements use (its `search_path`), as `Write::commit`
/// names it in each notification.
async fn own_schema(ctx: &Ctx) -> Result<String, sea_orm::DbErr> {
    let row = ctx
        .db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, "SELECT current_schema() AS schema"))
        .await?
        .ok_or_else(|| sea_orm::DbErr::Custom("current_schema() returned no row".into()))?;
    row.try_get::<String>("", "schema")
}
