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

mod downstream;
mod events;
mod merge;
mod review;

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
pub struct ImportReport {
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

    fn load_link(&self, id: &str) -> Result<Option<StoredLink>, Error> {
        let Some(sealed) = self.store.get(Tree::Users, &link_key(id)).map_err(st)? else { return Ok(None) };
        let mut link: StoredLink = open_json(&self.keys.users, &link_key(id), &sealed)?;
        link.info.acknowledged = self.acknowledged(id)?;
        Ok(Some(link))
    }

    fn put_link(&self, batch: &mut Batch, link: &StoredLink) -> Result<(), Error> {
        let k = link_key(&link.info.id);
        batch.put(Tree::Users, k.clone(), seal_json(self, &self.keys.users, &k, link)?);
        Ok(())
    }

    fn acknowledged(&self, id: &str) -> Result<u64, Error> {
        Ok(self
            .store
            .get(Tree::Meta, &ack_key(id))
            .map_err(st)?
            .and_then(|v| v.try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(0))
    }

    fn user_by_login(&self, login: &str) -> Result<Option<User>, Error> {
        match self.store.get(Tree::Users, &self.login_key(login)).map_err(st)? {
            Some(id) => self.load_user(&String::from_utf8_lossy(&id)),
            None => Ok(None),
        }
    }

    /// Enrols a device or an uploading registry (`manage_users` over its territory) and
    /// returns what the sender needs: the link id, the transport key and this registry's identity.
    pub fn enrol_link(&self, session: &Session, link: NewLink) -> Result<Enrolment, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::ManageUsers, None, "sync.enrol", None)?;
        let public = sync::parse_public(&link.public_key)?;
        let (user, territory) = match link.kind {
            LinkKind::Device => {
                let login = link.login.as_deref().ok_or_else(|| Error::validation("REQUIRED", "login"))?;
                let user = self
                    .user_by_login(login)?
                    .ok_or_else(|| Error::new(ErrorCode::NotFound, "USER_NOT_FOUND").with_field("login"))?;
                let territory = user.data.territory.clone();
                (Some(user), territory)
            }
            LinkKind::Registry => {
                let t = link.territory.clone().ok_or_else(|| Error::validation("REQUIRED", "territory"))?;
                if !self.territory_exists(&t) {
                    return Err(Error::validation("UNKNOWN_TERRITORY", "territory").arg("code", &t));
                }
                (None, t)
            }
        };
        let target = Target { territory: &territory, organization: &actor.user.data.agency_inn };
        self.authorize(&actor, Action::ManageUsers, Some(&target), "sync.enrol", None)?;
        let prefix = if link.kind == LinkKind::Device { "d" } else { "l" };
        let id = format!("{prefix}-{}", hex::encode(self.random::<6>()?));
        let transport = Key::from_bytes(self.random::<32>()?);
        let stored = StoredLink {
            info: LinkInfo {
                id: id.clone(),
                kind: link.kind,
                origin: (link.kind == LinkKind::Device).then(|| id.clone()),
                user: user.map(|u| u.id),
                territory,
                public_key: hex::encode(public),
                valid_until: link.valid_until,
                revoked: None,
                enrolled_at: self.now(),
                acknowledged: 0,
            },
            transport: transport.to_hex(),
        };
        let mut b = Batch::new();
        self.put_link(&mut b, &stored)?;
        let draft = AuditDraft::allowed(&actor.user.id, "sync.enrol", Some(id.clone()))
            .with_detail(format!("kind={:?} until={}", link.kind, link.valid_until));
        self.commit(b, Vec::new(), vec![draft])?;
        Ok(Enrolment {
            link: id,
            transport: transport.to_hex(),
            peer_origin: self.origin.clone(),
            peer_public: self.sync_public_key(),
        })
    }

    /// Revokes a link: its bundles are refused from now on (audited).
    pub fn revoke_link(&self, session: &Session, id: &str, reason: &str) -> Result<LinkInfo, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::ManageUsers, None, "sync.revoke", Some(id.to_string()))?;
        let Some(mut link) = self.load_link(id)? else {
            return Err(Error::new(ErrorCode::NotFound, "LINK_UNKNOWN").arg("id", id));
        };
        link.info.revoked = Some(Revocation { at: self.now(), by: actor.user.id.clone(), reason: reason.to_string() });
        let mut b = Batch::new();
        self.put_link(&mut b, &link)?;
        self.commit(b, Vec::new(), vec![AuditDraft::allowed(&actor.user.id, "sync.revoke", Some(id.to_string()))])?;
        Ok(link.info)
    }

    /// Enrolled links.
    pub fn links(&self, session: &Session) -> Result<Vec<LinkInfo>, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::ManageUsers, None, "sync.links", None)?;
        let mut out = Vec::new();
        for (k, _) in self.store.scan_prefix(Tree::Users, LINK_PREFIX).map_err(st)? {
            let id = String::from_utf8_lossy(&k[LINK_PREFIX.len()..]).to_string();
            if let Some(l) = self.load_link(&id)? {
                out.push(l.info);
            }
        }
        self.audit(AuditDraft::allowed(&actor.user.id, "sync.links", None))?;
        Ok(out)
    }

    // ---- merge state ----

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

    fn device_principal<'a>(user: &'a User) -> Principal<'a> {
        Principal { role: &user.data.role, territory: &user.data.territory, organization: &user.data.agency_inn }
    }

    /// Children in a user's read scope (territory order).
    fn scope_children(&self, user: &User) -> Result<Vec<SubjectId>, Error> {
        let who = Self::device_principal(user);
        let mut out = Vec::new();
        for code in self.territories.subtree(&user.data.territory) {
            for (k, _) in self.store.scan_prefix(Tree::Index, &index::territory_prefix(&code)).map_err(st)? {
                let Some(id) = trailing_id(&k) else { continue };
                let Some((h, _)) = self.state_header(&id)? else { continue };
                if h.kind == SubjectKind::Child
                    && access::decide(&self.profile, &self.territories, &who, Action::Read, Some(&Self::target_of(&h)))
                        .is_ok()
                {
                    out.push(id);
                }
            }
        }
        Ok(out)
    }

    /// The records in a user's read scope: the children, then their cases, then their families
    /// (a case's data key is its child's). Returns the children and all ids.
    fn scope_ids(&self, user: &User) -> Result<(Vec<SubjectId>, Vec<SubjectId>), Error> {
        let children = self.scope_children(user)?;
        let mut ids = children.clone();
        let mut families = std::collections::BTreeSet::new();
        for id in &children {
            let mut prefix = vec![index::CHILD_CASE];
            prefix.extend_from_slice(&id.0);
            for (k, _) in self.store.scan_prefix(Tree::Index, &prefix).map_err(st)? {
                ids.extend(trailing_id(&k));
            }
            if let Some((_, bytes)) = self.state_header(id)? {
                let Ok(key) = self.subject_key(id) else { continue };
                if let (_, StateBody::Child { family: Some(f), .. }) = self.open_state(id, &bytes, &key)? {
                    families.insert(f);
                }
            }
        }
        ids.extend(families);
        Ok((children, ids))
    }

    /// A record as a scope download carries it: state (without the statistical link), data key
    /// and merge state.
    fn snapshot(&self, id: &SubjectId, catch: &mut Batch) -> Result<Option<ScopeSubject>, Error> {
        let Some((_, bytes)) = self.state_header(id)? else { return Ok(None) };
        let Ok(key) = self.subject_key(id) else { return Ok(None) };
        let (header, body) = self.open_state(id, &bytes, &key)?;
        let mut meta =
            if header.kind == SubjectKind::Case { SyncMeta::default() } else { self.catch_up(id, &key, catch)? };
        meta.upto = 0;
        let body = match body {
            StateBody::Child { record, family, .. } => StateBody::Child { record, family, stat: None },
            StateBody::Family { record, .. } => StateBody::Family { record, stat: None },
            other => other,
        };
        Ok(Some(ScopeSubject { id: *id, header, body, key: key.to_hex(), meta }))
    }

    /// The initial download of a device: the children in its worker's read scope, with their
    /// data keys and merge state, sealed for the link and signed by this registry.
    pub fn export_scope(&self, session: &Session, link_id: &str) -> Result<Vec<u8>, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::ManageUsers, None, "sync.scope", Some(link_id.to_string()))?;
        let link = self.usable_link(&actor, link_id, "sync.scope")?;
        let user_id = link.info.user.clone().ok_or_else(|| Error::new(ErrorCode::Validation, "LINK_NOT_A_DEVICE"))?;
        let mut user = self.load_user(&user_id)?.ok_or_else(|| Error::new(ErrorCode::NotFound, "USER_NOT_FOUND"))?;
        user.data.valid_until = user.data.valid_until.min(link.info.valid_until);
        user.failed_logins = 0;
        user.locked_until = None;
        let mut catch = Batch::new();
        let (children, ids) = self.scope_ids(&user)?;
        let mut subjects = Vec::new();
        for id in ids {
            subjects.extend(self.snapshot(&id, &mut catch)?);
            // What the device holds: later downstream bundles send changes of these, and
            // erasure notices when they are erased or leave the scope.
            catch.put(Tree::Index, downstream::sent_key(link_id, &id), Vec::new());
        }
        if !catch.is_empty() {
            self.store.apply(catch).map_err(st)?;
        }
        let classifiers = self
            .store
            .scan_prefix(Tree::Meta, b"classifier/")
            .map_err(st)?
            .into_iter()
            .map(|(k, v)| (hex::encode(k), hex::encode(v)))
            .collect();
        let profile = self
            .store
            .get(Tree::Meta, b"profile")
            .map_err(st)?
            .map(|p| String::from_utf8_lossy(&p).to_string())
            .unwrap_or_default();
        let count = children.len();
        let body = ScopeBody { profile, classifiers, user, centre_origin: self.origin.clone(), subjects };
        let header = BundleHeader {
            link: link_id.to_string(),
            sender_origin: self.origin.clone(),
            receiver_origin: link.info.origin.clone().unwrap_or_default(),
            from: 0,
            to: 0,
            base: self.lock()?.counters.next_fact,
            count: count as u32,
            created_ms: self.now().timestamp_millis(),
        };
        let plain = serde_json::to_vec(&body).map_err(st)?;
        let transport = Key::parse(link.transport.as_bytes()).map_err(|_| Error::storage("link key"))?;
        let bytes = {
            let mut inner = self.lock()?;
            sync::encode(BundleKind::Scope, &header, &plain, &transport, &self.sync_signer(), &mut inner.rng)?
        };
        self.audit(
            AuditDraft::allowed(&actor.user.id, "sync.scope", Some(link_id.to_string()))
                .with_detail(format!("children={count}")),
        )?;
        Ok(bytes)
    }

    fn usable_link(&self, actor: &Actor, id: &str, op: &str) -> Result<StoredLink, Error> {
        let Some(link) = self.load_link(id)? else {
            return Err(self.refuse_sync(
                Some(actor),
                op,
                Some(id),
                Error::new(ErrorCode::AccessDenied, "LINK_UNKNOWN"),
            ));
        };
        if link.info.revoked.is_some() {
            return Err(self.refuse_sync(
                Some(actor),
                op,
                Some(id),
                Error::new(ErrorCode::AccessDenied, "LINK_REVOKED"),
            ));
        }
        Ok(link)
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

    /// Writes a record received whole (scope download, or newly in scope downstream) into a batch.
    fn install_snapshot(&self, b: &mut Batch, s: ScopeSubject) -> Result<(), Error> {
        let key = Key::parse(s.key.as_bytes()).map_err(|_| sync::refused(ErrorCode::Validation, "BUNDLE_DAMAGED"))?;
        self.wrap_key(b, &s.id, &key)?;
        self.put_state(b, &s.id, &s.header, &s.body, &key)?;
        match &s.body {
            StateBody::Child { record, family, .. } => {
                for k in self.child_index_keys(&s.id, record) {
                    b.put(Tree::Index, k, Vec::new());
                }
                if let Some(f) = family {
                    b.put(Tree::Index, index::family_child(f, &s.id), Vec::new());
                }
            }
            StateBody::Case { record } => {
                b.put(Tree::Index, index::child_case(&record.child, &s.id), Vec::new());
                self.reindex_due(b, &s.id, &s.header.territory, None, record)?;
            }
            StateBody::Family { .. } => {}
        }
        if s.header.kind != SubjectKind::Case {
            self.put_meta(b, &s.id, &key, &s.meta)?;
        }
        Ok(())
    }

    /// Creates a device registry from its scope download, in an empty store, under the
    /// device's own master key. The device's origin is its link id; its only account is the
    /// field worker's (same password; the term ends with the link's).
    pub fn create_device(
        store: Arc<dyn Store>,
        master: &Key,
        env: Env,
        secret: &LinkSecret,
        scope: &[u8],
    ) -> Result<Registry, Error> {
        if store.get(Tree::Meta, b"format").map_err(st)?.is_some() {
            return Err(Error::new(ErrorCode::Conflict, "REGISTRY_EXISTS"));
        }
        let frame = sync::frame(scope)?;
        if frame.kind != BundleKind::Scope {
            return Err(sync::refused(ErrorCode::Validation, "BUNDLE_KIND"));
        }
        if frame.header.link != secret.link || frame.header.sender_origin != secret.peer_origin {
            return Err(sync::refused(ErrorCode::Validation, "BUNDLE_WRONG_RECEIVER"));
        }
        let plain = frame.open(&secret.peer_key()?, &secret.transport_key()?)?;
        let body: ScopeBody =
            serde_json::from_slice(&plain).map_err(|_| sync::refused(ErrorCode::Validation, "BUNDLE_DAMAGED"))?;
        let profile = Profile::from_toml(&body.profile)?;
        let Env { clock, mut rng } = env;
        let mut salt = [0u8; 16];
        rng.fill_bytes(&mut salt);
        let keys = KeySet::derive(master, &salt);
        let mut b = Batch::new();
        let values: [Vec<u8>; 5] = [
            vec![super::STORE_FORMAT],
            salt.to_vec(),
            keys.check.to_vec(),
            secret.origin.as_bytes().to_vec(),
            body.profile.as_bytes().to_vec(),
        ];
        for (k, v) in META_KEYS.iter().zip(values) {
            b.put(Tree::Meta, k.to_vec(), v);
        }
        for (k, v) in &body.classifiers {
            let (k, v) = (hex::decode(k), hex::decode(v));
            if let (Ok(k), Ok(v)) = (k, v) {
                b.put(Tree::Meta, k, v);
            }
        }
        b.put(Tree::Meta, META_SCOPE.to_vec(), frame.header.base.to_be_bytes().to_vec());
        store.apply(b).map_err(st)?;
        let mut territories = profile.territories()?;
        super::classifier::replay(store.as_ref(), &mut territories)?;
        let calendar = super::profile_calendar(&profile)?;
        let ring = keyring::create(store.as_ref(), &keys.kek, &mut rng)?;
        let reg = Registry {
            store,
            profile,
            territories,
            calendar,
            keys,
            clock,
            origin: secret.origin.clone(),
            inner: Mutex::new(Inner { rng, counters: Counters { next_fact: 0, next_audit: 0, head: audit::GENESIS } }),
            keyring: std::sync::RwLock::new(ring),
            session_cache: Default::default(),
            anchor_frozen: false,
        };
        let mut b = Batch::new();
        let user = body.user;
        reg.put_user(&mut b, &user)?;
        b.put(Tree::Users, reg.login_key(&user.data.login), user.id.as_bytes().to_vec());
        if let Some(pin) = &user.data.pin {
            b.put(Tree::Users, reg.user_pin_key(pin), user.id.as_bytes().to_vec());
        }
        let count = body.subjects.iter().filter(|s| s.header.kind == SubjectKind::Child).count();
        for s in body.subjects {
            reg.install_snapshot(&mut b, s)?;
        }
        let draft = AuditDraft {
            actor: None,
            action: "sync.scope_applied".into(),
            target: Some(secret.link.clone()),
            outcome: Outcome::Allowed,
            detail: Some(format!("children={count} centre={} user={}", body.centre_origin, user.id)),
        };
        reg.commit(b, Vec::new(), vec![draft])?;
        reg.store.flush().map_err(st)?;
        Ok(reg)
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
    pub fn import_changes(&self, session: &Session, bytes: &[u8]) -> Result<ImportReport, Error> {
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
            ImportReport { link: link_id.clone(), acknowledged: ack.max(frame.header.to), ..Default::default() };
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

    /// The conflict queue in the supervisor's scope (`approve`): each field with two or more
    /// different values from edits that did not see each other, with authors and times.
    pub fn sync_conflicts(&self, session: &Session) -> Result<Vec<Conflict>, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::Approve, None, "sync.conflicts", None)?;
        let mut out = Vec::new();
        let mut catch = Batch::new();
        for (k, _) in self.store.scan_prefix(Tree::Index, &[TAG_CONFLICT]).map_err(st)? {
            let Some(id) = k.get(1..17).and_then(|b| b.try_into().ok()).map(SubjectId) else { continue };
            let Some((h, _)) = self.state_header(&id)? else { continue };
            let who = actor.principal();
            if access::decide(&self.profile, &self.territories, &who, Action::Approve, Some(&Self::target_of(&h)))
                .is_err()
            {
                continue;
            }
            let Ok(key) = self.subject_key(&id) else { continue };
            let meta = self.catch_up(&id, &key, &mut catch)?;
            for (field, leaves) in meta.conflicts() {
                let shown = sync::winner(leaves).map(|l| l.value.clone()).unwrap_or_default();
                let proposals = leaves
                    .iter()
                    .map(|l| Proposal {
                        change: l.mark.to_string(),
                        value: l.value.clone(),
                        author: l.author.clone(),
                        time: ms(l.time_ms),
                    })
                    .collect();
                out.push(Conflict { subject: id, field: field.clone(), shown, proposals });
            }
        }
        if !catch.is_empty() {
            self.store.apply(catch).map_err(st)?;
        }
        self.audit(
            AuditDraft::allowed(&actor.user.id, "sync.conflicts", None).with_detail(format!("open={}", out.len())),
        )?;
        Ok(out)
    }

    /// Resolves a conflict (`approve` over the record): the supervisor chooses one of the
    /// values or enters another; it is recorded as their change, based on every open value.
    pub fn resolve_conflict(
        &self,
        session: &Session,
        id: &SubjectId,
        field: &str,
        value: serde_json::Value,
        provenance: Provenance,
        note: Option<String>,
    ) -> Result<super::ChildView, Error> {
        let actor = self.actor(session)?;
        let (h, old, family, stat) = self.load_child(&actor, id, Action::Approve, "sync.resolve")?;
        let key = self.subject_key(id)?;
        let mut catch = Batch::new();
        let meta = self.catch_up(id, &key, &mut catch)?;
        if !meta.conflicts().any(|(f, _)| f == field) {
            return Err(Error::new(ErrorCode::Conflict, "NO_CONFLICT").with_field(field).arg("field", field));
        }
        self.check_provenance(&provenance)?;
        let changes = vec![FieldChange { field: field.to_string(), value }];
        let mut new = apply_changes(&old, &changes)?;
        new.validate(&self.context())?;
        let mut batch = catch;
        let (old_keys, new_keys) = (self.child_index_keys(id, &old), self.child_index_keys(id, &new));
        for k in old_keys.difference(&new_keys) {
            batch.delete(Tree::Index, k.clone());
        }
        for k in new_keys.difference(&old_keys) {
            batch.put(Tree::Index, k.clone(), Vec::new());
        }
        let header = StateHeader {
            version: h.version + 1,
            territory: new.identified_in.clone(),
            updated_ms: self.now().timestamp_millis(),
            ..h.clone()
        };
        let latest = self.latest_case(id)?;
        let change = self.child_stat_change(stat, &new, latest.as_ref().map(|(_, c)| c))?;
        let stat = Some(change.id);
        self.put_state(&mut batch, id, &header, &StateBody::Child { record: new.clone(), family, stat }, &key)?;
        let fact = PendingFact {
            subject: *id,
            kind: SubjectKind::Child,
            base_version: h.version,
            author: &actor.user.id,
            body: FactBody::Changed { changes, provenance, note },
            key: &key,
        };
        let draft = AuditDraft::allowed(&actor.user.id, "sync.resolve", Some(id.to_string())).with_detail(field);
        self.commit_with_stats(batch, vec![fact], vec![draft], &[change])?;
        // Fold the decision into the merge state now (it would be on the next sync anyway).
        let mut after = Batch::new();
        let meta = self.catch_up(id, &key, &mut after)?;
        if meta.conflicts().next().is_none() {
            after.delete(Tree::Index, conflict_key(id));
        }
        self.store.apply(after).map_err(st)?;
        Ok(Self::view(*id, &header, new, family))
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
