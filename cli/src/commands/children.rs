//! `kamkor child ...`: registering, reading, searching and changing children's records.

use super::{parse_id, parse_json, print, read_text, render};
use crate::app::App;
use crate::args::{ChildCmd, UpdateArgs};
use crate::error::{CliError, CliResult};
use crate::output::{clip, print_json, term, territory_name, Table};
use kamkor_core::registry::{NewChild, SearchQuery};
use kamkor_core::{Child, ErrorCode, FieldChange, Provenance};
use serde_json::{json, Value};
use std::path::Path;

/// Runs a `child` subcommand.
pub fn run(app: &App, cmd: ChildCmd) -> CliResult {
    match cmd {
        ChildCmd::Register { file } => register(app, &file),
        ChildCmd::Show { id } => show(app, &id),
        ChildCmd::FindPin { pin } => find_pin(app, &pin),
        ChildCmd::Search { words, birth_date, limit } => {
            search(app, &SearchQuery { name: words.join(" "), birth_date, limit })
        }
        ChildCmd::Update(a) => update(app, a),
        ChildCmd::History { id } => history(app, &id),
        ChildCmd::List { territory, offset, limit } => list(app, territory, offset, limit),
        ChildCmd::Duplicates { file } => duplicates(app, &file),
        ChildCmd::Print(a) => print::card(app, a),
        ChildCmd::Certificate(a) => print::certificate(app, a),
    }
}

fn is_lines(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("jsonl" | "ndjson"))
}

/// Reads `NewChild` records: one JSON object, or one per line of a `.jsonl` file.
fn read_children(path: &Path) -> CliResult<Vec<NewChild>> {
    let text = read_text(path)?;
    if !is_lines(path) {
        return Ok(vec![parse_json(&text, &path.display().to_string())?]);
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        out.push(parse_json(line, &format!("{}:{}", path.display(), i + 1))?);
    }
    if out.is_empty() {
        return Err(kamkor_core::Error::validation("REQUIRED", "rows").into());
    }
    Ok(out)
}

fn register(app: &App, file: &Path) -> CliResult {
    let items = read_children(file)?;
    let (reg, session) = app.open_session()?;
    let results = if is_lines(file) {
        reg.register_children(&session, items)?
    } else {
        vec![reg.register_child(
            &session,
            items.into_iter().next().ok_or_else(|| kamkor_core::Error::validation("REQUIRED", "record"))?,
        )?]
    };
    let ui = &app.ui;
    if ui.json {
        return if is_lines(file) { print_json(&results) } else { print_json(&results[0]) };
    }
    for r in &results {
        outln!("{}", ui.ta("child-registered", &[("id", r.id.to_string())]));
        for w in &r.warnings {
            outln!("  ⚠ {} [{}]", w.localized(ui.lang), w.code);
        }
    }
    if results.len() > 1 {
        outln!("{}", ui.ta("children-registered-total", &[("count", results.len().to_string())]));
    }
    Ok(())
}

fn show(app: &App, id: &str) -> CliResult {
    let id = parse_id(id)?;
    let (reg, session) = app.open_session()?;
    let v = reg.get_child(&session, &id)?;
    if app.ui.json {
        return print_json(&v);
    }
    render::child(&app.ui, &reg, &v);
    Ok(())
}

fn find_pin(app: &App, pin: &str) -> CliResult {
    let (reg, session) = app.open_session()?;
    match reg.find_by_pin(&session, pin)? {
        Some(v) if app.ui.json => print_json(&v),
        Some(v) => {
            render::child(&app.ui, &reg, &v);
            Ok(())
        }
        None => Err(CliError::new(ErrorCode::NotFound, "PIN_NOT_FOUND").with_field("pin")),
    }
}

fn search(app: &App, q: &SearchQuery) -> CliResult {
    let (reg, session) = app.open_session()?;
    let found = reg.search(&session, q)?;
    let ui = &app.ui;
    if ui.json {
        return print_json(&found);
    }
    if found.is_empty() {
        outln!("{}", ui.t("search-none"));
        return Ok(());
    }
    let mut t = Table::new(ui, &["col-score", "col-id", "col-full-name", "col-birth-date", "col-pin", "col-territory"]);
    for m in &found {
        let r = &m.child.record;
        t.row(vec![
            format!("{:.2}", m.score),
            m.child.id.to_string(),
            r.full_name(),
            r.birth_date.to_string(),
            r.pin.clone().unwrap_or_else(|| "—".into()),
            territory_name(reg.territories(), &r.identified_in, ui),
        ]);
    }
    t.print();
    Ok(())
}

