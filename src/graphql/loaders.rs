//! DataLoaders for nested fields, one per request (created with the request, so caches
//! never outlive a principal). A list of N loans costs one query per nested field, not N.
//!
//! A DataLoader gathers keys for a short delay (1 ms) and then fetches; when resolving a
//! page takes longer than that (a busy CPU), one nested list is fetched in several
//! batches (22+10+4+14 keys were seen under load). So the root lists prime the loaders of the
//! nested fields their query selects, all keys of the page in one batch each
//! (`prefetch_*`), and the nodes' resolvers then find the rows in the loader's cache. The
//! caches stay off until a root list of a query primes them: a mutation's payload must
//! see the rows as its own write left them, not as an earlier field of the request read
//! them.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Lookahead;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{
    borrower, collection_assignment, complaint_answer, contact_event, deadline, decision, delinquency_notice,
    document_request, installment, loan, military_deferral, organization, payment, regulator_appeal,
    restructuring_application,
};
use futures_util::future::{BoxFuture, FutureExt, try_join_all};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::auth::Principal;
use crate::graphql::errors::top_level;
use crate::services::{Ctx, loans};

pub struct Loaders {
    pub borrowers: DataLoader<BorrowerLoader, HashMapCache>,
    pub organizations: DataLoader<OrganizationLoader, HashMapCache>,
    pub schedules: DataLoader<ScheduleLoader, HashMapCache>,
    pub payments: DataLoader<PaymentsLoader, HashMapCache>,
    pub complaint_answers: DataLoader<ComplaintAnswerLoader, HashMapCache>,
    pub deadlines: DataLoader<DeadlinesLoader, HashMapCache>,
    pub decisions: DataLoader<DecisionLoader, HashMapCache>,
    pub notices: DataLoader<NoticesLoader, HashMapCache>,
    pub loans: DataLoader<LoanLoader, HashMapCache>,
    pub applications: DataLoader<ApplicationLoader, HashMapCache>,
    pub document_requests: DataLoader<DocumentRequestsLoader, HashMapCache>,
    pub appeals: DataLoader<AppealsLoader, HashMapCache>,
    pub assignments: DataLoader<AssignmentLoader, HashMapCache>,
    pub contacts: DataLoader<ContactsLoader, HashMapCache>,
    pub deferrals: DataLoader<DeferralsLoader, HashMapCache>,
    pub verdicts: DataLoader<VerdictsLoader, HashMapCache>,
    pub webhook_attempts: DataLoader<WebhookAttemptsLoader, HashMapCache>,
}

impl Loaders {
    /// Loaders for one request of `principal` (the contact log is filtered per principal).
    pub fn new(ctx: &Ctx, principal: Option<&Principal>) -> Self {
        Self {
            borrowers: cached(BorrowerLoader(ctx.clone())),
            organizations: cached(OrganizationLoader(ctx.clone())),
            schedules: cached(ScheduleLoader(ctx.clone())),
            payments: cached(PaymentsLoader(ctx.clone())),
            complaint_answers: cached(ComplaintAnswerLoader(ctx.clone())),
            deadlines: cached(DeadlinesLoader(ctx.clone())),
            decisions: cached(DecisionLoader(ctx.clone())),
            notices: cached(NoticesLoader(ctx.clone())),
            loans: cached(LoanLoader(ctx.clone())),
            applications: cached(ApplicationLoader(ctx.clone())),
            document_requests: cached(DocumentRequestsLoader(ctx.clone())),
            appeals: cached(AppealsLoader(ctx.clone())),
            assignments: cached(AssignmentLoader(ctx.clone())),
            contacts: cached(ContactsLoader(ctx.clone(), principal.cloned())),
            deferrals: cached(DeferralsLoader(ctx.clone())),
            webhook_attempts: cached(WebhookAttemptsLoader(ctx.clone())),
            verdicts: {
                let l = DataLoader::with_cache(
                    VerdictsLoader(ctx.clone(), principal.cloned()),
                    crate::db::spawn_tallied,
                    HashMapCache::default(),
                );
                l.enable_all_cache(false);
                l
            },
        }
    }

