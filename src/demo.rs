//! Demo data for `serve --demo`: organisations of both jurisdictions, borrowers and loans,
//! complaints in every status and restructuring applications in every state, loaded
//! through the same services the API uses, so the demo obeys the rules it shows.
//!
//! The history is played on a `ManualClock` that starts forty days ago and is moved
//! forward step by step (the scanner runs between steps), so deadlines lapse and
//! counter-proposals are deemed refused the way they would in production. Loading again
//! into a database that already has the demo changes nothing.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use entity::enums::{
    CounterProposalResponse, DecisionKind, HardshipGround, Jurisdiction, Language, LegalFactKind, LoanStatus,
    NoticeChannel, OrgKind, RepaymentOrder, RestructuringMeasure, Role, SubmissionChannel,
};
use entity::{borrower, organization};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::auth::Principal;
use crate::clock::{Clock, ManualClock};
use crate::error::ServiceError;
use crate::events::scanner::Scanner;
use crate::ids::{ApplicationId, BorrowerId, LoanId, OrgId};
use crate::rules::restructuring::{Deferral, Terms};
use crate::services::loans::{self, BorrowerInput, InstallmentInput, LoanInput, LoanRef, PaymentInput};
use crate::services::orgs::{self, NewOrg};
use crate::services::{Ctx, appeals, restructuring};

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

