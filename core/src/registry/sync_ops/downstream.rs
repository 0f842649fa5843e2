//! Downstream incremental bundles (centre → device): the centre's changes to the records a
//! device holds since the device's acknowledged position, the records newly in its scope
//! (whole, with their data keys) and erasure notices for records erased here or moved out of
//! its scope (the device destroys its copy). The device applies them with the same merge.
//!
//! The centre remembers, per link, which records the device holds (an index entry per record,
//! written by the scope download and by each downstream export), so "newly in scope" and
//! "left the scope" are exact, not guessed from history.

use super::{
    ack_key, conflict_key, meta_key, LinkInfo, LinkKind, ScopeSubject, StoredLink, SyncReport, META_SCOPE, REVIEW_TAG,
};
use crate::audit::Outcome;
use crate::crypto::Key;
use crate::facts::StateBody;
use crate::model::SubjectId;
use crate::profile::Action;
use crate::registry::{index, st, AuditDraft, Registry, Session};
use crate::store::{Batch, Tree};
use crate::sync::{self, BundleHeader, BundleKind, LinkSecret, WireChange};
use crate::{Error, ErrorCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Index tag: a record a device holds (link id, 0, record id).
const TAG_SENT: u8 = b'U';

pub(super) fn sent_key(link: &str, id: &SubjectId) -> Vec<u8> {
    [&[TAG_SENT][..], link.as_bytes(), &[0], &id.0].concat()
}

fn sent_prefix(link: &str) -> Vec<u8> {
    [&[TAG_SENT][..], link.as_bytes(), &[0]].concat()
}

/// The sealed body of a downstream bundle.
#[derive(Serialize, Deserialize)]
struct DownBody {
    /// Records newly in the device's scope: state, data key, merge state.
    added: Vec<ScopeSubject>,
    /// Records the device must destroy: erased here, or no longer in its scope.
    erased: Vec<SubjectId>,
    /// Changes to records the device holds, in this registry's log order.
    changes: Vec<WireChange>,
}

impl Registry {
    /// Gives a device the centre's changes since `from` (the position the device acknowledged:
    /// [`Registry::downstream_position`] on the device), for the records in its worker's scope
    /// now: changes to what it holds, records newly in scope with their data keys, erasure
    /// notices for records erased or out of scope. Needs the `sync` grant. The device's own
    /// changes are not sent back.
    pub fn export_downstream(&self, session: &Session, link_id: &str, from: u64) -> Result<Vec<u8>, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::Sync, None, "sync.downstream", Some(link_id.to_string()))?;
        let link = self.usable_link(&actor, link_id, "sync.downstream")?;
        let user_id = link.info.user.clone().ok_or_else(|| Error::new(ErrorCode::Validation, "LINK_NOT_A_DEVICE"))?;
        let user = self.load_user(&user_id)?.ok_or_else(|| Error::new(ErrorCode::NotFound, "USER_NOT_FOUND"))?;
        let device_origin = link.info.origin.clone().unwrap_or_default();
        let end = self.lock()?.counters.next_fact;
        let from = from.min(end);
        let (_, now) = self.scope_ids(&user)?;
        let now: BTreeSet<SubjectId> = now.into_iter().collect();
        let held: BTreeSet<SubjectId> = self
            .store
            .scan_prefix(Tree::Index, &sent_prefix(link_id))
            .map_err(st)?
            .into_iter()
            .filter_map(|(k, _)| index::trailing_id(&k))
            .collect();
        let mut catch = Batch::new();
        let mut added = Vec::new();
        for id in now.difference(&held) {
            if let Some(s) = self.snapshot(id, &mut catch)? {
                added.push(s);
                catch.put(Tree::Index, sent_key(link_id, id), Vec::new());
            }
        }
        let erased: Vec<SubjectId> = held.difference(&now).copied().collect();
        for id in &erased {
            catch.delete(Tree::Index, sent_key(link_id, id));
        }
        let keep: BTreeSet<SubjectId> = now.intersection(&held).copied().collect();
        let changes = self.wire_changes(from, end, &mut catch, |h| {
            h.origin != device_origin && keep.contains(&SubjectId(h.subject))
        })?;
        let header = BundleHeader {
            link: link_id.to_string(),
            sender_origin: self.origin.clone(),
            receiver_origin: device_origin,
            from,
            to: end,
            base: end,
            count: changes.len() as u32,
            created_ms: self.now().timestamp_millis(),
        };
        let counts =
            format!("from={from} to={end} changes={} added={} erased={}", changes.len(), added.len(), erased.len());
        let plain = serde_json::to_vec(&DownBody { added, erased, changes }).map_err(st)?;
        let transport = Key::parse(link.transport.as_bytes()).map_err(|_| Error::storage("link key"))?;
        let bytes = {
            let mut inner = self.lock()?;
            sync::encode(BundleKind::Downstream, &header, &plain, &transport, &self.sync_signer(), &mut inner.rng)?
        };
        let draft =
            AuditDraft::allowed(&actor.user.id, "sync.downstream", Some(link_id.to_string())).with_detail(counts);
        self.commit(catch, Vec::new(), vec![draft])?;
        Ok(bytes)
    }

    /// On a device: the centre's log position acknowledged so far (give it to
    /// [`Registry::export_downstream`]).
    pub fn downstream_position(&self, secret: &LinkSecret) -> Result<u64, Error> {
        if let Some(v) = self.store.get(Tree::Meta, &ack_key(&secret.peer_origin)).map_err(st)? {
            return Ok(v.try_into().ok().map(u64::from_be_bytes).unwrap_or(0));
        }
        Ok(self
            .store
            .get(Tree::Meta, META_SCOPE)
            .map_err(st)?
            .and_then(|v| v.try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(0))
    }

    /// On a device: applies a downstream bundle from its centre, all or nothing, with the same
    /// merge as the centre (field conflicts to the device's queue, events re-checked): erasure
    /// notices destroy the device's copy, records newly in scope are installed, changes merged.
    /// Refused like an upstream bundle when cut, forged, of a newer format, or out of order
    /// (`SYNC_GAP`); applying it again changes nothing.
    pub fn import_downstream(&self, session: &Session, secret: &LinkSecret, bytes: &[u8]) -> Result<SyncReport, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::Read, None, "sync.downstream_applied", None)?;
        let refuse = |e: Error| self.refuse_sync(Some(&actor), "sync.downstream_applied", Some(&secret.link), e);
        let frame = sync::frame(bytes).map_err(refuse)?;
        if frame.kind != BundleKind::Downstream {
            return Err(refuse(sync::refused(ErrorCode::Validation, "BUNDLE_KIND")));
        }
        if frame.header.link != secret.link
            || frame.header.sender_origin != secret.peer_origin
            || frame.header.receiver_origin != self.origin
        {
            return Err(refuse(sync::refused(ErrorCode::Validation, "BUNDLE_WRONG_RECEIVER")));
        }
        let plain = frame.open(&secret.peer_key()?, &secret.transport_key()?).map_err(refuse)?;
        let body: DownBody = serde_json::from_slice(&plain)
            .map_err(|_| refuse(sync::refused(ErrorCode::Validation, "BUNDLE_DAMAGED")))?;
        if body.changes.len() != frame.header.count as usize || frame.header.from > frame.header.to {
            return Err(refuse(sync::refused(ErrorCode::Validation, "BUNDLE_DAMAGED")));
        }
        let ack = self.downstream_position(secret)?;
        if frame.header.from > ack {
            return Err(refuse(
                Error::new(ErrorCode::Conflict, "SYNC_GAP").arg("expected", ack).arg("found", frame.header.from),
            ));
        }
        let mut report =
            SyncReport { link: secret.link.clone(), acknowledged: ack.max(frame.header.to), ..Default::default() };
        // The centre, as this device sees it: its changes are within the worker's territory.
        let link = StoredLink {
            info: LinkInfo {
                id: secret.peer_origin.clone(),
                kind: LinkKind::Registry,
                origin: Some(secret.peer_origin.clone()),
                user: None,
                territory: actor.user.data.territory.clone(),
                public_key: secret.peer_public.clone(),
                valid_until: chrono::NaiveDate::MAX,
                revoked: None,
                enrolled_at: self.now(),
                acknowledged: ack,
            },
            transport: String::new(),
        };
        let mut batch = Batch::new();
        let erased: BTreeSet<SubjectId> = body.erased.iter().copied().collect();
        for id in &erased {
            self.destroy_copy(&mut batch, id)?;
        }
        let mut installed = 0u64;
        for s in body.added {
            if erased.contains(&s.id) || self.state_header(&s.id)?.is_some() {
                continue;
            }
            self.install_snapshot(&mut batch, s)?;
            installed += 1;
        }
        let changes: Vec<WireChange> = body.changes.into_iter().filter(|c| !erased.contains(&c.subject)).collect();
        let (merged, facts, metas, stats, marks) = match self.merge(&link, changes, &mut report, false) {
            Ok(m) => m,
            Err(e) => return Err(refuse(e)),
        };
        batch.ops.extend(merged.ops);
        self.stage_conflict_marks(&mut batch, &marks);
        if frame.header.to > ack {
            batch.put(Tree::Meta, ack_key(&secret.peer_origin), frame.header.to.to_be_bytes().to_vec());
        }
        let draft = AuditDraft {
            actor: Some(actor.user.id.clone()),
            action: "sync.downstream_applied".into(),
            target: Some(secret.link.clone()),
            outcome: Outcome::Allowed,
            detail: Some(format!(
                "from={} to={} applied={} duplicates={} added={installed} erased={} conflicts={} queued={}",
                frame.header.from,
                frame.header.to,
                report.applied,
                report.duplicates,
                erased.len(),
                report.conflicts.len(),
                report.queued
            )),
        };
        report.erased += erased.len() as u64;
        let mut drafts = vec![draft];
        drafts.extend(self.apply_drafts(&secret.peer_origin, &facts));
        self.commit_synced(batch, facts, metas, drafts, &stats)?;
        Ok(report)
    }

    /// Destroys a device's copy of a record (its key, state, indexes, merge state, queue
    /// entries; a child's cases with it).
    fn destroy_copy(&self, batch: &mut Batch, id: &SubjectId) -> Result<(), Error> {
        let Some((h, bytes)) = self.state_header(id)? else { return Ok(()) };
        let Ok(key) = self.subject_key(id) else { return Ok(()) };
        match self.open_state(id, &bytes, &key)? {
            (_, StateBody::Child { record, family, .. }) => {
                for k in self.child_index_keys(id, &record) {
                    batch.delete(Tree::Index, k);
                }
                if let Some(f) = family {
                    batch.delete(Tree::Index, index::family_child(&f, id));
                }
                for (cid, case) in self.cases_of(id)? {
                    self.remove_due(batch, &cid, &h.territory, &case);
                    batch.delete(Tree::Index, index::child_case(id, &cid));
                    self.forget(batch, &cid)?;
                }
            }
            (_, StateBody::Case { record }) => {
                self.remove_due(batch, id, &h.territory, &record);
                batch.delete(Tree::Index, index::child_case(&record.child, id));
            }
            (_, StateBody::Family { .. }) => {}
        }
        self.forget(batch, id)
    }

    fn forget(&self, batch: &mut Batch, id: &SubjectId) -> Result<(), Error> {
        batch.delete(Tree::Keys, id.0.to_vec());
        batch.delete(Tree::State, id.0.to_vec());
        batch.delete(Tree::Index, meta_key(id));
        batch.delete(Tree::Index, conflict_key(id));
        for prefix in [[&[index::SUBJECT_FACT][..], &id.0].concat(), [&[REVIEW_TAG][..], &id.0].concat()] {
            for (k, _) in self.store.scan_prefix(Tree::Index, &prefix).map_err(st)? {
                batch.delete(Tree::Index, k);
            }
        }
        Ok(())
    }
}
