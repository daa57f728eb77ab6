//! Signed webhooks: an organisation's endpoints (create, update, disable, rotate the
//! secret), the change feed fanned out into one delivery per change and endpoint (scoped
//! as the change feed is for the principal that created the endpoint), and the
//! bookkeeping of each attempt: the retry schedule, and disabling an endpoint that has
//! failed for too long. It never sends anything: `events::webhooks` signs and POSTs.
//!
//! Fanning out and claiming are machinery, not records of the business: like the
//! scanner's leases they are written outside `Write` (no audit entry, no outbox event).
//! Every change to an endpoint goes through `Write` and is audited, without its secret.

use chrono::{DateTime, Duration, Utc};
use entity::enums::{OrgKind, Role};
use entity::{organization, webhook_attempt, webhook_delivery, webhook_endpoint};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::changes::{self, Cursor};
use super::write::{Actor, Subject};
use super::{Ctx, Page, scope};
use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::ids::{OrgId, new_id};
use crate::services::paging::{self, Sort, Window};

/// Endpoints one organisation may have.
pub const MAX_ENDPOINTS: usize = 20;
/// How long the secret before a rotation still signs (beside the new one).
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);
/// The wait after each failed attempt (Standard Webhooks' customary schedule): 8 attempts
/// over about 28 hours, then the delivery is FAILED (it can be redelivered).
pub const RETRY_SCHEDULE: [Duration; 7] = [
    Duration::seconds(5),
    Duration::minutes(5),
    Duration::minutes(30),
    Duration::hours(2),
    Duration::hours(5),
    Duration::hours(10),
    Duration::hours(10),
];
/// An endpoint every attempt to which failed for this long is disabled (it shows since
/// when and why); re-enabling it resumes from where it stopped.
pub const DISABLE_AFTER: Duration = Duration::days(5);
/// How long a claimed delivery is held by the instance sending it, unless
/// `MFO_WEBHOOK_LEASE_SECONDS` says.
pub const LEASE: Duration = Duration::seconds(60);
/// Changes queued per endpoint per pass.
const FAN_OUT_PAGE: u64 = 500;

pub const PENDING: &str = "PENDING";
pub const DELIVERED: &str = "DELIVERED";
pub const FAILED: &str = "FAILED";

const SUBJECT: &str = "webhook_endpoint";

/// Staff, managers, agencies and regulators manage their own organisation's endpoints; a
/// borrower has none.
fn require_org(p: &Principal) -> ServiceResult<()> {
    scope::permit(p.speaks_for_organisation(), "webhooks are for organisations")
}

/// A new secret: `whsec_` and 32 random bytes in base64 (Standard Webhooks).
fn new_secret() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Why a URL may not receive webhooks, if it may not: https only, and no loopback,
/// private, link-local or unspecified address unless `allow_private` (tests, development).
/// A host name is checked again, resolved, at each delivery (`events::webhooks`).
pub fn unsafe_url(url: &str, allow_private: bool) -> Option<&'static str> {
    let Ok(u) = reqwest::Url::parse(url) else { return Some("not a URL") };
    if u.scheme() != "https" && !(allow_private && u.scheme() == "http") {
        return Some("not https");
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Some("credentials in the URL");
    }
    let Some(host) = u.host_str() else { return Some("no host") };
    if allow_private {
        return None;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => (!public(ip)).then_some("a private address"),
        Err(_) if bare.eq_ignore_ascii_case("localhost") || bare.to_ascii_lowercase().ends_with(".localhost") => {
            Some("a loopback address")
        }
        Err(_) => None,
    }
}

/// Whether an address is one a webhook may be sent to.
pub fn public(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64 // 100.64/10, shared
                || v4.octets()[0] == 0)
        }
        std::net::IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return public(std::net::IpAddr::V4(v4));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local
                || (v6.segments()[0] & 0xffc0) == 0xfe80) // link-local
        }
    }
}

/// What an endpoint is given: its URL, the record types it wants (empty: all) and a note.
#[derive(Debug, Clone)]
pub struct EndpointInput {
    pub url: String,
    pub event_types: Vec<&'static str>,
    pub description: Option<String>,
}

