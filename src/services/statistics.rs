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

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use entity::enums::{Jurisdiction, OrgKind, Role};
use entity::organization;
use sea_orm::sea_query::{
    Alias, Condition, Expr, ExprTrait, IntoCondition, JoinType, Query, SelectStatement, SimpleExpr,
};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement};
use uuid::Uuid;

use super::Ctx;
use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult, UserError};
use crate::rules::calendar;

/// The longest period asked about at once: a year and a day (53 weekly buckets at most).
pub const MAX_PERIOD_DAYS: i64 = 366;

/// Counts by a stored value (an enum's stored spelling or a rule ID), sorted by key.
pub type CountBy = BTreeMap<String, i64>;

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

fn col(table: &str, c: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(c)))
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

/// `(group, key, count)` rows of `SELECT g, k, COUNT(*) … GROUP BY g, k`.
async fn grouped(
    db: &impl ConnectionTrait,
    mut q: SelectStatement,
    g: Expr,
    k: Expr,
) -> ServiceResult<Vec<(Uuid, String, i64)>> {
    q.expr_as(g.clone(), Alias::new("g"))
        .expr_as(k.clone(), Alias::new("k"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        // By position: PostgreSQL would not see two bound copies of an expression as one.
        .add_group_by([Expr::cust("1"), Expr::cust("2")]);
    rows(db, db.get_database_backend().build(&q)).await
}

async fn rows(db: &impl ConnectionTrait, stmt: Statement) -> ServiceResult<Vec<(Uuid, String, i64)>> {
    let mut out = Vec::new();
    for r in db.query_all_raw(stmt).await? {
        let g: Uuid = r.try_get("", "g")?;
        let k: Option<String> = r.try_get("", "k")?;
        let n: i64 = r.try_get("", "n")?;
        out.push((g, k.unwrap_or_else(|| "NONE".to_owned()), n));
    }
    Ok(out)
}

fn from(table: &str) -> SelectStatement {
    Query::select().from_as(Alias::new(table), Alias::new("t")).to_owned()
}

/// `t` joined to its deadline `d` of `kind`.
fn with_deadline(table: &str, kind: &str) -> SelectStatement {
    let mut q = from(table);
    q.join_as(
        JoinType::InnerJoin,
        Alias::new("deadline"),
        Alias::new("d"),
        Condition::all()
            .add(col("d", "subject_id").equals((Alias::new("t"), Alias::new("id"))))
            .add(col("d", "kind").eq(kind)),
    );
    q
}

/// A duty's outcome from its deadline `d` and whether the record is done (`done`) or still
/// waiting for it (`waiting`), both SQL over `t`'s columns, constant text only.
fn timeliness(done: &str, waiting: &str) -> Expr {
    Expr::cust(format!(
        "CASE WHEN d.status = 'MET' THEN 'ON_TIME' \
         WHEN d.status = 'MISSED' AND {done} THEN 'LATE' \
         WHEN d.status = 'MISSED' AND {waiting} THEN 'OPEN_OVERDUE' \
         WHEN d.status = 'OPEN' THEN 'OPEN' ELSE 'OTHER' END"
    ))
}

const COMPLAINT_ANSWERED: &str = "t.status IN ('ANSWERED', 'ANSWERED_ORALLY')";
const COMPLAINT_WAITING: &str = "t.status IN ('REGISTERED', 'FORWARDED', 'UNDER_REVIEW')";
const APPLICATION_DECIDED: &str = "t.status IN ('APPROVED', 'COUNTER_PROPOSED', 'AGREED', 'COUNTER_REJECTED', 'REFUSED', 'DEEMED_REFUSED', 'IMPLEMENTED')";
const APPLICATION_WAITING: &str = "t.status IN ('REGISTERED', 'DOCUMENTS_REQUESTED')";

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
            UserError::invalid(&["to"], crate::error::UserErrorReason::EndBeforeStart).with_param("start", "from"),
        ));
    }
    if (r.to - r.from).num_days() >= MAX_PERIOD_DAYS {
        return Err(ServiceError::user(
            UserError::invalid(&["to"], crate::error::UserErrorReason::PeriodTooLong)
                .with_param("maxDays", MAX_PERIOD_DAYS),
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
    macro_rules! each {
        ($rows:expr, |$f:ident, $k:ident, $n:ident| $body:expr) => {
            for (g, $k, $n) in $rows {
                let $f = mfos.entry(g).or_default();
                let $k = $k.as_str();
                $body;
            }
        };
    }

    // Complaints (C1–C9).
    let c = || from("complaint").cond_where(s.mfo_duties("t", "mfo_id", "received_at")).to_owned();
    let g = || col("t", "mfo_id");
    each!(grouped(db, c(), g(), col("t", "channel")).await?, |f, k, n| {
        f.complaints.total += n;
        *f.complaints.by_channel.entry(k.to_owned()).or_default() += n
    });
    each!(grouped(db, c(), g(), col("t", "kind")).await?, |f, k, n| *f
        .complaints
        .by_kind
        .entry(k.to_owned())
        .or_default() += n);
    each!(grouped(db, c(), g(), col("t", "form")).await?, |f, k, n| *f
        .complaints
        .by_form
        .entry(k.to_owned())
        .or_default() += n);
    each!(grouped(db, c(), g(), col("t", "language")).await?, |f, k, n| *f
        .complaints
        .by_language
        .entry(k.to_owned())
        .or_default() += n);
    each!(grouped(db, c(), g(), col("t", "status")).await?, |f, k, n| *f
        .complaints
        .by_outcome
        .entry(k.to_owned())
        .or_default() += n);
    let left = c().and_where(col("t", "status").eq("LEFT_WITHOUT_CONSIDERATION")).to_owned();
    each!(grouped(db, left, g(), col("t", "closure_reason")).await?, |f, k, n| *f
        .complaints
        .left_without_consideration_by_reason
        .entry(k.to_owned())
        .or_default() += n);
    let extended = c().and_where(col("t", "extended_at").is_not_null()).to_owned();
    each!(grouped(db, extended, g(), Expr::cust("'E'")).await?, |f, _k, n| f.complaints.extensions_used += n);
    let c8 =
        |kind: &str| with_deadline("complaint", kind).cond_where(s.mfo_duties("t", "mfo_id", "received_at")).to_owned();
    each!(
        grouped(db, c8("COMPLAINT_ANSWER"), g(), timeliness(COMPLAINT_ANSWERED, COMPLAINT_WAITING)).await?,
        |f, k, n| f.complaints.answer.add(k, n)
    );
    each!(grouped(db, c8("COMPLAINT_REGISTRATION"), g(), col("d", "status")).await?, |f, k, n| f
        .complaints
        .registration
        .add(k, n));
    each!(grouped(db, c8("COMPLAINT_ACKNOWLEDGEMENT"), g(), col("d", "status")).await?, |f, k, n| f
        .complaints
        .acknowledgement
        .add(k, n));
    // C9: information requests.
    let ir = || from("info_request").cond_where(s.mfo_duties("t", "mfo_id", "received_at")).to_owned();
    let beyond = Expr::cust("CASE WHEN t.beyond_free_monthly THEN 'BEYOND' ELSE 'FREE' END");
    each!(grouped(db, ir(), g(), beyond).await?, |f, k, n| {
        f.complaints.info_requests += n;
        if k == "BEYOND" {
            f.complaints.info_requests_beyond_free += n
        }
    });
    let c9 = with_deadline("info_request", "INFO_REQUEST_ANSWER")
        .cond_where(s.mfo_duties("t", "mfo_id", "received_at"))
        .to_owned();
    each!(grouped(db, c9, g(), timeliness("t.status = 'ANSWERED'", "t.status = 'OPEN'")).await?, |f, k, n| f
        .complaints
        .info_requests_answer
        .add(k, n));

    // Restructuring applications (R2–R16).
    let a = || from("restructuring_application").cond_where(s.mfo_duties("t", "mfo_id", "received_at")).to_owned();
    each!(grouped(db, a(), g(), col("t", "status")).await?, |f, k, n| {
        f.applications.total += n;
        *f.applications.by_status.entry(k.to_owned()).or_default() += n;
        let outcome = match k {
            "DEEMED_REFUSED" => Some("DEEMED_REFUSAL"),
            "LEFT_WITHOUT_REVIEW" => Some("LEFT_WITHOUT_REVIEW"),
            _ => None,
        };
        if let Some(o) = outcome {
            *f.applications.by_outcome.entry(o.to_owned()).or_default() += n
        }
    });
    let decided = a()
        .join_as(
            JoinType::InnerJoin,
            Alias::new("decision"),
            Alias::new("d"),
            Condition::all()
                .add(col("d", "application_id").equals((Alias::new("t"), Alias::new("id"))))
                .add(col("d", "draft").eq(false))
                .add(col("d", "decided_at").is_not_null()),
        )
        .to_owned();
    each!(grouped(db, decided, g(), col("d", "kind")).await?, |f, k, n| {
        let o = match k {
            "APPROVE" => "APPROVED",
            "REFUSE" => "REFUSED",
            other => other,
        };
        *f.applications.by_outcome.entry(o.to_owned()).or_default() += n
    });
    let measures = measure_statement(&s, a());
    each!(rows(db, measures).await?, |f, k, n| *f
        .applications
        .by_measure_requested
        .entry(k.to_owned())
        .or_default() += n);
    let r8 = with_deadline("restructuring_application", "APPLICATION_DECISION")
        .cond_where(s.mfo_duties("t", "mfo_id", "received_at"))
        .to_owned();
    each!(grouped(db, r8, g(), timeliness(APPLICATION_DECIDED, APPLICATION_WAITING)).await?, |f, k, n| f
        .applications
        .decision
        .add(k, n));
    let r11 = with_deadline("restructuring_application", "DECISION_IMPLEMENTATION")
        .cond_where(s.mfo_duties("t", "mfo_id", "received_at"))
        .to_owned();
    each!(grouped(db, r11, g(), col("d", "status")).await?, |f, k, n| f.applications.implementation.add(k, n));
    let appeals = from("regulator_appeal").cond_where(s.mfo_duties("t", "mfo_id", "filed_at")).to_owned();
    let outcome = Expr::cust("CASE WHEN t.outcome IS NULL THEN t.status ELSE t.outcome END");
    each!(grouped(db, appeals.clone(), g(), outcome).await?, |f, k, n| {
        f.applications.appeals += n;
        *f.applications.appeals_by_outcome.entry(k.to_owned()).or_default() += n
    });
    let home = appeals.clone().and_where(col("t", "home_protected_until").is_not_null()).to_owned();
    each!(grouped(db, home, g(), Expr::cust("'H'")).await?, |f, _k, n| f.applications.home_protection_windows += n);

    // Contacts (X2–X7), per MFO and per contacting organisation.
    for by_agency in [false, true] {
        let group = if by_agency { col("t", "contactor_org_id") } else { g() };
        let ct = || from("contact_event").cond_where(s.contacts()).to_owned();
        let mut add = |id: Uuid, apply: &dyn Fn(&mut ContactFigures)| {
            if by_agency {
                if agency_ids.contains(&id) {
                    apply(&mut agencies.entry(id).or_default().contacts);
                }
            } else {
                apply(&mut mfos.entry(id).or_default().contacts);
            }
        };
        for (id, k, n) in grouped(db, ct(), group.clone(), col("t", "channel")).await? {
            add(id, &|c| {
                c.total += n;
                *c.by_channel.entry(k.clone()).or_default() += n;
            });
        }
        let flagged = Expr::cust("CASE WHEN CAST(t.violations AS TEXT) = '[]' THEN 'CLEAN' ELSE 'FLAGGED' END");
        for (id, k, n) in grouped(db, ct(), group.clone(), flagged).await? {
            if k == "FLAGGED" {
                add(id, &|c| c.with_violations += n);
            }
        }
        for (id, k, n) in rows(db, violation_statement(&s, ct(), by_agency)).await? {
            add(id, &|c| *c.by_violated_rule.entry(k.clone()).or_default() += n);
        }
    }

    // Assignments (R17.2), per MFO and per agency.
    let asg = || {
        from("collection_assignment")
            .join_as(
                JoinType::InnerJoin,
                Alias::new("loan"),
                Alias::new("l"),
                col("l", "id").equals((Alias::new("t"), Alias::new("loan_id"))).into_condition(),
            )
            .cond_where(s.assignments())
            .to_owned()
    };
    each!(grouped(db, asg(), col("l", "mfo_id"), Expr::cust("'A'")).await?, |f, _k, n| f.assignments += n);
    for (id, _, n) in grouped(db, asg(), col("t", "agency_id"), Expr::cust("'A'")).await? {
        agencies.entry(id).or_default().assignments += n;
    }

    // Conscript deferrals (M1).
    let d = || from("military_deferral").cond_where(s.mfo_duties("t", "mfo_id", "bureau_received_at")).to_owned();
    each!(grouped(db, d(), g(), col("t", "status")).await?, |f, k, n| {
        f.deferrals.total += n;
        *f.deferrals.by_status.entry(k.to_owned()).or_default() += n
    });
    let m1 = with_deadline("military_deferral", "MILITARY_DEFERRAL_GRANT")
        .cond_where(s.mfo_duties("t", "mfo_id", "bureau_received_at"))
        .to_owned();
    each!(grouped(db, m1, g(), col("d", "status")).await?, |f, k, n| f.deferrals.grant.add(k, n));

    // Escalations, by kind and rule (severity and kind follow from the pair).
    let esc = || from("escalation").cond_where(s.escalations()).to_owned();
    let pair = Expr::cust("t.kind || ':' || t.rule");
    each!(grouped(db, esc(), col("t", "org_id"), pair.clone()).await?, |f, k, n| {
        let (kind, rule) = k.split_once(':').unwrap_or((k, ""));
        f.escalations.total += n;
        *f.escalations.by_kind.entry(kind.to_owned()).or_default() += n;
        *f.escalations.by_rule.entry(rule.to_owned()).or_default() += n;
        let severity = sea_orm::ActiveEnum::try_from_value(&kind.to_owned())
            .map(|kind| sea_orm::ActiveEnum::to_value(&super::escalations::severity(kind, rule)))
            .unwrap_or_else(|_| "UNKNOWN".to_owned());
        *f.escalations.by_severity.entry(severity).or_default() += n
    });
    let acked = esc().and_where(col("t", "acknowledged_at").is_not_null()).to_owned();
    each!(grouped(db, acked, col("t", "org_id"), Expr::cust("'A'")).await?, |f, _k, n| f.escalations.acknowledged += n);
    let responsible = esc().and_where(col("t", "responsible_org_id").is_not_null()).to_owned();
    for (id, _, n) in grouped(db, responsible, col("t", "responsible_org_id"), Expr::cust("'E'")).await? {
        if agency_ids.contains(&id) {
            agencies.entry(id).or_default().escalations += n;
        }
    }

    // Deadlines due in the period.
    let dl = from("deadline").cond_where(s.deadlines()).to_owned();
    each!(grouped(db, dl, col("t", "org_id"), col("t", "status")).await?, |f, k, n| f.deadlines.add(k, n));

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

/// Requested measures (`[{measure, text}]`), one row per measure: a JSON array unnested in
/// the database, which the two engines spell differently.
fn measure_statement(s: &Scope, filtered: SelectStatement) -> Statement {
    let mut ids = filtered;
    ids.column((Alias::new("t"), Alias::new("id")));
    let inner = s.backend.build(&ids);
    let sql = match s.backend {
        DbBackend::Postgres => format!(
            "SELECT a.mfo_id AS g, m.value->>'measure' AS k, COUNT(*) AS n FROM restructuring_application a \
             CROSS JOIN LATERAL jsonb_array_elements(a.requested_measures) AS m(value) \
             WHERE a.id IN ({}) GROUP BY a.mfo_id, m.value->>'measure'",
            inner.sql
        ),
        _ => format!(
            "SELECT a.mfo_id AS g, json_extract(m.value, '$.measure') AS k, COUNT(*) AS n \
             FROM restructuring_application a, json_each(a.requested_measures) AS m \
             WHERE a.id IN ({}) GROUP BY a.mfo_id, json_extract(m.value, '$.measure')",
            inner.sql
        ),
    };
    Statement { sql, ..inner }
}

/// Violated rules (a JSON array of rule IDs), one row per rule, by MFO or contactor.
fn violation_statement(s: &Scope, filtered: SelectStatement, by_contactor: bool) -> Statement {
    let mut ids = filtered;
    ids.column((Alias::new("t"), Alias::new("id")));
    let inner = s.backend.build(&ids);
    let g = if by_contactor { "c.contactor_org_id" } else { "c.mfo_id" };
    let sql = match s.backend {
        DbBackend::Postgres => format!(
            "SELECT {g} AS g, v.value AS k, COUNT(*) AS n FROM contact_event c \
             CROSS JOIN LATERAL jsonb_array_elements_text(c.violations) AS v(value) \
             WHERE c.id IN ({}) GROUP BY {g}, v.value",
            inner.sql
        ),
        _ => format!(
            "SELECT {g} AS g, v.value AS k, COUNT(*) AS n FROM contact_event c, json_each(c.violations) AS v \
             WHERE c.id IN ({}) GROUP BY {g}, v.value",
            inner.sql
        ),
    };
    Statement { sql, ..inner }
}

/// C8 of the complaints received in each week (Monday to Sunday, local) that meets the
/// period: one statement grouping by a CASE over the weeks' UTC bounds.
async fn weekly(db: &impl ConnectionTrait, s: &Scope) -> ServiceResult<Vec<WeekFigures>> {
    let first = s.from - Duration::days(i64::from(s.from.weekday().num_days_from_monday()));
    let mut starts = Vec::new();
    let mut w = first;
    while w <= s.to {
        starts.push(w);
        w += Duration::days(7);
    }
    // Bucket i: received in [start of week i, start of week i+1), clipped to the period by
    // the WHERE; the bounds are bound values, the labels constants.
    let mut case = sea_orm::sea_query::CaseStatement::new();
    for (i, start) in starts.iter().enumerate() {
        let next = start_of(s.j, *start + Duration::days(7));
        case = case.case(col("t", "received_at").lt(next), Expr::val(i as i64));
    }
    let bucket: SimpleExpr = case.finally(Expr::val(-1i64)).into();
    let mut q = with_deadline("complaint", "COMPLAINT_ANSWER")
        .cond_where(s.mfo_duties("t", "mfo_id", "received_at"))
        .to_owned();
    let key = timeliness(COMPLAINT_ANSWERED, COMPLAINT_WAITING);
    q.expr_as(bucket.clone(), Alias::new("b"))
        .expr_as(key.clone(), Alias::new("k"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .add_group_by([Expr::cust("1"), Expr::cust("2")]);
    let mut weeks: Vec<WeekFigures> =
        starts.iter().map(|w| WeekFigures { week_start: *w, answer: Timeliness::default() }).collect();
    for r in db.query_all_raw(db.get_database_backend().build(&q)).await? {
        let b: i64 = r.try_get("", "b")?;
        let k: String = r.try_get("", "k")?;
        let n: i64 = r.try_get("", "n")?;
        if let Some(w) = usize::try_from(b).ok().and_then(|b| weeks.get_mut(b)) {
            w.answer.add(&k, n);
        }
    }
    Ok(weeks)
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
