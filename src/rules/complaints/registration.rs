//! C1–C6 as one plan: what registering a complaint writes (its form, what it lacks, its
//! status and the deadlines it opens), from the facts the service loaded and `now`. It reads
//! nothing and writes nothing; the journal number (C4) is taken by the service.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::enums::{
    ClosureReason, ComplaintChannel, ComplaintForm, ComplaintKind, ComplaintStatus, DeadlineKind, MissingContent,
    Obligor,
};

use super::{
    Complainant, Content, acknowledgement_due, acknowledgement_required, answer_due, answer_required, default_form,
    is_anonymous, missing_content, registration_deadline_applies, registration_due,
};
use crate::rules::calendar::{Calendar, Due};
use crate::rules::policy::Policy;

/// What registration depends on: the complaint as it will be stored (a borrower's own
/// already completed from their record) and the loan it names.
#[derive(Debug, Clone, Copy)]
pub struct RegistrationFacts<'a> {
    pub kind: ComplaintKind,
    pub channel: ComplaintChannel,
    pub form: Option<ComplaintForm>,
    pub complainants: &'a [Complainant],
    pub answer_address: Option<&'a str>,
    pub substance: Option<&'a str>,
    pub signed: bool,
    pub dated_on: Option<NaiveDate>,
    /// Registered by the borrower through the app (C6): undated means dated today.
    pub by_borrower: bool,
    /// When the complaint reached the MFO, if before it was registered.
    pub received_at: Option<DateTime<Utc>>,
    /// The contract date of the loan the complaint names.
    pub loan_contract_date: Option<NaiveDate>,
    /// The day the MFO was founded, when it is on record.
    pub mfo_founded_on: Option<NaiveDate>,
}

/// How a planned deadline starts its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opening {
    /// Open until it is met or missed.
    Open,
    /// Opened and settled at once (C4: registration is the duty): met or missed.
    Settled { met: bool },
    /// Opened and cancelled at once (C3: an anonymous complaint owes no answer).
    Cancelled,
}

/// A deadline the registration opens, with the rule that sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedDeadline {
    pub kind: DeadlineKind,
    pub rule: &'static str,
    pub obligor: Obligor,
    pub due: Due,
    pub opening: Opening,
}

/// What registering writes, in the order the deadlines are opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub form: ComplaintForm,
    pub received_at: DateTime<Utc>,
    pub dated_on: Option<NaiveDate>,
    pub missing: Vec<MissingContent>,
    pub anonymous: bool,
    pub status: ComplaintStatus,
    pub closure_reason: Option<ClosureReason>,
    pub closure_note: Option<&'static str>,
    /// C4: the journal year, the year of registration.
    pub journal_year: i32,
    pub deadlines: Vec<PlannedDeadline>,
}

/// Why a complaint cannot be registered as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationRefused {
    /// A complaint about a loan cannot have reached the MFO before the loan's contract:
    /// such a date is a typo (a year 1, a swapped century), and C2's clock would start from it.
    ReceivedBeforeContract { contract_date: NaiveDate },
    /// Nothing reached the MFO before it was founded: the same kind of typo, about any
    /// complaint, with or without a loan.
    ReceivedBeforeFounding { founded_on: NaiveDate },
}

