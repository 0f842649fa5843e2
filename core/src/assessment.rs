//! The comprehensive assessment (WF-1): findings by domain, each a circumstance code
//! of the profile with a severity; a derived risk level; completeness on submission.

use crate::plan::{PlanConfig, Severity};
use crate::Error;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Finding {
    /// The domain (health, education, safety, family, housing, income, legal).
    pub domain: String,
    /// A circumstance code of the profile, belonging to the domain.
    pub circumstance: String,
    /// Severity; the circumstance's default when absent.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// What was observed.
    #[serde(default)]
    pub note: Option<String>,
}

/// An assessment, saved partially and resumed, then submitted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Assessment {
    /// Findings.
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// Domains assessed with no concerns.
    #[serde(default)]
    pub no_concerns: Vec<String>,
    /// When submitted (complete); `None` while a draft.
    #[serde(default)]
    pub submitted_at: Option<DateTime<Utc>>,
    /// The derived risk level, set on submission.
    #[serde(default)]
    pub risk: Option<Severity>,
}

impl Assessment {
    /// Checks codes: known domains, known circumstances in the right domain, notes of sane length.
    pub fn validate(&self, plan: &PlanConfig) -> Result<(), Error> {
        let domain_known = |d: &str| plan.domains.iter().any(|x| x.id == d);
        for (i, f) in self.findings.iter().enumerate() {
            let field = format!("findings[{i}]");
            if !domain_known(&f.domain) {
                return Err(Error::validation("UNKNOWN_CODE", format!("{field}.domain"))
                    .arg("code", &f.domain)
                    .arg("vocabulary", "domains"));
            }
            let c = plan.circumstance(&f.circumstance).ok_or_else(|| {
                Error::validation("UNKNOWN_CODE", format!("{field}.circumstance"))
                    .arg("code", &f.circumstance)
                    .arg("vocabulary", "circumstances")
            })?;
            if c.domain != f.domain {
                return Err(Error::validation("WRONG_DOMAIN", format!("{field}.circumstance"))
                    .arg("code", &f.circumstance)
                    .arg("domain", &c.domain));
            }
            if f.note.as_ref().is_some_and(|n| n.chars().count() > 4000) {
                return Err(Error::validation("TEXT_INVALID", format!("{field}.note")));
            }
        }
        for (i, d) in self.no_concerns.iter().enumerate() {
            if !domain_known(d) {
                return Err(Error::validation("UNKNOWN_CODE", format!("no_concerns[{i}]"))
                    .arg("code", d)
                    .arg("vocabulary", "domains"));
            }
            if self.findings.iter().any(|f| &f.domain == d) {
                return Err(Error::validation("CONTRADICTION", format!("no_concerns[{i}]")).arg("code", d));
            }
        }
        Ok(())
    }

    /// Domains not yet assessed (neither a finding nor "no concerns").
    pub fn missing_domains(&self, plan: &PlanConfig) -> Vec<String> {
        plan.domains
            .iter()
            .filter(|d| !self.no_concerns.contains(&d.id) && !self.findings.iter().any(|f| f.domain == d.id))
            .map(|d| d.id.clone())
            .collect()
    }

    /// The findings with their effective severity.
    pub fn circumstances(&self, plan: &PlanConfig) -> Vec<(String, Severity)> {
        self.findings
            .iter()
            .map(|f| {
                let default = plan.circumstance(&f.circumstance).map(|c| c.severity).unwrap_or(Severity::Low);
                (f.circumstance.clone(), f.severity.unwrap_or(default))
            })
            .collect()
    }

    /// The risk level: the highest severity, one level higher when at least
    /// `escalate_after` findings share it (capped at critical). Low without findings.
    pub fn risk(&self, plan: &PlanConfig, escalate_after: u32) -> Severity {
        let all = self.circumstances(plan);
        let Some(max) = all.iter().map(|(_, s)| *s).max() else { return Severity::Low };
        let at_max = all.iter().filter(|(_, s)| *s == max).count() as u32;
        if escalate_after > 0 && at_max >= escalate_after {
            match max {
                Severity::Low => Severity::Medium,
                Severity::Medium => Severity::High,
                Severity::High | Severity::Critical => Severity::Critical,
            }
        } else {
            max
        }
    }
}
