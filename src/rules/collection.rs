//! What a collector may do with a debtor right now (docs/law.md X1–X7, R9, R14, R16–R18,
//! M5, M6): one pure function from one load of facts, a time and the law, answering for
//! every action with the rules that decided it, its reasons (as messages, rendered by the
//! GraphQL layer in the collector's and the borrower's languages), and
//! when a refused action becomes possible if that is known.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, Utc};
use entity::enums::{CollectionAction, ContactChannel, ContactParty, Role};

use crate::i18n::{Msg, MsgId};

use super::calendar::Calendar;
use super::policy::Policy;

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

/// X4's "unless the contract sets other terms" (seed 003: "если иное время, периодичность
/// и день (выходной и (или) праздничный) не согласованы с заемщиком и предусмотрены в
/// договоре"): the meeting terms a contract agreed. Each `None` falls back to the
/// policy's figure. Calls (X3) have no such clause and always follow the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ContractMeetingTerms {
    /// Local time the meeting window opens (included).
    pub window_start: Option<NaiveTime>,
    /// Local time it closes (excluded).
    pub window_end: Option<NaiveTime>,
    pub per_day: Option<u32>,
    pub per_week: Option<u32>,
    /// Meetings also on weekends and official days off.
    pub on_days_off: bool,
}

impl ContractMeetingTerms {
    /// Whether the contract sets any term of its own.
    pub fn is_set(&self) -> bool {
        self.window_start.is_some()
            || self.window_end.is_some()
            || self.per_day.is_some()
            || self.per_week.is_some()
            || self.on_days_off
    }
}

/// X3/X4: when contacts may happen: from `start` (included) to `end` (excluded), local
/// time, on the borrower's business days, or on any day when a contract says so (X4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub any_day: bool,
}

impl Window {
    /// The policy's window (X3, and X4 without contract terms).
    pub fn of_policy(p: &Policy) -> Self {
        Self { start: p.contact.window_start, end: p.contact.window_end, any_day: false }
    }

    fn open_day(&self, cal: &Calendar, d: NaiveDate) -> bool {
        self.any_day || cal.is_business_day(d)
    }

    /// The first instant at or after `t` inside the window.
    pub fn open_at_or_after(&self, cal: &Calendar, t: DateTime<Utc>) -> DateTime<Utc> {
        let local = cal.local(t);
        let mut day = local.date();
        if self.open_day(cal, day) {
            if local.time() < self.start {
                return cal.instant(day, self.start);
            }
            if local.time() < self.end {
                return t;
            }
        }
        loop {
            day = day.succ_opt().unwrap_or(NaiveDate::MAX);
            if self.open_day(cal, day) || day == NaiveDate::MAX {
                return cal.instant(day, self.start);
            }
        }
    }
}

/// X4's figures for one loan: the contract's where it sets them, the policy's otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeetingTerms {
    pub window: Window,
    pub per_day: u32,
    pub per_week: u32,
    /// Some term came from the contract.
    pub by_contract: bool,
}

/// X4: the meeting terms in force for the loan.
pub fn meeting_terms(c: &ContractMeetingTerms, p: &Policy) -> MeetingTerms {
    MeetingTerms {
        window: Window {
            start: c.window_start.unwrap_or(p.contact.window_start),
            end: c.window_end.unwrap_or(p.contact.window_end),
            any_day: c.on_days_off,
        },
        per_day: c.per_day.unwrap_or(p.contact.meetings_per_day),
        per_week: c.per_week.unwrap_or(p.contact.meetings_per_week),
        by_contract: c.is_set(),
    }
}

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

