//! `kamkor case history`: every event of a case in words, oldest first.

use super::labels::Labels;
use super::parse_id;
use crate::app::App;
use crate::commands::when;
use crate::error::CliResult;
use crate::output::{print_json, Text};
use kamkor_core::case::CaseEvent;
use kamkor_core::facts::FactBody;

/// `kamkor case history CASE_ID`.
pub fn run(app: &App, id: &str) -> CliResult {
    let id = parse_id(id)?;
    let (reg, session) = app.open_session()?;
    let entries = reg.case_history(&session, &id)?;
    if app.ui.json {
        return print_json(&entries);
    }
    let l = Labels { ui: &app.ui, profile: reg.profile() };
    let mut out = Text::default();
    for (i, e) in entries.iter().enumerate() {
        let FactBody::Case { event } = &e.fact else { continue };
        let (head, details) = describe(&l, event);
        out.line(format!("{}. {}  {head}  ({}: {})", i + 1, when(&e.time), app.ui.t("field-author"), e.author));
        for d in details {
            out.line(format!("   {d}"));
        }
    }
    out.print();
    Ok(())
}

/// An event's headline and detail lines.
pub fn describe(l: &Labels<'_>, event: &CaseEvent) -> (String, Vec<String>) {
    let ui = l.ui;
    let mut details = Vec::new();
    let head = match event {
        CaseEvent::Opened { opening, ground, document, received_at, .. } => {
            details.push(format!("{}: {}", ui.t("field-ground"), l.term("inclusion_ground", ground)));
            details.push(format!("{}: {}", ui.t("field-document"), l.document(document)));
            details.push(format!("{}: {}", ui.t("field-received"), when(received_at)));
            ui.ta("event-opened", &[("opening", l.opening(opening))])
        }
        CaseEvent::Transitioned { transition, from, to, ground, text, document, .. } => {
            if let Some(g) = ground {
                details.push(format!("{}: {}", ui.t("field-exit-ground"), l.term("exit_ground", g)));
            }
            if let Some(t) = text {
                details.push(format!("{}: {t}", ui.t("field-note")));
            }
            if let Some(d) = document {
                details.push(format!("{}: {}", ui.t("field-document"), l.document(d)));
            }
            format!("{}: {} → {}", l.transition(transition), l.state(from), l.state(to))
        }
        CaseEvent::Assessed { assessment } => match (assessment.submitted_at, assessment.risk) {
            (Some(_), Some(risk)) => ui.ta("event-assessment-submitted", &[("risk", l.severity(risk))]),
            _ => ui.ta("event-assessment-saved", &[("findings", assessment.findings.len().to_string())]),
        },
        CaseEvent::PlanSet { measures, rules_version, accepted, declined } => {
            let live = measures.iter().filter(|m| !m.measure.dropped).count().to_string();
            match rules_version {
                Some(v) => ui.ta(
                    "event-plan-accepted",
                    &[
                        ("version", v.clone()),
                        ("accepted", accepted.len().to_string()),
                        ("declined", declined.len().to_string()),
                        ("measures", live),
                    ],
                ),
                None => ui.ta("event-plan-edited", &[("measures", live)]),
            }
        }
        CaseEvent::MeasureUpdated { id, status, result, responsible } => {
            if let Some(r) = result {
                details.push(format!("{}: {r}", ui.t("field-result")));
            }
            if let Some(r) = responsible {
                details.push(format!("{}: {r}", ui.t("field-responsible")));
            }
            ui.ta("event-measure", &[("id", id.clone()), ("status", l.status(*status))])
        }
        CaseEvent::Visited { visit } => {
            details.push(visit.findings.clone());
            ui.ta("event-visit", &[("date", visit.date.to_string())])
        }
        CaseEvent::ProgrammeDecided { decision } => {
            details.push(l.document(&decision.document));
            if let Some(t) = &decision.text {
                details.push(t.clone());
            }
            let until = decision.until.map_or_else(|| ui.t("word-none"), |d| d.to_string());
            ui.ta("event-programme-decided", &[("decision", l.decision(decision.kind)), ("until", until)])
        }
        CaseEvent::ProgrammeContributed { contribution, on } => {
            details.push(contribution.text.clone());
            ui.ta(
                "event-programme-entry",
                &[
                    ("agency", l.agency(&contribution.agency)),
                    ("kind", l.contribution(contribution.kind)),
                    ("date", on.to_string()),
                ],
            )
        }
    };
    (head, details)
}
