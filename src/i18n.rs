//! The languages of the texts a person reads: userErrors' `message`, the
//! escalations' `message` and `permittedActions`' verdict reasons, in Russian, Kazakh,
//! Kyrgyz and English. One Fluent catalogue per language (`locales/<lang>/main.ftl`),
//! embedded at build time and parsed once, on first use.
//!
//! Services and rules never write such text: they name a message (a `UserErrorReason`, or
//! a `MsgId`) with its arguments, and the GraphQL layer renders it here, once, in the
//! language of the request (`Accept-Language`, or the WebSocket's `connection_init`), or in
//! the record's language where the law fixes it (the borrower-facing verdict reason).
//! This module must not decide which language a text is owed in, only render it.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde_json::{Map, Value};

/// A language the catalogues are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Ru,
    Kk,
    Ky,
}

/// Every language, in the order of `CATALOGUES`.
pub const LANGS: [Lang; 4] = [Lang::En, Lang::Ru, Lang::Kk, Lang::Ky];

/// The language of a request that names none (or only languages we do not write):
/// English, the language of the API's names and of its documentation, which a partner's
/// developer reads; and what userErrors and escalations said before they were translated,
/// so a client that asks for nothing keeps reading what it read.
pub const DEFAULT: Lang = Lang::En;

const CATALOGUES: [(Lang, &str); 4] = [
    (Lang::En, include_str!("../locales/en/main.ftl")),
    (Lang::Ru, include_str!("../locales/ru/main.ftl")),
    (Lang::Kk, include_str!("../locales/kk/main.ftl")),
    (Lang::Ky, include_str!("../locales/ky/main.ftl")),
];

impl Lang {
    /// The BCP 47 tag (`Content-Language`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
            Lang::Kk => "kk",
            Lang::Ky => "ky",
        }
    }

    fn from_primary(primary: &str) -> Option<Self> {
        LANGS.into_iter().find(|l| l.tag().eq_ignore_ascii_case(primary))
    }

    /// The language a record is kept in (a borrower's, a complaint's).
    pub fn of_record(l: entity::enums::Language) -> Self {
        match l {
            entity::enums::Language::Ru => Lang::Ru,
            entity::enums::Language::Kk => Lang::Kk,
            entity::enums::Language::Ky => Lang::Ky,
        }
    }
}

/// The best of our languages for an `Accept-Language` value (RFC 9110 §12.5.4): the
/// highest q-value wins, the earlier on a tie; `q=0` refuses a language; a tag is matched
/// by its primary subtag (`ru-KZ` is Russian), `*` by the default. `None` when nothing
/// listed is ours (the caller falls back to `DEFAULT`).
pub fn negotiate(accept_language: &str) -> Option<Lang> {
    let mut best: Option<(u16, Lang)> = None;
    for item in accept_language.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let mut q = 1000u16;
        for p in parts {
            if let Some(v) = p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")) {
                q = parse_q(v.trim()).unwrap_or(0);
            }
        }
        if q == 0 || tag.is_empty() {
            continue;
        }
        let lang = if tag == "*" {
            Some(DEFAULT)
        } else {
            tag.parse::<unic_langid::LanguageIdentifier>().ok().and_then(|id| Lang::from_primary(id.language.as_str()))
        };
        if let Some(lang) = lang
            && best.is_none_or(|(bq, _)| q > bq)
        {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l)
}

/// A q-value in thousandths (`0.8` → 800); `None` when it is not one.
fn parse_q(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole = match int {
        "0" => 0,
        "1" => 1000,
        _ => return None,
    };
    let frac: u16 = format!("{frac:0<3}").parse().ok()?;
    let q = whole + frac;
    (q <= 1000).then_some(q)
}

tokio::task_local! {
    /// The language the request being executed asked for (`None`: it named none of ours).
    static REQUESTED: Option<Lang>;
}

/// Runs `f` (a request's execution) with `lang` as the language it asked for.
pub async fn with_requested<F: std::future::Future>(lang: Option<Lang>, f: F) -> F::Output {
    REQUESTED.scope(lang, f).await
}

/// The language the executing request asked for, if it named one of ours.
pub fn requested() -> Option<Lang> {
    REQUESTED.try_with(|l| *l).ok().flatten()
}

/// The language to answer the executing request in.
pub fn current() -> Lang {
    requested().unwrap_or(DEFAULT)
}

