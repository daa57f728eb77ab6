//! `regulatorStatistics`: the types of the supervising authority's figures and
//! the one query. Thin: the counting, the period's bounds and who may ask are
//! `services::statistics`; this file only shapes the result. Every count is an `Int` of
//! records; every period is of local dates of the jurisdiction (Asia/Almaty for KZ,
//! Asia/Bishkek for KG), inclusive.

use async_graphql::{Context, ID, Object, SimpleObject};
use entity::enums::Jurisdiction;

use crate::graphql::context::ContextExt;
use crate::graphql::errors::{not_found, top_level};
use crate::graphql::ids::{Kind, decode};
use crate::graphql::loaders::Loaders;
use crate::graphql::me::Organization;
use crate::graphql::scalars::Date;
use crate::services::statistics as svc;

fn int(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A count of records by a stored value. A list of them has one per value of an enum or
/// per rule ID, at most 64.
#[derive(SimpleObject)]
pub struct CountBy {
    /// The enum's stored spelling (as the API spells it, e.g. `EMAIL`) or a rule ID
    /// (e.g. `X3`); `NONE` for records without the value.
    pub key: String,
    /// Records with that value.
    pub count: i32,
}

fn count_by(m: &svc::CountBy) -> Vec<CountBy> {
    m.iter().map(|(k, n)| CountBy { key: k.clone(), count: int(*n) }).collect()
}

/// Deadline rows by status (the status the services and the scanner set).
#[derive(SimpleObject)]
pub struct DeadlineStatistics {
    /// Not yet met, missed or cancelled.
    pub open: i32,
    /// Met in time.
    pub met: i32,
    /// Passed unmet (whatever happened later).
    pub missed: i32,
    /// No longer owed (e.g. the record was closed another way).
    pub cancelled: i32,
}

impl From<&svc::DeadlineFigures> for DeadlineStatistics {
    fn from(d: &svc::DeadlineFigures) -> Self {
        Self { open: int(d.open), met: int(d.met), missed: int(d.missed), cancelled: int(d.cancelled) }
    }
}

/// C9 information requests received in the period.
#[derive(SimpleObject)]
pub struct InfoRequestStatistics {
    /// Requests received.
    pub total: i32,
    /// C9: answered within 5 business days (the deadline met).
    pub answered_on_time: i32,
    /// C9: answered after the deadline was missed.
    pub answered_late: i32,
    /// C9: deadline missed and still unanswered.
    pub open_overdue: i32,
    /// C9: unanswered, the deadline still running.
    pub open_in_time: i32,
    /// C9: a second (or later) request in the same month, beyond the free one.
    pub beyond_free_monthly: i32,
}

/// Complaints received (`receivedAt`) in the period (C1–C10), with their C4/C5/C8 deadlines.
#[derive(SimpleObject)]
pub struct ComplaintStatistics {
    /// Complaints, suggestions and information requests registered as complaints.
    pub total: i32,
    /// By `ComplaintChannel` (C1).
    #[graphql(complexity = "svc::MAX_KEYS * child_complexity")]
    pub by_channel: Vec<CountBy>,
    /// By `ComplaintKind`.
    #[graphql(complexity = "svc::MAX_KEYS * child_complexity")]
    pub by_kind: Vec<CountBy>,
    /// By `ComplaintForm`.
    #[graphql(complexity = "svc::MAX_KEYS * child_complexity")]
    pub by_form: Vec<CountBy>,
    /// By `Language` (C10).
    #[graphql(complexity = "svc::MAX_KEYS * child_complexity")]
    pub by_language: Vec<CountBy>,
    /// By current `ComplaintStatus` (ANSWERED, LEFT_WITHOUT_CONSIDERATION, …).
    #[graphql(complexity = "svc::MAX_KEYS * child_complexity")]
    pub by_outcome: Vec<CountBy>,
    /// C8: answered with the answer deadline met (counting a C8 extension).
    pub answered_on_time: i32,
    /// C8: answered after the answer deadline was missed.
    pub answered_late: i32,
    /// C8: the answer deadline missed and the complaint still not answered or closed.
    pub open_overdue: i32,
    /// C8: not yet answered, the deadline still running.
    pub open_in_time: i32,
    /// C8: complaints whose answer deadline was extended (once, by 10 business days).
    pub extensions_used: i32,
    /// C3: left without consideration, by `ClosureReason` (ANONYMOUS, ABUSIVE).
    #[graphql(complexity = "svc::MAX_KEYS * child_complexity")]
    pub left_without_consideration_by_reason: Vec<CountBy>,
    /// C4: registration within 1 business day, by deadline status.
    pub registration: DeadlineStatistics,
    /// C5: e-mail acknowledgement by the next business day, by deadline status.
    pub acknowledgement: DeadlineStatistics,
    /// C9: loan information requests (their own records, not complaints).
    pub info_requests: InfoRequestStatistics,
}

impl From<&svc::ComplaintFigures> for ComplaintStatistics {
    fn from(c: &svc::ComplaintFigures) -> Self {
        Self {
            total: int(c.total),
            by_channel: count_by(&c.by_channel),
            by_kind: count_by(&c.by_kind),
            by_form: count_by(&c.by_form),
            by_language: count_by(&c.by_language),
            by_outcome: count_by(&c.by_outcome),
            answered_on_time: int(c.answer.on_time),
            answered_late: int(c.answer.late),
            open_overdue: int(c.answer.open_overdue),
            open_in_time: int(c.answer.open_in_time),
            extensions_used: int(c.extensions_used),
            left_without_consideration_by_reason: count_by(&c.left_without_consideration_by_reason),
            registration: (&c.registration).into(),
            acknowledgement: (&c.acknowledgement).into(),
            info_requests: InfoRequestStatistics {
                total: int(c.info_requests),
                answered_on_time: int(c.info_requests_answer.on_time),
                answered_late: int(c.info_requests_answer.late),
                open_overdue: int(c.info_requests_answer.open_overdue),
                open_in_time: int(c.info_requests_answer.open_in_time),
                beyond_free_monthly: int(c.info_requests_beyond_free),
            },
        }
    }
}

/// Restructuring applications received in the period (R2–R16) and appeals filed in it.
#[derive(SimpleObject)]
pub struct ApplicationStatistics {
    /// Applications received.
    pub total: i32,
    /// R2: by `RestructuringMeasure` requested; an application asking for two counts twice.
    #[graphql(complexity = "svc::MAX_KEYS * child_complexity")]
    pub by_measure_requested: Vec<CountBy>,
    /// By current `ApplicationStatus`.
    #[graphql(complexity = "svc::MAX_KEYS * child_complexity")]
    pub by_status: Vec<CountBy>,
    /// R8/R13/R6: APPROVED, COUNTER_PROPOSAL, REFUSED (signed decisions), DEEMED_REFUSAL
    /// (R13), LEFT_WITHOUT_REVIEW (R6).
    #[graphql(complexity = "svc::MAX_KEYS * child_complexity")]
    pub by_outcome: Vec<CountBy>,
    /// R8: decided within 15 calendar days of receipt (the deadline met).
    pub decided_on_time: i32,
    /// R8: decided after the deadline was missed.
    pub decided_late: i32,
    /// R8: the deadline missed and still undecided.
    pub undecided_overdue: i32,
    /// R8: undecided, the deadline still running.
    pub undecided_in_time: i32,
    /// R11: agreed changes implemented within 15 calendar days (the deadline met).
    pub implemented_on_time: i32,
    /// R11: the implementation deadlines by status.
    pub implementation: DeadlineStatistics,
    /// R15: appeals to the regulator filed in the period.
    pub appeals: i32,
    /// R15: by `AppealOutcome`, or UNDER_REVIEW while unresolved.
    #[graphql(complexity = "svc::MAX_KEYS * child_complexity")]
    pub appeals_by_outcome: Vec<CountBy>,
    /// R16: appeals filed in the period that opened a home-protection window.
    pub home_protection_windows: i32,
}

impl From<&svc::ApplicationFigures> for ApplicationStatistics {
    fn from(a: &svc::ApplicationFigures) -> Self {
        Self {
            total: int(a.total),
            by_measure_requested: count_by(&a.by_measure_requested),
            by_status: count_by(&a.by_status),
            by_outcome: count_by(&a.by_outcome),
            decided_on_time: int(a.decision.on_time),
            decided_late: int(a.decision.late),
            undecided_overdue: int(a.decision.open_overdue),
            undecided_in_time: int(a.decision.open_in_time),
            implemented_on_time: int(a.implementation.met),
            implementation: (&a.implementation).into(),
            appeals: int(a.appeals),
            appeals_by_outcome: count_by(&a.appeals_by_outcome),
            home_protection_windows: int(a.home_protection_windows),
        }
    }
}

/// Contacts with borrowers made in the period (X1–X7).
#[derive(SimpleObject)]
pub struct ContactStatistics {
    /// Contacts recorded.
    pub total: i32,
    /// By `ContactChannel`.
    #[graphql(complexity = "svc::MAX_KEYS * child_complexity")]
    pub by_channel: Vec<CountBy>,
    /// By rule broken (X2–X7, R9, R14, R16–R18, M5); a contact breaking two counts twice.
    #[graphql(complexity = "svc::MAX_KEYS * child_complexity")]
    pub by_violated_rule: Vec<CountBy>,
    /// Contacts that broke at least one rule.
    pub with_violations: i32,
}

impl From<&svc::ContactFigures> for ContactStatistics {
    fn from(c: &svc::ContactFigures) -> Self {
        Self {
            total: int(c.total),
            by_channel: count_by(&c.by_channel),
            by_violated_rule: count_by(&c.by_violated_rule),
            with_violations: int(c.with_violations),
        }
    }
}

/// Conscript deferrals whose credit-bureau data arrived in the period (M1–M3).
#[derive(SimpleObject)]
pub struct DeferralStatistics {
    /// Deferrals registered.
    pub total: i32,
    /// By `DeferralStatus`.
    #[graphql(complexity = "svc::MAX_KEYS * child_complexity")]
    pub by_status: Vec<CountBy>,
    /// M1: granted within 15 calendar days (the deadline met).
    pub granted_on_time: i32,
    /// M1: the grant deadlines by status.
    pub grant: DeadlineStatistics,
}

/// Escalations raised in the period.
#[derive(SimpleObject)]
pub struct EscalationStatistics {
    /// Escalations raised (acknowledged ones included).
    pub total: i32,
    /// By `EscalationKind`.
    #[graphql(complexity = "svc::MAX_KEYS * child_complexity")]
    pub by_kind: Vec<CountBy>,
    /// By rule ID.
    #[graphql(complexity = "svc::MAX_KEYS * child_complexity")]
    pub by_rule: Vec<CountBy>,
    /// By `EscalationSeverity`.
    #[graphql(complexity = "svc::MAX_KEYS * child_complexity")]
    pub by_severity: Vec<CountBy>,
    /// Acknowledged by the regulator (so far).
    pub acknowledged: i32,
}

/// The figures of one MFO, or of all in scope.
#[derive(SimpleObject)]
pub struct StatisticsFigures {
    /// Complaints and C9 information requests.
    pub complaints: ComplaintStatistics,
    /// Restructuring applications and appeals.
    pub applications: ApplicationStatistics,
    /// Contacts with borrowers (by the MFO and by agencies on its loans).
    pub contacts: ContactStatistics,
    /// R17.2: loans handed to a collection agency in the period.
    pub assignments: i32,
    /// M1: conscript deferrals.
    pub deferrals: DeferralStatistics,
    /// Escalations raised.
    pub escalations: EscalationStatistics,
    /// Deadlines whose last allowed local day is in the period, by status.
    pub deadlines: DeadlineStatistics,
}

impl From<&svc::Figures> for StatisticsFigures {
    fn from(f: &svc::Figures) -> Self {
        let e = &f.escalations;
        Self {
            complaints: (&f.complaints).into(),
            applications: (&f.applications).into(),
            contacts: (&f.contacts).into(),
            assignments: int(f.assignments),
            deferrals: DeferralStatistics {
                total: int(f.deferrals.total),
                by_status: count_by(&f.deferrals.by_status),
                granted_on_time: int(f.deferrals.grant.met),
                grant: (&f.deferrals.grant).into(),
            },
            escalations: EscalationStatistics {
                total: int(e.total),
                by_kind: count_by(&e.by_kind),
                by_rule: count_by(&e.by_rule),
                by_severity: count_by(&e.by_severity),
                acknowledged: int(e.acknowledged),
            },
            deadlines: (&f.deadlines).into(),
        }
    }
}

/// One MFO's figures.
pub struct MfoStatistics(uuid::Uuid, svc::Figures);

/// One MFO's figures for the period (`RegulatorStatistics.byMfo`).
#[Object]
impl MfoStatistics {
    /// The MFO.
    async fn mfo(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        let loaders = ctx.data_unchecked::<Loaders>();
        loaders.organizations.load_one(self.0).await?.map(Organization).ok_or_else(not_found)
    }
    /// Its figures for the period.
    async fn figures(&self) -> StatisticsFigures {
        (&self.1).into()
    }
}

/// One collection agency's conduct in the period.
pub struct AgencyStatistics(uuid::Uuid, svc::AgencyFigures);

/// One collection agency's conduct in the period (`RegulatorStatistics.byAgency`): its
/// contacts by channel and by violated rule (X1–X7), the loans handed to it (R17.2) and
/// the escalations it is responsible for.
#[Object]
impl AgencyStatistics {
    /// The collection agency.
    async fn agency(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        let loaders = ctx.data_unchecked::<Loaders>();
        loaders.organizations.load_one(self.0).await?.map(Organization).ok_or_else(not_found)
    }
    /// The contacts it made (X1–X7).
    async fn contacts(&self) -> ContactStatistics {
        (&self.1.contacts).into()
    }
    /// R17.2: loans handed to it in the period.
    async fn assignments(&self) -> i32 {
        int(self.1.assignments)
    }
    /// Escalations raised in the period naming it as `responsibleOrganization`.
    async fn escalations(&self) -> i32 {
        int(self.1.escalations)
    }
}

/// C8 for the complaints received in one week (Monday to Sunday, local), within the period.
#[derive(SimpleObject)]
pub struct WeeklyComplaintFigures {
    /// The week's Monday (local date); the first week may start before `from`.
    pub week_start: Date,
    /// C8: answered with the deadline met.
    pub answered_on_time: i32,
    /// C8: answered after the deadline was missed.
    pub answered_late: i32,
    /// C8: the deadline missed and still unanswered.
    pub open_overdue: i32,
}

/// The supervising authority's figures for a period.
pub struct RegulatorStatistics(svc::Statistics);

/// The supervising authority's figures for a period of the jurisdiction's local dates:
/// in total, per MFO, per agency and complaints by week.
#[Object]
impl RegulatorStatistics {
    /// The jurisdiction counted.
    async fn jurisdiction(&self) -> Jurisdiction {
        self.0.jurisdiction
    }
    /// First day of the period (local date, inclusive).
    async fn from(&self) -> Date {
        Date(self.0.from)
    }
    /// Last day of the period (local date, inclusive).
    async fn to(&self) -> Date {
        Date(self.0.to)
    }
    /// All MFOs in scope together (the sum of `byMfo`).
    async fn total(&self) -> StatisticsFigures {
        (&self.0.total).into()
    }
    /// Per MFO with any record in the period, every one (never cut). Weighed in the query
    /// complexity as one row: its rows are the jurisdiction's organisations.
    async fn by_mfo(&self) -> Vec<MfoStatistics> {
        self.0.by_mfo.iter().map(|(id, f)| MfoStatistics(*id, f.clone())).collect()
    }
    /// Per collection agency with a contact, an assignment or an escalation in the period,
    /// every one (never cut). Weighed in the query complexity as one row, like `byMfo`.
    async fn by_agency(&self) -> Vec<AgencyStatistics> {
        self.0.by_agency.iter().map(|(id, f)| AgencyStatistics(*id, f.clone())).collect()
    }
    /// C8 by week of receipt, for a chart of answered on time vs late: one row per week
    /// (Monday to Sunday, local) the period meets, at most 54.
    #[graphql(complexity = "svc::MAX_WEEKS * child_complexity")]
    async fn complaints_by_week(&self) -> Vec<WeeklyComplaintFigures> {
        self.0
            .weeks
            .iter()
            .map(|w| WeeklyComplaintFigures {
                week_start: Date(w.week_start),
                answered_on_time: int(w.answer.on_time),
                answered_late: int(w.answer.late),
                open_overdue: int(w.answer.open_overdue),
            })
            .collect()
    }
}

#[derive(Default)]
pub struct StatisticsQuery;

#[Object]
impl StatisticsQuery {
    /// Counts over the local dates `from`..=`to` of a jurisdiction (at most 366 days), by SQL
    /// aggregates. REGULATOR: its own jurisdiction (another is FORBIDDEN), optionally one
    /// MFO. MFO_MANAGER: its own MFO only (`mfoId` is forced to it; another MFO is NOT_FOUND).
    /// Others: FORBIDDEN.
    async fn regulator_statistics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The jurisdiction whose records and local dates are counted.")] jurisdiction: Jurisdiction,
        #[graphql(desc = "First local date of the period, inclusive.")] from: Date,
        #[graphql(desc = "Last local date of the period, inclusive.")] to: Date,
        #[graphql(desc = "Only this MFO's records (an MFO of the jurisdiction).")] mfo_id: Option<ID>,
        #[graphql(
            desc = "Only what this organisation is responsible for: an MFO's own duties, contacts and escalations; an agency's contacts, assignments to it and escalations naming it."
        )]
        responsible_organization_id: Option<ID>,
    ) -> async_graphql::Result<RegulatorStatistics> {
        let p = ctx.principal()?;
        let r = svc::Request {
            jurisdiction,
            from: from.0,
            to: to.0,
            mfo_id: mfo_id.as_ref().map(|m| decode(m, Kind::Organization)).transpose()?,
            responsible_org_id: responsible_organization_id
                .as_ref()
                .map(|m| decode(m, Kind::Organization))
                .transpose()?,
        };
        svc::regulator_statistics(ctx.services(), p, r).await.map(RegulatorStatistics).map_err(top_level)
    }
}
