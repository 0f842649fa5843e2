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
//! would read as a formula (starting with `=`, `+`, `-` or `@`) is prefixed with `'`.

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
    let mut w = ::csv::WriterBuilder::new()
        .flexible(true)
        .delimiter(delimiter)
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut rec = |fields: &[&str]| {
        // Writing to a Vec cannot fail: the only errors the csv writer reports are I/O errors.
        let _ = w.write_record(fields.iter().map(|f| defuse(f).into_owned()));
    };
    for (label, value) in report_header(report, lang) {
        if label.is_empty() {
            rec(&[&value]);
        } else {
            rec(&[&label, &value]);
        }
    }
    let marker = suppressed_marker(report);
    for table in &report.tables {
        rec(&[]);
        table_block(table, lang, &marker, &mut rec);
    }
    if has_suppressed(report) {
        rec(&[]);
        rec(&[&suppressed_note(report, lang)]);
    }
    drop(rec);
    // As above, flushing into a Vec cannot fail.
    let bytes = w.into_inner().unwrap_or_default();
    format!("{BOM}{}", String::from_utf8_lossy(&bytes))
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

fn table_block(table: &Table, lang: Lang, marker: &str, rec: &mut impl FnMut(&[&str])) {
    let with_code = table.rows.iter().any(|r| r.territory.is_some());
    rec(&[table.title.get(lang)]);
    let mut head: Vec<&str> = Vec::with_capacity(table.columns.len() + 2);
    if with_code {
        head.push(Text::Code.get(lang));
    }
    head.push(table.row_header.get(lang));
    head.extend(table.columns.iter().map(|c| c.label.get(lang)));
    rec(&head);
    for row in table.rows.iter().chain(table.totals.iter()) {
        let fields = row_fields(row, with_code, lang, marker);
        let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
        rec(&refs);
    }
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
