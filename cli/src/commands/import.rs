//! `kamkor import`: bulk import of children under a mapping (REG-5) or of the Sanarip aimak
//! household book (INT-1), with a progress bar, and the rejected rows, the review list and
//! the signals written to CSV files next to the source; `kamkor signals`: open signals.

use super::{read_bytes, read_text};
use crate::app::App;
use crate::args::ImportArgs;
use crate::error::{CliError, CliResult};
use crate::output::{print_json, Table};
use indicatif::{ProgressBar, ProgressStyle};
use kamkor_core::import::{ImportOptions, ImportReport, Mapping, Mode};
use kamkor_core::ErrorCode;
use std::path::{Path, PathBuf};

/// A file beside the source: `book.csv` -> `book.rejects.csv`.
fn beside(source: &Path, suffix: &str) -> PathBuf {
    let stem = source.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "import".into());
    source.with_file_name(format!("{stem}.{suffix}.csv"))
}

/// `kamkor import FILE (--mapping MAP | --household-book) [--mode M] [--encoding E]`.
pub fn run(app: &App, a: ImportArgs) -> CliResult {
    let bytes = read_bytes(&a.file)?;
    let mapping = match (&a.mapping, a.household_book) {
        (Some(m), false) => Some(Mapping::from_toml(&read_text(m)?)?),
        (None, true) => None,
        _ => return Err(CliError::new(ErrorCode::Validation, "IMPORT_SOURCE").with_field("--mapping")),
    };
    let mode = Mode::parse(&a.mode).ok_or_else(|| {
        CliError::new(ErrorCode::Validation, "IMPORT_MODE").with_field("--mode").arg("value", &a.mode)
    })?;
    let encoding = match &a.encoding {
        Some(e) => Some(kamkor_core::import::Encoding::parse(e).ok_or_else(|| {
            CliError::new(ErrorCode::Validation, "IMPORT_ENCODING").with_field("--encoding").arg("value", e)
        })?),
        None => None,
    };
    let file_name = a.file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let options = ImportOptions { mode, file_name, encoding };
    let (reg, session) = app.open_session()?;
    let bar = if app.ui.json { ProgressBar::hidden() } else { ProgressBar::new(0) };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut tick = |p: kamkor_core::import::Progress| {
        bar.set_length(p.total);
        bar.set_position(p.done);
    };
    let report = match &mapping {
        Some(m) => reg.import(&session, &bytes, m, &options, &mut tick)?,
        None => reg.import_household_book(&session, &bytes, &options, &mut tick)?,
    };
    bar.finish_and_clear();
    reg.flush()?;
    let files = write_files(app, &a.file, &bytes, &report, mapping.as_ref())?;
    if app.ui.json {
        print_json(&serde_json::json!({"report": report, "files": files}))?;
    } else {
        print_summary(app, &report, &files);
    }
    if report.rejected.is_empty() {
        Ok(())
    } else {
        Err(CliError::new(ErrorCode::Validation, "IMPORT_ROWS_REJECTED").arg("count", report.rejected.len()).reported())
    }
}

/// Writes the rejects, review and signals CSV files (only those with rows); returns their paths.
fn write_files(
    app: &App,
    source: &Path,
    bytes: &[u8],
    r: &ImportReport,
    mapping: Option<&Mapping>,
) -> CliResult<Vec<String>> {
    let mut out = Vec::new();
    let mut put = |suffix: &str, text: String| -> CliResult {
        let path = beside(source, suffix);
        std::fs::write(&path, text).map_err(|e| super::new_file_error(&path, &e))?;
        out.push(path.display().to_string());
        Ok(())
    };
    if !r.rejected.is_empty() {
        // The header of the source, to give the rejected rows back in its columns.
        let headers = match mapping {
            Some(m) => {
                let format = m
                    .format
                    .or_else(|| kamkor_core::import::Format::from_file_name(&r.file))
                    .unwrap_or(kamkor_core::import::Format::Csv);
                kamkor_core::import::read::read(bytes, format, m.encoding, m.delimiter, m.sheet.as_deref())
                    .map(|t| t.headers)
                    .unwrap_or_default()
            }
            None => kamkor_core::import::household::COLUMNS.iter().map(|c| c.to_string()).collect(),
        };
        put("rejects", r.rejects_csv(&headers, app.ui.lang)?)?;
    }
    if !r.review.is_empty() {
        put("review", r.review_csv()?)?;
    }
    if !r.signals.is_empty() {
        put("signals", r.signals_csv(app.ui.lang)?)?;
    }
    Ok(out)
}

fn print_summary(app: &App, r: &ImportReport, files: &[String]) {
    let ui = &app.ui;
    outln!(
        "{}",
        ui.ta(
            if r.written { "import-done" } else { "import-nothing-written" },
            &[
                ("file", r.file.clone()),
                ("encoding", r.encoding.clone()),
                ("rows", r.rows.to_string()),
                ("accepted", r.accepted.to_string()),
                ("created", r.created.to_string()),
                ("families", r.families.to_string()),
                ("unchanged", r.unchanged.to_string()),
                ("rejected", r.rejected.len().to_string()),
                ("review", r.review.len().to_string()),
                ("signals", r.signals.len().to_string()),
            ]
        )
    );
    if !r.rejected.is_empty() {
        let mut t = Table::new(ui, &["col-line", "col-field", "col-reason"]);
        for e in r.rejected.iter().take(20) {
            t.row(vec![e.line.to_string(), e.field.clone().unwrap_or_default(), e.message(ui.lang)]);
        }
        t.print();
        if r.rejected.len() > 20 {
            outln!("{}", ui.ta("import-more-rejected", &[("count", (r.rejected.len() - 20).to_string())]));
        }
    }
    for f in files {
        outln!("{}", ui.ta("import-file-written", &[("path", f.clone())]));
    }
}

/// `kamkor signals`: children flagged by screening with no case opened since.
pub fn signals(app: &App) -> CliResult {
    let (reg, session) = app.open_session()?;
    let list = reg.signals(&session)?;
    if app.ui.json {
        return print_json(&list);
    }
    let mut t = Table::new(&app.ui, &["col-child", "col-territory", "col-rule"]);
    for s in &list {
        t.row(vec![
            s.child.map(|c| c.to_string()).unwrap_or_default(),
            s.territory.to_string(),
            s.label.get(app.ui.lang).to_string(),
        ]);
    }
    if t.is_empty() {
        outln!("{}", app.ui.t("signals-none"));
    } else {
        t.print();
    }
    Ok(())
}
