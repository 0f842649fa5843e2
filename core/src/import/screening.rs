//! Screening rules (INT-1, 000 §11 "automation of identification"): conditions on a child's
//! record and its household that flag the child for a specialist. Rules are profile data.

use crate::model::Child;
use crate::profile::{Label, Profile};
use crate::workflow::DeriveRule;
use crate::{Error, ErrorCode};
use serde::{Deserialize, Serialize};

/// The profile's `[screening]` section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Screening {
    /// A household with at least this many minors has the family circumstance `many_children`.
    #[serde(default = "default_many")]
    pub many_children_from: u32,
    /// The rules, checked in order; a child may meet several.
    #[serde(default)]
    pub rules: Vec<ScreeningRule>,
}

fn default_many() -> u32 {
    3
}

impl Default for Screening {
    fn default() -> Self {
        Screening { many_children_from: default_many(), rules: Vec::new() }
    }
}

/// One rule: every condition given must hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreeningRule {
    /// Stable id, named by the signal.
    pub id: String,
    /// What the rule finds, in words.
    pub label: Label,
    /// The child's legal status is one of these.
    #[serde(default)]
    pub legal_status: Vec<String>,
    /// The child has (or has not) a disability.
    #[serde(default)]
    pub disability: Option<bool>,
    /// A parent has one of these presence codes (with `all_parents`: every recorded parent).
    #[serde(default)]
    pub parent_presence: Vec<String>,
    /// See `parent_presence`.
    #[serde(default)]
    pub all_parents: bool,
    /// The family has every one of these circumstances.
    #[serde(default)]
    pub family_circumstances: Vec<String>,
}

impl ScreeningRule {
    /// Whether a child, in a family with these circumstances, meets the rule.
    pub fn matches(&self, child: &Child, family_circumstances: &[String]) -> bool {
        let on_record = DeriveRule {
            circumstance: self.id.clone(),
            legal_status: self.legal_status.clone(),
            no_pin: None,
            disability: self.disability,
            parent_presence: self.parent_presence.clone(),
            all_parents: self.all_parents,
            need: None,
        };
        on_record.matches(child) && self.family_circumstances.iter().all(|c| family_circumstances.contains(c))
    }
}

impl Screening {
    /// Checks ids and codes against the profile's vocabularies; errors name the rule.
    pub fn validate(&self, profile: &Profile) -> Result<(), Error> {
        let bad = |reason: &str, i: usize, part: &str| {
            Error::new(ErrorCode::Profile, reason).with_field(format!("screening.rules[{i}].{part}"))
        };
        for (i, r) in self.rules.iter().enumerate() {
            if r.id.is_empty() || self.rules.iter().filter(|x| x.id == r.id).count() > 1 {
                return Err(bad("PROFILE_DUPLICATE", i, "id").arg("code", &r.id));
            }
            let lists = [
                ("legal_status", "legal_status", &r.legal_status),
                ("presence", "parent_presence", &r.parent_presence),
                ("family_circumstance", "family_circumstances", &r.family_circumstances),
            ];
            for (vocabulary, part, codes) in lists {
                if let Some(c) = codes.iter().find(|c| profile.term(vocabulary, c).is_none()) {
                    return Err(bad("PROFILE_UNKNOWN_CODE", i, part).arg("code", c).arg("vocabulary", vocabulary));
                }
            }
            if r.legal_status.is_empty()
                && r.disability.is_none()
                && r.parent_presence.is_empty()
                && r.family_circumstances.is_empty()
            {
                return Err(bad("PROFILE_EMPTY_RULE", i, "id").arg("code", &r.id));
            }
        }
        Ok(())
    }

    /// The rules a child meets.
    pub fn screen<'a>(&'a self, child: &Child, family_circumstances: &[String]) -> Vec<&'a ScreeningRule> {
        self.rules.iter().filter(|r| r.matches(child, family_circumstances)).collect()
    }
}
