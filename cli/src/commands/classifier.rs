//! `kamkor territory load`: finer territory levels from the statistics committee's classifier
//! (REG-7), all or nothing; a mistake is reported with its line.

use super::read_bytes;
use crate::app::App;
use crate::args::LoadArgs;
use crate::error::CliResult;
use crate::output::print_json;
use serde_json::json;

/// `kamkor territory load FILE --effective DATE`.
pub fn load(app: &App, a: LoadArgs) -> CliResult {
    let csv = read_bytes(&a.file)?;
    let (mut reg, session) = app.open_session()?;
    let s = reg.load_classifier(&session, &csv, a.effective)?;
    reg.flush()?;
    let ui = &app.ui;
    if ui.json {
        return print_json(&json!({
            "file": a.file.display().to_string(), "effective": a.effective,
            "added": s.added, "unchanged": s.unchanged, "closed": s.closed,
            "territories": reg.territories().len(),
        }));
    }
    outln!(
        "{}",
        ui.ta(
            "territory-loaded",
            &[
                ("path", a.file.display().to_string()),
                ("date", a.effective.to_string()),
                ("added", s.added.to_string()),
                ("unchanged", s.unchanged.to_string()),
                ("closed", s.closed.to_string()),
                ("total", reg.territories().len().to_string()),
            ]
        )
    );
    Ok(())
}
