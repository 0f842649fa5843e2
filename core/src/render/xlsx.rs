//! A report as an Excel workbook (REP-1, REP-2): one sheet per table.
//!
//! Each sheet starts with the report title (bold, larger), the table title (bold), the
//! territory, period, due date and generation time, then the heading row (bold, bordered,
//! frozen), the rows, and the totals row (bold). Counts are numbers; a suppressed cell is the
//! text `<5` (the report's threshold), right-aligned, and a note under the table explains it.
//! Sheet names are the table titles, made valid for Excel: at most 31 characters, none of
//! `[]:*?/\`, unique regardless of case.
//!
//! The workbook's creation time is the report's `generated_at`, so the bytes depend only on
//! the report. (rust_xlsxwriter still reads the system clock once when a workbook is created,
//! to fill a default it then discards; on `wasm32-unknown-unknown` that needs its `wasm`
//! feature.)

use super::{format_datetime, report_header, suppressed_marker, suppressed_note, RenderError, Text};
use crate::i18n::Lang;
use crate::report::{Cell, Report, Table};
use chrono::{Datelike, Timelike};
use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

/// Longest sheet name Excel accepts.
pub const MAX_SHEET_NAME: usize = 31;

impl From<XlsxError> for RenderError {
    fn from(e: XlsxError) -> Self {
        RenderError::Xlsx { message: e.to_string() }
    }
}

struct Formats {
    title: Format,
    subtitle: Format,
    label: Format,
    head: Format,
    head_num: Format,
    text: Format,
    count: Format,
    hidden: Format,
    total_text: Format,
    total_count: Format,
    total_hidden: Format,
    note: Format,
}

impl Formats {
    fn new() -> Self {
        let count = Format::new().set_num_format("#,##0");
        let hidden = Format::new().set_align(FormatAlign::Right).set_font_color(Color::RGB(0x60_60_60));
        let top = |f: Format| f.set_bold().set_border_top(FormatBorder::Thin);
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            subtitle: Format::new().set_bold().set_font_size(12),
            label: Format::new().set_font_color(Color::RGB(0x50_50_50)),
            head: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_border_bottom(FormatBorder::Thin)
                .set_background_color(Color::RGB(0xEE_F2_F6)),
            head_num: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_align(FormatAlign::Right)
                .set_border_bottom(FormatBorder::Thin)
                .set_background_color(Color::RGB(0xEE_F2_F6)),
            text: Format::new(),
            total_text: top(Format::new()),
            total_count: top(count.clone()),
            total_hidden: top(hidden.clone()),
            count,
            hidden,
            note: Format::new().set_italic().set_font_color(Color::RGB(0x50_50_50)),
        }
    }
}

/// The report as an XLSX workbook (bytes of the `.xlsx` file).
pub fn report_xlsx(report: &Report, lang: Lang) -> Result<Vec<u8>, RenderError> {
    let mut wb = Workbook::new();
    let g = report.generated_at;
    let created = ExcelDateTime::from_ymd(
        u16::try_from(g.year()).unwrap_or(1970),
        u8::try_from(g.month()).unwrap_or(1),
        u8::try_from(g.day()).unwrap_or(1),
    )?
    .and_hms(
        u16::try_from(g.hour()).unwrap_or(0),
        u8::try_from(g.minute()).unwrap_or(0),
        u8::try_from(g.second()).unwrap_or(0),
    )?;
    let props = DocProperties::new()
        .set_title(report.title.get(lang))
        .set_subject(report.scope_name.get(lang))
        .set_comment(format!("{}: {}", Text::Generated.get(lang), format_datetime(g, lang)))
        .set_creation_datetime(&created);
    wb.set_properties(&props);
    let formats = Formats::new();
    let names = sheet_names(report, lang);
    if report.tables.is_empty() {
        let ws = wb.add_worksheet();
        ws.set_name(names.first().map(String::as_str).unwrap_or("Report"))?;
        write_header(ws, report, None, lang, &formats)?;
        ws.set_column_width(0, 24)?;
        ws.set_column_width(1, 40)?;
    }
    for (table, name) in report.tables.iter().zip(&names) {
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        write_table(ws, report, table, lang, &formats)?;
    }
    Ok(wb.save_to_buffer()?)
}

/// Writes the report header from row 0; returns the next free row.
fn write_header(
    ws: &mut Worksheet,
    report: &Report,
    table: Option<&Table>,
    lang: Lang,
    f: &Formats,
) -> Result<u32, RenderError> {
    let mut row = 0u32;
    for (i, (label, value)) in report_header(report, lang).into_iter().enumerate() {
        if i == 0 {
            ws.write_string_with_format(row, 0, value, &f.title)?;
            ws.set_row_height(row, 20)?;
            row += 1;
            if let Some(t) = table {
                ws.write_string_with_format(row, 0, t.title.get(lang), &f.subtitle)?;
                row += 1;
            }
            continue;
        }
        if label.is_empty() {
            ws.write_string_with_format(row, 0, value, &f.note)?;
        } else {
            ws.write_string_with_format(row, 0, label, &f.label)?;
            ws.write_string_with_format(row, 1, value, &f.text)?;
        }
        row += 1;
    }
    Ok(row + 1)
}