/// Why an action is (not) allowed; `message` names its text (`i18n`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    Allowed,
    /// X5: allowed, but only to find the borrower.
    ThirdPartyLocateOnly,
    NotAWorkingDay,
    /// Outside the window `start`–`end`, the contract's when `by_contract`.
    OutsideHours {
        start: NaiveTime,
        end: NaiveTime,
        by_contract: bool,
    },
    CallsUsedUp(u32),
    MeetingTodayUsedUp {
        limit: u32,
        by_contract: bool,
    },
    MeetingsThisWeekUsedUp {
        limit: u32,
        by_contract: bool,
    },
    ConscriptProtected(NaiveDate),
    DeferralWithoutInterest(NaiveDate),
    ApplicationUnderReview,
    AtCollectionAgency,
    HomeProtected(NaiveDate),
    NoMortgage,
    NotOverdue,
    OverdueTooShort {
        needed: u32,
        days: i64,
    },
    Insolvency,
    /// R14: no settlement reducing the obligation was carried out within `months` of the
    /// overdue date (the window ends on `window_end`, which has `passed` or not yet).
    NoReducingSettlement {
        months: u32,
        window_end: NaiveDate,
        passed: bool,
    },
    ClaimAlreadyAssigned,
    ContractForbidsAgency,
    AlreadyAtAgency,
    NotABusiness,
}

