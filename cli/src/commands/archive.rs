//! `kamkor retention ...` and `kamkor archive ...` (RET-1, RET-2): who is past the retention
//! age, retention runs and legal holds, archiving on request with its log, and reading an
//! archive package with the master key alone.

use super::{new_file_error, parse_id, read_bytes, when};
use crate::app::{create_private_new, App};
use crate::args::{ArchiveCmd, ArchiveRequestArgs, RetentionCmd};
use crate::error::CliResult;
use crate::i18n::Ui;
use crate::output::{clip, print_json, territory_name, Table};
use kamkor_core::archive::{self, ArchivePayload, ArchiveRequest};
use kamkor_core::registry::{RetentionCandidate, RetentionReport};
use kamkor_core::{Error, Territories};
use serde_json::json;
use std::fs::File;
use std::path::Path;

/// Runs a `retention` subcommand.
pub fn retention(app: &App, cmd: RetentionCmd) -> CliResult {
    let ui = &app.ui;
    match cmd {
        RetentionCmd::Plan => plan(app),
        RetentionCmd::Run { archive } => {
            let (reg, session) = app.open_session()?;
            let report = into_package(&archive, |f| reg.retention_run(&session, f))?;
            done(ui, &archive, &report)
        }
        RetentionCmd::Hold { child, reason } => hold(app, &child, Some(reason)),
        RetentionCmd::Release { child } => hold(app, &child, None),
    }
}

/// Runs an `archive` subcommand.
pub fn run(app: &App, cmd: ArchiveCmd) -> CliResult {
    match cmd {
        ArchiveCmd::Request(a) => request(app, a),
        ArchiveCmd::Requests => requests(app),
        ArchiveCmd::Open { file } => open(app, &file),
    }
}

/// Writes a package into a new private file. A file left empty (nothing was due, or the
/// registry refused) is removed; a written package is kept whatever happens next.
fn into_package(
    path: &Path,
    write: impl FnOnce(&mut File) -> Result<RetentionReport, Error>,
) -> CliResult<RetentionReport> {
    let mut file = create_private_new(path).map_err(|e| new_file_error(path, &e))?;
    let result = write(&mut file);
    let empty = file.metadata().map(|m| m.len() == 0).unwrap_or(false);
    let synced = file.sync_all();
    drop(file);
    if empty {
        let _ = std::fs::remove_file(path);
    }
    let report = result?;
    synced.map_err(|e| crate::error::CliError::io("FILE_UNWRITABLE", path, &e))?;
    Ok(report)
}

fn done(ui: &Ui, path: &Path, r: &RetentionReport) -> CliResult {
    if ui.json {
        let file = (r.archive_bytes > 0).then(|| path.display().to_string());
        return print_json(&json!({"file": file, "report": r}));
    }
    if r.erased_children == 0 {
        outln!("{}", ui.ta("retention-nothing", &[("held", r.held.to_string())]));
        return Ok(());
    }
    let n = |v: u64| v.to_string();
    outln!(
        "{}",
        ui.ta(
            "retention-erased",
            &[
                ("children", n(r.erased_children)),
                ("cases", n(r.erased_cases)),
                ("families", n(r.erased_families)),
                ("held", n(r.held))
            ]
        )
    );
    outln!("{}", ui.ta("archive-written", &[("path", path.display().to_string()), ("bytes", n(r.archive_bytes))]));
    outln!("SHA-256: {}", r.archive_sha256.clone().unwrap_or_default());
    if let Some(g) = r.keyring_generation {
        outln!("{}", ui.ta("keyring-rotated", &[("generation", g.to_string())]));
    }
    Ok(())
}

fn plan(app: &App) -> CliResult {
    let (reg, session) = app.open_session()?;
    let p = reg.retention_plan(&session)?;
    let ui = &app.ui;
    if ui.json {
        return print_json(&p);
    }
    outln!(
        "{}",
        ui.ta(
            "retention-plan",
            &[
                ("date", p.as_of.to_string()),
                ("age", p.age_years.to_string()),
                ("action", p.action.clone()),
                ("due", p.due.len().to_string()),
                ("held", p.held.len().to_string())
            ]
        )
    );
    if p.due.is_empty() && p.held.is_empty() {
        return Ok(());
    }
    let mut t = Table::new(ui, &["col-id", "col-territory", "col-reaches-age", "col-hold"]);
    let row = |c: &RetentionCandidate| {
        vec![
            c.child.to_string(),
            territory_name(reg.territories(), &c.territory, ui),
            c.reaches_age_on.to_string(),
            c.hold.as_deref().map_or_else(|| "—".to_string(), |h| clip(h, 60)),
        ]
    };
    for c in p.due.iter().chain(&p.held) {
        t.row(row(c));
    }
    t.print();
    Ok(())
}

