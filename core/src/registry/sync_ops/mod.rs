//! Offline devices and conflict-aware sync through the facade (issue 7; `docs/src/sync.md`).
//!
//! - **Links**: a device (a field worker's phone) or a registry (a municipal registry uploading
//!   to the regional one) is enrolled with its Ed25519 public key; the receiver gives back a
//!   transport key. Links can be revoked.
//! - **Scope download**: the centre gives a device the children in its worker's read scope
//!   (state, data keys and merge state), sealed for the link; the device registry is created
//!   from it and applies the same profile, the same facade and the worker's own account, its
//!   term cut to the link's.
//! - **Changes**: the sender gives out its fact log from a position; the receiver applies a
//!   bundle all-or-nothing, acknowledges by the sender's log position and skips what it has
//!   (by each change's origin and sequence), so bundles may be resent, duplicated and cut.
//! - **Merge**: each change carries, per field, the versions it was based on; the receiver
//!   keeps per field the values no later change replaced. Two different values from
//!   concurrent edits are a conflict for a supervisor, never overwritten in silence.

mod conflicts;
mod downstream;
mod events;
mod links;
mod merge;
mod review;
mod scope;

pub use review::{Review, ReviewDecision, ReviewKind};

use super::index::{self, trailing_id};
use super::stats_ops::StatChange;
use super::{keyring, st, Actor, AuditDraft, Counters, Inner, PendingFact, Registry, Session};
use crate::access::{self, DenyReason, Principal, Target};
use crate::audit::{self, AuditEntry, Outcome};
use crate::crypto::{self, Key, KeySet};
use crate::facts::{self, FactBody, FactHeader, Provenance, StateBody, StateHeader, SubjectKind};
use crate::model::{apply_changes, FieldChange, SubjectId};
use crate::profile::{Action, Profile};
use crate::store::{Batch, Store, Tree};
use crate::sync::{self, BundleHeader, BundleKind, Enrolment, Leaf, LinkSecret, Mark, SyncMeta, WireChange};
use crate::territory::TerritoryCode;
use crate::users::{Revocation, User};
use crate::{Env, Error, ErrorCode};
use chrono::{DateTime, NaiveDate, Utc};
use rand_core::RngCore;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

const LINK_PREFIX: &[u8] = b"d/";
const ACK_PREFIX: &[u8] = b"sync/ack/";
const META_SCOPE: &[u8] = b"sync/scope";
const META_KEYS: [&[u8]; 5] = [b"format", b"salt", b"check", b"origin", b"profile"];
/// Index tags: merge state per subject, changes recorded here (value: the log position, then
/// the change's bases sealed with the subject's key), open conflicts.
const TAG_META: u8 = b'Y';
const TAG_APPLIED: u8 = b'W';
const TAG_CONFLICT: u8 = b'X';
/// Index tags of the review queue (sealed entries) and of cases whose opening waits in it.
const REVIEW_TAG: u8 = b'V';
const REVIEW_QUEUED_CASE: u8 = b'v';

/// What a merge gives to commit: the writes, the facts, the merge states, the statistics and
/// the conflict markers.
type Merged = (Batch, Vec<SyncedFact>, Vec<(SubjectId, Key, SyncMeta)>, Vec<StatChange>, Vec<(SubjectId, bool)>);

fn out_of_scope(id: &SubjectId) -> Error {
    Error::new(ErrorCode::AccessDenied, "SYNC_OUT_OF_SCOPE").with_field("bundle").arg("id", id)
}

/// What is enrolled: a field device or a registry that uploads to this one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum LinkKind {
    /// A field worker's device: its changes are the worker's, within the worker's write scope.
    Device,
    /// A registry uploading its log (a municipal registry's quarterly upload), within a territory.
    Registry,
}

