//! Why an action is or is not allowed, as `Reason`s and the catalogue messages they name.
//! Text comes from the catalogues (`i18n`), never from here.

use chrono::{NaiveDate, NaiveTime};

use crate::i18n::{Msg, MsgId};

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
