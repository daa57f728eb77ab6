//! The supervising authority's statistics: counts of complaints, restructuring
//! applications, contacts, assignments, deferrals, escalations and deadlines over a period
//! of the jurisdiction's local dates, per MFO, per collection agency and in total.
//!
//! Every figure is a SQL aggregate (`COUNT(*) … GROUP BY`), one statement per family of
//! figures, grouped by the organisation, so the database does the counting on both engines
//! and no record is loaded into memory; the totals are the sums of the per-MFO counts.
//! Timeliness is read from the deadline rows' status (met / missed), which the services and
//! the scanner set, counting C8's extension (an extended deadline carries its moved due
//! time); nothing here re-applies the law.
//!
//! Which instant puts a record in the period: a complaint or information request its
//! receipt (`received_at`), an application its receipt, an appeal its filing, a contact when
//! it happened, an assignment when it was made, a deferral the credit bureau's data, an
//! escalation when it was raised, a deadline its last allowed local day (`due_date`).
//!
//! It must not: decide who may see what other than through `authorize` below, or compute
//! a figure the deadline table already holds.

mod figures;
mod sql;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use entity::enums::{Jurisdiction, OrgKind, Role};
use entity::organization;
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{DbBackend, EntityTrait};
use uuid::Uuid;

use super::Ctx;
use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::rules::calendar;

use figures::{
    application_figures, assignment_figures, complaint_figures, contact_figures, deadline_figures, deferral_figures,
    escalation_figures, weekly,
};
use sql::{col, from, grouped};

/// The longest period asked about at once: a year and a day.
pub const MAX_PERIOD_DAYS: i64 = 366;

/// The most weeks (Monday to Sunday) a period can meet, so the most rows of
/// `complaintsByWeek`: a period of 366 days from a Sunday meets one day of its first week,
/// 52 whole weeks and a last week of one day, 54 in all.
pub const MAX_WEEKS: usize = (MAX_PERIOD_DAYS as usize).div_ceil(7) + 1;

/// Counts by a stored value (an enum's stored spelling or a rule ID), sorted by key.
pub type CountBy = BTreeMap<String, i64>;

/// The most keys a `CountBy` holds, by which each of its lists is weighed: one per value of
/// a stored enum (a dozen at most) or per rule ID the services write (under 50), and NONE.
pub const MAX_KEYS: usize = 64;

/// A kind of deadline's rows by status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeadlineFigures {
    pub open: i64,
    pub met: i64,
    pub missed: i64,
    pub cancelled: i64,
}

impl DeadlineFigures {
    fn add(&mut self, status: &str, n: i64) {
        match status {
            "OPEN" => self.open += n,
            "MET" => self.met += n,
            "MISSED" => self.missed += n,
            _ => self.cancelled += n,
        }
    }
    fn merge(&mut self, o: &Self) {
        self.open += o.open;
        self.met += o.met;
        self.missed += o.missed;
        self.cancelled += o.cancelled;
    }
}

/// A duty's outcome on the records of the period, from its deadline row: met; missed and
/// done since (late); missed and still not done (open overdue); open and not yet due.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeliness {
    pub on_time: i64,
    pub late: i64,
    pub open_overdue: i64,
    pub open_in_time: i64,
}

