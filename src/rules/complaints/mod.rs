//! Complaints and requests (docs/law.md C1–C13, Kyrgyz seed): what a complaint lacks, when it
//! is anonymous, its journal number, its deadlines, which step may follow which, and where
//! its answer goes.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{
    AnswerDeliveryChannel, ComplaintChannel, ComplaintForm, ComplaintKind, ComplaintStatus, Language, MissingContent,
};

mod registration;

pub use registration::*;

use super::Refusal;
use super::calendar::{Calendar, Due};
use super::policy::Policy;
use crate::error::UserErrorReason;

/// One complainant as given (C3, C11).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Complainant {
    pub full_name: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

fn present(v: &Option<String>) -> bool {
    filled(v.as_deref())
}

fn filled(v: Option<&str>) -> bool {
    v.is_some_and(|s| !s.trim().is_empty())
}

/// What a complaint carries, for C3.
#[derive(Debug, Clone, Copy)]
pub struct Content<'a> {
    pub form: ComplaintForm,
    pub complainants: &'a [Complainant],
    pub answer_address: Option<&'a str>,
    pub substance: Option<&'a str>,
    pub signed: bool,
    pub dated: bool,
}

/// C1, C12: the form a channel implies when none is given: spoken channels are oral.
pub fn default_form(channel: ComplaintChannel) -> ComplaintForm {
    match channel {
        ComplaintChannel::CallCentre | ComplaintChannel::HeadOfficePhone => ComplaintForm::Oral,
        ComplaintChannel::Whatsapp
        | ComplaintChannel::Email
        | ComplaintChannel::ComplaintBook
        | ComplaintChannel::WrittenApplication
        | ComplaintChannel::SocialNetwork
        | ComplaintChannel::Post
        | ComplaintChannel::PersonalReception
        | ComplaintChannel::MobileApp => ComplaintForm::Written,
    }
}

/// C3: the required content the complaint lacks. Every complaint needs a full name, an
/// address, contact details and its substance; a written one also a signature and a date.
pub fn missing_content(c: &Content<'_>) -> Vec<MissingContent> {
    let any = |f: fn(&Complainant) -> bool| c.complainants.iter().any(f);
    let mut missing = Vec::new();
    if !any(|p| present(&p.full_name)) {
        missing.push(MissingContent::FullName);
    }
    if !any(|p| present(&p.address)) && !filled(c.answer_address) {
        missing.push(MissingContent::Address);
    }
    if !any(|p| present(&p.phone) || present(&p.email)) {
        missing.push(MissingContent::Contacts);
    }
    if !filled(c.substance) {
        missing.push(MissingContent::Substance);
    }
    match c.form {
        ComplaintForm::Written => {
            if !c.signed {
                missing.push(MissingContent::Signature);
            }
            if !c.dated {
                missing.push(MissingContent::Date);
            }
        }
        ComplaintForm::Oral => {}
    }
    missing
}

/// C3: a written complaint with neither personal nor contact details nor a postal address
/// is anonymous and is left without consideration, automatically.
pub fn is_anonymous(c: &Content<'_>) -> bool {
    let missing = missing_content(c);
    c.form == ComplaintForm::Written
        && missing.contains(&MissingContent::FullName)
        && missing.contains(&MissingContent::Contacts)
        && missing.contains(&MissingContent::Address)
}

/// C4: the journal number, e.g. `2026/000042`.
pub fn journal_number(year: i32, seq: i32) -> String {
    format!("{year}/{seq:06}")
}

/// C4: a written complaint received on an earlier day than it is registered has a
/// registration duty; one registered on the day it arrived has met it by construction.
pub fn registration_deadline_applies(form: ComplaintForm, received_on: NaiveDate, registered_on: NaiveDate) -> bool {
    form == ComplaintForm::Written && received_on < registered_on
}

/// C4: registered within N business days of receipt.
pub fn registration_due(cal: &Calendar, p: &Policy, received_on: NaiveDate) -> Due {
    cal.due_in_business_days(received_on, p.complaints.registration_business_days)
}

/// C5: an e-mailed complaint is acknowledged by the next business day.
pub fn acknowledgement_required(channel: ComplaintChannel) -> bool {
    channel == ComplaintChannel::Email
}

pub fn acknowledgement_due(cal: &Calendar, p: &Policy, received_on: NaiveDate) -> Due {
    cal.due_in_business_days(received_on, p.complaints.acknowledgement_business_days)
}

/// C7: answering a suggestion is optional; everything else is answered.
pub fn answer_required(kind: ComplaintKind) -> bool {
    match kind {
        ComplaintKind::Complaint | ComplaintKind::InfoRequest => true,
        ComplaintKind::Suggestion => false,
    }
}

