//! DataLoaders for nested fields, one per request (created with the request, so caches
//! never outlive a principal). A list of N loans costs one query per nested field, not N.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{
    borrower, collection_assignment, complaint_answer, contact_event, deadline, decision, delinquency_notice,
    document_request, installment, loan, military_deferral, organization, payment, regulator_appeal,
    restructuring_application,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::auth::Principal;
use crate::graphql::errors::top_level;
use crate::services::{Ctx, loans};

pub struct Loaders {
    pub borrowers: DataLoader<BorrowerLoader>,
    pub organizations: DataLoader<OrganizationLoader>,
    pub schedules: DataLoader<ScheduleLoader>,
    pub payments: DataLoader<PaymentsLoader>,
    pub complaint_answers: DataLoader<ComplaintAnswerLoader>,
    pub deadlines: DataLoader<DeadlinesLoader>,
    pub decisions: DataLoader<DecisionLoader>,
    pub notices: DataLoader<NoticesLoader>,
    pub loans: DataLoader<LoanLoader>,
    pub applications: DataLoader<ApplicationLoader>,
    pub document_requests: DataLoader<DocumentRequestsLoader>,
    pub appeals: DataLoader<AppealsLoader>,
    pub assignments: DataLoader<AssignmentLoader>,
    pub contacts: DataLoader<ContactsLoader>,
    pub deferrals: DataLoader<DeferralsLoader>,
}

impl Loaders {
    /// Loaders for one request of `principal` (the contact log is filtered per principal).
    pub fn new(ctx: &Ctx, principal: Option<&Principal>) -> Self {
        Self {
            borrowers: DataLoader::new(BorrowerLoader(ctx.clone()), tokio::spawn),
            organizations: DataLoader::new(OrganizationLoader(ctx.clone()), tokio::spawn),
            schedules: DataLoader::new(ScheduleLoader(ctx.clone()), tokio::spawn),
            payments: DataLoader::new(PaymentsLoader(ctx.clone()), tokio::spawn),
            complaint_answers: DataLoader::new(ComplaintAnswerLoader(ctx.clone()), tokio::spawn),
            deadlines: DataLoader::new(DeadlinesLoader(ctx.clone()), tokio::spawn),
            decisions: DataLoader::new(DecisionLoader(ctx.clone()), tokio::spawn),
            notices: DataLoader::new(NoticesLoader(ctx.clone()), tokio::spawn),
            loans: DataLoader::new(LoanLoader(ctx.clone()), tokio::spawn),
            applications: DataLoader::new(ApplicationLoader(ctx.clone()), tokio::spawn),
            document_requests: DataLoader::new(DocumentRequestsLoader(ctx.clone()), tokio::spawn),
            appeals: DataLoader::new(AppealsLoader(ctx.clone()), tokio::spawn),
            assignments: DataLoader::new(AssignmentLoader(ctx.clone()), tokio::spawn),
            contacts: DataLoader::new(ContactsLoader(ctx.clone(), principal.cloned()), tokio::spawn),
            deferrals: DataLoader::new(DeferralsLoader(ctx.clone()), tokio::spawn),
        }
    }
}

pub struct BorrowerLoader(Ctx);

impl Loader<Uuid> for BorrowerLoader {
    type Value = borrower::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        loans::borrowers_by_id(&self.0.db, keys).await.map_err(top_level)
    }
}

pub struct OrganizationLoader(Ctx);

impl Loader<Uuid> for OrganizationLoader {
    type Value = organization::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = organization::Entity::find()
            .filter(organization::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0.db)
            .await
            .map_err(|e| top_level(e.into()))?;
        Ok(rows.into_iter().map(|o| (o.id, o)).collect())
    }
}

/// A loan's schedule, by loan id.
pub struct ScheduleLoader(Ctx);

impl Loader<Uuid> for ScheduleLoader {
    type Value = Vec<installment::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut map = loans::schedules_by_loan(&self.0.db, keys).await.map_err(top_level)?;
        for k in keys {
            map.entry(*k).or_default();
        }
        Ok(map)
    }
}

/// A loan's payments, by loan id.
pub struct PaymentsLoader(Ctx);

impl Loader<Uuid> for PaymentsLoader {
    type Value = Vec<payment::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut map = loans::payments_by_loan(&self.0.db, keys).await.map_err(top_level)?;
        for k in keys {
            map.entry(*k).or_default();
        }
        Ok(map)
    }
}

/// A complaint's answer, by complaint id.
pub struct ComplaintAnswerLoader(Ctx);

impl Loader<Uuid> for ComplaintAnswerLoader {
    type Value = complaint_answer::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        crate::services::complaints::answers_by_complaint(&self.0.db, keys).await.map_err(top_level)
    }
}

/// The deadlines on a record, by subject id (the record's own scope was checked by the
/// field that reached it).
pub struct DeadlinesLoader(Ctx);