/// The URL (when given) and the note of a create or an update.
fn check(ctx: &Ctx, url: Option<&str>, description: Option<&str>) -> ServiceResult<()> {
    let mut problems = Problems::new();
    if let Some(url) = url {
        if let Some(why) = unsafe_url(url.trim(), ctx.webhook_allow_private()) {
            problems.push(UserError::invalid(&["url"], UserErrorReason::UnsafeWebhookUrl).with_param("why", why));
        }
        problems.check(url.len() <= 2_000, || {
            UserError::invalid(&["url"], UserErrorReason::TooLong).with_param("maxLength", 2_000)
        });
    }
    problems.check(description.is_none_or(|d| d.chars().count() <= 500), || {
        UserError::invalid(&["description"], UserErrorReason::TooLong).with_param("maxLength", 500)
    });
    problems.finish()
}

fn types_json(types: &[&'static str]) -> Value {
    let mut names: Vec<&str> = types.iter().filter_map(|s| changes::record_type_name(s)).collect();
    names.sort_unstable();
    names.dedup();
    json!(names)
}

/// The record types an endpoint wants, as `subject_type`s (empty: all).
pub fn wanted(e: &webhook_endpoint::Model) -> Vec<&'static str> {
    e.event_types.as_array().into_iter().flatten().filter_map(|v| v.as_str().and_then(changes::subject_of)).collect()
}

fn trail(e: &webhook_endpoint::Model) -> Value {
    json!({ "url": e.url, "eventTypes": e.event_types, "description": e.description,
        "enabled": e.disabled_at.is_none(), "rotatedUntil": e.previous_secret_until })
}

/// The newest change now (none in an empty outbox): a new endpoint, or one back after
/// the retention, receives what is committed after it.
async fn newest_change(db: &impl ConnectionTrait) -> ServiceResult<Option<Cursor>> {
    let last = entity::outbox_event::Entity::find().order_by_desc(entity::outbox_event::Column::Seq).one(db).await?;
    Ok(last.as_ref().map(Cursor::of))
}

/// `createWebhookEndpoint`: the endpoint and its secret (shown this once).
pub async fn create(
    ctx: &Ctx,
    p: &Principal,
    input: EndpointInput,
) -> ServiceResult<(webhook_endpoint::Model, String)> {
    require_org(p)?;
    check(ctx, Some(&input.url), input.description.as_deref())?;
    ctx.write(Actor::from(p), async |w| {
        // The organisation's row, locked: two creations at once count each other.
        w.for_change::<organization::Entity>(Condition::all(), p.org_id.0).await?;
        let existing = webhook_endpoint::Entity::find().filter(scope::webhook_endpoints(p)).count(w.txn()).await?;
        if existing >= MAX_ENDPOINTS as u64 {
            return Err(ServiceError::user(
                UserError::invalid(&["url"], UserErrorReason::TooManyWebhookEndpoints).with_param("max", MAX_ENDPOINTS),
            ));
        }
        let start = newest_change(w.txn()).await?.unwrap_or(Cursor { seq: 0, at: w.now });
        let secret = new_secret();
        let row = webhook_endpoint::Model {
            id: w.new_id(),
            org_id: p.org_id.0,
            role: p.role,
            created_by: p.key(),
            url: input.url.trim().to_owned(),
            event_types: types_json(&input.event_types),
            description: input.description.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()),
            secret: secret.clone(),
            previous_secret: None,
            previous_secret_until: None,
            cursor_seq: start.seq,
            cursor_at: start.at,
            disabled_at: None,
            disabled_reason: None,
            failing_since: None,
            consecutive_failures: 0,
            created_at: w.now,
            updated_at: w.now,
        };
        webhook_endpoint::Entity::insert(webhook_endpoint::ActiveModel::from(row.clone()))
            .exec_without_returning(w.txn())
            .await?;
        w.audit("webhook_endpoint.created", Subject::new(SUBJECT, row.id), Some(p.org_id.0), None, Some(trail(&row)));
        Ok((row, secret))
    })
    .await
}

/// What `updateWebhookEndpoint` changes; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct EndpointUpdate {
    pub url: Option<String>,
    pub event_types: Option<Vec<&'static str>>,
    pub description: Option<String>,
    /// `true` re-enables a disabled endpoint (it resumes where it stopped), `false`
    /// disables it.
    pub enabled: Option<bool>,
}

