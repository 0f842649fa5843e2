//! Retention and archive (RET-1 .. RET-3): subjects past the profile's age are written to
//! an archive package, then erased from the live registry — keys destroyed, state and
//! indexes removed, the keyring rotated so no copy of a key survives — while the fact log
//! and the audit chain stay verifiable and the statistics stay the same.

use super::children::{ms, HistoryEntry};
use super::stats_ops::StatChange;
use super::{index, st, AuditDraft, Registry, Session, META_SALT};
use crate::access::Target;
use crate::archive::{self, ArchivePayload, ArchiveRequest, ArchivedCase, ArchivedChild};
use crate::case::Case;
use crate::crypto;
use crate::facts::{StateBody, StateHeader, SubjectKind};
use crate::model::{Child, SubjectId};
use crate::profile::Action;
use crate::store::{for_each, Batch, Tree};
use crate::territory::TerritoryCode;
use crate::{Error, ErrorCode};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::io::Write;

/// A subject a retention run concerns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionCandidate {
    /// The child.
    pub child: SubjectId,
    /// Its territory.
    pub territory: TerritoryCode,
    /// The day it reaches (or reached) the retention age.
    pub reaches_age_on: NaiveDate,
    /// A legal hold's reason, when one blocks erasure.
    pub hold: Option<String>,
}

/// What a run would do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPlan {
    /// As of (today, injected clock).
    pub as_of: NaiveDate,
    /// The profile's age.
    pub age_years: u32,
    /// The profile's action (`archive` or `erase`).
    pub action: String,
    /// To archive and erase.
    pub due: Vec<RetentionCandidate>,
    /// Past the age but held.
    pub held: Vec<RetentionCandidate>,
}

/// What a run (or an archive on request) did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionReport {
    /// Children archived and erased.
    pub erased_children: u64,
    /// Their ids (subject ids carry no personal data), for the owner's register of erasures.
    #[serde(default)]
    pub erased: Vec<SubjectId>,
    /// Their cases.
    pub erased_cases: u64,
    /// Families erased with their last child.
    pub erased_families: u64,
    /// Skipped because of a legal hold.
    pub held: u64,
    /// Bytes of the archive package written (0 when none).
    pub archive_bytes: u64,
    /// SHA-256 of the archive package (hex), for the owner's register.
    pub archive_sha256: Option<String>,
    /// Keyring generation after the run.
    pub keyring_generation: Option<u32>,
}

/// An entry of the archive request log (RET-2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestLogEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Who processed it (user id).
    pub by: String,
    /// The child concerned.
    pub child: SubjectId,
    /// The request.
    pub request: ArchiveRequest,
    /// `archived`, or `refused: REASON`.
    pub outcome: String,
}

#[derive(Serialize, Deserialize)]
struct Hold {
    reason: String,
    by: String,
    at: DateTime<Utc>,
}

const REQUEST_LOG: &[u8] = b"request/";

/// A child's state: header, record, family and statistical record ids.
type ChildState = (StateHeader, Child, Option<SubjectId>, Option<SubjectId>);

fn hold_key(id: &SubjectId) -> Vec<u8> {
    [b"H".as_slice(), &id.0].concat()
}

fn reaches(birth: NaiveDate, years: u32) -> NaiveDate {
    let y = birth.year() + years as i32;
    NaiveDate::from_ymd_opt(y, birth.month(), birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(y, 3, 1))
        .unwrap_or(NaiveDate::MAX)
}

impl Registry {
    fn child_state(&self, id: &SubjectId) -> Result<Option<ChildState>, Error> {
        let Some((_, bytes)) = self.state_header(id)?.filter(|(h, _)| h.kind == SubjectKind::Child) else {
            return Ok(None);
        };
        let key = self.subject_key(id)?;
        match self.open_state(id, &bytes, &key)? {
            (h, StateBody::Child { record, family, stat }) => Ok(Some((h, record, family, stat))),
            _ => Err(Error::new(ErrorCode::Storage, "STORE_DAMAGED")),
        }
    }

    pub(crate) fn facts_of(&self, id: &SubjectId) -> Result<Vec<HistoryEntry>, Error> {
        let key = self.subject_key(id)?;
        let mut prefix = vec![index::SUBJECT_FACT];
        prefix.extend_from_slice(&id.0);
        let mut out = Vec::new();
        for (k, _) in self.store.scan_prefix(Tree::Index, &prefix).map_err(st)? {
            let seq =
                u64::from_be_bytes(k[17..25].try_into().map_err(|_| Error::new(ErrorCode::Storage, "STORE_DAMAGED"))?);
            let (fh, body) = self.read_fact(seq, &key)?;
            out.push(HistoryEntry {
                origin: fh.origin,
                seq: fh.seq,
                time: ms(fh.time_ms),
                author: fh.author,
                base_version: fh.base_version,
                fact: body,
            });
        }
        Ok(out)
    }

