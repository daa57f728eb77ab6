//! Table tests of the restructuring rules, one per rule, on the shipped Kazakh policy and
//! calendar.

use super::*;
use crate::error::UserErrorReason;
use crate::money::Money;
use crate::rules::calendar::tests::kz;
use crate::rules::loans::{Installment, Ledger, Payment};
use crate::rules::policy::Policy;
use crate::rules::policy::tests::shipped;
use chrono::NaiveDate;
use entity::enums::{
    ApplicationStatus, Currency, DeadlineKind, DecisionKind, Jurisdiction, Language, Obligor, RepaymentOrder,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn policy() -> Policy {
    shipped(Jurisdiction::Kz).policy
}

#[test]
fn r01_notice_due_20_calendar_days_from_the_overdue_date_and_needs_three_contents() {
    assert_eq!(notice_due(&kz(), &policy(), d("2026-03-02")).date, d("2026-03-22"));
    let complete = NoticeContents {
        overdue_amount: Some(dec!(1)),
        amount_as_of: Some(d("2026-03-02")),
        right_to_apply: true,
        consequences: true,
    };
    assert!(missing_notice_contents(&complete).is_empty());
    for (broken, field) in [
        (NoticeContents { overdue_amount: None, ..complete }, "overdueAmount"),
        (NoticeContents { amount_as_of: None, ..complete }, "amountAsOf"),
        (NoticeContents { right_to_apply: false, ..complete }, "statesRightToApply"),
        (NoticeContents { consequences: false, ..complete }, "statesConsequences"),
    ] {
        let missing = missing_notice_contents(&broken);
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].0, field);
        assert_eq!(missing[0].1.rule, Some("R1"));
    }
}

#[test]
fn r02_the_window_is_30_calendar_days_after_the_overdue_date() {
    let court = BlockingFacts { court_act_on: Some(d("2026-01-05")), ..Default::default() };
    let since = d("2026-01-01");
    let day30 = admissibility(Some(since), d("2026-01-31"), &court, &policy());
    assert!(day30.admissible, "day 30 is inside the window whatever the facts");
    assert_eq!((day30.rule, day30.days_after_overdue), ("R2", Some(30)));
    let day31 = admissibility(Some(since), d("2026-02-01"), &court, &policy());
    assert!(!day31.admissible);
    assert_eq!((day31.rule, day31.facts.as_slice()), ("R3", &[BlockingFact::CourtAct][..]));
    assert!(admissibility(None, d("2026-02-01"), &court, &policy()).admissible, "not overdue at all");
}

#[test]
fn r03_each_blocking_fact_closes_a_late_application_and_only_if_in_force_at_receipt() {
    let since = d("2026-01-01");
    let late = d("2026-03-01");
    for (facts, fact) in [
        (BlockingFacts { court_act_on: Some(since), ..Default::default() }, BlockingFact::CourtAct),
        (
            BlockingFacts { enforcement_inscription_on: Some(since), ..Default::default() },
            BlockingFact::EnforcementInscription,
        ),
        (
            BlockingFacts { settlement_agreement_on: Some(since), ..Default::default() },
            BlockingFact::SettlementAgreement,
        ),
        (BlockingFacts { claim_assigned_on: Some(since), ..Default::default() }, BlockingFact::ClaimAssigned),
    ] {
        let a = admissibility(Some(since), late, &facts, &policy());
        assert_eq!((a.admissible, a.facts), (false, vec![fact]));
    }
    let none = admissibility(Some(since), late, &BlockingFacts::default(), &policy());
    assert!(none.admissible, "late but nothing blocks it");
    let future_act = BlockingFacts { court_act_on: Some(d("2026-04-01")), ..Default::default() };
    assert!(admissibility(Some(since), late, &future_act, &policy()).admissible);
}