/// `updateWebhookEndpoint` and `disableWebhookEndpoint`. Unchanged: the endpoint as it is,
/// nothing recorded.
pub async fn update(ctx: &Ctx, p: &Principal, id: Uuid, u: EndpointUpdate) -> ServiceResult<webhook_endpoint::Model> {
    require_org(p)?;
    check(ctx, u.url.as_deref(), u.description.as_deref())?;
    ctx.write(Actor::from(p), async |w| {
        let before = w.for_change::<webhook_endpoint::Entity>(scope::webhook_endpoints(p), id).await?;
        let mut after = before.clone();
        if let Some(url) = u.url {
            after.url = url.trim().to_owned();
        }
        if let Some(t) = u.event_types {
            after.event_types = types_json(&t);
        }
        if let Some(d) = u.description {
            after.description = Some(d.trim().to_owned()).filter(|d| !d.is_empty());
        }
        match u.enabled {
            Some(true) if before.disabled_at.is_some() => {
                after.disabled_at = None;
                after.disabled_reason = None;
                after.failing_since = None;
                after.consecutive_failures = 0;
            }
            Some(false) if before.disabled_at.is_none() => {
                after.disabled_at = Some(w.now);
                after.disabled_reason = Some(format!("disabled by {}", p.key()));
            }
            Some(_) | None => {}
        }
        if after == before {
            return Ok(before);
        }
        after.updated_at = w.now;
        webhook_endpoint::Entity::update(webhook_endpoint::ActiveModel::from(after.clone()).reset_all())
            .exec(w.txn())
            .await?;
        let action = match (before.disabled_at.is_some(), after.disabled_at.is_some()) {
            (false, true) => "webhook_endpoint.disabled",
            (true, false) => "webhook_endpoint.enabled",
            _ => "webhook_endpoint.updated",
        };
        w.audit(action, Subject::new(SUBJECT, id), Some(p.org_id.0), Some(trail(&before)), Some(trail(&after)));
        Ok(after)
    })
    .await
}

/// `rotateWebhookEndpointSecret`: a new secret, the old one still signing for
/// `ROTATION_OVERLAP` (receivers switch without losing a delivery).
pub async fn rotate(ctx: &Ctx, p: &Principal, id: Uuid) -> ServiceResult<(webhook_endpoint::Model, String)> {
    require_org(p)?;
    ctx.write(Actor::from(p), async |w| {
        let before = w.for_change::<webhook_endpoint::Entity>(scope::webhook_endpoints(p), id).await?;
        let secret = new_secret();
        let mut after = before.clone();
        after.previous_secret = Some(before.secret.clone());
        after.previous_secret_until = Some(w.now + ROTATION_OVERLAP);
        after.secret = secret.clone();
        after.updated_at = w.now;
        webhook_endpoint::Entity::update(webhook_endpoint::ActiveModel::from(after.clone()).reset_all())
            .exec(w.txn())
            .await?;
        w.audit(
            "webhook_endpoint.secret_rotated",
            Subject::new(SUBJECT, id),
            Some(p.org_id.0),
            Some(trail(&before)),
            Some(trail(&after)),
        );
        Ok((after, secret))
    })
    .await
}

/// The caller's organisation's endpoints, oldest first.
pub async fn endpoints(ctx: &Ctx, p: &Principal) -> ServiceResult<Vec<webhook_endpoint::Model>> {
    require_org(p)?;
    Ok(webhook_endpoint::Entity::find()
        .filter(scope::webhook_endpoints(p))
        .order_by_asc(webhook_endpoint::Column::Id)
        .all(&ctx.db)
        .await?)
}

pub async fn get_endpoint(ctx: &Ctx, p: &Principal, id: Uuid) -> ServiceResult<webhook_endpoint::Model> {
    require_org(p)?;
    webhook_endpoint::Entity::find_by_id(id)
        .filter(scope::webhook_endpoints(p))
        .one(&ctx.db)
        .await?
        .ok_or(ServiceError::NotFound)
}

pub async fn get_delivery(ctx: &Ctx, p: &Principal, id: Uuid) -> ServiceResult<webhook_delivery::Model> {
    require_org(p)?;
    webhook_delivery::Entity::find_by_id(id)
        .filter(scope::webhook_deliveries(p))
        .one(&ctx.db)
        .await?
        .ok_or(ServiceError::NotFound)
}

