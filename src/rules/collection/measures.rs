//! The verdicts' own rules for the other collection measures: demands, interest and
//! penalties, suits, foreclosure, assignment of the claim, hand-over, bankruptcy
//! (R9, R14, R16–R18, M2). Each answers for one action; `verdict` adds M5 and decides.

use chrono::{Days, Months, NaiveDate, NaiveTime};

use super::{Block, Facts, Judged, Reason, in_force, next_day_start};
use crate::rules::calendar::Calendar;
use crate::rules::policy::Policy;

/// R18: while the debt is with an agency the MFO sues for nothing (a foreclosure suit
/// is a suit for the debt it secures).
fn agency_block(f: &Facts) -> Option<Block> {
    f.at_agency.then_some(Block { rule: "R18", reason: Reason::AtCollectionAgency, clears_at: None })
}

/// R17.4 with R18: a suit for the debt. R16 does not bar it: R16 bars foreclosure on the
/// mortgaged home through the courts ("обращение взыскания на заложенное имущество путем
/// подачи иска в суд"), not a claim for the money.
pub(super) fn file_lawsuit(f: &Facts) -> Judged {
    let mut j = Judged::new(&["R17.4", "R18"]);
    j.blocks.extend(agency_block(f));
    if f.overdue_since.is_none() {
        j.blocks.push(Block { rule: "R17.4", reason: Reason::NotOverdue, clears_at: None });
    }
    j
}

/// R17.4: foreclosure on the mortgaged property; R18 while at an agency; R16 while the
/// regulator reviews a protected borrower's appeal (until day 60).
pub(super) fn foreclose(f: &Facts, cal: &Calendar, today: NaiveDate) -> Judged {
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
pub(super) fn assign_claim(f: &Facts, cal: &Calendar, today: NaiveDate, p: &Policy) -> Judged {
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
pub(super) fn assign_claim_to_agency(f: &Facts, cal: &Calendar, today: NaiveDate, p: &Policy) -> Judged {
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

/// R9: no demand for early repayment while a restructuring application is under review.
pub(super) fn demand_early_repayment(f: &Facts) -> Judged {
    let mut j = Judged::new(&["R9"]);
    if f.application_under_review {
        j.blocks.push(Block { rule: "R9", reason: Reason::ApplicationUnderReview, clears_at: None });
    }
    j
}

/// R18: no interest while the debt is with an agency; M2: none while a conscript's
/// deferral is in force (until the last protected day).
pub(super) fn charge_interest(f: &Facts, cal: &Calendar, today: NaiveDate) -> Judged {
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

/// R18: no penalties accrue while the debt is with an agency.
pub(super) fn accrue_penalty(f: &Facts) -> Judged {
    let mut j = Judged::new(&["R18"]);
    j.blocks.extend(agency_block(f));
    j
}

/// R17.2: the debt goes to an agency when the contract allows it, once overdue, and to one
/// agency at a time.
pub(super) fn hand_to_collection_agency(f: &Facts) -> Judged {
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

/// R17.5: bankruptcy is filed against a sole trader or a company: business loans only.
pub(super) fn file_bankruptcy(f: &Facts) -> Judged {
    let mut j = Judged::new(&["R17.5"]);
    if !f.business_purpose {
        j.blocks.push(Block { rule: "R17.5", reason: Reason::NotABusiness, clears_at: None });
    }
    j
}