/// A monthly schedule of `months` equal principal parts starting a month after `start`.
pub fn monthly_schedule(
    start: NaiveDate,
    months: u32,
    principal: Decimal,
    annual_rate: Decimal,
) -> Vec<InstallmentInput> {
    let part = (principal / Decimal::from(months)).round_dp(2);
    let mut left = principal;
    (1..=months)
        .map(|m| {
            let p = if m == months { left } else { part };
            let interest = (left * annual_rate / Decimal::from(12)).round_dp(2);
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
    let mut orgs_made = Vec::new();
    for (kind, name, j, address) in ORGS {
        let o = match organization::Entity::find().filter(organization::Column::Name.eq(name)).one(&ctx.db).await? {
            Some(o) => o,
            None => orgs::create(
                &ctx,
                NewOrg { kind, name: name.to_owned(), jurisdiction: j, address: Some(address.to_owned()) },
            )
            .await
            .map_err(err)?,
        };
        orgs_made.push(o);
    }
    let (kz_mfo, kg_mfo) = (orgs_made[0].clone(), orgs_made[1].clone());
    let t0 = clock.now();
    let staff = loader_principal(&kz_mfo, real_now);
    let rate = Decimal::new(35, 2);

    let person =
        |id: &str, name: &str, address: &str, phone: &str, email: Option<&str>, language, vulnerable| BorrowerInput {
            external_id: id.into(),
            full_name: name.into(),
            national_id: None,
            address: Some(address.into()),
            phone: Some(phone.into()),
            email: email.map(Into::into),
            language,
            socially_vulnerable: vulnerable,
        };
    let loan = |id: &str,
                borrower: &str,
                number: &str,
                issued: NaiveDate,
                principal: Decimal,
                months: u32,
                agency: bool,
                home: bool| LoanInput {
        external_id: id.into(),
        borrower_external_id: borrower.into(),
        contract_number: number.into(),
        contract_date: issued,
        currency: "KZT".into(),
        principal,
        annual_rate: rate,
        term_months: months as i32,
        credit_limit: None,
        status: LoanStatus::Active,
        repayment_order: RepaymentOrder::InterestFirst,
        mortgage_secured: home,
        secured_by_dwelling: home,
        business_purpose: false,
        contract_allows_agency: agency,
        contract_meetings: None,
        schedule: monthly_schedule(issued, months, principal, rate),
    };
    let today = t0.date_naive();
    let long_ago = today.with_day(1).unwrap_or(today) - Duration::days(150);

    let aigerim = loans::upsert_borrower(
        &ctx,
        &staff,
        person(
            "B-1001",
            "Aigerim Nurlanovna Sadykova",
            "Almaty, Satpayev 30, apt 12",
            "+7 701 555 12 34",
            Some("aigerim@example.kz"),
            Language::Ru,
            true,
        ),
    )
    .await
    .map_err(err)?;
    loans::upsert_borrower(
        &ctx,
        &staff,
        person(
            "B-1002",
            "Serik Bolatovich Akhmetov",
            "Astana, Kenesary 4",
            "+7 702 555 98 76",
            None,
            Language::Kk,
            false,
        ),
    )
    .await
    .map_err(err)?;
    loans::upsert_borrower(
        &ctx,
        &staff,
        person(
            "B-1003",
            "Dana Erlanovna Zhaksybekova",
            "Shymkent, Tauke Khan 7",
            "+7 705 555 44 11",
            Some("dana@example.kz"),
            Language::Ru,
            false,
        ),
    )
    .await
    .map_err(err)?;
    loans::upsert_borrower(
        &ctx,
        &staff,
        person(
            "B-1004",
            "Marat Kairatovich Ospanov",
            "Karaganda, Bukhar Zhyrau 15",
            "+7 707 555 22 99",
            None,
            Language::Ru,
            false,
        ),
    )
    .await
    .map_err(err)?;

    // Aigerim: overdue for months, her home mortgaged; an agency may be engaged.
    let l2001 = loans::upsert_loan(
        &ctx,
        &staff,
        loan("L-2001", "B-1001", "MK-2001/24", long_ago, Decimal::from(600_000), 12, true, true),
    )
    .await
    .map_err(err)?;
    let first = monthly_schedule(long_ago, 12, Decimal::from(600_000), rate)[0].clone();
    loans::record_payment(
        &ctx,
        &staff,
        PaymentInput {
            loan: LoanRef::Id(LoanId(l2001.id)),
            external_id: "P-1".into(),
            paid_at: first.due_date.and_hms_opt(6, 0, 0).map(|t| t.and_utc()).unwrap_or(t0),
            amount: first.principal + first.interest,
        },
    )
    .await
    .map_err(err)?;
    // Serik: a current loan.
    loans::upsert_loan(
        &ctx,
        &staff,
        loan("L-2002", "B-1002", "MK-2002/25", today - Duration::days(20), Decimal::from(250_000), 6, false, false),
    )
    .await
    .map_err(err)?;
    // Dana: overdue; her applications end in agreement and implementation.
    let l2003 = loans::upsert_loan(
        &ctx,
        &staff,
        loan("L-2003", "B-1003", "MK-2003/25", today - Duration::days(75), Decimal::from(400_000), 10, true, false),
    )
    .await
    .map_err(err)?;
    // Marat: overdue with a court act: a late application is inadmissible (R3).
    let l2004 = loans::upsert_loan(
        &ctx,
        &staff,
        loan("L-2004", "B-1004", "MK-2004/24", long_ago, Decimal::from(300_000), 6, true, false),
    )
    .await
    .map_err(err)?;
    loans::record_legal_fact(
        &ctx,
        &staff,
        loans::LegalFactInput {
            loan: LoanRef::Id(LoanId(l2004.id)),
            kind: LegalFactKind::CourtAct,
            occurred_on: today - Duration::days(10),
            ended_on: None,
            assignee: None,
        },
    )
    .await
    .map_err(err)?;
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
    restructuring::record_notice(
        &ctx,
        &staff,
        restructuring::NoticeInput {
            loan_id: LoanId(l2001.id),
            sent_at: clock.now(),
            channel: NoticeChannel::Sms,
            overdue_amount: Some(Decimal::from(110_000)),
            amount_as_of: Some(today),
            states_right_to_apply: true,
            states_consequences: true,
            text: Some("Your loan MK-2001/24 is overdue; you may apply to restructure it.".into()),
        },
    )
    .await
    .map_err(err)?;

    let manager = as_role(staff.clone(), Role::MfoManager, "demo-manager");
    let submit = |loan_id: uuid::Uuid, income: i64| restructuring::SubmitInput {
        client_submission_id: None,
        loan_id: LoanId(loan_id),
        channel: SubmissionChannel::InPerson,
        language: Language::Ru,
        application_date: None,
        grounds: vec![restructuring::GroundInput { ground: HardshipGround::RegisteredUnemployed, text: None }],
        requested_measures: vec![restructuring::MeasureInput { measure: RestructuringMeasure::Deferral, text: None }],
        monthly_income: Some(Decimal::from(income)),
        other_monthly_debt_payments: Some(Decimal::from(15_000)),
        circumstances: Some("Lost a job; looking for work.".into()),
        documents: vec![restructuring::DocumentInput {
            kind: "EMPLOYMENT_RECORD".into(),
            name: "record.pdf".into(),
            checksum: None,
        }],
        received_at: None,
    };
    let decide =
        |kind, terms: Option<Terms>, reasons: Option<&str>, reply_by: Option<NaiveDate>| restructuring::DecideInput {
            kind,
            terms,
            reasons: reasons.map(Into::into),
            signatory_name: "Omarov D. K.".into(),
            signatory_position: Some("Chairman of the board".into()),
            reply_by,
            delivered_at: None,
        };
    let longer = || Some(Terms { new_term_months: Some(18), ..Terms::default() });
    let id = |a: &entity::restructuring_application::Model| ApplicationId(a.id);
    let step = |days: i64| {
        clock.set(t0 + Duration::days(days));
    };
    // The KZ MFO's local date (the services judge R12 by it), not the UTC one.
    let local_today =
        |c: &ManualClock| c.now().with_timezone(&crate::rules::calendar::time_zone(Jurisdiction::Kz)).date_naive();
    // A counter-proposal of a longer term, with `days` to reply (R12 wants at least 15).
    let counter = |days: i64| {
        decide(DecisionKind::CounterProposal, longer(), None, Some(local_today(&clock) + Duration::days(days)))
    };
    let aigerim_app = as_borrower(&kz_mfo, real_now, aigerim.id);

    // Day 0: one left without review (documents never come), one deemed refused.
    let lwr = restructuring::submit(&ctx, &staff, submit(l2003.id, 300_000)).await.map_err(err)?;
    restructuring::request_documents(
        &ctx,
        &staff,
        id(&lwr),
        vec![restructuring::RequestedItem {
            kind: "INCOME_CERTIFICATE".into(),
            description: "Income for the last 6 months".into(),
        }],
        None,
    )
    .await
    .map_err(err)?;
    let deemed = restructuring::submit(&ctx, &staff, submit(l2003.id, 300_000)).await.map_err(err)?;
    restructuring::decide(&ctx, &manager, id(&deemed), counter(20)).await.map_err(err)?;
    // Day 1: refused, then appealed.
    step(1);
    let refused = restructuring::submit(&ctx, &staff, submit(l2001.id, 120_000)).await.map_err(err)?;
    restructuring::decide(
        &ctx,
        &manager,
        id(&refused),
        decide(DecisionKind::Refuse, None, Some("the stated income does not cover any schedule we can offer."), None),
    )
    .await
    .map_err(err)?;
    // Day 2: approved and implemented on Dana's loan.
    step(2);
    let done = restructuring::submit(&ctx, &staff, submit(l2003.id, 300_000)).await.map_err(err)?;
    restructuring::decide(
        &ctx,
        &manager,
        id(&done),
        decide(
            DecisionKind::Approve,
            // R10: a deferral alone would fold the arrears into fewer months and raise the
            // monthly payment; with a longer term it lowers it.
            Some(Terms {
                deferral: Some(Deferral { months: 2, interest_too: false }),
                new_term_months: Some(18),
                ..Terms::default()
            }),
            None,
            None,
        ),
    )
    .await
    .map_err(err)?;
    restructuring::implement(&ctx, &staff, id(&done)).await.map_err(err)?;
    // Day 3: withdrawn by the borrower.
    step(3);
    let withdrawn = restructuring::submit(&ctx, &staff, submit(l2001.id, 150_000)).await.map_err(err)?;
    restructuring::withdraw(&ctx, &aigerim_app, id(&withdrawn)).await.map_err(err)?;
    // Day 5: a counter-proposal the borrower rejects; Aigerim appeals her refusal.
    step(5);
    let rejected = restructuring::submit(&ctx, &staff, submit(l2001.id, 150_000)).await.map_err(err)?;
    restructuring::decide(&ctx, &manager, id(&rejected), counter(15)).await.map_err(err)?;
    step(6);
    restructuring::respond(&ctx, &aigerim_app, id(&rejected), CounterProposalResponse::Reject).await.map_err(err)?;
    appeals::file(
        &ctx,
        &aigerim_app,
        appeals::FileInput {
            client_submission_id: None,
            application_id: id(&refused),
            statement: "The MFO refused without considering my unemployment benefit.".into(),
            evidence: vec![appeals::Evidence { name: "refusal-letter.pdf".into(), checksum: None }],
        },
    )
    .await
    .map_err(err)?;
    step(10);
    scanner.tick().await.map_err(err)?;
    // Day 20: a counter-proposal accepted (agreed, not yet implemented).
    step(20);
    let agreed = restructuring::submit(&ctx, &staff, submit(l2001.id, 150_000)).await.map_err(err)?;
    restructuring::decide(&ctx, &manager, id(&agreed), counter(15)).await.map_err(err)?;
    step(21);
    restructuring::respond(&ctx, &aigerim_app, id(&agreed), CounterProposalResponse::Accept).await.map_err(err)?;
    // Day 31: the day-0 counter-proposal is deemed refused.
    step(31);
    scanner.tick().await.map_err(err)?;
    // Day 33: a counter-proposal still waiting for an answer; day 35: an approval to implement.
    step(33);
    let waiting = restructuring::submit(&ctx, &staff, submit(l2001.id, 150_000)).await.map_err(err)?;
    restructuring::decide(&ctx, &manager, id(&waiting), counter(15)).await.map_err(err)?;
    step(35);
    let approved = restructuring::submit(&ctx, &staff, submit(l2001.id, 150_000)).await.map_err(err)?;
    restructuring::decide(&ctx, &manager, id(&approved), decide(DecisionKind::Approve, longer(), None, None))
        .await
        .map_err(err)?;
    // Day 38: documents requested; day 39: a fresh one and an inadmissible one.
    step(38);
    let docs = restructuring::submit(&ctx, &staff, submit(l2001.id, 150_000)).await.map_err(err)?;
    restructuring::request_documents(
        &ctx,
        &staff,
        id(&docs),
        vec![restructuring::RequestedItem {
            kind: "UNEMPLOYMENT_CERTIFICATE".into(),
            description: "Certificate from the employment centre".into(),
        }],
        None,
    )
    .await
    .map_err(err)?;
    step(39);
    restructuring::submit(&ctx, &staff, submit(l2001.id, 150_000)).await.map_err(err)?;
    restructuring::submit(&ctx, &staff, submit(l2004.id, 180_000)).await.map_err(err)?;
    collection(&ctx, &staff, &orgs_made[2], l2001.id, l2002_id(&ctx, &kz_mfo).await?, &clock).await?;

    clock.set(real_now);
    complaints(&ctx, &kg_mfo).await?;
    scanner.tick().await.map_err(err)?;

    let demo = find_demo(&ctx).await?.ok_or_else(|| anyhow::anyhow!("demo organisations missing after loading"))?;
    Ok(demo)
}

async fn l2002_id(ctx: &Ctx, mfo: &organization::Model) -> anyhow::Result<uuid::Uuid> {
    let l = entity::loan::Entity::find()
        .filter(entity::loan::Column::MfoId.eq(mfo.id))
        .filter(entity::loan::Column::ExternalId.eq("L-2002"))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo loan L-2002 missing"))?;
    Ok(l.id)
}

/// Aigerim's loan goes to the agency, which contacts her twice (once too late in the
/// evening: stored and flagged X3); Serik is conscripted.
async fn collection(
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

/// Complaints in every status, reception hours and a KG borrower, at the KG MFO (the
/// complaint procedure is the Kyrgyz seed's).
async fn complaints(ctx: &Ctx, mfo: &organization::Model) -> anyhow::Result<()> {
    use crate::ids::ComplaintId;
    use crate::rules::complaints::Complainant;
    use crate::services::complaints::{
        self as svc, AnswerInput, Attachment, ReceptionSlot, RegisterInput, ResponsibleManager,
    };
    use entity::enums::{
        AnswerDeliveryChannel, AnswerGround, ClosureReason, ComplaintChannel, ComplaintKind, SignatoryRole, Weekday,
    };
    let now = ctx.clock.now();
    let staff = loader_principal(mfo, now);
    let manager = as_role(staff.clone(), Role::MfoManager, "demo-manager");
    let bakyt = loans::upsert_borrower(
        ctx,
        &staff,
        BorrowerInput {
            external_id: "KG-501".into(),
            full_name: "Bakyt Asanovich Toktogulov".into(),
            national_id: None,
            address: Some("Bishkek, Manas 40".into()),
            phone: Some("+996 555 123 456".into()),
            email: Some("bakyt@example.kg".into()),
            language: Language::Ky,
            socially_vulnerable: false,
        },
    )
    .await
    .map_err(err)?;
    let issued = now.date_naive() - Duration::days(40);
    let principal = Decimal::from(80_000);
    let rate = Decimal::new(35, 2);
    loans::upsert_loan(
        ctx,
        &staff,
        LoanInput {
            external_id: "KG-L-77".into(),
            borrower_external_id: "KG-501".into(),
            contract_number: "AK-77".into(),
            contract_date: issued,
            currency: "KGS".into(),
            principal,
            annual_rate: rate,
            term_months: 4,
            credit_limit: None,
            status: LoanStatus::Active,
            repayment_order: RepaymentOrder::InterestFirst,
            mortgage_secured: false,
            secured_by_dwelling: false,
            business_purpose: false,
            contract_allows_agency: false,
            contract_meetings: None,
            schedule: monthly_schedule(issued, 4, principal, rate),
        },
    )
    .await
    .map_err(err)?;

    let person = |name: &str| Complainant {
        full_name: Some(name.to_owned()),
        address: Some(format!("Bishkek, {name} street 1")),
        phone: Some("+996 555 000 111".into()),
        email: Some("client@example.kg".into()),
    };
    let written = |kind, substance: &str| RegisterInput {
        client_submission_id: None,
        kind,
        channel: ComplaintChannel::Post,
        form: None,
        language: Language::Ru,
        complainants: vec![person("Bakyt Toktogulov")],
        answer_address: None,
        substance: Some(substance.to_owned()),
        signed: true,
        dated_on: Some(now.date_naive()),
        borrower_id: Some(BorrowerId(bakyt.id)),
        loan_id: None,
        branch: Some("Head office".into()),
        received_at: None,
        contact_id: None,
    };
    let oral = |substance: &str| RegisterInput {
        channel: ComplaintChannel::CallCentre,
        signed: false,
        dated_on: None,
        ..written(ComplaintKind::Complaint, substance)
    };
    let managers =
        || vec![ResponsibleManager { name: "Ormotoev E. D.".into(), position: "Chairman of the board".into() }];
    let id = |c: &entity::complaint::Model| ComplaintId(c.id);

    svc::register(ctx, &staff, written(ComplaintKind::Complaint, "A fee was charged twice in October."))
        .await
        .map_err(err)?;
    let forwarded =
        svc::register(ctx, &staff, written(ComplaintKind::Complaint, "The branch was closed in opening hours."))
            .await
            .map_err(err)?;
    svc::forward(ctx, &staff, id(&forwarded), managers()).await.map_err(err)?;
    let reviewed = svc::register(ctx, &staff, written(ComplaintKind::InfoRequest, "Why did my rate change?"))
        .await
        .map_err(err)?;
    svc::forward(ctx, &staff, id(&reviewed), managers()).await.map_err(err)?;
    svc::start_review(ctx, &staff, id(&reviewed)).await.map_err(err)?;
    let answered = svc::register(ctx, &staff, written(ComplaintKind::Complaint, "My payment of 12 May is not shown."))
        .await
        .map_err(err)?;
    svc::forward(ctx, &staff, id(&answered), managers()).await.map_err(err)?;
    svc::start_review(ctx, &staff, id(&answered)).await.map_err(err)?;
    svc::answer(
        ctx,
        &manager,
        id(&answered),
        AnswerInput {
            signatory_role: SignatoryRole::Chairman,
            signatory_name: "Ormotoev E. D.".into(),
            ground: AnswerGround::Satisfied,
            justification: "The payment was found and credited on 13 May; the penalty is cancelled.".into(),
            executor_name: "Talasbaev E. N.".into(),
            executor_contact: "+996 312 881990".into(),
            language: Language::Ru,
            delivery_channel: AnswerDeliveryChannel::RegisteredMail,
            sent_at: ctx.clock.now(),
            attachments: vec![Attachment { name: "Payment order".into(), certified_copy: true }],
        },
    )
    .await
    .map_err(err)?;
    let spoken = svc::register(ctx, &staff, oral("When is my next payment due?")).await.map_err(err)?;
    svc::answer_orally(ctx, &staff, id(&spoken), "On the 5th, 8 400 KGS.".into(), None).await.map_err(err)?;
    let invited = svc::register(ctx, &staff, oral("The collector was rude.")).await.map_err(err)?;
    svc::invite_to_write(ctx, &staff, id(&invited), Some("Needs a check of the call records.".into()))
        .await
        .map_err(err)?;
    let mut anonymous = written(ComplaintKind::Complaint, "Everything is bad.");
    anonymous.complainants = vec![];
    anonymous.borrower_id = None;
    svc::register(ctx, &staff, anonymous).await.map_err(err)?;
    let abusive = svc::register(ctx, &staff, written(ComplaintKind::Complaint, "(insults)")).await.map_err(err)?;
    svc::leave_without_consideration(
        ctx,
        &manager,
        id(&abusive),
        ClosureReason::Abusive,
        "Insults and threats to staff.".into(),
    )
    .await
    .map_err(err)?;
    let suggestion = svc::register(ctx, &staff, written(ComplaintKind::Suggestion, "Please open on Saturdays."))
        .await
        .map_err(err)?;
    svc::close_without_answer(ctx, &staff, id(&suggestion), Some("Passed to the board.".into())).await.map_err(err)?;

    let slot = |weekday| ReceptionSlot {
        weekday,
        starts_at: chrono::NaiveTime::from_hms_opt(15, 0, 0).unwrap_or_default(),
        ends_at: chrono::NaiveTime::from_hms_opt(16, 0, 0).unwrap_or_default(),
    };
    svc::set_reception_hours(
        ctx,
        &manager,
        "Ormotoev Ermek Dzhakshylykbekovich".into(),
        "Chairman".into(),
        vec![slot(Weekday::Tuesday), slot(Weekday::Thursday)],
    )
    .await
    .map_err(err)?;
    svc::set_reception_hours(
        ctx,
        &manager,
        "Talasbaev Ermek Nasredinovich".into(),
        "Director".into(),
        vec![slot(Weekday::Monday), slot(Weekday::Wednesday)],
    )
    .await
    .map_err(err)?;
    Ok(())
}

/// Two KZ complaints, registered on the demo's first day: one forwarded and never answered
/// (its C8 deadline is missed by the end of the forty days), one by e-mail in Kazakh.
async fn kz_complaints(ctx: &Ctx, mfo: &organization::Model, aigerim: uuid::Uuid) -> anyhow::Result<()> {
    use crate::ids::ComplaintId;
    use crate::rules::complaints::Complainant;
    use crate::services::complaints::{self as svc, RegisterInput, ResponsibleManager};
    use entity::enums::{ComplaintChannel, ComplaintKind};
    let now = ctx.clock.now();
    let staff = loader_principal(mfo, now);
    let complaint = |channel, language, substance: &str| RegisterInput {
        client_submission_id: None,
        kind: ComplaintKind::Complaint,
        channel,
        form: None,
        language,
        complainants: vec![Complainant {
            full_name: Some("Aigerim Nurlanovna Sadykova".into()),
            address: Some("Almaty, Satpayev 30, apt 12".into()),
            phone: Some("+7 701 555 12 34".into()),
            email: Some("aigerim@example.kz".into()),
        }],
        answer_address: None,
        substance: Some(substance.to_owned()),
        signed: true,
        dated_on: Some(now.date_naive()),
        borrower_id: Some(BorrowerId(aigerim)),
        loan_id: None,
        branch: Some("Almaty branch".into()),
        received_at: None,
        contact_id: None,
    };
    let posted = svc::register(
        ctx,
        &staff,
        complaint(ComplaintChannel::Post, Language::Ru, "The interest in my statement does not match the contract."),
    )
    .await
    .map_err(err)?;
    let managers = vec![ResponsibleManager { name: "Omarov D. K.".into(), position: "Chairman of the board".into() }];
    svc::forward(ctx, &staff, ComplaintId(posted.id), managers).await.map_err(err)?;
    svc::register(ctx, &staff, complaint(ComplaintChannel::Email, Language::Kk, "Төлемім есепке алынбады."))
        .await
        .map_err(err)?;
    Ok(())
}

/// A loan migrated from an old book: issued in November 2022, three installments paid, overdue
/// since March 2023.
async fn legacy_loan(ctx: &Ctx, staff: &Principal, t0: DateTime<Utc>) -> anyhow::Result<()> {
    let rate = Decimal::new(35, 2);
    let borrower = BorrowerInput {
        external_id: "B-1005".into(),
        full_name: "Yerlan Maratovich Tulegenov".into(),
        national_id: None,
        address: Some("Almaty, Tole Bi 101".into()),
        phone: Some("+7 708 555 66 77".into()),
        email: None,
        language: Language::Ru,
        socially_vulnerable: false,
    };
    loans::upsert_borrower(ctx, staff, borrower).await.map_err(err)?;
    let issued = NaiveDate::from_ymd_opt(2022, 11, 15).ok_or_else(|| anyhow::anyhow!("date"))?;
    let schedule = monthly_schedule(issued, 24, Decimal::from(500_000), rate);
    let loan = LoanInput {
        external_id: "L-1999".into(),
        borrower_external_id: "B-1005".into(),
        contract_number: "MK-1999/22".into(),
        contract_date: issued,
        currency: "KZT".into(),
        principal: Decimal::from(500_000),
        annual_rate: rate,
        term_months: 24,
        credit_limit: None,
        status: LoanStatus::Active,
        repayment_order: RepaymentOrder::InterestFirst,
        mortgage_secured: false,
        secured_by_dwelling: false,
        business_purpose: false,
        contract_allows_agency: true,
        contract_meetings: None,
        schedule: schedule.clone(),
    };
    let l = loans::upsert_loan(ctx, staff, loan).await.map_err(err)?;
    for (i, due) in schedule.into_iter().take(3).enumerate() {
        let payment = PaymentInput {
            loan: LoanRef::Id(LoanId(l.id)),
            external_id: format!("P-1999-{}", i + 1),
            paid_at: due.due_date.and_hms_opt(6, 0, 0).map(|t| t.and_utc()).unwrap_or(t0),
            amount: due.principal + due.interest,
        };
        loans::record_payment(ctx, staff, payment).await.map_err(err)?;
    }
    Ok(())
}
