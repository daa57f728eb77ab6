//! `mfo-api import`: a book's first migration. Reads an MFO's borrowers, loans or payments
//! from a file (NDJSON, or CSV with a header of field names), each row exactly the GraphQL
//! input of one item of `upsertBorrowers`, `upsertLoans` or `recordPayments`, and writes
//! them through `services::sync` in batches of `sync::MAX_ITEMS` as the MFO's staff
//! (subject `import`): the same rules, audit trail and outbox as the API.
//!
//! It must not judge or write a record itself: a row is parsed here (the GraphQL input
//! type's own parse and conversion), everything else is the bulk sync's. A row that does
//! not parse is refused, never a crash. Progress is kept beside the file
//! (`FILE.import-progress`: the rows whose batch committed) so a stopped run resumes after
//! it; refused rows go to `FILE.refused.ndjson` with their line and reasons.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_graphql::registry::{MetaType, Registry};
use async_graphql::{InputType, Value as GqlValue};
use entity::enums::{OrgKind, Role};
use serde_json::{Map, Value, json};

use crate::auth::Principal;
use crate::config::{ImportFormat, ImportKind};
use crate::error::{ServiceError, UserError, UserErrorReason};
use crate::graphql::loans::{RecordPaymentInput, UpsertBorrowerInput, UpsertLoanInput};
use crate::i18n::Lang;
use crate::ids::OrgId;
use crate::services::loans::Outcome;
use crate::services::sync::{self, ItemResult};
use crate::services::{Ctx, orgs};

/// The subject of the principal an import acts as: its audit entries say `MFO_STAFF:import@<org>`.
pub const SUBJECT: &str = "import";

/// How a run is told to go.
#[derive(Debug, Clone)]
pub struct Options {
    /// The MFO whose book the file is.
    pub mfo: uuid::Uuid,
    /// The file's format; `None`: from its extension.
    pub format: Option<ImportFormat>,
    /// Ignore the checkpoint and start from the first row.
    pub restart: bool,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Rows read in this run (after the checkpoint's).
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub refused: u64,
    /// Rows skipped because the checkpoint said they were done.
    pub resumed_after: u64,
    pub elapsed: Duration,
}

impl Summary {
    /// The line printed at the end: `import: N rows, C created, … in S s (X rows/s)`.
    pub fn line(&self) -> String {
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 { self.rows as f64 / secs } else { 0.0 };
        format!(
            "import: {} rows, {} created, {} updated, {} unchanged, {} refused in {:.1} s ({:.0} rows/s)",
            self.rows, self.created, self.updated, self.unchanged, self.refused, secs, rate
        )
    }
}

/// Why a run stopped before the end of the file.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The organisation named is missing or not an MFO: nothing was read or written.
    #[error("{0}")]
    NotAnMfo(String),
    /// Reading the file or writing to the database failed; the batches before it committed.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl ImportError {
    /// The process's exit code: 2 for a wrong organisation, 1 for a failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::NotAnMfo(_) => 2,
            Self::Failed(_) => 1,
        }
    }
}

/// `FILE.import-progress`.
pub fn checkpoint_path(file: &Path) -> PathBuf {
    beside(file, ".import-progress")
}

/// `FILE.refused.ndjson`.
pub fn refused_path(file: &Path) -> PathBuf {
    beside(file, ".refused.ndjson")
}

