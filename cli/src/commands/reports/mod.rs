//! `kamkor report ...`: statutory reports (REP-1 .. REP-3) within the reader's scope, as aligned
//! text, JSON, CSV, XLSX, a bar chart or the schematic map.

mod text;

use super::{ensure_absent, render_error, write_new};
use crate::app::App;
use crate::args::{ReportCmd, ReportFormat, ReportOpts};
use crate::error::{CliError, CliResult};
use crate::output::print_json;
use chrono::{Datelike, NaiveDate};
use kamkor_core::registry::{ReportKind, ReportRequest};
use kamkor_core::render::{self, map, svg};
use kamkor_core::report::{Report, Table};
use kamkor_core::{ErrorCode, Lang, Registry};
use serde_json::json;
use std::io::Write;

pub use text::due_status;

/// The last quarter that has ended by `today`: (year, quarter).
pub fn last_quarter(today: NaiveDate) -> (i32, u32) {
    match (today.month() - 1) / 3 + 1 {
        1 => (today.year() - 1, 4),
        q => (today.year(), q - 1),
    }
}

/// Runs a `report` subcommand.
pub fn run(app: &App, cmd: ReportCmd) -> CliResult {
    let (kind, opts) = match cmd {
        ReportCmd::Consolidated(opts) => (ReportKind::Consolidated, opts),
        ReportCmd::Quarterly { year, quarter, opts } => {
            let (year, quarter) = match (year, quarter) {
                (Some(y), Some(q)) => (y, q),
                _ => last_quarter(app.today()),
            };
            (ReportKind::Quarterly { year, quarter }, opts)
        }
        ReportCmd::Monitoring { year, quarter, opts } => {
            let (year, quarter) = match (year, quarter) {
                (Some(y), Some(q)) => (y, q),
                _ => last_quarter(app.today()),
            };
            (ReportKind::Monitoring { year, quarter }, opts)
        }
    };
    let ui = &app.ui;
    let format = opts.format.unwrap_or(if ui.json { ReportFormat::Json } else { ReportFormat::Text });
    if format == ReportFormat::Xlsx && opts.out.is_none() {
        return Err(CliError::new(ErrorCode::Validation, "OUT_REQUIRED").with_field("out").with_exit(2));
    }
    if let Some(out) = &opts.out {
        ensure_absent(out)?;
    }
    let (reg, session) = app.open_session()?;
    let req = ReportRequest { report: kind, territory: opts.territory.clone(), depersonalized: opts.depersonalized };
    let report = reg.report(&session, &req)?;
    let lang = ui.lang;
    let bytes: Vec<u8> = match format {
        ReportFormat::Text => text::report_text(ui, &report).into_bytes(),
        ReportFormat::Json => {
            let mut s = serde_json::to_string_pretty(&report)
                .map_err(|e| CliError::new(ErrorCode::Storage, "JSON_OUTPUT").arg("detail", e))?;
            s.push('\n');
            s.into_bytes()
        }
        ReportFormat::Csv => render::csv::report_csv(&report, lang).into_bytes(),
        ReportFormat::Xlsx => render::xlsx::report_xlsx(&report, lang).map_err(render_error)?,
        ReportFormat::Svg | ReportFormat::Map => picture(&reg, &report, &opts, format, lang)?.into_bytes(),
    };
    let Some(path) = &opts.out else {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&bytes).and_then(|_| out.flush());
        return Ok(());
    };
    write_new(path, &bytes)?;
    if ui.json {
        return print_json(&json!({
            "file": path.display().to_string(),
            "bytes": bytes.len(),
            "report": report.id,
            "scope": report.scope,
            "depersonalized": report.depersonalized,
            "period": report.period,
            "due_date": report.due_date,
        }));
    }
    let title = report.title.get(lang).to_string();
    outln!(
        "{}",
        ui.ta(
            "report-written",
            &[("title", title), ("path", path.display().to_string()), ("bytes", bytes.len().to_string())]
        )
    );
    if let Some(due) = report.due_date {
        outln!("{}: {}", render::Text::Due.get(lang), due_status(ui, due, app.today()));
    }
    if report.depersonalized {
        outln!("{}", render::Text::Depersonalized.get(lang));
    }
    Ok(())
}

/// The table an SVG shows: `--chart ID`, else the first.
fn pick_table<'a>(report: &'a Report, id: Option<&str>) -> CliResult<&'a Table> {
    let known = || report.tables.iter().map(|t| t.id.as_str()).collect::<Vec<_>>().join(", ");
    match id {
        Some(id) => report.tables.iter().find(|t| t.id == id).ok_or_else(|| {
            CliError::new(ErrorCode::Validation, "UNKNOWN_TABLE")
                .with_field("chart")
                .arg("id", id)
                .arg("known", known())
        }),
        None => report.tables.first().ok_or_else(|| {
            CliError::new(ErrorCode::Validation, "UNKNOWN_TABLE").with_field("chart").arg("id", "-").arg("known", "-")
        }),
    }
}

/// The bar chart (`svg` with `--chart`) or the schematic map of a table's column.
fn picture(reg: &Registry, report: &Report, opts: &ReportOpts, format: ReportFormat, lang: Lang) -> CliResult<String> {
    let table = pick_table(report, opts.chart.as_deref())?;
    let column = match &opts.column {
        Some(c) => table.columns.iter().position(|x| x.id == *c).ok_or_else(|| {
            let known = table.columns.iter().map(|x| x.id.as_str()).collect::<Vec<_>>().join(", ");
            CliError::new(ErrorCode::Validation, "UNKNOWN_COLUMN").with_field("column").arg("id", c).arg("known", known)
        })?,
        None => table.columns.iter().position(|x| x.id == "total").unwrap_or(0),
    };
    if format == ReportFormat::Svg && opts.chart.is_some() {
        return Ok(svg::bar_chart_marked(table, column, lang, &render::suppressed_marker(report)));
    }
    let values = map::map_values(table, column);
    if values.is_empty() {
        return Err(CliError::new(ErrorCode::Validation, "NOT_BY_TERRITORY").with_field("chart").arg("id", &table.id));
    }
    let heading = table.columns.get(column).map(|c| c.label.get(lang)).unwrap_or_default();
    let title = format!("{} — {heading}", table.title.get(lang));
    Ok(map::territory_map(&values, reg.territories(), lang, &title))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_ended_quarter() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        assert_eq!(last_quarter(d(2026, 3, 2)), (2025, 4));
        assert_eq!(last_quarter(d(2026, 4, 1)), (2026, 1));
        assert_eq!(last_quarter(d(2026, 12, 31)), (2026, 3));
    }
}
