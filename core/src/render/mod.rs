//! Output renderers (REP-1 .. REP-3, WF-8, INT-3): reports as CSV and XLSX, a bar chart and a
//! schematic territory map as SVG, and printed documents (a child's card, a data subject's
//! certificate) as PDF.
//!
//! Every renderer is a pure function of the [report model](crate::report): no I/O, no clock,
//! no randomness, so the same input always gives the same bytes (snapshot-tested). Labels come
//! already localized in the model; the few words the renderers add themselves ("Period",
//! "hidden", the legend of the map) are in [`Text`].
//!
//! Suppressed cells ([`Cell::Suppressed`]) are written as `<N` with `N` the report's threshold
//! (see [`suppressed_marker`]); a note under each output says that such a cell is either below
//! the threshold or hidden so that it cannot be worked out from the totals.

pub mod csv;
pub mod map;
#[cfg(feature = "render")]
pub mod pdf;
pub mod svg;
mod widths;
#[cfg(feature = "render")]
pub mod xlsx;

use crate::i18n::Lang;
use crate::report::{Cell, Report};
use chrono::{DateTime, NaiveDate, Utc};

/// Why a renderer failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The XLSX writer refused the workbook (`message` from `rust_xlsxwriter`).
    #[error("XLSX error: {message}")]
    Xlsx {
        /// The writer's message.
        message: String,
    },
    /// The embedded font could not be read or subset (a broken build, not bad input).
    #[error("font error: {message}")]
    Font {
        /// What went wrong.
        message: String,
    },
    /// The PDF could not be assembled (stream compression failed).
    #[error("PDF error: {message}")]
    Pdf {
        /// What went wrong.
        message: String,
    },
}

impl RenderError {
    /// Stable machine-readable code: `RENDER_XLSX`, `RENDER_FONT` or `RENDER_PDF`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Xlsx { .. } => "RENDER_XLSX",
            Self::Font { .. } => "RENDER_FONT",
            Self::Pdf { .. } => "RENDER_PDF",
        }
    }
}

/// The words renderers add to the (already localized) report model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Text {
    /// "Territory" (the report's scope).
    Scope,
    /// "Reporting period".
    Period,
    /// "Due".
    Due,
    /// "Generated".
    Generated,
    /// "Depersonalized: small numbers are hidden".
    Depersonalized,
    /// Note explaining the suppressed-cell marker; `{m}` is replaced by the marker.
    SuppressedNote,
    /// "SOATE code" heading of a territory code column.
    Code,
    /// "Total".
    Total,
    /// "hidden" (a suppressed value whose threshold is not known).
    Hidden,
    /// "no data".
    NoData,
    /// The map's schematic disclaimer.
    Schematic,
    /// "Legend".
    Legend,
}

impl Text {
    /// The text in a language.
    pub fn get(self, lang: Lang) -> &'static str {
        use Lang::{En, Ky, Ru};
        match (self, lang) {
            (Text::Scope, Ru) => "Территория",
            (Text::Scope, Ky) => "Аймак",
            (Text::Scope, En) => "Territory",
            (Text::Period, Ru) => "Отчётный период",
            (Text::Period, Ky) => "Отчеттук мезгил",
            (Text::Period, En) => "Reporting period",
            (Text::Due, Ru) => "Срок представления",
            (Text::Due, Ky) => "Тапшыруу мөөнөтү",
            (Text::Due, En) => "Due",
            (Text::Generated, Ru) => "Сформирован",
            (Text::Generated, Ky) => "Түзүлгөн",
            (Text::Generated, En) => "Generated",
            (Text::Depersonalized, Ru) => "Обезличенный отчёт: малые числа скрыты",
            (Text::Depersonalized, Ky) => "Жекелиги жок отчет: кичине сандар жашырылган",
            (Text::Depersonalized, En) => "Depersonalized report: small numbers are hidden",
            (Text::SuppressedNote, Ru) => {
                "{m} — скрыто: меньше {t} или скрыто, чтобы малое число нельзя было вычислить из итогов"
            }
            (Text::SuppressedNote, Ky) => {
                "{m} — жашырылган: {t}төн аз, же кичине санды жыйынтыктан эсептеп чыгууга болбос үчүн жашырылган"
            }
            (Text::SuppressedNote, En) => {
                "{m} — hidden: below {t}, or hidden so that a small number cannot be worked out from the totals"
            }
            (Text::Code, Ru) => "Код СОАТЕ",
            (Text::Code, Ky) => "СОАТЕ коду",
            (Text::Code, En) => "SOATE code",
            (Text::Total, Ru) => "Всего",
            (Text::Total, Ky) => "Баары",
            (Text::Total, En) => "Total",
            (Text::Hidden, Ru) => "скрыто",
            (Text::Hidden, Ky) => "жашырылган",
            (Text::Hidden, En) => "hidden",
            (Text::NoData, Ru) => "нет данных",
            (Text::NoData, Ky) => "маалымат жок",
            (Text::NoData, En) => "no data",
            (Text::Schematic, Ru) => "Схематическая карта: не в масштабе, границы условные",
            (Text::Schematic, Ky) => "Схемалык карта: масштабсыз, чектер шарттуу",
            (Text::Schematic, En) => "Schematic map: not to scale, boundaries are not real",
            (Text::Legend, Ru) => "Легенда",
            (Text::Legend, Ky) => "Белгилер",
            (Text::Legend, En) => "Legend",
        }
    }
}

