//! Business-day arithmetic per jurisdiction: weekends, official days off, worked weekend
//! days, and the jurisdiction's local time zone (docs/law.md, "Counting days").
//!
//! "Within N days from X" ends at the end of the N-th day after X, local time; `Due`
//! carries both that day and the first instant that is late.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use entity::enums::{HolidayKind, Jurisdiction};

/// The jurisdiction's civil time zone.
pub fn time_zone(j: Jurisdiction) -> Tz {
    match j {
        Jurisdiction::Kz => chrono_tz::Asia::Almaty,
        Jurisdiction::Kg => chrono_tz::Asia::Bishkek,
    }
}

#[derive(Debug, Clone)]
pub struct Calendar {
    jurisdiction: Jurisdiction,
    tz: Tz,
    days_off: BTreeSet<NaiveDate>,
    worked_weekend_days: BTreeSet<NaiveDate>,
}

/// When a duty falls due: the last allowed local day and the first late instant (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub date: NaiveDate,
    pub at: DateTime<Utc>,
}

impl Calendar {
    pub fn new(jurisdiction: Jurisdiction, days: impl IntoIterator<Item = (NaiveDate, HolidayKind)>) -> Self {
        let mut days_off = BTreeSet::new();
        let mut worked_weekend_days = BTreeSet::new();
        for (date, kind) in days {
            match kind {
                HolidayKind::DayOff => days_off.insert(date),
                HolidayKind::WorkingDay => worked_weekend_days.insert(date),
            };
        }
        Self { jurisdiction, tz: time_zone(jurisdiction), days_off, worked_weekend_days }
    }

