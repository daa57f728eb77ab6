//! The audit chain: append-only, hash-chained entries written by `Write` in the transaction
//! of the change they record. Each entry's hash covers the previous entry's hash and its
//! own content, so editing, deleting or reordering any stored entry breaks `verify_chain`.
//! The chain heads' row locks also order escalations and outbox events by commit.
//!
//! A mechanism below `Write`: it knows no area and no principal (reading a record's trail
//! is the use case `services::audit`).

use chrono::{DateTime, SecondsFormat, Utc};
use entity::{audit_entry, chain_head};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::write::{Actor, AuditDraft};
use crate::error::{ServiceError, ServiceResult};
use crate::ids::new_id;

pub const AUDIT_CHAIN: &str = "audit";
pub const ESCALATION_CHAIN: &str = "escalation";

/// Takes the chain head's row lock (a no-op update) and returns the head as committed.
pub(crate) async fn lock_head(txn: &DatabaseTransaction, name: &str) -> ServiceResult<chain_head::Model> {
    let rows = chain_head::Entity::update_many()
        .col_expr(chain_head::Column::Appended, Expr::col(chain_head::Column::Appended))
        .filter(chain_head::Column::Name.eq(name))
        .exec_with_returning(txn)
        .await?;
    rows.into_iter().next().ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("chain head {name} is missing")))
}

/// The content an entry's hash covers, in a fixed order. JSON is serialised with sorted
/// keys (serde_json's default map), so the value read back from either engine hashes
/// the same as the value written.
fn digest(prev_hash: &str, e: &audit_entry::Model) -> String {
    let mut h = Sha256::new();
    let json = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
    for part in [
        prev_hash.to_owned(),
        e.id.to_string(),
        e.recorded_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        e.actor.clone(),
        e.org_id.map(|o| o.to_string()).unwrap_or_default(),
        e.action.clone(),
        e.subject_type.clone(),
        e.subject_id.to_string(),
        json(&e.before),
        json(&e.after),
    ] {
        h.update(part.len().to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

pub(crate) async fn append(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    actor: &Actor,
    drafts: Vec<AuditDraft>,
) -> ServiceResult<()> {
    if drafts.is_empty() {
        return Ok(());
    }
    let head = lock_head(txn, AUDIT_CHAIN).await?;
    let mut prev = head.last_hash;
    let count = drafts.len() as i64;
    let mut rows = Vec::with_capacity(drafts.len());
    for d in drafts {
        let mut entry = audit_entry::Model {
            seq: 0,
            id: new_id(now),
            recorded_at: now,
            actor: actor.key.clone(),
            org_id: d.org_id.or(actor.org_id),
            action: d.action,
            subject_type: d.subject.kind.to_owned(),
            subject_id: d.subject.id,
            before: d.before,
            after: d.after,
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        entry.hash = digest(&prev, &entry);
        prev = entry.hash.clone();
        rows.push(audit_entry::ActiveModel {
            id: Set(entry.id),
            recorded_at: Set(entry.recorded_at),
            actor: Set(entry.actor),
            org_id: Set(entry.org_id),
            action: Set(entry.action),
            subject_type: Set(entry.subject_type),
            subject_id: Set(entry.subject_id),
            before: Set(entry.before),
            after: Set(entry.after),
            prev_hash: Set(entry.prev_hash),
            hash: Set(entry.hash),
            ..Default::default()
        });
    }
    // One multi-row insert: `seq` is assigned in row order, which is chain order, and the
    // head is locked meanwhile (a statement per entry would hold the lock that much longer).
    for chunk in super::write::in_statements(txn.get_database_backend(), rows) {
        audit_entry::Entity::insert_many(chunk).exec_without_returning(txn).await?;
    }
    chain_head::Entity::update_many()
        .col_expr(chain_head::Column::LastHash, Expr::value(prev))
        .col_expr(chain_head::Column::Appended, Expr::col(chain_head::Column::Appended).add(count))
        .filter(chain_head::Column::Name.eq(AUDIT_CHAIN))
        .exec(txn)
        .await?;
    Ok(())
}

/// Where the chain first fails, if it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The entry's stored hash is not the hash of its content.
    Tampered { seq: i64, id: Uuid },
    /// The entry does not follow the one before it (deleted or reordered entries).
    Unlinked { seq: i64, id: Uuid },
    /// The head does not name the last entry (entries removed from the end).
    HeadMismatch,
}

/// Recomputes the whole chain. `Ok(n)` is the number of entries verified.
pub async fn verify_chain<C: ConnectionTrait>(db: &C) -> ServiceResult<Result<u64, ChainBreak>> {
    let entries = audit_entry::Entity::find().order_by_asc(audit_entry::Column::Seq).all(db).await?;
    let mut prev = "0".repeat(64);
    for e in &entries {
        if e.prev_hash != prev {
            return Ok(Err(ChainBreak::Unlinked { seq: e.seq, id: e.id }));
        }
        if digest(&prev, e) != e.hash {
            return Ok(Err(ChainBreak::Tampered { seq: e.seq, id: e.id }));
        }
        prev = e.hash.clone();
    }
    let head = chain_head::Entity::find_by_id(AUDIT_CHAIN.to_owned()).one(db).await?;
    match head {
        Some(h) if h.last_hash == prev && h.appended == entries.len() as i64 => Ok(Ok(entries.len() as u64)),
        _ => Ok(Err(ChainBreak::HeadMismatch)),
    }
}
