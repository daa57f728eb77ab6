//! Reference data the rules need: the jurisdiction calendars and the policy versions,
//! and the organisation behind a token. Kept in memory (`Cache`, one per `Ctx`), because
//! every request needs them and they change only when an operator runs
//! `mfo-api calendar import` / `mfo-api policy import` (re-reading and re-parsing them was
//! a third of `permittedActions`' statements). An import takes effect without a
//! restart: its commit empties this process's cache (`Write::commit`), other instances
//! empty theirs when the import's outbox event reaches them through the NOTIFY relay
//! (PostgreSQL), and whatever a missed notification or another process writing a SQLite
//! file leaves stale is reloaded after `MAX_AGE`.
//!
//! Nothing here decides a rule; it only hands the rules their data.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::NaiveDate;
use entity::enums::{DeadlineStatus, Jurisdiction};
use entity::{deadline, holiday, organization, policy_version};
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

use super::Ctx;
use super::write::{Actor, Subject, Visibility};
use crate::error::{ServiceError, ServiceResult, UserError, UserErrorReason, is_unique_violation};
use crate::rules::calendar::Calendar;
use crate::rules::policy::{self as rules, Policy, PolicyBook, PolicyFile, PolicyVersion};

/// How long cached reference data is trusted without a notification: the bound on
/// staleness after a missed NOTIFY, or after another process imported into a SQLite file.
/// Operational, not a legal figure: imports are rare and announced.
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// This process's copy of the reference data. Organisations never change kind or
/// jurisdiction once created (`mfo-api org create` is the only writer), so an organisation
/// once read is kept until the next invalidation; the clearance key never changes.
#[derive(Default)]
pub struct Cache {
    state: RwLock<Cached>,
    /// Bumped by every invalidation: a value read from the database before an
    /// invalidation is not stored after it (it may predate the import).
    generation: AtomicU64,
}

#[derive(Default)]
struct Cached {
    loaded_at: Option<Instant>,
    calendars: HashMap<Jurisdiction, Calendar>,
    book: Option<Arc<PolicyBook>>,
    orgs: HashMap<Uuid, organization::Model>,
    secrets: HashMap<String, Vec<u8>>,
}