#[test]
fn r08_r11_r12_r13_r15_r16_deadlines() {
    let p = policy();
    assert_eq!(decision_due(&kz(), &p, d("2026-03-10")).date, d("2026-03-25"), "R8");
    assert_eq!(implementation_due(&kz(), &p, d("2026-03-10")).date, d("2026-03-25"), "R11");
    assert_eq!(documents_due(&kz(), &p, d("2026-03-20")).date, d("2026-04-01"), "R6 across Nauryz");
    assert!(check_reply_by(&p, d("2026-03-10"), d("2026-03-25")).is_ok(), "R12: 15 days");
    assert_eq!(check_reply_by(&p, d("2026-03-10"), d("2026-03-24")).expect_err("R12").rule, Some("R12"));
    assert_eq!(deemed_refusal_due(&kz(), &p, d("2026-03-10")).date, d("2026-04-09"), "R13");
    assert!(check_appeal_in_time(&p, d("2026-03-10"), d("2026-03-25")).is_ok(), "R15 day 15");
    assert_eq!(check_appeal_in_time(&p, d("2026-03-10"), d("2026-03-26")).expect_err("day 16").rule, Some("R15"));
    let home = HomeProtectionFacts {
        socially_vulnerable: true,
        business_purpose: false,
        mortgage_secured: true,
        secured_by_dwelling: true,
        repeat: false,
    };
    assert_eq!(home_protection_until(&home, d("2026-03-10"), &p), Some(d("2026-05-09")), "R16: 60 days");
    assert_eq!(home_protection_until(&HomeProtectionFacts { repeat: true, ..home }, d("2026-03-10"), &p), None);
    assert_eq!(
        home_protection_until(&HomeProtectionFacts { business_purpose: true, ..home }, d("2026-03-10"), &p),
        None
    );
    assert_eq!(
        home_protection_until(&HomeProtectionFacts { socially_vulnerable: false, ..home }, d("2026-03-10"), &p),
        None
    );
}

#[test]
fn every_status_has_its_next_statuses() {
    use ApplicationStatus as S;
    assert_eq!(next_status(S::Registered, AppStep::Decide(DecisionKind::CounterProposal)), Ok(S::CounterProposed));
    assert_eq!(next_status(S::CounterProposed, AppStep::DeemRefused), Ok(S::DeemedRefused));
    assert_eq!(next_status(S::Agreed, AppStep::Implement), Ok(S::Implemented));
    assert_eq!(next_status(S::Inadmissible, AppStep::Decide(DecisionKind::Approve)).expect_err("R3").rule, Some("R3"));
    assert!(next_status(S::Refused, AppStep::Withdraw).is_err());
    assert!(next_status(S::Approved, AppStep::Withdraw).is_err(), "withdrawn only while undecided");
    assert!(under_review(S::CounterProposed) && !under_review(S::Refused));
}

fn ledger() -> Ledger {
    // 3 000 over three months, 100 interest each; nothing paid, first installment overdue.
    let schedule: Vec<Installment> = (1..=3)
        .map(|m| Installment {
            seq: m,
            due_date: d(&format!("2026-0{m}-10")),
            principal: dec!(1000),
            interest: dec!(100),
        })
        .collect();
    Ledger::build(&schedule, &[], RepaymentOrder::InterestFirst)
}

#[test]
fn r11_a_deferral_keeps_the_payment_size_and_lengthens_the_term() {
    let terms = Terms { deferral: Some(Deferral { months: 2, interest_too: true }), ..Default::default() };
    let s = new_schedule(&ledger(), Currency::Kzt, &terms, dec!(0.4), d("2026-01-20")).expect("schedule");
    // The overdue January installment is folded into February and March, then both move two months.
    let dates: Vec<NaiveDate> = s.iter().map(|i| i.due_date).collect();
    assert_eq!(dates, vec![d("2026-04-10"), d("2026-05-10")]);
    assert_eq!(s.iter().map(|i| i.principal).sum::<Decimal>(), dec!(3000));
    assert_eq!(s[0].principal + s[0].interest, dec!(1650));
}

