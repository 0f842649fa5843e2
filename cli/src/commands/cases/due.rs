//! What is due: `kamkor due` (the user's scope) and `kamkor case due` (one case),
//! most urgent first, overdue items marked, each with its reason.

use super::labels::Labels;
use crate::app::App;
use crate::args::DueArgs;
use crate::error::CliResult;
use crate::i18n::Ui;
use crate::output::{clip, print_json, territory_name, Table, Text};
use chrono::{DateTime, Duration, Utc};
use kamkor_core::case::Case;
use kamkor_core::registry::{DueItem, DueKind, DueQuery};
use kamkor_core::{Registry, Session, SubjectId};
use std::collections::HashMap;

/// A span of time in words: days and hours, or hours and minutes.
pub fn span(ui: &Ui, d: Duration) -> String {
    let minutes = d.num_minutes().abs();
    let (days, hours, mins) = (minutes / (24 * 60), minutes / 60 % 24, minutes % 60);
    if days > 0 {
        ui.ta("span-days-hours", &[("days", days.to_string()), ("hours", hours.to_string())])
    } else {
        ui.ta("span-hours-minutes", &[("hours", hours.to_string()), ("minutes", mins.to_string())])
    }
}

/// "overdue by ..." or "in ...".
pub fn relative(ui: &Ui, due_at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if due_at < now {
        ui.ta("due-overdue-by", &[("time", span(ui, now - due_at))])
    } else {
        ui.ta("due-in", &[("time", span(ui, due_at - now))])
    }
}

/// The mark of an item: overdue stands out; a signal about a child in danger is flagged.
pub fn mark(ui: &Ui, item: &DueItem) -> String {
    let mut m = if item.overdue { format!("⚠ {}", ui.t("due-overdue")) } else { ui.t("due-due") };
    if item.urgent {
        m.push_str(&format!(" ({})", ui.t("due-signal")));
    }
    m
}

/// Why an item is due. The core gives a measure's rule title; the case's own title is
/// preferred when known (hand-added and hand-changed measures).
pub fn reason(l: &Labels<'_>, item: &DueItem, case: Option<&Case>) -> String {
    if item.kind == DueKind::Measure {
        if let Some(m) = case.and_then(|c| c.measures.iter().find(|m| m.measure.id == item.reference)) {
            return l.text(&m.measure.title);
        }
    }
    item.reason.get(l.ui.lang).to_string()
}

/// A table of due items.
pub fn table(l: &Labels<'_>, reg: &Registry, items: &[DueItem], now: DateTime<Utc>, cases: &CaseCache) -> Table {
    let ui = l.ui;
    let mut t =
        Table::new(ui, &["col-due-status", "col-due-at", "col-when", "col-case", "col-territory", "col-reason"]);
    for i in items {
        let why = format!("{}: {}", l.due_kind(i.kind), reason(l, i, cases.get(&i.case)));
        t.row(vec![
            mark(ui, i),
            i.due_at.format("%Y-%m-%d %H:%M").to_string(),
            relative(ui, i.due_at, now),
            i.case.to_string(),
            territory_name(reg.territories(), &i.territory, ui),
            clip(&why, 90),
        ]);
    }
    t
}

/// Cases already read, by id (to name hand-made measures in a due list).
pub type CaseCache = HashMap<SubjectId, Case>;

/// The lines of a case's due items (for `case show` and `case due`).
pub fn case_lines(l: &Labels<'_>, case: &Case, items: &[DueItem], now: DateTime<Utc>) -> Text {
    let mut out = Text::default();
    if items.is_empty() {
        out.line(format!("  {}", l.ui.t("due-nothing")));
    }
    for i in items {
        out.line(format!(
            "  {}  {} ({})  {}: {}",
            mark(l.ui, i),
            i.due_at.format("%Y-%m-%d %H:%M UTC"),
            relative(l.ui, i.due_at, now),
            l.due_kind(i.kind),
            reason(l, i, Some(case))
        ));
    }
    out
}

/// Hand-made measures in a due list have no rule title: read their cases once each.
/// A case that cannot be read is simply left out (the core's reason stands).
pub fn cache_manual(reg: &Registry, session: &Session, items: &[DueItem]) -> CaseCache {
    let mut cache = CaseCache::new();
    for i in items.iter().filter(|i| i.kind == DueKind::Measure && i.reference.starts_with("manual/")) {
        if let std::collections::hash_map::Entry::Vacant(e) = cache.entry(i.case) {
            if let Ok(v) = reg.get_case(session, &i.case) {
                e.insert(v.case);
            }
        }
    }
    cache
}

/// `kamkor due`.
pub fn run(app: &App, a: DueArgs) -> CliResult {
    let now = app.clock.now();
    let until = a.until.or_else(|| a.days.map(|d| now + Duration::days(i64::from(d))));
    let (reg, session) = app.open_session()?;
    let items = reg.due(&session, &DueQuery { until, territory: a.territory, limit: a.limit })?;
    let ui = &app.ui;
    if ui.json {
        return print_json(&items);
    }
    if items.is_empty() {
        outln!("{}", ui.t("due-none"));
        return Ok(());
    }
    let l = Labels { ui, profile: reg.profile() };
    let cache = cache_manual(&reg, &session, &items);
    table(&l, &reg, &items, now, &cache).print();
    let overdue = items.iter().filter(|i| i.overdue).count();
    outln!(
        "{}",
        ui.ta(
            "due-total",
            &[("count", items.len().to_string()), ("overdue", overdue.to_string()), ("until", until_text(until, now))]
        )
    );
    Ok(())
}

fn until_text(until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    until.unwrap_or(now + Duration::days(5)).format("%Y-%m-%d %H:%M UTC").to_string()
}

/// `kamkor case due CASE_ID`.
pub fn case_due(app: &App, id: &SubjectId) -> CliResult {
    let (reg, session) = app.open_session()?;
    let v = reg.get_case(&session, id)?;
    if app.ui.json {
        return print_json(&v.due);
    }
    let l = Labels { ui: &app.ui, profile: reg.profile() };
    outln!("{}", app.ui.ta("case-due-title", &[("id", id.to_string()), ("state", l.state(&v.case.state))]));
    case_lines(&l, &v.case, &v.due, app.clock.now()).print();
    Ok(())
}
