//! Tables a person takes away: the escalations (with the API's `EscalationFilter`) and
//! each table of `regulatorStatistics` as CSV (RFC 4180, UTF-8 with a byte-order mark so
//! spreadsheet programs read it as UTF-8) and as XLSX (typed cells: numbers as numbers,
//! instants as date-times, dates as dates, a bold frozen header, column widths).
//!
//! Memory stays bounded whatever the row count: rows are read from the database a page at
//! a time (keyset on the sequence number), a CSV page is sent as soon as it is written,
//! and the XLSX worksheet is written in `rust_xlsxwriter`'s constant-memory mode (each
//! row flushed to a temporary file) and the finished file streamed from disk. This module
//! never decides who sees what: every page is read through the services' scoping, and
//! every figure is the services' own.

pub mod escalations;
pub mod statistics;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format as XlsxFormat, Workbook, Worksheet, XlsxError};
use uuid::Uuid;

use crate::error::{ServiceError, ServiceResult};
use crate::ids::OrgId;
use crate::services::{Ctx, orgs};

/// Rows read from the database per page.
pub const PAGE: u64 = 1_000;

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// From a file name's extension.
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8; header=present",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// One cell, typed for the spreadsheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    /// An amount or a ratio: a number in XLSX, its exact digits in CSV.
    Decimal(Decimal),
    /// An instant, UTC: a date-time in XLSX, RFC 3339 in CSV (as the API writes it,
    /// `+00:00`).
    Instant(DateTime<Utc>),
    /// A local date: a date in XLSX, `YYYY-MM-DD` in CSV.
    Date(NaiveDate),
    Bool(bool),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Self {
        Cell::Text(s.into())
    }

    pub fn opt_text(s: Option<impl Into<String>>) -> Self {
        s.map_or(Cell::Empty, |s| Cell::Text(s.into()))
    }

    /// The cell as CSV writes it, before quoting.
    fn csv_value(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Decimal(d) => d.to_string(),
            Cell::Instant(t) => t.to_rfc3339(),
            Cell::Date(d) => d.to_string(),
            Cell::Bool(b) => b.to_string(),
        }
    }
}

/// A column: its header and its width in characters (XLSX).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    pub width: f64,
}

/// The byte-order mark that opens a CSV file.
pub const BOM: &str = "\u{feff}";

/// One CSV record (RFC 4180): fields quoted when they hold a comma, a quote or a line
/// break (quotes doubled), records ended by CRLF.
pub fn csv_record<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if f.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(f);
        }
    }
    out.push_str("\r\n");
    out
}

pub fn csv_header(columns: &[Column]) -> String {
    csv_record(columns.iter().map(|c| c.title))
}

pub fn csv_row(cells: &[Cell]) -> String {
    let values: Vec<String> = cells.iter().map(Cell::csv_value).collect();
    csv_record(values.iter().map(String::as_str))
}

/// A worksheet being written row by row in constant memory.
pub struct Sheet {
    workbook: Workbook,
    row: u32,
    instant: XlsxFormat,
    date: XlsxFormat,
}

impl Sheet {
    /// A workbook with one constant-memory worksheet named `name`, its header written and
    /// frozen.
    pub fn new(name: &str, columns: &[Column]) -> Result<Self, XlsxError> {
        let mut workbook = Workbook::new();
        let bold = XlsxFormat::new().set_bold();
        {
            let ws = workbook.add_worksheet_with_constant_memory()?.set_name(name)?;
            for (i, c) in (0u16..).zip(columns) {
                ws.set_column_width(i, c.width)?;
                ws.write_string_with_format(0, i, c.title, &bold)?;
            }
            ws.set_freeze_panes(1, 0)?;
        }
        Ok(Self {
            workbook,
            row: 1,
            instant: XlsxFormat::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            date: XlsxFormat::new().set_num_format("yyyy-mm-dd"),
        })
    }

    fn worksheet(&mut self) -> Result<&mut Worksheet, XlsxError> {
        self.workbook.worksheet_from_index(0)
    }

    pub fn push(&mut self, cells: &[Cell]) -> Result<(), XlsxError> {
        let (row, instant, date) = (self.row, self.instant.clone(), self.date.clone());
        let ws = self.worksheet()?;
        for (col, cell) in (0u16..).zip(cells) {
            match cell {
                Cell::Empty => {}
                Cell::Text(s) => {
                    ws.write_string(row, col, s)?;
                }
                Cell::Int(i) => {
                    // Counts and sequence numbers: far below 2^53, exact as a double.
                    ws.write_number(row, col, *i as f64)?;
                }
                Cell::Decimal(d) => {
                    ws.write_number(row, col, d.to_f64().unwrap_or(f64::NAN))?;
                }
                Cell::Instant(t) => {
                    ws.write_datetime_with_format(row, col, t.naive_utc(), &instant)?;
                }
                Cell::Date(d) => {
                    ws.write_datetime_with_format(row, col, d, &date)?;
                }
                Cell::Bool(b) => {
                    ws.write_boolean(row, col, *b)?;
                }
            }
        }
        self.row += 1;
        Ok(())
    }

    /// Writes the finished workbook to `path`.
    pub fn save(mut self, path: &std::path::Path) -> Result<(), XlsxError> {
        self.workbook.save(path)
    }
}

/// An enum value as the API spells it (`DEADLINE_MISSED`).
pub(crate) fn enum_text<T: serde::Serialize>(v: T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Organisation names, looked up once per export.
#[derive(Default)]
pub(crate) struct Names(HashMap<Uuid, String>);

impl Names {
    pub(crate) async fn of(&mut self, ctx: &Ctx, id: Uuid) -> ServiceResult<String> {
        if let Some(n) = self.0.get(&id) {
            return Ok(n.clone());
        }
        let name = orgs::find(ctx, OrgId(id)).await?.map(|o| o.name).unwrap_or_default();
        self.0.insert(id, name.clone());
        Ok(name)
    }
}

pub(crate) fn xlsx_error(e: XlsxError) -> ServiceError {
    ServiceError::Internal(anyhow::anyhow!("xlsx: {e}"))
}

fn writer_stopped(e: tokio::task::JoinError) -> ServiceError {
    ServiceError::Internal(anyhow::anyhow!("xlsx writer stopped: {e}"))
}

/// Writes a page of rows to the sheet. Writing is CPU and file work: off the runtime's
/// threads.
pub(crate) async fn write_rows(mut sheet: Sheet, rows: Vec<Vec<Cell>>) -> ServiceResult<Sheet> {
    tokio::task::spawn_blocking(move || {
        for r in &rows {
            sheet.push(r)?;
        }
        Ok::<_, XlsxError>(sheet)
    })
    .await
    .map_err(writer_stopped)?
    .map_err(xlsx_error)
}

/// Writes the finished workbook to `path`.
pub(crate) async fn save(sheet: Sheet, path: std::path::PathBuf) -> ServiceResult<()> {
    tokio::task::spawn_blocking(move || sheet.save(&path)).await.map_err(writer_stopped)?.map_err(xlsx_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_what_rfc_4180_requires_and_ends_records_with_crlf() {
        assert_eq!(csv_record(["a", "b c", ""]), "a,b c,\r\n");
        assert_eq!(csv_record(["x,y", "say \"hi\"", "two\nlines"]), "\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n");
        let t = DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default();
        assert_eq!(csv_row(&[Cell::Instant(t), Cell::Int(3), Cell::Empty]), "2026-01-01T00:00:00+00:00,3,\r\n");
    }
}
