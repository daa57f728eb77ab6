//! Complaints, the journal, loan-information requests and statements, reception hours:
//! types, queries, mutations and the `complaintUpdates` subscription (C1–C13).

mod complaint;
mod info_requests;
mod mutation;
mod query;
mod reception;

use async_graphql::{Context, ID, Subscription};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::graphql::context::ContextExt;
use crate::graphql::errors::top_level;
use crate::graphql::ids::{Kind, decode};
use crate::ids::ComplaintId;
use crate::services::complaints::{self as svc};

pub use complaint::*;
pub use info_requests::*;
pub use mutation::*;
pub use query::*;
pub use reception::*;

#[derive(Default)]
pub struct ComplaintSubscription;

#[Subscription]
impl ComplaintSubscription {
    /// The complaint each time it changes.
    async fn complaint_updates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The complaint's global ID; scoped like `complaint(id:)`.")] complaint_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Complaint>>> {
        let p = ctx.principal()?.clone();
        let services = ctx.services().clone();
        let id = ComplaintId(decode(&complaint_id, Kind::Complaint)?);
        // Visible now, or NOT_FOUND before any event.
        svc::get(&services, &p, id).await.map_err(top_level)?;
        let rx = services.broker.subscribe();
        Ok(futures_util::stream::unfold((rx, services, p), move |(mut rx, services, p)| async move {
            loop {
                match rx.recv().await {
                    Ok(e) if e.subject_id == id.0 && e.subject_type == "complaint" => {
                        let item = svc::get(&services, &p, id).await.map(Complaint).map_err(top_level);
                        return Some((item, (rx, services, p)));
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return None,
                }
            }
        }))
    }
}
