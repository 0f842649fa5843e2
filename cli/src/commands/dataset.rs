//! `kamkor dataset`: the depersonalized data set for official statistics (INT-4), as CSV or JSON.

use super::{ensure_absent, write_new};
use crate::app::App;
use crate::args::DatasetArgs;
use crate::error::{CliError, CliResult};
use crate::output::print_json;
use kamkor_core::registry::{Dataset, DatasetRow};
use kamkor_core::ErrorCode;
use serde_json::json;
use std::io::Write;
use std::path::Path;

/// The CSV columns: the fields of [`DatasetRow`], in order.
pub const COLUMNS: [&str; 11] = [
    "territory",
    "sex",
    "birth_years",
    "identified_year",
    "disability",
    "migrant_parents",
    "legal_status",
    "case_state",
    "risk",
    "circumstances",
    "monitored",
];

fn record(r: &DatasetRow) -> [String; 11] {
    [
        r.territory.to_string(),
        r.sex.clone(),
        r.birth_years.clone(),
        r.identified_year.clone(),
        r.disability.to_string(),
        r.migrant_parents.to_string(),
        r.legal_status.clone(),
        r.case_state.clone().unwrap_or_default(),
        r.risk.clone().unwrap_or_default(),
        r.circumstances.join("|"),
        r.monitored.to_string(),
    ]
}

/// The data set as CSV (UTF-8, `,`, a header row; circumstances joined with `|`).
pub fn dataset_csv(d: &Dataset) -> CliResult<Vec<u8>> {
    let fail = |e: csv::Error| CliError::new(ErrorCode::Storage, "CSV_OUTPUT").arg("detail", e);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS).map_err(fail)?;
    for r in &d.rows {
        w.write_record(record(r)).map_err(fail)?;
    }
    w.into_inner().map_err(|e| fail(e.into_error().into()))
}

fn is_json(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// `kamkor dataset [--out FILE]`.
pub fn run(app: &App, a: DatasetArgs) -> CliResult {
    if let Some(out) = &a.out {
        ensure_absent(out)?;
    }
    let (reg, session) = app.open_session()?;
    let d = reg.depersonalized_dataset(&session)?;
    let ui = &app.ui;
    let counts = [
        ("rows", d.rows.len().to_string()),
        ("coarsened", d.coarsened.to_string()),
        ("withheld", d.withheld.to_string()),
        ("threshold", d.threshold.to_string()),
    ];
    let Some(path) = &a.out else {
        if ui.json {
            return print_json(&d);
        }
        let bytes = dataset_csv(&d)?;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&bytes).and_then(|_| out.flush());
        // The counts go to standard error so that standard output stays one clean CSV.
        eprintln!("{}", ui.ta("dataset-counts", &counts));
        return Ok(());
    };
    let bytes = if is_json(path) {
        serde_json::to_vec_pretty(&d).map_err(|e| CliError::new(ErrorCode::Storage, "JSON_OUTPUT").arg("detail", e))?
    } else {
        dataset_csv(&d)?
    };
    write_new(path, &bytes)?;
    if ui.json {
        return print_json(&json!({
            "file": path.display().to_string(), "rows": d.rows.len(), "coarsened": d.coarsened,
            "withheld": d.withheld, "threshold": d.threshold,
        }));
    }
    outln!("{}", ui.ta("dataset-written", &[("path", path.display().to_string())]));
    outln!("{}", ui.ta("dataset-counts", &counts));
    Ok(())
}
