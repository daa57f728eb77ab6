//! Escalations (missed MFO deadlines and rule breaches) and deadlines as the supervising
//! authority and MFO staff read them; the severity of an escalation (`severity`, the one
//! classification) and the regulator's acknowledgement (`acknowledge`).

use chrono::{DateTime, Utc};
use entity::enums::{DeadlineKind, DeadlineStatus, EscalationKind, EscalationSeverity};
use entity::{deadline, escalation};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

pub mod feed;

use super::write::{Actor, Subject, Visibility};
use super::{Ctx, Page, scope};
use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::services::paging::{self, Sort, Window};

/// The severity of the escalations of a kind whose rule family is listed here; a rule
/// family is the rule ID before any `.` ("R17.3" is of "R17"). The why, per line:
/// formalities of intake (C4 registration, C5 acknowledgement) are LOW; a borrower left
/// without an answer or a notice (C8, C9, R1) is MEDIUM; a decision on the borrower's
/// restructuring or deferral not taken or not carried out in time (R8, R11, M1, M3) and
/// every conduct rule of collection (X2–X5, X7, R9, R14, R17, R18) are HIGH; unfair
/// practices (X6), a foreclosure lawsuit during home protection (R16) and collection
/// against a serving conscript (M5) are CRITICAL.
const SEVERITIES: &[(EscalationKind, &str, EscalationSeverity)] = {
    use EscalationKind::{DeadlineMissed as D, RuleBreach as B};
    use EscalationSeverity::{Critical, High, Low, Medium};
    &[
        (D, "C4", Low),
        (D, "C5", Low),
        (D, "C8", Medium),
        (D, "C9", Medium),
        (D, "R1", Medium),
        (D, "R8", High),
        (D, "R11", High),
        (D, "M1", High),
        (D, "M3", High),
        (B, "X2", High),
        (B, "X3", High),
        (B, "X4", High),
        (B, "X5", High),
        (B, "X7", High),
        (B, "R9", High),
        (B, "R14", High),
        (B, "R17", High),
        (B, "R18", High),
        (B, "X6", Critical),
        (B, "R16", Critical),
        (B, "M5", Critical),
    ]
};

/// An escalation kind's severity when its rule is not in `SEVERITIES`.
fn default_severity(kind: EscalationKind) -> EscalationSeverity {
    match kind {
        EscalationKind::DeadlineMissed => EscalationSeverity::Medium,
        EscalationKind::RuleBreach => EscalationSeverity::High,
    }
}

fn family(rule: &str) -> &str {
    rule.split('.').next().unwrap_or(rule)
}

/// The severity of an escalation of `kind` about `rule`: the one classification, read by
/// the `Escalation.severity` field and mirrored in SQL by `severity_condition`.
pub fn severity(kind: EscalationKind, rule: &str) -> EscalationSeverity {
    SEVERITIES
        .iter()
        .find(|(k, f, _)| *k == kind && *f == family(rule))
        .map(|(_, _, s)| *s)
        .unwrap_or_else(|| default_severity(kind))
}

/// `rule` is of the family `f`: "R17" or "R17.x".
fn of_family(f: &str) -> Condition {
    Condition::any().add(escalation::Column::Rule.eq(f)).add(escalation::Column::Rule.like(format!("{f}.%")))
}

/// The escalations whose `severity` is `s`, as a SQL condition built from the same table.
pub fn severity_condition(s: EscalationSeverity) -> Condition {
    let mut any = Condition::any();
    for (kind, f, sev) in SEVERITIES {
        if *sev == s {
            any = any.add(Condition::all().add(escalation::Column::Kind.eq(*kind)).add(of_family(f)));
        }
    }
    for kind in [EscalationKind::DeadlineMissed, EscalationKind::RuleBreach] {
        if default_severity(kind) == s {
            let mut unlisted = Condition::all().add(escalation::Column::Kind.eq(kind));
            for (_, f, _) in SEVERITIES.iter().filter(|(k, _, _)| *k == kind) {
                unlisted = unlisted.add(of_family(f).not());
            }
            any = any.add(unlisted);
        }
    }
    // `Condition::any()` with no terms matches everything; a severity nothing maps to
    // must match nothing.
    if any.is_empty() { Condition::all().add(Expr::val(1).eq(0)) } else { any }
}

/// Escalations attributed to `org`: those naming it as responsible, and the MFO's own
/// (no other organisation named) when `org` is their MFO.
pub fn responsible_condition(org: Uuid) -> Condition {
    Condition::any().add(escalation::Column::ResponsibleOrgId.eq(org)).add(
        Condition::all().add(escalation::Column::ResponsibleOrgId.is_null()).add(escalation::Column::OrgId.eq(org)),
    )
}