impl Reason {
    /// The reason as a message (id and arguments) for `i18n` to render in a reader's
    /// language: the collector's, or the borrower's for the text addressed to them.
    pub fn message(&self) -> Msg {
        let hm = |t: &NaiveTime| t.format("%H:%M").to_string();
        let yes_no = |b: &bool| if *b { "yes" } else { "no" };
        match self {
            Reason::Allowed => Msg::new(MsgId::VerdictAllowed),
            Reason::ThirdPartyLocateOnly => Msg::new(MsgId::VerdictThirdPartyLocateOnly),
            Reason::NotAWorkingDay => Msg::new(MsgId::VerdictNotAWorkingDay),
            Reason::OutsideHours { start, end, by_contract } => Msg::new(MsgId::VerdictOutsideHours)
                .arg("start", hm(start))
                .arg("end", hm(end))
                .arg("byContract", yes_no(by_contract)),
            Reason::CallsUsedUp(n) => Msg::new(MsgId::VerdictCallsUsedUp).arg("limit", *n),
            Reason::MeetingTodayUsedUp { limit, by_contract } => {
                Msg::new(MsgId::VerdictMeetingTodayUsedUp).arg("limit", *limit).arg("byContract", yes_no(by_contract))
            }
            Reason::MeetingsThisWeekUsedUp { limit, by_contract } => Msg::new(MsgId::VerdictMeetingsThisWeekUsedUp)
                .arg("limit", *limit)
                .arg("byContract", yes_no(by_contract)),
            Reason::ConscriptProtected(until) => {
                Msg::new(MsgId::VerdictConscriptProtected).arg("until", until.to_string())
            }
            Reason::DeferralWithoutInterest(until) => {
                Msg::new(MsgId::VerdictDeferralWithoutInterest).arg("until", until.to_string())
            }
            Reason::ApplicationUnderReview => Msg::new(MsgId::VerdictApplicationUnderReview),
            Reason::AtCollectionAgency => Msg::new(MsgId::VerdictAtCollectionAgency),
            Reason::HomeProtected(until) => Msg::new(MsgId::VerdictHomeProtected).arg("until", until.to_string()),
            Reason::NoMortgage => Msg::new(MsgId::VerdictNoMortgage),
            Reason::NotOverdue => Msg::new(MsgId::VerdictNotOverdue),
            Reason::OverdueTooShort { needed, days } => {
                Msg::new(MsgId::VerdictOverdueTooShort).arg("needed", *needed).arg("days", *days)
            }
            Reason::Insolvency => Msg::new(MsgId::VerdictInsolvency),
            // R14, read as "settlement first" (docs/law.md, R14): the claim goes to
            // an agency only after a reducing settlement carried out within the months
            // from the overdue date; once they have passed without one, never.
            Reason::NoReducingSettlement { months, window_end, passed } => Msg::new(if *passed {
                MsgId::VerdictNoReducingSettlementPassed
            } else {
                MsgId::VerdictNoReducingSettlementYet
            })
            .arg("months", *months)
            .arg("windowEnd", window_end.to_string()),
            Reason::ClaimAlreadyAssigned => Msg::new(MsgId::VerdictClaimAlreadyAssigned),
            Reason::ContractForbidsAgency => Msg::new(MsgId::VerdictContractForbidsAgency),
            Reason::AlreadyAtAgency => Msg::new(MsgId::VerdictAlreadyAtAgency),
            Reason::NotABusiness => Msg::new(MsgId::VerdictNotABusiness),
        }
    }
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

/// X3/X4: the first instant at or after `t` that is inside the policy's contact window of
/// a business day.
pub fn window_open_at_or_after(cal: &Calendar, p: &Policy, t: DateTime<Utc>) -> DateTime<Utc> {
    Window::of_policy(p).open_at_or_after(cal, t)
}

/// X3/X4: outside the window at `at`, and when it opens.
fn window_block(cal: &Calendar, w: Window, by_contract: bool, at: DateTime<Utc>, rule: &'static str) -> Option<Block> {
    let local = cal.local(at);
    let clears_at = Some(w.open_at_or_after(cal, at));
    if !w.open_day(cal, local.date()) {
        return Some(Block { rule, reason: Reason::NotAWorkingDay, clears_at });
    }
    if local.time() < w.start || local.time() >= w.end {
        return Some(Block {
            rule,
            reason: Reason::OutsideHours { start: w.start, end: w.end, by_contract },
            clears_at,
        });
    }
    None
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

/// X3: at most the policy's calls a day, inside the policy's window of a business day. The
/// seed gives no contract exception for calls.
fn call(f: &Facts, at: DateTime<Utc>, cal: &Calendar, p: &Policy) -> Judged {
    let today = cal.local_date(at);
    let window = Window::of_policy(p);
    let mut j = Judged::new(&["X3"]);
    j.window = Some(window);
    j.blocks.extend(window_block(cal, window, false, at, "X3"));
    let used = f
        .contacts
        .iter()
        .filter(|c| {
            c.channel == ContactChannel::Call && c.party == ContactParty::Borrower && cal.local_date(c.at) == today
        })
        .count() as u32;
    let limit = p.contact.calls_per_day;
    j.remaining = Some(limit.saturating_sub(used));
    if used >= limit {
        j.blocks.push(Block {
            rule: "X3",
            reason: Reason::CallsUsedUp(limit),
            clears_at: Some(window.open_at_or_after(cal, next_day_start(cal, today))),
        });
    }
    j
}

/// X4: meetings at the MFO's premises, per day and per week (Monday to Sunday), inside the
/// window, on business days: the contract's terms where it sets them (cited as CONTRACT).
fn office_meeting(f: &Facts, at: DateTime<Utc>, cal: &Calendar, p: &Policy) -> Judged {
    let today = cal.local_date(at);
    let terms = meeting_terms(&f.contract_meetings, p);
    let mut j = Judged::new(if terms.by_contract { &["X4", CONTRACT] } else { &["X4"] });
    j.window = Some(terms.window);
    j.blocks.extend(window_block(cal, terms.window, terms.by_contract, at, "X4"));
    let meetings: Vec<NaiveDate> = f
        .contacts
        .iter()
        .filter(|c| c.channel == ContactChannel::OfficeMeeting && c.party == ContactParty::Borrower)
        .map(|c| cal.local_date(c.at))
        .collect();
    let week_start = monday(today);
    let today_count = meetings.iter().filter(|d| **d == today).count() as u32;
    let week_count = meetings.iter().filter(|d| **d >= week_start && **d <= today).count() as u32;
    let (per_day, per_week, by_contract) = (terms.per_day, terms.per_week, terms.by_contract);
    j.remaining = Some(per_day.saturating_sub(today_count).min(per_week.saturating_sub(week_count)));
    if week_count >= per_week {
        let next_week = week_start.checked_add_days(Days::new(7)).unwrap_or(NaiveDate::MAX);
        j.blocks.push(Block {
            rule: "X4",
            reason: Reason::MeetingsThisWeekUsedUp { limit: per_week, by_contract },
            clears_at: Some(terms.window.open_at_or_after(cal, cal.instant(next_week, NaiveTime::MIN))),
        });
    } else if today_count >= per_day {
        j.blocks.push(Block {
            rule: "X4",
            reason: Reason::MeetingTodayUsedUp { limit: per_day, by_contract },
            clears_at: Some(terms.window.open_at_or_after(cal, next_day_start(cal, today))),
        });
    }
    j
}

/// R18: while the debt is with an agency the MFO sues for nothing (a foreclosure suit
/// is a suit for the debt it secures).
fn agency_block(f: &Facts) -> Option<Block> {
    f.at_agency.then_some(Block { rule: "R18", reason: Reason::AtCollectionAgency, clears_at: None })
}

/// R17.4 with R18: a suit for the debt. R16 does not bar it: R16 bars foreclosure on the
/// mortgaged home through the courts ("обращение взыскания на заложенное имущество путем
/// подачи иска в суд"), not a claim for the money.
fn file_lawsuit(f: &Facts) -> Judged {
    let mut j = Judged::new(&["R17.4", "R18"]);
    j.blocks.extend(agency_block(f));
    if f.overdue_since.is_none() {
        j.blocks.push(Block { rule: "R17.4", reason: Reason::NotOverdue, clears_at: None });
    }
    j
}

/// R17.4: foreclosure on the mortgaged property; R18 while at an agency; R16 while the
/// regulator reviews a protected borrower's appeal (until day 60).
fn foreclose(f: &Facts, cal: &Calendar, today: NaiveDate) -> Judged {
    let mut j = Judged::new(&["R17.4", "R18", "R16"]);
    if !f.mortgage_secured {
        j.blocks.push(Block { rule: "R17.4", reason: Reason::NoMortgage, clears_at: None });
    }
    if f.overdue_since.is_none() {
        j.blocks.push(Block { rule: "R17.4", reason: Reason::NotOverdue, clears_at: None });
    }
    j.blocks.extend(agency_block(f));
    if let Some(until) = f.home_protected_until.filter(|u| *u >= today) {
        j.blocks.push(Block {
            rule: "R16",
            reason: Reason::HomeProtected(until),
            clears_at: Some(next_day_start(cal, until)),
        });
    }
    j
}

/// R17.3: assignment of the claim to any third party (a bank, a fund, an agency): more
/// than 90 (180 when mortgage-secured) consecutive overdue days, not during insolvency.
fn assign_claim(f: &Facts, cal: &Calendar, today: NaiveDate, p: &Policy) -> Judged {
    let mut j = Judged::new(&["R17.3"]);
    if in_force(f.claim_assigned_on, today) {
        j.blocks.push(Block { rule: "R17.3", reason: Reason::ClaimAlreadyAssigned, clears_at: None });
    }
    let insolvent = in_force(f.insolvency_from, today) && f.insolvency_to.is_none_or(|to| to >= today);
    if insolvent {
        let clears = f.insolvency_to.map(|to| next_day_start(cal, to));
        j.blocks.push(Block { rule: "R17.3", reason: Reason::Insolvency, clears_at: clears });
    }
    let needed =
        if f.mortgage_secured { p.assignment.min_overdue_days_mortgage } else { p.assignment.min_overdue_days };
    match f.overdue_since {
        None => j.blocks.push(Block { rule: "R17.3", reason: Reason::NotOverdue, clears_at: None }),
        Some(since) => {
            // Day 1 is the overdue date; "more than N consecutive days" is day N+1.
            let days = (today - since).num_days() + 1;
            if days <= i64::from(needed) {
                let first_day = since.checked_add_days(Days::new(u64::from(needed))).unwrap_or(NaiveDate::MAX);
                j.blocks.push(Block {
                    rule: "R17.3",
                    reason: Reason::OverdueTooShort { needed, days },
                    clears_at: Some(cal.instant(first_day, NaiveTime::MIN)),
                });
            }
        }
    }
    j
}

/// R14 on top of R17.3, for an assignment to a collection agency. Read as "settlement
/// first" (docs/law.md, R14): a non-business loan's claim goes to an agency only
/// once a settlement reducing the obligation was carried out within 24 months of the
/// overdue date; before one, the answer is no (no known end); after the 24 months without
/// one, no for good.
fn assign_claim_to_agency(f: &Facts, cal: &Calendar, today: NaiveDate, p: &Policy) -> Judged {
    let mut j = assign_claim(f, cal, today, p);
    j.basis.push("R14");
    if let (false, Some(since)) = (f.business_purpose, f.overdue_since) {
        let months = p.assignment.agency_reducing_settlement_window_months;
        let window_end = since.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX);
        let settled = f.reducing_settlement_on.is_some_and(|s| s >= since && s <= window_end && s <= today);
        if !settled {
            j.blocks.push(Block {
                rule: "R14",
                reason: Reason::NoReducingSettlement { months, window_end, passed: today > window_end },
                clears_at: None,
            });
        }
    }
    j
}

/// The verdict on one action at `at`.
pub fn verdict(action: CollectionAction, f: &Facts, at: DateTime<Utc>, cal: &Calendar, p: &Policy) -> Verdict {
    let today = cal.local_date(at);
    let mut j = match action {
        CollectionAction::Call => call(f, at, cal, p),
        CollectionAction::OfficeMeeting => office_meeting(f, at, cal, p),
        CollectionAction::Sms | CollectionAction::Email | CollectionAction::Messenger | CollectionAction::Letter => {
            Judged::new(&["X1"])
        }
        CollectionAction::ContactThirdParty => {
            let mut j = Judged::new(&["X5"]);
            j.allowed_reason = Reason::ThirdPartyLocateOnly;
            j
        }
        CollectionAction::DemandEarlyRepayment => {
            let mut j = Judged::new(&["R9"]);
            if f.application_under_review {
                j.blocks.push(Block { rule: "R9", reason: Reason::ApplicationUnderReview, clears_at: None });
            }
            j
        }
        CollectionAction::ChargeInterest => {
            let mut j = Judged::new(&["R18"]);
            j.blocks.extend(agency_block(f));
            if let Some(c) = f.conscript.filter(|c| c.deferral_in_force && today <= c.protected_until) {
                j.blocks.push(Block {
                    rule: "M2",
                    reason: Reason::DeferralWithoutInterest(c.protected_until),
                    clears_at: Some(next_day_start(cal, c.protected_until)),
                });
            }
            j
        }
        CollectionAction::AccruePenalty => {
            let mut j = Judged::new(&["R18"]);
            j.blocks.extend(agency_block(f));
            j
        }
        CollectionAction::FileLawsuit => file_lawsuit(f),
        CollectionAction::Foreclose => foreclose(f, cal, today),
        CollectionAction::AssignClaim => assign_claim(f, cal, today, p),
        CollectionAction::AssignClaimToAgency => assign_claim_to_agency(f, cal, today, p),
        CollectionAction::HandToCollectionAgency => {
            let mut j = Judged::new(&["R17.2"]);
            if !f.contract_allows_agency {
                j.blocks.push(Block { rule: "R17.2", reason: Reason::ContractForbidsAgency, clears_at: None });
            }
            if f.overdue_since.is_none() {
                j.blocks.push(Block { rule: "R17.2", reason: Reason::NotOverdue, clears_at: None });
            }
            if f.at_agency {
                j.blocks.push(Block { rule: "R17.2", reason: Reason::AlreadyAtAgency, clears_at: None });
            }
            j
        }
        CollectionAction::FileBankruptcy => {
            let mut j = Judged::new(&["R17.5"]);
            if !f.business_purpose {
                j.blocks.push(Block { rule: "R17.5", reason: Reason::NotABusiness, clears_at: None });
            }
            j
        }
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
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use crate::rules::calendar::tests::kz;
    use crate::rules::policy::tests::shipped;
    use entity::enums::Jurisdiction;

    fn p() -> Policy {
        shipped(Jurisdiction::Kz).policy
    }

    /// Local Almaty time (UTC+5) as UTC.
    fn almaty(s: &str) -> DateTime<Utc> {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("time").and_utc()
            - chrono::Duration::hours(5)
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
        f.contacts =
            vec![meeting("2026-03-16 10:00:00"), meeting("2026-03-17 10:00:00"), meeting("2026-03-18 10:00:00")];
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
        f.conscript = Some(Conscript {
            service_start: d("2026-02-01"),
            protected_until: d("2027-04-01"),
            deferral_in_force: true,
        });
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
}
