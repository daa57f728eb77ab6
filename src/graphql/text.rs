//! The GraphQL edge of `crate::text`: an extension that makes every string of a request
//! storable before validation and execution (variables and literals alike), and keeps
//! the replaced originals in a task-local around execution, for the request's first
//! write to record. Transport only: what "storable" means lives in `crate::text`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, Response, ServerResult, Variables};

use crate::text::{self, ORIGINALS, Originals};

/// Registers `StorableTextExtension` for each request.
pub struct StorableText;

impl ExtensionFactory for StorableText {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(StorableTextExtension { originals: Arc::new(Mutex::new(BTreeMap::new())) })
    }
}

struct StorableTextExtension {
    originals: Originals,
}

impl StorableTextExtension {
    fn record(&self, found: BTreeMap<String, String>) {
        if found.is_empty() {
            return;
        }
        if let Ok(mut o) = self.originals.lock() {
            o.extend(found);
        }
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for StorableTextExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let mut found = BTreeMap::new();
        for (name, value) in request.variables.iter_mut() {
            text::normalise_const(value, name, &mut found);
        }
        self.record(found);
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let mut doc = next.run(ctx, query, variables).await?;
        let mut found = BTreeMap::new();
        text::normalise_document(&mut doc, &mut found);
        self.record(found);
        Ok(doc)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        ORIGINALS.scope(self.originals.clone(), next.run(ctx, operation_name)).await
    }
}
