//! Jurisdiction profiles: roles, scopes, vocabularies, security and retention as data.
//!
//! A profile is one versioned TOML file (`core/profiles/*.toml`), or the same document in JSON
//! ([`text`]: how documents are read, and why the WebAssembly build reads JSON only). The Kyrgyz
//! profile ships built in; owners load their own. Loading validates every
//! reference and reports the place of an error; nothing in code names a role.

use crate::i18n::Lang;
use crate::territory::Territories;
use crate::{Error, ErrorCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod checks;
mod locate;
pub mod text;
pub use locate::locate;

/// Labels of a term in the three languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Label {
    /// Russian.
    pub ru: String,
    /// Kyrgyz.
    pub ky: String,
    /// English.
    pub en: String,
}

impl Label {
    /// The label in a language.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ru => &self.ru,
            Lang::Ky => &self.ky,
            Lang::En => &self.en,
        }
    }
}

/// What an actor may do. Grants pair an action with a scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read personal data of children and families.
    Read,
    /// Register and change records.
    Write,
    /// Delete or archive records.
    Delete,
    /// Register users, set their access, revoke them.
    ManageUsers,
    /// Back up and restore the registry.
    Backup,
    /// Read and verify the audit log.
    ReadAudit,
    /// Read depersonalized statistics.
    ReadStatistics,
    /// Change the registry's configuration (load territory classifiers).
    Configure,
    /// Decide as a supervising body (consent to suspending work on a case).
    Approve,
    /// Run retention, archive records on request, set legal holds (RET-1, RET-2).
    Archive,
    /// Operate the sync exchange: take in bundles from devices and registries (issue 7).
    Sync,
}

impl Action {
    /// The stable name.
    pub fn name(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "write",
            Action::Delete => "delete",
            Action::ManageUsers => "manage_users",
            Action::Backup => "backup",
            Action::ReadAudit => "read_audit",
            Action::ReadStatistics => "read_statistics",
            Action::Configure => "configure",
            Action::Approve => "approve",
            Action::Archive => "archive",
            Action::Sync => "sync",
        }
    }
}

/// How far in the territory hierarchy a grant reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerritoryScope {
    /// The whole hierarchy.
    All,
    /// The user's territory and everything below it.
    Subtree,
}

/// Whether a grant is narrowed to the user's own organization's records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OrgScope {
    /// Records of any organization.
    #[default]
    Any,
    /// Only records registered by the user's organization.
    Own,
}

/// One right of a role: an action within a scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// The action allowed.
    pub action: Action,
    /// Territorial reach.
    pub territory: TerritoryScope,
    /// Organizational narrowing.
    #[serde(default)]
    pub organization: OrgScope,
    /// A `write` grant limited to these parts of a record (ACC-5, agency competence): a field
    /// name (`legal_status`, `needs.consent_health`), or a prefix ending in `*` (`needs.health_*`).
    /// Empty: the whole record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

impl Grant {
    /// Whether the grant covers a record field (a `FieldChange::field`).
    pub fn covers_field(&self, field: &str) -> bool {
        self.fields.is_empty() || self.fields.iter().any(|f| field_matches(f, field))
    }
}

/// Whether a field pattern (a name, or a prefix ending in `*`) matches a field.
pub fn field_matches(pattern: &str, field: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => field.starts_with(prefix),
        None => field == pattern,
    }
}

/// A role: a named set of grants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// Stable identifier, e.g. `specialist`.
    pub id: String,
    /// Localized name.
    pub label: Label,
    /// What the role may do.
    pub grants: Vec<Grant>,
    /// Territory kinds a user of this role is attached to (Omsk §13: a curator to one district,
    /// a master to the city or the region); empty: any. Checked when a user is added, and the
    /// role's grants may not reach beyond them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<String>,
    /// Users of this role act only once their non-disclosure undertaking is recorded (ACC-6).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub undertaking: bool,
}

impl Role {
    /// The grant for an action, if any.
    pub fn grant(&self, action: Action) -> Option<&Grant> {
        self.grants.iter().find(|g| g.action == action)
    }
}

/// One coded term of a vocabulary (legal status, social payment kind, relation, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    /// Stable code.
    pub code: String,
    /// Russian.
    pub ru: String,
    /// Kyrgyz.
    pub ky: String,
    /// English.
    pub en: String,
}

/// Account and session security settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Security {
    /// Failed logins in a row before the account locks.
    pub max_failed_logins: u32,
    /// Minutes an account stays locked.
    pub lockout_minutes: i64,
    /// Hours a session lasts.
    pub session_hours: i64,
    /// Minimum password length.
    pub password_min_length: usize,
    /// Argon2id memory cost in KiB.
    pub argon2_memory_kib: u32,
    /// Argon2id iterations.
    pub argon2_iterations: u32,
}