/// C1–C6: the registration of a complaint received as the facts say, registered `now`.
/// A complaint is registered whatever it lacks (C2); only an impossible date of receipt
/// is refused.
pub fn registration(
    f: &RegistrationFacts<'_>,
    now: DateTime<Utc>,
    cal: &Calendar,
    policy: &Policy,
) -> Result<Registration, RegistrationRefused> {
    let received_at = f.received_at.unwrap_or(now);
    let received_on = cal.local_date(received_at);
    let registered_on = cal.local_date(now);
    if let Some(contract_date) = f.loan_contract_date
        && received_on < contract_date
    {
        return Err(RegistrationRefused::ReceivedBeforeContract { contract_date });
    }
    if let Some(founded_on) = f.mfo_founded_on
        && received_on < founded_on
    {
        return Err(RegistrationRefused::ReceivedBeforeFounding { founded_on });
    }
    // C6: what the borrower sends through the app is dated the day it is registered.
    let dated_on = if f.by_borrower { f.dated_on.or(Some(registered_on)) } else { f.dated_on };
    // C1, C12: a spoken channel implies an oral complaint.
    let form = f.form.unwrap_or_else(|| default_form(f.channel));
    let content = Content {
        form,
        complainants: f.complainants,
        answer_address: f.answer_address,
        substance: f.substance,
        signed: f.signed,
        dated: dated_on.is_some(),
    };
    // C3: what it lacks is flagged, and a written one without any way to answer is anonymous.
    let missing = missing_content(&content);
    let anonymous = is_anonymous(&content);

    let mut deadlines = Vec::new();
    let mfo = |kind, rule, due, opening| PlannedDeadline { kind, rule, obligor: Obligor::Mfo, due, opening };
    // C4: registered within a business day of receipt.
    if registration_deadline_applies(form, received_on, registered_on) {
        let due = registration_due(cal, policy, received_on);
        let met = now < due.at;
        deadlines.push(mfo(DeadlineKind::ComplaintRegistration, "C4", due, Opening::Settled { met }));
    }
    // C5: an e-mailed complaint is acknowledged by the next business day.
    if acknowledgement_required(f.channel) && !anonymous {
        let due = acknowledgement_due(cal, policy, received_on);
        deadlines.push(mfo(DeadlineKind::ComplaintAcknowledgement, "C5", due, Opening::Open));
    }
    // C8: answered within ten business days of registration (C7: suggestions need none);
    // C3: an anonymous complaint's answer is cancelled as soon as it is due.
    if answer_required(f.kind) {
        let due = answer_due(cal, policy, registered_on);
        let opening = if anonymous { Opening::Cancelled } else { Opening::Open };
        deadlines.push(mfo(DeadlineKind::ComplaintAnswer, "C8", due, opening));
    }
    Ok(Registration {
        form,
        received_at,
        dated_on,
        missing,
        anonymous,
        // C3: an anonymous written complaint is left without consideration at once.
        status: if anonymous { ComplaintStatus::LeftWithoutConsideration } else { ComplaintStatus::Registered },
        closure_reason: anonymous.then_some(ClosureReason::Anonymous),
        closure_note: anonymous.then_some("anonymous: no personal or contact details and no postal address (C3)"),
        journal_year: registered_on.year(),
        deadlines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::calendar::tests::kg;
    use crate::rules::policy::tests::shipped;
    use entity::enums::Jurisdiction;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("instant")
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn asel() -> Vec<Complainant> {
        vec![Complainant {
            full_name: Some("Asel".into()),
            address: Some("Bishkek".into()),
            phone: Some("+996 555 000 000".into()),
            email: None,
        }]
    }

    fn facts(complainants: &[Complainant]) -> RegistrationFacts<'_> {
        RegistrationFacts {
            kind: ComplaintKind::Complaint,
            channel: ComplaintChannel::Post,
            form: None,
            complainants,
            answer_address: None,
            substance: Some("fees"),
            signed: true,
            dated_on: Some(d("2026-05-04")),
            by_borrower: false,
            received_at: None,
            loan_contract_date: None,
            mfo_founded_on: None,
        }
    }

    fn plan(f: &RegistrationFacts<'_>, now: &str) -> Result<Registration, RegistrationRefused> {
        registration(f, at(now), &kg(), &shipped(Jurisdiction::Kg).policy)
    }

    fn kinds(r: &Registration) -> Vec<(DeadlineKind, &'static str, Opening)> {
        r.deadlines.iter().map(|d| (d.kind, d.rule, d.opening)).collect()
    }

    // Tuesday 2026-05-05, 10:00 in Bishkek.
    const NOW: &str = "2026-05-05T04:00:00Z";

    #[test]
    fn c04_c08_a_complaint_registered_on_its_day_opens_only_its_answer() {
        let people = asel();
        let r = plan(&facts(&people), NOW).expect("registered");
        assert_eq!(r.status, ComplaintStatus::Registered);
        assert_eq!(r.form, ComplaintForm::Written);
        assert_eq!(r.received_at, at(NOW));
        assert_eq!(r.journal_year, 2026);
        assert!(r.missing.is_empty());
        assert_eq!(kinds(&r), vec![(DeadlineKind::ComplaintAnswer, "C8", Opening::Open)]);
        assert_eq!(r.deadlines[0].due.date, d("2026-05-22"), "ten KG business days, past the May holidays");
        assert!(r.deadlines.iter().all(|d| d.obligor == Obligor::Mfo));
    }

    #[test]
    fn c04_registered_late_is_a_missed_duty_and_in_time_a_met_one() {
        let people = asel();
        // Received Thursday 30 April; C4's one business day runs across the KG May holidays.
        let late = RegistrationFacts { received_at: Some(at("2026-04-30T04:00:00Z")), ..facts(&people) };
        for (now, met) in [(NOW, true), ("2026-05-12T04:00:00Z", false)] {
            let r = plan(&late, now).expect("registered");
            assert_eq!(r.deadlines[0].kind, DeadlineKind::ComplaintRegistration, "{now}");
            assert_eq!(r.deadlines[0].rule, "C4");
            assert_eq!(r.deadlines[0].opening, Opening::Settled { met }, "{now}");
        }
    }

    #[test]
    fn c04_an_oral_complaint_received_earlier_has_no_registration_duty() {
        let people = asel();
        let oral = RegistrationFacts {
            channel: ComplaintChannel::CallCentre,
            received_at: Some(at("2026-05-04T04:00:00Z")),
            ..facts(&people)
        };
        let r = plan(&oral, NOW).expect("registered");
        assert_eq!(r.form, ComplaintForm::Oral, "C12: a call is oral");
        assert_eq!(kinds(&r), vec![(DeadlineKind::ComplaintAnswer, "C8", Opening::Open)]);
    }

    #[test]
    fn c05_an_emailed_complaint_is_acknowledged_unless_anonymous() {
        let people = asel();
        let email = RegistrationFacts { channel: ComplaintChannel::Email, ..facts(&people) };
        let r = plan(&email, NOW).expect("registered");
        assert_eq!(
            kinds(&r),
            vec![
                (DeadlineKind::ComplaintAcknowledgement, "C5", Opening::Open),
                (DeadlineKind::ComplaintAnswer, "C8", Opening::Open),
            ]
        );
        let nobody = RegistrationFacts { complainants: &[], ..email };
        let r = plan(&nobody, NOW).expect("registered");
        assert_eq!(kinds(&r), vec![(DeadlineKind::ComplaintAnswer, "C8", Opening::Cancelled)]);
    }

    #[test]
    fn c03_an_anonymous_written_complaint_is_left_without_consideration_at_once() {
        let r = plan(&facts(&[]), NOW).expect("registered, C2");
        assert!(r.anonymous);
        assert_eq!(r.status, ComplaintStatus::LeftWithoutConsideration);
        assert_eq!(r.closure_reason, Some(ClosureReason::Anonymous));
        assert!(r.closure_note.is_some_and(|n| n.contains("C3")));
        assert_eq!(r.missing, vec![MissingContent::FullName, MissingContent::Address, MissingContent::Contacts]);
        assert_eq!(kinds(&r), vec![(DeadlineKind::ComplaintAnswer, "C8", Opening::Cancelled)]);
        let oral = RegistrationFacts { form: Some(ComplaintForm::Oral), ..facts(&[]) };
        let r = plan(&oral, NOW).expect("registered");
        assert!(!r.anonymous, "only a written complaint is anonymous");
        assert_eq!(r.status, ComplaintStatus::Registered);
        assert_eq!(r.closure_reason, None);
    }

    #[test]
    fn c07_a_suggestion_opens_no_answer_deadline() {
        let people = asel();
        let s = RegistrationFacts { kind: ComplaintKind::Suggestion, ..facts(&people) };
        assert!(plan(&s, NOW).expect("registered").deadlines.is_empty());
        let anonymous = RegistrationFacts { kind: ComplaintKind::Suggestion, ..facts(&[]) };
        assert!(plan(&anonymous, NOW).expect("registered").deadlines.is_empty());
    }

    #[test]
    fn c03_c06_an_undated_complaint_lacks_its_date_unless_the_borrower_sent_it() {
        let people = asel();
        let undated = RegistrationFacts { dated_on: None, ..facts(&people) };
        let r = plan(&undated, NOW).expect("registered");
        assert_eq!(r.dated_on, None);
        assert_eq!(r.missing, vec![MissingContent::Date]);
        let app = RegistrationFacts { by_borrower: true, ..undated };
        let r = plan(&app, NOW).expect("registered");
        assert_eq!(r.dated_on, Some(d("2026-05-05")), "dated the local day of registration");
        assert!(r.missing.is_empty());
    }

    #[test]
    fn c02_receipt_before_the_loans_contract_is_refused_and_on_its_day_accepted() {
        let people = asel();
        let about_loan = |contract| RegistrationFacts {
            received_at: Some(at("2026-05-04T04:00:00Z")),
            loan_contract_date: Some(d(contract)),
            ..facts(&people)
        };
        assert_eq!(
            plan(&about_loan("2026-05-05"), NOW),
            Err(RegistrationRefused::ReceivedBeforeContract { contract_date: d("2026-05-05") })
        );
        assert!(plan(&about_loan("2026-05-04"), NOW).is_ok());
    }

    #[test]
    fn c04_receipt_before_the_mfo_was_founded_is_refused_and_on_its_day_accepted() {
        let people = asel();
        // 2026-05-04 10:00 in Bishkek; no loan named, so only the founding bounds it.
        let founded = |on| RegistrationFacts {
            received_at: Some(at("2026-05-04T04:00:00Z")),
            mfo_founded_on: Some(d(on)),
            ..facts(&people)
        };
        assert_eq!(
            plan(&founded("2026-05-05"), NOW),
            Err(RegistrationRefused::ReceivedBeforeFounding { founded_on: d("2026-05-05") })
        );
        assert!(plan(&founded("2026-05-04"), NOW).is_ok());
        // The local date counts: 2026-05-03 20:00 UTC is already the 4th in Bishkek.
        let late_evening = RegistrationFacts { received_at: Some(at("2026-05-03T20:00:00Z")), ..founded("2026-05-04") };
        assert!(plan(&late_evening, NOW).is_ok());
    }

    #[test]
    fn c04_the_journal_year_is_the_local_year_of_registration() {
        let people = asel();
        // 31 December 20:00 UTC is already 1 January in Bishkek.
        let r = plan(&facts(&people), "2026-12-31T20:00:00Z").expect("registered");
        assert_eq!(r.journal_year, 2027);
    }
}