/// An enrolment request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewLink {
    /// Device or registry.
    pub kind: LinkKind,
    /// For a device: the field worker's login (the device acts only as this account).
    #[serde(default)]
    pub login: Option<String>,
    /// For a registry: the territory its upload may touch.
    #[serde(default)]
    pub territory: Option<TerritoryCode>,
    /// The sender's Ed25519 public key (64 hex digits, [`LinkSecret::public_key`]).
    pub public_key: String,
    /// Last day the link may record and deliver changes (a device's grant holds offline).
    pub valid_until: NaiveDate,
}

/// An enrolled link as administrators see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LinkInfo {
    /// The link id (a device's origin).
    pub id: String,
    /// Device or registry.
    pub kind: LinkKind,
    /// The sender's origin (its facts carry it); set for devices at enrolment, for a registry on its first bundle.
    pub origin: Option<String>,
    /// For a device: the field worker's user id.
    pub user: Option<String>,
    /// The territory of the scope.
    pub territory: TerritoryCode,
    /// The public key (hex).
    pub public_key: String,
    /// Last day of the grant.
    pub valid_until: NaiveDate,
    /// Revocation, if any.
    pub revoked: Option<Revocation>,
    /// When enrolled.
    pub enrolled_at: DateTime<Utc>,
    /// Position of the sender's log acknowledged so far.
    pub acknowledged: u64,
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredLink {
    info: LinkInfo,
    transport: String,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    /// The link.
    pub link: String,
    /// Changes applied now.
    pub applied: u64,
    /// Changes skipped because they were applied before (resends, duplicates, overlaps).
    pub duplicates: u64,
    /// Changes to subjects erased here (their data keys are gone; they are not revived).
    pub erased: u64,
    /// Fields that are in conflict after this bundle (subject and field).
    pub conflicts: Vec<(SubjectId, String)>,
    /// The sender's log position acknowledged: resend from here.
    pub acknowledged: u64,
    /// Events not applicable here now, sent to the review queue (not applied, not dropped).
    #[serde(default)]
    pub queued: u64,
    /// Review entries made by this bundle (record and coded reason): events not applicable,
    /// records invalid after the merge, possible duplicates.
    #[serde(default)]
    pub review: Vec<(SubjectId, String)>,
}

/// One value proposed for a field in conflict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// The change that set it (`origin:seq`).
    pub change: String,
    /// The value.
    pub value: serde_json::Value,
    /// Who (user id).
    pub author: String,
    /// When recorded.
    pub time: DateTime<Utc>,
}

/// A true conflict waiting for a supervisor: two or more different values of one field,
/// each from an edit that did not see the other.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The record.
    pub subject: SubjectId,
    /// The field (`needs.x` for a need).
    pub field: String,
    /// The value shown meanwhile (the latest recorded).
    pub shown: serde_json::Value,
    /// Every value, with author and time.
    pub proposals: Vec<Proposal>,
}

/// What a scope download carries (sealed).
#[derive(Serialize, Deserialize)]
struct ScopeBody {
    profile: String,
    classifiers: Vec<(String, String)>,
    user: User,
    centre_origin: String,
    subjects: Vec<ScopeSubject>,
}

#[derive(Serialize, Deserialize)]
struct ScopeSubject {
    id: SubjectId,
    header: StateHeader,
    body: StateBody,
    key: String,
    meta: SyncMeta,
}

fn mark_of(h: &FactHeader) -> Mark {
    Mark { origin: h.origin.clone(), seq: h.seq }
}

fn meta_key(id: &SubjectId) -> Vec<u8> {
    [&[TAG_META][..], &id.0].concat()
}
fn applied_key(m: &Mark) -> Vec<u8> {
    [&[TAG_APPLIED][..], m.origin.as_bytes(), &[0], &m.seq.to_be_bytes()].concat()
}
fn conflict_key(id: &SubjectId) -> Vec<u8> {
    [&[TAG_CONFLICT][..], &id.0].concat()
}
fn link_key(id: &str) -> Vec<u8> {
    [LINK_PREFIX, id.as_bytes()].concat()
}
fn ack_key(id: &str) -> Vec<u8> {
    [ACK_PREFIX, id.as_bytes()].concat()
}

