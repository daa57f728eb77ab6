//! Demo data for `serve --demo`: organisations of both jurisdictions, borrowers and loans,
//! complaints in every status and restructuring applications in every state, loaded
//! through the same services the API uses, so the demo obeys the rules it shows.
//!
//! The history is played on a `ManualClock` that starts forty days ago and is moved
//! forward step by step (the scanner runs between steps), so deadlines lapse and
//! counter-proposals are deemed refused the way they would in production. Loading again
//! into a database that already has the demo changes nothing.

mod applications;
mod book;
mod collection;
mod complaints;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::enums::{Jurisdiction, OrgKind, Role};
use entity::{borrower, organization};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::auth::Principal;
use crate::clock::{Clock, ManualClock};
use crate::error::ServiceError;
use crate::events::scanner::Scanner;
use crate::ids::{BorrowerId, OrgId};
use crate::money::Money;
use crate::services::Ctx;
use crate::services::loans::InstallmentInput;
use crate::services::orgs::{self, NewOrg};

use applications::{applications, notice};
use book::{kz_borrowers, kz_loans, l2002_id, legacy_loan};
use collection::collection;
use complaints::{complaints, kz_complaints};

/// The ids a demo user needs to mint tokens.
#[derive(Debug, Clone)]
pub struct Demo {
    pub kz_mfo: organization::Model,
    pub kg_mfo: organization::Model,
    pub agency: organization::Model,
    pub kz_regulator: organization::Model,
    pub kg_regulator: organization::Model,
    pub borrower_id: uuid::Uuid,
}

const ORGS: [(OrgKind, &str, Jurisdiction, &str); 5] = [
    (OrgKind::Mfo, "Qomeq Finance (demo)", Jurisdiction::Kz, "Almaty, Abay ave. 10"),
    (OrgKind::Mfo, "Alma Kredit (demo)", Jurisdiction::Kg, "Bishkek, Chuy ave. 100"),
    (OrgKind::CollectionAgency, "Collect KZ (demo)", Jurisdiction::Kz, "Almaty, Dostyk 5"),
    (OrgKind::Regulator, "ARDFM (demo)", Jurisdiction::Kz, "Almaty, Koktem-3 21"),
    (OrgKind::Regulator, "NBKR (demo)", Jurisdiction::Kg, "Bishkek, Chuy ave. 168"),
];

fn err(e: ServiceError) -> anyhow::Error {
    anyhow::anyhow!("demo data was refused: {e:?}")
}

/// A principal for loading data through the services.
pub fn loader_principal(mfo: &organization::Model, now: DateTime<Utc>) -> Principal {
    Principal {
        role: Role::MfoStaff,
        subject: "demo-loader".to_owned(),
        org_id: OrgId(mfo.id),
        org_kind: OrgKind::Mfo,
        jurisdiction: mfo.jurisdiction,
        borrower_id: None,
        expires_at: now + Duration::days(365),
    }
}

fn as_role(mut p: Principal, role: Role, subject: &str) -> Principal {
    p.role = role;
    p.subject = subject.to_owned();
    p
}

fn as_borrower(mfo: &organization::Model, now: DateTime<Utc>, b: uuid::Uuid) -> Principal {
    let mut p = as_role(loader_principal(mfo, now), Role::Borrower, "demo-app-user");
    p.borrower_id = Some(BorrowerId(b));
    p
}

/// A monthly schedule of `months` equal principal parts starting a month after `start`,
/// parts and interest rounded to the currency's minor unit.
pub fn monthly_schedule(
    start: NaiveDate,
    months: u32,
    principal: Money,
    annual_rate: Decimal,
) -> Vec<InstallmentInput> {
    let (currency, principal) = (principal.currency(), principal.amount());
    let part = Money::new(principal / Decimal::from(months), currency).round_to_minor_unit().amount();
    let mut left = principal;
    (1..=months)
        .map(|m| {
            let p = if m == months { left } else { part };
            let interest = Money::new(left * annual_rate / Decimal::from(12), currency).round_to_minor_unit().amount();
            left -= p;
            let due = start.checked_add_months(chrono::Months::new(m)).unwrap_or(start);
            InstallmentInput { due_date: due, principal: p, interest }
        })
        .collect()
}

