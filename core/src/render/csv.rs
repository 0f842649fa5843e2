//! A report as one CSV file for spreadsheets (REP-1, REP-2).
//!
//! Layout: the report header (title, territory, period, due date, generation time), then one
//! block per table — its title line, the heading row, the rows, the totals row — separated by
//! empty lines, and a note explaining the suppressed-cell marker when there is one. When any
//! row of a table is a territory, a SOATE code column comes first.
//!
//! Encoding for Excel as it is set up in Kyrgyzstan and Russia: UTF-8 with a byte order mark
//! (without it Excel reads CSV as cp1251), `;` as the separator (the list separator of the
//! Russian and Kyrgyz regional settings, so a double click opens the file in columns), CRLF
//! line ends. [`report_csv_with`] takes another separator. A text field that a spreadsheet
//! would read as a formula (starting with `=`, `+`, `-` or `@`) is prefixed with `'`. SOATE
//! codes are written as plain digits (exact, but Excel shows 14 digits in exponent form unless
//! the column is formatted as text; the XLSX output stores them as text).

use super::{cell_text, has_suppressed, report_header, suppressed_marker, suppressed_note, Text};
use crate::i18n::Lang;
use crate::report::{Report, Row, Table};

/// The byte order mark that makes Excel read the file as UTF-8.
pub const BOM: char = '\u{feff}';

/// The report as CSV text: BOM, `;`-separated, CRLF line ends (see the module docs).
pub fn report_csv(report: &Report, lang: Lang) -> String {
    report_csv_with(report, lang, b';')
}

/// As [`report_csv`] with another field separator (e.g. `b','` for tools that expect it).
pub fn report_csv_with(report: &Report, lang: Lang, delimiter: u8) -> String {
    // Blocks separated by empty lines (the csv crate writes an empty record as `""`).
    let mut blocks: Vec<Vec<Vec<String>>> = Vec::new();
    blocks.push(
        report_header(report, lang)
            .into_iter()
            .map(|(label, value)| if label.is_empty() { vec![value] } else { vec![label, value] })
            .collect(),
    );
    let marker = suppressed_marker(report);
    for table in &report.tables {
        blocks.push(table_block(table, lang, &marker));
    }
    if has_suppressed(report) {
        blocks.push(vec![vec![suppressed_note(report, lang)]]);
    }
    let mut out = String::from(BOM);
    for (i, block) in blocks.iter().enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        out.push_str(&write_block(block, delimiter));
    }
    out
}

fn write_block(records: &[Vec<String>], delimiter: u8) -> String {
    let mut w = ::csv::WriterBuilder::new()
        .flexible(true)
        .delimiter(delimiter)
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for rec in records {
        // Writing to a Vec cannot fail: the csv writer's only errors here would be I/O errors.
        let _ = w.write_record(rec.iter().map(|f| defuse(f).into_owned()));
    }
    // As above, flushing into a Vec cannot fail.
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Guards against formula injection: a text field that a spreadsheet would take for a
/// formula (`=`, `+`, `-`, `@` first) gets a leading apostrophe. Counts never start so.
fn defuse(field: &str) -> std::borrow::Cow<'_, str> {
    if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{field}").into()
    } else {
        field.into()
    }
}

fn table_block(table: &Table, lang: Lang, marker: &str) -> Vec<Vec<String>> {
    let with_code = table.rows.iter().any(|r| r.territory.is_some());
    let mut out = vec![vec![table.title.get(lang).to_owned()]];
    let mut head: Vec<String> = Vec::with_capacity(table.columns.len() + 2);
    if with_code {
        head.push(Text::Code.get(lang).to_owned());
    }
    head.push(table.row_header.get(lang).to_owned());
    head.extend(table.columns.iter().map(|c| c.label.get(lang).to_owned()));
    out.push(head);
    for row in table.rows.iter().chain(table.totals.iter()) {
        out.push(row_fields(row, with_code, lang, marker));
    }
    out
}

fn row_fields(row: &Row, with_code: bool, lang: Lang, marker: &str) -> Vec<String> {
    let mut out = Vec::with_capacity(row.cells.len() + 2);
    if with_code {
        out.push(row.territory.as_ref().map(|t| t.to_string()).unwrap_or_default());
    }
    out.push(row.label.get(lang).to_owned());
    out.extend(row.cells.iter().map(|c| cell_text(*c, marker)));
    out
}
