//! Deadlines and escalations: the queries and the `escalations` subscription that the
//! supervising authority's dashboards use. The subscription replays stored escalations
//! after the client's cursor, then goes live; live events only wake it up, the rows it
//! sends are always read from the table, so a reconnecting dashboard misses nothing and
//! sees nothing twice.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use async_graphql::{Context, ID, InputObject, Object, Subscription};
use chrono::{DateTime, Utc};
use entity::enums::{DeadlineKind, DeadlineStatus, EscalationKind, EscalationSeverity, Jurisdiction, Obligor};
use entity::{deadline, escalation};
use futures_util::{Stream, StreamExt};

use crate::graphql::connection::{TotalCount, connection, order_input, window};
use crate::graphql::context::ContextExt;
use crate::graphql::errors::{bad_input, not_found, payload, top_level};
use crate::graphql::ids::{Kind, cursor, decode, encode, parse_cursor};
use crate::graphql::loaders::Loaders;
use crate::graphql::me::Organization;
use crate::graphql::scalars::Date;
use crate::services::Range;
use crate::services::escalations as svc;
use crate::services::paging::Position;

/// A timed duty of DOMAIN.md on a record.
pub struct Deadline(pub deadline::Model);

/// A timed duty of DOMAIN.md on a record.
#[Object]
impl Deadline {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::Deadline, self.0.id)
    }
    /// Which duty (each kind names its rule).
    async fn kind(&self) -> DeadlineKind {
        self.0.kind
    }
    /// The rule that sets it, e.g. "C8".
    async fn rule(&self) -> &str {
        &self.0.rule
    }
    /// Whose duty it is.
    async fn obligor(&self) -> Obligor {
        self.0.obligor
    }
    /// Open, met, missed or cancelled.
    async fn status(&self) -> DeadlineStatus {
        self.0.status
    }
    /// The type of the record the duty is on (e.g. "Complaint", "RestructuringApplication", "Loan").
    async fn subject_type(&self) -> &str {
        &self.0.subject_type
    }
    /// The record's global ID.
    async fn subject_id(&self) -> ID {
        subject_global_id(&self.0.subject_type, self.0.subject_id)
    }
    /// When its clock started (UTC instant); the policy version in force then sets its figures.
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }
    /// The last allowed day, local time of the jurisdiction.
    async fn due_date(&self) -> Date {
        self.0.due_date.into()
    }
    /// The first instant at which the duty is late.
    async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }
    /// How many times it was extended (C8 allows one).
    async fn extensions(&self) -> i32 {
        self.0.extensions
    }
    /// When it was met, missed or cancelled (UTC instant).
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
    /// The policy version whose figures set the due time.
    async fn policy_version_id(&self) -> String {
        self.0.policy_version_id.to_string()
    }
}

/// A global ID for a stored subject reference.
pub fn subject_global_id(subject_type: &str, id: uuid::Uuid) -> ID {
    ID(crate::ids::subject_global_id(subject_type, id))
}

/// A missed legal deadline or a rule breach.
pub struct Escalation(pub escalation::Model);

