//! Reference data the rules need: the jurisdiction calendars and the policy versions.
//! Read from the database on use (a few dozen rows), so an operator's
//! `mfo-api calendar import` takes effect without a restart.

use anyhow::Context;
use chrono::NaiveDate;
use entity::enums::Jurisdiction;
use entity::{holiday, policy_version};
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::error::{ServiceError, ServiceResult};
use crate::rules::calendar::Calendar;
use crate::rules::policy::{Policy, PolicyBook, PolicyVersion};

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
