//! Automatic plans (WF-3, 001 §22, 000 §3): rules kept as data map recorded
//! circumstances to needs and measures of the individual child protection plan
//! and the family work plan.
//!
//! The rule set is part of the profile (`[plan]`, `[[plan.domains]]`,
//! `[[plan.agencies]]`, `[[plan.circumstances]]`, `[[plan.rules]]`). The owner
//! versions it and [`PlanConfig::validate`] refuses a broken set at load time,
//! naming the place of the error. [`generate`] proposes measures, each citing
//! its rule, the set's version and the circumstance; [`diff`] and [`apply`]
//! revise a plan when circumstances change and never touch a measure a person
//! added, changed or dropped ([`add_manual`], [`change_manual`], [`drop_manual`]).

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Labels in the three languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// Russian.
    pub ru: String,
    /// Kyrgyz.
    pub ky: String,
    /// English.
    pub en: String,
}

/// An error in a rule set or in an edit of a plan.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code}{}: {detail}", at(.path))]
pub struct PlanError {
    code: &'static str,
    path: Option<String>,
    value: Option<String>,
    detail: String,
}

fn at(path: &Option<String>) -> String {
    path.as_ref().map(|p| format!(" at {p}")).unwrap_or_default()
}

impl PlanError {
    fn new(code: &'static str, path: impl Into<String>, value: &str, detail: &str) -> Self {
        let value = (!value.is_empty()).then(|| value.to_string());
        PlanError { code, path: Some(path.into()), value, detail: detail.to_string() }
    }
    /// The stable reason, e.g. `"RULE_UNKNOWN_CODE"`.
    pub fn code(&self) -> &'static str {
        self.code
    }
    /// Where the error is, e.g. `"plan.rules[12].circumstance"`, `"line 7"` or `"reason"`.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }
    /// The offending value (a code, an id), when there is one.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }
    /// An English explanation for logs.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

/// How serious a circumstance is; ordered from `Low` to `Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Severity {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical: immediate danger.
    Critical,
}

/// Which plan a measure belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PlanKind {
    /// The individual child protection plan.
    Child,
    /// The family work plan.
    Family,
}

/// An assessment domain (health, education, safety, family, housing, income, legal).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    /// Stable id.
    pub id: String,
    /// Localized name.
    pub label: Label,
}

/// A kind of responsible agency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agency {
    /// Stable code, e.g. `guardianship`.
    pub code: String,
    /// Russian.
    pub ru: String,
    /// Kyrgyz.
    pub ky: String,
    /// English.
    pub en: String,
}

/// A circumstance code: the vocabulary of assessments and rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Circumstance {
    /// Stable code, e.g. `orphan`.
    pub code: String,
    /// The assessment domain it belongs to.
    pub domain: String,
    /// Default severity when an assessment does not set one.
    pub severity: Severity,
    /// Russian.
    pub ru: String,
    /// Kyrgyz.
    pub ky: String,
    /// English.
    pub en: String,
}

/// Optional conditions of a rule; all set conditions must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// Minimum age in full years, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_age: Option<u32>,
    /// Maximum age in full years, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<u32>,
    /// Whether the child has a disability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disability: Option<bool>,
    /// `female` or `male`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    /// The child's legal status is any of these (`legal_status` vocabulary); empty means any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legal_status: Vec<String>,
    /// The assessed severity is at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_severity: Option<Severity>,
}

impl Conditions {
    /// Whether the conditions hold for a situation whose circumstance has `severity`.
    pub fn matches(&self, s: &Situation<'_>, severity: Severity) -> bool {
        self.min_age.is_none_or(|a| s.age_years >= a)
            && self.max_age.is_none_or(|a| s.age_years <= a)
            && self.disability.is_none_or(|d| s.disability == d)
            && self.sex.as_deref().is_none_or(|x| s.sex == x)
            && (self.legal_status.is_empty() || self.legal_status.iter().any(|l| l == s.legal_status))
            && self.min_severity.is_none_or(|m| severity >= m)
    }
}

/// A measure a rule produces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureTemplate {
    /// Unique within the rule; the generated id is `rule_id/key`.
    pub key: String,
    /// What is to be done.
    pub title: Label,
    /// The responsible agency's code.
    pub agency: String,
    /// Working days from the plan's date.
    pub due_working_days: u32,
    /// The plan the measure goes to.
    pub plan: PlanKind,
}

/// A rule: a circumstance (and conditions) gives a need and measures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable id, cited by every measure it produces.
    pub id: String,
    /// The circumstance code that triggers the rule.
    pub circumstance: String,
    /// Further conditions.
    #[serde(default)]
    pub when: Conditions,
    /// The need the measures answer.
    pub need: Label,
    /// The measures.
    pub measures: Vec<MeasureTemplate>,
}

/// The rule set of a profile (`[plan]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanConfig {
    /// The rule set's version, cited by every generated measure.
    pub version: String,
    /// Assessment domains.
    pub domains: Vec<Domain>,
    /// Responsible agency kinds.
    pub agencies: Vec<Agency>,
    /// Circumstance codes.
    pub circumstances: Vec<Circumstance>,
    /// Rules.
    pub rules: Vec<Rule>,
}