#[test]
fn r11_paid_parts_stay_and_forgiveness_lowers_the_principal() {
    let schedule: Vec<Installment> = (1..=3)
        .map(|m| Installment {
            seq: m,
            due_date: d(&format!("2026-0{m}-10")),
            principal: dec!(1000),
            interest: dec!(100),
        })
        .collect();
    let paid = Ledger::build(
        &schedule,
        &[Payment { paid_on: d("2026-01-10"), amount: dec!(600) }],
        RepaymentOrder::InterestFirst,
    );
    let terms = Terms { forgive_overdue_principal: dec!(500), ..Default::default() };
    let s = new_schedule(&paid, Currency::Kzt, &terms, dec!(0.4), d("2026-01-20")).expect("schedule");
    assert_eq!(
        (s[0].due_date, s[0].principal, s[0].interest),
        (d("2026-01-10"), dec!(500), dec!(100)),
        "the paid part"
    );
    assert_eq!(s.iter().map(|i| i.principal).sum::<Decimal>(), dec!(2500));
    let too_much = Terms { forgive_overdue_principal: dec!(501), ..Default::default() };
    assert_eq!(
        new_schedule(&paid, Currency::Kzt, &too_much, dec!(0.4), d("2026-01-20")).expect_err("R2").rule,
        Some("R2")
    );
}

#[test]
fn r07_the_monthly_payment_is_the_heaviest_calendar_month_from_the_change_on() {
    let rows = |r: &[(&str, Decimal)]| r.iter().map(|(d_, a)| (d(d_), *a)).collect::<Vec<_>>();
    let annuity = rows(&[("2026-01-10", dec!(1100)), ("2026-02-10", dec!(1100)), ("2026-03-10", dec!(1100))]);
    assert_eq!(monthly_payment(&annuity, d("2026-01-20")), dec!(1100), "past months do not count");
    let balloon = rows(&[("2026-02-10", dec!(100)), ("2026-03-10", dec!(100)), ("2026-04-10", dec!(3000))]);
    assert_eq!(monthly_payment(&balloon, d("2026-01-20")), dec!(3000), "judged by its heaviest month");
    let twice = rows(&[("2026-02-01", dec!(600)), ("2026-02-25", dec!(600)), ("2026-03-01", dec!(1000))]);
    assert_eq!(monthly_payment(&twice, d("2026-01-20")), dec!(1200), "two installments in one month add up");
    assert_eq!(monthly_payment(&annuity, d("2026-03-10")), dec!(1100), "an installment due on the day counts");
    assert_eq!(monthly_payment(&balloon, d("2026-05-01")), dec!(3000), "a matured schedule: its largest month");
    assert_eq!(monthly_payment(&[], d("2026-05-01")), Decimal::ZERO);
}

/// R7/R10 on the three-month ledger (3 000 at 40 %, 1 000 + 100 a month, nothing paid):
/// the burden of `terms` on `start` with 5 000 of income and 200 of other debts.
fn burden_of(terms: Terms, start: NaiveDate) -> Burden {
    burden(&ledger(), &terms, dec!(0.4), start, Money::new(dec!(5000), Currency::Kzt), dec!(200), &policy())
        .expect("burden")
}

fn rate(r: Decimal) -> Terms {
    Terms { new_annual_rate: Some(r), ..Default::default() }
}

fn term(months: u32) -> Terms {
    Terms { new_term_months: Some(months), ..Default::default() }
}

/// January's 1 100 is overdue on 20 January.
fn overdue() -> NaiveDate {
    d("2026-01-20")
}

/// (case, terms, monthly payment before, after) on `overdue()`; every case is allowed.
fn assert_lowered(cases: &[(&str, Terms, Decimal, Decimal)]) {
    for (case, terms, before, after) in cases.iter().cloned() {
        let b = burden_of(terms, overdue());
        assert_eq!((b.payment_before, b.payment_after), (before, after), "{case}");
        assert_eq!(b.ratio_before, ((before + dec!(200)) / dec!(5000)).round_dp(4), "{case}");
        assert_eq!(b.ratio_after, ((after + dec!(200)) / dec!(5000)).round_dp(4), "{case}");
        assert!(check_lowers_burden(&b, Currency::Kzt).is_ok(), "{case}: {b:?}");
    }
}