/// C3, C8: whether the complaint still shows the date its answer is (or was) due. One left
/// without consideration owes no answer, whatever became of its C8 deadline: cancelled by
/// the decision, or already missed before it (the deadline row keeps its date and status);
/// a closed suggestion never owed one (C7).
pub fn shows_answer_due_date(status: ComplaintStatus) -> bool {
    match status {
        ComplaintStatus::Registered
        | ComplaintStatus::Forwarded
        | ComplaintStatus::UnderReview
        | ComplaintStatus::Answered
        | ComplaintStatus::AnsweredOrally
        | ComplaintStatus::InvitedToWrite => true,
        ComplaintStatus::LeftWithoutConsideration | ComplaintStatus::ClosedWithoutAnswer => false,
    }
}

/// C8: answered within N business days of registration.
pub fn answer_due(cal: &Calendar, p: &Policy, registered_on: NaiveDate) -> Due {
    cal.due_in_business_days(registered_on, p.complaints.answer_business_days)
}

/// C8: the responsible manager may extend once, by N business days from the current due date.
pub fn extended_due(
    cal: &Calendar,
    p: &Policy,
    current_due: NaiveDate,
    extensions_so_far: u32,
) -> Result<Due, Refusal> {
    if extensions_so_far >= p.complaints.max_extensions {
        return Err(Refusal::rule("C8", UserErrorReason::ExtensionAlreadyUsed));
    }
    Ok(cal.due_in_business_days(current_due, p.complaints.extension_business_days))
}

/// Something done to a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Forward,
    StartReview,
    Answer,
    AnswerOrally,
    InviteToWrite,
    LeaveWithoutConsideration,
    CloseWithoutAnswer,
    Extend,
    Acknowledge,
}

/// Open statuses still await handling; the others are final.
pub fn is_open(status: ComplaintStatus) -> bool {
    match status {
        ComplaintStatus::Registered | ComplaintStatus::Forwarded | ComplaintStatus::UnderReview => true,
        ComplaintStatus::Answered
        | ComplaintStatus::AnsweredOrally
        | ComplaintStatus::InvitedToWrite
        | ComplaintStatus::LeftWithoutConsideration
        | ComplaintStatus::ClosedWithoutAnswer => false,
    }
}

/// C7 (register → forward → review → answer), C3, C12: the status a step leads to, or why
/// it may not be taken now.
pub fn next_status(
    status: ComplaintStatus,
    step: Step,
    kind: ComplaintKind,
    form: ComplaintForm,
) -> Result<ComplaintStatus, Refusal> {
    let closed = || {
        Refusal::conflict(UserErrorReason::StatusDoesNotAllow)
            .with_param("status", serde_json::to_value(status).unwrap_or_default())
    };
    if !is_open(status) {
        return Err(closed());
    }
    match step {
        Step::Forward => match status {
            ComplaintStatus::Registered => Ok(ComplaintStatus::Forwarded),
            _ => Err(Refusal::conflict_under("C7", UserErrorReason::OutOfStepOrder)),
        },
        Step::StartReview => match status {
            ComplaintStatus::Forwarded => Ok(ComplaintStatus::UnderReview),
            _ => Err(Refusal::conflict_under("C7", UserErrorReason::OutOfStepOrder)),
        },
        Step::Answer => match status {
            ComplaintStatus::UnderReview => Ok(ComplaintStatus::Answered),
            _ => Err(Refusal::conflict_under("C7", UserErrorReason::OutOfStepOrder)),
        },
        Step::AnswerOrally | Step::InviteToWrite => match form {
            ComplaintForm::Oral => Ok(if step == Step::AnswerOrally {
                ComplaintStatus::AnsweredOrally
            } else {
                ComplaintStatus::InvitedToWrite
            }),
            ComplaintForm::Written => Err(Refusal::rule("C12", UserErrorReason::NotAnOralComplaint)),
        },
        Step::LeaveWithoutConsideration => match form {
            ComplaintForm::Written => Ok(ComplaintStatus::LeftWithoutConsideration),
            ComplaintForm::Oral => Err(Refusal::rule("C3", UserErrorReason::NotAWrittenComplaint)),
        },
        Step::CloseWithoutAnswer => match answer_required(kind) {
            false => Ok(ComplaintStatus::ClosedWithoutAnswer),
            true => Err(Refusal::rule("C7", UserErrorReason::NotASuggestion)),
        },
        Step::Extend | Step::Acknowledge => Ok(status),
    }
}

/// C10: the answer is written in the complaint's language.
pub fn check_answer_language(complaint: Language, answer: Language) -> Result<(), Refusal> {
    if complaint == answer {
        Ok(())
    } else {
        Err(Refusal::rule("C10", UserErrorReason::AnswerLanguageMismatch)
            .with_param("language", serde_json::to_value(complaint).unwrap_or_default()))
    }
}

