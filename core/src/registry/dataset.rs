//! The depersonalized data set for official statistics (INT-4, ACC-8): no identifiers,
//! generalized dates and places, and small groups coarsened or withheld so that no child
//! can be singled out. Built from the statistical records, so erased persons still count.

use super::{st, Registry, Session};
use crate::access::DenyReason;
use crate::crypto;
use crate::profile::{Action, OrgScope, TerritoryScope};
use crate::stats::StatRecord;
use crate::store::{for_each, Tree};
use crate::territory::TerritoryCode;
use crate::{Error, ErrorCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One depersonalized row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetRow {
    /// District (or oblast, when the district group was too small).
    pub territory: TerritoryCode,
    /// `female` or `male`.
    pub sex: String,
    /// Birth years, a five-year band such as `2010-2014` (ten years when coarsened).
    pub birth_years: String,
    /// Year of identification.
    pub identified_year: String,
    /// Has a disability.
    pub disability: bool,
    /// A parent abroad as a labour migrant.
    pub migrant_parents: bool,
    /// Legal status code.
    pub legal_status: String,
    /// Case state, when there is a case.
    pub case_state: Option<String>,
    /// Risk level of the assessment.
    pub risk: Option<String>,
    /// Circumstances found.
    pub circumstances: Vec<String>,
    /// Monitoring present.
    pub monitored: bool,
}

/// The data set with what was done to protect it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dataset {
    /// Rows, in a stable order.
    pub rows: Vec<DatasetRow>,
    /// Groups smaller than this were coarsened, then withheld.
    pub threshold: u32,
    /// Rows whose place and birth years were coarsened.
    pub coarsened: u64,
    /// Rows withheld because even the coarsened group stayed too small.
    pub withheld: u64,
}

fn band(year: i32, width: i32) -> String {
    let start = year - year.rem_euclid(width);
    format!("{start}-{}", start + width - 1)
}

impl Registry {
    /// Produces the depersonalized data set of the reader's scope (statistics readers;
    /// readers of personal data may produce it too).
    pub fn depersonalized_dataset(&self, session: &Session) -> Result<Dataset, Error> {
        let actor = self.actor(session)?;
        let role = self.profile.role(&actor.user.data.role);
        let grant = role
            .and_then(|r| r.grant(Action::ReadStatistics).or_else(|| r.grant(Action::Read)))
            .filter(|g| g.organization == OrgScope::Any)
            .cloned();
        let Some(grant) = grant else {
            return Err(self.deny(Some(&actor.user.id), "dataset", None, DenyReason::NoPermission));
        };
        let threshold = self.profile.reporting.suppression_threshold as usize;
        let mut records = Vec::new();
        for_each(self.store.as_ref(), Tree::Stats, b"r/", |k, v| {
            let id = &k[2..];
            let plain =
                crypto::open(&self.keys.stats, id, v).map_err(|_| Error::new(ErrorCode::Crypto, "DATA_DAMAGED"))?;
            let r: StatRecord = serde_json::from_slice(&plain).map_err(st)?;
            if let StatRecord::Child { territory, .. } = &r {
                if grant.territory == TerritoryScope::All
                    || self.territories.is_within(territory, &actor.user.data.territory)
                {
                    records.push(r);
                }
            }
            Ok(())
        })?;
        // Quasi-identifiers: place, sex, birth years. Groups below the threshold are
        // coarsened to the oblast and ten-year bands; still-small groups are withheld.
        let oblast = |t: &TerritoryCode| -> TerritoryCode {
            let path = self.territories.path(t);
            path.get(1).cloned().unwrap_or_else(|| t.clone())
        };
        let row = |r: &StatRecord, coarse: bool| -> Option<DatasetRow> {
            let StatRecord::Child {
                territory,
                sex,
                birth_year,
                identified,
                disability,
                migrant_parents,
                legal_status,
                case,
                ..
            } = r
            else {
                return None;
            };
            Some(DatasetRow {
                territory: if coarse { oblast(territory) } else { territory.clone() },
                sex: match sex {
                    crate::Sex::Female => "female".into(),
                    crate::Sex::Male => "male".into(),
                },
                birth_years: band(*birth_year, if coarse { 10 } else { 5 }),
                identified_year: identified.chars().take(4).collect(),
                disability: *disability,
                migrant_parents: *migrant_parents,
                legal_status: legal_status.clone(),
                case_state: case.as_ref().map(|c| c.state.clone()),
                risk: case
                    .as_ref()
                    .and_then(|c| c.risk)
                    .and_then(|s| serde_json::to_value(s).ok())
                    .and_then(|v| v.as_str().map(str::to_string)),
                circumstances: case.as_ref().map(|c| c.circumstances.clone()).unwrap_or_default(),
                monitored: case.as_ref().is_some_and(|c| c.monitored),
            })
        };
        let key = |r: &DatasetRow| (r.territory.clone(), r.sex.clone(), r.birth_years.clone());
        let fine: Vec<DatasetRow> = records.iter().filter_map(|r| row(r, false)).collect();
        let mut sizes: BTreeMap<_, usize> = BTreeMap::new();
        for r in &fine {
            *sizes.entry(key(r)).or_default() += 1;
        }
        let (mut rows, mut small) = (Vec::new(), Vec::new());
        for (r, rec) in fine.into_iter().zip(&records) {
            if sizes[&key(&r)] >= threshold {
                rows.push(r)
            } else {
                small.push(rec)
            }
        }
        let coarse: Vec<DatasetRow> = small.iter().filter_map(|r| row(r, true)).collect();
        let mut csizes: BTreeMap<_, usize> = BTreeMap::new();
        for r in &coarse {
            *csizes.entry(key(r)).or_default() += 1;
        }
        let (mut coarsened, mut withheld) = (0u64, 0u64);
        for r in coarse {
            if csizes[&key(&r)] >= threshold {
                coarsened += 1;
                rows.push(r);
            } else {
                withheld += 1;
            }
        }
        rows.sort_by(|a, b| {
            (&a.territory, &a.sex, &a.birth_years, &a.legal_status, &a.case_state).cmp(&(
                &b.territory,
                &b.sex,
                &b.birth_years,
                &b.legal_status,
                &b.case_state,
            ))
        });
        let detail = format!("rows={} coarsened={coarsened} withheld={withheld}", rows.len());
        self.audit(super::AuditDraft::allowed(&actor.user.id, "dataset", None).with_detail(detail))?;
        Ok(Dataset { rows, threshold: threshold as u32, coarsened, withheld })
    }
}