/// (case, terms, monthly payment before, after) on `start`; every case is refused.
fn assert_refused(start: NaiveDate, cases: &[(&str, Terms, Decimal, Decimal)]) {
    for (case, terms, before, after) in cases.iter().cloned() {
        let b = burden_of(terms, start);
        assert_eq!((b.payment_before, b.payment_after), (before, after), "{case}");
        assert_eq!(check_lowers_burden(&b, Currency::Kzt).expect_err(case).rule, Some("R10"), "{case}");
    }
}

// Before, on 20 January, for every change of rate or term: the terms in force over the
// whole 3 000 (January's arrears included) and the two months left. February carries
// 1 000 + 500 of January's principal, 3 000 x 40 % / 12 = 100 of interest and 50 of
// January's 100 interest: 1 650, the heaviest month (March: 1 500 + 50 + 50 = 1 600).

#[test]
fn r10_rate_cut_on_an_overdue_loan_lowers_the_burden() {
    assert_lowered(&[
        // February: 1 500 + 3 000 x 10 % / 12 = 25 + 50. The 1 100 in force leaves January's
        // arrears out: against it, a cut would look like a raise.
        ("40 % -> 10 %", rate(dec!(0.1)), dec!(1650), dec!(1575)),
        // February: 1 500 + 0 + 50.
        ("40 % -> 0 %", rate(dec!(0)), dec!(1650), dec!(1550)),
        // 3 000 over six months: 500 + 3 000 x 20 % / 12 = 50 + 100 / 6 = 16.67.
        (
            "40 % -> 20 % over six months",
            Terms { new_annual_rate: Some(dec!(0.2)), new_term_months: Some(6), ..Default::default() },
            dec!(1650),
            dec!(566.67),
        ),
    ]);
    // Before any overdue (5 January): January 1 000 + 100 at 40 %, 1 000 + 25 at 10 %.
    let b = burden_of(rate(dec!(0.1)), d("2026-01-05"));
    assert_eq!((b.payment_before, b.payment_after), (dec!(1100), dec!(1025)));
    assert_eq!((b.ratio_before, b.ratio_after), (dec!(0.26), dec!(0.245)), "(1 100 + 200) / 5 000");
}

#[test]
fn r10_a_longer_term_or_forgiven_arrears_lower_the_burden() {
    assert_lowered(&[
        // 3 000 over 12 months: 250 + 100 of interest + 100 / 12 = 8.33.
        ("term 2 -> 12 months", term(12), dec!(1650), dec!(358.33)),
        // The interest as scheduled on both sides; February: 1 000 + 250 + 100 + 50.
        (
            "500 of overdue principal forgiven",
            Terms { forgive_overdue_principal: dec!(500), ..Default::default() },
            dec!(1650),
            dec!(1400),
        ),
        // February: 1 500 + 100.
        (
            "the overdue interest forgiven",
            Terms { forgive_overdue_interest: dec!(100), ..Default::default() },
            dec!(1650),
            dec!(1600),
        ),
    ]);
}

#[test]
fn r10_rate_raise_or_shorter_term_is_refused_whatever_the_arrears() {
    assert_refused(
        overdue(),
        &[
            // February: 1 500 + 3 000 x 90 % / 12 = 225 + 50.
            ("40 % -> 90 %", rate(dec!(0.9)), dec!(1650), dec!(1775)),
            // February: 1 500 + 102.50 + 50: the smallest raise is refused too.
            ("40 % -> 41 %", rate(dec!(0.41)), dec!(1650), dec!(1652.50)),
            // All 3 000 in February, with 100 of interest and January's 100.
            ("term 2 -> 1 month", term(1), dec!(1650), dec!(3200)),
        ],
    );
    // Not overdue: January 1 000 + 3 000 x 50 % / 12 = 125.
    assert_refused(d("2026-01-05"), &[("40 % -> 50 %", rate(dec!(0.5)), dec!(1100), dec!(1125))]);
}