macro_rules! msg_ids {
    ($($(#[$m:meta])* $v:ident = $s:literal,)*) => {
        /// A message that is not a user error's reason: verdict reasons, escalations,
        /// warnings and the BAD_USER_INPUT of a date before the law.
        /// Its Fluent id is `as_str`; every one is in every catalogue (tested).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum MsgId { $($(#[$m])* $v,)* }

        impl MsgId {
            pub const ALL: &'static [MsgId] = &[$(MsgId::$v,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(MsgId::$v => $s,)* }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|m| m.as_str() == s)
            }
        }
    };
}

msg_ids! {
    VerdictAllowed = "verdict-allowed",
    VerdictThirdPartyLocateOnly = "verdict-third-party-locate-only",
    VerdictNotAWorkingDay = "verdict-not-a-working-day",
    VerdictOutsideHours = "verdict-outside-hours",
    VerdictCallsUsedUp = "verdict-calls-used-up",
    VerdictMeetingTodayUsedUp = "verdict-meeting-today-used-up",
    VerdictMeetingsThisWeekUsedUp = "verdict-meetings-this-week-used-up",
    VerdictConscriptProtected = "verdict-conscript-protected",
    VerdictDeferralWithoutInterest = "verdict-deferral-without-interest",
    VerdictApplicationUnderReview = "verdict-application-under-review",
    VerdictAtCollectionAgency = "verdict-at-collection-agency",
    VerdictHomeProtected = "verdict-home-protected",
    VerdictNoMortgage = "verdict-no-mortgage",
    VerdictNotOverdue = "verdict-not-overdue",
    VerdictOverdueTooShort = "verdict-overdue-too-short",
    VerdictInsolvency = "verdict-insolvency",
    VerdictNoReducingSettlementYet = "verdict-no-reducing-settlement-yet",
    VerdictNoReducingSettlementPassed = "verdict-no-reducing-settlement-passed",
    VerdictClaimAlreadyAssigned = "verdict-claim-already-assigned",
    VerdictContractForbidsAgency = "verdict-contract-forbids-agency",
    VerdictAlreadyAtAgency = "verdict-already-at-agency",
    VerdictNotABusiness = "verdict-not-a-business",
    EscalationDeadlineMissed = "escalation-deadline-missed",
    EscalationDeadlineMissedOn = "escalation-deadline-missed-on",
    EscalationClaimAssigned = "escalation-claim-assigned",
    EscalationContactBreach = "escalation-contact-breach",
    EscalationMisrepresentation = "escalation-misrepresentation",
    EscalationComplaintAboutContact = "escalation-complaint-about-contact",
    WarningClearanceMalformed = "warning-clearance-malformed",
    WarningClearanceForeign = "warning-clearance-foreign",
    WarningClearanceExpired = "warning-clearance-expired",
    WarningClearanceIssuedAfterContact = "warning-clearance-issued-after-contact",
    OutsideLaw = "outside-law",
    NoPolicyLoaded = "no-policy-loaded",
}

/// A message named with its arguments, to be rendered in a reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub id: MsgId,
    pub args: Map<String, Value>,
}

impl Msg {
    pub fn new(id: MsgId) -> Self {
        Self { id, args: Map::new() }
    }

    /// The same message with one more argument.
    pub fn arg(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.args.insert(key.to_owned(), value.into());
        self
    }

    pub fn render(&self, lang: Lang) -> String {
        render(lang, self.id.as_str(), &self.args)
    }

    /// The form an escalation keeps in its `details` (`messageId`, `messageArgs`), read
    /// back by `from_stored`.
    pub fn stored(&self) -> (Value, Value) {
        (Value::String(self.id.as_str().to_owned()), Value::Object(self.args.clone()))
    }

    pub fn from_stored(details: &Value) -> Option<Self> {
        let id = MsgId::parse(details.get("messageId")?.as_str()?)?;
        let args = details.get("messageArgs").and_then(Value::as_object).cloned().unwrap_or_default();
        Some(Self { id, args })
    }
}

/// Several messages as one text in `lang`, sentence after sentence (a verdict's reasons,
/// a refusal's details).
pub fn render_all<'a>(msgs: impl IntoIterator<Item = &'a Msg>, lang: Lang) -> String {
    msgs.into_iter().map(|m| m.render(lang)).collect::<Vec<_>>().join(" ")
}

/// In English: logs and the CLI.
impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

type Bundle = FluentBundle<FluentResource>;

fn bundles() -> &'static [(Lang, Bundle)] {
    static B: OnceLock<Vec<(Lang, Bundle)>> = OnceLock::new();
    B.get_or_init(|| CATALOGUES.iter().map(|(lang, src)| (*lang, bundle(*lang, src))).collect())
}

fn bundle(lang: Lang, src: &str) -> Bundle {
    // The catalogues are part of the binary and tested: a syntax error is a build defect.
    let resource = FluentResource::try_new(src.to_owned()).unwrap_or_else(|(r, errors)| {
        tracing::error!(lang = lang.tag(), ?errors, "catalogue has syntax errors");
        r
    });
    let id: unic_langid::LanguageIdentifier = lang.tag().parse().unwrap_or_default();
    let mut b = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: messages go into JSON and logs.
    b.set_use_isolating(false);
    if let Err(errors) = b.add_resource(resource) {
        tracing::error!(lang = lang.tag(), ?errors, "catalogue defines a message twice");
    }
    b
}

fn bundle_of(lang: Lang) -> &'static Bundle {
    let all = bundles();
    &all.iter().find(|(l, _)| *l == lang).unwrap_or(&all[0]).1
}

