//! Keeping the statistics in step with every change (in the same atomic batch).

use super::{st, Registry};
use crate::case::Case;
use crate::crypto;
use crate::model::{Child, SubjectId};
use crate::stats::{apply_delta, Counters, StatRecord};
use crate::store::{Batch, Tree};
use crate::territory::TerritoryCode;
use crate::{Error, ErrorCode};
use std::collections::BTreeMap;

/// A change of one statistical record.
#[derive(Clone, Debug)]
pub(crate) struct StatChange {
    pub id: SubjectId,
    pub old: Option<StatRecord>,
    pub new: Option<StatRecord>,
}

const RECORD: &[u8] = b"r/";
const COUNTERS: &[u8] = b"c/";

pub(crate) fn record_key(id: &SubjectId) -> Vec<u8> {
    [RECORD, &id.0].concat()
}

fn counters_key(t: &TerritoryCode) -> Vec<u8> {
    [COUNTERS, t.as_str().as_bytes()].concat()
}

impl Registry {
    /// A stored statistical record.
    pub(crate) fn stat_record(&self, id: &SubjectId) -> Result<Option<StatRecord>, Error> {
        let Some(sealed) = self.store.get(Tree::Stats, &record_key(id)).map_err(st)? else { return Ok(None) };
        let plain = crypto::open(&self.keys.stats, &id.0, &sealed)
            .map_err(|_| Error::new(ErrorCode::Crypto, "DATA_DAMAGED"))?;
        serde_json::from_slice(&plain).map(Some).map_err(|_| Error::new(ErrorCode::Storage, "STORE_DAMAGED"))
    }

    /// The counters of one territory.
    pub(crate) fn counters(&self, t: &TerritoryCode) -> Result<Counters, Error> {
        let Some(sealed) = self.store.get(Tree::Stats, &counters_key(t)).map_err(st)? else {
            return Ok(Counters::new());
        };
        let plain = crypto::open(&self.keys.stats, t.as_str().as_bytes(), &sealed)
            .map_err(|_| Error::new(ErrorCode::Crypto, "DATA_DAMAGED"))?;
        serde_json::from_slice(&plain).map_err(|_| Error::new(ErrorCode::Storage, "STORE_DAMAGED"))
    }

    /// The change of a child's statistical record after a change of the child or its case.
    pub(crate) fn child_stat_change(
        &self,
        stat: Option<SubjectId>,
        child: &Child,
        case: Option<&Case>,
    ) -> Result<StatChange, Error> {
        let id = match stat {
            Some(id) => id,
            None => SubjectId(self.random::<16>()?),
        };
        let old = self.stat_record(&id)?;
        let new = StatRecord::of_child(child, case, self.profile.plan.as_ref());
        Ok(StatChange { id, old, new: Some(new) })
    }

    /// The latest case of a child (by the time its information was received).
    pub(crate) fn latest_case(&self, child: &SubjectId) -> Result<Option<(SubjectId, Case)>, Error> {
        Ok(self.cases_of(child)?.into_iter().max_by_key(|(_, c)| c.received_at))
    }

    /// Writes records and counter deltas into the batch. Called under the write lock.
    pub(crate) fn stage_stats(
        &self,
        batch: &mut Batch,
        changes: &[StatChange],
        rng: &mut dyn rand_core::RngCore,
    ) -> Result<(), Error> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut deltas: BTreeMap<TerritoryCode, Counters> = BTreeMap::new();
        let mut rng = super::keyring::CryptoAdapter(rng);
        for c in changes {
            if c.old == c.new {
                continue;
            }
            let counted = |r: &Option<StatRecord>| r.as_ref().map(|r| r.cells());
            if counted(&c.old) != counted(&c.new) {
                apply_delta(&mut deltas, c.old.as_ref(), c.new.as_ref());
            }
            match &c.new {
                Some(r) => {
                    let plain = serde_json::to_vec(r).map_err(st)?;
                    batch.put(
                        Tree::Stats,
                        record_key(&c.id),
                        crypto::seal(&self.keys.stats, &c.id.0, &plain, &mut rng),
                    );
                }
                None => batch.delete(Tree::Stats, record_key(&c.id)),
            }
        }
        for (t, d) in deltas {
            let mut current = self.counters(&t)?;
            for (cell, n) in d {
                let v = current.entry(cell.clone()).or_default();
                *v += n;
                if *v == 0 {
                    current.remove(&cell);
                }
            }
            let plain = serde_json::to_vec(&current).map_err(st)?;
            batch.put(
                Tree::Stats,
                counters_key(&t),
                crypto::seal(&self.keys.stats, t.as_str().as_bytes(), &plain, &mut rng),
            );
        }
        Ok(())
    }
}
