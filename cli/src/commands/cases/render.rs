//! A case for people: state and next steps, assessment, both plans with the reason of
//! every measure, visits, programme and what is due.

use super::due::case_lines;
use super::labels::Labels;
use crate::commands::when;
use crate::output::{fields_text, territory_full, Text};
use chrono::{DateTime, Utc};
use kamkor_core::case::{Case, CaseMeasure, MeasureStatus};
use kamkor_core::plan::PlanKind;
use kamkor_core::registry::{CaseView, ChildView};
use kamkor_core::Registry;

/// The whole view of a case. `child` is the child's record when the reader may see it.
pub fn case_view(l: &Labels<'_>, reg: &Registry, v: &CaseView, child: Option<&ChildView>, now: DateTime<Utc>) -> Text {
    let ui = l.ui;
    let c = &v.case;
    let mut out = Text::default();
    let child_text = match child {
        Some(ch) => format!("{} — {}, {}", c.child, ch.record.full_name(), ch.record.birth_date),
        None => c.child.to_string(),
    };
    let mut fields = vec![
        ("field-case", v.id.to_string()),
        ("field-child", child_text),
        ("field-opening", format!("{} — {}", l.opening(&c.opening), l.term("inclusion_ground", &c.ground))),
        ("field-document", l.document(&c.document)),
        ("field-received", when(&c.received_at)),
        ("field-state", format!("{} ({}: {})", l.state(&c.state), ui.t("word-since"), when(&c.state_since))),
    ];
    if let Some(ch) = child {
        fields.insert(2, ("field-territory", territory_full(reg.territories(), &ch.record.identified_in, ui)));
    }
    if let Some(g) = &c.exit_ground {
        fields.push(("field-exit-ground", l.term("exit_ground", g)));
    }
    let next: Vec<String> = v.available.iter().map(|t| format!("{} [{t}]", l.transition(t))).collect();
    fields.push(("field-next-steps", if next.is_empty() { ui.t("word-none") } else { next.join("; ") }));
    fields.push(("field-version", v.version.to_string()));
    out.push(&fields_text(ui, &fields));

    assessment(l, c, &mut out);
    plans(l, c, now, &mut out);
    visits(l, c, &mut out);
    programme(l, c, &mut out);
    out.line(format!("\n{}:", ui.t("section-due")));
    out.push(&case_lines(l, c, &v.due, now).0);
    out
}

fn assessment(l: &Labels<'_>, c: &Case, out: &mut Text) {
    let ui = l.ui;
    out.line(format!("\n{}:", ui.t("section-assessment")));
    let Some(a) = &c.assessment else {
        out.line(format!("  {}", ui.t("assessment-none")));
        return;
    };
    match (a.submitted_at, a.risk) {
        (Some(at), risk) => out.line(format!(
            "  {}",
            ui.ta(
                "assessment-submitted-at",
                &[("at", when(&at)), ("risk", risk.map_or_else(|| ui.t("word-none"), |r| l.severity(r)))]
            )
        )),
        (None, _) => {
            let missing = l.profile.plan.as_ref().map(|p| a.missing_domains(p)).unwrap_or_default();
            let names: Vec<String> = missing.iter().map(|d| l.domain(d)).collect();
            let names = if names.is_empty() { ui.t("word-none") } else { names.join("; ") };
            out.line(format!("  {}", ui.ta("assessment-draft", &[("missing", names)])));
        }
    }
    let plan = l.profile.plan.as_ref();
    for f in &a.findings {
        let sev = f.severity.or_else(|| plan.and_then(|p| p.circumstance(&f.circumstance)).map(|x| x.severity));
        let mut line = format!("  • {}: {} [{}]", l.domain(&f.domain), l.circumstance(&f.circumstance), f.circumstance);
        if let Some(s) = sev {
            line.push_str(&format!(" — {}", l.severity(s)));
        }
        if let Some(n) = &f.note {
            line.push_str(&format!(" — {n}"));
        }
        out.line(line);
    }
    if !a.no_concerns.is_empty() {
        let names: Vec<String> = a.no_concerns.iter().map(|d| l.domain(d)).collect();
        out.line(format!("  {}: {}", ui.t("assessment-no-concerns"), names.join("; ")));
    }
}

