//! The service layer's one error type. What the client sees for each variant is decided
//! once, in `graphql::errors`; services never build GraphQL errors themselves.

use sea_orm::{DbErr, SqlErr};

/// How a business refusal is classified in a payload's `userErrors` (DESIGN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum UserErrorCode {
    /// A value is malformed or out of range.
    Invalid,
    /// A rule of DOMAIN.md refuses it; `rule` names the rule.
    RuleViolation,
    /// The record is not in a state that allows it, or a retry carries other input.
    Conflict,
}

pub use reason::UserErrorReason;

/// The `extensions.code` of a top-level error (DESIGN.md, Errors), spelled once for the
/// GraphQL edge, the HTTP layer and the WebSocket. A business refusal is not here: it is a
/// `userErrors` entry with a `UserErrorReason`.
pub mod code {
    /// The request or an input is malformed or outside the law's bounds.
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    /// No token, or one that does not verify.
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    /// The caller's role may not do this.
    pub const FORBIDDEN: &str = "FORBIDDEN";
    /// No such record, or one outside the caller's scope (answered alike).
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// Over a rate, connection or subscription limit: retry later.
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    /// The request ran past its time budget and was abandoned.
    pub const TIMEOUT: &str = "TIMEOUT";
    /// A persisted document's hash the server does not know.
    pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
    /// A document outside the trusted list where the deployment requires one.
    pub const PERSISTED_QUERY_NOT_IN_LIST: &str = "PERSISTED_QUERY_NOT_IN_LIST";
    /// Anything else; the details are in the server's log, never in the answer.
    pub const INTERNAL: &str = "INTERNAL";
}

