//! What every GraphQL request goes through around the schema, over HTTP and WebSocket
//! alike: the shape guard and the parse, off the async workers (`guard`); storable text
//! (`text`); observation (`observe`). It sees documents and responses only: it decides
//! nothing about data and never changes what an executed operation answers.
//!
//! Why around the schema and not as async-graphql extensions (which these once
//! were): with any extension registered, async-graphql builds a `ResolveInfo` (two
//! registry lookups by name) and runs a chain of boxed futures for *every field* it
//! resolves. `loans(first: 50)` with installments resolves ≈ 1,500 fields; the chain was
//! about a third of the process's CPU in its profile. Without extensions every field
//! takes async-graphql's direct path.
//!
//! The parse happens here, once (the document is handed to async-graphql already parsed,
//! `Request::set_parsed_query`); a large document is parsed on a blocking turn
//! (`cpu_bound`). Validation happens inside async-graphql, where only an extension can
//! move it off the async workers; so there are two schemas: the plain one, and one with
//! that single extension (`ValidationOffWorkers`) for the heavy documents, those the guard
//! measured over `HEAVY_FIELDS` expanded fields or over `INLINE_PARSE_BYTES` written.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use async_graphql::parser::Positioned;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition, OperationType};
use async_graphql::{Name, Request, Response, ServerError};

use super::context::{RateCharge, RequestAuth};
use super::{AppSchema, budget, guard, observe};
use crate::error::code;
use crate::text::{self, ORIGINALS, Originals};

/// Documents up to this size are parsed on the worker: that takes microseconds, less than
/// handing the worker's other tasks to another thread would (`cpu_bound`).
const INLINE_PARSE_BYTES: usize = 4096;

/// Documents whose fields, every fragment spread expanded, are more than this validate on
/// a blocking turn (the heavy schema). Ordinary operations have tens to hundreds.
const HEAVY_FIELDS: usize = 1_000;

/// async-graphql's message for a document over its complexity limit.
const TOO_COMPLEX: &str = "Query is too complex.";

/// The schema with the checks every request goes through first.
#[derive(Clone)]
pub struct Api {
    schema: AppSchema,
    /// The same schema with validation off the async workers, for heavy documents.
    heavy: AppSchema,
    shape: guard::ShapeLimits,
    limits: super::Limits,
}

/// What `prepare` learnt of a request that may run.
struct Prepared {
    request: Request,
    /// The operation's type, when the document parsed and names one.
    operation: Option<OperationType>,
    /// The operation's name: the request's, or the only operation's.
    name: Option<String>,
    /// Runs on the heavy schema.
    heavy: bool,
    /// Input text replaced to be storable, for the request's first write to record.
    originals: Originals,
}

impl Api {
    pub fn new(schema: AppSchema, heavy: AppSchema, shape: guard::ShapeLimits, limits: super::Limits) -> Self {
        Self { schema, heavy, shape, limits }
    }

    /// The one budget the operations of a batched request share (`budget`).
    pub fn batch_budget(&self) -> budget::BatchBudget {
        budget::BatchBudget::new(self.limits.complexity_in_force())
    }

    fn schema_for(&self, p: &Prepared) -> &AppSchema {
        if p.heavy { &self.heavy } else { &self.schema }
    }

    /// The schema itself (its SDL).
    pub fn schema(&self) -> &AppSchema {
        &self.schema
    }

    /// Executes a query or mutation (a subscription over HTTP is refused by async-graphql
    /// as before).
    pub async fn execute(&self, request: Request) -> Response {
        match self.prepare(request).await {
            Ok(p) => self.run(p).await,
            Err(refused) => refused,
        }
    }