/// The escalations the caller may read (`scope::escalations`); a role that reads none of
/// them is refused rather than answered with an empty list.
fn escalation_scope(p: &Principal) -> ServiceResult<Condition> {
    scope::escalations(p).ok_or(ServiceError::Forbidden(NOT_FOR_ROLE))
}

/// The deadlines the caller may read (`scope::deadlines`), refused like escalations.
fn deadline_scope(p: &Principal) -> ServiceResult<Condition> {
    scope::deadlines(p).ok_or(ServiceError::Forbidden(NOT_FOR_ROLE))
}

const NOT_FOR_ROLE: &str = "escalations and deadlines are for MFO staff and regulators";

#[derive(Debug, Clone, Default)]
pub struct EscalationFilter {
    pub kind: Option<EscalationKind>,
    pub rule: Option<String>,
    pub org_id: Option<Uuid>,
    pub subject_id: Option<Uuid>,
    /// See `responsible_condition`.
    pub responsible_org_id: Option<Uuid>,
    pub severity: Option<EscalationSeverity>,
    /// `Some(true)`: only acknowledged ones; `Some(false)`: only those not yet acknowledged.
    pub acknowledged: Option<bool>,
    /// On `raised_at`.
    pub raised: super::Range<DateTime<Utc>>,
    /// Raised or acknowledged at or after this instant (`services::changes`). The live
    /// feed admits every escalation it sends: each was raised just now.
    pub updated_after: Option<DateTime<Utc>>,
}

impl EscalationFilter {
    /// `condition` in memory, for the live feed (see `in_scope`).
    pub fn admits(&self, e: &escalation::Model) -> bool {
        self.kind.is_none_or(|k| e.kind == k)
            && self.rule.as_ref().is_none_or(|r| e.rule == *r)
            && self.org_id.is_none_or(|o| e.org_id == o)
            && self.subject_id.is_none_or(|s| e.subject_id == s)
            && self
                .responsible_org_id
                .is_none_or(|o| e.responsible_org_id == Some(o) || (e.responsible_org_id.is_none() && e.org_id == o))
            && self.severity.is_none_or(|s| severity(e.kind, &e.rule) == s)
            && self.acknowledged.is_none_or(|a| e.acknowledged_at.is_some() == a)
            && self.raised.contains(e.raised_at)
    }

    fn condition(&self) -> Condition {
        let mut c = Condition::all().add(self.raised.condition(escalation::Column::RaisedAt));
        if let Some(k) = self.kind {
            c = c.add(escalation::Column::Kind.eq(k));
        }
        if let Some(r) = &self.rule {
            c = c.add(escalation::Column::Rule.eq(r.clone()));
        }
        if let Some(o) = self.org_id {
            c = c.add(escalation::Column::OrgId.eq(o));
        }
        if let Some(s) = self.subject_id {
            c = c.add(escalation::Column::SubjectId.eq(s));
        }
        if let Some(o) = self.responsible_org_id {
            c = c.add(responsible_condition(o));
        }
        if let Some(s) = self.severity {
            c = c.add(severity_condition(s));
        }
        match self.acknowledged {
            Some(true) => c = c.add(escalation::Column::AcknowledgedAt.is_not_null()),
            Some(false) => c = c.add(escalation::Column::AcknowledgedAt.is_null()),
            None => {}
        }
        if let Some(t) = self.updated_after {
            c = c.add(super::changes::updated_since("escalation", escalation::Column::Id, t));
        }
        c
    }
}

/// Escalations in sequence (= commit) order, a window of them forward or back.
pub async fn list(
    ctx: &Ctx,
    p: &Principal,
    f: &EscalationFilter,
    w: &Window<i64>,
) -> ServiceResult<Page<escalation::Model>> {
    super::changes::check_since(ctx, f.updated_after)?;
    paging::read(&ctx.db, filtered(p, f)?, escalation::Column::Seq, &Sort::<paging::KeyOrder>::default(), w).await
}

/// `escalations { totalCount }`.
pub async fn count(ctx: &Ctx, p: &Principal, f: &EscalationFilter) -> ServiceResult<u64> {
    super::count_rows(&ctx.db, filtered(p, f)?).await
}

/// The caller's escalations under the filter: what every page (forward or backward) and
/// every count reads.
fn filtered(p: &Principal, f: &EscalationFilter) -> ServiceResult<sea_orm::Select<escalation::Entity>> {
    Ok(escalation::Entity::find().filter(escalation_scope(p)?).filter(f.condition()))
}

