//! Delinquency notices and restructuring applications (R1–R13, R19, D1): types, queries,
//! mutations and the `applicationUpdates` subscription.

mod application;
mod decision;
mod mutation;
mod notice;
mod query;

use async_graphql::{Context, ID, Subscription};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::graphql::context::ContextExt;
use crate::graphql::errors::top_level;
use crate::services::restructuring as svc;

pub use application::*;
pub use decision::*;
pub use mutation::*;
pub use notice::*;
pub use query::*;

#[derive(Default)]
pub struct RestructuringSubscription;

#[Subscription]
impl RestructuringSubscription {
    /// The application each time it changes.
    async fn application_updates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application's global ID; scoped like `restructuringApplication(id:)`.")]
        application_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<RestructuringApplication>>> {
        let p = ctx.principal()?.clone();
        let services = ctx.services().clone();
        let id = app_id(&application_id)?;
        svc::get(&services, &p, id).await.map_err(top_level)?;
        let rx = services.broker.subscribe();
        Ok(futures_util::stream::unfold((rx, services, p), move |(mut rx, services, p)| async move {
            loop {
                match rx.recv().await {
                    Ok(e) if e.subject_id == id.0 && e.subject_type == "application" => {
                        let item = svc::get(&services, &p, id).await.map(RestructuringApplication).map_err(top_level);
                        return Some((item, (rx, services, p)));
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return None,
                }
            }
        }))
    }
}
