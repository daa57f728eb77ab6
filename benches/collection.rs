//! `permittedActions`' pure part: every verdict for one loan with a busy week of contacts,
//! as an MFO (16 actions) and as an agency (7). The HTTP figure comes with the load
//! benchmark.

use std::hint::black_box;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use entity::enums::{ContactChannel, ContactParty, HolidayKind, Jurisdiction, Role};
use mfo_api::rules::calendar::Calendar;
use mfo_api::rules::collection::{Conscript, ContactFact, Facts, verdicts};
use mfo_api::rules::policy::Policy;

fn calendar() -> Calendar {
    let days = migration::seed::parse_calendar_csv(include_str!("../calendars/KZ.csv")).expect("calendar");
    Calendar::new(
        Jurisdiction::Kz,
        days.into_iter()
            .map(|d| (d.date, if d.kind == "DAY_OFF" { HolidayKind::DayOff } else { HolidayKind::WorkingDay })),
    )
}

fn policy() -> Policy {
    serde_json::from_str(include_str!("../policies/kz-2024-09-09.json")).expect("policy")
}

fn facts(at: DateTime<Utc>) -> Facts {
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    Facts {
        overdue_since: Some(d("2026-01-01")),
        mortgage_secured: true,
        contract_allows_agency: true,
        home_protected_until: Some(d("2026-03-20")),
        conscript: Some(Conscript {
            service_start: d("2027-01-01"),
            protected_until: d("2028-03-01"),
            deferral_in_force: false,
        }),
        contacts: (0..20)
            .map(|i| ContactFact {
                at: at - Duration::hours(i * 5),
                channel: if i % 3 == 0 { ContactChannel::OfficeMeeting } else { ContactChannel::Call },
                party: ContactParty::Borrower,
            })
            .collect(),
        ..Facts::default()
    }
}

fn bench(c: &mut Criterion) {
    let cal = calendar();
    let p = policy();
    let at = DateTime::parse_from_rfc3339("2026-03-19T06:00:00Z").expect("instant").with_timezone(&Utc);
    let f = facts(at);
    c.bench_function("permitted_actions/mfo_16_actions", |b| {
        b.iter(|| verdicts(black_box(Role::MfoStaff), black_box(&f), black_box(at), &cal, &p))
    });
    c.bench_function("permitted_actions/agency_7_actions", |b| {
        b.iter(|| verdicts(black_box(Role::CollectionAgency), black_box(&f), black_box(at), &cal, &p))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
