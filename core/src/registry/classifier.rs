//! Finer territory levels (ayil aimaks, settlements) loaded from the statistics
//! committee's classifier (REG-7). Each load is kept in the registry's metadata
//! and replayed in order on open, so the versioned hierarchy survives restarts.

use super::{AuditDraft, Registry, Session};
use crate::profile::Action;
use crate::store::{Batch, Store, Tree};
use crate::territory::{LoadSummary, Territories};
use crate::{Error, ErrorCode};
use chrono::NaiveDate;

const PREFIX: &[u8] = b"classifier/";

fn refused(e: crate::territory::TerritoryError) -> Error {
    Error::new(ErrorCode::Validation, e.code())
        .with_field(format!("line {}", e.line().unwrap_or(0)))
        .arg("line", e.line().unwrap_or(0))
        .arg("detail", &e)
}

/// Replays stored classifier loads onto the profile's hierarchy.
pub(crate) fn replay(store: &dyn Store, territories: &mut Territories) -> Result<(), Error> {
    for (_, v) in store.scan_prefix(Tree::Meta, PREFIX).map_err(Error::storage)? {
        let damaged = || Error::new(ErrorCode::Storage, "STORE_DAMAGED").arg("detail", "classifier");
        let (date, csv) = v.split_at_checked(10).ok_or_else(damaged)?;
        let date = NaiveDate::parse_from_str(std::str::from_utf8(date).map_err(|_| damaged())?, "%Y-%m-%d")
            .map_err(|_| damaged())?;
        territories.load_classifier(csv, date).map_err(|_| damaged())?;
    }
    Ok(())
}

impl Registry {
    /// Loads a territory classifier (CSV: `soate,kind,parent,name_ru,name_ky,name_en[,valid_from,valid_to]`)
    /// effective from a date. All-or-nothing; errors name the line. Needs `configure`.
    /// The new levels apply to this registry handle and to every later open.
    pub fn load_classifier(
        &mut self,
        session: &Session,
        csv: &[u8],
        effective: NaiveDate,
    ) -> Result<LoadSummary, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::Configure, None, "territory.load", None)?;
        let mut next = self.territories.clone();
        let summary = next.load_classifier(csv, effective).map_err(refused)?;
        let n = self.store.scan_prefix(Tree::Meta, PREFIX).map_err(Error::storage)?.len();
        let mut value = effective.format("%Y-%m-%d").to_string().into_bytes();
        value.extend_from_slice(csv);
        let mut b = Batch::new();
        b.put(Tree::Meta, [PREFIX, format!("{n:08}").as_bytes()].concat(), value);
        let detail = format!("added={} unchanged={} closed={}", summary.added, summary.unchanged, summary.closed);
        self.commit(
            b,
            Vec::new(),
            vec![AuditDraft::allowed(&actor.user.id, "territory.load", None).with_detail(detail)],
        )?;
        self.territories = next;
        Ok(summary)
    }
}
