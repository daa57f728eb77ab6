//! Loan arithmetic: how payments are allocated to the schedule, what is overdue and since
//! when, and what remains (R1's overdue date and amount; C9's figures build on this).
//!
//! Allocation is oldest installment first; within an installment interest before
//! principal (`InterestFirst`) or the other way round (`PrincipalFirst`, R2.3). A payment
//! larger than what is due prepays the next installments. Penalties are not modelled: the
//! core-banking system does not send them.

use chrono::NaiveDate;
use entity::enums::{Currency, RepaymentOrder};
use rust_decimal::Decimal;

use crate::money::Money;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installment {
    pub seq: i32,
    pub due_date: NaiveDate,
    pub principal: Decimal,
    pub interest: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// Local date the money arrived.
    pub paid_on: NaiveDate,
    pub amount: Decimal,
}

/// Where (part of) one payment went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    /// Index of the payment in the order given (payments are taken in date order).
    pub payment: usize,
    pub installment_seq: i32,
    pub to_interest: Decimal,
    pub to_principal: Decimal,
}

/// One installment after allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallmentState {
    pub seq: i32,
    pub due_date: NaiveDate,
    pub principal: Decimal,
    pub interest: Decimal,
    pub paid_principal: Decimal,
    pub paid_interest: Decimal,
}

impl InstallmentState {
    pub fn unpaid_principal(&self) -> Decimal {
        self.principal - self.paid_principal
    }
    pub fn unpaid_interest(&self) -> Decimal {
        self.interest - self.paid_interest
    }
    pub fn unpaid(&self) -> Decimal {
        self.unpaid_principal() + self.unpaid_interest()
    }
    pub fn is_paid(&self) -> bool {
        self.unpaid() <= Decimal::ZERO
    }
    /// R1: past its due date (local) and not paid in full.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.due_date < today && !self.is_paid()
    }
}

/// The state of a loan's schedule after its payments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ledger {
    pub installments: Vec<InstallmentState>,
    pub allocations: Vec<Allocation>,
    pub paid_total: Decimal,
    /// Money received beyond the whole schedule.
    pub unallocated: Decimal,
    /// The payments in date order, kept to date the overdue episode.
    pub payments: Vec<Payment>,
}

impl Ledger {
    /// Allocates `payments` (any order) to `installments` (any order).
    pub fn build(installments: &[Installment], payments: &[Payment], order: RepaymentOrder) -> Self {
        let mut states: Vec<InstallmentState> = installments
            .iter()
            .map(|i| InstallmentState {
                seq: i.seq,
                due_date: i.due_date,
                principal: i.principal,
                interest: i.interest,
                paid_principal: Decimal::ZERO,
                paid_interest: Decimal::ZERO,
            })
            .collect();
        states.sort_by_key(|s| (s.due_date, s.seq));
        let mut by_date: Vec<(usize, &Payment)> = payments.iter().enumerate().collect();
        by_date.sort_by_key(|(i, p)| (p.paid_on, *i));

        let mut allocations = Vec::new();
        let mut paid_total = Decimal::ZERO;
        let mut unallocated = Decimal::ZERO;
        for (index, payment) in by_date {
            paid_total += payment.amount;
            let mut left = payment.amount;
            for s in states.iter_mut().filter(|s| !s.is_paid()) {
                if left <= Decimal::ZERO {
                    break;
                }
                let first_interest = match order {
                    RepaymentOrder::InterestFirst => true,
                    RepaymentOrder::PrincipalFirst => false,
                };
                let mut to_interest = Decimal::ZERO;
                let mut to_principal = Decimal::ZERO;
                for interest_turn in [first_interest, !first_interest] {
                    let (unpaid, taken) = if interest_turn {
                        (s.unpaid_interest(), &mut to_interest)
                    } else {
                        (s.unpaid_principal(), &mut to_principal)
                    };
                    let take = left.min(unpaid).max(Decimal::ZERO);
                    *taken += take;
                    left -= take;
                }
                s.paid_interest += to_interest;
                s.paid_principal += to_principal;
                allocations.push(Allocation { payment: index, installment_seq: s.seq, to_interest, to_principal });
            }
            unallocated += left.max(Decimal::ZERO);
        }
        let mut payments = payments.to_vec();
        payments.sort_by_key(|p| p.paid_on);
        Self { installments: states, allocations, paid_total, unallocated, payments }
    }

