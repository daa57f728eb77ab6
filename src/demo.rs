//! Demo data for `serve --demo`: organisations of both jurisdictions, borrowers and loans
//! in several states, loaded through the same services the API uses, so the demo obeys
//! the rules it shows. Loading twice changes nothing.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use entity::enums::{Jurisdiction, Language, LoanStatus, OrgKind, RepaymentOrder, Role};
use entity::organization;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::auth::Principal;
use crate::ids::{BorrowerId, OrgId};
use crate::services::Ctx;
use crate::services::loans::{self, BorrowerInput, InstallmentInput, LoanInput, LoanRef, PaymentInput};
use crate::services::orgs::{self, NewOrg};

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

async fn org(
    ctx: &Ctx,
    kind: OrgKind,
    name: &str,
    j: Jurisdiction,
    address: &str,
) -> anyhow::Result<organization::Model> {
    if let Some(found) = organization::Entity::find().filter(organization::Column::Name.eq(name)).one(&ctx.db).await? {
        return Ok(found);
    }
    orgs::create(ctx, NewOrg { kind, name: name.to_owned(), jurisdiction: j, address: Some(address.to_owned()) })
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))
}

/// A staff principal of an MFO, for loading data through the services.
pub fn loader_principal(mfo: &organization::Model, now: DateTime<Utc>) -> Principal {
    Principal {
        role: Role::MfoStaff,
        subject: "demo-loader".to_owned(),
        org_id: OrgId(mfo.id),
        org_kind: OrgKind::Mfo,
        jurisdiction: mfo.jurisdiction,
        borrower_id: None,
        expires_at: now + Duration::hours(1),
    }
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

fn err(e: crate::error::ServiceError) -> anyhow::Error {
    anyhow::anyhow!("demo data was refused: {e:?}")
}

pub async fn load(ctx: &Ctx) -> anyhow::Result<Demo> {
    let kz_mfo = org(ctx, OrgKind::Mfo, "Qomeq Finance (demo)", Jurisdiction::Kz, "Almaty, Abay ave. 10").await?;
    let kg_mfo = org(ctx, OrgKind::Mfo, "Alma Kredit (demo)", Jurisdiction::Kg, "Bishkek, Chuy ave. 100").await?;
    let agency = org(ctx, OrgKind::CollectionAgency, "Collect KZ (demo)", Jurisdiction::Kz, "Almaty, Dostyk 5").await?;
    let kz_regulator = org(ctx, OrgKind::Regulator, "ARDFM (demo)", Jurisdiction::Kz, "Almaty, Koktem-3 21").await?;
    let kg_regulator = org(ctx, OrgKind::Regulator, "NBKR (demo)", Jurisdiction::Kg, "Bishkek, Chuy ave. 168").await?;

    let now = ctx.clock.now();
    let today = now.date_naive();
    let staff = loader_principal(&kz_mfo, now);
    let rate = Decimal::new(35, 2);

    let aigerim = loans::upsert_borrower(
        ctx,
        &staff,
        BorrowerInput {
            external_id: "B-1001".into(),
            full_name: "Aigerim Nurlanovna Sadykova".into(),
            national_id: Some("900101400123".into()),
            address: Some("Almaty, Satpayev 30, apt 12".into()),
            phone: Some("+7 701 555 12 34".into()),
            email: Some("aigerim@example.kz".into()),
            language: Language::Ru,
            socially_vulnerable: true,
        },
    )
    .await
    .map_err(err)?;
    let serik = loans::upsert_borrower(
        ctx,
        &staff,
        BorrowerInput {
            external_id: "B-1002".into(),
            full_name: "Serik Bolatovich Akhmetov".into(),
            national_id: Some("850505300456".into()),
            address: Some("Astana, Kenesary 4".into()),
            phone: Some("+7 702 555 98 76".into()),
            email: None,
            language: Language::Kk,
            socially_vulnerable: false,
        },
    )
    .await
    .map_err(err)?;

    // An overdue loan: issued five months ago, nothing paid since the first installment.
    let issued = today.with_day(1).unwrap_or(today) - Duration::days(150);
    let principal = Decimal::from(600_000);
    let overdue = loans::upsert_loan(
        ctx,
        &staff,
        LoanInput {
            external_id: "L-2001".into(),
            borrower_external_id: aigerim.external_id.clone(),
            contract_number: "MK-2001/24".into(),
            contract_date: issued,
            currency: "KZT".into(),
            principal,
            annual_rate: rate,
            term_months: 12,
            credit_limit: None,
            status: LoanStatus::Active,
            repayment_order: RepaymentOrder::InterestFirst,
            mortgage_secured: false,
            secured_by_dwelling: false,
            business_purpose: false,
            contract_allows_agency: true,
            schedule: monthly_schedule(issued, 12, principal, rate),
        },
    )
    .await
    .map_err(err)?;
    let first_due = monthly_schedule(issued, 12, principal, rate)[0].clone();
    loans::record_payment(
        ctx,
        &staff,
        PaymentInput {
            loan: LoanRef::Id(crate::ids::LoanId(overdue.id)),
            external_id: "P-1".into(),
            paid_at: first_due.due_date.and_hms_opt(6, 0, 0).map(|t| t.and_utc()).unwrap_or(now),
            amount: first_due.principal + first_due.interest,
        },
    )
    .await
    .map_err(err)?;

    // A current loan, paid on time.
    let issued2 = today - Duration::days(20);
    let principal2 = Decimal::from(250_000);
    loans::upsert_loan(
        ctx,
        &staff,
        LoanInput {
            external_id: "L-2002".into(),
            borrower_external_id: serik.external_id.clone(),
            contract_number: "MK-2002/25".into(),
            contract_date: issued2,
            currency: "KZT".into(),
            principal: principal2,
            annual_rate: rate,
            term_months: 6,
            credit_limit: None,
            status: LoanStatus::Active,
            repayment_order: RepaymentOrder::InterestFirst,
            mortgage_secured: false,
            secured_by_dwelling: false,
            business_purpose: false,
            contract_allows_agency: false,
            schedule: monthly_schedule(issued2, 6, principal2, rate),
        },
    )
    .await
    .map_err(err)?;

    // A KG borrower and loan.
    let kg_staff = loader_principal(&kg_mfo, now);
    let bakyt = loans::upsert_borrower(
        ctx,
        &kg_staff,
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
    let principal3 = Decimal::from(80_000);
    let issued3 = today - Duration::days(40);
    loans::upsert_loan(
        ctx,
        &kg_staff,
        LoanInput {
            external_id: "KG-L-77".into(),
            borrower_external_id: bakyt.external_id,
            contract_number: "AK-77".into(),
            contract_date: issued3,
            currency: "KGS".into(),
            principal: principal3,
            annual_rate: rate,
            term_months: 4,
            credit_limit: None,
            status: LoanStatus::Active,
            repayment_order: RepaymentOrder::InterestFirst,
            mortgage_secured: false,
            secured_by_dwelling: false,
            business_purpose: false,
            contract_allows_agency: false,
            schedule: monthly_schedule(issued3, 4, principal3, rate),
        },
    )
    .await
    .map_err(err)?;

    complaints(ctx, &kg_mfo, bakyt.id).await?;

    Ok(Demo { kz_mfo, kg_mfo, agency, kz_regulator, kg_regulator, borrower_id: BorrowerId(aigerim.id).0 })
}

/// Complaints in every status, reception hours and a loan-information request, at the KG
/// MFO (the complaint procedure is the Kyrgyz seed's). Skipped when the MFO has complaints.
async fn complaints(ctx: &Ctx, mfo: &organization::Model, borrower: uuid::Uuid) -> anyhow::Result<()> {
    use crate::ids::ComplaintId;
    use crate::rules::complaints::Complainant;
    use crate::services::complaints::{
        self as svc, AnswerInput, Attachment, ReceptionSlot, RegisterInput, ResponsibleManager,
    };
    use entity::enums::{
        AnswerDeliveryChannel, AnswerGround, ClosureReason, ComplaintChannel, ComplaintKind, SignatoryRole, Weekday,
    };
    let existing =
        entity::complaint::Entity::find().filter(entity::complaint::Column::MfoId.eq(mfo.id)).one(&ctx.db).await?;
    if existing.is_some() {
        return Ok(());
    }
    let now = ctx.clock.now();
    let staff = loader_principal(mfo, now);
    let mut manager = loader_principal(mfo, now);
    manager.role = Role::MfoManager;
    manager.subject = "demo-manager".into();
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
        complainants: vec![person("Nurlan Abdyrakhmanov")],
        answer_address: None,
        substance: Some(substance.to_owned()),
        signed: true,
        dated_on: Some(now.date_naive()),
        borrower_id: Some(BorrowerId(borrower)),
        loan_id: None,
        branch: Some("Head office".into()),
        received_at: None,
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
    let answer = AnswerInput {
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
    };
    svc::answer(ctx, &manager, id(&answered), answer).await.map_err(err)?;
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