fn plans(l: &Labels<'_>, c: &Case, now: DateTime<Utc>, out: &mut Text) {
    let ui = l.ui;
    let title = match &c.rules_version {
        Some(v) => ui.ta("section-plans-rules", &[("version", v.clone())]),
        None => ui.t("section-plans"),
    };
    out.line(format!("\n{title}:"));
    if c.measures.is_empty() {
        out.line(format!("  {}", ui.t("plan-none")));
        return;
    }
    for kind in [PlanKind::Child, PlanKind::Family] {
        let ms: Vec<&CaseMeasure> = c.measures.iter().filter(|m| m.measure.plan == kind).collect();
        if ms.is_empty() {
            continue;
        }
        out.line(format!("  {} ({}):", l.plan_kind(kind), ms.len()));
        for m in ms {
            measure(l, m, now, out);
        }
    }
}

/// One measure with its execution and its reason.
pub fn measure(l: &Labels<'_>, m: &CaseMeasure, now: DateTime<Utc>, out: &mut Text) {
    let ui = l.ui;
    let pm = &m.measure;
    let open = matches!(m.status, MeasureStatus::Planned | MeasureStatus::InProgress);
    let overdue = !pm.dropped && open && m.due < now.date_naive();
    let mark = if pm.dropped {
        format!("✗ {} ", ui.t("measure-dropped"))
    } else if overdue {
        format!("⚠ {} ", ui.t("due-overdue"))
    } else if m.status == MeasureStatus::Done {
        "✓ ".to_string()
    } else {
        String::new()
    };
    out.line(format!("    {mark}{} [{}]", l.text(&pm.title), pm.id));
    let responsible = m.responsible.clone().unwrap_or_else(|| ui.t("word-none"));
    out.line(format!(
        "      {}",
        ui.ta(
            "measure-line",
            &[
                ("agency", l.agency(&pm.agency)),
                ("due", m.due.to_string()),
                ("status", l.status(m.status)),
                ("responsible", responsible),
            ]
        )
    ));
    if let Some(p) = &pm.proposed {
        out.line(format!(
            "      {}",
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
    if let Some(e) = &pm.manual {
        out.line(format!(
            "      {}",
            ui.ta(
                l.edit_kind(e.kind),
                &[("by", e.by.clone()), ("date", e.at.to_string()), ("reason", e.reason.clone())]
            )
        ));
    }
    if let Some(r) = &m.result {
        out.line(format!("      {}: {r}", ui.t("field-result")));
    }
}

fn visits(l: &Labels<'_>, c: &Case, out: &mut Text) {
    if c.visits.is_empty() {
        return;
    }
    out.line(format!("\n{}:", l.ui.t("section-visits")));
    for v in &c.visits {
        let mut line = format!("  • {} — {}", v.date, v.findings);
        if !v.concerns.is_empty() {
            let names: Vec<String> = v.concerns.iter().map(|x| l.circumstance(x)).collect();
            line.push_str(&format!(" ({}: {})", l.ui.t("field-concerns"), names.join("; ")));
        }
        out.line(line);
    }
}

fn programme(l: &Labels<'_>, c: &Case, out: &mut Text) {
    let Some(p) = &c.programme else { return };
    let ui = l.ui;
    let state = if p.active { ui.t("programme-active") } else { ui.t("programme-ended") };
    let until = p.until.map_or_else(|| ui.t("word-none"), |d| d.to_string());
    out.line(format!("\n{}: {state}, {}: {until}", ui.t("section-programme"), ui.t("word-until")));
    for d in &p.decisions {
        let mut line = format!("  • {} — {}", l.decision(d.kind), l.document(&d.document));
        if let Some(t) = &d.text {
            line.push_str(&format!(" — {t}"));
        }
        out.line(line);
    }
    for (x, by, on) in &p.contributions {
        out.line(format!("  • {on} {} — {}: {} ({by})", l.agency(&x.agency), l.contribution(x.kind), x.text));
    }
}