/// The value of a field path in a record's JSON form (`needs.x` reads a need).
fn field_value(record: &serde_json::Value, field: &str) -> serde_json::Value {
    match field.strip_prefix("needs.") {
        Some(k) => record.get("needs").and_then(|n| n.get(k)).cloned().unwrap_or(serde_json::Value::Null),
        None => record.get(field).cloned().unwrap_or(serde_json::Value::Null),
    }
}

fn ms(t: i64) -> DateTime<Utc> {
    super::children::ms(t)
}

fn seal_json<T: Serialize>(reg: &Registry, key: &Key, aad: &[u8], v: &T) -> Result<Vec<u8>, Error> {
    let plain = serde_json::to_vec(v).map_err(st)?;
    let mut inner = reg.lock()?;
    Ok(crypto::seal(key, aad, &plain, &mut inner.rng))
}

fn open_json<T: serde::de::DeserializeOwned>(key: &Key, aad: &[u8], sealed: &[u8]) -> Result<T, Error> {
    let plain = crypto::open(key, aad, sealed).map_err(|_| Error::new(ErrorCode::Crypto, "DATA_DAMAGED"))?;
    serde_json::from_slice(&plain).map_err(|_| Error::new(ErrorCode::Storage, "STORE_DAMAGED"))
}

impl Registry {
    /// This registry's sync signing key, derived from its audit key (nothing to store).
    fn sync_signer(&self) -> ed25519_dalek::SigningKey {
        sync::registry_signer(crypto::chain_mac(&self.keys.audit, &[0u8; 32], b"kamkor/sync-signing-key/v1"))
    }

    /// This registry's public sync key (64 hex digits): devices check scope downloads with it.
    pub fn sync_public_key(&self) -> String {
        hex::encode(self.sync_signer().verifying_key().to_bytes())
    }

    fn load_meta(&self, id: &SubjectId, key: &Key) -> Result<Option<SyncMeta>, Error> {
        match self.store.get(Tree::Index, &meta_key(id)).map_err(st)? {
            Some(sealed) => open_json(key, &meta_key(id), &sealed).map(Some),
            None => Ok(None),
        }
    }

    fn put_meta(&self, batch: &mut Batch, id: &SubjectId, key: &Key, meta: &SyncMeta) -> Result<(), Error> {
        batch.put(Tree::Index, meta_key(id), seal_json(self, key, &meta_key(id), meta)?);
        Ok(())
    }

    /// The bases of a change recorded here (kept with its applied mark).
    fn load_parents(&self, mark: &Mark, key: &Key) -> Result<Option<BTreeMap<String, Vec<Mark>>>, Error> {
        match self.store.get(Tree::Index, &applied_key(mark)).map_err(st)? {
            Some(v) => parents_in(&v, mark, key),
            None => Ok(None),
        }
    }