/// Maximum of `due_working_days`.
pub const MAX_DUE_WORKING_DAYS: u32 = 365;

fn is_code(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn is_id(s: &str) -> bool {
    !s.is_empty() && s != "manual" && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
}

fn texts(ru: &str, ky: &str, en: &str, path: &str) -> Result<(), PlanError> {
    for (lang, t) in [("ru", ru), ("ky", ky), ("en", en)] {
        if t.trim().is_empty() {
            return Err(PlanError::new("PLAN_LABEL_EMPTY", format!("{path}.{lang}"), "", "empty label"));
        }
    }
    Ok(())
}

fn label(l: &Label, path: &str) -> Result<(), PlanError> {
    texts(&l.ru, &l.ky, &l.en, path)
}

/// Checks codes are well formed and unique; returns the set.
fn unique<'a>(codes: impl Iterator<Item = &'a str>, path: &str, field: &str) -> Result<BTreeSet<&'a str>, PlanError> {
    let mut seen = BTreeSet::new();
    for (i, c) in codes.enumerate() {
        let at = format!("{path}[{i}].{field}");
        if !is_code(c) {
            return Err(PlanError::new("PLAN_BAD_CODE", at, c, "codes are lowercase letters, digits and _"));
        }
        if !seen.insert(c) {
            return Err(PlanError::new("PLAN_DUPLICATE", at, c, "duplicate code"));
        }
    }
    Ok(seen)
}

#[derive(Deserialize)]
struct Document {
    plan: PlanConfig,
}

impl PlanConfig {
    /// Parses the `[plan]` part of a TOML document (other tables are ignored) and validates it.
    pub fn from_toml(text: &str, legal_statuses: &[&str]) -> Result<PlanConfig, PlanError> {
        let doc: Document = crate::profile::text::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| text[..s.start.min(text.len())].lines().count().max(1));
            PlanError::new("PLAN_SYNTAX", format!("line {line}"), "", e.message())
        })?;
        doc.plan.validate(legal_statuses)?;
        Ok(doc.plan)
    }

    /// Checks every reference: well-formed unique ids, codes and keys; circumstances in known
    /// domains; rules on known circumstances with known agencies and legal statuses (given by
    /// the profile's `legal_status` vocabulary); every circumstance covered by a rule; due days
    /// within `0..=365`; no empty label. The error names the place, e.g. `plan.rules[3].circumstance`.
    pub fn validate(&self, legal_statuses: &[&str]) -> Result<(), PlanError> {
        if self.version.trim().is_empty() {
            return Err(PlanError::new("PLAN_VERSION", "plan.version", "", "the rule set needs a version"));
        }
        let domains = unique(self.domains.iter().map(|d| d.id.as_str()), "plan.domains", "id")?;
        for (i, d) in self.domains.iter().enumerate() {
            label(&d.label, &format!("plan.domains[{i}].label"))?;
        }
        let agencies = unique(self.agencies.iter().map(|a| a.code.as_str()), "plan.agencies", "code")?;
        for (i, a) in self.agencies.iter().enumerate() {
            texts(&a.ru, &a.ky, &a.en, &format!("plan.agencies[{i}]"))?;
        }
        let codes = unique(self.circumstances.iter().map(|c| c.code.as_str()), "plan.circumstances", "code")?;
        for (i, c) in self.circumstances.iter().enumerate() {
            if !domains.contains(c.domain.as_str()) {
                let at = format!("plan.circumstances[{i}].domain");
                return Err(PlanError::new("PLAN_UNKNOWN_DOMAIN", at, &c.domain, "unknown domain"));
            }
            texts(&c.ru, &c.ky, &c.en, &format!("plan.circumstances[{i}]"))?;
        }
        let mut ids = BTreeSet::new();
        let mut covered = BTreeSet::new();
        for (i, r) in self.rules.iter().enumerate() {
            let p = format!("plan.rules[{i}]");
            if !is_id(&r.id) {
                return Err(PlanError::new("RULE_BAD_ID", format!("{p}.id"), &r.id, "ids are letters, digits, _ - ."));
            }
            if !ids.insert(r.id.as_str()) {
                return Err(PlanError::new("RULE_DUPLICATE", format!("{p}.id"), &r.id, "duplicate rule id"));
            }
            if !codes.contains(r.circumstance.as_str()) {
                let at = format!("{p}.circumstance");
                return Err(PlanError::new("RULE_UNKNOWN_CODE", at, &r.circumstance, "unknown circumstance"));
            }
            covered.insert(r.circumstance.as_str());
            let w = &r.when;
            if let (Some(lo), Some(hi)) = (w.min_age, w.max_age) {
                if lo > hi {
                    return Err(PlanError::new("RULE_AGE_RANGE", format!("{p}.when.max_age"), "", "max_age < min_age"));
                }
            }
            if let Some(sex) = w.sex.as_deref().filter(|s| !matches!(*s, "female" | "male")) {
                return Err(PlanError::new("RULE_BAD_SEX", format!("{p}.when.sex"), sex, "female or male"));
            }
            for (j, l) in w.legal_status.iter().enumerate() {
                if !legal_statuses.contains(&l.as_str()) {
                    let at = format!("{p}.when.legal_status[{j}]");
                    return Err(PlanError::new("RULE_UNKNOWN_LEGAL_STATUS", at, l, "unknown legal status"));
                }
            }
            label(&r.need, &format!("{p}.need"))?;
            if r.measures.is_empty() {
                return Err(PlanError::new(
                    "RULE_NO_MEASURES",
                    format!("{p}.measures"),
                    &r.id,
                    "a rule needs measures",
                ));
            }
            let mut keys = BTreeSet::new();
            for (j, m) in r.measures.iter().enumerate() {
                let q = format!("{p}.measures[{j}]");
                if !is_id(&m.key) {
                    return Err(PlanError::new(
                        "RULE_BAD_ID",
                        format!("{q}.key"),
                        &m.key,
                        "keys are letters, digits, _ - .",
                    ));
                }
                if !keys.insert(m.key.as_str()) {
                    return Err(PlanError::new(
                        "RULE_DUPLICATE_KEY",
                        format!("{q}.key"),
                        &m.key,
                        "duplicate measure key",
                    ));
                }
                if !agencies.contains(m.agency.as_str()) {
                    return Err(PlanError::new(
                        "RULE_UNKNOWN_AGENCY",
                        format!("{q}.agency"),
                        &m.agency,
                        "unknown agency",
                    ));
                }
                if m.due_working_days > MAX_DUE_WORKING_DAYS {
                    let (at, v) = (format!("{q}.due_working_days"), m.due_working_days.to_string());
                    return Err(PlanError::new("RULE_DUE_RANGE", at, &v, "due days must be within 0..=365"));
                }
                label(&m.title, &format!("{q}.title"))?;
            }
        }
        for (i, c) in self.circumstances.iter().enumerate() {
            if !covered.contains(c.code.as_str()) {
                let at = format!("plan.circumstances[{i}].code");
                return Err(PlanError::new("PLAN_UNCOVERED", at, &c.code, "no rule covers this circumstance"));
            }
        }
        Ok(())
    }

    /// The circumstance with a code.
    pub fn circumstance(&self, code: &str) -> Option<&Circumstance> {
        self.circumstances.iter().find(|c| c.code == code)
    }

    /// The agency with a code.
    pub fn agency(&self, code: &str) -> Option<&Agency> {
        self.agencies.iter().find(|a| a.code == code)
    }

    /// The rule with an id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// What the rules look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Situation<'a> {
    /// Recorded circumstance codes with their assessed severity (order and repeats do not matter;
    /// a repeated code counts with its highest severity; codes no rule knows are ignored).
    pub circumstances: &'a [(String, Severity)],
    /// Age in full years on the plan's date.
    pub age_years: u32,
    /// Whether the child has a disability.
    pub disability: bool,
    /// `female` or `male`.
    pub sex: &'a str,
    /// The child's legal status code.
    pub legal_status: &'a str,
}

