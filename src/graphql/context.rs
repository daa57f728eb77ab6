//! What a resolver may take from the request: the principal (or why there is none), the
//! service context and the request's DataLoaders.

use async_graphql::{Context, ErrorExtensions};

use crate::auth::Principal;
use crate::error::code;
use crate::graphql::errors::code_error;
use crate::services::Ctx;

/// Per-request data, inserted by the HTTP or WebSocket layer.
#[derive(Debug, Clone, Default)]
pub struct RequestAuth {
    pub principal: Option<Principal>,
}

/// Per-request data: charges the caller's rate budget for what an operation turns out to
/// be beyond what the transport already charged (each root field of a mutation is one
/// write: thirty aliased `registerComplaint`s are thirty). `Err` carries the seconds until
/// the budget refills. Built by the transport, which knows the caller's key and clock.
#[derive(Clone)]
pub struct RateCharge(pub std::sync::Arc<dyn Fn(u32) -> Result<(), i64> + Send + Sync>);

pub trait ContextExt {
    /// The authenticated caller, or an UNAUTHENTICATED error.
    fn principal(&self) -> async_graphql::Result<&Principal>;
    fn services(&self) -> &Ctx;
}

impl ContextExt for Context<'_> {
    fn principal(&self) -> async_graphql::Result<&Principal> {
        self.data_opt::<RequestAuth>()
            .and_then(|a| a.principal.as_ref())
            .ok_or_else(|| code_error(code::UNAUTHENTICATED, "a bearer token is required").extend())
    }

    fn services(&self) -> &Ctx {
        self.data_unchecked::<Ctx>()
    }
}
