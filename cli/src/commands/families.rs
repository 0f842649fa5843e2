//! `kamkor family ...`: family records and children's links to them.

use super::{parse_id, parse_json, read_text, render};
use crate::app::App;
use crate::args::FamilyCmd;
use crate::error::CliResult;
use crate::output::print_json;
use kamkor_core::{Family, Provenance};
use serde::Deserialize;
use serde_json::json;

/// A family to register, with where the information came from.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewFamily {
    record: Family,
    provenance: Provenance,
}

/// Runs a `family` subcommand.
pub fn run(app: &App, cmd: FamilyCmd) -> CliResult {
    let ui = &app.ui;
    match cmd {
        FamilyCmd::Register { file } => {
            let text = read_text(&file)?;
            let new: NewFamily = parse_json(&text, &file.display().to_string())?;
            let (reg, session) = app.open_session()?;
            let id = reg.register_family(&session, new.record, new.provenance)?;
            if ui.json {
                return print_json(&json!({"id": id}));
            }
            outln!("{}", ui.ta("family-registered", &[("id", id.to_string())]));
        }
        FamilyCmd::Show { id } => {
            let id = parse_id(&id)?;
            let (reg, session) = app.open_session()?;
            let v = reg.get_family(&session, &id)?;
            if ui.json {
                return print_json(&v);
            }
            render::family(ui, &reg, &v);
        }
        FamilyCmd::Link { child, family, unlink, source, received_on, reference } => {
            let child = parse_id(&child)?;
            let family = if unlink { None } else { family.as_deref().map(parse_id).transpose()? };
            let (reg, session) = app.open_session()?;
            reg.link_child(&session, &child, family.as_ref(), Provenance { source, received_on, reference })?;
            if ui.json {
                return print_json(&json!({"child": child, "family": family}));
            }
            match family {
                Some(f) => {
                    outln!("{}", ui.ta("family-linked", &[("child", child.to_string()), ("family", f.to_string())]))
                }
                None => outln!("{}", ui.ta("family-unlinked", &[("child", child.to_string())])),
            }
        }
    }
    Ok(())
}
