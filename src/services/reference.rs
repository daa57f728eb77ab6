//! Reference data the rules need: the jurisdiction calendars and the policy versions.
//! Read from the database on use (a few dozen rows), so an operator's
//! `mfo-api calendar import` or `mfo-api policy import` takes effect without a restart.

use anyhow::Context;
use chrono::NaiveDate;
use entity::enums::{DeadlineStatus, Jurisdiction};
use entity::{deadline, holiday, policy_version};
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};
use serde_json::json;

use super::Ctx;
use super::write::{Actor, Subject, Visibility, Write};
use crate::error::{ServiceError, ServiceResult, UserError, is_unique_violation};
use crate::rules::calendar::Calendar;
use crate::rules::policy::{self as rules, Policy, PolicyBook, PolicyFile, PolicyVersion};

pub async fn calendar<C: ConnectionTrait>(db: &C, j: Jurisdiction) -> ServiceResult<Calendar> {
    let days = holiday::Entity::find().filter(holiday::Column::Jurisdiction.eq(j)).all(db).await?;
    Ok(Calendar::new(j, days.into_iter().map(|d| (d.date, d.kind))))
}

pub async fn policies<C: ConnectionTrait>(db: &C) -> ServiceResult<PolicyBook> {
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
    db: &C,
    j: Jurisdiction,
    on: NaiveDate,
) -> ServiceResult<PolicyVersion> {
    let book = policies(db).await?;
    book.in_force(j, on).cloned().ok_or_else(|| outside_law(&book, j, on))
}

/// The refusal for a date before `j`'s first policy version, naming when the law starts.
pub fn outside_law(book: &PolicyBook, j: Jurisdiction, on: NaiveDate) -> ServiceError {
    let code = j.to_value();
    ServiceError::OutsideLaw(match book.first(j) {
        Some(first) => format!(
            "no {code} policy version is in force on {on}: the rules this API applies take effect in {code} on {}",
            first.effective_from
        ),
        None => format!("no {code} policy version is loaded"),
    })
}

/// Calendar and policy of one jurisdiction at one date, the pair most rules take.
pub struct Law {
    pub calendar: Calendar,
    pub policy: PolicyVersion,
}

pub async fn law<C: ConnectionTrait>(
    db: &C,
    j: Jurisdiction,
    on_utc: chrono::DateTime<chrono::Utc>,
) -> ServiceResult<Law> {
    let calendar = calendar(db, j).await?;
    let policy = policy_in_force(db, j, calendar.local_date(on_utc)).await?;
    Ok(Law { calendar, policy })
}

/// Adds a policy version from an operator's file (`mfo-api policy import`): the figures
/// must fit `Policy` exactly and pass `rules::policy::problems`. Refused: a second version
/// of one jurisdiction for one date, and, unless `retroactive`, an effective date on or
/// before the local start date of an open deadline of that jurisdiction (DOMAIN.md,
/// "Figures change": a deadline keeps the version in force when its clock started, so a
/// version reaching back behind running clocks must be meant). Open deadlines keep the
/// version they were opened with either way; clocks started from now on use the new one.
pub async fn import_policy(ctx: &Ctx, text: &str, retroactive: bool) -> ServiceResult<policy_version::Model> {
    let file = PolicyFile::parse(text).map_err(|m| ServiceError::user(UserError::invalid(&["file"], m)))?;
    let problems = rules::problems(&file.figures);
    if !problems.is_empty() {
        return Err(ServiceError::User(problems.into_iter().map(|m| UserError::invalid(&["figures"], m)).collect()));
    }
    let j = file.jurisdiction;
    let code = j.to_value();
    let mut w = Write::begin(ctx, Actor::system("operator")).await?;
    let duplicate = policy_version::Entity::find()
        .filter(policy_version::Column::Jurisdiction.eq(j))
        .filter(policy_version::Column::EffectiveFrom.eq(file.effective_from))
        .one(w.txn())
        .await?;
    if let Some(d) = duplicate {
        return Err(ServiceError::user(UserError::conflict(
            &["effective_from"],
            format!("{code} already has a policy version from {} ({})", file.effective_from, d.id),
        )));
    }
    if !retroactive {
        let latest_open = deadline::Entity::find()
            .filter(deadline::Column::Jurisdiction.eq(j))
            .filter(deadline::Column::Status.eq(DeadlineStatus::Open))
            .order_by_desc(deadline::Column::StartedAt)
            .one(w.txn())
            .await?;
        if let Some(d) = latest_open {
            let started_on = calendar(w.txn(), j).await?.local_date(d.started_at);
            if file.effective_from <= started_on {
                return Err(ServiceError::user(UserError::conflict(
                    &["effective_from"],
                    format!(
                        "an open {code} deadline ({}, {}) started on {started_on}, on or after {}: \
                         pass --retroactive if the version is meant to reach back behind running clocks",
                        d.rule, d.id, file.effective_from
                    ),
                )));
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
            return Err(ServiceError::user(UserError::conflict(
                &["effective_from"],
                format!("{code} already has a policy version from {from}"),
            )));
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
    w.commit().await?;
    Ok(row)
}