async fn find_demo(ctx: &Ctx) -> anyhow::Result<Option<Demo>> {
    let mut found = Vec::new();
    for (_, name, _, _) in ORGS {
        match organization::Entity::find().filter(organization::Column::Name.eq(name)).one(&ctx.db).await? {
            Some(o) => found.push(o),
            None => return Ok(None),
        }
    }
    let kz_mfo = found[0].clone();
    let Some(b) = borrower::Entity::find()
        .filter(borrower::Column::MfoId.eq(kz_mfo.id))
        .filter(borrower::Column::ExternalId.eq("B-1001"))
        .one(&ctx.db)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Demo {
        kz_mfo,
        kg_mfo: found[1].clone(),
        agency: found[2].clone(),
        kz_regulator: found[3].clone(),
        kg_regulator: found[4].clone(),
        borrower_id: b.id,
    }))
}

pub async fn load(ctx: &Ctx) -> anyhow::Result<Demo> {
    if let Some(demo) = find_demo(ctx).await? {
        return Ok(demo);
    }
    let real_now = ctx.clock.now();
    let clock = ManualClock::new(real_now - Duration::days(40));
    let ctx = Ctx::new(ctx.db.clone(), clock.clone(), ctx.broker.clone());
    let scanner = Scanner::new(ctx.clone(), "demo-loader");
    let orgs_made = organizations(&ctx).await?;
    let (kz_mfo, kg_mfo) = (orgs_made[0].clone(), orgs_made[1].clone());
    let t0 = clock.now();
    let staff = loader_principal(&kz_mfo, real_now);
    let aigerim = kz_borrowers(&ctx, &staff).await?;
    let kz = kz_loans(&ctx, &staff, t0).await?;
    // Yerlan: a loan migrated from the MFO's old book, overdue since March 2023, before the
    // first KZ policy version (2024-09-09): the sweep opens no R1 duty for it (R1 was not law
    // when its overdue began) and stalls nothing; its collection verdicts follow today's law.
    // (Boxed, like the complaints below: the demo's one long future must stay small.)
    Box::pin(legacy_loan(&ctx, &staff, t0)).await?;
    // The KZ MFO's complaint journal, so that the KZ regulator's view is not empty: a
    // complaint by post forwarded and left unanswered past C8 (missed, escalated), and one
    // by e-mail in Kazakh.
    Box::pin(kz_complaints(&ctx, &kz_mfo, aigerim.id)).await?;
    scanner.tick().await.map_err(err)?;
    notice(&ctx, &staff, kz.l2001, clock.now(), t0.date_naive()).await?;
    let aigerim_app = as_borrower(&kz_mfo, real_now, aigerim.id);
    applications(&ctx, &clock, &scanner, &staff, &aigerim_app, t0, &kz).await?;
    collection(&ctx, &staff, &orgs_made[2], kz.l2001, l2002_id(&ctx, &kz_mfo).await?, &clock).await?;

    clock.set(real_now);
    complaints(&ctx, &kg_mfo).await?;
    scanner.tick().await.map_err(err)?;

    let demo = find_demo(&ctx).await?.ok_or_else(|| anyhow::anyhow!("demo organisations missing after loading"))?;
    Ok(demo)
}

/// The organisations of `ORGS`, in its order: found, or created through `services::orgs`.
async fn organizations(ctx: &Ctx) -> anyhow::Result<Vec<organization::Model>> {
    let mut orgs_made = Vec::new();
    for (kind, name, j, address) in ORGS {
        let o = match organization::Entity::find().filter(organization::Column::Name.eq(name)).one(&ctx.db).await? {
            Some(o) => o,
            None => orgs::create(
                ctx,
                NewOrg {
                    kind,
                    name: name.to_owned(),
                    jurisdiction: j,
                    address: Some(address.to_owned()),
                    founded_on: None,
                },
            )
            .await
            .map_err(err)?,
        };
        orgs_made.push(o);
    }
    Ok(orgs_made)
}