/// Retention settings (RET-1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Personal data are kept until the subject reaches this age.
    pub age_years: u32,
    /// What happens then: `archive` (to an archive package, then erase) or `erase`.
    pub action: String,
}

/// Reporting settings (REP-2, REP-3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reporting {
    /// Depersonalized outputs hide counts below this.
    pub suppression_threshold: u32,
    /// Quarterly reports are due this many days after the quarter ends (Omsk: 30).
    pub quarterly_due_days: u32,
    /// Quarterly monitoring results are due on this day of the following month (Yamal: 20).
    pub monitoring_due_day: u32,
}

impl Default for Reporting {
    fn default() -> Self {
        Reporting { suppression_threshold: 5, quarterly_due_days: 30, monitoring_due_day: 20 }
    }
}

/// Data of a record that may be written only with the subject's recorded consent
/// (ACC-5, Yamal §5.2.5: information covered by medical confidentiality).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentRule {
    /// What the consent covers, in words.
    pub label: Label,
    /// The protected fields: names or prefixes ending in `*` (`needs.health_*`).
    pub fields: Vec<String>,
    /// The record key (`needs.<key>`) holding the consent (e.g. the consent document's number
    /// and date); the protected fields are written only while it is present.
    pub record: String,
}

/// The two-level bank (INT-2, Yamal §§4.10-4.11, 8.1): municipal registries upload their bank
/// each quarter, the regional registry loads it. The bundles themselves are the sync module's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exchange {
    /// Territory kinds of the municipal level (a municipal registry serves one of them).
    pub municipal_kinds: Vec<String>,
    /// The role that loads municipal banks into the regional bank.
    pub regional_role: String,
    /// Municipal upload due this many working days after the quarter.
    pub upload_due_working_days: u32,
    /// Regional load due this many working days after the quarter.
    pub load_due_working_days: u32,
}

/// Where the territory hierarchy comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerritorySource {
    /// A hierarchy shipped with the library: `kyrgyzstan`.
    #[serde(default)]
    pub builtin: Option<String>,
    /// An inline CSV in the classifier layout (for small profiles and tests).
    #[serde(default)]
    pub csv: Option<String>,
}

/// Which personal identifier the profile validates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PinScheme {
    /// The Kyrgyz 14-digit PIN.
    Kg,
    /// Russian SNILS.
    Snils,
}

/// The header of a profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileInfo {
    /// Stable id, e.g. `kyrgyzstan`.
    pub id: String,
    /// Version of this profile file (owners version their rules).
    pub version: String,
    /// Localized name.
    pub name: Label,
    /// The profile format this file is written for.
    pub format: u32,
    /// The identifier scheme of persons.
    pub pin: PinScheme,
}

/// A jurisdiction profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Header.
    pub profile: ProfileInfo,
    /// Security settings.
    pub security: Security,
    /// Retention settings.
    pub retention: Retention,
    /// Territory hierarchy source.
    pub territories: TerritorySource,
    /// Roles.
    pub roles: Vec<Role>,
    /// Coded vocabularies by name: `legal_status`, `social_payment`, `relation`, `presence`, ...
    pub vocabularies: BTreeMap<String, Vec<Term>>,
    /// The case workflow (states, transitions, deadlines); profiles without one keep records only.
    #[serde(default)]
    pub workflow: Option<crate::workflow::WorkflowConfig>,
    /// Plan rules, circumstance codes, assessment domains and agencies (WF-3).
    #[serde(default)]
    pub plan: Option<crate::plan::PlanConfig>,
    /// Reporting settings.
    #[serde(default)]
    pub reporting: Reporting,
    /// Screening rules that flag children at risk in imported household data (INT-1).
    #[serde(default)]
    pub screening: crate::import::screening::Screening,
    /// Data written only with the subject's recorded consent (ACC-5).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consent: Vec<ConsentRule>,
    /// The two-level (municipal / regional) bank, when the profile has one (INT-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange: Option<Exchange>,
}

/// The profile format this library reads.
pub const PROFILE_FORMAT: u32 = 1;

/// The vocabularies every profile must define (the record model refers to them).
pub const REQUIRED_VOCABULARIES: [&str; 6] =
    ["legal_status", "social_payment", "relation", "presence", "source", "family_circumstance"];