/// The `escalations` subscription: those after `after_seq` (from now when `None`), read
/// from the table, then each new one from the process's feed (`escalations::feed`), filtered
/// here by scope and filter. Behind the feed's buffer, it reads the table again: nothing
/// is lost and nothing doubled (sequence numbers only grow, in commit order).
pub async fn live(
    ctx: &Ctx,
    p: &Principal,
    filter: EscalationFilter,
    after_seq: Option<i64>,
) -> ServiceResult<impl futures_util::Stream<Item = ServiceResult<escalation::Model>> + use<>> {
    escalation_scope(p)?;
    // Subscribe before reading the table, so nothing raised in between is missed.
    let feed = ctx.escalation_feed.subscribe(ctx).await?;
    let last_seq = match after_seq {
        Some(s) => s,
        None => latest_seq(ctx).await?,
    };
    Ok(Live::stream(ctx, p, filter, last_seq, Some(feed), None))
}

/// Those of the subscription's escalations after `after_seq` up to `until_seq`, read from
/// the table, and then the end: how a subscriber joining a shared rendering of the
/// subscription (`http::shared`) catches up to where the shared one is.
pub fn replay(
    ctx: &Ctx,
    p: &Principal,
    filter: EscalationFilter,
    after_seq: i64,
    until_seq: i64,
) -> ServiceResult<impl futures_util::Stream<Item = ServiceResult<escalation::Model>> + use<>> {
    escalation_scope(p)?;
    Ok(Live::stream(ctx, p, filter, after_seq, None, Some(until_seq)))
}

struct Live {
    ctx: Ctx,
    principal: Principal,
    filter: EscalationFilter,
    /// The last escalation delivered.
    last_seq: i64,
    backlog: std::collections::VecDeque<escalation::Model>,
    /// Reading the table (at the start, and after falling behind the feed).
    catching_up: bool,
    /// New escalations; `None` for a replay, which ends where the table read does.
    feed: Option<tokio::sync::broadcast::Receiver<std::sync::Arc<escalation::Model>>>,
    /// The last escalation a replay delivers.
    until_seq: Option<i64>,
}

impl Live {
    fn stream(
        ctx: &Ctx,
        p: &Principal,
        filter: EscalationFilter,
        last_seq: i64,
        feed: Option<tokio::sync::broadcast::Receiver<std::sync::Arc<escalation::Model>>>,
        until_seq: Option<i64>,
    ) -> impl futures_util::Stream<Item = ServiceResult<escalation::Model>> + use<> {
        let live = Live {
            ctx: ctx.clone(),
            principal: p.clone(),
            filter,
            last_seq,
            backlog: std::collections::VecDeque::new(),
            catching_up: true,
            feed,
            until_seq,
        };
        futures_util::stream::unfold(live, Live::next)
    }

