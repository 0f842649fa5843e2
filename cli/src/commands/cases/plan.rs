//! `kamkor case plan ...` and `kamkor case measure update`: automatic plans (WF-3) and
//! the execution of measures (WF-4).

use super::labels::Labels;
use super::{changed, parse_id};
use crate::app::App;
use crate::args::{MeasureCmd, PlanAddArgs, PlanChangeArgs, PlanCmd};
use crate::error::CliResult;
use crate::output::{print_json, Text};
use kamkor_core::case::Case;
use kamkor_core::plan::{PlanKind, Proposed};
use kamkor_core::registry::{ManualMeasure, MeasureChange, MeasureUpdate, PlanProposal};

/// Runs a `case plan` subcommand.
pub fn run(app: &App, cmd: PlanCmd) -> CliResult {
    match cmd {
        PlanCmd::Propose { id } => propose(app, &id),
        PlanCmd::Accept { id, ids, all } => accept(app, &id, ids, all),
        PlanCmd::Add(a) => add(app, a),
        PlanCmd::Change(a) => change(app, a),
        PlanCmd::Drop { id, measure, reason } => {
            let id = parse_id(&id)?;
            let (reg, session) = app.open_session()?;
            let v = reg.drop_measure(&session, &id, &measure, reason.as_deref().unwrap_or(""))?;
            changed(app, &reg, &v, "plan-edited")
        }
    }
}

fn add(app: &App, a: PlanAddArgs) -> CliResult {
    let id = parse_id(&a.id)?;
    let m = ManualMeasure {
        title: a.title,
        agency: a.agency,
        plan: a.plan,
        due_working_days: a.due_days,
        reason: a.reason.unwrap_or_default(),
    };
    let (reg, session) = app.open_session()?;
    let v = reg.add_measure(&session, &id, m)?;
    changed(app, &reg, &v, "plan-edited")
}

fn change(app: &App, a: PlanChangeArgs) -> CliResult {
    let id = parse_id(&a.id)?;
    let c = MeasureChange {
        title: a.title,
        agency: a.agency,
        due_working_days: a.due_days,
        reason: a.reason.unwrap_or_default(),
    };
    let (reg, session) = app.open_session()?;
    let v = reg.change_measure(&session, &id, &a.measure, c)?;
    changed(app, &reg, &v, "plan-edited")
}

/// `kamkor case measure update`.
pub fn measure(app: &App, cmd: MeasureCmd) -> CliResult {
    let MeasureCmd::Update { id, measure, status, result, responsible } = cmd;
    let id = parse_id(&id)?;
    let (reg, session) = app.open_session()?;
    let v = reg.update_measure(&session, &id, &measure, MeasureUpdate { status, result, responsible })?;
    changed(app, &reg, &v, "measure-updated")
}

fn accept(app: &App, id: &str, ids: Vec<String>, all: bool) -> CliResult {
    let id = parse_id(id)?;
    let (reg, session) = app.open_session()?;
    let ids = if all { reg.propose_plan(&session, &id)?.diff.ids() } else { ids };
    let ui = &app.ui;
    if ids.is_empty() {
        let v = reg.get_case(&session, &id)?;
        if ui.json {
            return print_json(&v);
        }
        outln!("{}", ui.t("plan-nothing-to-accept"));
        return Ok(());
    }
    let n = ids.len();
    let v = reg.accept_plan(&session, &id, ids)?;
    if ui.json {
        return print_json(&v);
    }
    let live = v.case.measures.iter().filter(|m| !m.measure.dropped);
    let (child, family) = live.fold((0, 0), |(c, f), m| match m.measure.plan {
        PlanKind::Child => (c + 1, f),
        PlanKind::Family => (c, f + 1),
    });
    outln!(
        "{}",
        ui.ta(
            "plan-accepted",
            &[
                ("accepted", n.to_string()),
                ("child", child.to_string()),
                ("family", family.to_string()),
                ("id", id.to_string())
            ]
        )
    );
    Ok(())
}

fn propose(app: &App, id: &str) -> CliResult {
    let id = parse_id(id)?;
    let (reg, session) = app.open_session()?;
    let p = reg.propose_plan(&session, &id)?;
    if app.ui.json {
        return print_json(&p);
    }
    let case = reg.get_case(&session, &id)?.case;
    let l = Labels { ui: &app.ui, profile: reg.profile() };
    proposal_text(&l, &case, &p).print();
    if !p.diff.is_empty() {
        outln!("{}", app.ui.ta("plan-accept-hint", &[("id", id.to_string())]));
    }
    Ok(())
}

fn proposed_lines(l: &Labels<'_>, sign: &str, p: &Proposed, out: &mut Text) {
    let ui = l.ui;
    out.line(format!(
        "    {sign} {} [{}] — {}",
        l.text(&p.title),
        p.id,
        ui.ta("plan-due-days", &[("agency", l.agency(&p.agency)), ("days", p.due_working_days.to_string())])
    ));
    out.line(format!(
        "        {}",
        ui.ta(
            "measure-reason",
            &[
                ("rule", p.rule.clone()),
                ("version", p.rule_version.clone()),
                ("circumstance", l.circumstance(&p.circumstance)),
                ("need", l.text(&p.need)),
            ]
        )
    ));
}

/// The proposal in words: circumstances considered, then what to add, drop and change.
pub fn proposal_text(l: &Labels<'_>, case: &Case, p: &PlanProposal) -> Text {
    let ui = l.ui;
    let mut out = Text::default();
    out.line(ui.ta("plan-proposal-title", &[("version", p.rules_version.clone())]));
    let seen: Vec<String> =
        p.circumstances.iter().map(|(c, s)| format!("{} ({})", l.circumstance(c), l.severity(*s))).collect();
    let seen = if seen.is_empty() { ui.t("word-none") } else { seen.join("; ") };
    out.line(format!("{}: {seen}", ui.t("plan-circumstances")));
    if p.diff.is_empty() {
        out.line(ui.t("plan-up-to-date"));
        return out;
    }
    if !p.diff.add.is_empty() {
        out.line(format!("{} ({}):", ui.t("plan-to-add"), p.diff.add.len()));
        for kind in [PlanKind::Child, PlanKind::Family] {
            let items: Vec<&Proposed> = p.diff.add.iter().filter(|m| m.plan == kind).collect();
            if !items.is_empty() {
                out.line(format!("  {}:", l.plan_kind(kind)));
            }
            for m in items {
                proposed_lines(l, "+", m, &mut out);
            }
        }
    }
    if !p.diff.drop.is_empty() {
        out.line(format!("{} ({}):", ui.t("plan-to-drop"), p.diff.drop.len()));
        for id in &p.diff.drop {
            let title = case.measures.iter().find(|m| &m.measure.id == id).map(|m| l.text(&m.measure.title));
            out.line(format!("    − {} [{id}] — {}", title.unwrap_or_default(), ui.t("plan-no-longer-produced")));
        }
    }
    if !p.diff.change.is_empty() {
        out.line(format!("{} ({}):", ui.t("plan-to-change"), p.diff.change.len()));
        for (_, m) in &p.diff.change {
            proposed_lines(l, "~", m, &mut out);
        }
    }
    out
}