fn deliveries_of(p: &Principal, endpoint: Uuid, status: Option<&str>) -> sea_orm::Select<webhook_delivery::Entity> {
    let mut q = webhook_delivery::Entity::find()
        .filter(scope::webhook_deliveries(p))
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint));
    if let Some(s) = status {
        q = q.filter(webhook_delivery::Column::Status.eq(s));
    }
    q
}

paging::sort_fields!(
    /// What `webhookDeliveries` may be sorted by (then by id).
    DeliveryOrderField for webhook_delivery {
        /// When the change it carries was committed.
        EventAt => "EVENT_AT", Instant(EventAt, event_at);
    }
);

/// `webhookDeliveries`' order when none is asked: newest first (by id, UUIDv7).
pub const DELIVERIES_NEWEST_FIRST: Sort<DeliveryOrderField> = Sort { field: None, direction: paging::Direction::Desc };

/// An endpoint's deliveries, a window in `sort`'s order.
pub async fn deliveries(
    ctx: &Ctx,
    p: &Principal,
    endpoint: Uuid,
    status: Option<&str>,
    sort: &Sort<DeliveryOrderField>,
    w: &Window<Uuid>,
) -> ServiceResult<Page<webhook_delivery::Model>> {
    get_endpoint(ctx, p, endpoint).await?;
    paging::read(&ctx.db, deliveries_of(p, endpoint, status), webhook_delivery::Column::Id, sort, w).await
}

/// `webhookDeliveries { totalCount }`.
pub async fn count_deliveries(ctx: &Ctx, p: &Principal, endpoint: Uuid, status: Option<String>) -> ServiceResult<u64> {
    super::count_rows(&ctx.db, deliveries_of(p, endpoint, status.as_deref())).await
}

/// The attempts of deliveries, oldest first (a page's, in one statement).
pub async fn attempts(ctx: &Ctx, deliveries: &[Uuid]) -> ServiceResult<Vec<webhook_attempt::Model>> {
    Ok(webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::DeliveryId.is_in(deliveries.iter().copied()))
        .order_by_asc(webhook_attempt::Column::AttemptedAt)
        .order_by_asc(webhook_attempt::Column::Id)
        .all(&ctx.db)
        .await?)
}

/// `redeliverWebhookDelivery`: the same body under the same `webhook-id`, now, with a new
/// schedule. One already waiting to be sent is answered as it is.
pub async fn redeliver(ctx: &Ctx, p: &Principal, id: Uuid) -> ServiceResult<webhook_delivery::Model> {
    require_org(p)?;
    ctx.write(Actor::from(p), async |w| {
        let before = w.for_change::<webhook_delivery::Entity>(scope::webhook_deliveries(p), id).await?;
        if before.status == PENDING {
            return Ok(before);
        }
        let mut after = before.clone();
        after.status = PENDING.to_owned();
        after.attempts = 0;
        after.next_attempt_at = Some(w.now);
        after.lease_owner = None;
        after.lease_until = None;
        webhook_delivery::Entity::update(webhook_delivery::ActiveModel::from(after.clone()).reset_all())
            .exec(w.txn())
            .await?;
        w.audit(
            "webhook_delivery.redelivered",
            Subject::new(SUBJECT, before.endpoint_id),
            Some(p.org_id.0),
            Some(json!({ "delivery": id, "status": before.status })),
            Some(json!({ "delivery": id, "status": PENDING })),
        );
        Ok(after)
    })
    .await
}

/// The principal an endpoint's deliveries are scoped as: its creator's role in its
/// organisation (the change feed's scope for that principal).
async fn principal_of(ctx: &Ctx, e: &webhook_endpoint::Model) -> ServiceResult<Option<Principal>> {
    let Some(org) = organization::Entity::find_by_id(e.org_id).one(&ctx.db).await? else { return Ok(None) };
    let kind_fits = match e.role {
        Role::MfoStaff | Role::MfoManager => org.kind == OrgKind::Mfo,
        Role::CollectionAgency => org.kind == OrgKind::CollectionAgency,
        Role::Regulator => org.kind == OrgKind::Regulator,
        Role::Borrower => false,
    };
    Ok(kind_fits.then(|| Principal {
        role: e.role,
        subject: format!("webhook:{}", e.id),
        org_id: OrgId(org.id),
        org_kind: org.kind,
        jurisdiction: org.jurisdiction,
        borrower_id: None,
        expires_at: DateTime::<Utc>::MAX_UTC,
    }))
}