    /// Brings a subject's merge state up to this registry's log: changes made here through
    /// the facade supersede every open value of their fields (the person saw the record),
    /// and their bases are kept for export. Returns the state and the writes to make.
    fn catch_up(&self, id: &SubjectId, key: &Key, batch: &mut Batch) -> Result<SyncMeta, Error> {
        let mut meta = self.load_meta(id, key)?.unwrap_or_default();
        let before = meta.clone();
        let mut prefix = vec![index::SUBJECT_FACT];
        prefix.extend_from_slice(&id.0);
        let start = index::subject_fact(id, meta.upto);
        for (k, _) in self.store.scan(Tree::Index, &prefix, &start, usize::MAX).map_err(st)? {
            let Some(pos) = k.get(17..25).and_then(|b| b.try_into().ok()).map(u64::from_be_bytes) else { continue };
            let (fh, body) = self.read_fact(pos, key)?;
            match body {
                FactBody::ChildRegistered { .. } | FactBody::FamilyRegistered { .. } => {
                    meta.reg.get_or_insert_with(|| mark_of(&fh));
                }
                FactBody::Changed { changes, .. } => {
                    let leaf = |v: &serde_json::Value| Leaf {
                        mark: mark_of(&fh),
                        value: v.clone(),
                        author: fh.author.clone(),
                        time_ms: fh.time_ms,
                    };
                    if let Some(parents) = self.load_parents(&mark_of(&fh), key)? {
                        for ch in &changes {
                            let p = parents.get(&ch.field).cloned().unwrap_or_default();
                            meta.apply(&ch.field, &p, leaf(&ch.value), || serde_json::Value::Null);
                        }
                    } else {
                        let mut parents = BTreeMap::new();
                        for ch in &changes {
                            parents.insert(ch.field.clone(), meta.parents_of(&ch.field));
                            meta.settle(&ch.field, leaf(&ch.value));
                        }
                        let k = applied_key(&mark_of(&fh));
                        let mut v = pos.to_be_bytes().to_vec();
                        v.extend_from_slice(&seal_json(self, key, &k, &parents)?);
                        batch.put(Tree::Index, k, v);
                    }
                }
                _ => {}
            }
            meta.upto = pos + 1;
        }
        if meta != before {
            self.put_meta(batch, id, key, &meta)?;
        }
        Ok(meta)
    }

    /// Audits a refused sync operation and returns the error.
    fn refuse_sync(&self, actor: Option<&Actor>, op: &str, link: Option<&str>, err: Error) -> Error {
        let draft = AuditDraft {
            actor: actor.map(|a| a.user.id.clone()),
            action: op.to_string(),
            target: link.map(str::to_string),
            outcome: Outcome::Failed { reason: err.reason.clone() },
            detail: None,
        };
        match self.audit(draft) {
            Ok(()) => err,
            Err(e) => e,
        }
    }

    /// Gives out this registry's changes from a position of its log (what the receiver
    /// acknowledged last; 0 gives everything), at most `limit` log positions, as a bundle
    /// signed with the link's key. Every fact kind travels (registrations and field changes of
    /// children and families, family links, case events); the receiver's own changes are not
    /// sent back. Needs `write`, `sync` or `manage_users`.
    pub fn export_changes(
        &self,
        session: &Session,
        secret: &LinkSecret,
        from: u64,
        limit: Option<u64>,
    ) -> Result<Vec<u8>, Error> {
        let actor = self.actor(session)?;
        let who = actor.principal();
        let may = |a| access::decide(&self.profile, &self.territories, &who, a, None).is_ok();
        if !may(Action::Write) && !may(Action::ManageUsers) && !may(Action::Sync) {
            return Err(self.deny(Some(&actor.user.id), "sync.export", None, DenyReason::NoPermission));
        }
        let end = self.lock()?.counters.next_fact;
        let from = from.min(end);
        let to = limit.map_or(end, |l| from.saturating_add(l).min(end));
        let device = self.store.get(Tree::Meta, META_SCOPE).map_err(st)?.is_some();
        let mut catch = Batch::new();
        let out = self.wire_changes(from, to, &mut catch, |h| {
            // A device gives out only its own work (what it received from the centre is the centre's).
            h.origin != secret.peer_origin && (!device || h.origin == self.origin)
        })?;
        if !catch.is_empty() {
            self.store.apply(catch).map_err(st)?;
        }
        let header = BundleHeader {
            link: secret.link.clone(),
            sender_origin: self.origin.clone(),
            receiver_origin: secret.peer_origin.clone(),
            from,
            to,
            base: 0,
            count: out.len() as u32,
            created_ms: self.now().timestamp_millis(),
        };
        let plain = serde_json::to_vec(&out).map_err(st)?;
        let bytes = {
            let mut inner = self.lock()?;
            sync::encode(
                BundleKind::Changes,
                &header,
                &plain,
                &secret.transport_key()?,
                &secret.signer()?,
                &mut inner.rng,
            )?
        };
        self.audit(
            AuditDraft::allowed(&actor.user.id, "sync.export", Some(secret.link.clone()))
                .with_detail(format!("from={from} to={to} changes={}", out.len())),
        )?;
        Ok(bytes)
    }

