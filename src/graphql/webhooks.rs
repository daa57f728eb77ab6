//! Signed webhooks (`services::webhooks`): an organisation's endpoints, their deliveries
//! and attempts, and the mutations that manage them. Transport only.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::{webhook_attempt, webhook_delivery, webhook_endpoint};

use crate::graphql::changes::RecordType;
use crate::graphql::connection::{TotalCount, connection, order_input, window};
use crate::graphql::context::ContextExt;
use crate::graphql::errors::{payload, top_level};
use crate::graphql::ids::{Kind, decode, encode};
use crate::graphql::loaders::Loaders;
use crate::services::webhooks as svc;

/// Where an organisation's changes are POSTed, signed per Standard Webhooks
/// (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of
/// "id.timestamp.body">`), as the principal that created it may see them (the change
/// feed's scope). The body is `{ type, timestamp, data: { id, recordType, recordId,
/// occurredAt } }`; `webhook-id` is the change's id, the same on every redelivery.
pub struct WebhookEndpoint(pub webhook_endpoint::Model, pub Option<String>);

/// Where an organisation's changes are POSTed, signed per Standard Webhooks.
#[Object]
impl WebhookEndpoint {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::WebhookEndpoint, self.0.id)
    }

    /// Where deliveries are POSTed (https; no private address outside development).
    async fn url(&self) -> &str {
        &self.0.url
    }

    /// The record types delivered; empty: all.
    #[graphql(complexity = "crate::graphql::budget::variants::<RecordType>()")]
    async fn event_types(&self) -> Vec<RecordType> {
        svc::wanted(&self.0).into_iter().filter_map(RecordType::of).collect()
    }

    /// The organisation's note on it.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// The signing secret (`whsec_…`): only in the answer of `createWebhookEndpoint` and
    /// `rotateWebhookEndpointSecret`, null everywhere else. Keep it; it is not shown again.
    async fn secret(&self) -> Option<&str> {
        self.1.as_deref()
    }

    /// Until when the secret before the last rotation still signs, beside the new one
    /// (each delivery then carries both signatures).
    async fn previous_secret_valid_until(&self) -> Option<DateTime<Utc>> {
        self.0.previous_secret_until
    }

    /// Whether changes are being delivered.
    async fn enabled(&self) -> bool {
        self.0.disabled_at.is_none()
    }

    /// When it was disabled, by a person or after failing for 5 days.
    async fn disabled_at(&self) -> Option<DateTime<Utc>> {
        self.0.disabled_at
    }

    /// Why it was disabled.
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }

    /// Since when every attempt has failed (null after a success).
    async fn failing_since(&self) -> Option<DateTime<Utc>> {
        self.0.failing_since
    }

    /// Attempts failed in a row.
    async fn consecutive_failures(&self) -> i32 {
        self.0.consecutive_failures
    }

    /// When it was registered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Where a delivery stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum WebhookDeliveryStatus {
    /// Waiting for its next attempt (`nextAttemptAt`).
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt of the schedule failed; `redeliverWebhookDelivery` sends it again.
    Failed,
}

impl WebhookDeliveryStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => svc::PENDING,
            Self::Delivered => svc::DELIVERED,
            Self::Failed => svc::FAILED,
        }
    }

    fn of(s: &str) -> Self {
        match s {
            svc::DELIVERED => Self::Delivered,
            svc::FAILED => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// One change sent (or to be sent) to one endpoint.
pub struct WebhookDelivery(pub webhook_delivery::Model);

/// One change sent (or to be sent) to one endpoint.
#[Object]
impl WebhookDelivery {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::WebhookDelivery, self.0.id)
    }

    /// The `webhook-id` it is sent under: the change's id (`Change.id`), the same on
    /// every attempt and redelivery.
    async fn webhook_id(&self) -> String {
        self.0.event_id.to_string()
    }

    /// The change's type, e.g. `complaint.registered`.
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }

    /// The body sent, exactly.
    async fn payload(&self) -> async_graphql::Json<serde_json::Value> {
        async_graphql::Json(self.0.payload.clone())
    }

    /// Where it stands.
    async fn status(&self) -> WebhookDeliveryStatus {
        WebhookDeliveryStatus::of(&self.0.status)
    }

    /// Attempts made so far (since the last redelivery).
    async fn attempt_count(&self) -> i32 {
        self.0.attempts
    }

    /// When the next attempt is due (PENDING only).
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.next_attempt_at
    }

    /// When the receiver answered 2xx.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }

    /// When the change it carries was committed (UTC instant).
    async fn event_at(&self) -> DateTime<Utc> {
        self.0.event_at
    }

    /// Its attempts, oldest first: the newest 50 at most.
    #[graphql(complexity = "crate::graphql::nested::MAX_ATTEMPTS * child_complexity")]
    async fn attempts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<WebhookAttempt>> {
        let rows = ctx.data_unchecked::<Loaders>().webhook_attempts.load_one(self.0.id).await?.unwrap_or_default();
        Ok(crate::graphql::nested::newest(rows, crate::graphql::nested::MAX_ATTEMPTS)
            .into_iter()
            .map(WebhookAttempt)
            .collect())
    }
}

