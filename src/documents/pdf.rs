//! The page layout of a letter and its writing as PDF/A-2u with `krilla`: blocks of text
//! (a title, paragraphs, label–value lines, tables, a signature) set on A4 pages in DejaVu
//! Sans, which the binary carries (`assets/fonts/`, licence beside it) so that every letter
//! of the Russian, Kazakh and Kyrgyz alphabets prints the same on every machine.
//!
//! The output depends on the `Sheet` alone: the creation date and the document id come
//! from the record, nothing from the clock or a random source, so one record gives the
//! same bytes every time (their SHA-256 names what was issued). `krilla` checks PDF/A-2u
//! itself and refuses to write a file that breaks it. This module knows no business rule
//! and no language: it sets the texts it is given.

use std::sync::OnceLock;

use chrono::{DateTime, Datelike, Timelike, Utc};
use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder, Validator};
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::{DateTime as PdfDateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// A4 in points, with 2 cm margins.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 56.7;
const BODY: f32 = 10.0;
const SMALL: f32 = 8.5;
const TITLE: f32 = 13.0;
const LEADING: f32 = 1.38;

/// One part of a letter, top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The letter's heading, bold and centred.
    Title(String),
    /// A section's heading, bold.
    Heading(String),
    /// Running text, wrapped to the page's width.
    Para(String),
    /// A short line set on the right (addressee, place and date).
    Right(String),
    /// `label: value`, the label bold; the value wraps under itself.
    Field(String, String),
    /// A table: its header row (bold) and rows; `numeric` columns are set flush right.
    Table { header: Vec<String>, rows: Vec<Vec<String>>, widths: Vec<f32>, numeric: Vec<bool> },
    /// Vertical space of one line.
    Gap,
    /// A thin rule across the text width.
    Rule,
    /// Small print (the legal basis of the letter, its reference).
    Small(String),
}

/// A letter ready to be set: what the PDF's metadata says about it and its blocks.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// The document's title (metadata and window title).
    pub title: String,
    /// BCP 47 language of the text.
    pub language: &'static str,
    /// Who issues it (metadata author): the MFO's name.
    pub author: String,
    /// A stable id of the document (kind and record id): the PDF's document id.
    pub document_id: String,
    /// The instant the record fixes for the document (its creation date).
    pub created: DateTime<Utc>,
    /// A line printed at the foot of every page beside the page number.
    pub footer: String,
    pub blocks: Vec<Block>,
}

/// Why a letter could not be written (a defect: the fonts and the validator are ours).
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font could not be read")]
    Font,
    #[error("the PDF/A configuration is invalid: {0}")]
    Configuration(String),
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

struct Fonts {
    regular: Font,
    bold: Font,
}

fn fonts() -> Result<&'static Fonts, PdfError> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| Some(Fonts { regular: Font::new(REGULAR.into(), 0)?, bold: Font::new(BOLD.into(), 0)? }))
        .as_ref()
        .ok_or(PdfError::Font)
}

/// The width of `text` at `size` points, from the font's advances (no kerning: DejaVu's
/// pairs only ever narrow a line, so a line measured this way always fits).
fn width(bold: bool, text: &str, size: f32) -> f32 {
    let Ok(font) = skrifa::FontRef::new(if bold { BOLD } else { REGULAR }) else { return 0.0 };
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
    text.chars().filter_map(|c| charmap.map(c)).filter_map(|g| metrics.advance_width(g)).sum()
}

/// Words of `text` put on lines no wider than `max`; a word wider than a line is cut.
fn wrap(bold: bool, text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if width(bold, &candidate, size) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if width(bold, &piece, size) > max {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        lines.push(line);
    }
    lines
}

/// A piece of text at a place on a page (`y` is the baseline, from the top).
struct Run {
    x: f32,
    y: f32,
    bold: bool,
    size: f32,
    text: String,
}

#[derive(Default)]
struct Laid {
    runs: Vec<Run>,
    rules: Vec<(f32, f32, f32)>,
}

/// Places the blocks on pages.
struct Layout {
    pages: Vec<Laid>,
    y: f32,
}

impl Layout {
    fn new() -> Self {
        Self { pages: vec![Laid::default()], y: MARGIN }
    }

    fn text_width() -> f32 {
        PAGE_W - 2.0 * MARGIN
    }