/// A missed legal deadline or a rule breach.
#[Object]
impl Escalation {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::Escalation, self.0.id)
    }
    /// Resume a subscription or a list after this one.
    async fn cursor(&self) -> String {
        cursor(self.0.seq)
    }
    /// When it was raised (UTC instant).
    async fn raised_at(&self) -> DateTime<Utc> {
        self.0.raised_at
    }
    /// A missed deadline or a rule breach.
    async fn kind(&self) -> EscalationKind {
        self.0.kind
    }
    /// The rule missed or breached, e.g. "C8" or "X3".
    async fn rule(&self) -> &str {
        &self.0.rule
    }
    /// The jurisdiction whose regulator sees it.
    async fn jurisdiction(&self) -> Jurisdiction {
        self.0.jurisdiction
    }
    /// The MFO answerable for it.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        let loaders = ctx.data_unchecked::<Loaders>();
        loaders.organizations.load_one(self.0.org_id).await?.map(Organization).ok_or_else(not_found)
    }
    /// The type of the record it is about (e.g. "Complaint", "ContactEvent").
    async fn subject_type(&self) -> &str {
        &self.0.subject_type
    }
    /// The record's global ID.
    async fn subject_id(&self) -> ID {
        subject_global_id(&self.0.subject_type, self.0.subject_id)
    }
    /// The missed deadline's global ID (DEADLINE_MISSED only).
    async fn deadline_id(&self) -> Option<ID> {
        self.0.deadline_id.map(|d| encode(Kind::Deadline, d))
    }
    /// What happened, in words, in the reader's language (`Accept-Language`, or the
    /// WebSocket's `connection_init` `language`; English when none of ru, kk, ky, en is
    /// asked for). Escalations raised before messages had languages read in English.
    async fn message(&self) -> String {
        match crate::i18n::Msg::from_stored(&self.0.details) {
            Some(m) => m.render(crate::i18n::current()),
            None => self.0.message.clone(),
        }
    }
    /// Machine-readable particulars (JSON object): e.g. `dueAt`, `responsibleOrgId`, counts against a limit.
    async fn details(&self) -> async_graphql::Json<serde_json::Value> {
        let subject = crate::graphql::ids::kind_of_subject(&self.0.subject_type).map(|k| (k, self.0.subject_id));
        async_graphql::Json(crate::graphql::ids::globalize(&self.0.details, subject))
    }
    /// The organisation whose conduct the breach is (e.g. the collection agency that made
    /// an X2–X7 contact), when it is not `organization` itself: read from
    /// `details.responsibleOrgId`. `organization` stays the MFO answerable for the loan.
    async fn responsible_organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        let Some(id) = self.0.responsible_org_id else {
            return Ok(None);
        };
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders.organizations.load_one(id).await?.map(Organization))
    }
    /// How grave it is, derived from `kind` and `rule` (one table, documented on
    /// `EscalationSeverity`); filter with `EscalationFilter.severity`.
    async fn severity(&self) -> EscalationSeverity {
        svc::severity(self.0.kind, &self.0.rule)
    }
    /// When the regulator acknowledged it (`acknowledgeEscalation`), UTC; null until then.
    /// An acknowledged escalation stays in the stream and the statistics.
    async fn acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.0.acknowledged_at
    }
    /// Who acknowledged it: the regulator principal's key (as in the audit trail:
    /// `ROLE:sub@<organisation's global ID>`).
    async fn acknowledged_by(&self) -> Option<String> {
        self.0.acknowledged_by.as_deref().map(crate::graphql::ids::actor)
    }
    /// The regulator's note on acknowledging it.
    async fn acknowledgement_note(&self) -> Option<&str> {
        self.0.acknowledgement_note.as_deref()
    }
}

/// Narrows `escalations`; every field given must match.
#[derive(InputObject, Default, Clone)]
pub struct EscalationFilter {
    /// Only this kind.
    pub kind: Option<EscalationKind>,
    /// Only this rule ID, e.g. "X3".
    pub rule: Option<String>,
    /// Only those of this MFO (global ID).
    pub organization_id: Option<ID>,
    /// Only those about this record (global ID).
    pub subject_id: Option<ID>,
    /// The organisation responsible: escalations naming it as `responsibleOrganization`
    /// (e.g. an agency's contact breaches), and, for an MFO, its own ones that name no
    /// other organisation.
    pub responsible_organization_id: Option<ID>,
    /// Only escalations of this severity (`Escalation.severity`).
    pub severity: Option<EscalationSeverity>,
    /// true: only those the regulator acknowledged; false: only those not yet acknowledged.
    pub acknowledged: Option<bool>,
    /// Only escalations raised at or after this instant (UTC; `raisedAt`). Half-open with
    /// `to`: `[from, to)`.
    pub from: Option<DateTime<Utc>>,
    /// Only escalations raised before this instant (UTC, exclusive).
    pub to: Option<DateTime<Utc>>,
    /// Only escalations raised or acknowledged at or after this instant (UTC). In the
    /// `escalations` subscription it narrows the replay; live ones are all new. At most
    /// `MFO_CHANGE_RETENTION_DAYS` back (30 by default); older: BAD_USER_INPUT.
    pub updated_after: Option<DateTime<Utc>>,
}

