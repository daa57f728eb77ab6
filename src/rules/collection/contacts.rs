//! The verdicts' own rules for contacts with the debtor (X1, X3, X4, X5). They count the
//! contacts in the facts they are given; they never read the contact log.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use entity::enums::{ContactChannel, ContactParty};

use super::{Block, CONTRACT, Facts, Judged, Reason, Window, meeting_terms, monday, next_day_start, window_block};
use crate::rules::calendar::Calendar;
use crate::rules::policy::Policy;

/// X3: at most the policy's calls a day, inside the policy's window of a business day. The
/// seed gives no contract exception for calls.
pub(super) fn call(f: &Facts, at: DateTime<Utc>, cal: &Calendar, p: &Policy) -> Judged {
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
pub(super) fn office_meeting(f: &Facts, at: DateTime<Utc>, cal: &Calendar, p: &Policy) -> Judged {
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

/// X1: SMS, e-mail, messengers and letters are lawful channels; their own rules refuse
/// nothing (the letter's address is checked when the contact is recorded).
pub(super) fn written_contact() -> Judged {
    Judged::new(&["X1"])
}

/// X5: a third party may be contacted, but only to find the borrower.
pub(super) fn contact_third_party() -> Judged {
    let mut j = Judged::new(&["X5"]);
    j.allowed_reason = Reason::ThirdPartyLocateOnly;
    j
}
