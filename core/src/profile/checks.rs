//! Cross-references of a profile (the bad input of issue 8): every role, register (opening),
//! category (inclusion ground), document, state and territory kind a profile names must be
//! defined in it, and no role may hold rights beyond the levels it is attached to.

use super::{Action, OrgScope, Profile, TerritoryScope};
use crate::territory::Territories;
use crate::{Error, ErrorCode};

fn bad(reason: &str, path: String, code: &str) -> Error {
    Error::new(ErrorCode::Profile, reason).with_field(path).arg("code", code)
}

fn unknown(path: String, code: &str) -> Error {
    bad("PROFILE_UNKNOWN_REF", path, code)
}

/// Actions over the registry as a whole or over people, never over one organization's records.
const REGISTRY_WIDE: [Action; 7] = [
    Action::ManageUsers,
    Action::Sync,
    Action::Backup,
    Action::ReadAudit,
    Action::Configure,
    Action::Archive,
    Action::ReadStatistics,
];

pub(super) fn references(p: &Profile, territories: &Territories) -> Result<(), Error> {
    let codes = |name: &str| -> Vec<&str> {
        p.vocabularies.get(name).map(|v| v.iter().map(|t| t.code.as_str()).collect()).unwrap_or_default()
    };
    let kinds: Vec<&str> = {
        let mut k: Vec<&str> = territories
            .subtree(territories.root())
            .iter()
            .filter_map(|c| territories.get(c))
            .map(|t| t.kind.as_str())
            .collect();
        k.sort_unstable();
        k.dedup();
        k
    };
    let root_kind = territories.get(territories.root()).map(|t| t.kind.as_str()).unwrap_or_default();
    for (i, role) in p.roles.iter().enumerate() {
        for (j, level) in role.levels.iter().enumerate() {
            if !kinds.contains(&level.as_str()) {
                return Err(unknown(format!("roles[{i}].levels[{j}]"), level));
            }
        }
        // A role attached below the top of the hierarchy may not reach the whole of it.
        let below_top = !role.levels.is_empty() && !role.levels.iter().any(|l| l == root_kind);
        for (j, g) in role.grants.iter().enumerate() {
            let path = format!("roles[{i}].grants[{j}]");
            if below_top && g.territory == TerritoryScope::All && g.organization == OrgScope::Any {
                return Err(bad("PROFILE_BEYOND_SCOPE", format!("{path}.territory"), g.action.name()));
            }
            if g.organization == OrgScope::Own && REGISTRY_WIDE.contains(&g.action) {
                return Err(bad("PROFILE_BEYOND_SCOPE", format!("{path}.organization"), g.action.name()));
            }
            if !g.fields.is_empty() && g.action != Action::Write {
                return Err(bad("PROFILE_SCOPE", format!("{path}.fields"), g.action.name()));
            }
            for (k, f) in g.fields.iter().enumerate() {
                if !is_field_pattern(f) {
                    return Err(unknown(format!("{path}.fields[{k}]"), f));
                }
            }
        }
    }
    if let Some(w) = &p.workflow {
        for (i, o) in w.openings.iter().enumerate() {
            for (j, g) in o.grounds.iter().enumerate() {
                if !codes("inclusion_ground").contains(&g.as_str()) {
                    return Err(unknown(format!("workflow.openings[{i}].grounds[{j}]"), g));
                }
            }
            for (j, d) in o.documents.iter().enumerate() {
                if !codes("document_kind").contains(&d.as_str()) {
                    return Err(unknown(format!("workflow.openings[{i}].documents[{j}]"), d));
                }
            }
        }
        for (i, t) in w.transitions.iter().enumerate() {
            for (j, d) in t.documents.iter().enumerate() {
                if !codes("document_kind").contains(&d.as_str()) {
                    return Err(unknown(format!("workflow.transitions[{i}].documents[{j}]"), d));
                }
            }
            if let Some(c) = &t.change_ground {
                for (j, g) in c.from.iter().enumerate() {
                    if !codes("inclusion_ground").contains(&g.as_str()) {
                        return Err(unknown(format!("workflow.transitions[{i}].change_ground.from[{j}]"), g));
                    }
                }
                if !codes("inclusion_ground").contains(&c.to.as_str()) {
                    return Err(unknown(format!("workflow.transitions[{i}].change_ground.to"), &c.to));
                }
            }
        }
    }
    for (i, c) in p.consent.iter().enumerate() {
        if c.fields.is_empty() {
            return Err(bad("PROFILE_MISSING", format!("consent[{i}].fields"), "fields"));
        }
        for (j, f) in c.fields.iter().enumerate() {
            if !is_field_pattern(f) {
                return Err(unknown(format!("consent[{i}].fields[{j}]"), f));
            }
        }
        if c.record.strip_prefix("needs.").is_none_or(|k| !is_need_key(k)) {
            return Err(unknown(format!("consent[{i}].record"), &c.record));
        }
    }
    if let Some(x) = &p.exchange {
        if p.role(&x.regional_role).is_none() {
            return Err(unknown("exchange.regional_role".into(), &x.regional_role));
        }
        if x.municipal_kinds.is_empty() {
            return Err(bad("PROFILE_MISSING", "exchange.municipal_kinds".into(), "municipal_kinds"));
        }
        for (j, k) in x.municipal_kinds.iter().enumerate() {
            if !kinds.contains(&k.as_str()) {
                return Err(unknown(format!("exchange.municipal_kinds[{j}]"), k));
            }
        }
        for (name, days) in
            [("upload_due_working_days", x.upload_due_working_days), ("load_due_working_days", x.load_due_working_days)]
        {
            if !(1..=60).contains(&days) {
                return Err(bad("PROFILE_SCOPE", format!("exchange.{name}"), name));
            }
        }
    }
    Ok(())
}

/// The top-level fields of a child's record a grant or a consent rule may name; `needs.` keys
/// are open (`needs.health_*` names every key starting with `health_`).
const RECORD_FIELDS: [&str; 15] = [
    "surname",
    "given_name",
    "patronymic",
    "sex",
    "birth_date",
    "pin",
    "identified_on",
    "identified_in",
    "identified_place",
    "residence",
    "relatives",
    "disability",
    "social_payments",
    "housing",
    "legal_status",
];

/// A key of `needs` as the record model accepts it.
fn is_need_key(k: &str) -> bool {
    !k.is_empty() && k.len() <= 64 && k.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_field_pattern(f: &str) -> bool {
    match f.strip_prefix("needs.") {
        Some(rest) => rest == "*" || is_need_key(rest.strip_suffix('*').unwrap_or(rest)),
        None => RECORD_FIELDS.contains(&f) || f == "property",
    }
}
