//! Output: aligned tables, JSON, and localized labels from the profile.

use crate::error::{CliError, CliResult};
use crate::i18n::Ui;
use kamkor_core::profile::Profile;
use kamkor_core::{Lang, Territories, TerritoryCode};
use serde::Serialize;

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> CliResult {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::new(kamkor_core::ErrorCode::Storage, "JSON_OUTPUT").arg("detail", e))?;
    outln!("{text}");
    Ok(())
}

/// A text table with a header row; columns are padded to the widest cell.
#[derive(Debug, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Columns whose cells are padded on the left (numbers).
    right: Vec<usize>,
}

fn width(s: &str) -> usize {
    // Combining marks take no column.
    s.chars().filter(|c| !('\u{0300}'..='\u{036f}').contains(c)).count()
}

impl Table {
    /// A table with localized headers (message ids).
    pub fn new(ui: &Ui, header_ids: &[&str]) -> Table {
        Table::with_headers(header_ids.iter().map(|h| ui.t(h)).collect())
    }
    /// A table with headers already in the user's language.
    pub fn with_headers(headers: Vec<String>) -> Table {
        Table { headers, ..Table::default() }
    }
    /// Aligns these columns (0-based) to the right, as numbers are.
    pub fn align_right(mut self, columns: impl IntoIterator<Item = usize>) -> Table {
        self.right.extend(columns);
        self
    }
    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
    /// Renders the table.
    pub fn render(&self) -> String {
        let n = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(n) {
                widths[i] = widths[i].max(width(c));
            }
        }
        let line = |cells: &[String]| {
            let mut out = String::new();
            for (i, c) in cells.iter().enumerate().take(n) {
                let pad = " ".repeat(widths[i].saturating_sub(width(c)));
                if self.right.contains(&i) {
                    out.push_str(&pad);
                    out.push_str(c);
                } else {
                    out.push_str(c);
                    if i + 1 < n {
                        out.push_str(&pad);
                    }
                }
                if i + 1 < n {
                    out.push_str("  ");
                }
            }
            out.trim_end().to_string()
        };
        let mut out = line(&self.headers);
        out.push('\n');
        let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
        out.push_str(&line(&rule));
        for r in &self.rows {
            out.push('\n');
            out.push_str(&line(r));
        }
        out
    }
    /// Prints the table on stdout.
    pub fn print(&self) {
        outln!("{}", self.render());
    }
}

/// Prints `label: value` lines with the labels aligned.
pub fn print_fields(ui: &Ui, fields: &[(&str, String)]) {
    outln!("{}", fields_text(ui, fields).trim_end());
}

/// `label: value` lines with the labels aligned, as text (each line ends with a newline).
pub fn fields_text(ui: &Ui, fields: &[(&str, String)]) -> String {
    let labels: Vec<String> = fields.iter().map(|(id, _)| ui.t(id)).collect();
    let w = labels.iter().map(|l| width(l)).max().unwrap_or(0);
    let mut out = String::new();
    for (label, (_, value)) in labels.iter().zip(fields) {
        out.push_str(&format!("{label}:{}{value}\n", " ".repeat(w - width(label) + 1)));
    }
    out
}

/// Text built line by line, printed at once (or kept, as the demo keeps a case's view).
#[derive(Debug, Default, Clone)]
pub struct Text(pub String);

impl Text {
    /// Adds a line.
    pub fn line(&mut self, s: impl AsRef<str>) {
        self.0.push_str(s.as_ref());
        self.0.push('\n');
    }
    /// Adds lines as they are.
    pub fn push(&mut self, s: &str) {
        self.0.push_str(s);
    }
    /// Prints the text on stdout.
    pub fn print(&self) {
        outln!("{}", self.0.trim_end());
    }
}

/// A role's label in the language, or its id.
pub fn role_label(profile: &Profile, role: &str, lang: Lang) -> String {
    profile.role(role).map_or_else(|| role.to_string(), |r| r.label.get(lang).to_string())
}

/// A vocabulary term's label in the language, or its code.
pub fn term(profile: &Profile, vocabulary: &str, code: &str, lang: Lang) -> String {
    match profile.term(vocabulary, code) {
        Some(t) => match lang {
            Lang::Ru => t.ru.clone(),
            Lang::Ky => t.ky.clone(),
            Lang::En => t.en.clone(),
        },
        None => code.to_string(),
    }
}

/// A territory's name in the language, or its code.
pub fn territory_name(territories: &Territories, code: &TerritoryCode, ui: &Ui) -> String {
    territories.get(code).map_or_else(|| code.to_string(), |t| t.name(ui.code()).to_string())
}

/// A territory's name with its code.
pub fn territory_full(territories: &Territories, code: &TerritoryCode, ui: &Ui) -> String {
    format!("{} ({code})", territory_name(territories, code, ui))
}

/// A user status (`active`, `expired`, ...) in the language.
pub fn status_label(ui: &Ui, status: &str) -> String {
    let id = format!("status-{}", status.replace('_', "-"));
    if ui.has(&id) {
        ui.t(&id)
    } else {
        status.to_string()
    }
}

/// "yes"/"no" in the language.
pub fn yes_no(ui: &Ui, v: bool) -> String {
    ui.t(if v { "word-yes" } else { "word-no" })
}

/// Shortens a long text for a table cell.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_cyrillic() {
        let ui = Ui { lang: Lang::En, json: false };
        let mut t = Table::new(&ui, &["x", "y"]);
        t.row(vec!["Айгүл".into(), "1".into()]);
        t.row(vec!["a".into(), "2".into()]);
        let r = t.render();
        let lines: Vec<&str> = r.lines().collect();
        assert_eq!(width(lines[2]), width(lines[3]), "{r}");
        assert!(lines[3].starts_with("a      2"), "{r}");
        assert_eq!(clip("abcdef", 4), "abc…");
    }
}