impl Timeliness {
    fn add(&mut self, key: &str, n: i64) {
        match key {
            "ON_TIME" => self.on_time += n,
            "LATE" => self.late += n,
            "OPEN_OVERDUE" => self.open_overdue += n,
            "OPEN" => self.open_in_time += n,
            // Missed, then closed without the duty done (e.g. left without consideration),
            // or cancelled: neither on time nor late.
            _ => {}
        }
    }
    fn merge(&mut self, o: &Self) {
        self.on_time += o.on_time;
        self.late += o.late;
        self.open_overdue += o.open_overdue;
        self.open_in_time += o.open_in_time;
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComplaintFigures {
    pub total: i64,
    pub by_channel: CountBy,
    pub by_kind: CountBy,
    pub by_form: CountBy,
    pub by_language: CountBy,
    /// By status (ANSWERED, LEFT_WITHOUT_CONSIDERATION, …).
    pub by_outcome: CountBy,
    /// C8, counting the extension.
    pub answer: Timeliness,
    /// C8: complaints whose answer deadline was extended.
    pub extensions_used: i64,
    /// C3: left without consideration, by reason (ANONYMOUS, ABUSIVE).
    pub left_without_consideration_by_reason: CountBy,
    /// C4: registration within one business day.
    pub registration: DeadlineFigures,
    /// C5: e-mail acknowledgement by the next business day.
    pub acknowledgement: DeadlineFigures,
    /// C9: loan information requests.
    pub info_requests: i64,
    pub info_requests_answer: Timeliness,
    pub info_requests_beyond_free: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationFigures {
    pub total: i64,
    pub by_measure_requested: CountBy,
    pub by_status: CountBy,
    /// APPROVED, COUNTER_PROPOSAL, REFUSED, DEEMED_REFUSAL, LEFT_WITHOUT_REVIEW.
    pub by_outcome: CountBy,
    /// R8.
    pub decision: Timeliness,
    /// R11: the implementation deadlines of the period's applications.
    pub implementation: DeadlineFigures,
    /// R15: appeals filed in the period.
    pub appeals: i64,
    pub appeals_by_outcome: CountBy,
    /// R16: appeals that opened a home-protection window.
    pub home_protection_windows: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactFigures {
    pub total: i64,
    pub by_channel: CountBy,
    pub by_violated_rule: CountBy,
    pub with_violations: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeferralFigures {
    pub total: i64,
    pub by_status: CountBy,
    /// M1: the grant deadlines of the period's deferrals.
    pub grant: DeadlineFigures,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EscalationFigures {
    pub total: i64,
    pub by_kind: CountBy,
    pub by_rule: CountBy,
    pub by_severity: CountBy,
    pub acknowledged: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub complaints: ComplaintFigures,
    pub applications: ApplicationFigures,
    pub contacts: ContactFigures,
    pub assignments: i64,
    pub deferrals: DeferralFigures,
    pub escalations: EscalationFigures,
    pub deadlines: DeadlineFigures,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgencyFigures {
    pub contacts: ContactFigures,
    pub assignments: i64,
    pub escalations: i64,
}

/// C8 of the complaints received in a week (Monday to Sunday, local).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekFigures {
    pub week_start: NaiveDate,
    pub answer: Timeliness,
}

#[derive(Debug, Clone)]
pub struct Statistics {
    pub jurisdiction: Jurisdiction,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: Figures,
    /// Per MFO with any record in the period, by MFO id.
    pub by_mfo: Vec<(Uuid, Figures)>,
    /// Per collection agency with a contact, an assignment or an escalation in the period.
    pub by_agency: Vec<(Uuid, AgencyFigures)>,
    pub weeks: Vec<WeekFigures>,
}

/// What was asked.
#[derive(Debug, Clone)]
pub struct Request {
    pub jurisdiction: Jurisdiction,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub mfo_id: Option<Uuid>,
    pub responsible_org_id: Option<Uuid>,
}

/// The request as the statements apply it: UTC bounds of the local dates, and filters.
struct Scope {
    backend: DbBackend,
    j: Jurisdiction,
    from: NaiveDate,
    to: NaiveDate,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    mfo: Option<Uuid>,
    responsible: Option<Uuid>,
}

impl Scope {
    /// An MFO's own duties (complaints, applications, appeals, deferrals, deadlines) of the
    /// jurisdiction in table `t`: of the asked MFO and, with a responsible organisation, of
    /// that organisation as the MFO (an agency has none).
    fn mfo_duties(&self, t: &str, mfo_col: &str, at_col: &str) -> Condition {
        let mut c = Condition::all().add(col(t, "jurisdiction").eq(self.j));
        for o in [self.mfo, self.responsible].into_iter().flatten() {
            c = c.add(col(t, mfo_col).eq(o));
        }
        c.add(self.during(t, at_col))
    }
    fn during(&self, t: &str, at_col: &str) -> Condition {
        Condition::all().add(col(t, at_col).gte(self.start)).add(col(t, at_col).lt(self.end))
    }
    /// Contacts of the period: of the asked MFO's loans, made by the responsible organisation.
    fn contacts(&self) -> Condition {
        let mut c = Condition::all().add(col("t", "jurisdiction").eq(self.j)).add(self.during("t", "occurred_at"));
        if let Some(m) = self.mfo {
            c = c.add(col("t", "mfo_id").eq(m));
        }
        if let Some(r) = self.responsible {
            c = c.add(col("t", "contactor_org_id").eq(r));
        }
        c
    }
    /// Assignments (`t`, joined to their loan `l`) of the period: of the asked MFO's loans;
    /// with a responsible organisation, those it made (an MFO) or received (an agency).
    fn assignments(&self) -> Condition {
        let mut c = Condition::all().add(col("l", "jurisdiction").eq(self.j)).add(self.during("t", "assigned_at"));
        if let Some(m) = self.mfo {
            c = c.add(col("l", "mfo_id").eq(m));
        }
        if let Some(r) = self.responsible {
            c = c.add(Condition::any().add(col("t", "agency_id").eq(r)).add(col("l", "mfo_id").eq(r)));
        }
        c
    }
    /// Escalations of the period: of the asked MFO's records, attributed to the responsible
    /// organisation (`escalations::responsible_condition`).
    fn escalations(&self) -> Condition {
        let mut c = Condition::all().add(col("t", "jurisdiction").eq(self.j)).add(self.during("t", "raised_at"));
        if let Some(m) = self.mfo {
            c = c.add(col("t", "org_id").eq(m));
        }
        if let Some(r) = self.responsible {
            c = c.add(
                Condition::any()
                    .add(col("t", "responsible_org_id").eq(r))
                    .add(Condition::all().add(col("t", "responsible_org_id").is_null()).add(col("t", "org_id").eq(r))),
            );
        }
        c
    }
    /// Deadlines whose last allowed local day is in the period.
    fn deadlines(&self) -> Condition {
        let mut c = Condition::all()
            .add(col("t", "jurisdiction").eq(self.j))
            .add(col("t", "due_date").gte(self.from))
            .add(col("t", "due_date").lte(self.to));
        for o in [self.mfo, self.responsible].into_iter().flatten() {
            c = c.add(col("t", "org_id").eq(o));
        }
        c
    }
}

/// Who may ask, and about what: REGULATOR its jurisdiction (another one is FORBIDDEN);
/// MFO_MANAGER its own MFO only (another MFO, or another jurisdiction, is NOT_FOUND as
/// for a missing one); everyone else FORBIDDEN. The MFO and the responsible organisation
/// asked about must be of the jurisdiction (else NOT_FOUND).
async fn authorize(ctx: &Ctx, p: &Principal, r: &mut Request) -> ServiceResult<()> {
    match p.role {
        Role::Regulator => {
            if r.jurisdiction != p.jurisdiction {
                return Err(ServiceError::Forbidden("a regulator's statistics are of its own jurisdiction"));
            }
        }
        Role::MfoManager => {
            if r.jurisdiction != p.jurisdiction || r.mfo_id.is_some_and(|m| m != p.org_id.0) {
                return Err(ServiceError::NotFound);
            }
            r.mfo_id = Some(p.org_id.0);
        }
        Role::MfoStaff | Role::Borrower | Role::CollectionAgency => {
            return Err(ServiceError::Forbidden("statistics are for the regulator and MFO managers"));
        }
    }
    for (id, mfo_only) in [(r.mfo_id, true), (r.responsible_org_id, false)] {
        let Some(id) = id else { continue };
        let org = organization::Entity::find_by_id(id).one(&ctx.db).await?.ok_or(ServiceError::NotFound)?;
        let kind_ok = match org.kind {
            OrgKind::Mfo => true,
            OrgKind::CollectionAgency => !mfo_only,
            OrgKind::Regulator => false,
        };
        if org.jurisdiction != r.jurisdiction || !kind_ok {
            return Err(ServiceError::NotFound);
        }
    }
    if r.to < r.from {
        return Err(ServiceError::user(
            UserError::invalid(&["to"], UserErrorReason::EndBeforeStart).with_param("start", "from"),
        ));
    }
    if (r.to - r.from).num_days() >= MAX_PERIOD_DAYS {
        return Err(ServiceError::user(
            UserError::invalid(&["to"], UserErrorReason::PeriodTooLong).with_param("maxDays", MAX_PERIOD_DAYS),
        ));
    }
    Ok(())
}

/// The first instant of a local date of the jurisdiction, in UTC.
fn start_of(j: Jurisdiction, d: NaiveDate) -> DateTime<Utc> {
    calendar::Calendar::new(j, []).instant(d, NaiveTime::MIN)
}

pub async fn regulator_statistics(ctx: &Ctx, p: &Principal, mut r: Request) -> ServiceResult<Statistics> {
    authorize(ctx, p, &mut r).await?;
    let s = Scope {
        backend: ctx.db.get_database_backend(),
        j: r.jurisdiction,
        from: r.from,
        to: r.to,
        start: start_of(r.jurisdiction, r.from),
        end: start_of(r.jurisdiction, r.to + Duration::days(1)),
        mfo: r.mfo_id,
        responsible: r.responsible_org_id,
    };
    let db = &ctx.db;
    let mut mfos: HashMap<Uuid, Figures> = HashMap::new();
    let mut agencies: HashMap<Uuid, AgencyFigures> = HashMap::new();
    let agency_ids: BTreeSet<Uuid> = {
        let q = from("organization").cond_where(col("t", "kind").eq(OrgKind::CollectionAgency)).to_owned();
        grouped(db, q, col("t", "id"), Expr::cust("'A'")).await?.into_iter().map(|(g, _, _)| g).collect()
    };
    complaint_figures(db, &s, &mut mfos).await?;
    application_figures(db, &s, &mut mfos).await?;
    contact_figures(db, &s, &agency_ids, &mut mfos, &mut agencies).await?;
    assignment_figures(db, &s, &mut mfos, &mut agencies).await?;
    deferral_figures(db, &s, &mut mfos).await?;
    escalation_figures(db, &s, &agency_ids, &mut mfos, &mut agencies).await?;
    deadline_figures(db, &s, &mut mfos).await?;
    let weeks = weekly(db, &s).await?;
    let mut total = Figures::default();
    let mut by_mfo: Vec<(Uuid, Figures)> = mfos.into_iter().collect();
    by_mfo.sort_by_key(|(id, _)| *id);
    for (_, f) in &by_mfo {
        total.merge(f);
    }
    let mut by_agency: Vec<(Uuid, AgencyFigures)> = agencies.into_iter().collect();
    by_agency.sort_by_key(|(id, _)| *id);
    Ok(Statistics { jurisdiction: r.jurisdiction, from: r.from, to: r.to, total, by_mfo, by_agency, weeks })
}

fn merge_counts(into: &mut CountBy, from: &CountBy) {
    for (k, n) in from {
        *into.entry(k.clone()).or_default() += n;
    }
}

impl Figures {
    fn merge(&mut self, o: &Figures) {
        let (c, oc) = (&mut self.complaints, &o.complaints);
        c.total += oc.total;
        merge_counts(&mut c.by_channel, &oc.by_channel);
        merge_counts(&mut c.by_kind, &oc.by_kind);
        merge_counts(&mut c.by_form, &oc.by_form);
        merge_counts(&mut c.by_language, &oc.by_language);
        merge_counts(&mut c.by_outcome, &oc.by_outcome);
        c.answer.merge(&oc.answer);
        c.extensions_used += oc.extensions_used;
        merge_counts(&mut c.left_without_consideration_by_reason, &oc.left_without_consideration_by_reason);
        c.registration.merge(&oc.registration);
        c.acknowledgement.merge(&oc.acknowledgement);
        c.info_requests += oc.info_requests;
        c.info_requests_answer.merge(&oc.info_requests_answer);
        c.info_requests_beyond_free += oc.info_requests_beyond_free;
        let (a, oa) = (&mut self.applications, &o.applications);
        a.total += oa.total;
        merge_counts(&mut a.by_measure_requested, &oa.by_measure_requested);
        merge_counts(&mut a.by_status, &oa.by_status);
        merge_counts(&mut a.by_outcome, &oa.by_outcome);
        a.decision.merge(&oa.decision);
        a.implementation.merge(&oa.implementation);
        a.appeals += oa.appeals;
        merge_counts(&mut a.appeals_by_outcome, &oa.appeals_by_outcome);
        a.home_protection_windows += oa.home_protection_windows;
        let (t, ot) = (&mut self.contacts, &o.contacts);
        t.total += ot.total;
        merge_counts(&mut t.by_channel, &ot.by_channel);
        merge_counts(&mut t.by_violated_rule, &ot.by_violated_rule);
        t.with_violations += ot.with_violations;
        self.assignments += o.assignments;
        self.deferrals.total += o.deferrals.total;
        merge_counts(&mut self.deferrals.by_status, &o.deferrals.by_status);
        self.deferrals.grant.merge(&o.deferrals.grant);
        let (e, oe) = (&mut self.escalations, &o.escalations);
        e.total += oe.total;
        merge_counts(&mut e.by_kind, &oe.by_kind);
        merge_counts(&mut e.by_rule, &oe.by_rule);
        merge_counts(&mut e.by_severity, &oe.by_severity);
        e.acknowledged += oe.acknowledged;
        self.deadlines.merge(&o.deadlines);
    }
}
