//! Transport only: GraphQL types, inputs, DataLoaders, limits, and the one mapping of
//! service errors to GraphQL errors. No business rule lives in a resolver: resolvers take
//! the principal, call a service, and map the result.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{MergedObject, MergedSubscription, Schema, ServerError, ServerResult, Variables};

use crate::services::Ctx;

pub mod appeals;
pub mod audit;
pub mod collection;
pub mod complaints;
pub mod connection;
pub mod context;
pub mod errors;
pub mod escalations;
pub mod ids;
pub mod loaders;
pub mod loans;
pub mod me;
pub mod military;
pub mod node;
pub mod restructuring;
pub mod scalars;
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
);

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    loans::LoanMutation,
    complaints::ComplaintMutation,
    restructuring::RestructuringMutation,
    appeals::AppealMutation,
    collection::CollectionMutation,
    military::MilitaryMutation,
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
    pub depth: usize,
    pub complexity: usize,
    pub aliases: usize,
    pub directives: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { depth: 12, complexity: 20_000, aliases: 30, directives: 10 }
    }
}

/// Builds the schema; `ctx` is absent only when printing the SDL.
pub fn build(ctx: Option<Ctx>, limits: Limits, production: bool) -> AppSchema {
    let mut builder = Schema::build(QueryRoot::default(), MutationRoot::default(), SubscriptionRoot::default())
        .limit_depth(limits.depth)
        .limit_recursive_depth(limits.depth.max(32))
        .limit_complexity(limits.complexity)
        .limit_directives(limits.directives)
        .extension(AliasLimit(limits.aliases))
        .extension(text::StorableText);
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
    build(None, Limits::default(), false).sdl()
}

/// Refuses documents with more aliases than allowed (alias bombs multiply work without
/// deepening the query, so depth and complexity alone miss them).
struct AliasLimit(usize);

impl ExtensionFactory for AliasLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AliasLimitExtension(self.0))
    }
}

struct AliasLimitExtension(usize);

fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|s| match &s.node {
            Selection::Field(f) => usize::from(f.node.alias.is_some()) + count_aliases(&f.node.selection_set.node),
            Selection::InlineFragment(f) => count_aliases(&f.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

#[async_graphql::async_trait::async_trait]
impl Extension for AliasLimitExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let aliases: usize =
            doc.operations.iter().map(|(_, op)| count_aliases(&op.node.selection_set.node)).sum::<usize>()
                + doc.fragments.values().map(|f| count_aliases(&f.node.selection_set.node)).sum::<usize>();
        if aliases > self.0 {
            return Err(ServerError::new(
                format!("the query uses {aliases} aliases; at most {} are allowed", self.0),
                None,
            ));
        }
        Ok(doc)
    }
}