/// The message `id` in `lang` with `args`; the id itself if no catalogue has it (which
/// the tests rule out for every id the code names).
pub fn render(lang: Lang, id: &str, args: &Map<String, Value>) -> String {
    let b = bundle_of(lang);
    let Some(pattern) = b.get_message(id).and_then(|m| m.value()) else {
        tracing::error!(lang = lang.tag(), id, "message missing from the catalogue");
        return id.to_owned();
    };
    let mut fa = FluentArgs::new();
    for (k, v) in args {
        fa.set(k.clone(), fluent_value(v));
    }
    let mut errors = Vec::new();
    let text = b.format_pattern(pattern, Some(&fa), &mut errors);
    if !errors.is_empty() {
        tracing::warn!(lang = lang.tag(), id, ?errors, "message rendered with errors");
    }
    text.into_owned()
}

fn fluent_value(v: &Value) -> FluentValue<'static> {
    match v {
        Value::String(s) => FluentValue::from(s.clone()),
        Value::Number(n) => match n.as_i64() {
            Some(i) => FluentValue::from(i),
            None => FluentValue::from(n.to_string()),
        },
        Value::Bool(b) => FluentValue::from(if *b { "true" } else { "false" }),
        Value::Array(items) => FluentValue::from(
            items
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        Value::Null => FluentValue::from("—"),
        Value::Object(_) => FluentValue::from(v.to_string()),
    }
}

/// The ids a catalogue defines: the names its messages start with, at a line's start
/// (Fluent's syntax: continuation lines are indented, comments start with `#`).
pub fn catalogue_ids(lang: Lang) -> Vec<String> {
    let src = CATALOGUES.iter().find(|(l, _)| *l == lang).map(|(_, s)| *s).unwrap_or("");
    let mut ids: Vec<String> = src
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter_map(|l| l.split_once('=').map(|(id, _)| id.trim().to_owned()))
        .collect();
    ids.sort();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_parses_and_defines_the_same_ids() {
        for (lang, src) in CATALOGUES {
            if let Err((_, errors)) = FluentResource::try_new(src.to_owned()) {
                panic!("{} does not parse: {errors:?}", lang.tag());
            }
        }
        let en = catalogue_ids(Lang::En);
        for lang in LANGS {
            assert_eq!(catalogue_ids(lang), en, "{} and en define different ids", lang.tag());
        }
    }

    #[test]
    fn every_id_the_code_names_is_in_every_catalogue() {
        for lang in LANGS {
            let ids = catalogue_ids(lang);
            for m in MsgId::ALL {
                assert!(ids.iter().any(|i| i == m.as_str()), "{} lacks {}", lang.tag(), m.as_str());
            }
        }
    }

    #[test]
    fn every_enum_value_a_message_names_has_a_name_in_every_language() {
        use entity::enums::{ContactChannel, DeadlineKind};
        use sea_orm::{ActiveEnum, Iterable};
        for lang in LANGS {
            for kind in DeadlineKind::iter() {
                let raw = kind.to_value();
                for (id, subject) in
                    [(MsgId::EscalationDeadlineMissed, None), (MsgId::EscalationDeadlineMissedOn, Some("2026/000001"))]
                {
                    let mut m = Msg::new(id).arg("kind", raw.clone()).arg("rule", "C8").arg("due", "2026-01-01");
                    if let Some(s) = subject {
                        m = m.arg("subjectType", "complaint").arg("subject", s);
                    }
                    let text = m.render(lang);
                    assert!(!text.contains(&raw), "{}: {text}", lang.tag());
                    assert!(subject.is_none_or(|s| text.contains(s)), "{}: {text}", lang.tag());
                }
            }
            // "SMS" is the channel's name in every language.
            for channel in ContactChannel::iter().filter(|c| *c != ContactChannel::Sms) {
                let raw = channel.to_value();
                let text = Msg::new(MsgId::EscalationContactBreach)
                    .arg("channel", raw.clone())
                    .arg("contract", "C-1")
                    .arg("rule", "X3")
                    .render(lang);
                assert!(!text.contains(&raw), "{}: {text}", lang.tag());
            }
        }
    }

    #[test]
    fn negotiation_honours_q_values_and_falls_back() {
        assert_eq!(negotiate("ru"), Some(Lang::Ru));
        assert_eq!(negotiate("de-DE, kk;q=0.5, ru;q=0.9"), Some(Lang::Ru));
        assert_eq!(negotiate("ru;q=0.1, ky-KG;q=0.8"), Some(Lang::Ky));
        assert_eq!(negotiate("en;q=0, kk"), Some(Lang::Kk));
        assert_eq!(negotiate("ru;q=0.5, en;q=0.5"), Some(Lang::Ru));
        assert_eq!(negotiate("de, fr;q=0.9"), None);
        assert_eq!(negotiate("*"), Some(DEFAULT));
        assert_eq!(negotiate("ru;q=abc"), None);
        assert_eq!(negotiate(""), None);
    }
}
