//! Who sees which rows: one function per entity, used by every query and every mutation
//! that loads a record. A row outside the scope is treated exactly like a missing one.
//!
//! One shape: a scope is a `Condition` on the entity's rows; it is an `Option` where a role
//! has no access to that kind of record at all (`None`), so that the caller decides between
//! NOT_FOUND, FORBIDDEN and an empty list as the contract says for that kind.
//!
//! The matches on `Role` are exhaustive with no wildcard: a new role must be placed in
//! every scope before the code compiles.

use entity::enums::Role;
use entity::{borrower, collection_assignment, loan, organization};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition};

use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult};

/// A condition that matches nothing (`1 = 0`), for a principal who may see no rows.
fn nothing() -> Condition {
    Condition::all().add(Expr::val(1).eq(0))
}

/// Loans currently handed to the agency (R17.2): an agency sees a loan only while it works it.
fn assigned_to(agency: uuid::Uuid) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(collection_assignment::Column::LoanId)
        .from(collection_assignment::Entity)
        .and_where(collection_assignment::Column::AgencyId.eq(agency))
        .and_where(collection_assignment::Column::EndedAt.is_null())
        .to_owned()
}

/// Borrower: own loans. MFO staff: their MFO's. Agency: those assigned to it now.
/// Regulator: every loan of its jurisdiction.
pub fn loans(p: &Principal) -> Condition {
    match p.role {
        Role::Borrower => match p.borrower_id {
            Some(b) => Condition::all().add(loan::Column::BorrowerId.eq(b.0)).add(loan::Column::MfoId.eq(p.org_id.0)),
            None => nothing(),
        },
        Role::MfoStaff | Role::MfoManager => Condition::all().add(loan::Column::MfoId.eq(p.org_id.0)),
        Role::CollectionAgency => Condition::all().add(loan::Column::Id.in_subquery(assigned_to(p.org_id.0))),
        Role::Regulator => Condition::all().add(loan::Column::Jurisdiction.eq(p.jurisdiction)),
    }
}

/// Borrower: self. MFO staff: their MFO's. Agency: borrowers of loans assigned to it now.
/// Regulator: borrowers of MFOs of its jurisdiction.
pub fn borrowers(p: &Principal) -> Condition {
    match p.role {
        Role::Borrower => match p.borrower_id {
            Some(b) => Condition::all().add(borrower::Column::Id.eq(b.0)),
            None => nothing(),
        },
        Role::MfoStaff | Role::MfoManager => Condition::all().add(borrower::Column::MfoId.eq(p.org_id.0)),
        Role::CollectionAgency => Condition::all().add(
            borrower::Column::Id.in_subquery(
                Query::select()
                    .column(loan::Column::BorrowerId)
                    .from(loan::Entity)
                    .and_where(loan::Column::Id.in_subquery(assigned_to(p.org_id.0)))
                    .to_owned(),
            ),
        ),
        Role::Regulator => Condition::all().add(
            borrower::Column::MfoId.in_subquery(
                Query::select()
                    .column(organization::Column::Id)
                    .from(organization::Entity)
                    .and_where(organization::Column::Jurisdiction.eq(p.jurisdiction))
                    .to_owned(),
            ),
        ),
    }
}

/// What a principal may do, one method per capability. Each is an exhaustive match on the
/// role (no wildcard), so a new role is placed in every capability before the code
/// compiles; a service asks the capability and refuses with its own words (`permit`).
impl Principal {
    /// The MFO's own people, staff and the responsible manager: complaints, applications,
    /// notices and the MFO's ledger (ingestion from core banking).
    pub fn acts_for_mfo(&self) -> bool {
        match self.role {
            Role::MfoStaff | Role::MfoManager => true,
            Role::Borrower | Role::CollectionAgency | Role::Regulator => false,
        }
    }

    /// The MFO's responsible manager: signs, extends and decides (C8, C10, R8).
    pub fn decides_for_mfo(&self) -> bool {
        match self.role {
            Role::MfoManager => true,
            Role::MfoStaff | Role::Borrower | Role::CollectionAgency | Role::Regulator => false,
        }
    }

    /// The borrower in person: files and withdraws their own requests and appeals.
    pub fn is_borrower(&self) -> bool {
        match self.role {
            Role::Borrower => true,
            Role::MfoStaff | Role::MfoManager | Role::CollectionAgency | Role::Regulator => false,
        }
    }

    /// The borrower, or the MFO's people on their behalf: complaints, information requests
    /// and restructuring applications are submitted by either.
    pub fn submits_for_borrower(&self) -> bool {
        match self.role {
            Role::Borrower | Role::MfoStaff | Role::MfoManager => true,
            Role::CollectionAgency | Role::Regulator => false,
        }
    }

    /// The supervising authority: resolves appeals, acknowledges escalations.
    pub fn supervises(&self) -> bool {
        match self.role {
            Role::Regulator => true,
            Role::MfoStaff | Role::MfoManager | Role::Borrower | Role::CollectionAgency => false,
        }
    }