#[test]
fn r10_folding_the_arrears_alone_lowers_nothing() {
    assert_refused(
        overdue(),
        &[
            ("the same rate", rate(dec!(0.4)), dec!(1650), dec!(1650)),
            ("the same two months", term(2), dec!(1650), dec!(1650)),
            // The interest as scheduled: February and March 1 500 + 100 + 50 on both sides.
            (
                "another repayment order",
                Terms { repayment_order: Some(RepaymentOrder::PrincipalFirst), ..Default::default() },
                dec!(1650),
                dec!(1650),
            ),
            // The same payments, two months later (April and May).
            (
                "a deferral alone",
                Terms { deferral: Some(Deferral { months: 2, interest_too: true }), ..Default::default() },
                dec!(1650),
                dec!(1650),
            ),
        ],
    );
}

#[test]
fn r07_the_burden_needs_an_income_and_r10_names_both_payments_at_the_currencys_scale() {
    let terms = term(12);
    let refused =
        burden(&ledger(), &terms, dec!(0.4), overdue(), Money::new(Decimal::ZERO, Currency::Kzt), dec!(200), &policy());
    assert_eq!(refused.expect_err("R7").rule, Some("R7"));
    let b = burden_of(rate(dec!(0.9)), overdue());
    let r = check_lowers_burden(&b, Currency::Kzt).expect_err("R10");
    assert_eq!(r.params["monthlyPaymentBefore"], "1650.00");
    assert_eq!(r.params["monthlyPaymentAfter"], "1775.00");
    // (1 650 + 200) / 5 000 and (1 775 + 200) / 5 000 against the policy's limit (data).
    assert_eq!((b.ratio_before, b.ratio_after, b.limit), (dec!(0.37), dec!(0.395), dec!(0.5)));
    assert!(b.within_limit(), "within the limit, and still refused: R10 is about lowering");
}

#[test]
fn d01_the_letter_carries_every_required_field_in_the_applications_language() {
    let f = RefusalLetterFacts {
        borrower_name: "Sadykova Aigerim".into(),
        borrower_address: Some("Almaty, Satpayev 30".into()),
        creditor: "Qomeq Finance LLP".into(),
        application_date: d("2026-03-01"),
        incoming_number: "R-2026/000007".into(),
        incoming_date: d("2026-03-02"),
        contract_number: "MK-2001/24".into(),
        contract_date: d("2024-11-05"),
        reasons: "the income stated does not cover any schedule".into(),
        signatory: "Omarov D. K.".into(),
    };
    for lang in [Language::Ru, Language::Kk] {
        let text = refusal_letter(lang, &f);
        for part in [
            "Sadykova Aigerim",
            "Almaty, Satpayev 30",
            "Qomeq Finance LLP",
            "01.03.2026",
            "R-2026/000007",
            "02.03.2026",
            "MK-2001/24",
            "05.11.2024",
            "the income stated",
            "Omarov D. K.",
        ] {
            assert!(text.contains(part), "{lang:?} letter lacks {part}:\n{text}");
        }
    }
    assert!(refusal_letter(Language::Ru, &f).contains("Отказ в изменении условий"));
    assert!(refusal_letter(Language::Kk, &f).contains("бас тарту"));
}

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().expect("instant")
}

fn submitted(received: &str, overdue_since: Option<&str>, blocking: BlockingFacts) -> SubmissionFacts {
    SubmissionFacts {
        by_borrower: false,
        channel: entity::enums::SubmissionChannel::InPerson,
        language: Language::Ru,
        application_date: None,
        received_at: at(received),
        contract_date: d("2025-06-01"),
        mfo_founded_on: None,
        overdue_since: overdue_since.map(d),
        blocking,
    }
}