    /// Loaders for an operation on the WebSocket, which may live for hours and resolve the
    /// same few organisations for every event (a dashboard's `escalations` selects
    /// `organization` and `responsibleOrganization`): their loader keeps what it read.
    /// Organisations never change once created (`mfo-api org create` is their only writer,
    /// see `services::reference::Cache`), so no write can leave a kept one stale. Without
    /// it every delivery cost one statement: at 1,000 subscribers, ≈ 400 statements per
    /// escalation (`bench/fanout.sh`).
    pub fn for_socket(ctx: &Ctx, principal: &Principal) -> Self {
        let loaders = Self::new(ctx, Some(principal));
        loaders.organizations.enable_all_cache(true);
        loaders
    }
}

/// A loader whose cache is off until `prime` turns it on.
fn cached<T: Loader<Uuid>>(loader: T) -> DataLoader<T, HashMapCache> {
    // The batch's statements count for the operation that asked (`/metrics`).
    let l = DataLoader::with_cache(loader, crate::db::spawn_tallied, HashMapCache::default());
    l.enable_all_cache(false);
    l
}

/// Fetches `keys` in one batch and keeps the rows for the resolvers that ask next.
fn prime<'a, K, T>(l: &'a DataLoader<T, HashMapCache>, keys: Vec<K>) -> BoxFuture<'a, async_graphql::Result<()>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    T: Loader<K, Error = async_graphql::Error>,
{
    async move {
        l.enable_all_cache(true);
        l.load_many(keys).await?;
        Ok(())
    }
    .boxed()
}

/// The node selections of a connection: `edges { node }` and `nodes`.
fn node_selections<'a>(connection: &Lookahead<'a>) -> [Lookahead<'a>; 2] {
    [connection.field("edges").field("node"), connection.field("nodes")]
}

/// Whether the node selection of a connection asks for any of `fields`.
fn selects(connection: &Lookahead<'_>, fields: &[&str]) -> bool {
    node_selections(connection).iter().any(|n| fields.iter().any(|f| n.field(f).exists()))
}

/// The instants the nodes' `permittedActions(at:)` selections ask about (one per alias;
/// `None`: now). An `at` that does not parse is left to the field, which refuses it.
fn verdict_instants(connection: &Lookahead<'_>) -> Vec<Option<chrono::DateTime<chrono::Utc>>> {
    use async_graphql::InputType;
    let mut instants: Vec<_> = node_selections(connection)
        .iter()
        .flat_map(|n| n.field("permittedActions").selection_fields())
        .filter_map(|f| {
            let at = f.arguments().ok()?.into_iter().find(|(name, _)| name.as_str() == "at").map(|(_, v)| v);
            match at {
                None | Some(async_graphql::Value::Null) => Some(None),
                Some(v) => chrono::DateTime::<chrono::Utc>::parse(Some(v)).ok().map(Some),
            }
        })
        .collect();
    instants.sort();
    instants.dedup();
    instants
}

/// Whether the node selection asks for any of `fields` of the nodes of its `child`
/// connection (`graphql::nested`).
fn selects_within(connection: &Lookahead<'_>, child: &str, fields: &[&str]) -> bool {
    node_selections(connection)
        .iter()
        .any(|n| node_selections(&n.field(child)).iter().any(|c| fields.iter().any(|f| c.field(f).exists())))
}

