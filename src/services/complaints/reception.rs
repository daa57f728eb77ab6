//! C13: the managers' reception hours, set by the MFO one manager at a time and read by its
//! borrowers, its staff and the regulator; collection agencies never read them.

use chrono::NaiveTime;
use entity::enums::{Role, Weekday};
use entity::{organization, reception_hours};
use sea_orm::{ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter};
use serde::Serialize;
use serde_json::json;

use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::ids::OrgId;
use crate::services::write::{Actor, Subject, Visibility};
use crate::services::{Ctx, scope};

#[derive(Debug, Clone, Serialize)]
pub struct ReceptionSlot {
    pub weekday: Weekday,
    pub starts_at: NaiveTime,
    pub ends_at: NaiveTime,
}

/// C13: sets one manager's reception hours (replacing the ones stored for that manager).
pub async fn set_reception_hours(
    ctx: &Ctx,
    p: &Principal,
    manager_name: String,
    position: String,
    slots: Vec<ReceptionSlot>,
) -> ServiceResult<Vec<reception_hours::Model>> {
    scope::require_manager(p)?;
    let mut problems = Problems::new();
    problems.check(!manager_name.trim().is_empty(), || UserError::invalid(&["managerName"], UserErrorReason::Required));
    for (i, s) in slots.iter().enumerate() {
        let weekday = match s.weekday {
            Weekday::Monday | Weekday::Tuesday | Weekday::Wednesday | Weekday::Thursday | Weekday::Friday => true,
            Weekday::Saturday | Weekday::Sunday => false,
        };
        problems.check(weekday, || {
            UserError::rule("C13", &["slots", &i.to_string(), "weekday"], UserErrorReason::ReceptionOnWeekdaysOnly)
        });
        problems.check(s.starts_at < s.ends_at, || {
            UserError::invalid(&["slots", &i.to_string(), "endsAt"], UserErrorReason::EndBeforeStart)
                .with_param("start", "startsAt")
        });
    }
    problems.finish()?;
    ctx.write(Actor::from(p), async |w| {
        let mfo = p.org_id.0;
        // The MFO's row, locked: two desks setting one manager's hours at once replace them
        // one after the other (each deletes what the other inserted), never both.
        w.for_change::<organization::Entity>(Condition::all(), mfo).await?;
        let before = reception_hours::Entity::find()
            .filter(reception_hours::Column::MfoId.eq(mfo))
            .filter(reception_hours::Column::ManagerName.eq(manager_name.trim()))
            .all(w.txn())
            .await?;
        let same = |r: &reception_hours::Model| (r.position.clone(), r.weekday, r.starts_at, r.ends_at);
        let mut stored: Vec<_> = before.iter().map(same).collect();
        let mut sent: Vec<_> =
            slots.iter().map(|s| (position.trim().to_owned(), s.weekday, s.starts_at, s.ends_at)).collect();
        stored.sort();
        sent.sort();
        if stored == sent {
            // The hours as they stand: nothing changed, nothing to record (a retry, too).
            return Ok(before);
        }
        reception_hours::Entity::delete_many()
            .filter(reception_hours::Column::MfoId.eq(mfo))
            .filter(reception_hours::Column::ManagerName.eq(manager_name.trim()))
            .exec(w.txn())
            .await?;
        let rows: Vec<reception_hours::Model> = slots
            .iter()
            .map(|s| reception_hours::Model {
                id: w.new_id(),
                mfo_id: mfo,
                manager_name: manager_name.trim().to_owned(),
                position: position.trim().to_owned(),
                weekday: s.weekday,
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                updated_at: w.now,
            })
            .collect();
        if !rows.is_empty() {
            reception_hours::Entity::insert_many(rows.clone().into_iter().map(IntoActiveModel::into_active_model))
                .exec_without_returning(w.txn())
                .await?;
        }
        let slot_json = |r: &reception_hours::Model| json!([r.weekday, r.starts_at.to_string(), r.ends_at.to_string()]);
        let subject = Subject::new("organization", mfo);
        w.audit(
            "reception_hours.set",
            subject,
            Some(mfo),
            Some(json!({ "manager": manager_name, "slots": before.iter().map(slot_json).collect::<Vec<_>>() })),
            Some(json!({ "manager": manager_name, "slots": rows.iter().map(slot_json).collect::<Vec<_>>() })),
        );
        w.event(
            "reception_hours.set",
            subject,
            Visibility { org_id: Some(mfo), jurisdiction: Some(p.jurisdiction) },
            json!({}),
        );
        Ok(rows)
    })
    .await
}

/// C13: an MFO's reception hours, readable by its borrowers and staff and the regulator.
pub async fn reception_hours_of(
    ctx: &Ctx,
    p: &Principal,
    mfo: Option<OrgId>,
) -> ServiceResult<Vec<reception_hours::Model>> {
    let mfo = match p.role {
        Role::Borrower | Role::MfoStaff | Role::MfoManager => match mfo {
            Some(m) if m != p.org_id => return Err(ServiceError::NotFound),
            _ => p.org_id,
        },
        Role::Regulator => {
            let m = mfo.ok_or_else(|| ServiceError::user(UserError::invalid(&["mfoId"], UserErrorReason::Required)))?;
            let org = crate::services::orgs::find(ctx, m).await?.ok_or(ServiceError::NotFound)?;
            if org.jurisdiction != p.jurisdiction {
                return Err(ServiceError::NotFound);
            }
            m
        }
        Role::CollectionAgency => return Err(ServiceError::Forbidden("reception hours are for the MFO's borrowers")),
    };
    let mut rows =
        reception_hours::Entity::find().filter(reception_hours::Column::MfoId.eq(mfo.0)).all(&ctx.db).await?;
    // Monday to Sunday, not alphabetically.
    rows.sort_by(|a, b| (&a.manager_name, a.weekday, a.starts_at).cmp(&(&b.manager_name, b.weekday, b.starts_at)));
    Ok(rows)
}
