//! The demo's loan book: its borrowers, loans, payments and legal facts, synced through
//! `services::loans` like a core-banking system's. Nothing here writes around the services.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use entity::enums::{Currency, Language, LegalFactKind, LoanStatus, RepaymentOrder};
use entity::{borrower, organization};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{err, monthly_schedule};
use crate::auth::Principal;
use crate::ids::LoanId;
use crate::money::Money;
use crate::services::Ctx;
use crate::services::loans::{self, BorrowerInput, LoanInput, LoanRef, PaymentInput};

pub(super) async fn l2002_id(ctx: &Ctx, mfo: &organization::Model) -> anyhow::Result<uuid::Uuid> {
    let l = entity::loan::Entity::find()
        .filter(entity::loan::Column::MfoId.eq(mfo.id))
        .filter(entity::loan::Column::ExternalId.eq("L-2002"))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo loan L-2002 missing"))?;
    Ok(l.id)
}

/// A loan migrated from an old book: issued in November 2022, three installments paid, overdue
/// since March 2023.
pub(super) async fn legacy_loan(ctx: &Ctx, staff: &Principal, t0: DateTime<Utc>) -> anyhow::Result<()> {
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
    let schedule = monthly_schedule(issued, 24, Money::new(Decimal::from(500_000), Currency::Kzt), rate);
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

/// The KZ MFO's loans the rest of the demo works on.
pub(super) struct KzLoans {
    /// Aigerim's: overdue for months, her home mortgaged.
    pub(super) l2001: uuid::Uuid,
    /// Dana's: overdue.
    pub(super) l2003: uuid::Uuid,
    /// Marat's: overdue, with a court act.
    pub(super) l2004: uuid::Uuid,
}

/// The KZ MFO's four borrowers; Aigerim, who appeals and complains, is returned.
pub(super) async fn kz_borrowers(ctx: &Ctx, staff: &Principal) -> anyhow::Result<borrower::Model> {
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
    let aigerim = loans::upsert_borrower(
        ctx,
        staff,
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
        ctx,
        staff,
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
        ctx,
        staff,
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
        ctx,
        staff,
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
    Ok(aigerim)
}

/// The KZ MFO's loans, a payment on Aigerim's and a court act on Marat's.
pub(super) async fn kz_loans(ctx: &Ctx, staff: &Principal, t0: DateTime<Utc>) -> anyhow::Result<KzLoans> {
    let rate = Decimal::new(35, 2);
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
        schedule: monthly_schedule(issued, months, Money::new(principal, Currency::Kzt), rate),
    };
    let today = t0.date_naive();
    let long_ago = today.with_day(1).unwrap_or(today) - Duration::days(150);

    // Aigerim: overdue for months, her home mortgaged; an agency may be engaged.
    let l2001 = loans::upsert_loan(
        ctx,
        staff,
        loan("L-2001", "B-1001", "MK-2001/24", long_ago, Decimal::from(600_000), 12, true, true),
    )
    .await
    .map_err(err)?;
    let first = monthly_schedule(long_ago, 12, Money::new(Decimal::from(600_000), Currency::Kzt), rate)[0].clone();
    loans::record_payment(
        ctx,
        staff,
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
        ctx,
        staff,
        loan("L-2002", "B-1002", "MK-2002/25", today - Duration::days(20), Decimal::from(250_000), 6, false, false),
    )
    .await
    .map_err(err)?;
    // Dana: overdue; her applications end in agreement and implementation.
    let l2003 = loans::upsert_loan(
        ctx,
        staff,
        loan("L-2003", "B-1003", "MK-2003/25", today - Duration::days(75), Decimal::from(400_000), 10, true, false),
    )
    .await
    .map_err(err)?;
    // Marat: overdue with a court act: a late application is inadmissible (R3).
    let l2004 = loans::upsert_loan(
        ctx,
        staff,
        loan("L-2004", "B-1004", "MK-2004/24", long_ago, Decimal::from(300_000), 6, true, false),
    )
    .await
    .map_err(err)?;
    loans::record_legal_fact(
        ctx,
        staff,
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
    Ok(KzLoans { l2001: l2001.id, l2003: l2003.id, l2004: l2004.id })
}