    /// The first day of the current, uninterrupted overdue: the loan is overdue at the end
    /// of a day when less has been paid by then than fell due before it (payments go to the
    /// oldest installment first, so that is exactly when a past-due installment is not
    /// fully paid). A payment that clears everything past due ends the episode; a later
    /// overdue starts a new one.
    pub fn overdue_episode_since(&self, today: NaiveDate) -> Option<NaiveDate> {
        let due_before = |d: NaiveDate| -> Decimal {
            self.installments.iter().filter(|s| s.due_date < d).map(|s| s.principal + s.interest).sum()
        };
        let paid_by =
            |d: NaiveDate| -> Decimal { self.payments.iter().filter(|p| p.paid_on <= d).map(|p| p.amount).sum() };
        let mut days: Vec<NaiveDate> = self
            .installments
            .iter()
            .filter_map(|s| s.due_date.succ_opt())
            .chain(self.payments.iter().map(|p| p.paid_on))
            .filter(|d| *d <= today)
            .collect();
        days.sort_unstable();
        days.dedup();
        let mut start = None;
        for d in days {
            let overdue = paid_by(d) < due_before(d);
            start = match (overdue, start) {
                (true, None) => Some(d),
                (true, Some(s)) => Some(s),
                (false, _) => None,
            };
        }
        start
    }

    /// The oldest installment not fully paid: its due date is stored on the loan so lists can
    /// filter on overdue without loading schedules.
    pub fn first_unpaid(&self) -> Option<&InstallmentState> {
        self.installments.iter().find(|s| !s.is_paid())
    }

    /// R1: the overdue as of the local date `today`.
    pub fn overdue(&self, today: NaiveDate) -> Overdue {
        let late: Vec<&InstallmentState> = self.installments.iter().filter(|s| s.is_overdue(today)).collect();
        let since = if late.is_empty() { None } else { self.overdue_episode_since(today) };
        Overdue {
            since,
            // Day 1 is the day after the due date.
            days: since.map(|s| (today - s).num_days() + 1).unwrap_or(0),
            principal: late.iter().map(|s| s.unpaid_principal()).sum(),
            interest: late.iter().map(|s| s.unpaid_interest()).sum(),
        }
    }

    /// Principal not yet repaid.
    pub fn principal_balance(&self) -> Decimal {
        self.installments.iter().map(InstallmentState::unpaid_principal).sum()
    }

    /// Installments due on or after `today` that are not fully paid, oldest first.
    pub fn upcoming(&self, today: NaiveDate) -> impl Iterator<Item = &InstallmentState> {
        self.installments.iter().filter(move |s| s.due_date >= today && !s.is_paid())
    }
}

/// R1: a loan's overdue position on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overdue {
    /// The first day of the current uninterrupted overdue, if the loan is overdue.
    pub since: Option<NaiveDate>,
    /// Consecutive overdue days up to and including today (R17.3 counts these).
    pub days: i64,
    pub principal: Decimal,
    pub interest: Decimal,
}

impl Overdue {
    pub fn amount(&self) -> Decimal {
        self.principal + self.interest
    }
    pub fn is_overdue(&self) -> bool {
        self.since.is_some()
    }
}

/// C9: one upcoming payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextPayment {
    pub seq: i32,
    pub due_date: NaiveDate,
    pub principal: Decimal,
    pub interest: Decimal,
}

impl NextPayment {
    pub fn amount(&self) -> Decimal {
        self.principal + self.interest
    }
}

/// C9: the seven items a borrower may ask for, as of a local date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub as_of: NaiveDate,
    /// C9.1: Amounts paid, in total (the payments themselves are listed by the caller).
    pub paid_total: Decimal,
    /// C9.2: Size and dates of the next payments.
    pub next_payments: Vec<NextPayment>,
    /// C9.3: The overdue amount.
    pub overdue: Overdue,
    /// C9.4: How payments were allocated.
    pub allocations: Vec<Allocation>,
    /// C9.5: Interest accrued in the current period up to today, pro rata by days.
    pub accrued_interest: Decimal,
    /// C9.5: To repay everything today: principal balance, overdue interest, accrued interest.
    pub early_repayment_full: Decimal,
    /// C9.5: What a partial early repayment must first cover (overdue and accrued interest).
    /// Anything above it reduces the principal.
    pub early_repayment_partial_minimum: Decimal,
    /// C9.6: Principal balance.
    pub principal_balance: Decimal,
    /// C9.7: Credit limit.
    pub credit_limit: Decimal,
}

