//! X3, X4: when contacts may happen: the policy's window, a contract's own meeting terms,
//! and the first instant a window opens. Pure: the calendar and the instant come in.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use super::{Block, Reason};
use crate::rules::calendar::Calendar;
use crate::rules::policy::Policy;

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

/// X3/X4: the first instant at or after `t` that is inside the policy's contact window of
/// a business day.
pub fn window_open_at_or_after(cal: &Calendar, p: &Policy, t: DateTime<Utc>) -> DateTime<Utc> {
    Window::of_policy(p).open_at_or_after(cal, t)
}

/// X3/X4: outside the window at `at`, and when it opens.
pub(super) fn window_block(
    cal: &Calendar,
    w: Window,
    by_contract: bool,
    at: DateTime<Utc>,
    rule: &'static str,
) -> Option<Block> {
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