fn beside(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

// ---- progress

/// How progress is shown: a bar on a terminal, plain lines otherwise, or nothing (tests).
pub enum Progress {
    Bar(indicatif::ProgressBar),
    Lines { last: Instant, batches: u32, started: Instant },
    Hidden,
}

/// A plain line at most this often, or after this many batches.
const LINE_EVERY: Duration = Duration::from_secs(5);
const LINE_BATCHES: u32 = 10;

impl Progress {
    /// A bar with rows, rate and ETA when stderr is a terminal, plain lines on stderr otherwise.
    pub fn stderr() -> Self {
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(0);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows, {per_sec}, ETA {eta} {msg}")
            {
                bar.set_style(style);
            }
            Self::Bar(bar)
        } else {
            Self::Lines { last: Instant::now(), batches: 0, started: Instant::now() }
        }
    }

    fn begin(&mut self, kind: ImportKind, total: u64, skipped: u64) {
        match self {
            Self::Bar(bar) => {
                bar.set_length(total.saturating_sub(skipped));
                bar.set_message(format!("({kind:?})").to_lowercase());
            }
            Self::Lines { last, started, .. } => {
                *last = Instant::now();
                *started = Instant::now();
                eprintln!(
                    "import: {} rows of {} to go{}",
                    total.saturating_sub(skipped),
                    format!("{kind:?}").to_lowercase(),
                    if skipped > 0 { format!(" (resuming after row {skipped})") } else { String::new() }
                );
            }
            Self::Hidden => {}
        }
    }

    fn batch(&mut self, done: u64, total: u64, refused: u64, last_batch: bool) {
        match self {
            Self::Bar(bar) => bar.set_position(done),
            Self::Lines { last, batches, started } => {
                *batches += 1;
                if last_batch || *batches >= LINE_BATCHES || last.elapsed() >= LINE_EVERY {
                    let secs = started.elapsed().as_secs_f64();
                    let rate = if secs > 0.0 { done as f64 / secs } else { 0.0 };
                    let eta = if rate > 0.0 {
                        format!("{:.0} s", total.saturating_sub(done) as f64 / rate)
                    } else {
                        "?".into()
                    };
                    eprintln!("import: {done}/{total} rows, {refused} refused, {rate:.0} rows/s, ETA {eta}");
                    *last = Instant::now();
                    *batches = 0;
                }
            }
            Self::Hidden => {}
        }
    }

    fn finish(&mut self) {
        if let Self::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

// ---- rows

/// One row of the file: its line (from 1) and its fields, or why it is not an object.
struct Row {
    line: u64,
    fields: Result<Map<String, Value>, UserError>,
}

fn malformed(field: &[&str], problem: impl std::fmt::Display) -> UserError {
    UserError::invalid(field, UserErrorReason::Malformed)
        .with_param("format", "row")
        .with_param("problem", problem.to_string())
}

/// The rows of the file in order, as objects. The file is read synchronously: an import
/// is the process's only work.
fn rows(
    path: &Path,
    format: ImportFormat,
    fields: &Fields,
) -> anyhow::Result<Box<dyn Iterator<Item = anyhow::Result<Row>>>> {
    use anyhow::Context as _;
    let file = File::open(path).with_context(|| format!("failed to open {}", path.display()))?;
    match format {
        ImportFormat::Ndjson => {
            let mut reader = BufReader::new(file);
            let mut line = 0u64;
            let iter = std::iter::from_fn(move || {
                loop {
                    let mut buf = Vec::new();
                    line += 1;
                    match reader.read_until(b'\n', &mut buf) {
                        Ok(0) => return None,
                        Ok(_) => {}
                        Err(e) => return Some(Err(anyhow::Error::new(e).context("failed to read the file"))),
                    }
                    let Ok(text) = std::str::from_utf8(&buf) else {
                        return Some(Ok(Row { line, fields: Err(malformed(&[], "not UTF-8")) }));
                    };
                    let text = text.trim();
                    if text.is_empty() {
                        continue;
                    }
                    let fields = match serde_json::from_str::<Value>(text) {
                        Ok(Value::Object(m)) => Ok(m),
                        Ok(_) => Err(malformed(&[], "not a JSON object")),
                        Err(e) => Err(malformed(&[], format!("not JSON: {e}"))),
                    };
                    return Some(Ok(Row { line, fields }));
                }
            });
            Ok(Box::new(iter))
        }
        ImportFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
            let headers = reader.headers().context("failed to read the CSV header")?.clone();
            let types = fields.clone();
            let iter = reader.into_byte_records().map(move |record| match record {
                Ok(record) => {
                    let line = record.position().map_or(0, |p| p.line());
                    Ok(Row { line, fields: csv_object(&headers, &record, &types) })
                }
                Err(e) => match e.kind() {
                    csv::ErrorKind::Io(_) => Err(anyhow::Error::new(e).context("failed to read the file")),
                    _ => {
                        let line = e.position().map_or(0, |p| p.line());
                        Ok(Row { line, fields: Err(malformed(&[], e)) })
                    }
                },
            });
            Ok(Box::new(iter))
        }
    }
}

/// A CSV record as the JSON object of the GraphQL input: an empty cell is a field left
/// out; a cell becomes what the field's GraphQL type needs (a number for `Int`, a boolean
/// for `Boolean`, JSON for a list or an input object, text otherwise).
fn csv_object(
    headers: &csv::StringRecord,
    record: &csv::ByteRecord,
    types: &Fields,
) -> Result<Map<String, Value>, UserError> {
    if record.len() != headers.len() {
        return Err(malformed(&[], format!("{} cells under a header of {}", record.len(), headers.len())));
    }
    let mut m = Map::new();
    for (name, cell) in headers.iter().zip(record.iter()) {
        let cell = std::str::from_utf8(cell).map_err(|_| malformed(&[name], "not UTF-8"))?;
        if cell.is_empty() {
            continue;
        }
        let value = match types.0.get(name).map(|f| f.ty.trim_end_matches('!')) {
            Some("Int") => cell.trim().parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::from(cell)),
            Some("Boolean") => match cell.trim() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::from(cell),
            },
            Some(ty) if ty.starts_with('[') || types.1.contains(ty) => {
                serde_json::from_str(cell).map_err(|e| malformed(&[name], format!("{name} is not JSON: {e}")))?
            }
            _ => Value::from(cell),
        };
        m.insert(name.to_owned(), value);
    }
    Ok(m)
}