/// One generated measure: what, why (rule, circumstance, need), who and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposed {
    /// `rule_id/measure_key`: stable across regenerations.
    pub id: String,
    /// The rule that produced it.
    pub rule: String,
    /// The rule set's version.
    pub rule_version: String,
    /// The circumstance that triggered the rule.
    pub circumstance: String,
    /// The need it answers.
    pub need: Label,
    /// What is to be done.
    pub title: Label,
    /// The responsible agency's code.
    pub agency: String,
    /// Working days from the plan's date.
    pub due_working_days: u32,
    /// The plan it goes to.
    pub plan: PlanKind,
}

/// Generates the measures of both plans for a situation. Deterministic: the same (validated)
/// config and situation give the same output, sorted by (plan, id).
pub fn generate(config: &PlanConfig, situation: &Situation<'_>) -> Vec<Proposed> {
    let mut present: BTreeMap<&str, Severity> = BTreeMap::new();
    for (code, sev) in situation.circumstances {
        let e = present.entry(code.as_str()).or_insert(*sev);
        *e = (*e).max(*sev);
    }
    let mut out = Vec::new();
    for rule in &config.rules {
        let Some(&sev) = present.get(rule.circumstance.as_str()) else { continue };
        if !rule.when.matches(situation, sev) {
            continue;
        }
        out.extend(rule.measures.iter().map(|m| Proposed {
            id: format!("{}/{}", rule.id, m.key),
            rule: rule.id.clone(),
            rule_version: config.version.clone(),
            circumstance: rule.circumstance.clone(),
            need: rule.need.clone(),
            title: m.title.clone(),
            agency: m.agency.clone(),
            due_working_days: m.due_working_days,
            plan: m.plan,
        }));
    }
    out.sort_by(|a, b| (a.plan, &a.id).cmp(&(b.plan, &b.id)));
    out
}

mod revise;
pub use revise::{
    add_manual, apply, change_manual, diff, drop_manual, EditKind, ManualEdit, MeasureChange, MeasureContent, PlanDiff,
    PlanMeasure,
};

#[cfg(test)]
mod tests;
