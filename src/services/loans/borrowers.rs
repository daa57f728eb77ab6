//! Borrowers as the core-banking system sends them (`upsertBorrower`, and one item of a
//! batch), idempotent by the MFO's external id. It writes the borrower rows only.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::borrower;
use entity::enums::Language;
use sea_orm::{ColumnTrait, Condition, IntoActiveModel};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    MAX_ID_LEN, MAX_TEXT_LEN, Outcome, check_email, check_optional_text, check_phone, check_text, require_ingest,
    write_order,
};
use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult};
use crate::services::Ctx;
use crate::services::write::{Actor, Subject, Visibility, Write};

#[derive(Debug, Clone, Serialize)]
pub struct BorrowerInput {
    pub external_id: String,
    pub full_name: String,
    pub national_id: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: Language,
    pub socially_vulnerable: bool,
}

fn borrower_snapshot(b: &borrower::Model) -> serde_json::Value {
    json!({
        "externalId": b.external_id, "fullName": b.full_name, "nationalId": b.national_id,
        "address": b.address, "phone": b.phone, "email": b.email, "language": b.language,
        "sociallyVulnerable": b.socially_vulnerable,
    })
}

/// The checks of a borrower that need no database.
pub(crate) fn validate_borrower(input: &BorrowerInput) -> ServiceResult<()> {
    let mut problems = Problems::new();
    check_text(&mut problems, "externalId", &input.external_id, MAX_ID_LEN);
    check_text(&mut problems, "fullName", &input.full_name, 300);
    check_optional_text(&mut problems, "nationalId", input.national_id.as_deref(), 32);
    check_optional_text(&mut problems, "address", input.address.as_deref(), MAX_TEXT_LEN);
    check_phone(&mut problems, "phone", input.phone.as_deref());
    check_email(&mut problems, "email", input.email.as_deref());
    problems.finish()
}

pub async fn upsert_borrower(ctx: &Ctx, p: &Principal, input: BorrowerInput) -> ServiceResult<borrower::Model> {
    require_ingest(p)?;
    validate_borrower(&input)?;
    // An unchanged borrower writes nothing, so its unit commits nothing. A batch of one:
    // the judgement and the writes are `upsertBorrowers`' own.
    ctx.write(Actor::from(p), async |w| {
        let mut answers = write_borrowers(w, p, &[&input]).await?;
        answers.pop().ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("a borrower left unanswered"))).map(|a| a.0)
    })
    .await
}

/// A borrower item judged: the row it leaves, what became of it, and its trail.
struct Judged {
    row: borrower::Model,
    outcome: Outcome,
    before: Option<serde_json::Value>,
    after: serde_json::Value,
}

/// The judgement of one borrower item against `current`, the row as the items before it
/// left it (stored or planned). Pure: `id` names the row if it is new.
fn judge(now: DateTime<Utc>, id: Uuid, mfo: Uuid, current: Option<&borrower::Model>, input: &BorrowerInput) -> Judged {
    let mut row = borrower::Model {
        id,
        mfo_id: mfo,
        external_id: input.external_id.clone(),
        full_name: input.full_name.trim().to_owned(),
        national_id: input.national_id.clone(),
        address: input.address.clone(),
        phone: input.phone.clone(),
        email: input.email.clone(),
        language: input.language,
        socially_vulnerable: input.socially_vulnerable,
        created_at: now,
        updated_at: now,
    };
    let before = current.map(borrower_snapshot);
    let after = borrower_snapshot(&row);
    match current {
        // The same row again: nothing changed, nothing to record.
        Some(e) if before.as_ref() == Some(&after) => {
            Judged { row: e.clone(), outcome: Outcome::Unchanged, before, after }
        }
        Some(e) => {
            row = borrower::Model { id: e.id, created_at: e.created_at, ..row };
            Judged { row, outcome: Outcome::Updated, before, after }
        }
        None => Judged { row, outcome: Outcome::Created, before, after },
    }
}

/// Upserts validated borrowers within `w` (`upsertBorrowers`, and `upsertBorrower` as a
/// batch of one), answering each in the order given. Statements per batch, whatever its
/// size: one read of the stored rows (locked), the judgement of every item in memory, one
/// multi-row insert of the new and one multi-row overwrite of the changed. A new row whose
/// external id a concurrent sync stored meanwhile (its insert did nothing) is read and
/// judged again as stored.
pub(crate) async fn write_borrowers(
    w: &mut Write,
    p: &Principal,
    items: &[&BorrowerInput],
) -> ServiceResult<Vec<(borrower::Model, Outcome)>> {
    let mfo = p.org_id.0;
    let order = write_order(items.iter().map(|i| i.external_id.as_str()));
    let mut pending: BTreeSet<&str> = items.iter().map(|i| i.external_id.as_str()).collect();
    let mut stored: HashMap<String, borrower::Model> = HashMap::new();
    let mut judged: Vec<Option<Judged>> = items.iter().map(|_| None).collect();
    let mut finals: BTreeMap<&str, borrower::Model> = BTreeMap::new();
    for round in 0..2 {
        let which = Condition::all().add(borrower::Column::ExternalId.is_in(pending.iter().copied()));
        let scope = Condition::all().add(borrower::Column::MfoId.eq(mfo));
        for b in w.for_change_many::<borrower::Entity, _>(scope, which, borrower::Column::ExternalId).await? {
            stored.insert(b.external_id.clone(), b);
        }
        let mut state: BTreeMap<&str, borrower::Model> = BTreeMap::new();
        for &i in &order {
            let key = items[i].external_id.as_str();
            if !pending.contains(key) {
                continue;
            }
            let current = state.get(key).or_else(|| stored.get(key));
            let j = judge(w.now, w.new_id(), mfo, current, items[i]);
            state.insert(key, j.row.clone());
            judged[i] = Some(j);
        }
        let new: Vec<borrower::Model> =
            state.iter().filter(|(k, _)| !stored.contains_key(**k)).map(|(_, r)| r.clone()).collect();
        let inserted: HashSet<Uuid> = w
            .insert_new_many(
                new.iter().cloned().map(IntoActiveModel::into_active_model).collect(),
                [borrower::Column::MfoId, borrower::Column::ExternalId],
            )
            .await?
            .into_iter()
            .collect();
        pending =
            super::settle(state, &mut finals, |k, r| !stored.contains_key(k) && !inserted.contains(&r.id), round)?;
        if pending.is_empty() {
            break;
        }
    }
    let changed: Vec<borrower::ActiveModel> = finals
        .iter()
        .filter(|(k, r)| stored.get(**k).is_some_and(|s| s != *r))
        .map(|(_, r)| borrower::Model { updated_at: w.now, ..r.clone() }.into_active_model())
        .collect();
    w.overwrite_many(changed).await?;
    let mut answers = Vec::with_capacity(items.len());
    for (i, j) in judged.into_iter().enumerate() {
        let j = j.ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("borrower item {i} was not judged")))?;
        answers.push((j.row, j.outcome, j.before, j.after));
    }
    for &i in &order {
        let (row, outcome, before, after) = &answers[i];
        let action = match outcome {
            Outcome::Unchanged => continue,
            Outcome::Updated => "borrower.updated",
            Outcome::Created => "borrower.created",
        };
        let subject = Subject::new("borrower", row.id);
        w.audit(action, subject, Some(mfo), before.clone(), Some(after.clone()));
        w.event(action, subject, Visibility { org_id: Some(mfo), jurisdiction: Some(p.jurisdiction) }, json!({}));
    }
    Ok(answers.into_iter().map(|(row, outcome, _, _)| (row, outcome)).collect())
}