    async fn next(mut self) -> Option<(ServiceResult<escalation::Model>, Self)> {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            if let Some(e) = self.backlog.pop_front() {
                self.last_seq = e.seq;
                return Some((Ok(e), self));
            }
            if self.catching_up {
                match list(&self.ctx, &self.principal, &self.filter, &Window::forward(Some(self.last_seq), 100)).await {
                    Ok(page) => {
                        let until = self.until_seq.unwrap_or(i64::MAX);
                        let past = page.items.iter().any(|e| e.seq > until);
                        self.catching_up = page.has_next && !past;
                        self.backlog.extend(page.items.into_iter().filter(|e| e.seq <= until));
                        continue;
                    }
                    Err(e) => return Some((Err(e), self)),
                }
            }
            let feed = self.feed.as_mut()?;
            match feed.recv().await {
                Ok(e)
                    if e.seq > self.last_seq
                        && scope::escalation_admits(&self.principal, &e)
                        && self.filter.admits(&e) =>
                {
                    self.last_seq = e.seq;
                    return Some((Ok((*e).clone()), self));
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => self.catching_up = true,
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

/// The highest sequence number raised so far (0 when none): where a live-only
/// subscription starts.
pub async fn latest_seq(ctx: &Ctx) -> ServiceResult<i64> {
    let last = escalation::Entity::find().order_by_desc(escalation::Column::Seq).one(&ctx.db).await?;
    Ok(last.map(|e| e.seq).unwrap_or(0))
}

pub async fn get(ctx: &Ctx, p: &Principal, id: Uuid) -> ServiceResult<escalation::Model> {
    escalation::Entity::find()
        .filter(escalation::Column::Id.eq(id))
        .filter(escalation_scope(p)?)
        .one(&ctx.db)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// The regulator acknowledges an escalation of its jurisdiction: it has seen it and taken
/// it up. Audited (`escalation.acknowledged`) and announced; the escalation stays in the
/// stream and in the statistics. Acknowledging one already acknowledged is a CONFLICT
/// user error (the first acknowledgement, its author and note are kept, not overwritten).
pub async fn acknowledge(ctx: &Ctx, p: &Principal, id: Uuid, note: String) -> ServiceResult<escalation::Model> {
    scope::permit(p.supervises(), "the supervising authority acknowledges escalations")?;
    let mut problems = Problems::new();
    problems.required("note", &note);
    problems.finish()?;
    ctx.write(Actor::from(p), async |w| {
        // Of two acknowledgements at once the second reads the first's and is refused.
        let e = w
            .for_change_where::<escalation::Entity>(
                escalation_scope(p)?,
                Condition::all().add(escalation::Column::Id.eq(id)),
            )
            .await?;
        if let Some(at) = e.acknowledged_at {
            return Err(ServiceError::user(
                UserError::conflict(&["escalationId"], UserErrorReason::AlreadyDone)
                    .with_param("acknowledgedAt", at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            ));
        }
        let mut after = e.clone();
        after.acknowledged_at = Some(w.now);
        after.acknowledged_by = Some(p.key());
        after.acknowledgement_note = Some(note);
        escalation::Entity::update(after.clone().into_active_model().reset_all()).exec(w.txn()).await?;
        let subject = Subject::new("escalation", e.id);
        w.audit(
            "escalation.acknowledged",
            subject,
            Some(e.org_id),
            Some(json!({ "acknowledgedAt": null })),
            Some(json!({ "acknowledgedAt": after.acknowledged_at, "acknowledgedBy": after.acknowledged_by,
                "note": after.acknowledgement_note })),
        );
        w.event(
            "escalation.acknowledged",
            subject,
            Visibility { org_id: Some(e.org_id), jurisdiction: Some(e.jurisdiction) },
            json!({ "seq": e.seq, "acknowledgedAt": after.acknowledged_at }),
        );
        Ok(after)
    })
    .await
}

#[derive(Debug, Clone, Default)]
pub struct DeadlineFilter {
    pub status: Option<DeadlineStatus>,
    pub kind: Option<DeadlineKind>,
    pub subject_id: Option<Uuid>,
    /// On `due_at`.
    pub due: super::Range<DateTime<Utc>>,
    /// Records changed (created included) at or after this instant: see `services::changes`.
    pub updated_after: Option<DateTime<Utc>>,
}

paging::sort_fields!(
    /// What `deadlines` may be sorted by (then by id).
    DeadlineOrderField for deadline {
        /// When the duty falls due.
        DueAt => "DUE_AT", Instant(DueAt, due_at);
        /// When its clock started.
        StartedAt => "STARTED_AT", Instant(StartedAt, started_at);
    }
);

/// `deadlines`: a window in `sort`'s order (by default by id: UUIDv7, the order their
/// clocks were started).
pub async fn deadlines(
    ctx: &Ctx,
    p: &Principal,
    f: &DeadlineFilter,
    sort: &Sort<DeadlineOrderField>,
    w: &Window<Uuid>,
) -> ServiceResult<Page<deadline::Model>> {
    super::changes::check_since(ctx, f.updated_after)?;
    paging::read(&ctx.db, deadlines_filtered(p, f)?, deadline::Column::Id, sort, w).await
}

/// `deadlines { totalCount }`.
pub async fn count_deadlines(ctx: &Ctx, p: &Principal, f: &DeadlineFilter) -> ServiceResult<u64> {
    super::count_rows(&ctx.db, deadlines_filtered(p, f)?).await
}

fn deadlines_filtered(p: &Principal, f: &DeadlineFilter) -> ServiceResult<sea_orm::Select<deadline::Entity>> {
    let mut q = deadline::Entity::find().filter(deadline_scope(p)?).filter(f.due.condition(deadline::Column::DueAt));
    if let Some(s) = f.status {
        q = q.filter(deadline::Column::Status.eq(s));
    }
    if let Some(k) = f.kind {
        q = q.filter(deadline::Column::Kind.eq(k));
    }
    if let Some(s) = f.subject_id {
        q = q.filter(deadline::Column::SubjectId.eq(s));
    }
    if let Some(t) = f.updated_after {
        q = q.filter(super::changes::updated_since("deadline", deadline::Column::Id, t));
    }
    Ok(q)
}

pub async fn get_deadline(ctx: &Ctx, p: &Principal, id: Uuid) -> ServiceResult<deadline::Model> {
    deadline::Entity::find_by_id(id).filter(deadline_scope(p)?).one(&ctx.db).await?.ok_or(ServiceError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_reads_the_rule_family_and_falls_back_per_kind() {
        use EscalationKind::{DeadlineMissed, RuleBreach};
        assert_eq!(severity(DeadlineMissed, "C4"), EscalationSeverity::Low);
        assert_eq!(severity(DeadlineMissed, "C8"), EscalationSeverity::Medium);
        assert_eq!(severity(RuleBreach, "R17.3"), EscalationSeverity::High, "R17's point 3 is R17");
        assert_eq!(severity(RuleBreach, "R16"), EscalationSeverity::Critical);
        assert_eq!(severity(RuleBreach, "C8"), EscalationSeverity::High, "unlisted breach");
        assert_eq!(severity(DeadlineMissed, "Z1"), EscalationSeverity::Medium, "unlisted deadline");
    }
}