impl EscalationFilter {
    pub(crate) fn to_service(&self) -> async_graphql::Result<svc::EscalationFilter> {
        Ok(svc::EscalationFilter {
            kind: self.kind,
            rule: self.rule.clone(),
            org_id: self.organization_id.as_ref().map(|o| decode(o, Kind::Organization)).transpose()?,
            subject_id: self
                .subject_id
                .as_ref()
                .map(|s| crate::graphql::ids::parse(s).map(|(_, u)| u).ok_or_else(not_found))
                .transpose()?,
            responsible_org_id: self
                .responsible_organization_id
                .as_ref()
                .map(|o| decode(o, Kind::Organization))
                .transpose()?,
            severity: self.severity,
            acknowledged: self.acknowledged,
            raised: Range { from: self.from, to: self.to },
            updated_after: self.updated_after,
        })
    }
}

/// Narrows `deadlines`; every field given must match.
#[derive(InputObject, Default)]
pub struct DeadlineFilter {
    /// Only deadlines in this status.
    pub status: Option<DeadlineStatus>,
    /// Only this kind.
    pub kind: Option<DeadlineKind>,
    /// Only those on this record (global ID).
    pub subject_id: Option<ID>,
    /// Only deadlines due at or after this instant (UTC; `dueAt`). Half-open with `to`:
    /// `[from, to)`, e.g. the duties falling due this week.
    pub from: Option<DateTime<Utc>>,
    /// Only deadlines due before this instant (UTC, exclusive).
    pub to: Option<DateTime<Utc>>,
    /// Only deadlines (opened, met, extended, missed) created or changed at or after this instant (UTC):
    /// for a sync that re-reads what changed since its last run (`changes` lists the
    /// changes themselves).
    /// At most `MFO_CHANGE_RETENTION_DAYS` back (30 by default); older: BAD_USER_INPUT.
    pub updated_after: Option<DateTime<Utc>>,
}

fn seq_cursor(cursor: Option<String>) -> async_graphql::Result<Option<i64>> {
    cursor
        .map(|a| parse_cursor(&a).and_then(|k| k.parse::<i64>().map_err(|_| bad_input("not a valid cursor"))))
        .transpose()
}

order_input!(
    /// How `deadlines` is sorted (by default: by id, i.e. the order their clocks started).
    DeadlineOrder,
    svc::DeadlineOrderField
);

#[derive(Default)]
pub struct EscalationQuery;

#[Object]
impl EscalationQuery {
    /// Escalations in the order they were raised (regulators: their jurisdiction; MFO staff:
    /// their MFO). Stable order: by sequence number (`Escalation.cursor`), i.e. commit
    /// order, oldest first; the same order and cursors as the `escalations` subscription.
    /// Pages go forward with `first`/`after`, or backward from the newest with
    /// `last`/`before` (each page still oldest first; `pageInfo.hasPreviousPage` says
    /// whether older ones remain, `startCursor` is the next `before`). The order is the
    /// commit order the subscription replays, so there is no `orderBy`.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn escalations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only escalations matching every field given.")] filter: Option<EscalationFilter>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Only escalations after this cursor (an edge's or an `Escalation.cursor`).")] after: Option<
            String,
        >,
        #[graphql(desc = "Page size going backward: the newest 0 to 100 (before `before`).")] last: Option<i32>,
        #[graphql(desc = "Only escalations before this cursor (an edge's or an `Escalation.cursor`).")] before: Option<
            String,
        >,
    ) -> async_graphql::Result<crate::graphql::connection::Page<Escalation>> {
        let p = ctx.principal()?;
        let w = window(first, after, last, before, None)?;
        let f = filter.unwrap_or_default().to_service()?;
        let page = svc::list(ctx.services(), p, &f, &w).await.map_err(top_level)?;
        let total = TotalCount::of(ctx.services(), p, f, |c, p, f| async move { svc::count(&c, &p, &f).await });
        Ok(connection(page, &w, None, |e| Position { value: None, key: e.seq }, Escalation, total))
    }

    /// Deadlines (regulators: their jurisdiction; MFO staff: their MFO). Stable order:
    /// `orderBy`, then id; by default by id, i.e. in the order their clocks were started
    /// (ids are UUIDv7), oldest first.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn deadlines(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only deadlines matching every field given.")] filter: Option<DeadlineFilter>,
        #[graphql(desc = "The order of the list.")] order_by: Option<DeadlineOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Only rows after this cursor (of the same order).")] after: Option<String>,
        #[graphql(desc = "Page size going backward: the last 0 to 100 rows (before `before`).")] last: Option<i32>,
        #[graphql(desc = "Only rows before this cursor (of the same order).")] before: Option<String>,
    ) -> async_graphql::Result<crate::graphql::connection::Page<Deadline>> {
        let p = ctx.principal()?;
        let sort = DeadlineOrder::sort(order_by);
        let w = window(first, after, last, before, sort.tag())?;
        let filter = filter.unwrap_or_default();
        let f = svc::DeadlineFilter {
            status: filter.status,
            kind: filter.kind,
            subject_id: filter.subject_id.as_ref().and_then(|s| crate::graphql::ids::parse(s).map(|(_, u)| u)),
            due: Range { from: filter.from, to: filter.to },
            updated_after: filter.updated_after,
        };
        let page = svc::deadlines(ctx.services(), p, &f, &sort, &w).await.map_err(top_level)?;
        let total =
            TotalCount::of(ctx.services(), p, f, |c, p, f| async move { svc::count_deadlines(&c, &p, &f).await });
        Ok(connection(page, &w, sort.tag(), |d| sort.position(d, d.id), Deadline, total))
    }
}