fn write_table(ws: &mut Worksheet, report: &Report, table: &Table, lang: Lang, f: &Formats) -> Result<(), RenderError> {
    let marker = suppressed_marker(report);
    let with_code = table.rows.iter().any(|r| r.territory.is_some());
    let first: u16 = if with_code { 1 } else { 0 };
    let mut row = write_header(ws, report, Some(table), lang, f)?;
    // Heading row.
    let head_row = row;
    if with_code {
        ws.write_string_with_format(row, 0, Text::Code.get(lang), &f.head)?;
    }
    ws.write_string_with_format(row, first, table.row_header.get(lang), &f.head)?;
    let mut widths: Vec<f64> = vec![10.0; table.columns.len()];
    for (i, col) in table.columns.iter().enumerate() {
        let c = first + 1 + col_index(i)?;
        ws.write_string_with_format(row, c, col.label.get(lang), &f.head_num)?;
        widths[i] = (col.label.get(lang).chars().count() as f64 + 2.0).clamp(10.0, 24.0);
    }
    row += 1;
    let mut label_width = table.row_header.get(lang).chars().count();
    for (r, is_total) in table.rows.iter().map(|r| (r, false)).chain(table.totals.iter().map(|r| (r, true))) {
        let (text_f, count_f, hidden_f) =
            if is_total { (&f.total_text, &f.total_count, &f.total_hidden) } else { (&f.text, &f.count, &f.hidden) };
        if with_code {
            let code = r.territory.as_ref().map(|t| t.to_string()).unwrap_or_default();
            ws.write_string_with_format(row, 0, code, text_f)?;
        }
        ws.write_string_with_format(row, first, r.label.get(lang), text_f)?;
        label_width = label_width.max(r.label.get(lang).chars().count());
        for (i, cell) in r.cells.iter().enumerate() {
            let c = first + 1 + col_index(i)?;
            match cell {
                // Excel numbers are f64; counts of children stay far below 2^53.
                Cell::Count(n) => ws.write_number_with_format(row, c, *n as f64, count_f)?,
                Cell::Suppressed => ws.write_string_with_format(row, c, marker.as_str(), hidden_f)?,
            };
        }
        row += 1;
    }
    if table.rows.iter().chain(table.totals.iter()).any(|r| r.cells.contains(&Cell::Suppressed)) {
        ws.write_string_with_format(row + 1, 0, suppressed_note(report, lang), &f.note)?;
    }
    if with_code {
        ws.set_column_width(0, 16)?;
    }
    ws.set_column_width(first, (label_width as f64 + 2.0).clamp(18.0, 60.0))?;
    for (i, w) in widths.into_iter().enumerate() {
        ws.set_column_width(first + 1 + col_index(i)?, w)?;
    }
    ws.set_freeze_panes(head_row + 1, first + 1)?;
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

fn col_index(i: usize) -> Result<u16, RenderError> {
    u16::try_from(i)
        .ok()
        .filter(|&c| c < 16_000)
        .ok_or_else(|| RenderError::Xlsx { message: format!("too many columns ({i})") })
}

/// Valid, unique (case-insensitively) sheet names for the report's tables, in order; one name
/// (the report title) when there are no tables.
pub fn sheet_names(report: &Report, lang: Lang) -> Vec<String> {
    let titles: Vec<&str> = if report.tables.is_empty() {
        vec![report.title.get(lang)]
    } else {
        report.tables.iter().map(|t| t.title.get(lang)).collect()
    };
    let mut taken: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(titles.len());
    for (i, title) in titles.into_iter().enumerate() {
        let base = clean_sheet_name(title, i + 1);
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name.to_lowercase()) {
            let suffix = format!(" ({n})");
            let keep = MAX_SHEET_NAME - suffix.chars().count();
            name = format!("{}{suffix}", base.chars().take(keep).collect::<String>().trim_end());
            n += 1;
        }
        taken.push(name.to_lowercase());
        out.push(name);
    }
    out
}

/// A title made into a valid sheet name: forbidden characters become spaces, runs of spaces
/// collapse, at most 31 characters, no apostrophe at either end; `Sheet N` when empty.
fn clean_sheet_name(title: &str, n: usize) -> String {
    let replaced: String =
        title.chars().map(|c| if "[]:*?/\\".contains(c) || c.is_control() { ' ' } else { c }).collect();
    let collapsed = replaced.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut: String = collapsed.chars().take(MAX_SHEET_NAME).collect();
    let name = cut.trim().trim_matches('\'').trim().to_owned();
    if name.is_empty() || name.eq_ignore_ascii_case("history") {
        format!("Sheet {n}")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid() {
        assert_eq!(clean_sheet_name("Дети: по полу [2025]", 1), "Дети по полу 2025");
        assert_eq!(clean_sheet_name("'''", 3), "Sheet 3");
        assert_eq!(clean_sheet_name("History", 2), "Sheet 2");
        let long = "Выявленные дети в трудной жизненной ситуации по районам";
        assert_eq!(clean_sheet_name(long, 1).chars().count(), 31);
    }
}
