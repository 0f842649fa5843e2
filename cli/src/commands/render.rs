//! Human-readable rendering of records and their history, with the profile's labels.

use super::when;
use crate::i18n::Ui;
use crate::output::{print_fields, term, territory_full, yes_no};
use kamkor_core::facts::{FactBody, Provenance};
use kamkor_core::registry::{ChildView, FamilyView, HistoryEntry};
use kamkor_core::{Registry, Sex};

/// A sex in the language.
pub fn sex_label(ui: &Ui, sex: Sex) -> String {
    ui.t(match sex {
        Sex::Female => "sex-female",
        Sex::Male => "sex-male",
    })
}

fn opt(ui: &Ui, v: &Option<String>) -> String {
    v.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| ui.t("word-none"))
}

/// Prints a child's record.
pub fn child(ui: &Ui, reg: &Registry, v: &ChildView) {
    let p = reg.profile();
    let t = reg.territories();
    let r = &v.record;
    let pin = match &r.pin {
        Some(pin) => pin.clone(),
        None => ui.t("pin-absent"),
    };
    let residence = match &r.residence {
        Some(a) => {
            let mut parts = Vec::new();
            if let Some(code) = &a.territory {
                parts.push(territory_full(t, code, ui));
            }
            if let Some(text) = &a.text {
                parts.push(text.clone());
            }
            if parts.is_empty() {
                ui.t("word-none")
            } else {
                parts.join(", ")
            }
        }
        None => ui.t("word-none"),
    };
    let disability = match (&r.disability.present, &r.disability.details) {
        (true, Some(d)) => format!("{} ({d})", yes_no(ui, true)),
        (present, _) => yes_no(ui, *present),
    };
    let payments: Vec<String> = r
        .social_payments
        .iter()
        .map(|s| match &s.details {
            Some(d) => format!("{} ({d})", term(p, "social_payment", &s.kind, ui.lang)),
            None => term(p, "social_payment", &s.kind, ui.lang),
        })
        .collect();
    let list_or_none = |items: Vec<String>| if items.is_empty() { ui.t("word-none") } else { items.join("; ") };
    print_fields(
        ui,
        &[
            ("field-id", v.id.to_string()),
            ("field-full-name", r.full_name()),
            ("field-sex", sex_label(ui, r.sex)),
            ("field-birth-date", r.birth_date.to_string()),
            ("field-pin", pin),
            ("field-identified-on", r.identified_on.to_string()),
            ("field-identified-in", territory_full(t, &r.identified_in, ui)),
            ("field-identified-place", opt(ui, &r.identified_place)),
            ("field-residence", residence),
            ("field-legal-status", term(p, "legal_status", &r.legal_status, ui.lang)),
            ("field-disability", disability),
            ("field-social-payments", list_or_none(payments)),
            ("field-housing", opt(ui, &r.housing)),
            ("field-property", list_or_none(r.property.clone())),
            ("field-family", v.family.map_or_else(|| ui.t("word-none"), |f| f.to_string())),
            ("field-organization", format!("{} {}", ui.t("word-inn"), v.organization)),
            ("field-version", v.version.to_string()),
            ("field-created", when(&v.created_at)),
            ("field-updated", when(&v.updated_at)),
        ],
    );
    if !v.flags.is_empty() {
        let flags: Vec<String> = v.flags.iter().map(|f| flag_label(ui, f)).collect();
        outln!("{}: {}", ui.t("field-flags"), flags.join("; "));
    }
    if !r.relatives.is_empty() {
        outln!("{}:", ui.t("field-relatives"));
        for rel in &r.relatives {
            let name: Vec<&str> =
                [&rel.surname, &rel.given_name, &rel.patronymic].into_iter().flatten().map(String::as_str).collect();
            let mut line = format!(
                "  • {}: {} — {}",
                term(p, "relation", &rel.relation, ui.lang),
                if name.is_empty() { ui.t("word-unknown") } else { name.join(" ") },
                term(p, "presence", &rel.presence, ui.lang)
            );
            if let Some(pin) = &rel.pin {
                line.push_str(&format!(" ({} {pin})", ui.t("field-pin")));
            }
            outln!("{line}");
        }
    }
    if !r.needs.is_empty() {
        outln!("{}:", ui.t("field-needs"));
        for (k, text) in &r.needs {
            outln!("  • {k}: {text}");
        }
    }
}

/// A record flag (e.g. `NO_PIN`) in the language.
pub fn flag_label(ui: &Ui, flag: &str) -> String {
    let id = format!("flag-{}", flag.to_ascii_lowercase().replace('_', "-"));
    if ui.has(&id) {
        ui.t(&id)
    } else {
        flag.to_string()
    }
}

