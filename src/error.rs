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

/// The specific refusal, stable for a program to switch on (issue 10); `code` stays the
/// broad class DESIGN.md names. A refusal without a specific reason yet gets the broad
/// one (`INVALID_VALUE`, `WRONG_STATE`, `RULE_REFUSED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum UserErrorReason {
    /// A value is malformed, out of range or missing (code INVALID); `field` names it.
    InvalidValue,
    /// The record's state does not allow it, or a retry carries other input (code CONFLICT).
    WrongState,
    /// A rule refuses it and no more specific reason is listed yet; `rule` names it.
    RuleRefused,
    /// A retry (same `clientSubmissionId`, or a payment's same `externalId`) carries other
    /// input than the first request (code CONFLICT).
    RetryWithOtherInput,
    /// What the mutation would do is already done: receipt acknowledged, request answered,
    /// appeal resolved, contact flagged (code CONFLICT).
    AlreadyDone,
    /// The loan is not with a collection agency (code CONFLICT).
    NotAtAgency,
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
    /// when it becomes possible, if known.
    HandOverNotAllowed,
    /// An amount has more decimal places than its currency's minor unit (300.005 KZT):
    /// refused, never rounded. `params.currency` (ISO 4217) and `params.scale` (decimal
    /// places allowed) say which; `field` names the amount.
    FinerThanMinorUnit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    /// Path of the input field at fault, e.g. `["input", "schedule", "2", "dueDate"]`.
    pub field: Vec<String>,
    pub message: String,
    pub code: UserErrorCode,
    pub rule: Option<String>,
    /// The specific reason, when one is listed; else the broad one of `code`.
    pub reason: Option<UserErrorReason>,
    /// Machine-readable particulars (`lastDay`, `minDays`, …), empty when none.
    pub params: serde_json::Map<String, serde_json::Value>,
}

impl UserError {
    pub fn invalid(field: &[&str], message: impl Into<String>) -> Self {
        Self {
            field: path(field),
            message: message.into(),
            code: UserErrorCode::Invalid,
            rule: None,
            reason: None,
            params: Default::default(),
        }
    }

    pub fn rule(rule: &str, field: &[&str], message: impl Into<String>) -> Self {
        Self {
            field: path(field),
            message: message.into(),
            code: UserErrorCode::RuleViolation,
            rule: Some(rule.to_owned()),
            reason: None,
            params: Default::default(),
        }
    }

    pub fn conflict(field: &[&str], message: impl Into<String>) -> Self {
        Self {
            field: path(field),
            message: message.into(),
            code: UserErrorCode::Conflict,
            rule: None,
            reason: None,
            params: Default::default(),
        }
    }

    /// The same error with its specific reason.
    pub fn because(mut self, reason: UserErrorReason) -> Self {
        self.reason = Some(reason);
        self
    }

    /// The same error with a machine-readable particular.
    pub fn with_param(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.params.insert(key.to_owned(), value.into());
        self
    }

    /// The reason a client sees: the specific one, else the broad one of `code`.
    pub fn reason_or_broad(&self) -> UserErrorReason {
        self.reason.unwrap_or(match self.code {
            UserErrorCode::Invalid => UserErrorReason::InvalidValue,
            UserErrorCode::Conflict => UserErrorReason::WrongState,
            UserErrorCode::RuleViolation => UserErrorReason::RuleRefused,
        })
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
    /// the rules this API applies were not yet law then (DOMAIN.md, "Figures change").
    /// The caller's input, not a fault: the client gets `BAD_USER_INPUT` with this text.
    #[error("{0}")]
    OutsideLaw(String),
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
    fn from(e: DbErr) -> Self {
        Self::Internal(anyhow::Error::new(e))
    }
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

    /// Every item of a list must have `sub` filled in: `[list, i, sub]` names each that has not.
    pub fn each_filled<T>(&mut self, list: &str, sub: &str, items: &[T], text: impl Fn(&T) -> &str, message: &str) {
        for (i, item) in items.iter().enumerate() {
            if text(item).trim().is_empty() {
                self.0.push(UserError::invalid(&[list, &i.to_string(), sub], message));
            }
        }
    }

    /// Takes over another check's findings.
    pub fn absorb(&mut self, other: Problems) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was found wrong, otherwise the user errors found so far.
    pub fn finish(&mut self) -> ServiceResult<()> {
        if self.0.is_empty() { Ok(()) } else { Err(ServiceError::User(std::mem::take(&mut self.0))) }
    }
}