    /// The facts of this registry's log in `[from, to)` that `keep` selects, as a bundle carries
    /// them (a registration with its data key, a field change with its bases).
    fn wire_changes(
        &self,
        from: u64,
        to: u64,
        catch: &mut Batch,
        keep: impl Fn(&FactHeader) -> bool,
    ) -> Result<Vec<WireChange>, Error> {
        let mut metas: HashMap<SubjectId, ()> = HashMap::new();
        let mut out = Vec::new();
        for (k, v) in self.store.scan(Tree::Facts, &[], &facts::fact_key(from), (to - from) as usize).map_err(st)? {
            let pos = u64::from_be_bytes(k.as_slice().try_into().map_err(|_| Error::storage("fact key"))?);
            if pos >= to {
                break;
            }
            let (h, _, _) = facts::decode_envelope::<FactHeader>(&v)?;
            if !keep(&h) {
                continue;
            }
            let id = SubjectId(h.subject);
            let Ok(key) = self.subject_key(&id) else { continue };
            if h.kind != SubjectKind::Case && metas.insert(id, ()).is_none() {
                self.catch_up(&id, &key, catch)?;
            }
            let (h, body) = self.read_fact(pos, &key)?;
            let (parents, wire_key) = match &body {
                FactBody::ChildRegistered { .. } | FactBody::FamilyRegistered { .. } => {
                    (BTreeMap::new(), Some(key.to_hex()))
                }
                FactBody::Changed { .. } => {
                    let mark = mark_of(&h);
                    let p = match self.load_parents(&mark, &key)? {
                        Some(p) => p,
                        None => pending_parents(catch, &mark, &key)?.unwrap_or_default(),
                    };
                    (p, None)
                }
                // Events travel as recorded; the receiver re-checks them.
                FactBody::Case { .. } | FactBody::FamilyLinked { .. } | FactBody::Screened { .. } => {
                    (BTreeMap::new(), None)
                }
            };
            out.push(WireChange {
                origin: h.origin,
                seq: h.seq,
                subject: id,
                kind: h.kind,
                author: h.author,
                time_ms: h.time_ms,
                base_version: h.base_version,
                body,
                parents,
                key: wire_key,
            });
        }
        Ok(out)
    }