// The derive names the deprecated broad reasons; nothing else may (clippy -D warnings).
#[allow(deprecated)]
mod reason {
    /// The specific refusal, stable for a program to switch on; `code` stays the
    /// broad class DESIGN.md names. Each reason is also the id of its message in the
    /// catalogues (`i18n`), so every refusal has a text in every language. The broad
    /// `INVALID_VALUE`, `WRONG_STATE` and `RULE_REFUSED` stay for clients that switch on them,
    /// but nothing produces them any more (deprecated: naming one fails clippy).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
    pub enum UserErrorReason {
        /// No longer produced: every refusal has a specific reason.
        #[deprecated(note = "give the refusal a specific reason")]
        #[graphql(deprecation = "No longer produced: every refusal has a specific reason.")]
        InvalidValue,
        /// No longer produced: every refusal has a specific reason.
        #[deprecated(note = "give the refusal a specific reason")]
        #[graphql(deprecation = "No longer produced: every refusal has a specific reason.")]
        WrongState,
        /// No longer produced: every refusal has a specific reason.
        #[deprecated(note = "give the refusal a specific reason")]
        #[graphql(deprecation = "No longer produced: every refusal has a specific reason.")]
        RuleRefused,
        /// A value that must be given is missing or blank (code INVALID); `field` names it.
        Required,
        /// A text is longer than allowed; `params.maxLength` (characters).
        TooLong,
        /// A number or amount is outside its range: `params.min` and/or `params.max` (or
        /// `params.greaterThan` for an amount that must be positive), as decimal strings, and
        /// `params.range` written out (`1–600`, `> 0, ≤ 1000000000000`).
        OutOfRange,
        /// A value is not in its format: `params.format` is `time` (HH:MM), `phone`, `email`,
        /// `policy` or `row` (an import file's; then `params.problem` says what is wrong).
        Malformed,
        /// A value is not one of those accepted; `params.allowed` lists them.
        UnsupportedValue,
        /// An instant or date lies in the future.
        DateInFuture,
        /// An instant or date lies outside its period; `params.notBefore` and/or
        /// `params.notAfter` (the record's instants or dates) bound it.
        DateOutOfRange,
        /// An end is not after its start; `params.start` names the start field.
        EndBeforeStart,
        /// An item of a list is not after the one before it.
        OutOfOrder,
        /// A list has more items than allowed; `params.maxItems`.
        TooMany,
        /// Parts do not add up; `params.sum` and `params.expected`.
        SumMismatch,
        /// A period is longer than allowed; `params.maxDays`.
        PeriodTooLong,
        /// Exactly one of `params.fields` must be given.
        ExactlyOneRequired,
        /// Both of `params.fields` or neither.
        BothOrNeither,
        /// The field does not apply to what the rest of the input says.
        NotApplicable,
        /// The records named do not belong together (a contact, loan and borrower of others).
        RecordsDoNotMatch,
        /// Nothing with that reference exists in the caller's scope (e.g. `borrowerExternalId`).
        UnknownReference,
        /// The organisation named is not a collection agency of the loan's jurisdiction (R17.2).
        NotACollectionAgency,
        /// The record's status does not allow it; `params.status` is the status (code CONFLICT).
        StatusDoesNotAllow,
        /// The complaint has no open answer deadline to extend (C8; code CONFLICT).
        NoOpenDeadline,
        /// The decision's terms change nothing (R2).
        TermsChangeNothing,
        /// R15: an appeal follows a refusal, a deemed refusal or a failed agreement only.
        NothingToAppeal,
        /// A policy version of that date already exists; `params.jurisdiction`, `params.effectiveFrom`,
        /// `params.policyVersionId` (operators' CLI).
        PolicyVersionExists,
        /// A policy version would reach behind a running deadline's clock; `params.startedOn`
        /// (operators' CLI; `--retroactive` allows it).
        PolicyBehindRunningClock,
        /// A retry (same `clientSubmissionId`, or a payment's same `externalId`) carries other
        /// input than the first request (code CONFLICT).
        RetryWithOtherInput,
        /// What the mutation would do is already done: receipt acknowledged, request answered,
        /// appeal resolved, contact flagged, escalation acknowledged (code CONFLICT).
        AlreadyDone,
        /// The loan is not with a collection agency (code CONFLICT).
        NotAtAgency,
        /// The loan is with a collection agency already: recall it first (code CONFLICT).
        AlreadyAtAgency,
        /// A change-feed cursor or an `updatedAfter` older than the change retention
        /// (`days`): the changes before it may be gone (code INVALID).
        BeyondChangeRetention,
        /// A webhook URL that is not https, or names a loopback, private or link-local
        /// address (code INVALID); `params.why`.
        UnsafeWebhookUrl,
        /// An organisation has as many webhook endpoints as allowed; `params.max` (code INVALID).
        TooManyWebhookEndpoints,
        /// R1: the loan has no overdue to notify of (code CONFLICT).
        NothingOverdue,
        /// C7: the step is out of order (register → forward → review → answer).
        OutOfStepOrder,
        /// C8: the answer deadline was already extended once.
        ExtensionAlreadyUsed,
        /// C3: only a written complaint may be left without consideration.
        NotAWrittenComplaint,
        /// C3: anonymity is established at registration, not by a manager's decision.
        AnonymityNotDecided,
        /// C3: leaving a complaint without consideration as abusive needs the content quoted or described.
        AbusiveContentRequired,
        /// C12: only an oral complaint is answered orally or invited to be written.
        NotAnOralComplaint,
        /// C7: only a suggestion may be closed without an answer.
        NotASuggestion,
        /// C10: a particular the answer must carry is empty; `field` names it.
        AnswerParticularRequired,
        /// C10: the answer is not in the complaint's language; `params.language` is the one required.
        AnswerLanguageMismatch,
        /// C10: `sentAt` is before the registration or in the future.
        AnswerDateOutOfRange,
        /// C9: the loan is no longer serviced.
        LoanNotServiced,
        /// C13: reception hours are on weekdays only.
        ReceptionOnWeekdaysOnly,
        /// R1: the notice lacks one of its three contents; `field` names it.
        NoticeContentMissing,
        /// R2: more forgiven than is overdue, or something other than overdue principal and interest.
        ForgivenessExceedsOverdue,
        /// R2: a new term of zero months.
        NewTermTooShort,
        /// R3: a late application with a court act, enforcement inscription, settlement or
        /// assignment can only be refused.
        LateApplicationOnlyRefusable,
        /// R6: documents were requested: decide once they are provided or the period lapses.
        DocumentsPending,
        /// R7: the debt burden cannot be judged without the borrower's monthly income.
        IncomeRequired,
        /// R8: the decision is not signed.
        DecisionUnsigned,
        /// R8, D1: a refusal without its motivated reasons.
        RefusalReasonsRequired,
        /// R10: the terms do not lower the monthly payment; `params.monthlyPaymentBefore` and
        /// `params.monthlyPaymentAfter` (the loan's currency) say by how much.
        DebtBurdenNotLowered,
        /// R12: a counter-proposal without a reply date.
        ReplyDateRequired,
        /// R12: the reply date gives fewer calendar days than the law's minimum;
        /// `params.minDays` is it.
        ReplyPeriodTooShort,
        /// R15: the appeal window has closed; `params.lastDay` (local date) was its last day.
        AppealWindowClosed,
        /// M3: the borrower's refusal window has closed; `params.lastDay` (local date) was its last day.
        RefusalWindowClosed,
        /// R17.2 and related rules refuse handing the loan to an agency now: `rule` is the first
        /// of `params.basis` (every rule that decided it); `params.nextAllowedAt` (UTC instant)
        /// when it becomes possible, if known. The message adds the verdict's reasons.
        HandOverNotAllowed,
        /// An amount has more decimal places than its currency's minor unit (300.005 KZT):
        /// refused, never rounded. `params.currency` (ISO 4217) and `params.scale` (decimal
        /// places allowed) say which; `field` names the amount.
        FinerThanMinorUnit,
    }
}

