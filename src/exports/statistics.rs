//! The supervising authority's figures as tables: each table of `regulatorStatistics`
//! (the period's total, per MFO, per collection agency, complaints by week, and the
//! counts by value that the API gives as `CountBy` lists) with columns named by the API's
//! field paths (`complaints.answeredOnTime`), so a column is found in the schema under
//! its own name.
//!
//! The figures are `services::statistics::regulator_statistics`' (its authorisation, its
//! SQL aggregates): this module counts nothing and decides nothing, it lays the answer
//! out in rows. The answer is held in memory by the service (a few figures per
//! organisation); its rows are written out a group at a time (an organisation's rows,
//! then the next), so no whole table is built as text.

use axum::body::Bytes;
use futures_util::Stream;
use uuid::Uuid;

use super::{BOM, Cell, Column, Names, PAGE, Sheet, csv_header, csv_row, enum_text};
use crate::error::ServiceResult;
use crate::ids::{Kind, global_id as encode};
use crate::services::Ctx;
use crate::services::statistics::{AgencyFigures, CountBy, Figures, Statistics};

/// One table of `regulatorStatistics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// `total`: one row, the whole jurisdiction (or the MFO asked about) in the period.
    Total,
    /// `byMfo`: one row per MFO with a record in the period.
    ByMfo,
    /// `byAgency`: one row per collection agency.
    ByAgency,
    /// `complaintsByWeek`: one row per week.
    ComplaintsByWeek,
    /// Every `CountBy` list of `total`, `byMfo` and `byAgency`, one row per key.
    Breakdowns,
}

impl Table {
    pub const ALL: [Table; 5] =
        [Table::Total, Table::ByMfo, Table::ByAgency, Table::ComplaintsByWeek, Table::Breakdowns];

    /// The table's name in a URL and as the XLSX sheet's name.
    pub fn slug(self) -> &'static str {
        match self {
            Table::Total => "total",
            Table::ByMfo => "by-mfo",
            Table::ByAgency => "by-agency",
            Table::ComplaintsByWeek => "complaints-by-week",
            Table::Breakdowns => "breakdowns",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.slug() == s)
    }

    /// The table's columns.
    pub fn columns(self) -> Vec<Column> {
        let figures = FIGURES.iter().map(|(title, _)| figure_column(title));
        match self {
            Table::Total => [
                Column { title: "jurisdiction", width: 12.0 },
                Column { title: "from", width: 12.0 },
                Column { title: "to", width: 12.0 },
            ]
            .into_iter()
            .chain(figures)
            .collect(),
            Table::ByMfo => [Column { title: "mfo.id", width: 30.0 }, Column { title: "mfo.name", width: 28.0 }]
                .into_iter()
                .chain(figures)
                .collect(),
            Table::ByAgency => {
                [Column { title: "agency.id", width: 30.0 }, Column { title: "agency.name", width: 28.0 }]
                    .into_iter()
                    .chain(AGENCY_FIGURES.iter().map(|(title, _)| figure_column(title)))
                    .collect()
            }
            Table::ComplaintsByWeek => vec![
                Column { title: "weekStart", width: 12.0 },
                Column { title: "answeredOnTime", width: 16.0 },
                Column { title: "answeredLate", width: 14.0 },
                Column { title: "openOverdue", width: 14.0 },
            ],
            Table::Breakdowns => vec![
                Column { title: "scope", width: 10.0 },
                Column { title: "organization.id", width: 30.0 },
                Column { title: "organization.name", width: 28.0 },
                Column { title: "figure", width: 36.0 },
                Column { title: "key", width: 28.0 },
                Column { title: "count", width: 10.0 },
            ],
        }
    }
}

/// A count's column: as wide as its name, which is long for the nested figures.
fn figure_column(title: &'static str) -> Column {
    Column { title, width: (title.len() as f64 + 2.0).max(10.0) }
}

type Figure = fn(&Figures) -> i64;
type Breakdown = fn(&Figures) -> &CountBy;