/// One field of an input type: its GraphQL type and whether it may be left out.
#[derive(Clone)]
struct Field {
    ty: String,
    required: bool,
}

/// An input type's fields by name, and the names of the input object types it refers to,
/// from async-graphql's own registry of the type (the schema's one description of it).
#[derive(Clone, Default)]
struct Fields(BTreeMap<String, Field>, std::collections::BTreeSet<String>);

fn fields_of<T: InputType>() -> Fields {
    let mut registry = Registry::default();
    T::create_type_info(&mut registry);
    let name = T::type_name();
    let objects = registry
        .types
        .iter()
        .filter(|(_, t)| matches!(t, MetaType::InputObject { .. }))
        .map(|(n, _)| n.clone())
        .collect();
    let fields = match registry.types.get(name.as_ref()) {
        Some(MetaType::InputObject { input_fields, .. }) => input_fields
            .iter()
            .map(|(n, f)| {
                (n.clone(), Field { ty: f.ty.clone(), required: f.ty.ends_with('!') && f.default_value.is_none() })
            })
            .collect(),
        _ => BTreeMap::new(),
    };
    Fields(fields, objects)
}

/// A row's object as the GraphQL input type, then the service's input: a field the type
/// does not have, a required one missing, or a value of the wrong type refuses the row.
fn parse_row<T: InputType>(
    mut m: Map<String, Value>,
    fields: &Fields,
    path: &str,
    originals: &mut BTreeMap<String, String>,
) -> Result<T, Vec<UserError>> {
    let mut problems = Vec::new();
    for name in m.keys() {
        if !fields.0.contains_key(name) {
            problems.push(malformed(&[name], format!("unknown field {name}")));
        }
    }
    for (name, f) in &fields.0 {
        if f.required && m.get(name).is_none_or(Value::is_null) {
            problems.push(UserError::invalid(&[name], UserErrorReason::Required));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut value = GqlValue::from_json(Value::Object(std::mem::take(&mut m))).map_err(|e| vec![malformed(&[], e)])?;
    crate::text::normalise_const(&mut value, path, originals);
    T::parse(Some(value)).map_err(|e| vec![malformed(&[], e.into_server_error(Default::default()).message)])
}

// ---- the run

/// What the three kinds have in common for a run: the GraphQL input, its conversion to the
/// service's input and the bulk sync call.
trait Kind {
    /// The tables its rows fill, whose planner statistics the import keeps fresh.
    const TABLES: &'static [&'static str];
    type Input: InputType;
    type Service;
    type Record;
    fn into_service(i: Self::Input) -> Result<Self::Service, ServiceError>;
    async fn write(
        ctx: &Ctx,
        p: &Principal,
        items: Vec<Self::Service>,
    ) -> Result<Vec<ItemResult<Self::Record>>, ServiceError>;
}

struct Borrowers;
struct Loans;
struct Payments;

impl Kind for Borrowers {
    const TABLES: &'static [&'static str] = &["borrower"];
    type Input = UpsertBorrowerInput;
    type Service = crate::services::loans::BorrowerInput;
    type Record = entity::borrower::Model;
    fn into_service(i: Self::Input) -> Result<Self::Service, ServiceError> {
        Ok(i.into_service())
    }
    async fn write(
        ctx: &Ctx,
        p: &Principal,
        items: Vec<Self::Service>,
    ) -> Result<Vec<ItemResult<Self::Record>>, ServiceError> {
        sync::upsert_borrowers(ctx, p, items).await
    }
}