/// The body of a change's webhook: `type`, `timestamp` and `data` (Standard Webhooks'
/// customary shape), `data` naming the record as `changes` does.
fn body(e: &entity::outbox_event::Model) -> Value {
    let record_id = crate::ids::kind_of_subject(&e.subject_type).map(|k| crate::ids::global_id(k, e.subject_id));
    json!({
        "type": e.topic,
        "timestamp": e.occurred_at,
        "data": {
            "id": e.id,
            "recordType": changes::record_type_name(&e.subject_type),
            "recordId": record_id,
            "occurredAt": e.occurred_at,
        },
    })
}

/// Queues the changes committed since each enabled endpoint's cursor, as its creator may
/// see them, one delivery per change (the unique index makes two instances doing it at
/// once queue each once). Returns how many were queued.
pub async fn fan_out(ctx: &Ctx) -> ServiceResult<usize> {
    let now = ctx.clock.now();
    let enabled =
        webhook_endpoint::Entity::find().filter(webhook_endpoint::Column::DisabledAt.is_null()).all(&ctx.db).await?;
    let mut queued = 0;
    for e in enabled {
        let Some(p) = principal_of(ctx, &e).await? else { continue };
        let cursor = Cursor { seq: e.cursor_seq, at: e.cursor_at };
        let (items, resume) = match changes::page(ctx, &p, Some(cursor), &wanted(&e), FAN_OUT_PAGE).await {
            Ok(page) => (page.items, page.resume.unwrap_or(cursor)),
            // Disabled for longer than changes are kept: what is gone cannot be sent;
            // resume from now (the endpoint's deliveries show the gap).
            Err(ServiceError::User(_)) => (Vec::new(), newest_change(&ctx.db).await?.unwrap_or(cursor)),
            Err(other) => return Err(other),
        };
        let rows: Vec<webhook_delivery::ActiveModel> = items
            .iter()
            .map(|ev| webhook_delivery::ActiveModel {
                id: Set(new_id(now)),
                endpoint_id: Set(e.id),
                event_id: Set(ev.id),
                event_seq: Set(ev.seq),
                event_type: Set(ev.topic.clone()),
                event_at: Set(ev.occurred_at),
                payload: Set(body(ev)),
                status: Set(PENDING.to_owned()),
                attempts: Set(0),
                next_attempt_at: Set(Some(now)),
                lease_owner: Set(None),
                lease_until: Set(None),
                last_status_code: Set(None),
                last_error: Set(None),
                delivered_at: Set(None),
                created_at: Set(now),
            })
            .collect();
        if resume == cursor && rows.is_empty() {
            continue;
        }
        queued += rows.len();
        // Bookkeeping of the delivery machinery (no audit entry, no event), in one unit.
        ctx.write(Actor::system("webhooks"), async |w| {
            for chunk in super::write::in_statements(w.txn().get_database_backend(), rows.clone()) {
                webhook_delivery::Entity::insert_many(chunk)
                    .on_conflict(
                        OnConflict::columns([webhook_delivery::Column::EndpointId, webhook_delivery::Column::EventId])
                            .do_nothing()
                            .to_owned(),
                    )
                    .exec_without_returning(w.txn())
                    .await?;
            }
            // Forward only: another instance may have moved it further meanwhile.
            webhook_endpoint::Entity::update_many()
                .col_expr(webhook_endpoint::Column::CursorSeq, Expr::value(resume.seq))
                .col_expr(webhook_endpoint::Column::CursorAt, Expr::value(resume.at))
                .filter(webhook_endpoint::Column::Id.eq(e.id))
                .filter(webhook_endpoint::Column::CursorSeq.lt(resume.seq))
                .exec(w.txn())
                .await?;
            Ok(())
        })
        .await?;
    }
    Ok(queued)
}

/// A claimed delivery and what it is sent with.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: webhook_delivery::Model,
    pub url: String,
    /// The secrets that sign it: the current one, and the previous one within its window.
    pub secrets: Vec<String>,
}