    fn page(&mut self) -> &mut Laid {
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Room for `height` more points on this page, or a new page.
    fn room(&mut self, height: f32) {
        if self.y + height > PAGE_H - MARGIN - 2.0 * SMALL {
            self.pages.push(Laid::default());
            self.y = MARGIN;
        }
    }

    fn line(&mut self, x: f32, bold: bool, size: f32, text: String) {
        let step = size * LEADING;
        self.room(step);
        self.y += step;
        let y = self.y;
        self.page().runs.push(Run { x, y, bold, size, text });
    }

    fn block(&mut self, b: &Block) {
        let w = Self::text_width();
        match b {
            Block::Title(t) => {
                self.y += BODY * 0.6;
                for l in wrap(true, t, TITLE, w) {
                    let x = MARGIN + (w - width(true, &l, TITLE)) / 2.0;
                    self.line(x, true, TITLE, l);
                }
                self.y += BODY * 0.6;
            }
            Block::Heading(t) => {
                self.y += BODY * 0.3;
                for l in wrap(true, t, BODY, w) {
                    self.line(MARGIN, true, BODY, l);
                }
            }
            Block::Para(t) => {
                for l in wrap(false, t, BODY, w) {
                    self.line(MARGIN, false, BODY, l);
                }
                self.y += BODY * 0.5;
            }
            Block::Right(t) => {
                let column = w * 0.5;
                for l in wrap(false, t, BODY, column) {
                    self.line(MARGIN + w - column, false, BODY, l);
                }
            }
            Block::Small(t) => {
                for l in wrap(false, t, SMALL, w) {
                    self.line(MARGIN, false, SMALL, l);
                }
            }
            Block::Field(label, value) => {
                let label = format!("{label}: ");
                let indent = width(true, &label, BODY);
                if indent > w * 0.45 {
                    // A long label takes its own line(s); the value goes under it.
                    for l in wrap(true, &label, BODY, w) {
                        self.line(MARGIN, true, BODY, l);
                    }
                    for l in wrap(false, value, BODY, w - BODY * 2.0) {
                        self.line(MARGIN + BODY * 2.0, false, BODY, l);
                    }
                    return;
                }
                let lines = wrap(false, value, BODY, w - indent);
                let mut first = true;
                for l in lines {
                    if first {
                        self.line(MARGIN, true, BODY, label.clone());
                        let y = self.y;
                        self.page().runs.push(Run { x: MARGIN + indent, y, bold: false, size: BODY, text: l });
                        first = false;
                    } else {
                        self.line(MARGIN + indent, false, BODY, l);
                    }
                }
            }
            Block::Table { header, rows, widths, numeric } => self.table(header, rows, widths, numeric),
            Block::Gap => self.y += BODY * LEADING,
            Block::Rule => {
                self.room(BODY);
                self.y += BODY * 0.5;
                let y = self.y;
                self.page().rules.push((MARGIN, MARGIN + w, y));
                self.y += BODY * 0.3;
            }
        }
    }

    fn row(&mut self, cells: &[String], widths: &[f32], numeric: &[bool], bold: bool) {
        let w = Self::text_width();
        let pad = 4.0;
        let columns: Vec<Vec<String>> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| wrap(bold, c, SMALL, widths.get(i).copied().unwrap_or(0.1) * w - 2.0 * pad))
            .collect();
        let height = columns.iter().map(Vec::len).max().unwrap_or(1);
        let step = SMALL * LEADING;
        self.room(step * height as f32 + step);
        let top = self.y;
        let mut x = MARGIN;
        for (i, lines) in columns.into_iter().enumerate() {
            let cw = widths.get(i).copied().unwrap_or(0.1) * w;
            let right = numeric.get(i).copied().unwrap_or(false);
            for (k, l) in lines.into_iter().enumerate() {
                let lx = if right { x + cw - pad - width(bold, &l, SMALL) } else { x + pad };
                let y = top + step * (k as f32 + 1.0);
                self.page().runs.push(Run { x: lx, y, bold, size: SMALL, text: l });
            }
            x += cw;
        }
        self.y = top + step * height as f32 + SMALL * 0.4;
        let y = self.y;
        self.page().rules.push((MARGIN, MARGIN + w, y));
    }