#[test]
fn r05_r08_an_application_inside_the_window_is_registered_and_answered_within_15_days() {
    let f = submitted("2026-03-10T05:00:00Z", Some("2026-03-01"), BlockingFacts::default());
    let s = submission(&f, at("2026-03-12T05:00:00Z"), &kz(), &policy()).expect("registered");
    assert_eq!((s.status, s.admissible, s.admissibility_rule), (ApplicationStatus::Registered, true, "R2"));
    assert!(s.inadmissible_facts.is_empty());
    assert_eq!(s.refusal_draft, None);
    assert_eq!(s.received_at, at("2026-03-10T05:00:00Z"));
    assert_eq!(s.application_date, d("2026-03-10"), "undated: the day of receipt");
    assert_eq!(s.decision_due.date, d("2026-03-25"), "R8 runs from receipt, not registration");
    assert_eq!(s.channel, entity::enums::SubmissionChannel::InPerson);
    assert_eq!(s.incoming_year, 2026);
    let dated = SubmissionFacts { application_date: Some(d("2026-03-09")), ..f };
    assert_eq!(
        submission(&dated, f.received_at, &kz(), &policy()).expect("registered").application_date,
        d("2026-03-09")
    );
}

#[test]
fn r03_d01_a_late_application_with_a_court_act_is_registered_inadmissible_with_its_refusal_drafted() {
    let court = BlockingFacts { court_act_on: Some(d("2026-01-05")), ..Default::default() };
    let f = submitted("2026-03-10T05:00:00Z", Some("2026-01-01"), court);
    let s = submission(&f, f.received_at, &kz(), &policy()).expect("registered all the same (R5)");
    assert_eq!((s.status, s.admissible, s.admissibility_rule), (ApplicationStatus::Inadmissible, false, "R3"));
    assert_eq!(s.inadmissible_facts, vec![BlockingFact::CourtAct]);
    assert_eq!(s.decision_due.date, d("2026-03-25"), "R8 applies admissible or not");
    let ru = s.refusal_draft.expect("D1 drafted");
    assert!(ru.contains("(68 дн.)") && ru.contains("судебного акта"), "{ru}");
    let kk = SubmissionFacts { language: Language::Kk, ..f };
    let kk = submission(&kk, f.received_at, &kz(), &policy()).expect("registered").refusal_draft.expect("D1");
    assert!(kk.contains("(68 күн)") && kk.contains("сот актісі"), "{kk}");
    let late_unblocked = submitted("2026-03-10T05:00:00Z", Some("2026-01-01"), BlockingFacts::default());
    let s = submission(&late_unblocked, f.received_at, &kz(), &policy()).expect("registered");
    assert_eq!((s.status, s.admissibility_rule, s.refusal_draft), (ApplicationStatus::Registered, "R3", None));
}

#[test]
fn r08_the_apps_submissions_are_received_when_sent_and_staff_give_the_day_of_receipt() {
    let (now, earlier) = (at("2026-03-12T05:00:00Z"), at("2026-03-10T05:00:00Z"));
    assert_eq!(received_at(true, Some(earlier), now), now);
    assert_eq!(received_at(false, Some(earlier), now), earlier);
    assert_eq!(received_at(false, None, now), now);
    let app =
        SubmissionFacts { by_borrower: true, ..submitted("2026-03-12T05:00:00Z", None, BlockingFacts::default()) };
    let s = submission(&app, now, &kz(), &policy()).expect("registered");
    assert_eq!(s.channel, entity::enums::SubmissionChannel::MobileApp);
    assert_eq!((s.admissible, s.admissibility_rule), (true, "R2"), "not overdue: admissible");
}

#[test]
fn r08_receipt_before_the_loans_contract_is_refused_and_on_its_day_accepted() {
    let f = SubmissionFacts {
        contract_date: d("2026-03-11"),
        ..submitted("2026-03-10T05:00:00Z", None, Default::default())
    };
    let e = submission(&f, f.received_at, &kz(), &policy()).expect_err("before the contract");
    assert_eq!((e.rule.as_deref(), e.reason), (Some("R8"), UserErrorReason::DateOutOfRange));
    assert_eq!(e.params.get("notBefore"), Some(&serde_json::json!("2026-03-11")));
    let same_day = SubmissionFacts { contract_date: d("2026-03-10"), ..f };
    assert!(submission(&same_day, f.received_at, &kz(), &policy()).is_ok());
}

