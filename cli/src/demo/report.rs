//! Printing the demo's summary: tables for people, one JSON object for scripts.

use super::scenario::Summary;
use crate::commands::audit::{broken, reason_text};
use crate::error::CliResult;
use crate::i18n::Ui;
use crate::output::{clip, print_json, Table};

fn secs(ms: u128) -> String {
    format!("{:.1}", ms as f64 / 1000.0)
}

/// Prints the summary; a broken audit chain or a failed check makes the exit code non-zero.
pub fn print(ui: &Ui, s: &Summary) -> CliResult {
    let audit_error = s.audit.as_ref().and_then(|a| broken(ui, a));
    if ui.json {
        print_json(s)?;
        return match audit_error {
            Some(e) => Err(e.reported()),
            None => Ok(()),
        };
    }
    outln!("{}", ui.t("demo-title"));
    outln!("{}", ui.ta("demo-where", &[("registry", s.registry.clone()), ("key", s.key_file.clone())]));
    if s.existing {
        outln!("{}", ui.t("demo-existing"));
    }
    if let Some(p) = &s.population {
        let rate = if p.millis > 0 { (p.children as f64 * 1000.0 / p.millis as f64).round() } else { 0.0 };
        outln!(
            "{}",
            ui.ta(
                "demo-populated",
                &[
                    ("children", p.children.to_string()),
                    ("extras", p.extras.to_string()),
                    ("families", p.families.to_string()),
                    ("updates", p.updates.to_string()),
                    ("seconds", secs(p.millis)),
                    ("rate", rate.to_string()),
                ]
            )
        );
    }
    if let Some(t) = s.children_total {
        outln!("{}", ui.ta("demo-children-total", &[("count", t.to_string())]));
    }

    outln!("\n{}", ui.t("demo-roles-title"));
    let mut t = Table::new(ui, &["col-role", "col-login", "col-territory", "col-visible", "col-sample"]);
    for r in &s.roles {
        let visible = match (&r.visible, &r.list.reason) {
            (Some(n), _) => n.to_string(),
            (None, Some(reason)) => format!("✗ {reason}"),
            (None, None) => "—".into(),
        };
        let sample = if r.sample.allowed {
            format!("✓ {}", clip(&r.sample.detail, 60))
        } else {
            format!("✗ {}", r.sample.detail)
        };
        t.row(vec![clip(&r.role_label, 42), r.login.clone(), r.territory_name.clone(), visible, sample]);
    }
    t.print();

    if let Some(c) = &s.cases {
        super::report_cases::print(ui, c);
    }

    outln!("\n{}", ui.t("demo-checks-title"));
    let mut t = Table::new(ui, &["col-actor", "col-attempt", "col-expected", "col-result"]);
    for c in &s.checks {
        let mark = if c.passed { "✓" } else { "✗" };
        t.row(vec![
            c.actor.clone(),
            c.attempt.clone(),
            c.expected.to_string(),
            format!("{mark} {} — {}", c.got, clip(&c.message, 70)),
        ]);
    }
    t.print();

    outln!();
    if let Some(a) = &s.audit {
        match &audit_error {
            None => outln!("{}", ui.ta("audit-ok", &[("entries", a.entries.to_string())])),
            Some(e) => outln!("{}", e.message(ui)),
        }
    }
    outln!("\n{}", ui.ta("demo-denied-title", &[("count", s.denied.len().to_string())]));
    let mut t = Table::new(ui, &["col-seq", "col-actor", "col-action", "col-target", "col-reason"]);
    for d in &s.denied {
        let who = d.login.clone().or_else(|| d.actor.clone()).unwrap_or_else(|| "—".into());
        let target = d.target.clone().map_or_else(|| "—".into(), |x| clip(&x, 14));
        t.row(vec![
            d.seq.to_string(),
            who,
            d.action.clone(),
            target,
            format!("{} — {}", d.reason, reason_text(ui, &d.reason)),
        ]);
    }
    t.print();

    outln!("\n{}", ui.t("demo-explore"));
    for c in &s.commands {
        outln!("  {c}");
    }
    outln!("{}", ui.ta("demo-password", &[("password", s.password.to_string())]));
    let verdict = if s.all_passed { "demo-all-passed" } else { "demo-some-failed" };
    outln!("\n{}", ui.t(verdict));
    outln!("{}", ui.ta("demo-elapsed", &[("seconds", secs(s.elapsed_ms))]));
    match audit_error {
        Some(e) => Err(e.reported()),
        None => Ok(()),
    }
}