    pub fn jurisdiction(&self) -> Jurisdiction {
        self.jurisdiction
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// A day on which the MFO works: a weekday that is not a day off, or a worked weekend day.
    pub fn is_business_day(&self, d: NaiveDate) -> bool {
        if self.worked_weekend_days.contains(&d) {
            return true;
        }
        if self.days_off.contains(&d) {
            return false;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The `n`-th business day after `from` (`from` itself is never counted).
    pub fn add_business_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut d = from;
        let mut left = n;
        while left > 0 {
            d = next_day(d);
            if self.is_business_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// `d` when it is a business day, otherwise the next one.
    pub fn business_day_on_or_after(&self, d: NaiveDate) -> NaiveDate {
        let mut d = d;
        while !self.is_business_day(d) {
            d = next_day(d);
        }
        d
    }

    pub fn local(&self, t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&self.tz).naive_local()
    }

    pub fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        self.local(t).date()
    }

    /// The UTC instant of a local wall-clock time; in a DST gap, the first instant after it.
    pub fn instant(&self, d: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        let naive = d.and_time(time);
        match self.tz.from_local_datetime(&naive) {
            chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
            chrono::LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
            // Neither zone observes DST today; this keeps the function total for old dates.
            chrono::LocalResult::None => self.instant(d, time + chrono::Duration::hours(1)),
        }
    }

    /// The first instant of the local day after `d`: a duty due on `d` is late from here.
    pub fn end_of_day(&self, d: NaiveDate) -> DateTime<Utc> {
        self.instant(next_day(d), NaiveTime::MIN)
    }

    /// Due within `n` business days of `from` (C4, C5, C8, C9, R6).
    pub fn due_in_business_days(&self, from: NaiveDate, n: u32) -> Due {
        let date = self.add_business_days(from, n);
        Due { date, at: self.end_of_day(date) }
    }

    /// Due within `n` calendar days of `from` (R1, R8, R11, R12, R13, R15, M1, M3).
    pub fn due_in_calendar_days(&self, from: NaiveDate, n: u32) -> Due {
        let date = from.checked_add_days(Days::new(u64::from(n))).unwrap_or(NaiveDate::MAX);
        Due { date, at: self.end_of_day(date) }
    }
}

fn next_day(d: NaiveDate) -> NaiveDate {
    d.succ_opt().unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn load(j: Jurisdiction) -> Calendar {
        let text = match j {
            Jurisdiction::Kz => include_str!("../../calendars/KZ.csv"),
            Jurisdiction::Kg => include_str!("../../calendars/KG.csv"),
        };
        let days = migration::seed::parse_calendar_csv(text).expect("shipped calendar parses");
        Calendar::new(
            j,
            days.into_iter().map(|d| {
                let kind = if d.kind == "DAY_OFF" { HolidayKind::DayOff } else { HolidayKind::WorkingDay };
                (d.date, kind)
            }),
        )
    }

    pub(crate) fn kz() -> Calendar {
        load(Jurisdiction::Kz)
    }

    pub(crate) fn kg() -> Calendar {
        load(Jurisdiction::Kg)
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    /// Almaty moved from UTC+6 to UTC+5 on 2024-03-01: a local-time rule (X3's window, a
    /// local date) uses the offset in force at the instant, not today's.
    #[test]
    fn almaty_local_time_uses_the_offset_in_force_at_that_instant() {
        let kz = load(Jurisdiction::Kz);
        let at = |s: &str| DateTime::parse_from_rfc3339(s).expect("instant").with_timezone(&Utc);
        let hm = |t: NaiveDateTime| t.format("%Y-%m-%d %H:%M").to_string();
        assert_eq!(hm(kz.local(at("2024-02-20T02:30:00Z"))), "2024-02-20 08:30", "UTC+6 before the change");
        assert_eq!(hm(kz.local(at("2024-03-20T02:30:00Z"))), "2024-03-20 07:30", "UTC+5 after it");
        assert_eq!(kz.local_date(at("2024-02-20T18:30:00Z")).to_string(), "2024-02-21");
        assert_eq!(kz.local_date(at("2024-03-20T18:30:00Z")).to_string(), "2024-03-20");
        assert_eq!(
            kz.instant(NaiveDate::from_ymd_opt(2024, 2, 20).expect("date"), NaiveTime::MIN),
            at("2024-02-19T18:00:00Z")
        );
    }

    #[test]
    fn business_day_additions_cross_real_holidays() {
        // (calendar, from, n, expected, why)
        let cases: &[(Jurisdiction, &str, u32, &str, &str)] = &[
            (Jurisdiction::Kg, "2025-12-29", 10, "2026-01-19", "KG New Year 1-2 and 5-7 January are off"),
            (Jurisdiction::Kz, "2026-03-20", 1, "2026-03-26", "KZ Nauryz 23-25 March after a weekend"),
            (Jurisdiction::Kz, "2026-03-20", 0, "2026-03-20", "zero days is the day itself"),
            (Jurisdiction::Kg, "2026-04-30", 1, "2026-05-11", "KG May holidays 1 and 4-8 May"),
            (Jurisdiction::Kg, "2026-04-24", 10, "2026-05-18", "KG: ten business days across the May holidays"),
            (Jurisdiction::Kz, "2025-01-03", 1, "2025-01-05", "KZ worked Sunday 2025-01-05"),
            (Jurisdiction::Kg, "2025-01-10", 1, "2025-01-11", "KG worked Saturday 2025-01-11"),
            (Jurisdiction::Kz, "2026-11-20", 1, "2026-11-23", "an ordinary weekend"),
            (Jurisdiction::Kz, "2026-12-15", 1, "2026-12-17", "KZ Independence Day 16 December"),
        ];
        for (j, from, n, expected, why) in cases {
            let cal = load(*j);
            assert_eq!(cal.add_business_days(d(from), *n), d(expected), "{j:?} {from} + {n}: {why}");
        }
    }

    #[test]
    fn days_off_and_worked_weekend_days_are_classified() {
        let kz = kz();
        assert!(!kz.is_business_day(d("2026-03-23")), "Nauryz");
        assert!(!kz.is_business_day(d("2026-03-21")), "Saturday");
        assert!(kz.is_business_day(d("2025-01-05")), "worked Sunday");
        assert!(kz.is_business_day(d("2026-03-20")), "ordinary Friday");
        let kg = kg();
        assert!(!kg.is_business_day(d("2026-03-20")), "Orozo Ait in KG");
    }

    #[test]
    fn due_ends_at_local_midnight_after_the_last_day() {
        let kz = kz();
        let due = kz.due_in_calendar_days(d("2026-01-10"), 20);
        assert_eq!(due.date, d("2026-01-30"));
        // Almaty is UTC+5 since 2024-03-01: local midnight of the 31st is 19:00 UTC on the 30th.
        assert_eq!(due.at.to_rfc3339(), "2026-01-30T19:00:00+00:00");
        let kg = kg();
        let due = kg.due_in_business_days(d("2025-12-29"), 10);
        assert_eq!(due.date, d("2026-01-19"));
        // Bishkek is UTC+6.
        assert_eq!(due.at.to_rfc3339(), "2026-01-19T18:00:00+00:00");
    }

    #[test]
    fn local_dates_follow_the_jurisdiction_time_zone() {
        let t = DateTime::parse_from_rfc3339("2026-03-22T19:30:00Z").expect("instant").with_timezone(&Utc);
        assert_eq!(kz().local_date(t), d("2026-03-23"), "00:30 in Almaty");
        assert_eq!(kg().local_date(t), d("2026-03-23"), "01:30 in Bishkek");
        let t = DateTime::parse_from_rfc3339("2026-03-22T18:30:00Z").expect("instant").with_timezone(&Utc);
        assert_eq!(kz().local_date(t), d("2026-03-22"), "23:30 in Almaty");
    }
}