impl Loaders {
    /// Primes the loaders a page of `Loan`s will use (see the module doc). Keep in step
    /// with `graphql::loans::Loan`: a field left out here still works, in batches.
    pub async fn prefetch_loans(&self, connection: &Lookahead<'_>, page: &[loan::Model]) -> async_graphql::Result<()> {
        let ids: Vec<Uuid> = page.iter().map(|l| l.id).collect();
        let mut jobs = Vec::new();
        if selects(connection, &["installments", "payments", "overdue", "principalBalance"]) {
            jobs.push(prime(&self.schedules, ids.clone()));
        }
        // Payments only where something paid is asked (`Loan::installments` reads a
        // schedule alone otherwise).
        let paid_installments =
            selects_within(connection, "installments", &crate::graphql::loans::INSTALLMENT_PAID_FIELDS);
        if paid_installments || selects(connection, &["payments", "overdue", "principalBalance"]) {
            jobs.push(prime(&self.payments, ids.clone()));
        }
        if selects(connection, &["borrower"]) {
            jobs.push(prime(&self.borrowers, page.iter().map(|l| l.borrower_id).collect()));
        }
        if selects(connection, &["mfo"]) {
            jobs.push(prime(&self.organizations, page.iter().map(|l| l.mfo_id).collect()));
        }
        if selects(connection, &["deadlines"]) {
            jobs.push(prime(&self.deadlines, ids.clone()));
        }
        if selects(connection, &["delinquencyNotices"]) {
            jobs.push(prime(&self.notices, ids.clone()));
        }
        if selects(connection, &["collectionAssignment"]) {
            jobs.push(prime(&self.assignments, ids.clone()));
        }
        if selects(connection, &["contacts"]) {
            jobs.push(prime(&self.contacts, ids.clone()));
        }
        if selects(connection, &["militaryDeferrals"]) {
            jobs.push(prime(&self.deferrals, ids.clone()));
        }
        for at in verdict_instants(connection) {
            jobs.push(self.prime_verdicts(page, at).boxed());
        }
        try_join_all(jobs).await.map(drop)
    }

