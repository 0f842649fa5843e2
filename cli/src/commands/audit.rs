//! `kamkor audit ...`: verifying the chain, refused attempts, entries.

use super::when;
use crate::app::App;
use crate::args::AuditCmd;
use crate::error::{CliError, CliResult, EXIT_OTHER};
use crate::i18n::Ui;
use crate::output::{clip, print_json, Table};
use kamkor_core::audit::{AuditEntry, Outcome};
use kamkor_core::registry::AuditReport;
use kamkor_core::ErrorCode;

/// Runs an `audit` subcommand.
pub fn run(app: &App, cmd: AuditCmd) -> CliResult {
    let (reg, session) = app.open_session()?;
    let ui = &app.ui;
    match cmd {
        AuditCmd::Verify => {
            let report = reg.verify_audit(&session)?;
            if ui.json {
                print_json(&report)?;
            } else if report.ok {
                outln!("{}", ui.ta("audit-ok", &[("entries", report.entries.to_string())]));
            }
            if let Some(err) = broken(ui, &report) {
                return Err(if ui.json { err.reported() } else { err });
            }
        }
        AuditCmd::Denied { since } => {
            let entries = reg.denied_attempts(&session, since)?;
            if ui.json {
                return print_json(&entries);
            }
            print_entries(ui, &entries);
            outln!("{}", ui.ta("audit-denied-total", &[("count", entries.len().to_string())]));
        }
        AuditCmd::List { from, limit } => {
            let entries = reg.audit_entries(&session, from, limit)?;
            if ui.json {
                return print_json(&entries);
            }
            print_entries(ui, &entries);
        }
    }
    Ok(())
}

/// The error for a broken chain, naming the entry and the problem.
pub fn broken(ui: &Ui, report: &AuditReport) -> Option<CliError> {
    let b = report.first_break.as_ref()?;
    Some(
        CliError::new(ErrorCode::Storage, "AUDIT_BROKEN")
            .arg("at", b.at)
            .arg("problem", problem_label(ui, &b.problem))
            .arg("code", &b.problem)
            .with_exit(EXIT_OTHER),
    )
    .filter(|_| !report.ok)
}

/// The localized text of an audit chain problem code.
pub fn problem_label(ui: &Ui, problem: &str) -> String {
    let id = format!("audit-problem-{}", problem.to_ascii_lowercase().replace('_', "-"));
    if ui.has(&id) {
        ui.t(&id)
    } else {
        problem.to_string()
    }
}

/// An outcome in words: allowed, or refused/failed with the localized reason.
pub fn outcome_label(ui: &Ui, o: &Outcome) -> String {
    match o {
        Outcome::Allowed => ui.t("outcome-allowed"),
        Outcome::Denied { reason } => format!("{}: {} ({reason})", ui.t("outcome-denied"), reason_text(ui, reason)),
        Outcome::Failed { reason } => format!("{}: {reason}", ui.t("outcome-failed")),
    }
}

/// The localized message of a stable reason code.
pub fn reason_text(ui: &Ui, reason: &str) -> String {
    let id = kamkor_core::i18n::reason_message_id(reason);
    if ui.has(&id) {
        ui.t(&id)
    } else {
        reason.to_string()
    }
}

fn print_entries(ui: &Ui, entries: &[AuditEntry]) {
    let mut t =
        Table::new(ui, &["col-seq", "col-time", "col-actor", "col-action", "col-target", "col-outcome", "col-detail"]);
    for e in entries {
        t.row(vec![
            e.seq.to_string(),
            when(&e.time),
            e.actor.clone().unwrap_or_else(|| "—".into()),
            e.action.clone(),
            e.target.clone().map_or_else(|| "—".into(), |t| clip(&t, 34)),
            outcome_label(ui, &e.outcome),
            e.detail.clone().map_or_else(String::new, |d| clip(&d, 40)),
        ]);
    }
    t.print();
}