/// C9: the statement of a loan on `today`, from its ledger. `period_start` is when the
/// first installment's period began (the contract date).
pub fn statement(
    ledger: &Ledger,
    currency: Currency,
    period_start: NaiveDate,
    credit_limit: Decimal,
    today: NaiveDate,
) -> Statement {
    let overdue = ledger.overdue(today);
    // The current period: from the previous due date (or the contract) to the next one.
    let mut start = period_start;
    let mut accrued_interest = Decimal::ZERO;
    for s in &ledger.installments {
        if s.due_date >= today {
            let days_total = (s.due_date - start).num_days().max(1);
            let days_run = (today - start).num_days().clamp(0, days_total);
            let accrued = s.unpaid_interest() * Decimal::from(days_run) / Decimal::from(days_total);
            accrued_interest = Money::new(accrued, currency).round_to_minor_unit().amount();
            break;
        }
        start = s.due_date;
    }
    let next_payments = ledger
        .upcoming(today)
        .map(|s| NextPayment {
            seq: s.seq,
            due_date: s.due_date,
            principal: s.unpaid_principal(),
            interest: s.unpaid_interest(),
        })
        .collect();
    let principal_balance = ledger.principal_balance();
    Statement {
        as_of: today,
        paid_total: ledger.paid_total,
        next_payments,
        allocations: ledger.allocations.clone(),
        accrued_interest,
        early_repayment_full: principal_balance + overdue.interest + accrued_interest,
        early_repayment_partial_minimum: overdue.amount() + accrued_interest,
        overdue,
        principal_balance,
        credit_limit,
    }
}

/// Why a schedule cannot be accepted; the services turn it into a user error on the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleProblem {
    Empty,
    NegativeAmount { index: usize, field: &'static str },
    DateOutOfOrder { index: usize },
    BeforeContract { index: usize },
    PrincipalMismatch { scheduled: Decimal, principal: Decimal },
}