#[test]
fn r08_receipt_before_the_mfo_was_founded_is_refused_and_on_its_day_accepted() {
    // The loan predates its MFO (a portfolio taken over); the application cannot.
    let f = SubmissionFacts {
        mfo_founded_on: Some(d("2026-03-11")),
        ..submitted("2026-03-10T05:00:00Z", None, Default::default())
    };
    let e = submission(&f, f.received_at, &kz(), &policy()).expect_err("before the founding");
    assert_eq!((e.rule.as_deref(), e.reason), (Some("R8"), UserErrorReason::DateOutOfRange));
    assert_eq!(e.params.get("notBefore"), Some(&serde_json::json!("2026-03-11")));
    let same_day = SubmissionFacts { mfo_founded_on: Some(d("2026-03-10")), ..f };
    assert!(submission(&same_day, f.received_at, &kz(), &policy()).is_ok());
}

#[test]
fn r08_the_incoming_year_is_the_local_year_of_registration_not_of_receipt() {
    let f = submitted("2026-12-30T05:00:00Z", None, BlockingFacts::default());
    // 31 December 20:00 UTC is already 1 January in Almaty.
    let s = submission(&f, at("2026-12-31T20:00:00Z"), &kz(), &policy()).expect("registered");
    assert_eq!(s.incoming_year, 2027);
}

fn decided<'a>(kind: DecisionKind, terms: Option<&'a Terms>, ledger: &'a Ledger) -> DecisionFacts<'a> {
    DecisionFacts {
        status: ApplicationStatus::Registered,
        received_at: at("2026-01-15T05:00:00Z"),
        monthly_income: Some(dec!(5000)),
        other_monthly_debt_payments: dec!(200),
        currency: Currency::Kzt,
        annual_rate: dec!(0.4),
        kind,
        proposal: terms.map(|terms| Proposal { terms, ledger }),
        reasons: None,
        drafted_reasons: None,
        reply_by: None,
        delivered_at: None,
    }
}

/// 20 January, 10:00 in Almaty: `overdue()`.
fn decide_now() -> chrono::DateTime<chrono::Utc> {
    at("2026-01-20T05:00:00Z")
}

fn decide(f: &DecisionFacts<'_>) -> Result<DecisionPlan, Vec<crate::error::UserError>> {
    decision(f, decide_now(), &kz(), &policy())
}

/// The one user error of a refused decision: its field, rule and reason.
fn refusal_of(r: Result<DecisionPlan, Vec<crate::error::UserError>>) -> (String, Option<String>, UserErrorReason) {
    let e = r.expect_err("refused");
    assert_eq!(e.len(), 1, "{e:?}");
    (format!("{:?}", e[0].field), e[0].rule.clone(), e[0].reason)
}

#[test]
fn r10_r11_an_approval_that_lowers_the_burden_is_signed_and_its_implementation_falls_due() {
    let (l, cut) = (ledger(), rate(dec!(0.1)));
    let plan = decide(&decided(DecisionKind::Approve, Some(&cut), &l)).expect("approved");
    assert_eq!((plan.step, plan.status), (AppStep::Decide(DecisionKind::Approve), ApplicationStatus::Approved));
    assert_eq!(plan.delivered_at, decide_now(), "delivered when signed unless said otherwise");
    let b = plan.burden.expect("R7 checked");
    assert_eq!((b.payment_before, b.payment_after), (dec!(1650), dec!(1575)));
    let next = plan.next_deadline.expect("R11");
    assert_eq!((next.kind, next.rule, next.obligor), (DeadlineKind::DecisionImplementation, "R11", Obligor::Mfo));
    assert_eq!(next.due, implementation_due(&kz(), &policy(), overdue()));
}