/// C10: a written answer is sent no earlier than registration and no later than now.
pub fn check_sent_at(sent_at: DateTime<Utc>, registered_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), Refusal> {
    if sent_at < registered_at || sent_at > now {
        return Err(Refusal::rule("C10", UserErrorReason::AnswerDateOutOfRange));
    }
    Ok(())
}

/// C11: a (collective) complaint's answer goes to the address the complaint names, or to
/// the first complainant's: the postal address for mail, the e-mail for e-mail.
pub fn answer_destination(
    complainants: &[Complainant],
    named_address: Option<&str>,
    channel: AnswerDeliveryChannel,
) -> Option<String> {
    let first = complainants.first();
    match channel {
        AnswerDeliveryChannel::RegisteredMail => named_address
            .filter(|a| !a.trim().is_empty())
            .map(str::to_owned)
            .or_else(|| first.and_then(|c| c.address.clone())),
        AnswerDeliveryChannel::Email => first.and_then(|c| c.email.clone()),
        AnswerDeliveryChannel::InPerson => first.and_then(|c| c.full_name.clone()),
        AnswerDeliveryChannel::MobileApp => None,
    }
}

/// C9: at most N free requests per borrower per calendar month; the rest are flagged.
pub fn beyond_free_monthly(earlier_in_month: u32, p: &Policy) -> bool {
    earlier_in_month >= p.info_requests.free_per_calendar_month
}

