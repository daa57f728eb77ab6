//! What a collector may do with a debtor right now (docs/law.md X1–X7, R9, R14, R16–R18,
//! M5, M6): one pure function from one load of facts, a time and the law, answering for
//! every action with the rules that decided it, its reasons (as messages, rendered by the
//! GraphQL layer in the collector's and the borrower's languages), and
//! when a refused action becomes possible if that is known.

mod contacts;
mod measures;
mod reasons;
mod window;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::enums::{CollectionAction, ContactChannel, ContactParty, Role};

use crate::i18n::Msg;

use super::calendar::Calendar;
use super::policy::Policy;

use contacts::{call, contact_third_party, office_meeting, written_contact};
use measures::{
    accrue_penalty, assign_claim, assign_claim_to_agency, charge_interest, demand_early_repayment, file_bankruptcy,
    file_lawsuit, foreclose, hand_to_collection_agency,
};
pub use reasons::*;
pub use window::*;

/// A contact already made (the contact log), for X3/X4's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactFact {
    pub at: DateTime<Utc>,
    pub channel: ContactChannel,
    pub party: ContactParty,
}

/// A conscripted borrower's protection (M1–M5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conscript {
    pub service_start: NaiveDate,
    /// Service (or discharge) + 60 days: the last protected day.
    pub protected_until: NaiveDate,
    /// The deferral was granted and not given up (M2: no interest meanwhile).
    pub deferral_in_force: bool,
}

/// The `basis` entry that says a verdict applied terms of the loan's contract instead of
/// the policy's figures (X4: "unless the contract sets other terms"). It is not a rule
/// ID: a contact that breaks contract terms breaks X4.
pub const CONTRACT: &str = "CONTRACT";

/// The most entries a verdict's `basis` holds: an action is judged by at most three rules
/// of its own (foreclosure: R17.4, R18, R16), M5 for a conscript, and `CONTRACT` beside
/// X4. The API weighs the list by it.
pub const MAX_BASIS: usize = 5;

/// Everything the verdicts depend on, loaded once.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The first day of the current uninterrupted overdue.
    pub overdue_since: Option<NaiveDate>,
    pub mortgage_secured: bool,
    pub business_purpose: bool,
    pub contract_allows_agency: bool,
    /// Handed to a collection agency now (R18).
    pub at_agency: bool,
    pub court_act_on: Option<NaiveDate>,
    pub enforcement_inscription_on: Option<NaiveDate>,
    pub settlement_agreement_on: Option<NaiveDate>,
    pub reducing_settlement_on: Option<NaiveDate>,
    pub claim_assigned_on: Option<NaiveDate>,
    pub insolvency_from: Option<NaiveDate>,
    pub insolvency_to: Option<NaiveDate>,
    /// A restructuring application is under review (R9).
    pub application_under_review: bool,
    /// The last day of an R16 home-protection window running now.
    pub home_protected_until: Option<NaiveDate>,
    pub conscript: Option<Conscript>,
    /// X4: meeting terms the contract sets.
    pub contract_meetings: ContractMeetingTerms,
    /// Contacts from the start of the local week of the moment asked about.
    pub contacts: Vec<ContactFact>,
}

/// One action's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub action: CollectionAction,
    pub allowed: bool,
    /// Every rule that decided it.
    pub basis: Vec<&'static str>,
    pub reasons: Vec<Reason>,
    /// When a refused action becomes possible, if that is known.
    pub next_allowed_at: Option<DateTime<Utc>>,
    /// For counted actions, what is left in the current window.
    pub remaining: Option<u32>,
}

impl Verdict {
    /// Its reasons as messages, in order, for `i18n` to render in a reader's language.
    pub fn messages(&self) -> Vec<Msg> {
        self.reasons.iter().map(Reason::message).collect()
    }
}

const CONTACTS: [CollectionAction; 7] = [
    CollectionAction::Call,
    CollectionAction::Sms,
    CollectionAction::Email,
    CollectionAction::Messenger,
    CollectionAction::Letter,
    CollectionAction::OfficeMeeting,
    CollectionAction::ContactThirdParty,
];