/// The regulator acknowledges an escalation of its jurisdiction.
#[derive(InputObject)]
pub struct AcknowledgeEscalationInput {
    /// The escalation's ID (`Escalation.id`).
    pub escalation_id: ID,
    /// What the regulator did about it; required, kept on the escalation and in the audit.
    pub note: String,
}

payload!(
    /// The acknowledged escalation, or `userErrors` (CONFLICT when already acknowledged,
    /// INVALID for an empty note).
    AcknowledgeEscalationPayload { escalation: Escalation }
);

#[derive(Default)]
pub struct EscalationMutation;

#[Object]
impl EscalationMutation {
    /// REGULATOR of the escalation's jurisdiction only (others FORBIDDEN; another
    /// jurisdiction's is NOT_FOUND): marks it acknowledged, audited as
    /// `escalation.acknowledged`. Acknowledging twice is a CONFLICT user error and keeps the
    /// first acknowledgement. The escalation stays in the stream and the statistics.
    async fn acknowledge_escalation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The escalation and the regulator's note.")] input: AcknowledgeEscalationInput,
    ) -> async_graphql::Result<AcknowledgeEscalationPayload> {
        let p = ctx.principal()?;
        let id = decode(&input.escalation_id, Kind::Escalation)?;
        AcknowledgeEscalationPayload::from_result(
            svc::acknowledge(ctx.services(), p, id, input.note).await.map(Escalation),
        )
    }
}

#[derive(Default)]
pub struct EscalationSubscription;

#[Subscription]
impl EscalationSubscription {
    /// Every escalation visible to the caller: first those after `after` (a cursor from
    /// `Escalation.cursor`), then each new one as it is raised.
    async fn escalations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only escalations matching every field given.")] filter: Option<EscalationFilter>,
        #[graphql(desc = "Replay those raised after this `Escalation.cursor` first; without it, only new ones.")] after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Escalation>>> {
        let principal = ctx.principal()?;
        let filter = filter.unwrap_or_default().to_service()?;
        let after = seq_cursor(after)?;
        let window = ctx.data_opt::<Window>();
        let after = window.and_then(|w| w.after).or(after);
        let tap = window.map(|w| w.tap.clone());
        let events = match window.and_then(|w| w.until) {
            Some(until) => svc::replay(ctx.services(), principal, filter, after.unwrap_or(until), until)
                .map_err(top_level)?
                .boxed(),
            None => svc::live(ctx.services(), principal, filter, after).await.map_err(top_level)?.boxed(),
        };
        Ok(events.map(move |e| {
            if let (Ok(e), Some(tap)) = (&e, &tap) {
                tap.store(e.seq, Ordering::SeqCst);
            }
            e.map(Escalation).map_err(top_level)
        }))
    }
}

/// Where an `escalations` subscription starts and ends, set by the WebSocket layer's
/// shared renderings (`http::shared`), never by a client: `after` overrides the argument
/// (a sequence number), `until` makes it a replay that ends there, and `tap` holds the
/// sequence number of the escalation last yielded (the response just executed is that
/// one's: async-graphql takes the next event only after it has answered this one).
#[derive(Clone, Default)]
pub struct Window {
    pub after: Option<i64>,
    pub until: Option<i64>,
    pub tap: Arc<AtomicI64>,
}