fn hold(app: &App, child: &str, reason: Option<String>) -> CliResult {
    let id = parse_id(child)?;
    let (reg, session) = app.open_session()?;
    let set = reason.is_some();
    reg.set_legal_hold(&session, &id, reason)?;
    if app.ui.json {
        return print_json(&json!({"child": id, "hold": set}));
    }
    outln!("{}", app.ui.ta(if set { "hold-set" } else { "hold-released" }, &[("id", id.to_string())]));
    Ok(())
}

fn request(app: &App, a: ArchiveRequestArgs) -> CliResult {
    let id = parse_id(&a.child)?;
    let req = ArchiveRequest { reason: a.reason, requested_by: a.requested_by, document: a.document };
    let (reg, session) = app.open_session()?;
    let report = into_package(&a.archive, |f| reg.archive_on_request(&session, &id, req, f))?;
    done(&app.ui, &a.archive, &report)
}

fn outcome(ui: &Ui, o: &str) -> String {
    match o.strip_prefix("refused: ") {
        Some(reason) => ui.ta("archive-outcome-refused", &[("reason", reason.to_string())]),
        None if o == "archived" => ui.t("archive-outcome-archived"),
        None => o.to_string(),
    }
}

fn requests(app: &App) -> CliResult {
    let (reg, session) = app.open_session()?;
    let log = reg.archive_requests(&session)?;
    let ui = &app.ui;
    if ui.json {
        return print_json(&log);
    }
    if log.is_empty() {
        outln!("{}", ui.t("archive-requests-none"));
        return Ok(());
    }
    let mut t = Table::new(
        ui,
        &["col-when", "col-child", "col-document", "col-requested-by", "col-reason", "col-outcome", "col-user"],
    );
    for e in &log {
        t.row(vec![
            when(&e.at),
            e.child.to_string(),
            clip(&e.request.document, 30),
            clip(&e.request.requested_by, 30),
            clip(&e.request.reason, 40),
            outcome(ui, &e.outcome),
            e.by.clone(),
        ]);
    }
    t.print();
    Ok(())
}

/// `kamkor archive open FILE`: needs only the master key.
fn open(app: &App, file: &Path) -> CliResult {
    let bytes = read_bytes(file)?;
    let key = app.key()?;
    let payload = archive::open(&bytes, &key)?;
    if app.ui.json {
        return print_json(&payload);
    }
    summary(&app.ui, &payload);
    Ok(())
}

fn summary(ui: &Ui, p: &ArchivePayload) {
    let reason = if p.reason == "request" { ui.t("archive-reason-request") } else { ui.t("archive-reason-retention") };
    outln!(
        "{}",
        ui.ta(
            "archive-summary",
            &[
                ("origin", p.origin.clone()),
                ("at", when(&p.created_at)),
                ("reason", reason),
                ("children", p.children.len().to_string())
            ]
        )
    );
    if let Some(r) = &p.request {
        outln!(
            "{}",
            ui.ta(
                "archive-summary-request",
                &[("document", r.document.clone()), ("by", r.requested_by.clone()), ("reason", r.reason.clone())]
            )
        );
    }
    // No registry here: territory names come from the built-in hierarchy when it knows the code.
    let territories = Territories::kyrgyzstan();
    let mut t = Table::new(
        ui,
        &["col-id", "col-full-name", "col-birth-date", "col-territory", "col-cases", "col-facts", "col-family"],
    );
    for c in &p.children {
        let r = &c.child.record;
        t.row(vec![
            c.child.id.to_string(),
            r.full_name(),
            r.birth_date.to_string(),
            territory_name(&territories, &r.identified_in, ui),
            c.cases.len().to_string(),
            c.history.len().to_string(),
            c.family.as_ref().map_or_else(|| "—".to_string(), |f| f.record.name.clone()),
        ]);
    }
    if !t.is_empty() {
        t.print();
    }
}
