//! Table tests of the collection verdicts at exact boundaries, on the shipped Kazakh policy
//! and calendar (local Almaty time).

use super::*;
use crate::i18n::Lang;
use crate::rules::calendar::tests::kz;
use crate::rules::policy::tests::shipped;
use chrono::NaiveTime;
use entity::enums::Jurisdiction;

fn p() -> Policy {
    shipped(Jurisdiction::Kz).policy
}

/// Local Almaty time (UTC+5) as UTC.
fn almaty(s: &str) -> DateTime<Utc> {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("time").and_utc() - chrono::Duration::hours(5)
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn overdue(since: &str) -> Facts {
    Facts { overdue_since: Some(d(since)), contract_allows_agency: true, ..Facts::default() }
}

fn v(action: CollectionAction, f: &Facts, at: &str) -> Verdict {
    verdict(action, f, almaty(at), &kz(), &p())
}

#[test]
fn x3_calls_only_between_08_00_and_21_00_on_working_days() {
    let f = overdue("2026-03-01");
    // (local time, allowed, next allowed at, why)
    let cases = [
        ("2026-03-17 07:59:59", false, Some("2026-03-17 08:00:00"), "before the window on a Tuesday"),
        ("2026-03-17 08:00:00", true, None, "08:00 is inside"),
        ("2026-03-17 20:59:59", true, None, "20:59:59 is inside"),
        ("2026-03-17 21:00:00", false, Some("2026-03-18 08:00:00"), "21:00 is outside"),
        ("2026-03-21 12:00:00", false, Some("2026-03-26 08:00:00"), "Saturday before Nauryz"),
        ("2026-03-23 12:00:00", false, Some("2026-03-26 08:00:00"), "KZ day off (Nauryz)"),
        ("2025-01-05 12:00:00", true, None, "a worked Sunday is a working day"),
    ];
    for (at, allowed, next, why) in cases {
        let verdict = v(CollectionAction::Call, &f, at);
        assert_eq!(verdict.allowed, allowed, "{why}: {verdict:?}");
        assert_eq!(verdict.next_allowed_at, next.map(almaty), "{why}");
        if !allowed {
            assert_eq!(verdict.basis, vec!["X3"], "{why}");
        }
    }
}

fn call(at: &str) -> ContactFact {
    ContactFact { at: almaty(at), channel: ContactChannel::Call, party: ContactParty::Borrower }
}

fn meeting(at: &str) -> ContactFact {
    ContactFact { at: almaty(at), channel: ContactChannel::OfficeMeeting, party: ContactParty::Borrower }
}

#[test]
fn x3_the_fourth_call_of_a_day_is_refused_until_the_next_working_day() {
    let mut f = overdue("2026-03-01");
    f.contacts = vec![call("2026-03-17 09:00:00"), call("2026-03-17 10:00:00")];
    let third = v(CollectionAction::Call, &f, "2026-03-17 11:00:00");
    assert_eq!((third.allowed, third.remaining), (true, Some(1)));
    f.contacts.push(call("2026-03-17 11:00:00"));
    let fourth = v(CollectionAction::Call, &f, "2026-03-17 12:00:00");
    assert_eq!((fourth.allowed, fourth.remaining), (false, Some(0)));
    assert_eq!(fourth.next_allowed_at, Some(almaty("2026-03-18 08:00:00")));
    // Calls to a third party and texts do not count.
    f.contacts = vec![ContactFact { party: ContactParty::ThirdParty, ..call("2026-03-17 09:00:00") }; 3];
    assert!(v(CollectionAction::Call, &f, "2026-03-17 12:00:00").allowed);
    // Another day starts afresh.
    f.contacts = vec![call("2026-03-16 09:00:00"); 3];
    assert!(v(CollectionAction::Call, &f, "2026-03-17 08:00:00").allowed);
}

#[test]
fn x4_one_meeting_a_day_and_three_a_week() {
    let mut f = overdue("2026-03-01");
    f.contacts = vec![meeting("2026-03-16 10:00:00")];
    let second_today = v(CollectionAction::OfficeMeeting, &f, "2026-03-16 15:00:00");
    assert!(!second_today.allowed);
    assert_eq!(second_today.next_allowed_at, Some(almaty("2026-03-17 08:00:00")));
    f.contacts = vec![meeting("2026-03-16 10:00:00"), meeting("2026-03-17 10:00:00"), meeting("2026-03-18 10:00:00")];
    let fourth = v(CollectionAction::OfficeMeeting, &f, "2026-03-19 10:00:00");
    assert!(!fourth.allowed, "the fourth of the week");
    // Next week opens on Monday 23 March, a KZ day off: Thursday 26 March.
    assert_eq!(fourth.next_allowed_at, Some(almaty("2026-03-26 08:00:00")));
    f.contacts = vec![meeting("2026-03-16 10:00:00"), meeting("2026-03-17 10:00:00")];
    let third = v(CollectionAction::OfficeMeeting, &f, "2026-03-19 10:00:00");
    assert_eq!((third.allowed, third.remaining), (true, Some(1)));
    assert!(
        !v(CollectionAction::OfficeMeeting, &overdue("2026-03-01"), "2026-03-21 10:00:00").allowed,
        "not on a Saturday"
    );
}

#[test]
fn r09_no_early_repayment_demand_while_an_application_is_under_review() {
    let mut f = overdue("2026-03-01");
    assert!(v(CollectionAction::DemandEarlyRepayment, &f, "2026-03-17 10:00:00").allowed);
    f.application_under_review = true;
    let r = v(CollectionAction::DemandEarlyRepayment, &f, "2026-03-17 10:00:00");
    assert_eq!((r.allowed, r.basis, r.next_allowed_at), (false, vec!["R9"], None));
}

#[test]
fn r18_at_an_agency_no_lawsuit_no_interest_no_penalties() {
    let mut f = overdue("2026-03-01");
    f.at_agency = true;
    f.mortgage_secured = true;
    for a in [
        CollectionAction::FileLawsuit,
        CollectionAction::Foreclose,
        CollectionAction::ChargeInterest,
        CollectionAction::AccruePenalty,
    ] {
        let r = v(a, &f, "2026-03-17 10:00:00");
        assert!(!r.allowed && r.basis == vec!["R18"], "{a:?}: {r:?}");
    }
    assert!(v(CollectionAction::Call, &f, "2026-03-17 10:00:00").allowed, "the agency may call");
    f.at_agency = false;
    assert!(v(CollectionAction::ChargeInterest, &f, "2026-03-17 10:00:00").allowed);
}

#[test]
fn r17_3_claim_assignment_after_90_days_or_180_when_mortgaged_never_in_insolvency() {
    let mut f = overdue("2026-01-01");
    f.business_purpose = true; // R14 aside
    // Day 90 is 2026-03-31, day 91 is 2026-04-01.
    let day90 = v(CollectionAction::AssignClaim, &f, "2026-03-31 12:00:00");
    assert!(!day90.allowed);
    assert_eq!(day90.next_allowed_at, Some(almaty("2026-04-01 00:00:00")));
    assert!(v(CollectionAction::AssignClaim, &f, "2026-04-01 00:00:00").allowed, "day 91");
    f.mortgage_secured = true;
    // Day 180 is 2026-06-29, day 181 is 2026-06-30.
    assert!(!v(CollectionAction::AssignClaim, &f, "2026-06-29 12:00:00").allowed);
    assert!(v(CollectionAction::AssignClaim, &f, "2026-06-30 09:00:00").allowed);
    f.insolvency_from = Some(d("2026-06-01"));
    let r = v(CollectionAction::AssignClaim, &f, "2026-06-30 09:00:00");
    assert_eq!((r.allowed, r.basis, r.next_allowed_at), (false, vec!["R17.3"], None));
    f.insolvency_to = Some(d("2026-07-10"));
    assert_eq!(
        v(CollectionAction::AssignClaim, &f, "2026-06-30 09:00:00").next_allowed_at,
        Some(almaty("2026-07-11 00:00:00"))
    );
    assert!(v(CollectionAction::AssignClaim, &f, "2026-07-11 09:00:00").allowed);
}

#[test]
fn r14_a_consumer_loans_claim_goes_to_an_agency_only_after_a_reducing_settlement_within_24_months() {
    let mut f = overdue("2026-01-01");
    let r = v(CollectionAction::AssignClaimToAgency, &f, "2026-06-01 10:00:00");
    assert_eq!((r.allowed, r.basis, r.next_allowed_at), (false, vec!["R14"], None));
    assert_eq!(
        r.reasons,
        vec![Reason::NoReducingSettlement { months: 24, window_end: d("2028-01-01"), passed: false }],
        "settlement first: no agency before one, though the 24 months still run"
    );
    assert!(
        v(CollectionAction::AssignClaim, &f, "2026-06-01 10:00:00").allowed,
        "the same claim may go to a bank: R17.3 only"
    );
    f.reducing_settlement_on = Some(d("2027-12-31"));
    assert!(
        v(CollectionAction::AssignClaimToAgency, &f, "2028-01-05 10:00:00").allowed,
        "settled inside the 24 months"
    );
    f.reducing_settlement_on = Some(d("2028-01-02"));
    let late = v(CollectionAction::AssignClaimToAgency, &f, "2028-01-05 10:00:00");
    assert!(!late.allowed, "settled after them");
    assert_eq!(
        late.reasons,
        vec![Reason::NoReducingSettlement { months: 24, window_end: d("2028-01-01"), passed: true }]
    );
    assert!(late.reasons[0].message().render(Lang::Ru).contains("до 2028-01-01"), "{:?}", late.reasons);
    f.reducing_settlement_on = Some(d("2026-02-01"));
    let early = v(CollectionAction::AssignClaimToAgency, &f, "2026-03-01 10:00:00");
    assert_eq!((early.allowed, early.basis), (false, vec!["R17.3"]), "R14 met, R17.3 still counts its 90 days");
    f.business_purpose = true;
    f.reducing_settlement_on = None;
    assert!(
        v(CollectionAction::AssignClaimToAgency, &f, "2026-06-01 10:00:00").allowed,
        "business loans are outside R14"
    );
}

#[test]
fn r16_no_foreclosure_while_a_protected_appeal_runs_until_day_60_but_a_suit_for_the_debt_is_not_barred() {
    let mut f = overdue("2026-01-01");
    f.mortgage_secured = true;
    f.home_protected_until = Some(d("2026-05-01"));
    let r = v(CollectionAction::Foreclose, &f, "2026-05-01 12:00:00");
    assert_eq!((r.allowed, r.basis.clone()), (false, vec!["R16"]));
    assert_eq!(r.next_allowed_at, Some(almaty("2026-05-02 00:00:00")));
    let suit = v(CollectionAction::FileLawsuit, &f, "2026-05-01 12:00:00");
    assert!(suit.allowed, "R16 bars foreclosure on the home, not a claim for the money: {suit:?}");
    assert!(!suit.basis.contains(&"R16"));
    assert!(v(CollectionAction::Foreclose, &f, "2026-05-02 00:00:00").allowed, "day 61");
    f.at_agency = true;
    assert_eq!(v(CollectionAction::FileLawsuit, &f, "2026-05-01 12:00:00").basis, vec!["R18"]);
    assert_eq!(v(CollectionAction::Foreclose, &f, "2026-05-01 12:00:00").basis, vec!["R18", "R16"]);
    f.at_agency = false;
    f.mortgage_secured = false;
    assert_eq!(v(CollectionAction::Foreclose, &f, "2026-05-02 12:00:00").basis, vec!["R17.4"]);
}

#[test]
fn x4_contract_terms_replace_the_policys_window_limits_and_days_and_are_cited() {
    let mut f = overdue("2026-03-01");
    f.contract_meetings = ContractMeetingTerms {
        window_start: NaiveTime::from_hms_opt(10, 0, 0),
        window_end: NaiveTime::from_hms_opt(18, 0, 0),
        per_day: Some(2),
        per_week: Some(4),
        on_days_off: false,
    };
    let early = v(CollectionAction::OfficeMeeting, &f, "2026-03-17 09:00:00");
    assert_eq!((early.allowed, early.basis.clone()), (false, vec!["X4", CONTRACT]));
    assert_eq!(early.next_allowed_at, Some(almaty("2026-03-17 10:00:00")), "the contract's 10:00");
    assert!(early.reasons[0].message().render(Lang::Ru).contains("10:00–18:00"), "{:?}", early.reasons);
    let late = v(CollectionAction::OfficeMeeting, &f, "2026-03-17 18:00:00");
    assert_eq!(late.next_allowed_at, Some(almaty("2026-03-18 10:00:00")), "18:00 is closed");
    let ok = v(CollectionAction::OfficeMeeting, &f, "2026-03-17 12:00:00");
    assert_eq!((ok.allowed, ok.basis, ok.remaining), (true, vec!["X4", CONTRACT], Some(2)));
    f.contacts = vec![meeting("2026-03-17 10:30:00")];
    assert!(v(CollectionAction::OfficeMeeting, &f, "2026-03-17 12:00:00").allowed, "two a day by contract");
    f.contacts.push(meeting("2026-03-17 12:00:00"));
    let third = v(CollectionAction::OfficeMeeting, &f, "2026-03-17 15:00:00");
    assert_eq!((third.allowed, third.basis), (false, vec!["X4", CONTRACT]));
    assert_eq!(third.reasons, vec![Reason::MeetingTodayUsedUp { limit: 2, by_contract: true }]);
    f.contacts = vec![
        meeting("2026-03-16 10:30:00"),
        meeting("2026-03-16 11:30:00"),
        meeting("2026-03-17 10:30:00"),
        meeting("2026-03-17 11:30:00"),
    ];
    let fifth = v(CollectionAction::OfficeMeeting, &f, "2026-03-18 12:00:00");
    assert_eq!(fifth.reasons, vec![Reason::MeetingsThisWeekUsedUp { limit: 4, by_contract: true }]);
    // Calls keep X3's figures: the seed gives no contract exception for them.
    let call = v(CollectionAction::Call, &overdue("2026-03-01"), "2026-03-17 09:00:00");
    assert_eq!((call.allowed, call.basis), (true, vec!["X3"]));
    // A contract may agree meetings on days off.
    f.contacts.clear();
    f.contract_meetings.on_days_off = true;
    let saturday = v(CollectionAction::OfficeMeeting, &f, "2026-03-21 12:00:00");
    assert!(saturday.allowed, "{saturday:?}");
    f.contract_meetings = ContractMeetingTerms::default();
    let plain = v(CollectionAction::OfficeMeeting, &f, "2026-03-21 12:00:00");
    assert_eq!((plain.allowed, plain.basis), (false, vec!["X4"]), "no contract terms: no citation");
}

#[test]
fn m5_every_measure_waits_for_service_plus_60_days_unless_m6() {
    let mut f = overdue("2026-01-01");
    f.business_purpose = true;
    f.mortgage_secured = true;
    f.conscript =
        Some(Conscript { service_start: d("2026-02-01"), protected_until: d("2027-04-01"), deferral_in_force: true });
    for a in ALL {
        let r = v(a, &f, "2026-06-02 10:00:00");
        assert!(!r.allowed, "{a:?} during service");
        assert!(r.basis.contains(&"M5"), "{a:?}: {r:?}");
    }
    let call = v(CollectionAction::Call, &f, "2026-06-02 10:00:00");
    assert_eq!(call.next_allowed_at, Some(almaty("2027-04-02 08:00:00")), "then inside the call window");
    assert!(v(CollectionAction::Call, &f, "2027-04-02 10:00:00").allowed);
    f.court_act_on = Some(d("2026-01-20"));
    assert!(v(CollectionAction::Call, &f, "2026-06-02 10:00:00").allowed, "M6: a court act lifts the protection");
}

#[test]
fn r17_2_handing_over_needs_the_contracts_consent_and_an_overdue() {
    let mut f = overdue("2026-01-01");
    assert!(v(CollectionAction::HandToCollectionAgency, &f, "2026-03-02 10:00:00").allowed);
    f.contract_allows_agency = false;
    assert_eq!(v(CollectionAction::HandToCollectionAgency, &f, "2026-03-02 10:00:00").basis, vec!["R17.2"]);
    let current = Facts { contract_allows_agency: true, ..Facts::default() };
    assert!(!v(CollectionAction::HandToCollectionAgency, &current, "2026-03-02 10:00:00").allowed);
}

#[test]
fn x6_names_match_whatever_the_case_spacing_and_quotes() {
    let cases = [
        ("ТОО «Qomeq finance»", "ТОО \"Qomeq finance\"", true),
        ("  тоо  qomeq\tFINANCE ", "ТОО «Qomeq finance»", true),
        ("Collect KZ", "Agency", false),
        ("Qomeq finance", "ТОО «Qomeq finance»", false),
        ("ТОО «Qomeq fnance»", "ТОО «Qomeq finance»", false),
    ];
    for (disclosed, registered, same) in cases {
        assert_eq!(same_name(disclosed, registered), same, "{disclosed} / {registered}");
    }
}

#[test]
fn reasons_speak_every_language() {
    let r = Reason::CallsUsedUp(3).message();
    assert!(r.render(Lang::Ru).contains("звонков"));
    assert!(r.render(Lang::Kk).contains("қоңырау"));
    assert!(r.render(Lang::Ky).contains("чалуу"));
    assert!(r.render(Lang::En).contains("calls"));
}

#[test]
fn an_agency_is_asked_about_contacts_only() {
    assert_eq!(actions_for(Role::CollectionAgency).len(), 7);
    assert_eq!(actions_for(Role::MfoStaff).len(), 16);
    assert!(actions_for(Role::Borrower).is_empty());
}

#[test]
fn every_verdicts_basis_fits_max_basis() {
    let conscript =
        Some(Conscript { service_start: d("2026-02-01"), protected_until: d("2027-04-01"), deferral_in_force: true });
    let mut every = overdue("2026-01-01");
    every.business_purpose = true;
    every.mortgage_secured = true;
    every.at_agency = true;
    every.application_under_review = true;
    every.claim_assigned_on = Some(d("2026-03-01"));
    every.insolvency_from = Some(d("2026-02-01"));
    every.court_act_on = Some(d("2026-04-01"));
    every.conscript = conscript;
    every.contract_meetings = ContractMeetingTerms {
        per_day: Some(1),
        per_week: Some(2),
        on_days_off: true,
        ..ContractMeetingTerms::default()
    };
    let mut conscript_only = overdue("2026-01-01");
    conscript_only.conscript = conscript;
    conscript_only.contract_meetings = every.contract_meetings;
    for f in [Facts::default(), overdue("2026-01-01"), conscript_only, every] {
        for a in ALL {
            for at in ["2026-06-02 10:00:00", "2026-06-02 23:00:00", "2028-01-04 10:00:00"] {
                let r = v(a, &f, at);
                assert!(r.basis.len() <= MAX_BASIS, "{a:?} at {at}: {r:?}");
            }
        }
    }
}
