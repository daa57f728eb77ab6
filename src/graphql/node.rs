//! The Relay `Node` interface and `node(id:)`: any object with a global ID, fetched through
//! the same scoped service as its own query, so `node` reveals nothing more.

use async_graphql::{Context, ID, Interface, Object};

use crate::graphql::appeals::RegulatorAppeal;
use crate::graphql::collection::ContactEvent;
use crate::graphql::complaints::{Complaint, InfoRequest};
use crate::graphql::context::ContextExt;
use crate::graphql::errors::{not_found, top_level};
use crate::graphql::escalations::{Deadline, Escalation};
use crate::graphql::ids::{Kind, parse};
use crate::graphql::loans::{Borrower, Loan};
use crate::graphql::me::Organization;
use crate::graphql::military::MilitaryDeferral;
use crate::graphql::restructuring::RestructuringApplication;
use crate::ids::{AppealId, ApplicationId, BorrowerId, ComplaintId, ContactId, DeferralId, InfoRequestId, LoanId};
use crate::services::{appeals, collection, complaints, escalations, loans, military, restructuring};

#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
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
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global ID; NOT_FOUND when it does not exist or is outside the
    /// caller's scope.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let p = ctx.principal()?;
        let s = ctx.services();
        let (kind, uuid) = parse(&id).ok_or_else(not_found)?;
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
            Kind::Contact => Node::ContactEvent(ContactEvent(
                collection::get_contact(s, p, ContactId(uuid)).await.map_err(top_level)?,
            )),
            Kind::Deferral => Node::MilitaryDeferral(MilitaryDeferral(
                military::get(s, p, DeferralId(uuid)).await.map_err(top_level)?,
            )),
            _ => return Err(not_found()),
        };
        Ok(Some(node))
    }
}
