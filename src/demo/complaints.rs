//! The demo's complaints: every status and reception hours at the KG MFO, two complaints at
//! the KZ MFO, registered and handled through `services::complaints`.

use chrono::Duration;
use entity::enums::{Currency, Language, LoanStatus, RepaymentOrder, Role};
use entity::organization;
use rust_decimal::Decimal;

use super::{as_role, err, loader_principal, monthly_schedule};
use crate::ids::BorrowerId;
use crate::money::Money;
use crate::services::Ctx;
use crate::services::loans::{self, BorrowerInput, LoanInput};

/// Complaints in every status, reception hours and a KG borrower, at the KG MFO (the
/// complaint procedure is the Kyrgyz seed's).
pub(super) async fn complaints(ctx: &Ctx, mfo: &organization::Model) -> anyhow::Result<()> {
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
            schedule: monthly_schedule(issued, 4, Money::new(principal, Currency::Kgs), rate),
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
pub(super) async fn kz_complaints(ctx: &Ctx, mfo: &organization::Model, aigerim: uuid::Uuid) -> anyhow::Result<()> {
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
