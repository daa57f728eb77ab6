//! The one mapping from `ServiceError` to what the client sees (DESIGN.md, API contract):
//! business refusals become `userErrors` in the payload, everything else a top-level
//! error with `extensions.code`. Internal causes are logged here and never sent.

use async_graphql::{Error, ErrorExtensions, SimpleObject};

use crate::error::code;
use crate::error::{ServiceError, UserError, UserErrorCode, UserErrorReason};

/// A business refusal: which input field, why, and under which rule.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "UserError")]
pub struct UserErrorObject {
    /// Path to the input field at fault, e.g. `["input", "schedule", "2", "dueDate"]`.
    pub field: Option<Vec<String>>,
    /// What is wrong, for a person, in the request's language (`Accept-Language`: ru, kk,
    /// ky or en; English when none of them is asked for). Rendered from `reason` and
    /// `params`: a program switches on `reason`, never on this text.
    pub message: String,
    /// What kind of refusal, for a program to switch on.
    pub code: UserErrorCode,
    /// The DOMAIN.md rule ID when a rule refused it (e.g. "C8").
    pub rule: Option<String>,
    /// The specific refusal, stable for a program to switch on (e.g. EXTENSION_ALREADY_USED);
    /// never the deprecated broad INVALID_VALUE, WRONG_STATE or RULE_REFUSED.
    pub reason: UserErrorReason,
    /// Machine-readable particulars of the refusal as a JSON object (e.g. `{"lastDay":
    /// "2026-05-16"}` for APPEAL_WINDOW_CLOSED: a local date); `{}` when there are none.
    /// Each reason's description names its keys.
    pub params: async_graphql::Json<serde_json::Map<String, serde_json::Value>>,
}

impl From<UserError> for UserErrorObject {
    fn from(e: UserError) -> Self {
        // The one place a user error's text is written: in the executing request's language.
        let message = e.render(crate::i18n::current());
        Self {
            field: Some(e.field),
            message,
            code: e.code,
            rule: e.rule,
            reason: e.reason,
            params: async_graphql::Json(e.params),
        }
    }
}

/// An error with a stable `extensions.code`.
pub fn code_error(code: &'static str, message: impl Into<String>) -> Error {
    Error::new(message).extend_with(|_, ext| ext.set("code", code))
}

pub fn not_found() -> Error {
    code_error(code::NOT_FOUND, "not found")
}

pub fn bad_input(message: impl Into<String>) -> Error {
    code_error(code::BAD_USER_INPUT, message)
}

/// A service error outside a payload (queries, or the non-business failures of mutations).
pub fn top_level(e: ServiceError) -> Error {
    match e {
        ServiceError::NotFound => not_found(),
        ServiceError::Forbidden(why) => code_error(code::FORBIDDEN, why),
        ServiceError::Unauthenticated => code_error(code::UNAUTHENTICATED, "a bearer token is required"),
        ServiceError::OutsideLaw(why) => code_error(code::BAD_USER_INPUT, why.render(crate::i18n::current())),
        ServiceError::User(errors) => {
            // A query has no payload to carry user errors: name the first one.
            let message =
                errors.first().map(|e| e.render(crate::i18n::current())).unwrap_or_else(|| "invalid input".to_owned());
            code_error(code::BAD_USER_INPUT, message)
        }
        ServiceError::Internal(cause) => {
            tracing::error!(error = ?cause, "internal error");
            code_error(code::INTERNAL, "internal error")
        }
    }
}

/// Declares a mutation payload `{ <field>: T, userErrors: [UserError!]! }` and how a
/// service result fills it.
macro_rules! payload {
    ($(#[$m:meta])* $name:ident { $field:ident : $ty:ty }) => {
        $(#[$m])*
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            /// The record as the mutation left it; null when `userErrors` is not empty.
            pub $field: Option<$ty>,
            /// Why the mutation was refused (business rules, invalid input): each names the
            /// input field, a code and the rule; empty on success, and then nothing was
            /// refused. Nothing is stored when any is returned (one transaction).
            pub user_errors: Vec<$crate::graphql::errors::UserErrorObject>,
        }

        impl $name {
            pub fn from_result(r: $crate::error::ServiceResult<$ty>) -> async_graphql::Result<Self> {
                match r {
                    Ok(v) => Ok(Self { $field: Some(v), user_errors: Vec::new() }),
                    Err($crate::error::ServiceError::User(errors)) => {
                        Ok(Self { $field: None, user_errors: errors.into_iter().map(Into::into).collect() })
                    }
                    Err(e) => Err($crate::graphql::errors::top_level(e)),
                }
            }
        }
    };
}
pub(crate) use payload;
