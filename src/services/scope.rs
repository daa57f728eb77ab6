//! Who sees which rows: one function per entity, used by every query and every mutation
//! that loads a record. A row outside the scope is treated exactly like a missing one.
//!
//! The matches on `Role` are exhaustive with no wildcard: a new role must be placed in
//! every scope before the code compiles.

use entity::enums::Role;
use entity::{borrower, collection_assignment, loan, organization};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition};

use crate::auth::Principal;

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

/// Which roles may write the MFO's ledger (ingestion from core banking).
pub fn may_ingest(p: &Principal) -> bool {
    match p.role {
        Role::MfoStaff | Role::MfoManager => true,
        Role::Borrower | Role::CollectionAgency | Role::Regulator => false,
    }
}

/// MFO staff and managers of the record's MFO act on complaints, applications and notices.
pub fn require_staff(p: &Principal) -> Result<(), crate::error::ServiceError> {
    match p.role {
        Role::MfoStaff | Role::MfoManager => Ok(()),
        Role::Borrower | Role::CollectionAgency | Role::Regulator => {
            Err(crate::error::ServiceError::Forbidden("only the MFO's staff may do this"))
        }
    }
}

/// Signing, extending and deciding are the responsible manager's (C8, C10, R8).
pub fn require_manager(p: &Principal) -> Result<(), crate::error::ServiceError> {
    match p.role {
        Role::MfoManager => Ok(()),
        Role::MfoStaff | Role::Borrower | Role::CollectionAgency | Role::Regulator => {
            Err(crate::error::ServiceError::Forbidden("only the MFO's responsible manager may do this"))
        }
    }
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