/// The shipped Kyrgyz profile as one TOML document: the profile proper and its plan
/// rules (kept in two files for reading, concatenated here).
pub const KYRGYZSTAN_TOML: &str =
    concat!(include_str!("../profiles/kyrgyzstan.toml"), "\n", include_str!("../profiles/kyrgyzstan-plan.toml"));

/// The shipped Omsk profile (seed 002: the database of children on preventive registers).
pub const OMSK_TOML: &str =
    concat!(include_str!("../profiles/omsk.toml"), "\n", include_str!("../profiles/omsk-plan.toml"));

/// The shipped Yamal profile (seed 003: the regional bank of families and minors of the
/// "special attention group").
pub const YAMAL_TOML: &str =
    concat!(include_str!("../profiles/yamal.toml"), "\n", include_str!("../profiles/yamal-plan.toml"));

/// The built-in profiles by id: `kyrgyzstan`, `omsk`, `yamal`.
pub const BUILTIN: [(&str, &str); 3] = [("kyrgyzstan", KYRGYZSTAN_TOML), ("omsk", OMSK_TOML), ("yamal", YAMAL_TOML)];

/// The text of a built-in profile.
pub fn builtin(id: &str) -> Option<&'static str> {
    BUILTIN.iter().find(|(name, _)| *name == id).map(|(_, text)| *text)
}

/// A built-in profile in its JSON form (generated from the TOML, see [`text`]): what a build
/// without the TOML parser (the WebAssembly package) gives `Registry::create`.
pub fn builtin_json(id: &str) -> Option<&'static str> {
    // By name, not through `BUILTIN`: that would keep the TOML texts in a build that needs only this.
    if matches!(id, "kyrgyzstan" | "omsk" | "yamal") {
        text::prebuilt_by_name(id)
    } else {
        None
    }
}

impl Profile {
    /// The shipped Kyrgyz profile (Cabinet decree No. 156 of 22 March 2023).
    pub fn kyrgyzstan() -> Result<Profile, Error> {
        Profile::from_toml(KYRGYZSTAN_TOML)
    }

    /// The shipped Omsk profile.
    pub fn omsk() -> Result<Profile, Error> {
        Profile::from_toml(OMSK_TOML)
    }

    /// The shipped Yamal profile.
    pub fn yamal() -> Result<Profile, Error> {
        Profile::from_toml(YAMAL_TOML)
    }

    /// Parses and validates a profile; errors carry the line (parse errors) or the path (references).
    /// The text is TOML or the JSON form of the same document ([`text::from_str`]).
    pub fn from_toml(text: &str) -> Result<Profile, Error> {
        let profile: Profile = text::from_str(text).map_err(|e| {
            let line = e.span().map(|s| locate::line_column(text, s.start).0);
            let mut err = Error::new(ErrorCode::Profile, "PROFILE_SYNTAX").arg("detail", e.message());
            if let Some(l) = line {
                err = err.arg("line", l).with_field(format!("line {l}"));
            }
            if let Some(s) = e.span() {
                err = err.arg("column", locate::column(text, s.start));
            }
            err
        })?;
        profile.validate().map_err(|e| locate::place(text, e))?;
        Ok(profile)
    }