/// Checks that a schedule is one a loan can have: non-negative amounts, strictly
/// increasing due dates after the contract date, principal parts summing to the principal.
pub fn check_schedule(
    installments: &[Installment],
    principal: Decimal,
    contract_date: NaiveDate,
) -> Vec<ScheduleProblem> {
    let mut problems = Vec::new();
    if installments.is_empty() {
        problems.push(ScheduleProblem::Empty);
        return problems;
    }
    for (index, i) in installments.iter().enumerate() {
        if i.principal < Decimal::ZERO {
            problems.push(ScheduleProblem::NegativeAmount { index, field: "principal" });
        }
        if i.interest < Decimal::ZERO {
            problems.push(ScheduleProblem::NegativeAmount { index, field: "interest" });
        }
        if i.due_date <= contract_date {
            problems.push(ScheduleProblem::BeforeContract { index });
        }
        if index > 0 && i.due_date <= installments[index - 1].due_date {
            problems.push(ScheduleProblem::DateOutOfOrder { index });
        }
    }
    let scheduled: Decimal = installments.iter().map(|i| i.principal).sum();
    if scheduled != principal {
        problems.push(ScheduleProblem::PrincipalMismatch { scheduled, principal });
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn schedule() -> Vec<Installment> {
        (1..=3)
            .map(|m| Installment {
                seq: m,
                due_date: d(&format!("2026-0{m}-10")),
                principal: dec!(1000),
                interest: dec!(100),
            })
            .collect()
    }

    #[test]
    fn r01_overdue_starts_the_day_after_an_unpaid_due_date() {
        let ledger = Ledger::build(&schedule(), &[], RepaymentOrder::InterestFirst);
        assert!(!ledger.overdue(d("2026-01-10")).is_overdue(), "due today is not overdue");
        let o = ledger.overdue(d("2026-01-11"));
        assert_eq!(o.since, Some(d("2026-01-11")));
        assert_eq!(o.days, 1);
        assert_eq!(o.amount(), dec!(1100));
        let o = ledger.overdue(d("2026-02-11"));
        assert_eq!(o.since, Some(d("2026-01-11")), "consecutive: the oldest unpaid counts");
        assert_eq!(o.days, 32);
        assert_eq!(o.amount(), dec!(2200));
    }

    #[test]
    fn payments_go_to_the_oldest_installment_interest_first() {
        let payments = [Payment { paid_on: d("2026-01-05"), amount: dec!(1150) }];
        let ledger = Ledger::build(&schedule(), &payments, RepaymentOrder::InterestFirst);
        assert!(ledger.installments[0].is_paid());
        assert_eq!(ledger.installments[1].paid_interest, dec!(50));
        assert_eq!(ledger.installments[1].paid_principal, dec!(0));
        assert_eq!(ledger.principal_balance(), dec!(2000));
        assert_eq!(ledger.first_unpaid().map(|s| s.seq), Some(2));
    }

    #[test]
    fn principal_first_order_pays_principal_before_interest() {
        let payments = [Payment { paid_on: d("2026-01-05"), amount: dec!(500) }];
        let ledger = Ledger::build(&schedule(), &payments, RepaymentOrder::PrincipalFirst);
        assert_eq!(ledger.installments[0].paid_principal, dec!(500));
        assert_eq!(ledger.installments[0].paid_interest, dec!(0));
    }

    #[test]
    fn a_late_partial_payment_keeps_the_overdue_running() {
        let payments = [Payment { paid_on: d("2026-01-20"), amount: dec!(600) }];
        let ledger = Ledger::build(&schedule(), &payments, RepaymentOrder::InterestFirst);
        let o = ledger.overdue(d("2026-01-25"));
        assert_eq!(o.since, Some(d("2026-01-11")));
        assert_eq!(o.amount(), dec!(500));
    }

    #[test]
    fn r01_clearing_the_oldest_installment_late_does_not_restart_a_running_overdue() {
        // January is paid on 15 February, after February fell due: still overdue, since 11 January.
        let payments = [Payment { paid_on: d("2026-02-15"), amount: dec!(1100) }];
        let ledger = Ledger::build(&schedule(), &payments, RepaymentOrder::InterestFirst);
        assert_eq!(ledger.overdue(d("2026-02-20")).since, Some(d("2026-01-11")));
        assert_eq!(ledger.overdue(d("2026-02-20")).days, 41);
        // Paying everything past due on 1 February ends the episode; a new one starts on 11 February.
        let payments = [Payment { paid_on: d("2026-02-01"), amount: dec!(1100) }];
        let ledger = Ledger::build(&schedule(), &payments, RepaymentOrder::InterestFirst);
        assert!(!ledger.overdue(d("2026-02-05")).is_overdue());
        assert_eq!(ledger.overdue(d("2026-02-20")).since, Some(d("2026-02-11")));
    }

    #[test]
    fn overpayment_beyond_the_schedule_is_unallocated() {
        let payments = [Payment { paid_on: d("2026-01-01"), amount: dec!(4000) }];
        let ledger = Ledger::build(&schedule(), &payments, RepaymentOrder::InterestFirst);
        assert_eq!(ledger.unallocated, dec!(700));
        assert!(ledger.first_unpaid().is_none());
    }

    #[test]
    fn c09_statement_computes_all_seven_items() {
        // Contract 2025-12-10; installments due 10 Jan, Feb, Mar; January paid late in part.
        let payments = [Payment { paid_on: d("2026-01-20"), amount: dec!(600) }];
        let ledger = Ledger::build(&schedule(), &payments, RepaymentOrder::InterestFirst);
        let s = statement(&ledger, Currency::Kzt, d("2025-12-10"), dec!(3000), d("2026-01-25"));
        assert_eq!(s.paid_total, dec!(600), "1. amounts paid");
        assert_eq!(s.next_payments.len(), 2, "2. next payments");
        assert_eq!(s.next_payments[0].due_date, d("2026-02-10"));
        assert_eq!(s.next_payments[0].amount(), dec!(1100));
        assert_eq!(s.overdue.amount(), dec!(500), "3. overdue");
        assert_eq!(s.allocations.len(), 1, "4. allocation");
        assert_eq!((s.allocations[0].to_interest, s.allocations[0].to_principal), (dec!(100), dec!(500)));
        // 15 of 31 days of February's period have run: 100 * 15 / 31.
        assert_eq!(s.accrued_interest, dec!(48.39), "5. accrued");
        assert_eq!(s.early_repayment_full, dec!(2500) + dec!(0) + dec!(48.39), "5. full early repayment");
        assert_eq!(s.early_repayment_partial_minimum, dec!(500) + dec!(48.39));
        assert_eq!(s.principal_balance, dec!(2500), "6. principal balance");
        assert_eq!(s.credit_limit, dec!(3000), "7. credit limit");
    }

    #[test]
    fn schedule_checks_name_each_problem() {
        let mut s = schedule();
        s[1].due_date = d("2026-01-10");
        s[2].interest = dec!(-1);
        let problems = check_schedule(&s, dec!(3000), d("2025-12-20"));
        assert_eq!(
            problems,
            vec![
                ScheduleProblem::DateOutOfOrder { index: 1 },
                ScheduleProblem::NegativeAmount { index: 2, field: "interest" },
            ]
        );
        let problems = check_schedule(&schedule(), dec!(3500), d("2025-12-20"));
        assert_eq!(problems, vec![ScheduleProblem::PrincipalMismatch { scheduled: dec!(3000), principal: dec!(3500) }]);
        assert_eq!(
            check_schedule(&schedule(), dec!(3000), d("2026-01-10")),
            vec![ScheduleProblem::BeforeContract { index: 0 }]
        );
    }
}
