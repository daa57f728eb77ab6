//! The demo's delinquency notice and restructuring applications in every state, played over
//! forty days on the manual clock through `services::restructuring` and `services::appeals`.
//! The scanner, not this file, makes periods lapse.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::enums::{
    CounterProposalResponse, DecisionKind, HardshipGround, Jurisdiction, Language, NoticeChannel, RestructuringMeasure,
    Role, SubmissionChannel,
};
use rust_decimal::Decimal;

use super::book::KzLoans;
use super::{as_role, err};
use crate::auth::Principal;
use crate::clock::{Clock, ManualClock};
use crate::events::scanner::Scanner;
use crate::ids::{ApplicationId, LoanId};
use crate::rules::restructuring::{Deferral, Terms};
use crate::services::{Ctx, appeals, restructuring};

/// R1: the notice on Aigerim's overdue loan.
pub(super) async fn notice(
    ctx: &Ctx,
    staff: &Principal,
    l2001: uuid::Uuid,
    sent_at: DateTime<Utc>,
    today: NaiveDate,
) -> anyhow::Result<()> {
    restructuring::record_notice(
        ctx,
        staff,
        restructuring::NoticeInput {
            loan_id: LoanId(l2001),
            sent_at,
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
    Ok(())
}

/// Applications left without review, deemed refused, refused and appealed, approved and
/// implemented, withdrawn, counter-proposed and rejected, agreed, waiting, with documents
/// requested, fresh and inadmissible, each on its day of the forty.
pub(super) async fn applications(
    ctx: &Ctx,
    clock: &ManualClock,
    scanner: &Scanner,
    staff: &Principal,
    aigerim_app: &Principal,
    t0: DateTime<Utc>,
    kz: &KzLoans,
) -> anyhow::Result<()> {
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
        decide(DecisionKind::CounterProposal, longer(), None, Some(local_today(clock) + Duration::days(days)))
    };

    // Day 0: one left without review (documents never come), one deemed refused.
    let lwr = restructuring::submit(ctx, staff, submit(kz.l2003, 300_000)).await.map_err(err)?;
    restructuring::request_documents(
        ctx,
        staff,
        id(&lwr),
        vec![restructuring::RequestedItem {
            kind: "INCOME_CERTIFICATE".into(),
            description: "Income for the last 6 months".into(),
        }],
        None,
    )
    .await
    .map_err(err)?;
    let deemed = restructuring::submit(ctx, staff, submit(kz.l2003, 300_000)).await.map_err(err)?;
    restructuring::decide(ctx, &manager, id(&deemed), counter(20)).await.map_err(err)?;
    // Day 1: refused, then appealed.
    step(1);
    let refused = restructuring::submit(ctx, staff, submit(kz.l2001, 120_000)).await.map_err(err)?;
    restructuring::decide(
        ctx,
        &manager,
        id(&refused),
        decide(DecisionKind::Refuse, None, Some("the stated income does not cover any schedule we can offer."), None),
    )
    .await
    .map_err(err)?;
    // Day 2: approved and implemented on Dana's loan.
    step(2);
    let done = restructuring::submit(ctx, staff, submit(kz.l2003, 300_000)).await.map_err(err)?;
    restructuring::decide(
        ctx,
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
    restructuring::implement(ctx, staff, id(&done)).await.map_err(err)?;
    // Day 3: withdrawn by the borrower.
    step(3);
    let withdrawn = restructuring::submit(ctx, staff, submit(kz.l2001, 150_000)).await.map_err(err)?;
    restructuring::withdraw(ctx, aigerim_app, id(&withdrawn)).await.map_err(err)?;
    // Day 5: a counter-proposal the borrower rejects; Aigerim appeals her refusal.
    step(5);
    let rejected = restructuring::submit(ctx, staff, submit(kz.l2001, 150_000)).await.map_err(err)?;
    restructuring::decide(ctx, &manager, id(&rejected), counter(15)).await.map_err(err)?;
    step(6);
    restructuring::respond(ctx, aigerim_app, id(&rejected), CounterProposalResponse::Reject).await.map_err(err)?;
    appeals::file(
        ctx,
        aigerim_app,
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
    let agreed = restructuring::submit(ctx, staff, submit(kz.l2001, 150_000)).await.map_err(err)?;
    restructuring::decide(ctx, &manager, id(&agreed), counter(15)).await.map_err(err)?;
    step(21);
    restructuring::respond(ctx, aigerim_app, id(&agreed), CounterProposalResponse::Accept).await.map_err(err)?;
    // Day 31: the day-0 counter-proposal is deemed refused.
    step(31);
    scanner.tick().await.map_err(err)?;
    // Day 33: a counter-proposal still waiting for an answer; day 35: an approval to implement.
    step(33);
    let waiting = restructuring::submit(ctx, staff, submit(kz.l2001, 150_000)).await.map_err(err)?;
    restructuring::decide(ctx, &manager, id(&waiting), counter(15)).await.map_err(err)?;
    step(35);
    let approved = restructuring::submit(ctx, staff, submit(kz.l2001, 150_000)).await.map_err(err)?;
    restructuring::decide(ctx, &manager, id(&approved), decide(DecisionKind::Approve, longer(), None, None))
        .await
        .map_err(err)?;
    // Day 38: documents requested; day 39: a fresh one and an inadmissible one.
    step(38);
    let docs = restructuring::submit(ctx, staff, submit(kz.l2001, 150_000)).await.map_err(err)?;
    restructuring::request_documents(
        ctx,
        staff,
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
    restructuring::submit(ctx, staff, submit(kz.l2001, 150_000)).await.map_err(err)?;
    restructuring::submit(ctx, staff, submit(kz.l2004, 180_000)).await.map_err(err)?;
    Ok(())
}