    /// Anyone who speaks for an organisation, not a borrower: webhooks.
    pub fn speaks_for_organisation(&self) -> bool {
        match self.role {
            Role::MfoStaff | Role::MfoManager | Role::CollectionAgency | Role::Regulator => true,
            Role::Borrower => false,
        }
    }

    /// Those who collect a debt, the MFO's people or its agency: permitted actions, contacts
    /// and notices.
    pub fn collects(&self) -> bool {
        match self.role {
            Role::CollectionAgency | Role::MfoStaff | Role::MfoManager => true,
            Role::Borrower | Role::Regulator => false,
        }
    }

    /// Those who read a record's audit trail: the MFO's people and the supervising authority.
    pub fn reads_audit_trail(&self) -> bool {
        match self.role {
            Role::MfoStaff | Role::MfoManager | Role::Regulator => true,
            Role::Borrower | Role::CollectionAgency => false,
        }
    }
}

/// `Ok` when the principal may (a capability above), FORBIDDEN with `why` otherwise.
pub fn permit(may: bool, why: &'static str) -> ServiceResult<()> {
    if may { Ok(()) } else { Err(ServiceError::Forbidden(why)) }
}

/// MFO staff and managers of the record's MFO act on complaints, applications and notices.
pub fn require_staff(p: &Principal) -> ServiceResult<()> {
    permit(p.acts_for_mfo(), "only the MFO's staff may do this")
}

/// Signing, extending and deciding are the responsible manager's (C8, C10, R8).
pub fn require_manager(p: &Principal) -> ServiceResult<()> {
    permit(p.decides_for_mfo(), "only the MFO's responsible manager may do this")
}

/// Complaints: a borrower their own, staff their MFO's, a regulator its jurisdiction's,
/// an agency none (`None`).
pub fn complaints(p: &Principal) -> Option<Condition> {
    use entity::complaint;
    match p.role {
        Role::Borrower => p.borrower_id.map(|b| {
            Condition::all().add(complaint::Column::BorrowerId.eq(b.0)).add(complaint::Column::MfoId.eq(p.org_id.0))
        }),
        Role::MfoStaff | Role::MfoManager => Some(Condition::all().add(complaint::Column::MfoId.eq(p.org_id.0))),
        Role::Regulator => Some(Condition::all().add(complaint::Column::Jurisdiction.eq(p.jurisdiction))),
        Role::CollectionAgency => None,
    }
}

/// Contact events, as the per-loan contact log shows them (`collection::contacts_of`):
/// MFO staff their MFO's, a regulator its jurisdiction's, an agency its own contacts on
/// loans currently handed to it (R17.2), a borrower none.
pub fn contacts(p: &Principal) -> Condition {
    use entity::contact_event;
    match p.role {
        Role::MfoStaff | Role::MfoManager => Condition::all().add(contact_event::Column::MfoId.eq(p.org_id.0)),
        Role::Regulator => Condition::all().add(contact_event::Column::Jurisdiction.eq(p.jurisdiction)),
        Role::CollectionAgency => Condition::all()
            .add(contact_event::Column::ContactorOrgId.eq(p.org_id.0))
            .add(contact_event::Column::LoanId.in_subquery(assigned_to(p.org_id.0))),
        Role::Borrower => nothing(),
    }
}

/// Loan-information requests: the same audience as complaints.
pub fn info_requests(p: &Principal) -> Option<Condition> {
    use entity::info_request;
    match p.role {
        Role::Borrower => p.borrower_id.map(|b| {
            Condition::all()
                .add(info_request::Column::BorrowerId.eq(b.0))
                .add(info_request::Column::MfoId.eq(p.org_id.0))
        }),
        Role::MfoStaff | Role::MfoManager => Some(Condition::all().add(info_request::Column::MfoId.eq(p.org_id.0))),
        Role::Regulator => Some(Condition::all().add(info_request::Column::Jurisdiction.eq(p.jurisdiction))),
        Role::CollectionAgency => None,
    }
}

/// Organisations a principal may list and fetch. MFO staff: their MFO and the collection
/// agencies of its jurisdiction (those it may hand loans to, R17.2). Agency: itself.
/// Regulator: itself and the MFOs and agencies of its jurisdiction. Borrower: the MFO that
/// lent to them.
pub fn organizations(p: &Principal) -> Condition {
    use entity::enums::OrgKind;
    let own = organization::Column::Id.eq(p.org_id.0);
    let of_jurisdiction = |kinds: Vec<OrgKind>| {
        Condition::all()
            .add(organization::Column::Jurisdiction.eq(p.jurisdiction))
            .add(organization::Column::Kind.is_in(kinds))
    };
    match p.role {
        Role::Borrower | Role::CollectionAgency => Condition::all().add(own),
        Role::MfoStaff | Role::MfoManager => {
            Condition::any().add(own).add(of_jurisdiction(vec![OrgKind::CollectionAgency]))
        }
        Role::Regulator => {
            Condition::any().add(own).add(of_jurisdiction(vec![OrgKind::Mfo, OrgKind::CollectionAgency]))
        }
    }
}