    fn validate(&self) -> Result<(), Error> {
        self.screening.validate(self)?;
        let bad = |reason: &str, path: String| Error::new(ErrorCode::Profile, reason).with_field(path);
        if self.profile.format != PROFILE_FORMAT {
            return Err(bad("PROFILE_FORMAT", "profile.format".into()).arg("found", self.profile.format));
        }
        if self.roles.is_empty() {
            return Err(bad("PROFILE_NO_ROLES", "roles".into()));
        }
        for (i, role) in self.roles.iter().enumerate() {
            if self.roles.iter().filter(|r| r.id == role.id).count() > 1 {
                return Err(bad("PROFILE_DUPLICATE", format!("roles[{i}].id")).arg("code", &role.id));
            }
            for (j, g) in role.grants.iter().enumerate() {
                if role.grants.iter().filter(|h| h.action == g.action).count() > 1 {
                    return Err(
                        bad("PROFILE_DUPLICATE", format!("roles[{i}].grants[{j}]")).arg("code", g.action.name())
                    );
                }
                // Registry-wide administration (backups, configuration) is never narrowed to a territory.
                if matches!(g.action, Action::Backup | Action::Configure | Action::Archive)
                    && g.territory != TerritoryScope::All
                {
                    return Err(
                        bad("PROFILE_SCOPE", format!("roles[{i}].grants[{j}].territory")).arg("code", g.action.name())
                    );
                }
            }
        }
        for name in REQUIRED_VOCABULARIES {
            match self.vocabularies.get(name) {
                Some(terms) if !terms.is_empty() => {}
                _ => return Err(bad("PROFILE_MISSING", format!("vocabularies.{name}")).arg("code", name)),
            }
        }
        for (name, terms) in &self.vocabularies {
            for (i, t) in terms.iter().enumerate() {
                if terms.iter().filter(|u| u.code == t.code).count() > 1 {
                    return Err(bad("PROFILE_DUPLICATE", format!("vocabularies.{name}[{i}]")).arg("code", &t.code));
                }
            }
        }
        if self.reporting.suppression_threshold == 0 || !(1..=28).contains(&self.reporting.monitoring_due_day) {
            return Err(bad("PROFILE_SCOPE", "reporting".into()).arg("code", "reporting"));
        }
        if !matches!(self.retention.action.as_str(), "archive" | "erase") {
            return Err(bad("UNKNOWN_CODE", "retention.action".into())
                .arg("code", &self.retention.action)
                .arg("vocabulary", "archive|erase"));
        }
        if self.security.max_failed_logins == 0 || self.security.session_hours <= 0 {
            return Err(bad("PROFILE_SCOPE", "security".into()).arg("code", "security"));
        }
        let codes = |name: &str| -> Vec<&str> {
            self.vocabularies.get(name).map(|v| v.iter().map(|t| t.code.as_str()).collect()).unwrap_or_default()
        };
        if let Some(plan) = &self.plan {
            plan.validate(&codes("legal_status")).map_err(|e| {
                Error::new(ErrorCode::Profile, e.code())
                    .with_field(e.path().unwrap_or("plan"))
                    .arg("code", e.value().unwrap_or_default())
                    .arg("detail", e.detail())
            })?;
        }
        if let Some(w) = &self.workflow {
            w.validate()?;
            let plan = self.plan.as_ref().ok_or_else(|| bad("PROFILE_MISSING", "plan".into()).arg("code", "plan"))?;
            for (i, d) in w.derive.iter().enumerate() {
                let path = format!("workflow.derive[{i}]");
                if plan.circumstance(&d.circumstance).is_none() {
                    return Err(bad("PROFILE_UNKNOWN_REF", format!("{path}.circumstance")).arg("code", &d.circumstance));
                }
                for (j, l) in d.legal_status.iter().enumerate() {
                    if !codes("legal_status").contains(&l.as_str()) {
                        return Err(bad("PROFILE_UNKNOWN_REF", format!("{path}.legal_status[{j}]")).arg("code", l));
                    }
                }
                for (j, p) in d.parent_presence.iter().enumerate() {
                    if !codes("presence").contains(&p.as_str()) {
                        return Err(bad("PROFILE_UNKNOWN_REF", format!("{path}.parent_presence[{j}]")).arg("code", p));
                    }
                }
            }
            for name in ["inclusion_ground", "exit_ground", "document_kind"] {
                if self.vocabularies.get(name).is_none_or(Vec::is_empty) {
                    return Err(bad("PROFILE_MISSING", format!("vocabularies.{name}")).arg("code", name));
                }
            }
        }
        let territories = self.territories()?;
        checks::references(self, &territories)?;
        Ok(())
    }

    /// The territory hierarchy the profile names.
    pub fn territories(&self) -> Result<Territories, Error> {
        match (&self.territories.builtin, &self.territories.csv) {
            (Some(b), None) if b == "kyrgyzstan" => Ok(Territories::kyrgyzstan()),
            (None, Some(csv)) => Territories::from_csv(csv.as_bytes()).map_err(|e| {
                Error::new(ErrorCode::Profile, e.code())
                    .with_field("territories.csv")
                    .arg("detail", &e)
                    .arg("line", e.line().unwrap_or(0))
            }),
            _ => Err(Error::new(ErrorCode::Profile, "PROFILE_MISSING")
                .with_field("territories")
                .arg("code", "territories")),
        }
    }

    /// The role with an id.
    pub fn role(&self, id: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == id)
    }

    /// The term of a vocabulary with a code.
    pub fn term(&self, vocabulary: &str, code: &str) -> Option<&Term> {
        self.vocabularies.get(vocabulary)?.iter().find(|t| t.code == code)
    }

    /// Checks that a code belongs to a vocabulary; `field` names the input for the error.
    pub fn check_term(&self, vocabulary: &str, code: &str, field: &str) -> Result<(), Error> {
        if self.term(vocabulary, code).is_some() {
            Ok(())
        } else {
            Err(Error::validation("UNKNOWN_CODE", field).arg("code", code).arg("vocabulary", vocabulary))
        }
    }
}