    fn table(&mut self, header: &[String], rows: &[Vec<String>], widths: &[f32], numeric: &[bool]) {
        self.y += SMALL * 0.4;
        let w = Self::text_width();
        let y = self.y;
        self.page().rules.push((MARGIN, MARGIN + w, y));
        self.row(header, widths, numeric, true);
        for r in rows {
            self.row(r, widths, numeric, false);
        }
        self.y += BODY * 0.6;
    }
}

fn pdf_date(t: DateTime<Utc>) -> PdfDateTime {
    // The fields are within their ranges by chrono's construction.
    PdfDateTime::new(u16::try_from(t.year()).unwrap_or(2000))
        .month(t.month() as u8)
        .day(t.day() as u8)
        .hour(t.hour() as u8)
        .minute(t.minute() as u8)
        .second(t.second() as u8)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

/// Sets the sheet and writes it as PDF/A-2u.
pub fn render(sheet: &Sheet) -> Result<Vec<u8>, PdfError> {
    let fonts = fonts()?;
    let mut layout = Layout::new();
    for b in &sheet.blocks {
        layout.block(b);
    }
    let configuration = ConfigurationBuilder::new()
        .set_validator(Validator::A(Archival::A2_U))
        .finish()
        .map_err(|e| PdfError::Configuration(format!("{e:?}")))?;
    let settings = SerializeSettings { configuration, enable_tagging: false, ..SerializeSettings::default() };
    let mut document = Document::new_with(settings);
    document.set_metadata(
        Metadata::new()
            .title(sheet.title.clone())
            .authors(vec![sheet.author.clone()])
            .language(sheet.language.to_owned())
            .creator("mfo-api".to_owned())
            .producer("mfo-api (krilla)".to_owned())
            .creation_date(pdf_date(sheet.created))
            .document_id(sheet.document_id.clone()),
    );
    let total = layout.pages.len();
    let black = rgb::Color::new(0, 0, 0);
    for (n, laid) in layout.pages.iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or(PdfError::Write("page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for r in &laid.runs {
            let font = if r.bold { fonts.bold.clone() } else { fonts.regular.clone() };
            surface.draw_text(Point::from_xy(r.x, r.y), font, r.size, &r.text, false, TextDirection::Auto);
        }
        let footer = format!("{}    {}/{}", sheet.footer, n + 1, total);
        let y = PAGE_H - MARGIN + SMALL;
        surface.draw_text(
            Point::from_xy(MARGIN, y),
            fonts.regular.clone(),
            SMALL - 1.0,
            &footer,
            false,
            TextDirection::Auto,
        );
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke { paint: black.into(), width: 0.4, ..Stroke::default() }));
        for &(x0, x1, y) in &laid.rules {
            let mut pb = PathBuilder::new();
            pb.move_to(x0, y);
            pb.line_to(x1, y);
            if let Some(path) = pb.finish() {
                surface.draw_path(&path);
            }
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(blocks: Vec<Block>) -> Sheet {
        Sheet {
            title: "Test".into(),
            language: "kk",
            author: "МҚҰ «Сынақ»".into(),
            document_id: "test/1".into(),
            created: DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default(),
            footer: "test/1".into(),
            blocks,
        }
    }

    #[test]
    fn lines_never_run_past_the_text_width() {
        let text = "Қазақстан Республикасының «Микроқаржылық қызмет туралы» Заңының 9-2-бабы ".repeat(20);
        for l in wrap(false, &text, BODY, 300.0) {
            assert!(width(false, &l, BODY) <= 300.0, "{l}");
        }
        assert_eq!(wrap(false, "a\nb", BODY, 300.0), vec!["a".to_owned(), "b".to_owned()]);
    }

    #[test]
    fn one_sheet_gives_the_same_bytes_twice_and_krilla_accepts_it_as_pdf_a() {
        let blocks = vec![
            Block::Title("Жауап".into()),
            Block::Para("ә ғ қ ң ө ұ ү һ і Ә Ғ Қ Ң Ө Ұ Ү Һ І".into()),
            Block::Table {
                header: vec!["a".into(), "b".into()],
                rows: vec![vec!["1".into(), "2.00".into()]; 80],
                widths: vec![0.5, 0.5],
                numeric: vec![false, true],
            },
        ];
        let a = render(&sheet(blocks.clone())).expect("renders");
        let b = render(&sheet(blocks)).expect("renders");
        assert_eq!(a, b);
        assert!(a.starts_with(b"%PDF-"));
    }
}