#[test]
fn r10_terms_that_raise_the_burden_are_refused_on_the_terms_and_r07_without_income_on_the_application() {
    let (l, raise) = (ledger(), rate(dec!(0.5)));
    let (field, rule, reason) = refusal_of(decide(&decided(DecisionKind::Approve, Some(&raise), &l)));
    assert!(field.contains("terms"), "{field}");
    assert_eq!((rule.as_deref(), reason), (Some("R10"), UserErrorReason::DebtBurdenNotLowered));
    let cut = rate(dec!(0.1));
    let no_income = DecisionFacts { monthly_income: None, ..decided(DecisionKind::Approve, Some(&cut), &l) };
    let (field, rule, reason) = refusal_of(decide(&no_income));
    assert!(field.contains("applicationId"), "{field}");
    assert_eq!((rule.as_deref(), reason), (Some("R7"), UserErrorReason::IncomeRequired));
}

#[test]
fn r03_an_inadmissible_application_is_only_refused_and_r08_a_refusal_gives_its_reasons() {
    let (l, cut) = (ledger(), rate(dec!(0.1)));
    let late =
        DecisionFacts { status: ApplicationStatus::Inadmissible, ..decided(DecisionKind::Approve, Some(&cut), &l) };
    assert_eq!(refusal_of(decide(&late)).1.as_deref(), Some("R3"));
    let refuse = DecisionFacts { status: ApplicationStatus::Inadmissible, ..decided(DecisionKind::Refuse, None, &l) };
    let (_, rule, reason) = refusal_of(decide(&refuse));
    assert_eq!((rule.as_deref(), reason), (Some("R8"), UserErrorReason::RefusalReasonsRequired));
    for (given, drafted, reasons) in [
        (Some("no income"), Some("late"), "no income"),
        (Some("  "), Some("late"), "late"),
        (None, Some("late"), "late"),
    ] {
        let f = DecisionFacts { reasons: given, drafted_reasons: drafted, ..refuse };
        let plan = decide(&f).expect("refused as asked");
        assert_eq!(plan.reasons.as_deref(), Some(reasons), "{given:?}");
        assert_eq!((plan.status, plan.burden, plan.next_deadline), (ApplicationStatus::Refused, None, None));
    }
}

#[test]
fn r12_r13_a_counter_proposal_leaves_15_days_to_reply_and_is_deemed_refused_after_30() {
    let (l, cut) = (ledger(), rate(dec!(0.1)));
    let delivered = at("2026-01-19T05:00:00Z");
    let f = DecisionFacts {
        reply_by: Some(d("2026-02-03")),
        delivered_at: Some(delivered),
        ..decided(DecisionKind::CounterProposal, Some(&cut), &l)
    };
    let plan = decide(&f).expect("proposed");
    assert_eq!((plan.status, plan.delivered_at), (ApplicationStatus::CounterProposed, delivered));
    let next = plan.next_deadline.expect("R13");
    assert_eq!((next.kind, next.rule, next.obligor), (DeadlineKind::CounterProposalReply, "R13", Obligor::Borrower));
    assert_eq!(next.due, deemed_refusal_due(&kz(), &policy(), d("2026-01-19")), "from delivery");
    let short = DecisionFacts { reply_by: Some(d("2026-02-02")), ..f };
    assert_eq!(refusal_of(decide(&short)).1.as_deref(), Some("R12"));
}

#[test]
fn r08_a_decision_is_delivered_between_receipt_and_now_and_r02_forgiveness_in_minor_units() {
    let l = ledger();
    for delivered in ["2026-01-15T04:59:59Z", "2026-01-20T05:00:01Z"] {
        let f = DecisionFacts { delivered_at: Some(at(delivered)), ..decided(DecisionKind::Refuse, None, &l) };
        let (field, rule, reason) = refusal_of(decide(&DecisionFacts { reasons: Some("x"), ..f }));
        assert!(field.contains("deliveredAt"), "{field}");
        assert_eq!((rule, reason), (None, UserErrorReason::DateOutOfRange), "{delivered}");
    }
    let finer = Terms { forgive_overdue_principal: dec!(0.001), ..Default::default() };
    let (field, _, reason) = refusal_of(decide(&decided(DecisionKind::Approve, Some(&finer), &l)));
    assert!(field.contains("forgiveOverduePrincipal"), "{field}");
    assert_eq!(reason, UserErrorReason::FinerThanMinorUnit);
}