const ALL: [CollectionAction; 16] = [
    CollectionAction::Call,
    CollectionAction::Sms,
    CollectionAction::Email,
    CollectionAction::Messenger,
    CollectionAction::Letter,
    CollectionAction::OfficeMeeting,
    CollectionAction::ContactThirdParty,
    CollectionAction::DemandEarlyRepayment,
    CollectionAction::ChargeInterest,
    CollectionAction::AccruePenalty,
    CollectionAction::FileLawsuit,
    CollectionAction::Foreclose,
    CollectionAction::AssignClaim,
    CollectionAction::AssignClaimToAgency,
    CollectionAction::HandToCollectionAgency,
    CollectionAction::FileBankruptcy,
];

/// The actions a role can take: an agency contacts the debtor; the MFO does everything; a
/// regulator reads every verdict; a borrower takes none.
pub fn actions_for(role: Role) -> &'static [CollectionAction] {
    match role {
        Role::CollectionAgency => &CONTACTS,
        Role::MfoStaff | Role::MfoManager | Role::Regulator => &ALL,
        Role::Borrower => &[],
    }
}

/// Whether an action is a contact that a clearance may cover.
pub fn is_contact(action: CollectionAction) -> bool {
    CONTACTS.contains(&action)
}

/// The contact action a logged contact was.
pub fn action_of(channel: ContactChannel, party: ContactParty) -> CollectionAction {
    match (party, channel) {
        (ContactParty::ThirdParty, _) => CollectionAction::ContactThirdParty,
        (ContactParty::Borrower, ContactChannel::Call) => CollectionAction::Call,
        (ContactParty::Borrower, ContactChannel::Sms) => CollectionAction::Sms,
        (ContactParty::Borrower, ContactChannel::Email) => CollectionAction::Email,
        (ContactParty::Borrower, ContactChannel::Messenger) => CollectionAction::Messenger,
        (ContactParty::Borrower, ContactChannel::Letter) => CollectionAction::Letter,
        (ContactParty::Borrower, ContactChannel::OfficeMeeting) => CollectionAction::OfficeMeeting,
    }
}

/// A refusal and when it stops holding (`None`: not at a known time).
struct Block {
    rule: &'static str,
    reason: Reason,
    clears_at: Option<DateTime<Utc>>,
}

fn next_day_start(cal: &Calendar, d: NaiveDate) -> DateTime<Utc> {
    cal.end_of_day(d)
}

fn in_force(d: Option<NaiveDate>, today: NaiveDate) -> bool {
    d.is_some_and(|d| d <= today)
}

/// M5 (unless M6): collection is suspended for the service period plus 60 days.
fn conscript_block(f: &Facts, cal: &Calendar, today: NaiveDate) -> Option<Block> {
    let c = f.conscript?;
    let m6 = in_force(f.court_act_on, today)
        || in_force(f.enforcement_inscription_on, today)
        || in_force(f.settlement_agreement_on, today);
    if m6 || today < c.service_start || today > c.protected_until {
        return None;
    }
    Some(Block {
        rule: "M5",
        reason: Reason::ConscriptProtected(c.protected_until),
        clears_at: Some(next_day_start(cal, c.protected_until)),
    })
}

