//! `kamkor case monitor` and `kamkor case programme ...`: monitoring visits and the
//! interagency programme's decisions and entries (WF-4).

use super::{changed, document, parse_id};
use crate::app::App;
use crate::args::{MonitorArgs, ProgrammeCmd};
use crate::error::CliResult;
use kamkor_core::case::{Contribution, Decision, Visit};

/// `kamkor case monitor`.
pub fn monitor(app: &App, a: MonitorArgs) -> CliResult {
    let id = parse_id(&a.id)?;
    let visit = Visit { date: a.date, findings: a.findings, concerns: a.concern };
    let (reg, session) = app.open_session()?;
    let v = reg.record_visit(&session, &id, visit)?;
    changed(app, &reg, &v, "visit-recorded")
}

/// Runs a `case programme` subcommand.
pub fn run(app: &App, cmd: ProgrammeCmd) -> CliResult {
    match cmd {
        ProgrammeCmd::Decide(a) => {
            let id = parse_id(&a.id)?;
            let decision = Decision { kind: a.kind, document: document(a.doc), until: a.until, text: a.text };
            let (reg, session) = app.open_session()?;
            let v = reg.programme_decision(&session, &id, decision)?;
            changed(app, &reg, &v, "programme-decided")
        }
        ProgrammeCmd::Contribute { id, agency, kind, text } => {
            let id = parse_id(&id)?;
            let (reg, session) = app.open_session()?;
            let v = reg.programme_contribution(&session, &id, Contribution { agency, kind, text })?;
            changed(app, &reg, &v, "programme-contributed")
        }
    }
}
