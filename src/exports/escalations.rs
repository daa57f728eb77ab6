//! The escalations as a table: the columns of `Escalation` as the API gives them (global
//! ids, enum values, the message in the reader's language), read a page at a time through
//! `services::escalations::list`, so in the caller's scope and filter and in sequence order.

use axum::body::Bytes;
use entity::escalation;
use futures_util::Stream;

use super::{BOM, Cell, Column, Names, PAGE, Sheet, csv_header, csv_row, enum_text};
use crate::auth::Principal;
use crate::error::ServiceResult;
use crate::i18n::{Lang, Msg};
use crate::ids::{Kind, actor, global_id as encode, subject_global_id};
use crate::services::Ctx;
use crate::services::escalations::{EscalationFilter, list, severity};
use crate::services::paging::Window;

/// The columns, named as the API's `Escalation` fields (organisations by id and name).
pub const COLUMNS: [Column; 17] = [
    Column { title: "id", width: 30.0 },
    Column { title: "raisedAt", width: 20.0 },
    Column { title: "kind", width: 16.0 },
    Column { title: "rule", width: 8.0 },
    Column { title: "severity", width: 10.0 },
    Column { title: "jurisdiction", width: 10.0 },
    Column { title: "organizationId", width: 30.0 },
    Column { title: "organizationName", width: 28.0 },
    Column { title: "responsibleOrganizationId", width: 30.0 },
    Column { title: "responsibleOrganizationName", width: 28.0 },
    Column { title: "subjectType", width: 16.0 },
    Column { title: "subjectId", width: 30.0 },
    Column { title: "deadlineId", width: 30.0 },
    Column { title: "message", width: 80.0 },
    Column { title: "acknowledgedAt", width: 20.0 },
    Column { title: "acknowledgedBy", width: 40.0 },
    Column { title: "acknowledgementNote", width: 40.0 },
];

async fn row(ctx: &Ctx, names: &mut Names, lang: Lang, e: &escalation::Model) -> ServiceResult<Vec<Cell>> {
    let message = match Msg::from_stored(&e.details) {
        Some(m) => m.render(lang),
        None => e.message.clone(),
    };
    let responsible = match e.responsible_org_id {
        Some(r) => (Cell::text(encode(Kind::Organization, r)), Cell::text(names.of(ctx, r).await?)),
        None => (Cell::Empty, Cell::Empty),
    };
    Ok(vec![
        Cell::text(encode(Kind::Escalation, e.id)),
        Cell::Instant(e.raised_at),
        Cell::text(enum_text(e.kind)),
        Cell::text(e.rule.clone()),
        Cell::text(enum_text(severity(e.kind, &e.rule))),
        Cell::text(enum_text(e.jurisdiction)),
        Cell::text(encode(Kind::Organization, e.org_id)),
        Cell::text(names.of(ctx, e.org_id).await?),
        responsible.0,
        responsible.1,
        Cell::text(e.subject_type.clone()),
        Cell::text(subject_global_id(&e.subject_type, e.subject_id)),
        Cell::opt_text(e.deadline_id.map(|d| encode(Kind::Deadline, d))),
        Cell::text(message),
        e.acknowledged_at.map_or(Cell::Empty, Cell::Instant),
        Cell::opt_text(e.acknowledged_by.as_deref().map(actor)),
        Cell::opt_text(e.acknowledgement_note.clone()),
    ])
}

/// The pages of the export, one after the other: each page's rows, until none is left.
struct Pages {
    ctx: Ctx,
    p: Principal,
    filter: EscalationFilter,
    lang: Lang,
    after: Option<i64>,
    done: bool,
    names: Names,
}

impl Pages {
    fn new(ctx: Ctx, p: Principal, filter: EscalationFilter, lang: Lang) -> Self {
        Self { ctx, p, filter, lang, after: None, done: false, names: Names::default() }
    }

    async fn next(&mut self) -> ServiceResult<Option<Vec<Vec<Cell>>>> {
        if self.done {
            return Ok(None);
        }
        let page = list(&self.ctx, &self.p, &self.filter, &Window::forward(self.after, PAGE)).await?;
        self.done = !page.has_next;
        self.after = page.items.last().map(|e| e.seq);
        let mut rows = Vec::with_capacity(page.items.len());
        for e in &page.items {
            rows.push(row(&self.ctx, &mut self.names, self.lang, e).await?);
        }
        Ok(Some(rows))
    }
}

/// Checks the caller may list escalations at all (agencies and borrowers may not), before
/// a response starts.
pub async fn check(ctx: &Ctx, p: &Principal, filter: &EscalationFilter) -> ServiceResult<()> {
    list(ctx, p, filter, &Window::forward(None, 1)).await.map(|_| ())
}

/// The CSV, as a stream of chunks: the byte-order mark and the header, then one chunk
/// per page of rows. A failure after the first chunk ends the stream with an error (the
/// client sees a broken transfer, never a silently short file).
pub fn csv(
    ctx: Ctx,
    p: Principal,
    filter: EscalationFilter,
    lang: Lang,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send {
    let head = Bytes::from(format!("{BOM}{}", csv_header(&COLUMNS)));
    let start = futures_util::stream::once(async move { Ok(head) });
    let pages = futures_util::stream::unfold(Pages::new(ctx, p, filter, lang), |mut pages| async move {
        match pages.next().await {
            Ok(Some(rows)) => {
                let chunk: String = rows.iter().map(|r| csv_row(r)).collect();
                Some((Ok(Bytes::from(chunk)), pages))
            }
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = %e, "escalation export failed");
                pages.done = true;
                Some((Err(std::io::Error::other("export failed")), pages))
            }
        }
    });
    futures_util::StreamExt::chain(start, pages)
}

/// The XLSX, written to `path` in constant memory, a page at a time.
pub async fn xlsx(
    ctx: Ctx,
    p: Principal,
    filter: EscalationFilter,
    lang: Lang,
    path: std::path::PathBuf,
) -> ServiceResult<()> {
    let mut sheet = Sheet::new("escalations", &COLUMNS).map_err(super::xlsx_error)?;
    let mut pages = Pages::new(ctx, p, filter, lang);
    while let Some(rows) = pages.next().await? {
        sheet = super::write_rows(sheet, rows).await?;
    }
    super::save(sheet, path).await
}
