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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    /// Path of the input field at fault, e.g. `["input", "schedule", "2", "dueDate"]`.
    pub field: Vec<String>,
    pub message: String,
    pub code: UserErrorCode,
    pub rule: Option<String>,
}

impl UserError {
    pub fn invalid(field: &[&str], message: impl Into<String>) -> Self {
        Self { field: path(field), message: message.into(), code: UserErrorCode::Invalid, rule: None }
    }

    pub fn rule(rule: &str, field: &[&str], message: impl Into<String>) -> Self {
        Self {
            field: path(field),
            message: message.into(),
            code: UserErrorCode::RuleViolation,
            rule: Some(rule.to_owned()),
        }
    }

    pub fn conflict(field: &[&str], message: impl Into<String>) -> Self {
        Self { field: path(field), message: message.into(), code: UserErrorCode::Conflict, rule: None }
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
