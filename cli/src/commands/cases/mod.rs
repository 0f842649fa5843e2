//! `kamkor case ...` and `kamkor due`: the case workflow (WF-1 .. WF-6) through the registry.

mod assess;
pub mod due;
mod history;
pub mod labels;
mod plan;
mod programme;
pub mod render;

use super::parse_id;
use crate::app::App;
use crate::args::{CaseCmd, DocArgs, OpenArgs, OptDocArgs, TransitionArgs};
use crate::error::CliResult;
use crate::output::{print_json, Table};
use kamkor_core::case::BasisDocument;
use kamkor_core::registry::{CaseView, OpenCase, TransitionRequest};
use kamkor_core::{Registry, Session};
use labels::Labels;

pub use due::run as due_list;

/// Runs a `case` subcommand.
pub fn run(app: &App, cmd: CaseCmd) -> CliResult {
    match cmd {
        CaseCmd::Open(a) => open(app, *a),
        CaseCmd::Show { id } => show(app, &id),
        CaseCmd::List { child } => list(app, &child),
        CaseCmd::Transition(a) => transition(app, *a),
        CaseCmd::Assess(a) => assess::run(app, a),
        CaseCmd::Plan(c) => plan::run(app, c),
        CaseCmd::Measure(c) => plan::measure(app, c),
        CaseCmd::Monitor(a) => programme::monitor(app, a),
        CaseCmd::Programme(c) => programme::run(app, c),
        CaseCmd::History { id } => history::run(app, &id),
        CaseCmd::Due { id } => due::case_due(app, &parse_id(&id)?),
    }
}

/// A basis document from its flags.
pub fn document(d: DocArgs) -> BasisDocument {
    BasisDocument { kind: d.doc_kind, number: d.doc_number, date: d.doc_date, issuer: d.doc_issuer }
}

fn opt_document(d: OptDocArgs) -> Option<BasisDocument> {
    match (d.doc_kind, d.doc_number, d.doc_date, d.doc_issuer) {
        (Some(kind), Some(number), Some(date), Some(issuer)) => Some(BasisDocument { kind, number, date, issuer }),
        _ => None,
    }
}

/// Prints a case after a change: the whole view as JSON, else one line and what is due now.
pub fn changed(app: &App, reg: &Registry, v: &CaseView, message_id: &str) -> CliResult {
    if app.ui.json {
        return print_json(v);
    }
    let l = Labels { ui: &app.ui, profile: reg.profile() };
    outln!("{}", app.ui.ta(message_id, &[("id", v.id.to_string()), ("state", l.state(&v.case.state))]));
    due::case_lines(&l, &v.case, &v.due, app.clock.now()).print();
    Ok(())
}

fn open(app: &App, a: OpenArgs) -> CliResult {
    let req = OpenCase {
        child: parse_id(&a.child)?,
        opening: a.opening,
        ground: a.ground,
        document: document(a.doc),
        received_at: a.received_at,
    };
    let (reg, session) = app.open_session()?;
    let v = reg.open_case(&session, req)?;
    changed(app, &reg, &v, "case-opened")
}

/// Shows a case in full (with the child's name when the reader may see the record).
pub fn show_case(app: &App, reg: &Registry, session: &Session, v: &CaseView) {
    let child = reg.get_child(session, &v.case.child).ok();
    let l = Labels { ui: &app.ui, profile: reg.profile() };
    render::case_view(&l, reg, v, child.as_ref(), app.clock.now()).print();
}

fn show(app: &App, id: &str) -> CliResult {
    let id = parse_id(id)?;
    let (reg, session) = app.open_session()?;
    let v = reg.get_case(&session, &id)?;
    if app.ui.json {
        return print_json(&v);
    }
    show_case(app, &reg, &session, &v);
    Ok(())
}

fn list(app: &App, child: &str) -> CliResult {
    let child = parse_id(child)?;
    let (reg, session) = app.open_session()?;
    let cases = reg.child_cases(&session, &child)?;
    let ui = &app.ui;
    if ui.json {
        return print_json(&cases);
    }
    if cases.is_empty() {
        outln!("{}", ui.t("cases-none"));
        return Ok(());
    }
    let l = Labels { ui, profile: reg.profile() };
    let mut t = Table::new(ui, &["col-id", "col-opening", "col-received", "col-state", "col-overdue"]);
    for v in &cases {
        let overdue = v.due.iter().filter(|d| d.overdue).count();
        t.row(vec![
            v.id.to_string(),
            l.opening(&v.case.opening),
            v.case.received_at.format("%Y-%m-%d").to_string(),
            l.state(&v.case.state),
            overdue.to_string(),
        ]);
    }
    t.print();
    Ok(())
}

fn transition(app: &App, a: TransitionArgs) -> CliResult {
    let id = parse_id(&a.id)?;
    let req =
        TransitionRequest { transition: a.transition, ground: a.ground, text: a.text, document: opt_document(a.doc) };
    let (reg, session) = app.open_session()?;
    let v = reg.transition(&session, &id, req)?;
    changed(app, &reg, &v, "case-moved")
}