impl Kind for Loans {
    const TABLES: &'static [&'static str] = &["loan", "installment"];
    type Input = UpsertLoanInput;
    type Service = crate::services::loans::LoanInput;
    type Record = entity::loan::Model;
    fn into_service(i: Self::Input) -> Result<Self::Service, ServiceError> {
        i.into_service()
    }
    async fn write(
        ctx: &Ctx,
        p: &Principal,
        items: Vec<Self::Service>,
    ) -> Result<Vec<ItemResult<Self::Record>>, ServiceError> {
        sync::upsert_loans(ctx, p, items).await
    }
}

impl Kind for Payments {
    const TABLES: &'static [&'static str] = &["payment", "loan"];
    type Input = RecordPaymentInput;
    type Service = crate::services::loans::PaymentInput;
    type Record = (entity::payment::Model, entity::loan::Model);
    fn into_service(i: Self::Input) -> Result<Self::Service, ServiceError> {
        i.into_service()
    }
    async fn write(
        ctx: &Ctx,
        p: &Principal,
        items: Vec<Self::Service>,
    ) -> Result<Vec<ItemResult<Self::Record>>, ServiceError> {
        sync::record_payments(ctx, p, items).await
    }
}

/// Imports `path` as `kind` for the MFO `options.mfo`: batches of `sync::MAX_ITEMS` rows,
/// each committed through the bulk sync before the checkpoint moves past it.
pub async fn run(
    ctx: &Ctx,
    kind: ImportKind,
    path: &Path,
    options: &Options,
    progress: &mut Progress,
) -> Result<Summary, ImportError> {
    let p = principal(ctx, options.mfo).await?;
    match kind {
        ImportKind::Borrowers => run_kind::<Borrowers>(ctx, &p, kind, path, options, progress).await,
        ImportKind::Loans => run_kind::<Loans>(ctx, &p, kind, path, options, progress).await,
        ImportKind::Payments => run_kind::<Payments>(ctx, &p, kind, path, options, progress).await,
    }
}

/// The MFO's staff as the import acts: refuses an organisation that is missing or not an MFO.
async fn principal(ctx: &Ctx, mfo: uuid::Uuid) -> Result<Principal, ImportError> {
    let org = orgs::find(ctx, OrgId(mfo))
        .await
        .map_err(|e| ImportError::Failed(anyhow::anyhow!("failed to look up the organisation: {e}")))?
        .ok_or_else(|| ImportError::NotAnMfo(format!("no organisation {mfo}: create it with `mfo-api org create`")))?;
    if org.kind != OrgKind::Mfo {
        return Err(ImportError::NotAnMfo(format!("organisation {mfo} ({}) is not an MFO", org.name)));
    }
    Ok(Principal {
        role: Role::MfoStaff,
        subject: SUBJECT.to_owned(),
        org_id: OrgId(org.id),
        org_kind: org.kind,
        jurisdiction: org.jurisdiction,
        borrower_id: None,
        // Not a token: nothing checks it after the principal is made.
        expires_at: ctx.clock.now() + chrono::Duration::days(1),
    })
}