/// One attempt of a delivery.
pub struct WebhookAttempt(webhook_attempt::Model);

/// One attempt of a delivery.
#[Object]
impl WebhookAttempt {
    /// When it was made.
    async fn attempted_at(&self) -> DateTime<Utc> {
        self.0.attempted_at
    }

    /// The receiver's HTTP status; null when none came (refused, timed out).
    async fn status_code(&self) -> Option<i32> {
        self.0.status_code
    }

    /// Why it failed when no status says it (the connection, the time limit, the address).
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }

    /// How long the attempt took.
    async fn duration_ms(&self) -> i64 {
        self.0.duration_ms
    }
}

order_input!(
    /// How `webhookDeliveries` is sorted (by default: newest first, by id).
    DeliveryOrder,
    svc::DeliveryOrderField
);

#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// The caller's organisation's webhook endpoints (at most 20), oldest first. MFO
    /// staff, agencies and regulators; a borrower: FORBIDDEN.
    async fn webhook_endpoints(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<WebhookEndpoint>> {
        let p = ctx.principal()?;
        let rows = svc::endpoints(ctx.services(), p).await.map_err(top_level)?;
        Ok(rows.into_iter().map(|e| WebhookEndpoint(e, None)).collect())
    }

    /// An endpoint's deliveries: `orderBy`, then id; by default newest first (by id).
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint (global ID).")] endpoint_id: ID,
        #[graphql(desc = "Only deliveries in this status.")] status: Option<WebhookDeliveryStatus>,
        #[graphql(desc = "The order of the list.")] order_by: Option<DeliveryOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Only rows after this cursor (of the same order).")] after: Option<String>,
        #[graphql(desc = "Page size going backward: the last 0 to 100 rows (before `before`).")] last: Option<i32>,
        #[graphql(desc = "Only rows before this cursor (of the same order).")] before: Option<String>,
    ) -> async_graphql::Result<crate::graphql::connection::Page<WebhookDelivery>> {
        let p = ctx.principal()?;
        let sort = DeliveryOrder::sort_or(order_by, svc::DELIVERIES_NEWEST_FIRST);
        let w = window(first, after, last, before, sort.tag())?;
        let endpoint = decode(&endpoint_id, Kind::WebhookEndpoint)?;
        let status = status.map(WebhookDeliveryStatus::as_str);
        let page = svc::deliveries(ctx.services(), p, endpoint, status, &sort, &w).await.map_err(top_level)?;
        let total = TotalCount::of(ctx.services(), p, status.map(str::to_owned), move |c, p, s| async move {
            svc::count_deliveries(&c, &p, endpoint, s).await
        });
        Ok(connection(page, &w, sort.tag(), |d| sort.position(d, d.id), WebhookDelivery, total))
    }
}

/// A new endpoint.
#[derive(InputObject)]
pub struct CreateWebhookEndpointInput {
    /// https, on a public address (http and private addresses only where the deployment
    /// allows them: `MFO_WEBHOOK_ALLOW_PRIVATE`).
    pub url: String,
    /// The record types to deliver; none or empty: all.
    pub event_types: Option<Vec<RecordType>>,
    /// A note for the organisation (at most 500 characters).
    pub description: Option<String>,
}

/// Changes to an endpoint; a field left out is kept.
#[derive(InputObject)]
pub struct UpdateWebhookEndpointInput {
    /// The endpoint (global ID).
    pub endpoint_id: ID,
    /// A new URL (the same rules as at creation).
    pub url: Option<String>,
    /// The record types to deliver from now on; empty: all.
    pub event_types: Option<Vec<RecordType>>,
    /// A new note; empty removes it.
    pub description: Option<String>,
    /// false disables it; true enables it again (it resumes where it stopped, within the
    /// change retention).
    pub enabled: Option<bool>,
}