/// C9: answered within N business days of receipt.
pub fn info_request_due(cal: &Calendar, p: &Policy, received_on: NaiveDate) -> Due {
    cal.due_in_business_days(received_on, p.info_requests.answer_business_days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::calendar::tests::kg;
    use crate::rules::policy::tests::shipped;
    use entity::enums::Jurisdiction;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn person(name: &str) -> Complainant {
        Complainant {
            full_name: Some(name.into()),
            address: Some(format!("{name}'s address")),
            phone: Some("+996 555 000 000".into()),
            email: Some(format!("{name}@example.kg")),
        }
    }

    fn content(complainants: &[Complainant], form: ComplaintForm) -> Content<'_> {
        Content { form, complainants, answer_address: None, substance: Some("fees"), signed: true, dated: true }
    }

    #[test]
    fn c03_missing_content_is_named_and_a_written_one_needs_signature_and_date() {
        let full = [person("Asel")];
        assert!(missing_content(&content(&full, ComplaintForm::Written)).is_empty());
        let mut c = content(&full, ComplaintForm::Written);
        c.signed = false;
        c.dated = false;
        assert_eq!(missing_content(&c), vec![MissingContent::Signature, MissingContent::Date]);
        let mut oral = content(&full, ComplaintForm::Oral);
        oral.signed = false;
        assert!(missing_content(&oral).is_empty(), "an oral complaint is not signed");
        let nameless = [Complainant { phone: Some("+996 1".into()), ..Complainant::default() }];
        assert_eq!(
            missing_content(&content(&nameless, ComplaintForm::Oral)),
            vec![MissingContent::FullName, MissingContent::Address]
        );
    }

    #[test]
    fn c03_anonymous_means_written_without_name_contacts_and_postal_address() {
        let nobody: [Complainant; 0] = [];
        assert!(is_anonymous(&content(&nobody, ComplaintForm::Written)));
        assert!(!is_anonymous(&content(&nobody, ComplaintForm::Oral)), "only written ones");
        let with_address = [Complainant { address: Some("Bishkek".into()), ..Complainant::default() }];
        assert!(!is_anonymous(&content(&with_address, ComplaintForm::Written)), "a postal address to answer to");
        let mut named = content(&nobody, ComplaintForm::Written);
        named.answer_address = Some("PO box 1");
        assert!(!is_anonymous(&named));
        let phone_only = [Complainant { phone: Some("+996 555".into()), ..Complainant::default() }];
        assert!(!is_anonymous(&content(&phone_only, ComplaintForm::Written)));
    }

    #[test]
    fn c04_journal_numbers_are_year_and_six_digits() {
        assert_eq!(journal_number(2026, 42), "2026/000042");
    }

    #[test]
    fn c04_registration_duty_only_for_written_complaints_registered_later() {
        assert!(registration_deadline_applies(ComplaintForm::Written, d("2026-05-04"), d("2026-05-05")));
        assert!(!registration_deadline_applies(ComplaintForm::Written, d("2026-05-05"), d("2026-05-05")));
        assert!(!registration_deadline_applies(ComplaintForm::Oral, d("2026-05-04"), d("2026-05-05")));
        let p = shipped(Jurisdiction::Kg).policy;
        assert_eq!(registration_due(&kg(), &p, d("2026-04-30")).date, d("2026-05-11"), "across the KG May holidays");
    }

    #[test]
    fn c05_email_acknowledgement_is_due_the_next_business_day() {
        let p = shipped(Jurisdiction::Kg).policy;
        assert!(acknowledgement_required(ComplaintChannel::Email));
        assert!(!acknowledgement_required(ComplaintChannel::Post));
        assert_eq!(acknowledgement_due(&kg(), &p, d("2026-11-20")).date, d("2026-11-23"), "Friday to Monday");
    }

    #[test]
    fn c08_answer_due_in_10_kg_business_days_skipping_new_year_and_may_holidays() {
        let p = shipped(Jurisdiction::Kg).policy;
        assert_eq!(answer_due(&kg(), &p, d("2025-12-29")).date, d("2026-01-19"));
        assert_eq!(answer_due(&kg(), &p, d("2026-04-24")).date, d("2026-05-18"));
    }

    #[test]
    fn c08_extension_adds_10_business_days_once() {
        let p = shipped(Jurisdiction::Kg).policy;
        assert_eq!(extended_due(&kg(), &p, d("2026-01-19"), 0).map(|d| d.date), Ok(d("2026-02-02")));
        let second = extended_due(&kg(), &p, d("2026-02-02"), 1).expect_err("once only");
        assert_eq!(second.rule, Some("C8"));
    }

    #[test]
    fn c07_steps_follow_register_forward_review_answer() {
        use ComplaintStatus as S;
        let k = ComplaintKind::Complaint;
        let w = ComplaintForm::Written;
        assert_eq!(next_status(S::Registered, Step::Forward, k, w), Ok(S::Forwarded));
        assert_eq!(next_status(S::Forwarded, Step::StartReview, k, w), Ok(S::UnderReview));
        assert_eq!(next_status(S::UnderReview, Step::Answer, k, w), Ok(S::Answered));
        for (from, step) in [
            (S::Registered, Step::Answer),
            (S::Registered, Step::StartReview),
            (S::Forwarded, Step::Forward),
            (S::UnderReview, Step::Forward),
            (S::Answered, Step::Answer),
            (S::Answered, Step::Extend),
            (S::LeftWithoutConsideration, Step::Forward),
        ] {
            let r = next_status(from, step, k, w).expect_err("illegal");
            assert_eq!(r.kind, crate::rules::RefusalKind::Conflict, "{from:?} {step:?}");
        }
        assert_eq!(
            next_status(S::UnderReview, Step::CloseWithoutAnswer, ComplaintKind::Suggestion, w),
            Ok(S::ClosedWithoutAnswer)
        );
        assert_eq!(next_status(S::UnderReview, Step::CloseWithoutAnswer, k, w).expect_err("c7").rule, Some("C7"));
    }

    #[test]
    fn c12_only_oral_complaints_are_answered_orally_and_c03_only_written_ones_left_as_abusive() {
        use ComplaintStatus as S;
        let k = ComplaintKind::Complaint;
        assert_eq!(next_status(S::Registered, Step::AnswerOrally, k, ComplaintForm::Oral), Ok(S::AnsweredOrally));
        assert_eq!(next_status(S::Registered, Step::InviteToWrite, k, ComplaintForm::Oral), Ok(S::InvitedToWrite));
        assert_eq!(
            next_status(S::Registered, Step::AnswerOrally, k, ComplaintForm::Written).expect_err("c12").rule,
            Some("C12")
        );
        assert_eq!(
            next_status(S::Registered, Step::LeaveWithoutConsideration, k, ComplaintForm::Oral).expect_err("c3").rule,
            Some("C3")
        );
    }

    #[test]
    fn c10_answer_language_must_match() {
        assert!(check_answer_language(Language::Ky, Language::Ky).is_ok());
        assert_eq!(check_answer_language(Language::Ky, Language::Ru).expect_err("c10").rule, Some("C10"));
    }

    #[test]
    fn c11_collective_answer_goes_to_the_first_address_unless_another_is_named() {
        let people = [person("First"), person("Second")];
        let to = |named, ch| answer_destination(&people, named, ch);
        assert_eq!(to(None, AnswerDeliveryChannel::RegisteredMail), Some("First's address".into()));
        assert_eq!(to(Some("Named address"), AnswerDeliveryChannel::RegisteredMail), Some("Named address".into()));
        assert_eq!(to(None, AnswerDeliveryChannel::Email), Some("First@example.kg".into()));
    }

    #[test]
    fn c09_one_free_request_a_month() {
        let p = shipped(Jurisdiction::Kg).policy;
        assert!(!beyond_free_monthly(0, &p));
        assert!(beyond_free_monthly(1, &p));
        assert_eq!(info_request_due(&kg(), &p, d("2026-04-30")).date, d("2026-05-15"));
    }
}