fn provenance(ui: &Ui, reg: &Registry, p: &Provenance) -> String {
    let mut s = ui.ta(
        "history-source",
        &[("source", term(reg.profile(), "source", &p.source, ui.lang)), ("date", p.received_on.to_string())],
    );
    if let Some(r) = &p.reference {
        s.push_str(&format!("; {}: {r}", ui.t("field-reference")));
    }
    s
}

/// Prints a record's history, oldest first.
pub fn history(ui: &Ui, reg: &Registry, entries: &[HistoryEntry]) {
    for (i, e) in entries.iter().enumerate() {
        let what = match &e.fact {
            FactBody::ChildRegistered { .. } => ui.t("history-child-registered"),
            FactBody::FamilyRegistered { .. } => ui.t("history-family-registered"),
            FactBody::Changed { .. } => ui.t("history-changed"),
            FactBody::FamilyLinked { family: Some(f), .. } => ui.ta("history-linked", &[("family", f.to_string())]),
            FactBody::FamilyLinked { family: None, .. } => ui.t("history-unlinked"),
            FactBody::Screened { rules, .. } => {
                let labels: Vec<String> = rules
                    .iter()
                    .map(|r| {
                        let rule = reg.profile().screening.rules.iter().find(|x| &x.id == r);
                        rule.map(|x| x.label.get(ui.lang).to_string()).unwrap_or_else(|| r.clone())
                    })
                    .collect();
                ui.ta("history-screened", &[("rules", labels.join("; "))])
            }
            FactBody::Case { event } => {
                let tag = serde_json::to_value(event)
                    .ok()
                    .and_then(|v| v.get("event").and_then(|e| e.as_str()).map(str::to_string));
                ui.ta("history-case", &[("event", tag.unwrap_or_default())])
            }
        };
        outln!(
            "{}. {}  {what}  ({}: {}, {}: {})",
            i + 1,
            when(&e.time),
            ui.t("field-author"),
            e.author,
            ui.t("field-version"),
            e.base_version + 1
        );
        let prov = match &e.fact {
            FactBody::ChildRegistered { provenance, .. }
            | FactBody::FamilyRegistered { provenance, .. }
            | FactBody::Changed { provenance, .. }
            | FactBody::FamilyLinked { provenance, .. }
            | FactBody::Screened { provenance, .. } => Some(provenance),
            FactBody::Case { .. } => None,
        };
        if let Some(p) = prov {
            outln!("   {}", provenance(ui, reg, p));
        }
        if let FactBody::Changed { changes, note, .. } = &e.fact {
            for c in changes {
                outln!("   • {} = {}", c.field, c.value);
            }
            if let Some(n) = note {
                outln!("   {}: {n}", ui.t("field-note"));
            }
        }
    }
}

/// Prints a family.
pub fn family(ui: &Ui, reg: &Registry, v: &FamilyView) {
    let p = reg.profile();
    let r = &v.record;
    let circumstances: Vec<String> =
        r.circumstances.iter().map(|c| term(p, "family_circumstance", c, ui.lang)).collect();
    print_fields(
        ui,
        &[
            ("field-id", v.id.to_string()),
            ("field-family-name", r.name.clone()),
            ("field-territory", territory_full(reg.territories(), &r.territory, ui)),
            ("field-address", opt(ui, &r.address)),
            (
                "field-circumstances",
                if circumstances.is_empty() { ui.t("word-none") } else { circumstances.join("; ") },
            ),
            ("field-notes", opt(ui, &r.notes)),
            ("field-organization", format!("{} {}", ui.t("word-inn"), v.organization)),
            ("field-version", v.version.to_string()),
            ("field-created", when(&v.created_at)),
            ("field-updated", when(&v.updated_at)),
        ],
    );
    if !r.members.is_empty() {
        outln!("{}:", ui.t("field-members"));
        for m in &r.members {
            let mut line = format!(
                "  • {}: {} {} — {}",
                term(p, "relation", &m.relation, ui.lang),
                m.surname,
                m.given_name,
                term(p, "presence", &m.presence, ui.lang)
            );
            if let Some(d) = m.birth_date {
                line.push_str(&format!(", {d}"));
            }
            outln!("{line}");
        }
    }
    outln!("{}:", ui.t("field-children"));
    if v.children.is_empty() {
        outln!("  {}", ui.t("word-none"));
    }
    for c in &v.children {
        outln!("  • {c}");
    }
}