/// The counts of `StatisticsFigures`, by their path in the API, in the schema's order.
pub const FIGURES: [(&str, Figure); 47] = [
    ("complaints.total", |f| f.complaints.total),
    ("complaints.answeredOnTime", |f| f.complaints.answer.on_time),
    ("complaints.answeredLate", |f| f.complaints.answer.late),
    ("complaints.openOverdue", |f| f.complaints.answer.open_overdue),
    ("complaints.openInTime", |f| f.complaints.answer.open_in_time),
    ("complaints.extensionsUsed", |f| f.complaints.extensions_used),
    ("complaints.registration.open", |f| f.complaints.registration.open),
    ("complaints.registration.met", |f| f.complaints.registration.met),
    ("complaints.registration.missed", |f| f.complaints.registration.missed),
    ("complaints.registration.cancelled", |f| f.complaints.registration.cancelled),
    ("complaints.acknowledgement.open", |f| f.complaints.acknowledgement.open),
    ("complaints.acknowledgement.met", |f| f.complaints.acknowledgement.met),
    ("complaints.acknowledgement.missed", |f| f.complaints.acknowledgement.missed),
    ("complaints.acknowledgement.cancelled", |f| f.complaints.acknowledgement.cancelled),
    ("complaints.infoRequests.total", |f| f.complaints.info_requests),
    ("complaints.infoRequests.answeredOnTime", |f| f.complaints.info_requests_answer.on_time),
    ("complaints.infoRequests.answeredLate", |f| f.complaints.info_requests_answer.late),
    ("complaints.infoRequests.openOverdue", |f| f.complaints.info_requests_answer.open_overdue),
    ("complaints.infoRequests.openInTime", |f| f.complaints.info_requests_answer.open_in_time),
    ("complaints.infoRequests.beyondFreeMonthly", |f| f.complaints.info_requests_beyond_free),
    ("applications.total", |f| f.applications.total),
    ("applications.decidedOnTime", |f| f.applications.decision.on_time),
    ("applications.decidedLate", |f| f.applications.decision.late),
    ("applications.undecidedOverdue", |f| f.applications.decision.open_overdue),
    ("applications.undecidedInTime", |f| f.applications.decision.open_in_time),
    ("applications.implementedOnTime", |f| f.applications.implementation.met),
    ("applications.implementation.open", |f| f.applications.implementation.open),
    ("applications.implementation.met", |f| f.applications.implementation.met),
    ("applications.implementation.missed", |f| f.applications.implementation.missed),
    ("applications.implementation.cancelled", |f| f.applications.implementation.cancelled),
    ("applications.appeals", |f| f.applications.appeals),
    ("applications.homeProtectionWindows", |f| f.applications.home_protection_windows),
    ("contacts.total", |f| f.contacts.total),
    ("contacts.withViolations", |f| f.contacts.with_violations),
    ("assignments", |f| f.assignments),
    ("deferrals.total", |f| f.deferrals.total),
    ("deferrals.grantedOnTime", |f| f.deferrals.grant.met),
    ("deferrals.grant.open", |f| f.deferrals.grant.open),
    ("deferrals.grant.met", |f| f.deferrals.grant.met),
    ("deferrals.grant.missed", |f| f.deferrals.grant.missed),
    ("deferrals.grant.cancelled", |f| f.deferrals.grant.cancelled),
    ("escalations.total", |f| f.escalations.total),
    ("escalations.acknowledged", |f| f.escalations.acknowledged),
    ("deadlines.open", |f| f.deadlines.open),
    ("deadlines.met", |f| f.deadlines.met),
    ("deadlines.missed", |f| f.deadlines.missed),
    ("deadlines.cancelled", |f| f.deadlines.cancelled),
];

