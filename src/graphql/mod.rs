//! Transport only: GraphQL types, inputs, DataLoaders, limits, and the one mapping of
//! service errors to GraphQL errors. No business rule lives in a resolver: resolvers take
//! the principal, call a service, and map the result.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{MergedObject, MergedSubscription, Schema, ServerError, ValidationResult};

use crate::services::Ctx;

pub mod appeals;
pub mod audit;
pub mod budget;
pub mod changes;
pub mod collection;
pub mod complaints;
pub mod connection;
pub mod context;
pub mod documents;
pub mod edge;
pub mod errors;
pub mod escalations;
pub mod guard;
pub mod ids;
pub mod loaders;
pub mod loans;
pub mod me;
pub mod military;
pub mod nested;
pub mod node;
pub mod observe;
pub mod restructuring;
pub mod scalars;
pub mod statistics;
pub mod sync;
pub mod webhooks;

/// Reads. Every query needs a bearer token (introspection does not); each returns
/// only what the caller's role and organisation may see (DOMAIN.md, Actors), and NOT_FOUND
/// for anything outside it. Instants are UTC; dates are local to the record's jurisdiction.
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
    changes::ChangeQuery,
    webhooks::WebhookQuery,
    statistics::StatisticsQuery,
    documents::DocumentQuery,
);

/// Writes, each in one transaction: a business refusal comes back in the payload's
/// `userErrors` (field, code, rule) with nothing stored; other failures are top-level
/// errors with `extensions.code`. Each mutation says which roles may call it.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    loans::LoanMutation,
    sync::SyncMutation,
    complaints::ComplaintMutation,
    restructuring::RestructuringMutation,
    appeals::AppealMutation,
    collection::CollectionMutation,
    military::MilitaryMutation,
    escalations::EscalationMutation,
    webhooks::WebhookMutation,
);

/// Live updates over graphql-transport-ws on `/graphql`, the bearer token in
/// `connection_init`'s payload; scoped like the matching queries.
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
    /// The worst-case count of values a document may return (`budget`).
    pub complexity: usize,
    /// The memory budget of a response in bytes: lowers `complexity` to
    /// `response_bytes / budget::UNIT_BYTES` when that is smaller (`budget`).
    pub response_bytes: usize,
    pub aliases: usize,
    pub directives: usize,
    /// Fields once every fragment spread is expanded (checked before validation).
    pub fields: usize,
    /// Lexical tokens of a document, counted before it is parsed.
    pub tokens: usize,
}

impl From<&crate::config::LimitArgs> for Limits {
    /// The limits `serve`'s flags and `MFO_MAX_*` variables set.
    fn from(a: &crate::config::LimitArgs) -> Self {
        Self {
            depth: a.max_depth,
            complexity: a.max_complexity,
            response_bytes: a.max_response_bytes,
            aliases: a.max_aliases,
            directives: a.max_directives,
            fields: a.max_fields,
            tokens: a.max_tokens,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            depth: 12,
            complexity: 20_000,
            response_bytes: budget::DEFAULT_RESPONSE_BYTES,
            aliases: 30,
            directives: 10,
            fields: 5_000,
            tokens: 10_000,
        }
    }
}

impl Limits {
    /// Nesting of selection sets and fragment spreads: async-graphql's recursive depth.
    fn nesting(&self) -> usize {
        self.depth.max(32)
    }

    /// The complexity limit in force (`budget::effective_limit`).
    pub fn complexity_in_force(&self) -> usize {
        budget::effective_limit(self.complexity, self.response_bytes)
    }
}

/// Builds the API: the schema behind the checks of `edge`, twice (see `edge::Api`); `ctx`
/// is absent only when printing the SDL.
pub fn build(ctx: Option<Ctx>, limits: Limits, production: bool) -> edge::Api {
    let shape = guard::ShapeLimits {
        fields: limits.fields,
        depth: limits.depth,
        nesting: limits.nesting(),
        aliases: limits.aliases,
        tokens: limits.tokens,
    };
    let plain = schema(ctx.clone(), limits, production, false);
    let heavy = schema(ctx, limits, production, true);
    edge::Api::new(plain, heavy, shape, limits)
}

/// The schema; `validation_off_workers` registers the one extension the heavy documents'
/// schema has.
fn schema(ctx: Option<Ctx>, limits: Limits, production: bool, validation_off_workers: bool) -> AppSchema {
    // Depth is measured by `guard` (without the introspection subtrees), not by
    // async-graphql's `limit_depth`, so that the standard introspection query passes.
    let mut builder = Schema::build(QueryRoot::default(), MutationRoot::default(), SubscriptionRoot::default())
        .limit_recursive_depth(limits.nesting())
        .limit_complexity(limits.complexity_in_force())
        .limit_directives(limits.directives)
        .register_output_type::<scalars::ScalarDocs>();
    // Any extension costs every resolved field (see `edge`): only the schema that heavy
    // documents run on has one.
    if validation_off_workers {
        builder = builder.extension(ValidationOffWorkers(limits));
    }
    if production {
        builder = builder.disable_introspection().disable_suggestions();
    }
    if let Some(ctx) = ctx {
        builder = builder.data(ctx);
    }
    builder.finish()
}

/// Validates on a blocking turn (`cpu_bound`), so that a document whose validation walks
/// many expanded fragments does not hold an async worker (see the hostile-requests suite);
/// and spends an operation of a batch from the batch's one budget (`budget`).
struct ValidationOffWorkers(Limits);

impl ExtensionFactory for ValidationOffWorkers {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ValidationOffWorkersExtension(self.0))
    }
}

struct ValidationOffWorkersExtension(Limits);

#[async_graphql::async_trait::async_trait]
impl Extension for ValidationOffWorkersExtension {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = cpu_bound(next.run(ctx)).await?;
        if let Some(batch) = ctx.data_opt::<budget::BatchBudget>()
            && !batch.spend(result.complexity)
        {
            return Err(vec![budget::refusal(self.0.complexity, self.0.response_bytes, true)]);
        }
        Ok(result)
    }
}

/// The SDL of the contract, as `mfo-api schema` prints it and `schema.graphql` holds it.
pub fn sdl() -> String {
    build(None, Limits::default(), false)
        .schema()
        .sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}

/// Runs CPU-bound work (the parse of a large document, `edge`; a heavy one's validation) with `block_in_place` on a multi-threaded
/// runtime, so a worker busy with one document hands its other tasks (health checks,
/// timers, other connections) to another thread instead of starving them. A
/// current-thread runtime (the unit tests') runs it in place.
///
/// At most one such piece of work per core runs at a time; the others wait their turn
/// (asynchronously). More would not finish sooner, and each would hold a thread of its
/// own, the parser's memory for its document and an allocator arena: eight 1 MB documents
/// at once grew the process by about 90 MB (measured by the hostile-requests suite).
pub(crate) async fn cpu_bound<F: Future>(fut: F) -> F::Output {
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
