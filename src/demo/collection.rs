//! The demo's collection: a hand-over to the agency, its contacts (one flagged X3) and a
//! conscripted borrower, played through `services::collection` and `services::military`.

use chrono::{Duration, Utc};
use entity::enums::{OrgKind, Role};
use entity::organization;

use super::{as_role, err};
use crate::auth::Principal;
use crate::clock::{Clock, ManualClock};
use crate::ids::{LoanId, OrgId};
use crate::services::Ctx;

/// Aigerim's loan goes to the agency, which contacts her twice (once too late in the
/// evening: stored and flagged X3); Serik is conscripted.
pub(super) async fn collection(
    ctx: &Ctx,
    staff: &Principal,
    agency: &organization::Model,
    overdue: uuid::Uuid,
    current: uuid::Uuid,
    clock: &ManualClock,
) -> anyhow::Result<()> {
    use crate::services::{collection, military};
    use entity::enums::{ContactChannel, ContactOutcome, ContactParty};
    let manager = as_role(staff.clone(), Role::MfoManager, "demo-manager");
    collection::assign(ctx, &manager, LoanId(overdue), OrgId(agency.id)).await.map_err(err)?;
    let collector = Principal {
        role: Role::CollectionAgency,
        subject: "demo-agency".into(),
        org_id: OrgId(agency.id),
        org_kind: OrgKind::CollectionAgency,
        jurisdiction: agency.jurisdiction,
        borrower_id: None,
        expires_at: clock.now() + Duration::days(365),
    };
    let tz = crate::rules::calendar::time_zone(agency.jurisdiction);
    let yesterday = clock.now().with_timezone(&tz).date_naive() - Duration::days(1);
    let late_evening = yesterday
        .and_hms_opt(22, 30, 0)
        .and_then(|t| chrono::TimeZone::from_local_datetime(&tz, &t).single())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| clock.now());
    let disclosure = collection::Disclosure {
        organization_name: Some(agency.name.clone()),
        organization_location: agency.address.clone(),
        person_name: Some("Nurzhan Abenov".into()),
        person_position: Some("Collector".into()),
    };
    for (n, channel, at) in [(1u128, ContactChannel::Sms, clock.now()), (2, ContactChannel::Call, late_evening)] {
        collection::record_contact(
            ctx,
            &collector,
            collection::ContactInput {
                client_submission_id: uuid::Uuid::from_u128(0xdead_0000 + n),
                loan_id: LoanId(overdue),
                channel,
                occurred_at: at,
                party: ContactParty::Borrower,
                third_party_purpose: None,
                destination: Some("+7 701 555 12 34".into()),
                disclosure: disclosure.clone(),
                outcome: ContactOutcome::Reached,
                note: None,
                clearance: None,
            },
        )
        .await
        .map_err(err)?;
    }
    let today = clock.now().date_naive();
    military::register(
        ctx,
        staff,
        military::ConscriptionInput {
            loan_id: LoanId(current),
            service_start: today - Duration::days(5),
            service_end: today + Duration::days(360),
            bureau_received_at: None,
        },
    )
    .await
    .map_err(err)?;
    Ok(())
}