    /// The page's verdicts at `at` from its rows (only their situation is read again). A
    /// refusal (a loan not in the caller's hands, a role that asks nothing) is the
    /// field's to answer, not the list's: nothing is cached for it, so the field loads it
    /// and says so.
    async fn prime_verdicts(
        &self,
        page: &[loan::Model],
        at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> async_graphql::Result<()> {
        let VerdictsLoader(ctx, principal) = self.verdicts.loader();
        let Some(p) = principal else { return Ok(()) };
        self.verdicts.enable_all_cache(true);
        if let Ok(views) = crate::services::collection::permitted_actions_of(ctx, p, page, at).await {
            self.verdicts.feed_many(views.into_iter().map(|(id, v)| ((id, at), shared(v)))).await;
        }
        Ok(())
    }

    /// Primes the loaders a page of `ContactEvent`s will use (`graphql::collection::ContactEvent`).
    pub async fn prefetch_contacts(
        &self,
        connection: &Lookahead<'_>,
        page: &[entity::contact_event::Model],
    ) -> async_graphql::Result<()> {
        let mut jobs = Vec::new();
        if selects(connection, &["loan"]) {
            jobs.push(prime(&self.loans, page.iter().map(|c| c.loan_id).collect()));
        }
        if selects(connection, &["contactor"]) {
            jobs.push(prime(&self.organizations, page.iter().map(|c| c.contactor_org_id).collect()));
        }
        try_join_all(jobs).await.map(drop)
    }

    /// Primes the loaders a page of `Complaint`s will use (`graphql::complaints::Complaint`).
    pub async fn prefetch_complaints(
        &self,
        connection: &Lookahead<'_>,
        page: &[entity::complaint::Model],
    ) -> async_graphql::Result<()> {
        let ids: Vec<Uuid> = page.iter().map(|c| c.id).collect();
        let mut jobs = Vec::new();
        if selects(connection, &["answer"]) {
            jobs.push(prime(&self.complaint_answers, ids.clone()));
        }
        if selects(connection, &["answerDueDate", "deadlines"]) {
            jobs.push(prime(&self.deadlines, ids));
        }
        if selects(connection, &["mfo"]) {
            jobs.push(prime(&self.organizations, page.iter().map(|c| c.mfo_id).collect()));
        }
        if selects(connection, &["borrower"]) {
            jobs.push(prime(&self.borrowers, page.iter().filter_map(|c| c.borrower_id).collect()));
        }
        if selects(connection, &["loan"]) {
            jobs.push(prime(&self.loans, page.iter().filter_map(|c| c.loan_id).collect()));
        }
        try_join_all(jobs).await.map(drop)
    }

    /// Primes the loaders a page of `RestructuringApplication`s will use
    /// (`graphql::restructuring::RestructuringApplication`).
    pub async fn prefetch_applications(
        &self,
        connection: &Lookahead<'_>,
        page: &[restructuring_application::Model],
    ) -> async_graphql::Result<()> {
        let ids: Vec<Uuid> = page.iter().map(|a| a.id).collect();
        let mut jobs = Vec::new();
        if selects(connection, &["decision"]) {
            jobs.push(prime(&self.decisions, ids.clone()));
        }
        if selects(connection, &["decisionDueDate", "deadlines"]) {
            jobs.push(prime(&self.deadlines, ids.clone()));
        }
        if selects(connection, &["appeals"]) {
            jobs.push(prime(&self.appeals, ids.clone()));
        }
        if selects(connection, &["documentRequests"]) {
            jobs.push(prime(&self.document_requests, ids));
        }
        if selects(connection, &["loan"]) {
            jobs.push(prime(&self.loans, page.iter().map(|a| a.loan_id).collect()));
        }
        if selects(connection, &["borrower"]) {
            jobs.push(prime(&self.borrowers, page.iter().map(|a| a.borrower_id).collect()));
        }
        try_join_all(jobs).await.map(drop)
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

/// A webhook delivery's attempts, oldest first, by delivery id (the delivery's own scope
/// was checked by the field that reached it).
pub struct WebhookAttemptsLoader(Ctx);

impl Loader<Uuid> for WebhookAttemptsLoader {
    type Value = Vec<entity::webhook_attempt::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = crate::services::webhooks::attempts(&self.0, keys).await.map_err(top_level)?;
        let mut out: HashMap<Uuid, Self::Value> = HashMap::new();
        for r in rows {
            out.entry(r.delivery_id).or_default().push(r);
        }
        Ok(out)
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

/// `Loan.permittedActions(at:)`: a page's verdicts through `permitted_actions_many`, one
/// call per instant asked about (four statements per 500 loans), for the request's
/// principal.
pub struct VerdictsLoader(Ctx, Option<Principal>);

fn shared(views: Vec<crate::services::collection::VerdictView>) -> Verdicts {
    views.into_iter().map(Arc::new).collect()
}

/// A loan and the instant its verdicts are asked at (none: now).
pub type VerdictKey = (Uuid, Option<chrono::DateTime<chrono::Utc>>);

/// A loan's verdicts, shared by the loader's cache and the fields that read them.
pub type Verdicts = Vec<Arc<crate::services::collection::VerdictView>>;

impl Loader<VerdictKey> for VerdictsLoader {
    type Value = Verdicts;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[VerdictKey]) -> Result<HashMap<VerdictKey, Self::Value>, Self::Error> {
        let p = self.1.as_ref().ok_or_else(|| top_level(crate::error::ServiceError::Unauthenticated))?;
        let mut instants: Vec<Option<chrono::DateTime<chrono::Utc>>> = keys.iter().map(|k| k.1).collect();
        instants.sort();
        instants.dedup();
        let mut out = HashMap::with_capacity(keys.len());
        for at in instants {
            let ids: Vec<crate::ids::LoanId> =
                keys.iter().filter(|k| k.1 == at).map(|k| crate::ids::LoanId(k.0)).collect();
            let views =
                crate::services::collection::permitted_actions_many(&self.0, p, &ids, at).await.map_err(top_level)?;
            out.extend(views.into_iter().map(|(id, v)| ((id, at), shared(v))));
        }
        Ok(out)
    }
}