    fn hold_of(&self, id: &SubjectId) -> Result<Option<String>, Error> {
        let Some(sealed) = self.store.get(Tree::Index, &hold_key(id)).map_err(st)? else { return Ok(None) };
        let key = self.subject_key(id)?;
        let plain =
            crypto::open(&key, &hold_key(id), &sealed).map_err(|_| Error::new(ErrorCode::Crypto, "DATA_DAMAGED"))?;
        let h: Hold = serde_json::from_slice(&plain).map_err(st)?;
        Ok(Some(h.reason))
    }

    /// Sets (or with `None` lifts) a legal hold on a child: a held child is never erased.
    pub fn set_legal_hold(&self, session: &Session, child: &SubjectId, reason: Option<String>) -> Result<(), Error> {
        let actor = self.actor(session)?;
        let Some((h, _)) = self.state_header(child)?.filter(|(h, _)| h.kind == SubjectKind::Child) else {
            self.authorize(&actor, Action::Archive, None, "retention.hold", Some(child.to_string()))?;
            return Err(self.not_found(&actor, "retention.hold", child, "CHILD_NOT_FOUND"));
        };
        self.authorize(&actor, Action::Archive, Some(&Self::target_of(&h)), "retention.hold", Some(child.to_string()))?;
        let mut b = Batch::new();
        match reason.map(|r| r.trim().to_string()) {
            Some(r) if !r.is_empty() => {
                let key = self.subject_key(child)?;
                let plain =
                    serde_json::to_vec(&Hold { reason: r, by: actor.user.id.clone(), at: self.now() }).map_err(st)?;
                let sealed = {
                    let mut inner = self.lock()?;
                    crypto::seal(&key, &hold_key(child), &plain, &mut super::keyring::CryptoAdapter(inner.rng.as_mut()))
                };
                b.put(Tree::Index, hold_key(child), sealed);
            }
            Some(_) => return Err(Error::validation("REASON_REQUIRED", "reason")),
            None => b.delete(Tree::Index, hold_key(child)),
        }
        self.commit(b, Vec::new(), vec![AuditDraft::allowed(&actor.user.id, "retention.hold", Some(child.to_string()))])
            .map(|_| ())
    }

    fn retention_candidates(&self) -> Result<(Vec<RetentionCandidate>, Vec<RetentionCandidate>), Error> {
        let today = self.clock.today();
        let years = self.profile.retention.age_years;
        let (mut due, mut held) = (Vec::new(), Vec::new());
        let mut ids = Vec::new();
        for_each(self.store.as_ref(), Tree::State, b"", |k, v| {
            if let (Ok(id), Ok((h, _, _))) = (<[u8; 16]>::try_from(k), crate::facts::decode_envelope::<StateHeader>(v))
            {
                if h.kind == SubjectKind::Child {
                    ids.push(SubjectId(id));
                }
            }
            Ok(())
        })?;
        for id in ids {
            let Some((h, child, _, _)) = self.child_state(&id)? else { continue };
            let on = reaches(child.birth_date, years);
            if on > today {
                continue;
            }
            let c =
                RetentionCandidate { child: id, territory: h.territory, reaches_age_on: on, hold: self.hold_of(&id)? };
            if c.hold.is_some() {
                held.push(c)
            } else {
                due.push(c)
            }
        }
        Ok((due, held))
    }