/// A business refusal, without text: the GraphQL layer renders its reason (with `field`,
/// `rule` and `params`) in the reader's language (`UserError::render`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    /// Path of the input field at fault, e.g. `["input", "schedule", "2", "dueDate"]`.
    pub field: Vec<String>,
    pub code: UserErrorCode,
    pub rule: Option<String>,
    /// The specific reason: a program's switch and the message's id.
    pub reason: UserErrorReason,
    /// Machine-readable particulars (`lastDay`, `minDays`, …), empty when none; also the
    /// message's arguments.
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Further sentences of the message (a verdict's reasons), rendered after the reason's.
    pub details: Vec<crate::i18n::Msg>,
}

impl UserErrorReason {
    /// The reason's Fluent id: its GraphQL name (`EXTENSION_ALREADY_USED`).
    pub fn message_id(self) -> &'static str {
        use async_graphql::resolver_utils::EnumType;
        Self::items().iter().find(|i| i.value == self).map(|i| i.name).unwrap_or("INVALID_VALUE")
    }
}

impl UserError {
    /// The message in `lang`: the reason's text with the error's `params`, the input field
    /// (`field`, the last name of its path) and the rule (`rule`) as arguments.
    pub fn render(&self, lang: crate::i18n::Lang) -> String {
        use serde_json::Value;
        let mut args = self.params.clone();
        if let Some(f) = self.field.iter().rev().find(|s| s.parse::<usize>().is_err()) {
            args.entry("field").or_insert_with(|| Value::String(f.clone()));
        }
        if let Some(r) = &self.rule {
            args.entry("rule").or_insert_with(|| Value::String(r.clone()));
        }
        let text = crate::i18n::render(lang, self.reason.message_id(), &args);
        if self.details.is_empty() { text } else { format!("{text} {}", crate::i18n::render_all(&self.details, lang)) }
    }

    pub fn invalid(field: &[&str], reason: UserErrorReason) -> Self {
        Self::new(field, UserErrorCode::Invalid, None, reason)
    }

    pub fn rule(rule: &str, field: &[&str], reason: UserErrorReason) -> Self {
        Self::new(field, UserErrorCode::RuleViolation, Some(rule.to_owned()), reason)
    }

    pub fn conflict(field: &[&str], reason: UserErrorReason) -> Self {
        Self::new(field, UserErrorCode::Conflict, None, reason)
    }

    fn new(field: &[&str], code: UserErrorCode, rule: Option<String>, reason: UserErrorReason) -> Self {
        Self { field: path(field), code, rule, reason, params: Default::default(), details: Vec::new() }
    }

    /// The same error with a machine-readable particular.
    pub fn with_param(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.params.insert(key.to_owned(), value.into());
        self
    }

    /// OUT_OF_RANGE's particulars: `min` and `max` (decimal strings), and `range` (`1–600`,
    /// language-neutral) for the message.
    pub fn between(self, min: impl std::fmt::Display, max: impl std::fmt::Display) -> Self {
        let (lo, hi) = (min.to_string(), max.to_string());
        let range = format!("{lo}–{hi}");
        self.with_param("min", lo).with_param("max", hi).with_param("range", range)
    }