/// Claims up to `limit` deliveries that are due, for `lease` (`UPDATE … WHERE` the lease
/// is free, which both engines serialise: two instances never send one attempt twice).
pub async fn claim(ctx: &Ctx, owner: &str, limit: u64, lease: Duration) -> ServiceResult<Vec<Claimed>> {
    let now = ctx.clock.now();
    let free = || {
        Condition::all()
            .add(webhook_delivery::Column::Status.eq(PENDING))
            .add(webhook_delivery::Column::NextAttemptAt.lte(now))
            .add(
                Condition::any()
                    .add(webhook_delivery::Column::LeaseUntil.is_null())
                    .add(webhook_delivery::Column::LeaseUntil.lt(now)),
            )
    };
    let due = Query::select()
        .column(webhook_delivery::Column::Id)
        .from(webhook_delivery::Entity)
        .cond_where(free())
        .order_by(webhook_delivery::Column::EventSeq, sea_orm::Order::Asc)
        .limit(limit)
        .to_owned();
    let claimed = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::LeaseOwner, Expr::value(owner))
        .col_expr(webhook_delivery::Column::LeaseUntil, Expr::value(now + lease))
        .filter(webhook_delivery::Column::Id.in_subquery(due))
        .filter(free())
        .exec_with_returning(&ctx.db)
        .await?;
    // The endpoints of the claimed deliveries, in one statement.
    let endpoints: std::collections::HashMap<Uuid, webhook_endpoint::Model> = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::Id.is_in(claimed.iter().map(|d| d.endpoint_id)))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let mut out = Vec::with_capacity(claimed.len());
    for d in claimed {
        let Some(e) = endpoints.get(&d.endpoint_id) else { continue };
        if e.disabled_at.is_some() {
            // Sent when the endpoint is enabled again.
            continue;
        }
        let mut secrets = vec![e.secret.clone()];
        if let (Some(s), Some(until)) = (e.previous_secret.clone(), e.previous_secret_until)
            && until > now
        {
            secrets.push(s);
        }
        out.push(Claimed { delivery: d, url: e.url.clone(), secrets });
    }
    Ok(out)
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

impl Outcome {
    /// A 2xx answer; anything else is retried.
    pub fn delivered(&self) -> bool {
        self.status_code.is_some_and(|c| (200..300).contains(&c))
    }
}

/// Records the attempts of one round, in one unit (one commit for the round, not one per
/// attempt): a delivered one is done; a failed one waits for the next step of the schedule
/// (with jitter, so that a receiver coming back is not hit by every delivery at once) or,
/// the schedule spent, is FAILED; an endpoint failing for `DISABLE_AFTER` is disabled with
/// the reason. Each attempt's `jitter` is a fraction in [0, 1).
pub async fn record(ctx: &Ctx, owner: &str, round: &[(Claimed, Outcome, f64)]) -> ServiceResult<()> {
    if round.is_empty() {
        return Ok(());
    }
    let now = ctx.clock.now();
    ctx.write(Actor::system("webhooks"), async |w| {
        let attempts = round.iter().map(|(c, outcome, _)| webhook_attempt::ActiveModel {
            id: Set(new_id(now)),
            delivery_id: Set(c.delivery.id),
            attempted_at: Set(now),
            status_code: Set(outcome.status_code.map(i32::from)),
            error: Set(outcome.error.clone()),
            duration_ms: Set(outcome.duration_ms),
        });
        for chunk in super::write::in_statements(w.txn().get_database_backend(), attempts.collect()) {
            webhook_attempt::Entity::insert_many(chunk).exec_without_returning(w.txn()).await?;
        }
        // Endpoints whose run of failures this unit has already ended, with no failure
        // recorded since: another delivery to them ends nothing more.
        let mut cleared = std::collections::HashSet::new();
        for (c, outcome, jitter) in round {
            record_one(w, c, owner, outcome, *jitter, now, &mut cleared).await?;
        }
        Ok(())
    })
    .await
}