fn monday(d: NaiveDate) -> NaiveDate {
    d - chrono::Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// What one action's own rules say: the rules it is judged by, what blocks it now, what
/// is left of a counted allowance, and the window a refusal's end is pushed into.
struct Judged {
    basis: Vec<&'static str>,
    blocks: Vec<Block>,
    remaining: Option<u32>,
    window: Option<Window>,
    allowed_reason: Reason,
}

impl Judged {
    fn new(basis: &[&'static str]) -> Self {
        Self {
            basis: basis.to_vec(),
            blocks: Vec::new(),
            remaining: None,
            window: None,
            allowed_reason: Reason::Allowed,
        }
    }
}

/// The verdict on one action at `at`.
pub fn verdict(action: CollectionAction, f: &Facts, at: DateTime<Utc>, cal: &Calendar, p: &Policy) -> Verdict {
    let today = cal.local_date(at);
    let mut j = match action {
        CollectionAction::Call => call(f, at, cal, p),
        CollectionAction::OfficeMeeting => office_meeting(f, at, cal, p),
        CollectionAction::Sms | CollectionAction::Email | CollectionAction::Messenger | CollectionAction::Letter => {
            written_contact()
        }
        CollectionAction::ContactThirdParty => contact_third_party(),
        CollectionAction::DemandEarlyRepayment => demand_early_repayment(f),
        CollectionAction::ChargeInterest => charge_interest(f, cal, today),
        CollectionAction::AccruePenalty => accrue_penalty(f),
        CollectionAction::FileLawsuit => file_lawsuit(f),
        CollectionAction::Foreclose => foreclose(f, cal, today),
        CollectionAction::AssignClaim => assign_claim(f, cal, today, p),
        CollectionAction::AssignClaimToAgency => assign_claim_to_agency(f, cal, today, p),
        CollectionAction::HandToCollectionAgency => hand_to_collection_agency(f),
        CollectionAction::FileBankruptcy => file_bankruptcy(f),
    };
    if f.conscript.is_some() {
        j.basis.push("M5");
    }
    if let Some(b) = conscript_block(f, cal, today) {
        j.blocks.push(b);
    }

    if j.blocks.is_empty() {
        return Verdict {
            action,
            allowed: true,
            basis: j.basis,
            reasons: vec![j.allowed_reason],
            next_allowed_at: None,
            remaining: j.remaining,
        };
    }
    let mut decided: Vec<&'static str> = Vec::new();
    for b in &j.blocks {
        if !decided.contains(&b.rule) {
            decided.push(b.rule);
        }
        // X4 refused under the contract's terms cites the contract beside the rule.
        if b.rule == "X4" && j.basis.contains(&CONTRACT) && !decided.contains(&CONTRACT) {
            decided.push(CONTRACT);
        }
    }
    let next_allowed_at = j
        .blocks
        .iter()
        .map(|b| b.clears_at)
        .collect::<Option<Vec<_>>>()
        .and_then(|times| times.into_iter().max())
        .map(|t| j.window.map_or(t, |w| w.open_at_or_after(cal, t)));
    Verdict {
        action,
        allowed: false,
        basis: decided,
        reasons: j.blocks.into_iter().map(|b| b.reason).collect(),
        next_allowed_at,
        remaining: j.remaining,
    }
}

/// Verdicts on every action the role can take.
pub fn verdicts(role: Role, f: &Facts, at: DateTime<Utc>, cal: &Calendar, p: &Policy) -> Vec<Verdict> {
    actions_for(role).iter().map(|a| verdict(*a, f, at, cal, p)).collect()
}

/// X6: a name as compared: quotation marks dropped, whitespace runs collapsed to one
/// space and trimmed, lowercase (Unicode).
fn comparable_name(s: &str) -> String {
    const QUOTES: [char; 9] = ['"', '\'', '«', '»', '“', '”', '„', '‘', '’'];
    let unquoted: String = s.chars().filter(|c| !QUOTES.contains(c)).collect();
    unquoted.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// X6: whether a disclosed organisation name is the registered one. Names are compared
/// after trimming, collapsing whitespace and ignoring case and quotation marks, so
/// `ТОО «Qomeq finance»` and ` тоо "QOMEQ  finance" ` are one name; anything else (another
/// word, an added or missing legal form) is another name.
pub fn same_name(disclosed: &str, registered: &str) -> bool {
    comparable_name(disclosed) == comparable_name(registered)
}

/// The start of `at`'s local week (Monday 00:00): the contact log is read from here.
pub fn week_start(cal: &Calendar, at: DateTime<Utc>) -> DateTime<Utc> {
    cal.instant(monday(cal.local_date(at)), chrono::NaiveTime::MIN)
}

#[cfg(test)]
mod tests;
