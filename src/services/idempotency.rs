//! `clientSubmissionId`: a retried mutation returns the first attempt's result; the same id
//! with other input is a CONFLICT. The key row is inserted first thing in the change's
//! transaction, so a concurrent duplicate waits on the unique index (PostgreSQL) or on the
//! write lock (SQLite) and then finds the committed first attempt.

use entity::idempotency_key;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::write::Write;
use crate::error::{ServiceError, ServiceResult, UserError, UserErrorReason};

/// What a submission id says about this attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// First time: go ahead, then `remember` the result.
    Fresh,
    /// Seen before with the same input: answer with this record and write nothing.
    Replay(Uuid),
}

/// SHA-256 of the input's JSON with sorted keys.
pub fn request_hash(input: &impl Serialize) -> ServiceResult<String> {
    let value = serde_json::to_value(input).map_err(|e| ServiceError::Internal(e.into()))?;
    Ok(hex::encode(Sha256::digest(value.to_string().as_bytes())))
}

/// Claims `(principal, clientSubmissionId)` for `operation` inside `w`'s transaction
/// (through `Write::begin_submission` only, so no mutation can claim and forget).
pub(super) async fn claim(
    w: &mut Write,
    client_submission_id: Uuid,
    operation: &str,
    input: &impl Serialize,
) -> ServiceResult<Claim> {
    let hash = request_hash(input)?;
    let principal_key = w.actor.key.clone();
    let id = w.new_id();
    let row = idempotency_key::ActiveModel {
        id: Set(id),
        principal_key: Set(principal_key.clone()),
        client_submission_id: Set(client_submission_id),
        operation: Set(operation.to_owned()),
        request_hash: Set(hash.clone()),
        result_id: Set(None),
        created_at: Set(w.now),
    };
    let inserted = idempotency_key::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([idempotency_key::Column::PrincipalKey, idempotency_key::Column::ClientSubmissionId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(w.txn())
        .await?;
    if inserted == 1 {
        w.idempotency_row = Some(id);
        return Ok(Claim::Fresh);
    }
    let first = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::PrincipalKey.eq(&principal_key))
        .filter(idempotency_key::Column::ClientSubmissionId.eq(client_submission_id))
        .one(w.txn())
        .await?
        .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("idempotency key conflicted but is not visible")))?;
    if first.operation != operation || first.request_hash != hash {
        return Err(ServiceError::user(UserError::conflict(
            &["clientSubmissionId"],
            UserErrorReason::RetryWithOtherInput,
        )));
    }
    match first.result_id {
        Some(result) => Ok(Claim::Replay(result)),
        None => Err(ServiceError::Internal(anyhow::anyhow!("idempotency key committed without a result"))),
    }
}

/// Stores the record the claimed attempt produced, in its transaction (`Write::commit`).
pub(super) async fn remember(txn: &DatabaseTransaction, row: Uuid, result_id: Uuid) -> ServiceResult<()> {
    idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::ResultId, Expr::value(result_id))
        .filter(idempotency_key::Column::Id.eq(row))
        .exec(txn)
        .await?;
    Ok(())
}
