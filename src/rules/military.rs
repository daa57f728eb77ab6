//! Conscripted borrowers (docs/law.md M1–M6): when the deferral must be granted, how long it
//! and the suspension of collection last, the refusal window, and the deferred schedule.

use chrono::{Days, Months, NaiveDate};

use super::Refusal;
use super::calendar::{Calendar, Due};
use super::loans::{Installment, Ledger};
use super::policy::Policy;
use crate::error::UserErrorReason;

/// M6: none of M1–M5 applies where a court act, an enforcement inscription or a settlement
/// or mediation agreement exists (on or before `today`).
pub fn applicable(
    court_act: Option<NaiveDate>,
    enforcement: Option<NaiveDate>,
    settlement: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    ![court_act, enforcement, settlement].iter().any(|d| d.is_some_and(|d| d <= today))
}

/// M1: the MFO grants the deferral within N calendar days of the bureau's data.
pub fn grant_due(cal: &Calendar, p: &Policy, bureau_on: NaiveDate) -> Due {
    cal.due_in_calendar_days(bureau_on, p.military.grant_calendar_days)
}

/// M1, M4, M5: the last protected day: N days after the end of service, or after an
/// earlier discharge (removal from the unit's lists).
pub fn protected_until(p: &Policy, service_end: NaiveDate, discharged_on: Option<NaiveDate>) -> NaiveDate {
    let end = discharged_on.filter(|d| *d < service_end).unwrap_or(service_end);
    end.checked_add_days(Days::new(u64::from(p.military.deferral_extra_days))).unwrap_or(NaiveDate::MAX)
}

/// M3: the borrower refuses within N calendar days of the notice of the deferral.
pub fn check_refusal_in_time(p: &Policy, notified_on: NaiveDate, refused_on: NaiveDate) -> Result<(), Refusal> {
    let last =
        notified_on.checked_add_days(Days::new(u64::from(p.military.refusal_calendar_days))).unwrap_or(NaiveDate::MAX);
    if refused_on > last {
        return Err(Refusal::rule("M3", UserErrorReason::RefusalWindowClosed).with_param("lastDay", last.to_string()));
    }
    Ok(())
}

/// M3: the MFO confirms the refusal within N calendar days of it.
pub fn confirmation_due(cal: &Calendar, p: &Policy, refused_on: NaiveDate) -> Due {
    cal.due_in_calendar_days(refused_on, p.military.refusal_confirmation_calendar_days)
}

/// M2: the deferred schedule. Unpaid installments falling due from the start of service on
/// move later by whole months, so that none falls due before the protected period ends;
/// the payment size stays and no interest is added for the period: the term grows. Paid
/// parts stay where they are.
pub fn deferred_schedule(ledger: &Ledger, service_start: NaiveDate, protected_until: NaiveDate) -> Vec<Installment> {
    let mut out: Vec<Installment> = Vec::new();
    let affected: Vec<_> = ledger.installments.iter().filter(|s| s.due_date >= service_start && !s.is_paid()).collect();
    let shift = affected.first().map(|first| {
        let mut months = 0u32;
        while first.due_date.checked_add_months(Months::new(months)).is_some_and(|d| d <= protected_until) {
            months += 1;
        }
        months
    });
    for s in &ledger.installments {
        let moves = s.due_date >= service_start && !s.is_paid();
        if moves {
            let paid = s.paid_principal + s.paid_interest;
            if paid > rust_decimal::Decimal::ZERO {
                out.push(Installment {
                    seq: 0,
                    due_date: s.due_date,
                    principal: s.paid_principal,
                    interest: s.paid_interest,
                });
            }
            let due = s.due_date.checked_add_months(Months::new(shift.unwrap_or(0))).unwrap_or(s.due_date);
            out.push(Installment {
                seq: 0,
                due_date: due,
                principal: s.unpaid_principal(),
                interest: s.unpaid_interest(),
            });
        } else {
            out.push(Installment { seq: 0, due_date: s.due_date, principal: s.principal, interest: s.interest });
        }
    }
    out.sort_by_key(|i| i.due_date);
    for (n, i) in out.iter_mut().enumerate() {
        i.seq = n as i32 + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::calendar::tests::kz;
    use crate::rules::policy::tests::shipped;
    use entity::enums::{Jurisdiction, RepaymentOrder};
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn m1_m4_the_protected_period_is_service_plus_60_days_or_discharge_plus_60() {
        let p = shipped(Jurisdiction::Kz).policy;
        assert_eq!(grant_due(&kz(), &p, d("2026-03-01")).date, d("2026-03-16"), "M1");
        assert_eq!(protected_until(&p, d("2027-06-01"), None), d("2027-07-31"));
        assert_eq!(protected_until(&p, d("2027-06-01"), Some(d("2027-01-10"))), d("2027-03-11"), "M4");
        assert_eq!(
            protected_until(&p, d("2027-06-01"), Some(d("2027-08-01"))),
            d("2027-07-31"),
            "a later date is no discharge"
        );
    }

    #[test]
    fn m3_refusal_within_14_days_and_confirmation_within_15() {
        let p = shipped(Jurisdiction::Kz).policy;
        assert!(check_refusal_in_time(&p, d("2026-03-01"), d("2026-03-15")).is_ok());
        assert_eq!(check_refusal_in_time(&p, d("2026-03-01"), d("2026-03-16")).expect_err("late").rule, Some("M3"));
        assert_eq!(confirmation_due(&kz(), &p, d("2026-03-16")).date, d("2026-03-31"));
    }

    #[test]
    fn m6_court_act_enforcement_or_settlement_excludes_the_protection() {
        let today = d("2026-05-01");
        assert!(applicable(None, None, None, today));
        assert!(!applicable(Some(d("2026-01-01")), None, None, today));
        assert!(!applicable(None, None, Some(d("2026-04-30")), today));
        assert!(applicable(None, Some(d("2026-06-01")), None, today), "not yet in force");
    }

    #[test]
    fn m2_the_term_grows_and_the_payment_size_stays() {
        let schedule: Vec<Installment> = (1..=4)
            .map(|m| Installment {
                seq: m,
                due_date: d(&format!("2026-0{m}-10")),
                principal: dec!(1000),
                interest: dec!(100),
            })
            .collect();
        let ledger = Ledger::build(&schedule, &[], RepaymentOrder::InterestFirst);
        let s = deferred_schedule(&ledger, d("2026-02-01"), d("2026-05-20"));
        let dates: Vec<NaiveDate> = s.iter().map(|i| i.due_date).collect();
        assert_eq!(dates, vec![d("2026-01-10"), d("2026-06-10"), d("2026-07-10"), d("2026-08-10")]);
        assert!(s.iter().all(|i| i.principal == dec!(1000) && i.interest == dec!(100)), "same size, no extra interest");
    }
}
