//! Depersonalized statistics (REP-1, RET-3, ACC-8): one statistical record per child and
//! per family, with no identifiers and generalized values, and counters per territory.
//!
//! Records and counters are updated with every change, in the same batch, so reports
//! need no decryption of personal data and survive the erasure of the persons: the link
//! from a person to their statistical record lives only in the person's sealed state.

use crate::case::{Case, MeasureStatus};
use crate::model::{Child, Family};
use crate::pin::Sex;
use crate::plan::{PlanConfig, Severity};
use crate::territory::TerritoryCode;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A measure as statistics see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureStat {
    /// Responsible agency kind.
    pub agency: String,
    /// Status.
    pub status: MeasureStatus,
    /// Due date (for "overdue at the report date").
    pub due: NaiveDate,
}

/// The case part of a child's statistical record (the latest case).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseStat {
    /// How it opened.
    pub opening: String,
    /// Current state.
    pub state: String,
    /// Inclusion ground.
    pub ground: String,
    /// Exit ground, when exited.
    pub exit_ground: Option<String>,
    /// Risk level of the submitted assessment.
    pub risk: Option<Severity>,
    /// Circumstances found by the assessment.
    pub circumstances: Vec<String>,
    /// Plan measures (dropped ones excluded).
    pub measures: Vec<MeasureStat>,
    /// Whether monitoring visits were recorded.
    pub monitored: bool,
}

/// A depersonalized record: no names, identifiers or exact dates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StatRecord {
    /// A child.
    Child {
        /// Place of identification.
        territory: TerritoryCode,
        /// Sex.
        sex: Sex,
        /// Year of birth.
        birth_year: i32,
        /// Month of identification, `YYYY-MM`.
        identified: String,
        /// Has a disability.
        disability: bool,
        /// A parent is abroad as a labour migrant.
        migrant_parents: bool,
        /// Registered without a PIN.
        no_pin: bool,
        /// Legal status code.
        legal_status: String,
        /// The latest case, if any.
        case: Option<CaseStat>,
        /// Personal data erased by retention (the record stays for statistics).
        #[serde(default)]
        erased: bool,
    },
    /// A family.
    Family {
        /// Territory.
        territory: TerritoryCode,
        /// Family circumstance codes.
        circumstances: Vec<String>,
        /// Erased by retention.
        #[serde(default)]
        erased: bool,
    },
}

fn sex_name(s: Sex) -> &'static str {
    match s {
        Sex::Female => "female",
        Sex::Male => "male",
    }
}

impl StatRecord {
    /// The statistical record of a child and its latest case.
    pub fn of_child(c: &Child, case: Option<&Case>, plan: Option<&PlanConfig>) -> StatRecord {
        let migrant = c
            .relatives
            .iter()
            .any(|r| (r.relation == "mother" || r.relation == "father") && r.presence == "abroad_migrant");
        StatRecord::Child {
            territory: c.identified_in.clone(),
            sex: c.sex,
            birth_year: c.birth_date.year(),
            identified: format!("{:04}-{:02}", c.identified_on.year(), c.identified_on.month()),
            disability: c.disability.present,
            migrant_parents: migrant,
            no_pin: c.pin.is_none(),
            legal_status: c.legal_status.clone(),
            case: case.map(|k| CaseStat {
                opening: k.opening.clone(),
                state: k.state.clone(),
                ground: k.ground.clone(),
                exit_ground: k.exit_ground.clone(),
                risk: k.assessment.as_ref().and_then(|a| a.risk),
                circumstances: k
                    .assessment
                    .as_ref()
                    .filter(|a| a.submitted_at.is_some())
                    .map(|a| {
                        let mut v: Vec<String> = match plan {
                            Some(p) => a.circumstances(p).into_iter().map(|(c, _)| c).collect(),
                            None => a.findings.iter().map(|f| f.circumstance.clone()).collect(),
                        };
                        v.sort();
                        v.dedup();
                        v
                    })
                    .unwrap_or_default(),
                measures: k
                    .measures
                    .iter()
                    .filter(|m| !m.measure.dropped)
                    .map(|m| MeasureStat { agency: m.measure.agency.clone(), status: m.status, due: m.due })
                    .collect(),
                monitored: k.has_monitoring(),
            }),
            erased: false,
        }
    }

    /// The statistical record of a family.
    pub fn of_family(f: &Family) -> StatRecord {
        let mut circumstances = f.circumstances.clone();
        circumstances.sort();
        circumstances.dedup();
        StatRecord::Family { territory: f.territory.clone(), circumstances, erased: false }
    }

    /// The territory the record counts in.
    pub fn territory(&self) -> &TerritoryCode {
        match self {
            StatRecord::Child { territory, .. } | StatRecord::Family { territory, .. } => territory,
        }
    }

    /// Marks the record as belonging to an erased person (counts do not change).
    pub fn mark_erased(&mut self) {
        match self {
            StatRecord::Child { erased, .. } | StatRecord::Family { erased, .. } => *erased = true,
        }
    }

    /// The counter cells this record adds one to. A cell is `name` or `name|sex`.
    pub fn cells(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self {
            StatRecord::Child { sex, identified, disability, migrant_parents, no_pin, legal_status, case, .. } => {
                let s = sex_name(*sex);
                let mut both = |name: String| {
                    out.push(format!("{name}|{s}"));
                    out.push(name);
                };
                both("children".into());
                if *disability {
                    both("disability".into());
                }
                if *migrant_parents {
                    both("migrant".into());
                }
                if *no_pin {
                    both("no_pin".into());
                }
                both(format!("legal:{legal_status}"));
                both(format!("identified:{identified}"));
                if let Some(k) = case {
                    both("cases".into());
                    both(format!("opening:{}", k.opening));
                    both(format!("state:{}", k.state));
                    both(format!("ground:{}", k.ground));
                    if let Some(e) = &k.exit_ground {
                        both(format!("exit:{e}"));
                    }
                    if let Some(r) = k.risk {
                        both(format!(
                            "risk:{}",
                            serde_json::to_value(r)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_string))
                                .unwrap_or_default()
                        ));
                    }
                    for c in &k.circumstances {
                        both(format!("circ:{c}"));
                    }
                    if k.monitored {
                        both("monitored".into());
                    }
                    for m in &k.measures {
                        let status = serde_json::to_value(m.status)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default();
                        out.push(format!("measure:{}:{status}", m.agency));
                        if matches!(m.status, MeasureStatus::Planned | MeasureStatus::InProgress) {
                            out.push(format!("open_due:{}:{}", m.agency, m.due));
                        }
                    }
                }
            }
            StatRecord::Family { circumstances, .. } => {
                out.push("families".into());
                for c in circumstances {
                    out.push(format!("family_circ:{c}"));
                }
            }
        }
        out
    }
}

/// Counters of one territory: cell -> count.
pub type Counters = BTreeMap<String, i64>;

/// Adds the difference between an old and a new record to counters (per territory).
pub fn apply_delta(
    counters: &mut BTreeMap<TerritoryCode, Counters>,
    old: Option<&StatRecord>,
    new: Option<&StatRecord>,
) {
    if let Some(o) = old {
        let c = counters.entry(o.territory().clone()).or_default();
        for cell in o.cells() {
            *c.entry(cell).or_default() -= 1;
        }
    }
    if let Some(n) = new {
        let c = counters.entry(n.territory().clone()).or_default();
        for cell in n.cells() {
            *c.entry(cell).or_default() += 1;
        }
    }
}