    /// Takes in a bundle of changes (needs the `sync` grant): all or nothing. Refused — coded,
    /// nothing applied, the attempt audited — when cut, forged, of a newer format, from an
    /// unknown or revoked link, out of order (`SYNC_GAP`: resend from the acknowledged
    /// position), or touching records outside the sender's scope. Applying it again changes nothing.
    pub fn import_changes(&self, session: &Session, bytes: &[u8]) -> Result<SyncReport, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::Sync, None, "sync.import", None)?;
        let frame = match sync::frame(bytes) {
            Ok(f) => f,
            Err(e) => return Err(self.refuse_sync(Some(&actor), "sync.import", None, e)),
        };
        let link_id = frame.header.link.clone();
        let refuse = |e: Error| self.refuse_sync(Some(&actor), "sync.import", Some(&link_id), e);
        if frame.kind != BundleKind::Changes {
            return Err(refuse(sync::refused(ErrorCode::Validation, "BUNDLE_KIND")));
        }
        let link = self.usable_link(&actor, &link_id, "sync.import")?;
        if frame.header.receiver_origin != self.origin {
            return Err(refuse(sync::refused(ErrorCode::Validation, "BUNDLE_WRONG_RECEIVER")));
        }
        let public = sync::parse_public(&link.info.public_key)?;
        let transport = Key::parse(link.transport.as_bytes()).map_err(|_| Error::storage("link key"))?;
        let plain = match frame.open(&public, &transport) {
            Ok(p) => p,
            Err(e) => return Err(refuse(e)),
        };
        if link.info.origin.as_ref().is_some_and(|o| *o != frame.header.sender_origin) {
            return Err(refuse(sync::refused(ErrorCode::Crypto, "BUNDLE_FORGED")));
        }
        let changes: Vec<WireChange> = match serde_json::from_slice(&plain) {
            Ok(c) => c,
            Err(_) => return Err(refuse(sync::refused(ErrorCode::Validation, "BUNDLE_DAMAGED"))),
        };
        if changes.len() != frame.header.count as usize || frame.header.from > frame.header.to {
            return Err(refuse(sync::refused(ErrorCode::Validation, "BUNDLE_DAMAGED")));
        }
        let ack = link.info.acknowledged;
        if frame.header.from > ack {
            return Err(refuse(
                Error::new(ErrorCode::Conflict, "SYNC_GAP").arg("expected", ack).arg("found", frame.header.from),
            ));
        }
        let mut report =
            SyncReport { link: link_id.clone(), acknowledged: ack.max(frame.header.to), ..Default::default() };
        if frame.header.to <= ack && frame.header.to > frame.header.from {
            // Everything in it was acknowledged before: a resend, skipped whole.
            report.duplicates = changes.len() as u64;
            self.audit(
                AuditDraft::allowed(&actor.user.id, "sync.import", Some(link_id.clone()))
                    .with_detail(format!("from={} to={} acknowledged before", frame.header.from, frame.header.to)),
            )?;
            return Ok(report);
        }
        match self.merge(&link, changes, &mut report, false) {
            Ok((batch, facts, metas, stats, conflict_marks)) => {
                let mut batch = batch;
                if frame.header.to > ack {
                    batch.put(Tree::Meta, ack_key(&link_id), frame.header.to.to_be_bytes().to_vec());
                }
                if link.info.origin.is_none() {
                    let mut l = link.clone();
                    l.info.origin = Some(frame.header.sender_origin.clone());
                    self.put_link(&mut batch, &l)?;
                }
                self.stage_conflict_marks(&mut batch, &conflict_marks);
                let draft =
                    AuditDraft::allowed(&actor.user.id, "sync.import", Some(link_id.clone())).with_detail(format!(
                        "from={} to={} applied={} duplicates={} erased={} conflicts={} queued={} review={}",
                        frame.header.from,
                        frame.header.to,
                        report.applied,
                        report.duplicates,
                        report.erased,
                        report.conflicts.len(),
                        report.queued,
                        report.review.len()
                    ));
                let mut drafts = vec![draft];
                drafts.extend(self.apply_drafts(&link_id, &facts));
                self.commit_synced(batch, facts, metas, drafts, &stats)?;
                Ok(report)
            }
            Err(e) => Err(refuse(e)),
        }
    }

    fn stage_conflict_marks(&self, batch: &mut Batch, marks: &[(SubjectId, bool)]) {
        for (id, open) in marks {
            if *open {
                batch.put(Tree::Index, conflict_key(id), Vec::new());
            } else {
                batch.delete(Tree::Index, conflict_key(id));
            }
        }
    }

    /// One audit entry per record changed, in the name of the person who changed it.
    fn apply_drafts(&self, link_id: &str, facts: &[SyncedFact]) -> Vec<AuditDraft> {
        let mut per_subject: BTreeMap<SubjectId, (String, BTreeMap<String, u32>)> = BTreeMap::new();
        for f in facts {
            let e = per_subject.entry(SubjectId(f.header.subject)).or_default();
            e.0 = f.header.author.clone();
            *e.1.entry(f.mark.origin.clone()).or_default() += 1;
        }
        per_subject
            .into_iter()
            .map(|(id, (author, origins))| {
                let detail: Vec<String> = origins.iter().map(|(o, n)| format!("{o}={n}")).collect();
                AuditDraft {
                    actor: Some(author),
                    action: "sync.apply".into(),
                    target: Some(id.to_string()),
                    outcome: Outcome::Allowed,
                    detail: Some(format!("link={link_id} changes: {}", detail.join(","))),
                }
            })
            .collect()
    }

    /// Appends facts recorded elsewhere (their own origin, sequence, author and time) with
    /// their bases, the subjects' merge states and audit entries, atomically.
    fn commit_synced(
        &self,
        mut batch: Batch,
        facts_in: Vec<SyncedFact>,
        metas: Vec<(SubjectId, Key, SyncMeta)>,
        entries: Vec<AuditDraft>,
        stats: &[StatChange],
    ) -> Result<(), Error> {
        let mut inner = self.lock()?;
        let Inner { rng, counters } = &mut *inner;
        self.stage_stats(&mut batch, stats, rng.as_mut())?;
        let mut next_fact = counters.next_fact;
        let mut next_audit = counters.next_audit;
        let mut head = counters.head;
        let now = self.clock.now();
        for f in facts_in {
            let aad = super::bincode_header(&f.header);
            let body = serde_json::to_vec(&f.body).map_err(st)?;
            let sealed = crypto::seal(&f.key, &aad, &body, rng);
            let subject = SubjectId(f.header.subject);
            batch.put(Tree::Facts, facts::fact_key(next_fact).to_vec(), facts::encode_envelope(&f.header, &sealed));
            batch.put(Tree::Index, index::subject_fact(&subject, next_fact), Vec::new());
            let mut applied = next_fact.to_be_bytes().to_vec();
            if let Some(p) = f.parents {
                let plain = serde_json::to_vec(&p).map_err(st)?;
                applied.extend_from_slice(&crypto::seal(&f.key, &applied_key(&f.mark), &plain, rng));
            }
            batch.put(Tree::Index, applied_key(&f.mark), applied);
            next_fact += 1;
        }
        for (id, key, mut meta) in metas {
            meta.upto = next_fact;
            let plain = serde_json::to_vec(&meta).map_err(st)?;
            batch.put(Tree::Index, meta_key(&id), crypto::seal(&key, &meta_key(&id), &plain, rng));
        }
        for d in entries {
            let entry = AuditEntry {
                seq: next_audit,
                time: now,
                actor: d.actor,
                action: d.action,
                target: d.target,
                outcome: d.outcome,
                detail: d.detail,
            };
            let (link, mac) = audit::link(&self.keys.audit, &head, entry);
            batch.put(Tree::Audit, next_audit.to_be_bytes().to_vec(), serde_json::to_vec(&link).map_err(st)?);
            head = mac;
            next_audit += 1;
        }
        self.store.apply(batch).map_err(st)?;
        *counters = Counters { next_fact, next_audit, head };
        Ok(())
    }
}

/// Bases written by a catch-up still in the batch (not yet applied).
fn pending_parents(batch: &Batch, mark: &Mark, key: &Key) -> Result<Option<BTreeMap<String, Vec<Mark>>>, Error> {
    let k = applied_key(mark);
    match batch.ops.iter().rev().find(|op| op.tree == Tree::Index && op.key == k).and_then(|op| op.value.as_ref()) {
        Some(v) => parents_in(v, mark, key),
        None => Ok(None),
    }
}

/// The bases in an applied mark's value (log position, then the sealed bases, if any).
fn parents_in(value: &[u8], mark: &Mark, key: &Key) -> Result<Option<BTreeMap<String, Vec<Mark>>>, Error> {
    match value.get(8..) {
        Some(sealed) if !sealed.is_empty() => open_json(key, &applied_key(mark), sealed).map(Some),
        _ => Ok(None),
    }
}

/// A fact recorded elsewhere, to append here.
struct SyncedFact {
    header: FactHeader,
    body: FactBody,
    key: Key,
    parents: Option<BTreeMap<String, Vec<Mark>>>,
    mark: Mark,
}
