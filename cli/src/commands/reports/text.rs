//! A report as aligned text tables with the labels of the user's language; hidden cells carry
//! the renderers' marker (`<5`) and the note that explains it.

use crate::i18n::Ui;
use crate::output::Table;
use chrono::NaiveDate;
use kamkor_core::render::{self, format_count, format_date, format_datetime, Text};
use kamkor_core::report::{Cell, Report, Row};

/// The due date with how far off it is: "30.04.2026 (59 days left)", "... (overdue: 3 days)".
pub fn due_status(ui: &Ui, due: NaiveDate, today: NaiveDate) -> String {
    let days = (due - today).num_days();
    let status = match days {
        0 => ui.t("report-due-today"),
        d if d > 0 => ui.ta("report-due-left", &[("days", d.to_string())]),
        d => ui.ta("report-due-overdue", &[("days", (-d).to_string())]),
    };
    format!("{} ({status})", format_date(due, ui.lang))
}

fn cell(c: Cell, marker: &str, ui: &Ui) -> String {
    match c {
        Cell::Count(n) => format_count(n, ui.lang),
        Cell::Suppressed => marker.to_string(),
    }
}

fn row_cells(r: &Row, marker: &str, ui: &Ui) -> Vec<String> {
    let mut cells = vec![r.label.get(ui.lang).to_string()];
    cells.extend(r.cells.iter().map(|c| cell(*c, marker, ui)));
    cells
}

/// The report as text: its header, then every table, then the note on hidden cells.
pub fn report_text(ui: &Ui, report: &Report) -> String {
    let lang = ui.lang;
    let today = report.generated_at.date_naive();
    let mut head: Vec<(String, String)> =
        vec![(Text::Scope.get(lang).to_string(), format!("{} ({})", report.scope_name.get(lang), report.scope))];
    if let Some((from, to)) = report.period {
        head.push((
            Text::Period.get(lang).to_string(),
            format!("{} – {}", format_date(from, lang), format_date(to, lang)),
        ));
    }
    if let Some(due) = report.due_date {
        head.push((Text::Due.get(lang).to_string(), due_status(ui, due, today)));
    }
    head.push((Text::Generated.get(lang).to_string(), format_datetime(report.generated_at, lang)));
    let w = head.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    let title = report.title.get(lang);
    out.push_str(&format!("{title}\n{}\n", "═".repeat(title.chars().count())));
    for (label, value) in &head {
        out.push_str(&format!("{label}:{}{value}\n", " ".repeat(w - label.chars().count() + 1)));
    }
    if report.depersonalized {
        out.push_str(&format!("{}\n", Text::Depersonalized.get(lang)));
    }
    let marker = render::suppressed_marker(report);
    let mut hidden = false;
    for (i, t) in report.tables.iter().enumerate() {
        let mut headers = vec![t.row_header.get(lang).to_string()];
        headers.extend(t.columns.iter().map(|c| c.label.get(lang).to_string()));
        let mut table = Table::with_headers(headers).align_right(1..=t.columns.len());
        for r in &t.rows {
            table.row(row_cells(r, &marker, ui));
        }
        if let Some(total) = &t.totals {
            table.row(row_cells(total, &marker, ui));
        }
        hidden |= t.rows.iter().chain(t.totals.iter()).any(|r| r.cells.contains(&Cell::Suppressed));
        out.push_str(&format!("\n{}. {} [{}]\n", i + 1, t.title.get(lang), t.id));
        if t.rows.is_empty() {
            out.push_str(&format!("{}\n", Text::NoData.get(lang)));
        } else {
            out.push_str(&table.render());
            out.push('\n');
        }
    }
    if hidden {
        out.push_str(&format!("\n{}\n", render::suppressed_note(report, lang)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kamkor_core::Lang;

    #[test]
    fn due_dates_say_how_far_off() {
        let ui = Ui { lang: Lang::En, json: false };
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default();
        assert_eq!(due_status(&ui, d(4, 30), d(4, 30)), "2026-04-30 (due today)");
        assert_eq!(due_status(&ui, d(4, 30), d(4, 28)), "2026-04-30 (days left: 2)");
        assert_eq!(due_status(&ui, d(4, 30), d(5, 3)), "2026-04-30 (overdue, days: 3)");
    }
}