/// The `CountBy` lists of `StatisticsFigures`, by their path in the API.
pub const BREAKDOWNS: [(&str, Breakdown); 16] = [
    ("complaints.byChannel", |f| &f.complaints.by_channel),
    ("complaints.byKind", |f| &f.complaints.by_kind),
    ("complaints.byForm", |f| &f.complaints.by_form),
    ("complaints.byLanguage", |f| &f.complaints.by_language),
    ("complaints.byOutcome", |f| &f.complaints.by_outcome),
    ("complaints.leftWithoutConsiderationByReason", |f| &f.complaints.left_without_consideration_by_reason),
    ("applications.byMeasureRequested", |f| &f.applications.by_measure_requested),
    ("applications.byStatus", |f| &f.applications.by_status),
    ("applications.byOutcome", |f| &f.applications.by_outcome),
    ("applications.appealsByOutcome", |f| &f.applications.appeals_by_outcome),
    ("contacts.byChannel", |f| &f.contacts.by_channel),
    ("contacts.byViolatedRule", |f| &f.contacts.by_violated_rule),
    ("deferrals.byStatus", |f| &f.deferrals.by_status),
    ("escalations.byKind", |f| &f.escalations.by_kind),
    ("escalations.byRule", |f| &f.escalations.by_rule),
    ("escalations.bySeverity", |f| &f.escalations.by_severity),
];

type AgencyFigure = fn(&AgencyFigures) -> i64;

/// The counts of `AgencyStatistics`, by their path in the API.
pub const AGENCY_FIGURES: [(&str, AgencyFigure); 4] = [
    ("contacts.total", |a| a.contacts.total),
    ("contacts.withViolations", |a| a.contacts.with_violations),
    ("assignments", |a| a.assignments),
    ("escalations", |a| a.escalations),
];

type AgencyBreakdown = fn(&AgencyFigures) -> &CountBy;

/// The `CountBy` lists of `AgencyStatistics`.
pub const AGENCY_BREAKDOWNS: [(&str, AgencyBreakdown); 2] =
    [("contacts.byChannel", |a| &a.contacts.by_channel), ("contacts.byViolatedRule", |a| &a.contacts.by_violated_rule)];

fn org_cells(id: Uuid, name: String) -> [Cell; 2] {
    [Cell::text(encode(Kind::Organization, id)), Cell::text(name)]
}

fn breakdown_rows<'a>(
    scope: &'a str,
    org: &'a [Cell; 2],
    lists: impl Iterator<Item = (&'static str, &'a CountBy)> + 'a,
) -> impl Iterator<Item = Vec<Cell>> + 'a {
    lists.flat_map(move |(figure, counts)| {
        counts.iter().map(move |(key, n)| {
            vec![
                Cell::text(scope),
                org[0].clone(),
                org[1].clone(),
                Cell::text(figure),
                Cell::text(key.clone()),
                Cell::Int(*n),
            ]
        })
    })
}

/// The rows of one table, a group (an organisation, a week) at a time.
struct Rows {
    ctx: Ctx,
    stats: Statistics,
    table: Table,
    next: usize,
    names: Names,
}

impl Rows {
    fn new(ctx: Ctx, stats: Statistics, table: Table) -> Self {
        Self { ctx, stats, table, next: 0, names: Names::default() }
    }

    /// How many groups the table has.
    fn groups(&self) -> usize {
        let s = &self.stats;
        match self.table {
            Table::Total => 1,
            Table::ByMfo => s.by_mfo.len(),
            Table::ByAgency => s.by_agency.len(),
            Table::ComplaintsByWeek => s.weeks.len(),
            Table::Breakdowns => 1 + s.by_mfo.len() + s.by_agency.len(),
        }
    }