/// An endpoint.
#[derive(InputObject)]
pub struct WebhookEndpointRefInput {
    /// The endpoint (global ID).
    pub endpoint_id: ID,
}

/// A delivery.
#[derive(InputObject)]
pub struct WebhookDeliveryRefInput {
    /// The delivery (global ID).
    pub delivery_id: ID,
}

payload!(
    /// The endpoint after the mutation, or why it was refused.
    WebhookEndpointPayload { webhook_endpoint: WebhookEndpoint });

payload!(
    /// The delivery after the mutation, or why it was refused.
    WebhookDeliveryPayload { webhook_delivery: WebhookDelivery });

fn subjects(types: Option<Vec<RecordType>>) -> Vec<&'static str> {
    types.unwrap_or_default().into_iter().map(RecordType::subject).collect()
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Registers an endpoint for the caller's organisation (MFO staff, agencies,
    /// regulators; at most 20). It receives the changes committed from now on that its
    /// creator may see. The answer carries the signing secret, once.
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where and what.")] input: CreateWebhookEndpointInput,
    ) -> async_graphql::Result<WebhookEndpointPayload> {
        let p = ctx.principal()?;
        let input = svc::EndpointInput {
            url: input.url,
            event_types: subjects(input.event_types),
            description: input.description,
        };
        let created = svc::create(ctx.services(), p, input).await;
        WebhookEndpointPayload::from_result(created.map(|(e, secret)| WebhookEndpoint(e, Some(secret))))
    }

    /// Changes an endpoint's URL, record types, note, or whether it is enabled. Sending
    /// what it already has changes nothing.
    async fn update_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint and what changes.")] input: UpdateWebhookEndpointInput,
    ) -> async_graphql::Result<WebhookEndpointPayload> {
        let p = ctx.principal()?;
        let id = decode(&input.endpoint_id, Kind::WebhookEndpoint)?;
        let u = svc::EndpointUpdate {
            url: input.url,
            event_types: input.event_types.map(|t| subjects(Some(t))),
            description: input.description,
            enabled: input.enabled,
        };
        WebhookEndpointPayload::from_result(
            svc::update(ctx.services(), p, id, u).await.map(|e| WebhookEndpoint(e, None)),
        )
    }

    /// Stops deliveries to an endpoint (`updateWebhookEndpoint(enabled: true)` resumes them).
    async fn disable_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint.")] input: WebhookEndpointRefInput,
    ) -> async_graphql::Result<WebhookEndpointPayload> {
        let p = ctx.principal()?;
        let id = decode(&input.endpoint_id, Kind::WebhookEndpoint)?;
        let u = svc::EndpointUpdate { enabled: Some(false), ..Default::default() };
        WebhookEndpointPayload::from_result(
            svc::update(ctx.services(), p, id, u).await.map(|e| WebhookEndpoint(e, None)),
        )
    }

    /// A new signing secret (in the answer, once); the previous one keeps signing beside
    /// it for 24 hours, so a receiver can switch without losing a delivery.
    async fn rotate_webhook_endpoint_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint.")] input: WebhookEndpointRefInput,
    ) -> async_graphql::Result<WebhookEndpointPayload> {
        let p = ctx.principal()?;
        let id = decode(&input.endpoint_id, Kind::WebhookEndpoint)?;
        let rotated = svc::rotate(ctx.services(), p, id).await;
        WebhookEndpointPayload::from_result(rotated.map(|(e, secret)| WebhookEndpoint(e, Some(secret))))
    }

    /// Sends a delivery again now, the same body under the same `webhook-id`, with a new
    /// retry schedule. One still waiting is answered as it is.
    async fn redeliver_webhook_delivery(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The delivery.")] input: WebhookDeliveryRefInput,
    ) -> async_graphql::Result<WebhookDeliveryPayload> {
        let p = ctx.principal()?;
        let id = decode(&input.delivery_id, Kind::WebhookDelivery)?;
        WebhookDeliveryPayload::from_result(svc::redeliver(ctx.services(), p, id).await.map(WebhookDelivery))
    }
}