    /// What a retention run would do now (needs `archive`). Changes nothing.
    pub fn retention_plan(&self, session: &Session) -> Result<RetentionPlan, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::Archive, None, "retention.plan", None)?;
        let (due, held) = self.retention_candidates()?;
        self.audit(AuditDraft::allowed(&actor.user.id, "retention.plan", None).with_detail(format!(
            "due={} held={}",
            due.len(),
            held.len()
        )))?;
        Ok(RetentionPlan {
            as_of: self.clock.today(),
            age_years: self.profile.retention.age_years,
            action: self.profile.retention.action.clone(),
            due,
            held,
        })
    }

    /// Runs retention: archives every due child (with cases, history and, when it was the
    /// last child, its family) into one package written to `archive_out`, then erases them.
    pub fn retention_run(&self, session: &Session, archive_out: &mut dyn Write) -> Result<RetentionReport, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::Archive, None, "retention.run", None)?;
        let (due, held) = self.retention_candidates()?;
        let ids: Vec<SubjectId> = due.iter().map(|c| c.child).collect();
        let mut report = self.archive_and_erase(&actor, &ids, "retention", None, archive_out)?;
        report.held = held.len() as u64;
        self.audit(AuditDraft::allowed(&actor.user.id, "retention.run", None).with_detail(format!(
            "erased={} cases={} families={} held={}",
            report.erased_children, report.erased_cases, report.erased_families, report.held
        )))?;
        Ok(report)
    }

    /// Archives one child on a reasoned request (the Omsk form), logging the request.
    pub fn archive_on_request(
        &self,
        session: &Session,
        child: &SubjectId,
        request: ArchiveRequest,
        archive_out: &mut dyn Write,
    ) -> Result<RetentionReport, Error> {
        let actor = self.actor(session)?;
        let Some((h, _)) = self.state_header(child)?.filter(|(h, _)| h.kind == SubjectKind::Child) else {
            self.authorize(&actor, Action::Archive, None, "archive.request", Some(child.to_string()))?;
            return Err(self.not_found(&actor, "archive.request", child, "CHILD_NOT_FOUND"));
        };
        self.authorize(
            &actor,
            Action::Archive,
            Some(&Target { territory: &h.territory, organization: &h.organization }),
            "archive.request",
            Some(child.to_string()),
        )?;
        for (v, f) in
            [(&request.reason, "reason"), (&request.requested_by, "requested_by"), (&request.document, "document")]
        {
            if v.trim().is_empty() {
                return Err(Error::validation("REQUIRED", f));
            }
        }
        let outcome =
            if self.hold_of(child)?.is_some() { Err(Error::new(ErrorCode::Conflict, "LEGAL_HOLD")) } else { Ok(()) };
        let entry = RequestLogEntry {
            at: self.now(),
            by: actor.user.id.clone(),
            child: *child,
            request: request.clone(),
            outcome: match &outcome {
                Ok(()) => "archived".into(),
                Err(e) => format!("refused: {}", e.reason),
            },
        };
        self.log_request(&entry)?;
        outcome?;
        self.archive_and_erase(&actor, &[*child], "request", Some(request), archive_out)
    }

    fn log_request(&self, e: &RequestLogEntry) -> Result<(), Error> {
        let n = self.store.scan_prefix(Tree::Meta, REQUEST_LOG).map_err(st)?.len();
        let key = [REQUEST_LOG, format!("{n:010}").as_bytes()].concat();
        let plain = serde_json::to_vec(e).map_err(st)?;
        let sealed = {
            let mut inner = self.lock()?;
            crypto::seal(&self.keys.stats, &key, &plain, &mut super::keyring::CryptoAdapter(inner.rng.as_mut()))
        };
        let mut b = Batch::new();
        b.put(Tree::Meta, key, sealed);
        self.commit(
            b,
            Vec::new(),
            vec![
                AuditDraft::allowed(&e.by, "archive.request", Some(e.child.to_string())).with_detail(e.outcome.clone())
            ],
        )
        .map(|_| ())
    }

    /// The archive request log (needs `archive`).
    pub fn archive_requests(&self, session: &Session) -> Result<Vec<RequestLogEntry>, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::Archive, None, "archive.request", None)?;
        let mut out = Vec::new();
        for (k, v) in self.store.scan_prefix(Tree::Meta, REQUEST_LOG).map_err(st)? {
            let plain =
                crypto::open(&self.keys.stats, &k, &v).map_err(|_| Error::new(ErrorCode::Crypto, "DATA_DAMAGED"))?;
            out.push(serde_json::from_slice(&plain).map_err(st)?);
        }
        Ok(out)
    }

    fn archive_and_erase(
        &self,
        actor: &super::Actor,
        ids: &[SubjectId],
        reason: &str,
        request: Option<ArchiveRequest>,
        out: &mut dyn Write,
    ) -> Result<RetentionReport, Error> {
        let mut report = RetentionReport::default();
        if ids.is_empty() {
            return Ok(report);
        }
        // 1. Everything that will be erased, read while the keys exist.
        let mut archived = Vec::new();
        let mut families_leaving = Vec::new();
        for id in ids {
            let Some((h, record, family, _)) = self.child_state(id)? else { continue };
            let cases: Vec<(SubjectId, Case)> = self.cases_of(id)?;
            let mut acases = Vec::new();
            for (cid, case) in &cases {
                acases.push(ArchivedCase { id: *cid, case: case.clone(), history: self.facts_of(cid)? });
            }
            let mut fam_view = None;
            if let Some(f) = family {
                let mut prefix = vec![index::FAMILY_CHILD];
                prefix.extend_from_slice(&f.0);
                let others = self
                    .store
                    .scan_prefix(Tree::Index, &prefix)
                    .map_err(st)?
                    .iter()
                    .filter_map(|(k, _)| index::trailing_id(k))
                    .filter(|c| !ids.contains(c))
                    .count();
                if others == 0 && !families_leaving.contains(&f) {
                    families_leaving.push(f);
                    fam_view = self.family_view_internal(&f)?;
                }
            }
            archived.push(ArchivedChild {
                child: Self::view(*id, &h, record, family),
                history: self.facts_of(id)?,
                cases: acases,
                family: fam_view,
            });
        }
        // 2. The package, written before anything is erased.
        let salt: [u8; 16] = self
            .store
            .get(Tree::Meta, META_SALT)
            .map_err(st)?
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| Error::storage("salt"))?;
        let payload = ArchivePayload {
            format: 1,
            origin: self.origin.clone(),
            created_at: self.now(),
            reason: reason.into(),
            request,
            children: archived,
        };
        let package = {
            let mut inner = self.lock()?;
            archive::seal(&self.keys, &salt, &payload, &mut super::keyring::CryptoAdapter(inner.rng.as_mut()))?
        };
        out.write_all(&package)
            .and_then(|_| out.flush())
            .map_err(|e| Error::new(ErrorCode::Storage, "BACKUP_IO").arg("detail", e))?;
        report.archive_bytes = package.len() as u64;
        report.archive_sha256 = Some(hex::encode(crypto::sha256(&package)));
        // 3. Erase in atomic batches of children (each with its cases and, if it was the
        //    last one, its family).
        for chunk in payload.children.chunks(256) {
            let mut batch = Batch::new();
            let mut stats = Vec::new();
            let mut drafts = Vec::new();
            for a in chunk {
                let id = a.child.id;
                let Some((h, record, family, stat)) = self.child_state(&id)? else { continue };
                for k in self.child_index_keys(&id, &record) {
                    batch.delete(Tree::Index, k);
                }
                self.erase_subject(&mut batch, &id)?;
                batch.delete(Tree::Index, hold_key(&id));
                if let Some(s) = stat {
                    if let Some(mut rec) = self.stat_record(&s)? {
                        let old = rec.clone();
                        rec.mark_erased();
                        stats.push(StatChange { id: s, old: Some(old), new: Some(rec) });
                    }
                }
                for c in &a.cases {
                    self.remove_due(&mut batch, &c.id, &h.territory, &c.case);
                    batch.delete(Tree::Index, index::child_case(&id, &c.id));
                    self.erase_subject(&mut batch, &c.id)?;
                    report.erased_cases += 1;
                }
                if let Some(f) = family {
                    batch.delete(Tree::Index, index::family_child(&f, &id));
                    if a.family.is_some() {
                        if let Some((_, bytes)) = self.state_header(&f)? {
                            let key = self.subject_key(&f)?;
                            if let (_, StateBody::Family { stat: Some(s), .. }) = self.open_state(&f, &bytes, &key)? {
                                if let Some(mut rec) = self.stat_record(&s)? {
                                    let old = rec.clone();
                                    rec.mark_erased();
                                    stats.push(StatChange { id: s, old: Some(old), new: Some(rec) });
                                }
                            }
                        }
                        self.erase_subject(&mut batch, &f)?;
                        report.erased_families += 1;
                    }
                }
                let detail = format!("reason={reason} cases={}", a.cases.len());
                drafts.push(
                    AuditDraft::allowed(&actor.user.id, "retention.erase", Some(id.to_string())).with_detail(detail),
                );
                report.erased_children += 1;
                report.erased.push(id);
            }
            self.commit_with_stats(batch, Vec::new(), drafts, &stats)?;
        }
        // 4. Rotate the keyring: erased keys left in old log segments become unopenable.
        let rotation = self.rotate_keyring()?;
        report.keyring_generation = Some(rotation.generation);
        self.flush()?;
        Ok(report)
    }

    /// Removes a subject's key, state and fact index (the facts stay, sealed under a key that is gone).
    fn erase_subject(&self, batch: &mut Batch, id: &SubjectId) -> Result<(), Error> {
        batch.delete(Tree::Keys, id.0.to_vec());
        batch.delete(Tree::State, id.0.to_vec());
        let mut prefix = vec![index::SUBJECT_FACT];
        prefix.extend_from_slice(&id.0);
        for (k, _) in self.store.scan_prefix(Tree::Index, &prefix).map_err(st)? {
            batch.delete(Tree::Index, k);
        }
        Ok(())
    }
}