/// The text written in place of a suppressed cell: `<` and the report's threshold (`<5`).
pub fn suppressed_marker(_report: &Report) -> String {
    // Neutral on purpose: a cell hidden to protect a total is not necessarily small.
    "x".to_string()
}

/// The note explaining [`suppressed_marker`], in a language.
pub fn suppressed_note(report: &Report, lang: Lang) -> String {
    Text::SuppressedNote
        .get(lang)
        .replace("{m}", &suppressed_marker(report))
        .replace("{t}", &report.threshold.to_string())
}

/// A cell as text: the count, or the suppressed marker.
pub(crate) fn cell_text(cell: Cell, marker: &str) -> String {
    match cell {
        Cell::Count(n) => n.to_string(),
        Cell::Suppressed => marker.to_owned(),
    }
}

/// A count with thousands grouped for people: `12 345` (no-break space) in Russian and
/// Kyrgyz, `12,345` in English.
pub fn format_count(n: u64, lang: Lang) -> String {
    let sep = match lang {
        Lang::En => ',',
        Lang::Ru | Lang::Ky => '\u{a0}',
    };
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

/// A date as people in the language write it: `31.03.2025` (ru, ky), `2025-03-31` (en).
pub fn format_date(d: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::En => d.format("%Y-%m-%d").to_string(),
        Lang::Ru | Lang::Ky => d.format("%d.%m.%Y").to_string(),
    }
}

/// A timestamp in UTC, marked as such (the model carries no time zone).
pub fn format_datetime(t: DateTime<Utc>, lang: Lang) -> String {
    match lang {
        Lang::En => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        Lang::Ru | Lang::Ky => t.format("%d.%m.%Y %H:%M UTC").to_string(),
    }
}

/// The header lines of a report (title first), shared by CSV and XLSX: `(label, value)`,
/// with an empty label for the title.
pub(crate) fn report_header(report: &Report, lang: Lang) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), report.title.get(lang).to_owned())];
    out.push((Text::Scope.get(lang).to_owned(), report.scope_name.get(lang).to_owned()));
    if let Some((from, to)) = report.period {
        out.push((
            Text::Period.get(lang).to_owned(),
            format!("{} – {}", format_date(from, lang), format_date(to, lang)),
        ));
    }
    if let Some(due) = report.due_date {
        out.push((Text::Due.get(lang).to_owned(), format_date(due, lang)));
    }
    out.push((Text::Generated.get(lang).to_owned(), format_datetime(report.generated_at, lang)));
    if report.depersonalized {
        out.push((String::new(), Text::Depersonalized.get(lang).to_owned()));
    }
    out
}

/// Whether any cell of the report is suppressed (the note is printed only then).
pub(crate) fn has_suppressed(report: &Report) -> bool {
    report.tables.iter().flat_map(|t| t.rows.iter().chain(t.totals.iter())).any(|r| r.cells.contains(&Cell::Suppressed))
}

