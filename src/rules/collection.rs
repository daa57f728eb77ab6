//! What a collector may do with a debtor right now (DOMAIN.md X1–X7, R9, R14, R16–R18,
//! M5, M6): one pure function from one load of facts, a time and the law, answering for
//! every action with the rules that decided it, a reason in the borrower's language, and
//! when a refused action becomes possible if that is known.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use entity::enums::{CollectionAction, ContactChannel, ContactParty, Language, Role};

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
    /// Contacts from the start of the local week of the moment asked about.
    pub contacts: Vec<ContactFact>,
}

/// Why an action is (not) allowed, rendered in the borrower's language by `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    Allowed,
    /// X5: allowed, but only to find the borrower.
    ThirdPartyLocateOnly,
    NotAWorkingDay,
    OutsideHours,
    CallsUsedUp(u32),
    MeetingTodayUsedUp(u32),
    MeetingsThisWeekUsedUp(u32),
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
    NoReducingSettlement,
    ClaimAlreadyAssigned,
    ContractForbidsAgency,
    AlreadyAtAgency,
    NotABusiness,
}

impl Reason {
    /// The reason in the borrower's language: Kazakh for `kk`, Russian otherwise (Russian
    /// is an official language in both jurisdictions).
    pub fn text(&self, language: Language) -> String {
        let kk = language == Language::Kk;
        let t = |ru: &str, kz: &str| if kk { kz.to_owned() } else { ru.to_owned() };
        match self {
            Reason::Allowed => t("Разрешено.", "Рұқсат етіледі."),
            Reason::ThirdPartyLocateOnly => t(
                "Разрешено только для установления местонахождения или контактов заемщика (X5).",
                "Тек қарыз алушының тұрғылықты жерін немесе байланыс деректерін анықтау үшін рұқсат етіледі (X5).",
            ),
            Reason::NotAWorkingDay => {
                t("Сегодня не рабочий день заемщика (X3/X4).", "Бүгін қарыз алушы үшін жұмыс күні емес (X3/X4).")
            }
            Reason::OutsideHours => t(
                "Вне времени 08:00–21:00 по месту заемщика (X3/X4).",
                "Қарыз алушының уақытымен 08:00–21:00 аралығынан тыс (X3/X4).",
            ),
            Reason::CallsUsedUp(n) => {
                if kk {
                    format!("Бүгін {n} қоңырау шегі таусылды (X3).")
                } else {
                    format!("Лимит {n} звонков в день исчерпан (X3).")
                }
            }
            Reason::MeetingTodayUsedUp(n) => {
                if kk {
                    format!("Бүгінгі {n} кездесу шегі таусылды (X4).")
                } else {
                    format!("Лимит {n} встреч в день исчерпан (X4).")
                }
            }
            Reason::MeetingsThisWeekUsedUp(n) => {
                if kk {
                    format!("Осы аптадағы {n} кездесу шегі таусылды (X4).")
                } else {
                    format!("Лимит {n} встреч в неделю исчерпан (X4).")
                }
            }
            Reason::ConscriptProtected(until) => {
                if kk {
                    format!(
                        "Қарыз алушы мерзімді әскери қызметте: өндіріп алу шаралары {until} дейін тоқтатылған (M5)."
                    )
                } else {
                    format!("Заемщик проходит срочную службу: меры взыскания приостановлены до {until} (M5).")
                }
            }
            Reason::DeferralWithoutInterest(until) => {
                if kk {
                    format!("Әскери кейінге қалдыру {until} дейін сыйақысыз (M2).")
                } else {
                    format!("Отсрочка военнослужащему до {until} без начисления вознаграждения (M2).")
                }
            }
            Reason::ApplicationUnderReview => t(
                "Рассматривается заявление об изменении условий: требовать досрочного погашения нельзя (R9).",
                "Шарт талаптарын өзгерту туралы өтініш қаралуда: мерзімінен бұрын өтеуді талап етуге болмайды (R9).",
            ),
            Reason::AtCollectionAgency => t(
                "Долг у коллекторского агентства: нельзя подавать иск, требовать вознаграждение и начислять неустойку за этот период (R18).",
                "Борыш коллекторлық агенттікте: осы кезеңде сотқа талап қоюға, сыйақы талап етуге және тұрақсыздық айыбын есептеуге болмайды (R18).",
            ),
            Reason::HomeProtected(until) => {
                if kk {
                    format!("Уәкілетті орган шағымды қарауда: тұрғын үйге өндіріп алуға {until} дейін болмайды (R16).")
                } else {
                    format!(
                        "Обращение заемщика рассматривается уполномоченным органом: взыскание на жилище до {until} не допускается (R16)."
                    )
                }
            }
            Reason::NoMortgage => t(
                "Микрокредит не обеспечен залогом недвижимости (R17.4).",
                "Микрокредит жылжымайтын мүлік кепілімен қамтамасыз етілмеген (R17.4).",
            ),
            Reason::NotOverdue => t("Нет просроченной задолженности.", "Мерзімі өткен берешек жоқ."),
            Reason::OverdueTooShort { needed, days } => {
                if kk {
                    format!(
                        "Мерзімі өткен күндер {days}; талап ету құқығын беру {needed} күннен кейін ғана мүмкін (R17.3)."
                    )
                } else {
                    format!(
                        "Просрочка {days} дн.; уступка права требования возможна только свыше {needed} дн. подряд (R17.3)."
                    )
                }
            }
            Reason::Insolvency => t(
                "К заемщику применяется процедура восстановления платежеспособности или банкротства (R17.3).",
                "Қарыз алушыға төлем қабілеттілігін қалпына келтіру немесе банкроттық рәсімі қолданылуда (R17.3).",
            ),
            Reason::NoReducingSettlement => t(
                "В течение 24 месяцев с даты просрочки не проводилось урегулирование со снижением обязательства: уступка коллекторскому агентству не допускается (R14).",
                "Мерзімі өткен күннен бастап 24 ай ішінде міндеттемені азайтатын реттеу жүргізілмеді: коллекторлық агенттікке беруге болмайды (R14).",
            ),
            Reason::ClaimAlreadyAssigned => t("Право требования уже уступлено.", "Талап ету құқығы бұрын берілген."),
            Reason::ContractForbidsAgency => t(
                "Договор не предусматривает привлечение коллекторского агентства (R17.2).",
                "Шартта коллекторлық агенттікті тарту көзделмеген (R17.2).",
            ),
            Reason::AlreadyAtAgency => {
                t("Долг уже передан коллекторскому агентству.", "Борыш коллекторлық агенттікке берілген.")
            }
            Reason::NotABusiness => t(
                "Иск о банкротстве подается только к индивидуальному предпринимателю или юридическому лицу (R17.5).",
                "Банкроттық туралы талап тек жеке кәсіпкерге немесе заңды тұлғаға беріледі (R17.5).",
            ),
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

const CONTACTS: [CollectionAction; 7] = [
    CollectionAction::Call,
    CollectionAction::Sms,
    CollectionAction::Email,
    CollectionAction::Messenger,
    CollectionAction::Letter,
    CollectionAction::OfficeMeeting,
    CollectionAction::ContactThirdParty,
];

const ALL: [CollectionAction; 15] = [
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

/// X3/X4: the first instant at or after `t` that is inside the contact window of a
/// business day.
pub fn window_open_at_or_after(cal: &Calendar, p: &Policy, t: DateTime<Utc>) -> DateTime<Utc> {
    let local = cal.local(t);
    let (start, end) = (p.contact.window_start, p.contact.window_end);
    let mut day = local.date();
    if cal.is_business_day(day) {
        if local.time() < start {
            return cal.instant(day, start);
        }
        if local.time() < end {
            return t;
        }
    }
    loop {
        day = day.succ_opt().unwrap_or(NaiveDate::MAX);
        if cal.is_business_day(day) {
            return cal.instant(day, start);
        }
    }
}

fn window_block(cal: &Calendar, p: &Policy, at: DateTime<Utc>, rule: &'static str) -> Option<Block> {
    let local = cal.local(at);
    if !cal.is_business_day(local.date()) {
        return Some(Block {
            rule,
            reason: Reason::NotAWorkingDay,
            clears_at: Some(window_open_at_or_after(cal, p, at)),
        });
    }
    if local.time() < p.contact.window_start || local.time() >= p.contact.window_end {
        return Some(Block {
            rule,
            reason: Reason::OutsideHours,
            clears_at: Some(window_open_at_or_after(cal, p, at)),
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

/// The verdict on one action at `at`.
pub fn verdict(action: CollectionAction, f: &Facts, at: DateTime<Utc>, cal: &Calendar, p: &Policy) -> Verdict {
    let today = cal.local_date(at);
    let mut blocks: Vec<Block> = Vec::new();
    let mut basis: Vec<&'static str> = Vec::new();
    let mut remaining = None;
    let mut allowed_reason = Reason::Allowed;
    let windowed = matches!(action, CollectionAction::Call | CollectionAction::OfficeMeeting);
    match action {
        CollectionAction::Call => {
            basis.push("X3");
            blocks.extend(window_block(cal, p, at, "X3"));
            let used = f
                .contacts
                .iter()
                .filter(|c| {
                    c.channel == ContactChannel::Call
                        && c.party == ContactParty::Borrower
                        && cal.local_date(c.at) == today
                })
                .count() as u32;
            let limit = p.contact.calls_per_day;
            remaining = Some(limit.saturating_sub(used));
            if used >= limit {
                let tomorrow = next_day_start(cal, today);
                blocks.push(Block {
                    rule: "X3",
                    reason: Reason::CallsUsedUp(limit),
                    clears_at: Some(window_open_at_or_after(cal, p, tomorrow)),
                });
            }
        }
        CollectionAction::OfficeMeeting => {
            basis.push("X4");
            blocks.extend(window_block(cal, p, at, "X4"));
            let meetings: Vec<NaiveDate> = f
                .contacts
                .iter()
                .filter(|c| c.channel == ContactChannel::OfficeMeeting && c.party == ContactParty::Borrower)
                .map(|c| cal.local_date(c.at))
                .collect();
            let week_start = monday(today);
            let today_count = meetings.iter().filter(|d| **d == today).count() as u32;
            let week_count = meetings.iter().filter(|d| **d >= week_start && **d <= today).count() as u32;
            let (per_day, per_week) = (p.contact.meetings_per_day, p.contact.meetings_per_week);
            remaining = Some(per_day.saturating_sub(today_count).min(per_week.saturating_sub(week_count)));
            if week_count >= per_week {
                let next_week = week_start.checked_add_days(Days::new(7)).unwrap_or(NaiveDate::MAX);
                let opens = window_open_at_or_after(cal, p, cal.instant(next_week, chrono::NaiveTime::MIN));
                blocks.push(Block {
                    rule: "X4",
                    reason: Reason::MeetingsThisWeekUsedUp(per_week),
                    clears_at: Some(opens),
                });
            } else if today_count >= per_day {
                let opens = window_open_at_or_after(cal, p, next_day_start(cal, today));
                blocks.push(Block { rule: "X4", reason: Reason::MeetingTodayUsedUp(per_day), clears_at: Some(opens) });
            }
        }
        CollectionAction::Sms | CollectionAction::Email | CollectionAction::Messenger | CollectionAction::Letter => {
            basis.push("X1")
        }
        CollectionAction::ContactThirdParty => {
            basis.push("X5");
            allowed_reason = Reason::ThirdPartyLocateOnly;
        }
        CollectionAction::DemandEarlyRepayment => {
            basis.push("R9");
            if f.application_under_review {
                blocks.push(Block { rule: "R9", reason: Reason::ApplicationUnderReview, clears_at: None });
            }
        }
        CollectionAction::ChargeInterest => {
            basis.push("R18");
            if f.at_agency {
                blocks.push(Block { rule: "R18", reason: Reason::AtCollectionAgency, clears_at: None });
            }
            if let Some(c) = f.conscript.filter(|c| c.deferral_in_force && today <= c.protected_until) {
                blocks.push(Block {
                    rule: "M2",
                    reason: Reason::DeferralWithoutInterest(c.protected_until),
                    clears_at: Some(next_day_start(cal, c.protected_until)),
                });
            }
        }
        CollectionAction::AccruePenalty => {
            basis.push("R18");
            if f.at_agency {
                blocks.push(Block { rule: "R18", reason: Reason::AtCollectionAgency, clears_at: None });
            }
        }
        CollectionAction::FileLawsuit => {
            basis.extend(["R17.4", "R18", "R16"]);
            if f.at_agency {
                blocks.push(Block { rule: "R18", reason: Reason::AtCollectionAgency, clears_at: None });
            }
            if f.overdue_since.is_none() {
                blocks.push(Block { rule: "R17.4", reason: Reason::NotOverdue, clears_at: None });
            }
            if let Some(until) = f.home_protected_until.filter(|u| *u >= today) {
                blocks.push(Block {
                    rule: "R16",
                    reason: Reason::HomeProtected(until),
                    clears_at: Some(next_day_start(cal, until)),
                });
            }
        }
        CollectionAction::Foreclose => {
            basis.extend(["R17.4", "R16"]);
            if !f.mortgage_secured {
                blocks.push(Block { rule: "R17.4", reason: Reason::NoMortgage, clears_at: None });
            }
            if f.overdue_since.is_none() {
                blocks.push(Block { rule: "R17.4", reason: Reason::NotOverdue, clears_at: None });
            }
            if let Some(until) = f.home_protected_until.filter(|u| *u >= today) {
                blocks.push(Block {
                    rule: "R16",
                    reason: Reason::HomeProtected(until),
                    clears_at: Some(next_day_start(cal, until)),
                });
            }
        }
        CollectionAction::AssignClaim => {
            basis.extend(["R17.3", "R14"]);
            if in_force(f.claim_assigned_on, today) {
                blocks.push(Block { rule: "R17.3", reason: Reason::ClaimAlreadyAssigned, clears_at: None });
            }
            let insolvent = in_force(f.insolvency_from, today) && f.insolvency_to.is_none_or(|to| to >= today);
            if insolvent {
                let clears = f.insolvency_to.map(|to| next_day_start(cal, to));
                blocks.push(Block { rule: "R17.3", reason: Reason::Insolvency, clears_at: clears });
            }
            let needed =
                if f.mortgage_secured { p.assignment.min_overdue_days_mortgage } else { p.assignment.min_overdue_days };
            match f.overdue_since {
                None => blocks.push(Block { rule: "R17.3", reason: Reason::NotOverdue, clears_at: None }),
                Some(since) => {
                    // Day 1 is the overdue date; "more than N consecutive days" is day N+1.
                    let days = (today - since).num_days() + 1;
                    if days <= i64::from(needed) {
                        let first_day = since.checked_add_days(Days::new(u64::from(needed))).unwrap_or(NaiveDate::MAX);
                        blocks.push(Block {
                            rule: "R17.3",
                            reason: Reason::OverdueTooShort { needed, days },
                            clears_at: Some(cal.instant(first_day, chrono::NaiveTime::MIN)),
                        });
                    }
                    // R14: a non-business loan goes to a collection agency only after a
                    // reducing settlement carried out within 24 months of the overdue date.
                    if !f.business_purpose {
                        let window_end = since
                            .checked_add_months(Months::new(p.assignment.agency_reducing_settlement_window_months))
                            .unwrap_or(NaiveDate::MAX);
                        let settled =
                            f.reducing_settlement_on.is_some_and(|s| s >= since && s <= window_end && s <= today);
                        if !settled {
                            blocks.push(Block { rule: "R14", reason: Reason::NoReducingSettlement, clears_at: None });
                        }
                    }
                }
            }
        }
        CollectionAction::HandToCollectionAgency => {
            basis.push("R17.2");
            if !f.contract_allows_agency {
                blocks.push(Block { rule: "R17.2", reason: Reason::ContractForbidsAgency, clears_at: None });
            }
            if f.overdue_since.is_none() {
                blocks.push(Block { rule: "R17.2", reason: Reason::NotOverdue, clears_at: None });
            }
            if f.at_agency {
                blocks.push(Block { rule: "R17.2", reason: Reason::AlreadyAtAgency, clears_at: None });
            }
        }
        CollectionAction::FileBankruptcy => {
            basis.push("R17.5");
            if !f.business_purpose {
                blocks.push(Block { rule: "R17.5", reason: Reason::NotABusiness, clears_at: None });
            }
        }
    }
    if f.conscript.is_some() {
        basis.push("M5");
    }
    if let Some(b) = conscript_block(f, cal, today) {
        blocks.push(b);
    }

    if blocks.is_empty() {
        return Verdict {
            action,
            allowed: true,
            basis,
            reasons: vec![allowed_reason],
            next_allowed_at: None,
            remaining,
        };
    }
    let mut decided: Vec<&'static str> = Vec::new();
    for b in &blocks {
        if !decided.contains(&b.rule) {
            decided.push(b.rule);
        }
    }
    let next_allowed_at = blocks
        .iter()
        .map(|b| b.clears_at)
        .collect::<Option<Vec<_>>>()
        .and_then(|times| times.into_iter().max())
        .map(|t| if windowed { window_open_at_or_after(cal, p, t) } else { t });
    Verdict {
        action,
        allowed: false,
        basis: decided,
        reasons: blocks.into_iter().map(|b| b.reason).collect(),
        next_allowed_at,
        remaining,
    }
}

/// Verdicts on every action the role can take.
pub fn verdicts(role: Role, f: &Facts, at: DateTime<Utc>, cal: &Calendar, p: &Policy) -> Vec<Verdict> {
    actions_for(role).iter().map(|a| verdict(*a, f, at, cal, p)).collect()
}

/// The start of `at`'s local week (Monday 00:00): the contact log is read from here.
pub fn week_start(cal: &Calendar, at: DateTime<Utc>) -> DateTime<Utc> {
    cal.instant(monday(cal.local_date(at)), chrono::NaiveTime::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;
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
        for a in [CollectionAction::FileLawsuit, CollectionAction::ChargeInterest, CollectionAction::AccruePenalty] {
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
    fn r14_a_consumer_loan_goes_to_an_agency_only_after_a_reducing_settlement_within_24_months() {
        let mut f = overdue("2026-01-01");
        let r = v(CollectionAction::AssignClaim, &f, "2026-06-01 10:00:00");
        assert_eq!((r.allowed, r.basis), (false, vec!["R14"]));
        f.reducing_settlement_on = Some(d("2027-12-31"));
        assert!(v(CollectionAction::AssignClaim, &f, "2028-01-05 10:00:00").allowed, "settled inside the 24 months");
        f.reducing_settlement_on = Some(d("2028-01-02"));
        assert!(!v(CollectionAction::AssignClaim, &f, "2028-01-05 10:00:00").allowed, "settled after them");
        f.business_purpose = true;
        f.reducing_settlement_on = None;
        assert!(v(CollectionAction::AssignClaim, &f, "2026-06-01 10:00:00").allowed, "business loans are outside R14");
    }

    #[test]
    fn r16_no_foreclosure_while_a_protected_appeal_runs_until_day_60() {
        let mut f = overdue("2026-01-01");
        f.mortgage_secured = true;
        f.home_protected_until = Some(d("2026-05-01"));
        let r = v(CollectionAction::Foreclose, &f, "2026-05-01 12:00:00");
        assert_eq!((r.allowed, r.basis.clone()), (false, vec!["R16"]));
        assert_eq!(r.next_allowed_at, Some(almaty("2026-05-02 00:00:00")));
        assert!(!v(CollectionAction::FileLawsuit, &f, "2026-05-01 12:00:00").allowed);
        assert!(v(CollectionAction::Foreclose, &f, "2026-05-02 00:00:00").allowed, "day 61");
        f.mortgage_secured = false;
        assert_eq!(v(CollectionAction::Foreclose, &f, "2026-05-02 12:00:00").basis, vec!["R17.4"]);
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
    fn reasons_speak_the_borrowers_language() {
        let r = Reason::CallsUsedUp(3);
        assert!(r.text(Language::Ru).contains("звонков"));
        assert!(r.text(Language::Kk).contains("қоңырау"));
        assert_eq!(r.text(Language::Ky), r.text(Language::Ru), "Russian is official in KG");
    }

    #[test]
    fn an_agency_is_asked_about_contacts_only() {
        assert_eq!(actions_for(Role::CollectionAgency).len(), 7);
        assert_eq!(actions_for(Role::MfoStaff).len(), 15);
        assert!(actions_for(Role::Borrower).is_empty());
    }
}