async fn record_one(
    w: &mut super::write::Write,
    c: &Claimed,
    owner: &str,
    outcome: &Outcome,
    jitter: f64,
    now: DateTime<Utc>,
    cleared: &mut std::collections::HashSet<Uuid>,
) -> ServiceResult<()> {
    let d = &c.delivery;
    let attempts = d.attempts + 1;
    let (status, next) = if outcome.delivered() {
        (DELIVERED, None)
    } else {
        match RETRY_SCHEDULE.get(usize::try_from(attempts - 1).unwrap_or(usize::MAX)) {
            Some(wait) => {
                let spread = wait.num_milliseconds() as f64 * 0.2 * (jitter - 0.5);
                (PENDING, Some(now + *wait + Duration::milliseconds(spread as i64)))
            }
            None => (FAILED, None),
        }
    };
    // Only the holder of the lease records (a lease that ran out was another's since).
    webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Status, Expr::value(status))
        .col_expr(webhook_delivery::Column::Attempts, Expr::value(attempts))
        .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(next))
        .col_expr(webhook_delivery::Column::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(webhook_delivery::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(webhook_delivery::Column::LastStatusCode, Expr::value(outcome.status_code.map(i32::from)))
        .col_expr(webhook_delivery::Column::LastError, Expr::value(outcome.error.clone()))
        .col_expr(webhook_delivery::Column::DeliveredAt, Expr::value(outcome.delivered().then_some(now)))
        .filter(webhook_delivery::Column::Id.eq(d.id))
        .filter(webhook_delivery::Column::LeaseOwner.eq(owner))
        .exec(w.txn())
        .await?;
    // The endpoint's run of failures, by updates that read their own row (two instances
    // recording at once each count theirs).
    let endpoint = webhook_endpoint::Entity::update_many().filter(webhook_endpoint::Column::Id.eq(d.endpoint_id));
    if outcome.delivered() {
        if cleared.insert(d.endpoint_id) {
            endpoint
                .col_expr(webhook_endpoint::Column::FailingSince, Expr::value(Option::<DateTime<Utc>>::None))
                .col_expr(webhook_endpoint::Column::ConsecutiveFailures, Expr::value(0))
                .exec(w.txn())
                .await?;
        }
        return Ok(());
    }
    cleared.remove(&d.endpoint_id);
    endpoint
        .col_expr(
            webhook_endpoint::Column::ConsecutiveFailures,
            Expr::col(webhook_endpoint::Column::ConsecutiveFailures).add(1),
        )
        .col_expr(
            webhook_endpoint::Column::FailingSince,
            Expr::col(webhook_endpoint::Column::FailingSince).if_null(now),
        )
        .exec(w.txn())
        .await?;
    let e = webhook_endpoint::Entity::find_by_id(d.endpoint_id).one(w.txn()).await?;
    if let Some(e) = e
        && e.disabled_at.is_none()
        && let Some(since) = e.failing_since
        && now - since >= DISABLE_AFTER
    {
        let reason = format!(
            "every attempt failed since {} ({} attempts); the last: {}",
            since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            e.consecutive_failures,
            outcome.error.clone().unwrap_or_else(|| format!("HTTP {}", outcome.status_code.unwrap_or(0)))
        );
        webhook_endpoint::Entity::update_many()
            .col_expr(webhook_endpoint::Column::DisabledAt, Expr::value(now))
            .col_expr(webhook_endpoint::Column::DisabledReason, Expr::value(reason))
            .filter(webhook_endpoint::Column::Id.eq(d.endpoint_id))
            .filter(webhook_endpoint::Column::DisabledAt.is_null())
            .exec(w.txn())
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_to_public_addresses_unless_allowed() {
        for (url, why) in [
            ("http://example.com/hook", Some("not https")),
            ("https://127.0.0.1/hook", Some("a private address")),
            ("https://10.1.2.3/hook", Some("a private address")),
            ("https://192.168.0.1/hook", Some("a private address")),
            ("https://169.254.169.254/latest", Some("a private address")),
            ("https://[::1]/hook", Some("a private address")),
            ("https://[fd00::1]/hook", Some("a private address")),
            ("https://[::ffff:10.0.0.1]/hook", Some("a private address")),
            ("https://localhost:8443/hook", Some("a loopback address")),
            ("https://user:pw@example.com/hook", Some("credentials in the URL")),
            ("not a url", Some("not a URL")),
            ("https://hooks.example.com/mfo", None),
            ("https://93.184.216.34/hook", None),
        ] {
            assert_eq!(unsafe_url(url, false), why, "{url}");
        }
        assert_eq!(unsafe_url("http://127.0.0.1:9000/hook", true), None);
        assert_eq!(unsafe_url("ftp://127.0.0.1/hook", true), Some("not https"));
    }
}
