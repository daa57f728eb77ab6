//! DataLoaders for nested fields, one per request (created with the request, so caches
//! never outlive a principal). A list of N loans costs one query per nested field, not N.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{borrower, installment, organization, payment};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::graphql::errors::top_level;
use crate::services::{Ctx, loans};

pub struct Loaders {
    pub borrowers: DataLoader<BorrowerLoader>,
    pub organizations: DataLoader<OrganizationLoader>,
    pub schedules: DataLoader<ScheduleLoader>,
    pub payments: DataLoader<PaymentsLoader>,
}

impl Loaders {
    pub fn new(ctx: &Ctx) -> Self {
        Self {
            borrowers: DataLoader::new(BorrowerLoader(ctx.clone()), tokio::spawn),
            organizations: DataLoader::new(OrganizationLoader(ctx.clone()), tokio::spawn),
            schedules: DataLoader::new(ScheduleLoader(ctx.clone()), tokio::spawn),
            payments: DataLoader::new(PaymentsLoader(ctx.clone()), tokio::spawn),
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