/// Parses `field=VALUE`: VALUE as JSON, else as text. Records have no numeric fields, so a
/// number (a PIN, say) is kept as text, and so is every need (needs are texts).
pub fn parse_change(s: &str) -> CliResult<FieldChange> {
    let Some((field, raw)) = s.split_once('=') else {
        return Err(CliError::new(ErrorCode::Validation, "SET_SYNTAX").with_field("set").arg("value", s));
    };
    let field = field.trim();
    if field.is_empty() {
        return Err(CliError::new(ErrorCode::Validation, "SET_SYNTAX").with_field("set").arg("value", s));
    }
    let value = match serde_json::from_str::<Value>(raw) {
        Ok(Value::Null) => Value::Null,
        Ok(Value::Number(_)) | Ok(Value::Bool(_)) if field.starts_with("needs.") => Value::String(raw.to_string()),
        Ok(Value::Number(_)) => Value::String(raw.to_string()),
        Ok(v) if !field.starts_with("needs.") || v.is_string() => v,
        _ => Value::String(raw.to_string()),
    };
    Ok(FieldChange { field: field.to_string(), value })
}

fn update(app: &App, a: UpdateArgs) -> CliResult {
    let id = parse_id(&a.id)?;
    let changes = a.set.iter().map(|s| parse_change(s)).collect::<CliResult<Vec<_>>>()?;
    let provenance = Provenance { source: a.source, received_on: a.received_on, reference: a.reference };
    let (reg, session) = app.open_session()?;
    let v = reg.update_child(&session, &id, changes, provenance, a.note, a.base_version)?;
    if app.ui.json {
        return print_json(&v);
    }
    outln!("{}", app.ui.ta("child-updated", &[("id", v.id.to_string()), ("version", v.version.to_string())]));
    Ok(())
}

fn history(app: &App, id: &str) -> CliResult {
    let id = parse_id(id)?;
    let (reg, session) = app.open_session()?;
    let entries = reg.history(&session, &id)?;
    if app.ui.json {
        return print_json(&entries);
    }
    render::history(&app.ui, &reg, &entries);
    Ok(())
}

fn list(app: &App, under: Option<kamkor_core::TerritoryCode>, offset: usize, limit: usize) -> CliResult {
    let (reg, session) = app.open_session()?;
    let kamkor_core::registry::ChildList { total, children: page } =
        reg.list_children(&session, under.as_ref(), offset, limit)?;
    let ui = &app.ui;
    if ui.json {
        return print_json(&json!({"total": total, "offset": offset, "children": page}));
    }
    let mut t = Table::new(ui, &["col-id", "col-full-name", "col-birth-date", "col-territory", "col-legal-status"]);
    for c in &page {
        let r = &c.record;
        t.row(vec![
            c.id.to_string(),
            r.full_name(),
            r.birth_date.to_string(),
            territory_name(reg.territories(), &r.identified_in, ui),
            clip(&term(reg.profile(), "legal_status", &r.legal_status, ui.lang), 40),
        ]);
    }
    if !t.is_empty() {
        t.print();
    }
    let (from, to) = if page.is_empty() { (0, 0) } else { (offset + 1, offset + page.len()) };
    outln!(
        "{}",
        ui.ta("children-total", &[("total", total.to_string()), ("from", from.to_string()), ("to", to.to_string())])
    );
    Ok(())
}

fn duplicates(app: &App, file: &Path) -> CliResult {
    let text = read_text(file)?;
    let place = file.display().to_string();
    let record: Child = match serde_json::from_str::<NewChild>(&text) {
        Ok(n) => n.record,
        Err(_) => parse_json(&text, &place)?,
    };
    let (reg, session) = app.open_session()?;
    let found = reg.check_duplicates(&session, &record)?;
    let ui = &app.ui;
    if ui.json {
        return print_json(&found);
    }
    if found.is_empty() {
        outln!("{}", ui.t("duplicates-none"));
        return Ok(());
    }
    let mut t = Table::new(ui, &["col-kind", "col-score", "col-id"]);
    for d in &found {
        let kind = if d.kind == "PIN" { ui.t("duplicate-kind-pin") } else { ui.t("duplicate-kind-name") };
        t.row(vec![
            kind,
            format!("{:.2}", d.score),
            d.id.map_or_else(|| ui.t("duplicate-outside-scope"), |i| i.to_string()),
        ]);
    }
    t.print();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_parse_as_json_or_text() {
        let c = parse_change("legal_status=orphan").unwrap();
        assert_eq!(c.value, json!("orphan"));
        let c = parse_change("pin=21203201500001").unwrap();
        assert_eq!(c.value, json!("21203201500001"));
        let c = parse_change("needs.health=true").unwrap();
        assert_eq!(c.value, json!("true"));
        let c = parse_change("patronymic=null").unwrap();
        assert_eq!(c.value, Value::Null);
        let c = parse_change(r#"disability={"present":true}"#).unwrap();
        assert_eq!(c.value, json!({"present": true}));
        let c = parse_change("needs.note=a=b").unwrap();
        assert_eq!((c.field.as_str(), c.value), ("needs.note", json!("a=b")));
        assert!(parse_change("novalue").is_err());
    }
}