    /// OUT_OF_RANGE with a lower bound only (`min`).
    pub fn at_least(self, min: impl std::fmt::Display) -> Self {
        let lo = min.to_string();
        let range = format!("≥ {lo}");
        self.with_param("min", lo).with_param("range", range)
    }

    /// OUT_OF_RANGE with an upper bound only (`max`).
    pub fn at_most(self, max: impl std::fmt::Display) -> Self {
        let hi = max.to_string();
        let range = format!("≤ {hi}");
        self.with_param("max", hi).with_param("range", range)
    }

    /// OUT_OF_RANGE for an amount that must be positive: `greaterThan` 0 and `max`.
    pub fn positive_up_to(self, max: impl std::fmt::Display) -> Self {
        let hi = max.to_string();
        let range = format!("> 0, ≤ {hi}");
        self.with_param("greaterThan", "0").with_param("max", hi).with_param("range", range)
    }

    /// The same error with a rule ID attached (a conflict or invalid value a rule defines).
    pub fn with_rule(mut self, rule: &str) -> Self {
        self.rule = Some(rule.to_owned());
        self
    }
}

fn path(field: &[&str]) -> Vec<String> {
    std::iter::once("input").chain(field.iter().copied()).map(str::to_owned).collect()
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The business's answer: the caller did something wrong. Nothing was written.
    #[error("refused: {0:?}")]
    User(Vec<UserError>),
    /// Missing, or outside the caller's scope: the two must look the same.
    #[error("not found")]
    NotFound,
    /// The caller's role may not do this at all.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("unauthenticated")]
    Unauthenticated,
    /// The instant asked about is before the first policy version of its jurisdiction:
    /// the rules this API applies were not yet law then (docs/law.md, "Figures are data").
    /// The caller's input, not a fault: the client gets `BAD_USER_INPUT` with this message.
    #[error("{0}")]
    OutsideLaw(crate::i18n::Msg),
    /// Anything else; logged with the request id, never sent to the client.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    pub fn user(e: UserError) -> Self {
        Self::User(vec![e])
    }
}

impl From<DbErr> for ServiceError {
    /// A unique index that says "at most one" refused a row: a concurrent change got there
    /// first, which the caller is told as a CONFLICT on the field the index is about (the
    /// row locks make this rare; the index makes a missed lock harmless). Any other
    /// database error is INTERNAL.
    fn from(e: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(message)) = e.sql_err()
            && let Some(conflict) = conflict_of_unique(&message)
        {
            return Self::user(conflict);
        }
        Self::Internal(anyhow::Error::new(e))
    }
}

/// The unique indexes that state an invariant a client can race against: the index's name
/// (PostgreSQL names it), the columns SQLite names, and the input field and reason the
/// client is told.
const UNIQUE_INVARIANTS: &[(&str, &str, &str, UserErrorReason)] = &[
    ("ix_collection_assignment_active", "collection_assignment.loan_id", "loanId", UserErrorReason::AlreadyAtAgency),
    ("ix_military_deferral_open", "military_deferral.loan_id", "loanId", UserErrorReason::AlreadyDone),
    ("ix_decision_application_id", "decision.application_id", "applicationId", UserErrorReason::AlreadyDone),
    ("ix_complaint_answer_complaint", "complaint_answer.complaint_id", "complaintId", UserErrorReason::AlreadyDone),
    (
        "ix_idempotency_key_principal_key_client_submission_id",
        "idempotency_key.principal_key, idempotency_key.client_submission_id",
        "clientSubmissionId",
        UserErrorReason::RetryWithOtherInput,
    ),
    (
        "ix_borrower_mfo_id_external_id",
        "borrower.mfo_id, borrower.external_id",
        "externalId",
        UserErrorReason::AlreadyDone,
    ),
    ("ix_loan_mfo_id_external_id", "loan.mfo_id, loan.external_id", "externalId", UserErrorReason::AlreadyDone),
    (
        "ix_payment_loan_id_external_id",
        "payment.loan_id, payment.external_id",
        "externalId",
        UserErrorReason::RetryWithOtherInput,
    ),
];