fn format_of(path: &Path, format: Option<ImportFormat>) -> ImportFormat {
    format.unwrap_or_else(|| match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("csv") => ImportFormat::Csv,
        _ => ImportFormat::Ndjson,
    })
}

/// The rows a checkpoint says are done (0 without one, or with `--restart`).
fn read_checkpoint(path: &Path, restart: bool) -> anyhow::Result<u64> {
    let at = checkpoint_path(path);
    if restart || !at.exists() {
        return Ok(0);
    }
    let text = std::fs::read_to_string(&at).map_err(|e| anyhow::anyhow!("failed to read {}: {e}", at.display()))?;
    text.trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("{} does not hold a row count: remove it or use --restart", at.display()))
}

/// Written beside and renamed over, so a stop mid-write leaves the previous count.
fn write_checkpoint(path: &Path, rows: u64) -> anyhow::Result<()> {
    let at = checkpoint_path(path);
    let tmp = beside(&at, ".tmp");
    std::fs::write(&tmp, format!("{rows}\n")).map_err(|e| anyhow::anyhow!("failed to write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, &at).map_err(|e| anyhow::anyhow!("failed to write {}: {e}", at.display()))
}

/// One refused row's line in `FILE.refused.ndjson`: its line, outside id and reasons.
fn refusal(line: u64, external_id: Option<String>, errors: &[UserError]) -> Value {
    let reasons: Vec<Value> = errors
        .iter()
        .map(|e| {
            json!({
                // Relative to the row, as a batch item's paths are to the item.
                "field": e.field.iter().skip(1).collect::<Vec<_>>(),
                "code": match e.code.to_value() {
                    GqlValue::Enum(name) => name.to_string(),
                    other => other.to_string(),
                },
                "rule": e.rule,
                "reason": e.reason.message_id(),
                "message": e.render(Lang::En),
            })
        })
        .collect();
    json!({ "line": line, "externalId": external_id, "reasons": reasons })
}

/// The refused file, opened for this run: emptied on a fresh start; on a resumed one, kept
/// up to the rows before `first_line` (a refusal written after the last checkpoint is
/// written again).
fn open_refused(path: &Path, resumed: bool, first_line: u64) -> anyhow::Result<File> {
    let at = refused_path(path);
    let kept: Vec<String> = if resumed && at.exists() {
        std::fs::read_to_string(&at)
            .map_err(|e| anyhow::anyhow!("failed to read {}: {e}", at.display()))?
            .lines()
            .filter(|l| {
                serde_json::from_str::<Value>(l).ok().and_then(|v| v["line"].as_u64()).is_some_and(|n| n < first_line)
            })
            .map(str::to_owned)
            .collect()
    } else {
        Vec::new()
    };
    let mut f = File::create(&at).map_err(|e| anyhow::anyhow!("failed to create {}: {e}", at.display()))?;
    for l in kept {
        writeln!(f, "{l}").map_err(|e| anyhow::anyhow!("failed to write {}: {e}", at.display()))?;
    }
    Ok(f)
}

/// A batch read from the file: each row's line and outside id, and either its service input
/// or its refusal.
struct Pending<S> {
    line: u64,
    external_id: Option<String>,
    item: Result<S, Vec<UserError>>,
}

async fn run_kind<K: Kind>(
    ctx: &Ctx,
    p: &Principal,
    kind: ImportKind,
    path: &Path,
    options: &Options,
    progress: &mut Progress,
) -> Result<Summary, ImportError> {
    let started = Instant::now();
    let format = format_of(path, options.format);
    let fields = fields_of::<K::Input>();
    let skip = read_checkpoint(path, options.restart)?;
    // A first pass counts the rows, for the progress's total and ETA.
    let total = rows(path, format, &fields)?.try_fold(0u64, |n, r| r.map(|_| n + 1))?;
    let mut summary = Summary { resumed_after: skip.min(total), ..Summary::default() };
    let mut source = rows(path, format, &fields)?.peekable();
    for _ in 0..skip {
        if source.next().transpose()?.is_none() {
            break;
        }
    }
    let first_line = match source.peek() {
        Some(Ok(r)) => r.line,
        _ => u64::MAX,
    };
    let mut refused_file = open_refused(path, skip > 0, first_line)?;
    progress.begin(kind, total, summary.resumed_after);
    let mut done = summary.resumed_after;
    // The planner's statistics are refreshed each time the rows written since the last
    // refresh reach the rows before it (`db::analyze` says why): about twenty times
    // for a million rows, each a sample, not a scan.
    let mut analyzed_at = 0u64;
    loop {
        let mut batch: Vec<Pending<K::Service>> = Vec::with_capacity(sync::MAX_ITEMS);
        let originals = Arc::new(Mutex::new(BTreeMap::new()));
        let mut found = BTreeMap::new();
        while batch.len() < sync::MAX_ITEMS {
            let Some(row) = source.next().transpose()? else { break };
            let external_id =
                row.fields.as_ref().ok().and_then(|m| m.get("externalId")).and_then(Value::as_str).map(str::to_owned);
            let item = row
                .fields
                .map_err(|e| vec![e])
                .and_then(|m| parse_row::<K::Input>(m, &fields, &format!("lines.{}", row.line), &mut found))
                .and_then(|i| {
                    K::into_service(i).map_err(|e| match e {
                        ServiceError::User(errors) => errors,
                        other => vec![malformed(&[], other)],
                    })
                });
            batch.push(Pending { line: row.line, external_id, item });
        }
        if batch.is_empty() {
            break;
        }
        if let Ok(mut o) = originals.lock() {
            *o = found;
        }
        let mut answers: Vec<Option<ItemResult<K::Record>>> = Vec::with_capacity(batch.len());
        let mut items = Vec::new();
        let mut lines = Vec::with_capacity(batch.len());
        for pending in batch {
            lines.push((pending.line, pending.external_id));
            match pending.item {
                Ok(s) => {
                    answers.push(None);
                    items.push(s);
                }
                Err(errors) => answers.push(Some(Err(errors))),
            }
        }
        let written = if items.is_empty() {
            Vec::new()
        } else {
            crate::text::ORIGINALS
                .scope(originals, K::write(ctx, p, items))
                .await
                .map_err(|e| anyhow::anyhow!("the batch after row {done} failed: {e}"))?
        };
        let mut written = written.into_iter();
        for ((line, external_id), answer) in lines.into_iter().zip(answers) {
            let answer = match answer {
                Some(a) => a,
                None => written.next().ok_or_else(|| anyhow::anyhow!("a batch answer is missing"))?,
            };
            summary.rows += 1;
            done += 1;
            match answer {
                Ok((_, Outcome::Created)) => summary.created += 1,
                Ok((_, Outcome::Updated)) => summary.updated += 1,
                Ok((_, Outcome::Unchanged)) => summary.unchanged += 1,
                Err(errors) => {
                    summary.refused += 1;
                    writeln!(refused_file, "{}", refusal(line, external_id, &errors))
                        .map_err(|e| anyhow::anyhow!("failed to write the refused rows: {e}"))?;
                }
            }
        }
        refused_file.flush().map_err(|e| anyhow::anyhow!("failed to write the refused rows: {e}"))?;
        write_checkpoint(path, done)?;
        if summary.rows >= 2 * analyzed_at.max(sync::MAX_ITEMS as u64) {
            crate::db::analyze(&ctx.db, K::TABLES).await?;
            analyzed_at = summary.rows;
        }
        progress.batch(done, total, summary.refused, source.peek().is_none());
    }
    crate::db::analyze(&ctx.db, K::TABLES).await?;
    progress.finish();
    drop(refused_file);
    let checkpoint = checkpoint_path(path);
    if checkpoint.exists() {
        std::fs::remove_file(&checkpoint)
            .map_err(|e| anyhow::anyhow!("failed to remove {}: {e}", checkpoint.display()))?;
    }
    // No refusal at all: no refused file.
    let refused = refused_path(path);
    if std::fs::metadata(&refused).is_ok_and(|m| m.len() == 0) {
        std::fs::remove_file(&refused).map_err(|e| anyhow::anyhow!("failed to remove {}: {e}", refused.display()))?;
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}