impl Cache {
    /// Forgets everything: the next use reads the database again.
    pub fn invalidate(&self) {
        let mut state = self.write();
        self.generation.fetch_add(1, Ordering::SeqCst);
        *state = Cached::default();
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Cached> {
        // A panic while holding the lock cannot leave `Cached` half-updated (every
        // update is one insert), so a poisoned lock is still good data.
        self.state.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Cached> {
        self.state.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The fresh state, emptied first when it outlived `MAX_AGE`.
    fn fresh<T>(&self, f: impl FnOnce(&Cached) -> Option<T>) -> Option<T> {
        let state = self.read();
        match state.loaded_at {
            Some(at) if at.elapsed() < MAX_AGE => f(&state),
            Some(_) => {
                drop(state);
                self.invalidate();
                None
            }
            None => None,
        }
    }

    /// Keeps what was read from the database under `generation`, unless an invalidation
    /// came in between.
    fn store(&self, generation: u64, f: impl FnOnce(&mut Cached)) {
        let mut state = self.write();
        if self.generation() != generation {
            return;
        }
        state.loaded_at.get_or_insert_with(Instant::now);
        f(&mut state);
    }

    /// A secret of `app_secret` (immutable once created), read through the cache.
    pub(crate) fn secret(&self, name: &str) -> Option<Vec<u8>> {
        self.fresh(|c| c.secrets.get(name).cloned())
    }

    pub(crate) fn keep_secret(&self, name: &str, value: &[u8]) {
        self.store(self.generation(), |c| {
            c.secrets.insert(name.to_owned(), value.to_vec());
        });
    }
}

/// Whether an outbox event's topic changes reference data (its commit must empty the
/// caches of every instance).
pub fn changes_reference(topic: &str) -> bool {
    matches!(topic, "calendar.imported" | "policy_version.imported")
}

/// The organisation `id`, through the cache.
pub async fn organization<C: ConnectionTrait>(
    cache: &Cache,
    db: &C,
    id: Uuid,
) -> Result<Option<organization::Model>, sea_orm::DbErr> {
    if let Some(org) = cache.fresh(|c| c.orgs.get(&id).cloned()) {
        return Ok(Some(org));
    }
    let generation = cache.generation();
    let org = organization::Entity::find_by_id(id).one(db).await?;
    if let Some(o) = &org {
        cache.store(generation, |c| {
            c.orgs.insert(id, o.clone());
        });
    }
    Ok(org)
}

/// The day the organisation `id` was founded, when it is on record, through the cache:
/// nothing can have reached it before (receipt dates are checked against it).
pub async fn founded_on<C: ConnectionTrait>(cache: &Cache, db: &C, id: Uuid) -> ServiceResult<Option<NaiveDate>> {
    Ok(organization(cache, db, id).await?.and_then(|o| o.founded_on))
}

pub async fn calendar<C: ConnectionTrait>(cache: &Cache, db: &C, j: Jurisdiction) -> ServiceResult<Calendar> {
    if let Some(cal) = cache.fresh(|c| c.calendars.get(&j).cloned()) {
        return Ok(cal);
    }
    let generation = cache.generation();
    let days = holiday::Entity::find().filter(holiday::Column::Jurisdiction.eq(j)).all(db).await?;
    let cal = Calendar::new(j, days.into_iter().map(|d| (d.date, d.kind)));
    cache.store(generation, |c| {
        c.calendars.insert(j, cal.clone());
    });
    Ok(cal)
}

pub async fn policies<C: ConnectionTrait>(cache: &Cache, db: &C) -> ServiceResult<Arc<PolicyBook>> {
    if let Some(book) = cache.fresh(|c| c.book.clone()) {
        return Ok(book);
    }
    let generation = cache.generation();
    let book = Arc::new(read_policies(db).await?);
    cache.store(generation, |c| c.book = Some(book.clone()));
    Ok(book)
}

async fn read_policies<C: ConnectionTrait>(db: &C) -> ServiceResult<PolicyBook> {
    let rows = policy_version::Entity::find().all(db).await?;
    let mut versions = Vec::with_capacity(rows.len());
    for r in rows {
        let policy: Policy = serde_json::from_value(r.figures.clone())
            .with_context(|| format!("policy version {} has unreadable figures", r.id))?;
        versions.push(PolicyVersion {
            id: r.id,
            jurisdiction: r.jurisdiction,
            effective_from: r.effective_from,
            policy,
        });
    }
    Ok(PolicyBook::new(versions))
}

/// The policy version of `j` in force on `on`. Before the first version there is no law
/// to apply: `ServiceError::OutsideLaw` (the client's `BAD_USER_INPUT`), never INTERNAL,
/// since a legacy record or an `at:` in the past reaches such a date in ordinary use.
pub async fn policy_in_force<C: ConnectionTrait>(
    cache: &Cache,
    db: &C,
    j: Jurisdiction,
    on: NaiveDate,
) -> ServiceResult<PolicyVersion> {
    let book = policies(cache, db).await?;
    book.in_force(j, on).cloned().ok_or_else(|| outside_law(&book, j, on))
}

/// The refusal for a date before `j`'s first policy version, naming when the law starts.
pub fn outside_law(book: &PolicyBook, j: Jurisdiction, on: NaiveDate) -> ServiceError {
    let code = j.to_value();
    use crate::i18n::{Msg, MsgId};
    ServiceError::OutsideLaw(match book.first(j) {
        Some(first) => Msg::new(MsgId::OutsideLaw)
            .arg("jurisdiction", code)
            .arg("on", on.to_string())
            .arg("from", first.effective_from.to_string()),
        None => Msg::new(MsgId::NoPolicyLoaded).arg("jurisdiction", code),
    })
}

/// Calendar and policy of one jurisdiction at one date, the pair most rules take.
pub struct Law {
    pub calendar: Calendar,
    pub policy: PolicyVersion,
}

pub async fn law<C: ConnectionTrait>(
    cache: &Cache,
    db: &C,
    j: Jurisdiction,
    on_utc: chrono::DateTime<chrono::Utc>,
) -> ServiceResult<Law> {
    let calendar = calendar(cache, db, j).await?;
    let policy = policy_in_force(cache, db, j, calendar.local_date(on_utc)).await?;
    Ok(Law { calendar, policy })
}

/// Adds a policy version from an operator's file (`mfo-api policy import`): the figures
/// must fit `Policy` exactly and pass `rules::policy::problems`. Refused: a second version
/// of one jurisdiction for one date, and, unless `retroactive`, an effective date on or
/// before the local start date of an open deadline of that jurisdiction (docs/law.md,
/// "Figures are data": a deadline keeps the version in force when its clock started, so a
/// version reaching back behind running clocks must be meant). Open deadlines keep the
/// version they were opened with either way; clocks started from now on use the new one.
pub async fn import_policy(ctx: &Ctx, text: &str, retroactive: bool) -> ServiceResult<policy_version::Model> {
    let file = PolicyFile::parse(text).map_err(|m| {
        ServiceError::user(
            UserError::invalid(&["file"], UserErrorReason::Malformed)
                .with_param("format", "policy")
                .with_param("problem", m),
        )
    })?;
    let problems = rules::problems(&file.figures);
    if !problems.is_empty() {
        return Err(ServiceError::User(
            problems
                .into_iter()
                .map(|m| {
                    UserError::invalid(&["figures"], UserErrorReason::Malformed)
                        .with_param("format", "policy")
                        .with_param("problem", m)
                })
                .collect(),
        ));
    }
    let j = file.jurisdiction;
    let code = j.to_value();
    ctx.write(Actor::system("operator"), async |w| {
        let duplicate = policy_version::Entity::find()
            .filter(policy_version::Column::Jurisdiction.eq(j))
            .filter(policy_version::Column::EffectiveFrom.eq(file.effective_from))
            .one(w.txn())
            .await?;
        if let Some(d) = duplicate {
            return Err(ServiceError::user(
                UserError::conflict(&["effective_from"], UserErrorReason::PolicyVersionExists)
                    .with_param("jurisdiction", code.clone())
                    .with_param("effectiveFrom", file.effective_from.to_string())
                    .with_param("policyVersionId", d.id.to_string()),
            ));
        }
        if !retroactive {
            let latest_open = deadline::Entity::find()
                .filter(deadline::Column::Jurisdiction.eq(j))
                .filter(deadline::Column::Status.eq(DeadlineStatus::Open))
                .order_by_desc(deadline::Column::StartedAt)
                .one(w.txn())
                .await?;
            if let Some(d) = latest_open {
                let started_on = calendar(w.reference(), w.txn(), j).await?.local_date(d.started_at);
                if file.effective_from <= started_on {
                    return Err(ServiceError::user(
                        UserError::conflict(&["effective_from"], UserErrorReason::PolicyBehindRunningClock)
                            .with_param("startedOn", started_on.to_string()),
                    ));
                }
            }
        }
        let from = file.effective_from.to_string();
        let row = policy_version::Model {
            // The id a shipped version of that date would have, so deployments agree on it.
            id: migration::seed::policy_id(&code, &from),
            jurisdiction: j,
            effective_from: file.effective_from,
            name: file.figures.name.clone(),
            figures: serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| v.get("figures").cloned())
                .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("the parsed file lost its figures")))?,
            created_at: w.now,
        };
        match policy_version::Entity::insert(row.clone().into_active_model()).exec_without_returning(w.txn()).await {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(ServiceError::user(
                    UserError::conflict(&["effective_from"], UserErrorReason::PolicyVersionExists)
                        .with_param("jurisdiction", code.clone())
                        .with_param("effectiveFrom", from.to_string()),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        let subject = Subject::new("policy_version", row.id);
        let after = json!({ "jurisdiction": j, "effectiveFrom": row.effective_from, "name": row.name,
            "retroactive": retroactive, "figures": row.figures });
        w.audit("policy_version.imported", subject, None, None, Some(after));
        w.event(
            "policy_version.imported",
            subject,
            Visibility { org_id: None, jurisdiction: Some(j) },
            json!({ "effectiveFrom": row.effective_from }),
        );
        Ok(row)
    })
    .await
}
