//! The Relay `Node` interface and `node(id:)`: any object with a global ID, fetched through
//! the same scoped service as its own query, so `node` reveals nothing more.

use async_graphql::{Context, ID, Interface, Object};

use crate::error::code;
use crate::graphql::appeals::RegulatorAppeal;
use crate::graphql::audit::AuditEntry;
use crate::graphql::collection::{CollectionAssignment, ContactEvent};
use crate::graphql::complaints::{Complaint, InfoRequest};
use crate::graphql::connection::MAX_PAGE;
use crate::graphql::context::ContextExt;
use crate::graphql::errors::{bad_input, not_found, top_level};
use crate::graphql::escalations::{Deadline, Escalation};
use crate::graphql::ids::{Kind, parse};
use crate::graphql::loans::{Borrower, Loan, Payment};
use crate::graphql::me::Organization;
use crate::graphql::military::MilitaryDeferral;
use crate::graphql::restructuring::{Decision, DelinquencyNotice, RestructuringApplication};
use crate::graphql::webhooks::{WebhookDelivery, WebhookEndpoint};
use crate::ids::{AppealId, ApplicationId, BorrowerId, ComplaintId, ContactId, DeferralId, InfoRequestId, LoanId};
use crate::services::{appeals, collection, complaints, escalations, loans, military, restructuring};

/// An object with a global ID that `node(id:)` and `nodes(ids:)` resolve (Relay).
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global ID: opaque and stable; `node(id:)` resolves it."))]
pub enum Node {
    Organization(Organization),
    Borrower(Borrower),
    Loan(Loan),
    Deadline(Deadline),
    Escalation(Escalation),
    Complaint(Complaint),
    InfoRequest(InfoRequest),
    RestructuringApplication(RestructuringApplication),
    RegulatorAppeal(RegulatorAppeal),
    ContactEvent(ContactEvent),
    MilitaryDeferral(MilitaryDeferral),
    Payment(Payment),
    DelinquencyNotice(DelinquencyNotice),
    Decision(Decision),
    CollectionAssignment(CollectionAssignment),
    AuditEntry(AuditEntry),
    WebhookEndpoint(WebhookEndpoint),
    WebhookDelivery(WebhookDelivery),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global ID; NOT_FOUND when it does not exist or is outside the
    /// caller's scope (each type is scoped like the query that lists it; payments, notices
    /// and hand-overs like their loan, decisions like their application, an audit entry
    /// like its record's `auditTrail`).
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The object's global ID.")] id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        resolve(ctx, &id).await.map(Some)
    }

    /// Up to 100 objects by their global IDs, in the order asked; an entry is null where
    /// `node(id:)` would answer NOT_FOUND or FORBIDDEN (missing, malformed, outside the
    /// caller's scope, or of a type the caller's role may not read). More than 100 ids:
    /// BAD_USER_INPUT.
    #[graphql(complexity = "ids.len() * child_complexity")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "At most 100 global IDs.")] ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > MAX_PAGE as usize {
            return Err(bad_input(format!("at most {MAX_PAGE} ids")));
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            match resolve(ctx, id).await {
                Ok(node) => out.push(Some(node)),
                // One entry the caller may not see is that entry's null, never the whole
                // answer's error: a client resolving a mixed list of ids (a dashboard's
                // cache) must not lose the ones it may see.
                Err(e) if hidden(&e) => out.push(None),
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}

/// Whether an error means "the caller may not see this entry" rather than a failure.
fn hidden(e: &async_graphql::Error) -> bool {
    let code = e.extensions.as_ref().and_then(|x| x.get("code"));
    [code::NOT_FOUND, code::FORBIDDEN].iter().any(|c| code.is_some_and(|v| *v == async_graphql::Value::from(*c)))
}

/// One node, scoped; NOT_FOUND for anything the caller may not see.
async fn resolve(ctx: &Context<'_>, id: &ID) -> async_graphql::Result<Node> {
    let p = ctx.principal()?;
    let s = ctx.services();
    let (kind, uuid) = parse(id).ok_or_else(not_found)?;
    let node = match kind {
        Kind::Loan => Node::Loan(Loan(loans::get(s, p, LoanId(uuid)).await.map_err(top_level)?)),
        Kind::Borrower => {
            Node::Borrower(Borrower(loans::get_borrower(s, p, BorrowerId(uuid)).await.map_err(top_level)?))
        }
        Kind::Organization => Node::Organization(Organization(
            crate::services::orgs::get(s, p, crate::ids::OrgId(uuid)).await.map_err(top_level)?,
        )),
        Kind::Deadline => Node::Deadline(Deadline(escalations::get_deadline(s, p, uuid).await.map_err(top_level)?)),
        Kind::Escalation => Node::Escalation(Escalation(escalations::get(s, p, uuid).await.map_err(top_level)?)),
        Kind::Complaint => {
            Node::Complaint(Complaint(complaints::get(s, p, ComplaintId(uuid)).await.map_err(top_level)?))
        }
        Kind::InfoRequest => Node::InfoRequest(InfoRequest(
            complaints::get_info_request(s, p, InfoRequestId(uuid)).await.map_err(top_level)?,
        )),
        Kind::Application => Node::RestructuringApplication(RestructuringApplication(
            restructuring::get(s, p, ApplicationId(uuid)).await.map_err(top_level)?,
        )),
        Kind::Appeal => {
            Node::RegulatorAppeal(RegulatorAppeal(appeals::get(s, p, AppealId(uuid)).await.map_err(top_level)?))
        }
        Kind::Contact => {
            Node::ContactEvent(ContactEvent(collection::get_contact(s, p, ContactId(uuid)).await.map_err(top_level)?))
        }
        Kind::Deferral => {
            Node::MilitaryDeferral(MilitaryDeferral(military::get(s, p, DeferralId(uuid)).await.map_err(top_level)?))
        }
        Kind::Payment => Node::Payment(Payment(loans::get_payment(s, p, uuid).await.map_err(top_level)?)),
        Kind::Notice => {
            Node::DelinquencyNotice(DelinquencyNotice(restructuring::get_notice(s, p, uuid).await.map_err(top_level)?))
        }
        Kind::Decision => Node::Decision(Decision(restructuring::get_decision(s, p, uuid).await.map_err(top_level)?)),
        Kind::Assignment => Node::CollectionAssignment(CollectionAssignment(
            collection::get_assignment(s, p, uuid).await.map_err(top_level)?,
        )),
        Kind::AuditEntry => {
            Node::AuditEntry(AuditEntry(crate::services::audit::get_entry(s, p, uuid).await.map_err(top_level)?))
        }
        Kind::WebhookEndpoint => Node::WebhookEndpoint(WebhookEndpoint(
            crate::services::webhooks::get_endpoint(s, p, uuid).await.map_err(top_level)?,
            None,
        )),
        Kind::WebhookDelivery => Node::WebhookDelivery(WebhookDelivery(
            crate::services::webhooks::get_delivery(s, p, uuid).await.map_err(top_level)?,
        )),
        // No object exposes an installment id: a schedule line is reached through its
        // loan (`Loan.installments`), and a resync replaces the lines.
        Kind::Installment => return Err(not_found()),
    };
    Ok(node)
}
