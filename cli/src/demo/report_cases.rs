//! Printing the cases part of the demo: the walk, what is due for whom, a case in full.

use super::cases_tour::CaseFigures;
use crate::i18n::Ui;
use crate::output::{clip, Table};

fn secs(ms: u128) -> String {
    format!("{:.1}", ms as f64 / 1000.0)
}

/// Prints the cases part.
pub fn print(ui: &Ui, c: &CaseFigures) {
    outln!("\n{}", ui.t("demo-cases-title"));
    match &c.walk {
        Some(w) => outln!(
            "{}",
            ui.ta(
                "demo-cases-walk",
                &[
                    ("days", w.days.to_string()),
                    ("opened", w.opened.to_string()),
                    ("signals", w.signals.to_string()),
                    ("events", w.events.to_string()),
                    ("done", w.measures_done.to_string()),
                    ("visits", w.visits.to_string()),
                    ("sign_ins", w.sign_ins.to_string()),
                    ("seconds", secs(w.millis)),
                ]
            )
        ),
        None => outln!("{}", ui.t("demo-cases-walked-before")),
    }
    if !c.states.is_empty() {
        let states: Vec<String> = c.states.iter().map(|s| format!("{} {}", s.label, s.count)).collect();
        outln!("{}: {}", ui.t("demo-cases-states"), states.join(" · "));
    }
    outln!(
        "{}",
        ui.ta("demo-cases-due", &[("due", c.due_total.to_string()), ("overdue", c.overdue_total.to_string())])
    );

    outln!("\n{}", ui.t("demo-due-title"));
    let mut t = Table::new(ui, &["col-login", "col-role", "col-territory", "col-due-count", "col-overdue"]);
    for p in &c.people {
        t.row(vec![p.login.clone(), clip(&p.role, 30), p.territory.clone(), p.due.to_string(), p.overdue.to_string()]);
    }
    t.print();
    for p in &c.people {
        outln!("\n{}", ui.ta("demo-due-person", &[("login", p.login.clone()), ("territory", p.territory.clone())]));
        if p.top.is_empty() {
            outln!("  {}", ui.t("due-nothing"));
        }
        for i in &p.top {
            let mark = if i.overdue { format!("⚠ {}", ui.t("due-overdue")) } else { ui.t("due-due") };
            let signal = if i.urgent { format!(" ({})", ui.t("due-signal")) } else { String::new() };
            outln!(
                "  {mark}{signal}  {} ({})  {}  {}: {}",
                i.due_at.format("%Y-%m-%d %H:%M"),
                i.when,
                i.case,
                i.territory,
                clip(&i.reason, 80)
            );
        }
    }
    if let (Some(owner), false) = (&c.sample_owner, c.sample_text.is_empty()) {
        outln!("\n{}", ui.ta("demo-sample-case", &[("login", owner.clone())]));
        for line in c.sample_text.trim_end().lines() {
            outln!("  {line}");
        }
    }
}