/// Escapes text for XML/SVG content and attribute values; drops characters XML 1.0 forbids.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A number for SVG coordinates: at most two decimals, no trailing zeros (stable output).
pub(crate) fn num(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    let s = format!("{r:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// DejaVu Sans, embedded in PDFs and used to measure SVG text (see `core/assets/fonts`).
#[cfg(feature = "render")]
pub(crate) static FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold.
#[cfg(feature = "render")]
pub(crate) static FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

#[cfg(feature = "render")]
fn metrics(bold: bool) -> Option<&'static ttf_parser::Face<'static>> {
    use std::sync::OnceLock;
    static REGULAR: OnceLock<Option<ttf_parser::Face<'static>>> = OnceLock::new();
    static BOLD: OnceLock<Option<ttf_parser::Face<'static>>> = OnceLock::new();
    let (cell, data) = if bold { (&BOLD, FONT_BOLD) } else { (&REGULAR, FONT_REGULAR) };
    cell.get_or_init(|| ttf_parser::Face::parse(data, 0).ok()).as_ref()
}

/// Width in pixels of `s` at `size` px, measured with DejaVu Sans: SVG carries no metrics and
/// viewers pick their own `sans-serif`; DejaVu is among the widest, so text measured with it
/// fits in narrower fonts (Arial, Helvetica, Roboto) too.
#[cfg(feature = "render")]
pub(crate) fn text_width_of(s: &str, size: f64, bold: bool) -> f64 {
    let Some(face) = metrics(bold) else {
        return s.chars().count() as f64 * size * if bold { 0.7 } else { 0.62 };
    };
    let upem = f64::from(face.units_per_em().max(1));
    let units: f64 = s
        .chars()
        .map(|c| {
            let g = face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
            f64::from(face.glyph_hor_advance(g).unwrap_or(0))
        })
        .sum();
    units * size / upem
}

/// Without the fonts (feature `render-svg` alone): the same measure from the table of DejaVu
/// advances in `widths.rs` (Latin, Cyrillic with the Kyrgyz letters, common punctuation; other
/// characters count as the font's missing glyph). The table is checked against the font.
#[cfg(not(feature = "render"))]
pub(crate) fn text_width_of(s: &str, size: f64, bold: bool) -> f64 {
    widths::text_width_of(s, size, bold)
}

/// [`text_width_of`] in the regular face.
pub(crate) fn text_width(s: &str, size: f64) -> f64 {
    text_width_of(s, size, false)
}

/// Shortens `s` with an ellipsis so that it fits `max` pixels at `size` (regular face).
pub(crate) fn fit_text(s: &str, size: f64, max: f64) -> String {
    fit_text_of(s, size, max, false)
}

/// Shortens `s` with an ellipsis so that it fits `max` pixels at `size`.
pub(crate) fn fit_text_of(s: &str, size: f64, max: f64, bold: bool) -> String {
    if text_width_of(s, size, bold) <= max {
        return s.to_owned();
    }
    let ellipsis = text_width_of("…", size, bold);
    let mut out = String::new();
    for ch in s.chars() {
        out.push(ch);
        if text_width_of(&out, size, bold) + ellipsis > max {
            out.pop();
            break;
        }
    }
    format!("{}…", out.trim_end())
}

/// Splits text into at most `max_lines` lines no wider than `max` px at `size` (words are not
/// broken; the last line is shortened with an ellipsis when text remains).
pub(crate) fn wrap_text(s: &str, size: f64, max: f64, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
        if line.is_empty() || text_width(&candidate, size) <= max {
            line = candidate;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
        }
    }
    lines.push(line);
    if lines.len() > max_lines {
        let rest = lines.split_off(max_lines - 1).join(" ");
        lines.push(rest);
    }
    lines.into_iter().map(|l| fit_text(&l, size, max)).collect()
}

/// A safe SVG id fragment from a stable id: ASCII letters, digits and `-` only.
pub(crate) fn id_fragment(s: &str) -> String {
    let f: String = s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    if f.is_empty() {
        "x".to_owned()
    } else {
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_dates_and_numbers() {
        assert_eq!(format_count(0, Lang::En), "0");
        assert_eq!(format_count(999, Lang::Ru), "999");
        assert_eq!(format_count(1234, Lang::En), "1,234");
        assert_eq!(format_count(1_234_567, Lang::Ky), "1\u{a0}234\u{a0}567");
        let d = NaiveDate::from_ymd_opt(2025, 3, 31).expect("date");
        assert_eq!((format_date(d, Lang::Ru), format_date(d, Lang::En)), ("31.03.2025".into(), "2025-03-31".into()));
        assert_eq!(
            (num(1.0), num(2.456), num(-0.001), num(10.5)),
            ("1".into(), "2.46".into(), "0".into(), "10.5".into())
        );
    }

    #[test]
    fn escaping_and_fitting() {
        assert_eq!(xml_escape("a<b & \"c\"\u{1}\n"), "a&lt;b &amp; &quot;c&quot; ");
        let long = "Кара-Кулжинский район Ошской области";
        let fitted = fit_text(long, 12.0, 100.0);
        assert!(fitted.ends_with('…') && text_width(&fitted, 12.0) <= 100.0, "{fitted}");
        assert_eq!(fit_text("Ош", 12.0, 100.0), "Ош");
        assert!(text_width_of("Ош", 12.0, true) > text_width("Ош", 12.0));
        let lines = wrap_text("один два три четыре пять шесть", 12.0, 60.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…') && lines.iter().all(|l| text_width(l, 12.0) <= 60.0), "{lines:?}");
        assert_eq!(id_fragment("by sex/оба"), "by-sex----");
        assert_eq!(RenderError::Font { message: String::new() }.code(), "RENDER_FONT");
    }

    /// The width table used without the fonts agrees with the fonts, glyph for glyph; on a
    /// mismatch the message is the table to paste into `widths.rs`.
    #[cfg(feature = "render")]
    #[test]
    fn width_table_matches_the_fonts() {
        let mut expected = String::new();
        for (name, bold) in [("REGULAR", false), ("BOLD", true)] {
            let face = metrics(bold).expect("font");
            let adv = |c: char| {
                let g = face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
                face.glyph_hor_advance(g).unwrap_or(0)
            };
            expected.push_str(&format!("pub(super) static {name}: Face = Face {{\n"));
            expected.push_str(&format!("    upem: {},\n", face.units_per_em()));
            expected
                .push_str(&format!("    missing: {},\n", face.glyph_hor_advance(ttf_parser::GlyphId(0)).unwrap_or(0)));
            expected.push_str("    ranges: &[\n");
            for (lo, hi) in widths::RANGES {
                let v: Vec<String> = (*lo..=*hi).map(|u| char::from_u32(u).map_or(0, adv).to_string()).collect();
                expected.push_str(&format!("        ({lo:#06x}, &[{}]),\n", v.join(", ")));
            }
            expected.push_str("    ],\n};\n");
        }
        let mut current = Vec::new();
        let mut truth = Vec::new();
        for (face, bold) in [(&widths::REGULAR, false), (&widths::BOLD, true)] {
            let font = metrics(bold).expect("font");
            current.push((
                face.upem,
                face.missing,
                face.ranges.iter().map(|(lo, v)| (*lo, v.to_vec())).collect::<Vec<_>>(),
            ));
            let ranges = widths::RANGES
                .iter()
                .map(|(lo, hi)| {
                    let v = (*lo..=*hi)
                        .map(|u| {
                            let g =
                                char::from_u32(u).and_then(|c| font.glyph_index(c)).unwrap_or(ttf_parser::GlyphId(0));
                            font.glyph_hor_advance(g).unwrap_or(0)
                        })
                        .collect::<Vec<u16>>();
                    (*lo, v)
                })
                .collect::<Vec<_>>();
            truth.push((font.units_per_em(), font.glyph_hor_advance(ttf_parser::GlyphId(0)).unwrap_or(0), ranges));
        }
        assert!(current == truth, "widths.rs is stale; its tables should be:\n{expected}");
        for s in ["Кара-Кулжинский район", "Ysyk-Köl oblast — 12 345…", "Үй-бүлө ң ө ү №5"]
        {
            for bold in [false, true] {
                assert_eq!(widths::text_width_of(s, 12.0, bold), text_width_of(s, 12.0, bold), "{s}");
            }
        }
    }
}