    /// Executes any operation as a stream of responses: one for a query or mutation,
    /// one per event for a subscription.
    pub fn execute_stream(&self, request: Request) -> BoxStream<'static, Response> {
        let api = self.clone();
        stream::once(async move { api.prepare(request).await.map(|p| (api, p)) })
            .flat_map(|prepared| match prepared {
                Ok((api, p)) if p.operation == Some(OperationType::Subscription) => {
                    api.schema_for(&p).execute_stream(p.request)
                }
                Ok((api, p)) => stream::once(async move { api.run(p).await }).boxed(),
                Err(refused) => stream::once(async move { refused }).boxed(),
            })
            .boxed()
    }

    async fn run(&self, p: Prepared) -> Response {
        let schema = self.schema_for(&p).clone();
        let principal = p
            .request
            .data
            .get(&std::any::TypeId::of::<RequestAuth>())
            .and_then(|d| d.downcast_ref::<RequestAuth>())
            .and_then(|a| a.principal.as_ref())
            .map(|p| p.key());
        let execution = ORIGINALS.scope(p.originals, schema.execute(p.request));
        let kind = p.operation.map_or("query", observe::type_label);
        let mut response = observe::observed(p.name.as_deref(), kind, principal, execution).await;
        // async-graphql's own refusal says only "Query is too complex.": say which limits.
        for e in &mut response.errors {
            if e.message == TOO_COMPLEX && e.path.is_empty() {
                *e = budget::refusal(self.limits.complexity, self.limits.response_bytes, false);
            }
        }
        response
    }

    /// Shape limits, the parse (off the workers) and storable text. `Err` is the answer to
    /// a request that is not to run; a document that does not parse is left to
    /// async-graphql, which reports it as it always did.
    async fn prepare(&self, mut request: Request) -> Result<Prepared, Response> {
        let mut found = BTreeMap::new();
        for (name, value) in request.variables.iter_mut() {
            text::normalise_const(value, name, &mut found);
        }
        let limits = self.shape;
        let check = move |query: &str| match guard::check_tokens(query, limits.tokens) {
            Err(e) => Err(ServerError::new(e.to_string(), None)),
            Ok(()) => match async_graphql::parser::parse_query(query) {
                Ok(doc) => guard::measure(&doc, limits)
                    .map(|fields| Some((doc, fields)))
                    .map_err(|e| ServerError::new(e.to_string(), None)),
                Err(_) => Ok(None),
            },
        };
        let large = request.query.len() > INLINE_PARSE_BYTES;
        let parsed = if !large {
            check(&request.query)
        } else {
            let query = std::mem::take(&mut request.query);
            let (query, parsed) = super::cpu_bound(async move {
                let parsed = check(&query);
                (query, parsed)
            })
            .await;
            request.query = query;
            parsed
        };
        let mut operation = None;
        let mut name = request.operation_name.clone();
        let mut heavy = large;
        match parsed {
            Err(e) => return Err(Response::from_errors(vec![e])),
            Ok(Some((mut doc, fields))) => {
                text::normalise_document(&mut doc, &mut found);
                if let Some((ty, only)) = operation_of(&doc, request.operation_name.as_deref()) {
                    operation = Some(ty);
                    name = name.or(only);
                }
                // The transport charged one unit for the operation; a mutation's every
                // further root field is one more.
                let extra = writes_in(&doc, request.operation_name.as_deref()).saturating_sub(1);
                let charge = request
                    .data
                    .get(&std::any::TypeId::of::<RateCharge>())
                    .and_then(|d| d.downcast_ref::<RateCharge>());
                if extra > 0
                    && let Some(charge) = charge
                    && charge.0(extra).is_err()
                {
                    let mut e = ServerError::new("too many operations: slow down", None);
                    e.extensions.get_or_insert_with(Default::default).set("code", code::RATE_LIMITED);
                    return Err(Response::from_errors(vec![e]));
                }
                // An operation of a batch spends the batch's budget in the heavy schema's
                // validation (`budget`).
                heavy |=
                    fields > HEAVY_FIELDS || request.data.contains_key(&std::any::TypeId::of::<budget::BatchBudget>());
                request.set_parsed_query(doc);
            }
            Ok(None) => {}
        }
        Ok(Prepared { request, operation, name, heavy, originals: Arc::new(Mutex::new(found)) })
    }
}

/// The operation a request runs (the named one, or the only one, as async-graphql
/// resolves it), and its name when the request names none and the document has one.
pub(crate) fn operation_in<'a>(
    doc: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<(&'a Positioned<OperationDefinition>, Option<&'a Name>)> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some((op, None)),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| (op, None)),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.iter().next().map(|(n, op)| (op, Some(n))),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// How many writes a request's operation asks for: the root fields of a mutation (those in
/// its fragments included), none for a query or subscription.
fn writes_in(doc: &ExecutableDocument, name: Option<&str>) -> u32 {
    use async_graphql::parser::types::{FragmentDefinition, Selection, SelectionSet};
    fn count(
        set: &SelectionSet,
        fragments: &std::collections::HashMap<Name, Positioned<FragmentDefinition>>,
        depth: u8,
    ) -> u32 {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(_) => 1,
                Selection::InlineFragment(f) if depth < 8 => count(&f.node.selection_set.node, fragments, depth + 1),
                Selection::FragmentSpread(s) if depth < 8 => fragments
                    .get(&s.node.fragment_name.node)
                    .map_or(0, |f| count(&f.node.selection_set.node, fragments, depth + 1)),
                Selection::InlineFragment(_) | Selection::FragmentSpread(_) => 0,
            })
            .fold(0u32, u32::saturating_add)
    }
    match operation_in(doc, name) {
        Some((op, _)) if op.node.ty == OperationType::Mutation => count(&op.node.selection_set.node, &doc.fragments, 0),
        _ => 0,
    }
}

/// The type of the operation a request runs, and the name of the only one when the
/// request names none.
fn operation_of(doc: &ExecutableDocument, name: Option<&str>) -> Option<(OperationType, Option<String>)> {
    operation_in(doc, name).map(|(op, only)| (op.node.ty, only.map(|n| n.to_string())))
}