impl Loader<Uuid> for DeadlinesLoader {
    type Value = Vec<deadline::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = deadline::Entity::find()
            .filter(deadline::Column::SubjectId.is_in(keys.iter().copied()))
            .all(&self.0.db)
            .await
            .map_err(|e| top_level(e.into()))?;
        let mut map: HashMap<Uuid, Vec<deadline::Model>> = HashMap::new();
        for d in rows {
            map.entry(d.subject_id).or_default().push(d);
        }
        for list in map.values_mut() {
            list.sort_by_key(|d| (d.started_at, d.id));
        }
        Ok(map)
    }
}

/// An application's decision, by application id.
pub struct DecisionLoader(Ctx);

impl Loader<Uuid> for DecisionLoader {
    type Value = decision::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        crate::services::restructuring::decisions_by_application(&self.0.db, keys).await.map_err(top_level)
    }
}

/// A loan's delinquency notices, by loan id.
pub struct NoticesLoader(Ctx);

impl Loader<Uuid> for NoticesLoader {
    type Value = Vec<delinquency_notice::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        crate::services::restructuring::notices_of(&self.0.db, keys).await.map_err(top_level)
    }
}

/// Loans by id, for records that hang off a loan the caller may already see through them
/// (an application's loan): the parent's scope was checked by the field that reached it.
pub struct LoanLoader(Ctx);

impl Loader<Uuid> for LoanLoader {
    type Value = loan::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = loan::Entity::find()
            .filter(loan::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0.db)
            .await
            .map_err(|e| top_level(e.into()))?;
        Ok(rows.into_iter().map(|l| (l.id, l)).collect())
    }
}

fn internal(e: sea_orm::DbErr) -> async_graphql::Error {
    top_level(e.into())
}

fn group<T>(rows: Vec<T>, key: impl Fn(&T) -> Uuid, keys: &[Uuid]) -> HashMap<Uuid, Vec<T>> {
    let mut map: HashMap<Uuid, Vec<T>> = keys.iter().map(|k| (*k, Vec::new())).collect();
    for r in rows {
        map.entry(key(&r)).or_default().push(r);
    }
    map
}

/// Applications by id (an appeal's application: its scope was checked on the appeal).
pub struct ApplicationLoader(Ctx);

impl Loader<Uuid> for ApplicationLoader {
    type Value = restructuring_application::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = restructuring_application::Entity::find()
            .filter(restructuring_application::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0.db)
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(|a| (a.id, a)).collect())
    }
}

/// An application's document requests (R6), oldest first.
pub struct DocumentRequestsLoader(Ctx);

impl Loader<Uuid> for DocumentRequestsLoader {
    type Value = Vec<document_request::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = document_request::Entity::find()
            .filter(document_request::Column::ApplicationId.is_in(keys.iter().copied()))
            .order_by_asc(document_request::Column::RequestedAt)
            .all(&self.0.db)
            .await
            .map_err(internal)?;
        Ok(group(rows, |r| r.application_id, keys))
    }
}

/// An application's appeals (R15), oldest first.
pub struct AppealsLoader(Ctx);

impl Loader<Uuid> for AppealsLoader {
    type Value = Vec<regulator_appeal::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = regulator_appeal::Entity::find()
            .filter(regulator_appeal::Column::ApplicationId.is_in(keys.iter().copied()))
            .order_by_asc(regulator_appeal::Column::FiledAt)
            .all(&self.0.db)
            .await
            .map_err(internal)?;
        Ok(group(rows, |r| r.application_id, keys))
    }
}

/// The agency working a loan now, by loan id.
pub struct AssignmentLoader(Ctx);

impl Loader<Uuid> for AssignmentLoader {
    type Value = collection_assignment::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = collection_assignment::Entity::find()
            .filter(collection_assignment::Column::LoanId.is_in(keys.iter().copied()))
            .filter(collection_assignment::Column::EndedAt.is_null())
            .all(&self.0.db)
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(|a| (a.loan_id, a)).collect())
    }
}

/// A loan's contact log as the principal may read it (`services::collection::contacts_of`).
pub struct ContactsLoader(Ctx, Option<Principal>);

impl Loader<Uuid> for ContactsLoader {
    type Value = Vec<contact_event::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows =
            crate::services::collection::contacts_of(&self.0.db, self.1.as_ref(), keys).await.map_err(top_level)?;
        Ok(group(rows, |c| c.loan_id, keys))
    }
}

/// A loan's conscription records (M1–M6).
pub struct DeferralsLoader(Ctx);

impl Loader<Uuid> for DeferralsLoader {
    type Value = Vec<military_deferral::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = military_deferral::Entity::find()
            .filter(military_deferral::Column::LoanId.is_in(keys.iter().copied()))
            .order_by_asc(military_deferral::Column::CreatedAt)
            .all(&self.0.db)
            .await
            .map_err(internal)?;
        Ok(group(rows, |d| d.loan_id, keys))
    }
}