/// The CONFLICT a unique violation's message stands for, if its index states an invariant
/// of `UNIQUE_INVARIANTS`.
pub(crate) fn conflict_of_unique(message: &str) -> Option<UserError> {
    UNIQUE_INVARIANTS.iter().find_map(|(index, columns, field, reason)| {
        let named = message.contains(&format!("\"{index}\"")) || message.ends_with(columns);
        named.then(|| UserError::conflict(&[field], *reason))
    })
}

/// True when the database refused a row because of a unique index.
pub fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Collects validation failures so one response names every bad field, not just the first.
#[derive(Debug, Default)]
pub struct Problems(Vec<UserError>);

impl Problems {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, e: UserError) {
        self.0.push(e);
    }

    pub fn check(&mut self, ok: bool, e: impl FnOnce() -> UserError) {
        if !ok {
            self.0.push(e());
        }
    }

    /// OUT_OF_RANGE for `field` unless `min <= v <= max`: the bounds are written once, for
    /// the check and for the error's `min`, `max` and `range`.
    pub fn in_range<T: PartialOrd + std::fmt::Display>(&mut self, field: &[&str], v: T, min: T, max: T) {
        self.check(v >= min && v <= max, || UserError::invalid(field, UserErrorReason::OutOfRange).between(&min, &max));
    }

    /// REQUIRED for `field` when `text` is empty or only white space.
    pub fn required(&mut self, field: &str, text: &str) {
        self.check(!text.trim().is_empty(), || UserError::invalid(&[field], UserErrorReason::Required));
    }

    /// Every item of a list must have `sub` filled in: `[list, i, sub]` names each that has not.
    pub fn each_filled<T>(&mut self, list: &str, sub: &str, items: &[T], text: impl Fn(&T) -> &str) {
        for (i, item) in items.iter().enumerate() {
            if text(item).trim().is_empty() {
                self.0.push(UserError::invalid(&[list, &i.to_string(), sub], UserErrorReason::Required));
            }
        }
    }

    /// TOO_MANY for `field` when a list has more than `max` items, `maxItems` naming the
    /// bound: a list stored in a record is read whole with it, so its bound is what lets the
    /// complexity of a document weigh it (`graphql::budget`).
    pub fn at_most_items(&mut self, field: &str, len: usize, max: usize) {
        self.check(len <= max, || UserError::invalid(&[field], UserErrorReason::TooMany).with_param("maxItems", max));
    }

    /// TOO_LONG for `field` when a text has more than `max` characters, `maxLength` naming
    /// the bound; no text passes.
    pub fn at_most_chars(&mut self, field: &[&str], text: Option<&str>, max: usize) {
        self.check(text.is_none_or(|t| t.chars().count() <= max), || {
            UserError::invalid(field, UserErrorReason::TooLong).with_param("maxLength", max)
        });
    }

    /// Takes over another check's findings.
    pub fn absorb(&mut self, other: Problems) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The user errors found.
    pub fn into_errors(self) -> Vec<UserError> {
        self.0
    }

    /// `Ok(())` when nothing was found wrong, otherwise the user errors found so far.
    pub fn finish(&mut self) -> ServiceResult<()> {
        if self.0.is_empty() { Ok(()) } else { Err(ServiceError::User(std::mem::take(&mut self.0))) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_its_message_in_every_catalogue() {
        use async_graphql::resolver_utils::EnumType;
        for lang in crate::i18n::LANGS {
            let ids = crate::i18n::catalogue_ids(lang);
            for item in UserErrorReason::items() {
                assert!(ids.iter().any(|i| i == item.name), "{} lacks {}", lang.tag(), item.name);
            }
        }
    }

    #[test]
    fn in_range_refuses_outside_its_bounds_and_names_them_once() {
        let mut p = Problems::new();
        p.in_range(&["annualRate"], rust_decimal::Decimal::from(10), rust_decimal::Decimal::ZERO, 10.into());
        p.in_range(&["termMonths"], 1, 1, 600);
        assert!(p.is_empty(), "both bounds are inside");
        p.in_range(&["termMonths"], 601, 1, 600);
        let Err(ServiceError::User(errors)) = p.finish() else { panic!("a refusal") };
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, vec!["input".to_owned(), "termMonths".to_owned()]);
        assert_eq!(errors[0].reason, UserErrorReason::OutOfRange);
        assert_eq!(
            serde_json::Value::Object(errors[0].params.clone()),
            serde_json::json!({ "min": "1", "max": "600", "range": "1–600" })
        );
    }
}