    /// The rows of group `i`.
    async fn group(&mut self, i: usize) -> ServiceResult<Vec<Vec<Cell>>> {
        let s = &self.stats;
        let counts = |f: &Figures| FIGURES.iter().map(|(_, get)| Cell::Int(get(f))).collect::<Vec<_>>();
        Ok(match self.table {
            Table::Total => {
                let mut row = vec![Cell::text(enum_text(s.jurisdiction)), Cell::Date(s.from), Cell::Date(s.to)];
                row.extend(counts(&s.total));
                vec![row]
            }
            Table::ByMfo => {
                let Some((id, f)) = s.by_mfo.get(i) else { return Ok(Vec::new()) };
                let mut row = Vec::from(org_cells(*id, self.names.of(&self.ctx, *id).await?));
                row.extend(counts(f));
                vec![row]
            }
            Table::ByAgency => {
                let Some((id, a)) = s.by_agency.get(i) else { return Ok(Vec::new()) };
                let mut row = Vec::from(org_cells(*id, self.names.of(&self.ctx, *id).await?));
                row.extend(AGENCY_FIGURES.iter().map(|(_, get)| Cell::Int(get(a))));
                vec![row]
            }
            Table::ComplaintsByWeek => {
                let Some(w) = s.weeks.get(i) else { return Ok(Vec::new()) };
                vec![vec![
                    Cell::Date(w.week_start),
                    Cell::Int(w.answer.on_time),
                    Cell::Int(w.answer.late),
                    Cell::Int(w.answer.open_overdue),
                ]]
            }
            Table::Breakdowns => {
                let (mfos, agencies) = (s.by_mfo.len(), s.by_agency.len());
                if i == 0 {
                    let none = [Cell::Empty, Cell::Empty];
                    let lists = BREAKDOWNS.iter().map(|(figure, get)| (*figure, get(&s.total)));
                    breakdown_rows("TOTAL", &none, lists).collect()
                } else if i <= mfos {
                    let (id, f) = &s.by_mfo[i - 1];
                    let org = org_cells(*id, self.names.of(&self.ctx, *id).await?);
                    let lists = BREAKDOWNS.iter().map(|(figure, get)| (*figure, get(f)));
                    breakdown_rows("MFO", &org, lists).collect()
                } else if i <= mfos + agencies {
                    let (id, a) = &s.by_agency[i - 1 - mfos];
                    let org = org_cells(*id, self.names.of(&self.ctx, *id).await?);
                    let lists = AGENCY_BREAKDOWNS.iter().map(|(figure, get)| (*figure, get(a)));
                    breakdown_rows("AGENCY", &org, lists).collect()
                } else {
                    Vec::new()
                }
            }
        })
    }

    /// The next groups' rows, about a page of them; `None` when every group was given.
    async fn next(&mut self) -> ServiceResult<Option<Vec<Vec<Cell>>>> {
        if self.next >= self.groups() {
            return Ok(None);
        }
        let mut rows = Vec::new();
        while self.next < self.groups() && (rows.len() as u64) < PAGE {
            let i = self.next;
            self.next += 1;
            rows.extend(self.group(i).await?);
        }
        Ok(Some(rows))
    }
}

/// The CSV of one table, as a stream of chunks: the byte-order mark and the header, then
/// a chunk per page of rows.
pub fn csv(ctx: Ctx, stats: Statistics, table: Table) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send {
    let head = Bytes::from(format!("{BOM}{}", csv_header(&table.columns())));
    let start = futures_util::stream::once(async move { Ok(head) });
    let rows = futures_util::stream::unfold(Some(Rows::new(ctx, stats, table)), |rows| async move {
        let mut rows = rows?;
        match rows.next().await {
            Ok(Some(page)) => {
                let chunk: String = page.iter().map(|r| csv_row(r)).collect();
                Some((Ok(Bytes::from(chunk)), Some(rows)))
            }
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = %e, "statistics export failed");
                Some((Err(std::io::Error::other("export failed")), None))
            }
        }
    });
    futures_util::StreamExt::chain(start, rows)
}

/// The XLSX of one table, written to `path` in constant memory.
pub async fn xlsx(ctx: Ctx, stats: Statistics, table: Table, path: std::path::PathBuf) -> ServiceResult<()> {
    let mut sheet = Sheet::new(table.slug(), &table.columns()).map_err(super::xlsx_error)?;
    let mut rows = Rows::new(ctx, stats, table);
    while let Some(page) = rows.next().await? {
        sheet = super::write_rows(sheet, page).await?;
    }
    super::save(sheet, path).await
}