/// Regulatory appeals: a borrower their own, the MFO's staff their MFO's, a regulator its
/// jurisdiction's; agencies none.
pub fn appeals(p: &Principal) -> Option<Condition> {
    use entity::regulator_appeal as appeal;
    match p.role {
        Role::Borrower => p.borrower_id.map(|b| Condition::all().add(appeal::Column::BorrowerId.eq(b.0))),
        Role::MfoStaff | Role::MfoManager => Some(Condition::all().add(appeal::Column::MfoId.eq(p.org_id.0))),
        Role::Regulator => Some(Condition::all().add(appeal::Column::Jurisdiction.eq(p.jurisdiction))),
        Role::CollectionAgency => None,
    }
}

/// Escalations and deadlines: a regulator its jurisdiction's, MFO staff and managers their
/// MFO's; borrowers and agencies none.
fn of_org_or_jurisdiction(p: &Principal, org: impl ColumnTrait, jurisdiction: impl ColumnTrait) -> Option<Condition> {
    match p.role {
        Role::Regulator => Some(Condition::all().add(jurisdiction.eq(p.jurisdiction))),
        Role::MfoStaff | Role::MfoManager => Some(Condition::all().add(org.eq(p.org_id.0))),
        Role::Borrower | Role::CollectionAgency => None,
    }
}

/// Escalations (`of_org_or_jurisdiction`).
pub fn escalations(p: &Principal) -> Option<Condition> {
    use entity::escalation;
    of_org_or_jurisdiction(p, escalation::Column::OrgId, escalation::Column::Jurisdiction)
}

/// `escalations` in memory, for rows the live feed read once for every subscriber
/// (`tests/api/mechanisms.rs` checks the two agree).
pub fn escalation_admits(p: &Principal, e: &entity::escalation::Model) -> bool {
    match p.role {
        Role::Regulator => e.jurisdiction == p.jurisdiction,
        Role::MfoStaff | Role::MfoManager => e.org_id == p.org_id.0,
        Role::Borrower | Role::CollectionAgency => false,
    }
}

/// Deadlines (`of_org_or_jurisdiction`).
pub fn deadlines(p: &Principal) -> Option<Condition> {
    use entity::deadline;
    of_org_or_jurisdiction(p, deadline::Column::OrgId, deadline::Column::Jurisdiction)
}

/// Webhook endpoints: the caller's organisation's. Who may manage them at all is the
/// service's check (a borrower has none).
pub fn webhook_endpoints(p: &Principal) -> Condition {
    use entity::webhook_endpoint;
    Condition::all().add(webhook_endpoint::Column::OrgId.eq(p.org_id.0))
}

/// Webhook deliveries: those of the caller's organisation's endpoints.
pub fn webhook_deliveries(p: &Principal) -> Condition {
    use entity::{webhook_delivery, webhook_endpoint};
    Condition::all().add(
        webhook_delivery::Column::EndpointId.in_subquery(
            Query::select()
                .column(webhook_endpoint::Column::Id)
                .from(webhook_endpoint::Entity)
                .and_where(webhook_endpoint::Column::OrgId.eq(p.org_id.0))
                .to_owned(),
        ),
    )
}

/// Restructuring applications: a borrower their own, the MFO's staff their MFO's, a
/// regulator its jurisdiction's; agencies none.
pub fn applications(p: &Principal) -> Option<Condition> {
    use entity::restructuring_application as application;
    match p.role {
        Role::Borrower => p.borrower_id.map(|b| {
            Condition::all().add(application::Column::BorrowerId.eq(b.0)).add(application::Column::MfoId.eq(p.org_id.0))
        }),
        Role::MfoStaff | Role::MfoManager => Some(Condition::all().add(application::Column::MfoId.eq(p.org_id.0))),
        Role::Regulator => Some(Condition::all().add(application::Column::Jurisdiction.eq(p.jurisdiction))),
        Role::CollectionAgency => None,
    }
}

/// Military deferrals, for a change: the MFO's staff their MFO's, a borrower their own;
/// agencies and regulators none (they read deferrals through the loan).
pub fn deferrals(p: &Principal) -> Option<Condition> {
    use entity::military_deferral as deferral;
    match p.role {
        Role::MfoStaff | Role::MfoManager => Some(Condition::all().add(deferral::Column::MfoId.eq(p.org_id.0))),
        Role::Borrower => p.borrower_id.map(|b| Condition::all().add(deferral::Column::BorrowerId.eq(b.0))),
        Role::CollectionAgency | Role::Regulator => None,
    }
}
