//! Transport only: GraphQL types, inputs, DataLoaders, limits, and the one mapping of
//! service errors to GraphQL errors. No business rule lives in a resolver: resolvers take
//! the principal, call a service, and map the result.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{MergedObject, MergedSubscription, Schema, ServerError, ServerResult, ValidationResult, Variables};

use crate::services::Ctx;

pub mod appeals;
pub mod audit;
pub mod collection;
pub mod complaints;
pub mod connection;
pub mod context;
pub mod errors;
pub mod escalations;
pub mod guard;
pub mod ids;
pub mod loaders;
pub mod loans;
pub mod me;
pub mod military;
pub mod node;
pub mod observe;
pub mod restructuring;
pub mod scalars;
pub mod statistics;
pub mod text;

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    me::MeQuery,
    node::NodeQuery,
    loans::LoanQuery,
    complaints::ComplaintQuery,
    restructuring::RestructuringQuery,
    collection::CollectionQuery,
    escalations::EscalationQuery,
    audit::AuditQuery,
    statistics::StatisticsQuery,
);

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    loans::LoanMutation,
    complaints::ComplaintMutation,
    restructuring::RestructuringMutation,
    appeals::AppealMutation,
    collection::CollectionMutation,
    military::MilitaryMutation,
    escalations::EscalationMutation,
);

#[derive(MergedSubscription, Default)]
pub struct SubscriptionRoot(
    escalations::EscalationSubscription,
    complaints::ComplaintSubscription,
    restructuring::RestructuringSubscription,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Query-shape limits, on by default (DESIGN.md, API contract).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Field nesting, introspection subtrees (`__schema`, `__type`) not counted.
    pub depth: usize,
    pub complexity: usize,
    pub aliases: usize,
    pub directives: usize,
    /// Fields once every fragment spread is expanded (checked before validation).
    pub fields: usize,
    /// Lexical tokens of a document, counted before it is parsed.
    pub tokens: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { depth: 12, complexity: 20_000, aliases: 30, directives: 10, fields: 5_000, tokens: 10_000 }
    }
}

impl Limits {
    /// Nesting of selection sets and fragment spreads: async-graphql's recursive depth.
    fn nesting(&self) -> usize {
        self.depth.max(32)
    }
}

/// Builds the schema; `ctx` is absent only when printing the SDL.
pub fn build(ctx: Option<Ctx>, limits: Limits, production: bool) -> AppSchema {
    // Depth is measured by `guard` (without the introspection subtrees), not by
    // async-graphql's `limit_depth`, so that the standard introspection query passes.
    let mut builder = Schema::build(QueryRoot::default(), MutationRoot::default(), SubscriptionRoot::default())
        .limit_recursive_depth(limits.nesting())
        .limit_complexity(limits.complexity)
        .limit_directives(limits.directives)
        .extension(DocumentGuard(guard::ShapeLimits {
            fields: limits.fields,
            depth: limits.depth,
            nesting: limits.nesting(),
            aliases: limits.aliases,
            tokens: limits.tokens,
        }))
        .extension(text::StorableText)
        .extension(observe::Observe)
        .register_output_type::<scalars::ScalarDocs>();
    if production {
        builder = builder.disable_introspection().disable_suggestions();
    }
    if let Some(ctx) = ctx {
        builder = builder.data(ctx);
    }
    builder.finish()
}

/// The SDL of the contract, as `mfo-api schema` prints it and `schema.graphql` holds it.
pub fn sdl() -> String {
    build(None, Limits::default(), false)
        .sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}

/// Refuses documents whose shape is over the limits before async-graphql expands their
/// fragments (see `guard`), and keeps parsing and validation off the async workers.
struct DocumentGuard(guard::ShapeLimits);

impl ExtensionFactory for DocumentGuard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DocumentGuardExtension(self.0))
    }
}

struct DocumentGuardExtension(guard::ShapeLimits);

/// Runs CPU-bound work (parsing, validation) with `block_in_place` on a multi-threaded
/// runtime, so a worker busy with one document hands its other tasks (health checks,
/// timers, other connections) to another thread instead of starving them. A
/// current-thread runtime (the unit tests') runs it in place.
///
/// At most one such piece of work per core runs at a time; the others wait their turn
/// (asynchronously). More would not finish sooner, and each would hold a thread of its
/// own, the parser's memory for its document and an allocator arena: eight 1 MB documents
/// at once grew the process by about 90 MB (issue 9, suite 1).
async fn cpu_bound<F: Future>(fut: F) -> F::Output {
    use tokio::runtime::{Handle, RuntimeFlavor};
    static TURNS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let turns = TURNS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2))
    });
    // The semaphore is never closed, so acquiring cannot fail; if it did, run anyway.
    let _turn = turns.acquire().await.ok();
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| handle.block_on(fut))
        }
        _ => fut.await,
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for DocumentGuardExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let limits = self.0;
        cpu_bound(async move {
            guard::check_tokens(query, limits.tokens).map_err(|e| ServerError::new(e.to_string(), None))?;
            // Parsed once more here, before async-graphql's own checks that expand
            // fragments; a document that does not parse is left to async-graphql to report.
            if let Ok(doc) = async_graphql::parser::parse_query(query) {
                guard::check(&doc, limits).map_err(|e| ServerError::new(e.to_string(), None))?;
            }
            next.run(ctx, query, variables).await
        })
        .await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        cpu_bound(next.run(ctx)).await
    }
}
