//! The registry facade: every operation goes through here with an actor
//! (DESIGN.md invariant 1): authentication, an access decision, the change as
//! facts, and an audit entry, refusals included.

mod audit_ops;
mod cases;
mod children;
mod classifier;
mod competence;
mod dataset;
mod due;
mod families;
mod import_ops;
mod index;
mod keyring;
mod plans;
mod print;
mod reports;
mod retention;
mod sessions;
mod stats_ops;
mod sync_ops;
mod users_ops;

pub use audit_ops::{AuditReport, DeniedAttempt};
pub use cases::{CaseView, OpenCase, TransitionRequest};
pub use children::{ChildList, ChildView, DuplicateCandidate, HistoryEntry, Match, NewChild, Registered, SearchQuery};
pub use dataset::{Dataset, DatasetRow};
pub use due::{DueItem, DueKind, DueQuery};
pub use families::FamilyView;
pub use keyring::{recoverable_keys, Rotation};
pub use plans::{ManualMeasure, MeasureChange, MeasureUpdate, PlanProposal};
pub use print::Certificate;
pub use reports::{ReportKind, ReportRequest};
pub use retention::{RequestLogEntry, RetentionCandidate, RetentionPlan, RetentionReport};
pub use sessions::{ExternalPrincipal, Session};
pub use sync_ops::{Conflict, LinkInfo, LinkKind, NewLink, Proposal, Review, ReviewDecision, ReviewKind, SyncReport};

use crate::access::{self, DenyReason, Principal, Target};
use crate::audit::{self, AuditEntry, Outcome};
use crate::clock::Clock;
use crate::crypto::{self, Key, KeySet};
use crate::facts::{self, FactBody, FactHeader, StateBody, StateHeader, SubjectKind};
use crate::model::{Context, SubjectId};
use crate::profile::{Action, Profile};
use crate::store::{Batch, Store, Tree};
use crate::territory::{Territories, TerritoryCode};
use crate::users::User;
use crate::{Error, ErrorCode};
use chrono::{DateTime, Utc};
use rand::SeedableRng;
use rand_core::{CryptoRng, RngCore};
use std::sync::{Arc, Mutex, MutexGuard};

/// A cryptographically secure random source.
pub trait Entropy: RngCore + CryptoRng + Send {}
impl<T: RngCore + CryptoRng + Send> Entropy for T {}

/// What the host injects: a clock and a random source.
pub struct Env {
    /// The clock (DESIGN.md invariant 2).
    pub clock: Arc<dyn Clock>,
    /// Random bytes for keys, nonces, ids and tokens.
    pub rng: Box<dyn Entropy>,
}

impl Env {
    /// A clock and a random source seeded once from the operating system.
    pub fn new(clock: Arc<dyn Clock>) -> Env {
        Env { clock, rng: Box::new(rand::rngs::StdRng::from_entropy()) }
    }
    /// A clock and a deterministic random source: for tests and reproducible demos only.
    pub fn seeded(clock: Arc<dyn Clock>, seed: u64) -> Env {
        Env { clock, rng: Box::new(rand::rngs::StdRng::seed_from_u64(seed)) }
    }
}

const META_FORMAT: &[u8] = b"format";
pub(crate) const META_SALT: &[u8] = b"salt";
const META_CHECK: &[u8] = b"check";
const META_ORIGIN: &[u8] = b"origin";
const META_PROFILE: &[u8] = b"profile";
/// The store layout version this library writes.
pub const STORE_FORMAT: u8 = 1;

struct Counters {
    next_fact: u64,
    next_audit: u64,
    head: [u8; 32],
}

struct Inner {
    rng: Box<dyn Entropy>,
    counters: Counters,
}

/// An authenticated actor for the duration of one call.
pub(crate) struct Actor {
    pub(crate) user: User,
}

impl Actor {
    fn principal(&self) -> Principal<'_> {
        Principal {
            role: &self.user.data.role,
            territory: &self.user.data.territory,
            organization: &self.user.data.agency_inn,
        }
    }
}

/// Resolved sessions by token hash: expiry and user.
type SessionCache = std::collections::HashMap<[u8; 32], (DateTime<Utc>, User)>;

/// A registry of children and families.
pub struct Registry {
    store: Arc<dyn Store>,
    profile: Profile,
    territories: Territories,
    /// The working-day calendar of the profile's workflow (Kyrgyz when it names none).
    calendar: crate::calendar::Calendar,
    keys: KeySet,
    clock: Arc<dyn Clock>,
    origin: String,
    inner: Mutex<Inner>,
    /// Resolved sessions: token hash -> (expiry, user). Cleared on any user change.
    session_cache: std::sync::RwLock<SessionCache>,
    /// Wrapping keys of the subjects' data keys, by generation.
    keyring: std::sync::RwLock<keyring::Keyring>,
    /// Set when the anchor names a chain position the store no longer has: the anchor
    /// is then kept as evidence and never overwritten.
    anchor_frozen: bool,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").field("origin", &self.origin).field("profile", &self.profile.profile.id).finish()
    }
}

pub(crate) fn st<E: std::fmt::Display>(e: E) -> Error {
    Error::storage(e)
}

impl Registry {
    /// Creates a registry in an empty store, with a profile (its TOML text is kept in the
    /// store) and the first administrator. Fails with `CONFLICT/REGISTRY_EXISTS` on a used store.
    pub fn create(
        store: Arc<dyn Store>,
        profile_toml: &str,
        master: &Key,
        env: Env,
        first_admin: crate::users::NewUser,
    ) -> Result<Registry, Error> {
        if store.get(Tree::Meta, META_FORMAT).map_err(st)?.is_some() {
            return Err(Error::new(ErrorCode::Conflict, "REGISTRY_EXISTS"));
        }
        let profile = Profile::from_toml(profile_toml)?;
        let Env { clock, mut rng } = env;
        let mut salt = [0u8; 16];
        rng.fill_bytes(&mut salt);
        let mut origin_bytes = [0u8; 6];
        rng.fill_bytes(&mut origin_bytes);
        let origin = format!("r-{}", hex::encode(origin_bytes));
        let keys = KeySet::derive(master, &salt);
        let mut b = Batch::new();
        b.put(Tree::Meta, META_FORMAT, vec![STORE_FORMAT]);
        b.put(Tree::Meta, META_SALT, salt.to_vec());
        b.put(Tree::Meta, META_CHECK, keys.check.to_vec());
        b.put(Tree::Meta, META_ORIGIN, origin.as_bytes().to_vec());
        b.put(Tree::Meta, META_PROFILE, profile_toml.as_bytes().to_vec());
        store.apply(b).map_err(st)?;
        let territories = profile.territories()?;
        let calendar = profile_calendar(&profile)?;
        let ring = keyring::create(store.as_ref(), &keys.kek, &mut rng)?;
        let reg = Registry {
            store,
            profile,
            territories,
            calendar,
            keys,
            clock,
            origin,
            inner: Mutex::new(Inner { rng, counters: Counters { next_fact: 0, next_audit: 0, head: audit::GENESIS } }),
            keyring: std::sync::RwLock::new(ring),
            session_cache: Default::default(),
            anchor_frozen: false,
        };
        if let Err(e) = reg.create_first_admin(first_admin) {
            // Nothing else was written: remove the metadata so the store stays empty.
            let mut undo = Batch::new();
            for k in [META_FORMAT, META_SALT, META_CHECK, META_ORIGIN, META_PROFILE] {
                undo.delete(Tree::Meta, k.to_vec());
            }
            reg.store.apply(undo).map_err(st)?;
            reg.anchor_frozen_set();
            return Err(e);
        }
        reg.store.flush().map_err(st)?;
        Ok(reg)
    }

    /// Opens an existing registry with the host's master key.
    /// `NOT_FOUND/REGISTRY_MISSING` on an empty store, `CRYPTO/WRONG_KEY` for another key.
    pub fn open(store: Arc<dyn Store>, master: &Key, env: Env) -> Result<Registry, Error> {
        let get = |k: &[u8]| store.get(Tree::Meta, k).map_err(st);
        let Some(format) = get(META_FORMAT)? else {
            return Err(Error::new(ErrorCode::NotFound, "REGISTRY_MISSING"));
        };
        if format != [STORE_FORMAT] {
            return Err(
                Error::new(ErrorCode::Storage, "STORE_FORMAT").arg("found", format.first().copied().unwrap_or(0))
            );
        }
        let damaged = |what: &str| Error::new(ErrorCode::Storage, "STORE_DAMAGED").arg("detail", what);
        let salt = get(META_SALT)?.ok_or_else(|| damaged("salt"))?;
        let check = get(META_CHECK)?.ok_or_else(|| damaged("key check"))?;
        let origin =
            String::from_utf8(get(META_ORIGIN)?.ok_or_else(|| damaged("origin"))?).map_err(|_| damaged("origin"))?;
        let profile_text =
            String::from_utf8(get(META_PROFILE)?.ok_or_else(|| damaged("profile"))?).map_err(|_| damaged("profile"))?;
        let keys = KeySet::derive(master, &salt);
        if keys.check.as_slice() != check.as_slice() {
            return Err(Error::new(ErrorCode::Crypto, "WRONG_KEY"));
        }
        let profile = Profile::from_toml(&profile_text)?;
        let mut territories = profile.territories()?;
        classifier::replay(store.as_ref(), &mut territories)?;
        let next_fact = match store.last(Tree::Facts).map_err(st)? {
            Some((k, _)) => u64::from_be_bytes(k.as_slice().try_into().map_err(|_| damaged("fact key"))?) + 1,
            None => 0,
        };
        // The audit head follows from the last link (the anchor, outside the log, guards
        // against a store that lost its tail).
        let (next_audit, head) = match store.last(Tree::Audit).map_err(st)? {
            Some((_, v)) => {
                let link: audit::Link = serde_json::from_slice(&v).map_err(|_| damaged("audit head"))?;
                let mut mac = [0u8; 32];
                hex::decode_to_slice(&link.mac, &mut mac).map_err(|_| damaged("audit head"))?;
                (link.entry.seq + 1, mac)
            }
            None => (0, audit::GENESIS),
        };
        let anchor_frozen = !anchor_matches(store.as_ref())?;
        let calendar = profile_calendar(&profile)?;
        let Env { clock, mut rng } = env;
        let ring = keyring::load(store.as_ref(), &keys.kek, &mut rng)?;
        Ok(Registry {
            store,
            profile,
            territories,
            calendar,
            keys,
            clock,
            origin,
            inner: Mutex::new(Inner { rng, counters: Counters { next_fact, next_audit, head } }),
            keyring: std::sync::RwLock::new(ring),
            session_cache: Default::default(),
            anchor_frozen,
        })
    }

    /// The profile in force.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }
    /// The territory hierarchy.
    pub fn territories(&self) -> &Territories {
        &self.territories
    }
    /// This registry's origin id (facts it records carry it).
    pub fn origin(&self) -> &str {
        &self.origin
    }
    /// The store (for backends' own maintenance; personal data in it are sealed).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
    /// Makes every change durable, then records the audit head outside the store's log
    /// (the anchor), so a store that later loses its tail fails `verify_audit_chain`.
    pub fn flush(&self) -> Result<(), Error> {
        let inner = self.lock()?;
        self.store.flush().map_err(st)?;
        if self.anchor_frozen {
            return Ok(());
        }
        let mut anchor = inner.counters.next_audit.to_be_bytes().to_vec();
        anchor.extend_from_slice(&inner.counters.head);
        self.store.write_anchor(&anchor).map_err(st)
    }

    /// Stops this handle from writing an anchor (used when creation was undone).
    fn anchor_frozen_set(mut self) {
        self.anchor_frozen = true;
    }

    /// Checks a provenance: a known source, received not in the future.
    pub(crate) fn check_provenance(&self, p: &crate::facts::Provenance) -> Result<(), Error> {
        self.profile.check_term("source", &p.source, "provenance.source")?;
        if p.received_on > self.clock.today() {
            return Err(Error::validation("DATE_IN_FUTURE", "provenance.received_on").arg("date", p.received_on));
        }
        Ok(())
    }

    /// Audits an attempt on a record that does not exist, and returns the error.
    pub(crate) fn not_found(&self, actor: &Actor, op: &str, id: &SubjectId, reason: &str) -> Error {
        let draft = AuditDraft {
            actor: Some(actor.user.id.clone()),
            action: op.to_string(),
            target: Some(id.to_string()),
            outcome: Outcome::Failed { reason: "NOT_FOUND".into() },
            detail: None,
        };
        match self.audit(draft) {
            Ok(()) => Error::new(ErrorCode::NotFound, reason).arg("id", id),
            Err(e) => e,
        }
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub(crate) fn context(&self) -> Context<'_> {
        Context { profile: &self.profile, territories: &self.territories, today: self.clock.today() }
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>, Error> {
        self.inner.lock().map_err(|_| Error::storage("registry lock poisoned"))
    }

    /// The audit head this handle knows: number of entries and the last MAC.
    pub(crate) fn head(&self) -> Result<(u64, [u8; 32]), Error> {
        let inner = self.lock()?;
        Ok((inner.counters.next_audit, inner.counters.head))
    }

    /// Random bytes (ids, tokens).
    pub(crate) fn random<const N: usize>(&self) -> Result<[u8; N], Error> {
        let mut out = [0u8; N];
        self.lock()?.rng.fill_bytes(&mut out);
        Ok(out)
    }

    /// Applies a batch together with audit entries and (optionally) facts, atomically.
    /// `facts` are (subject, kind, base_version, author, body, key) and get consecutive sequences.
    pub(crate) fn commit(
        &self,
        batch: Batch,
        facts: Vec<PendingFact<'_>>,
        entries: Vec<AuditDraft>,
    ) -> Result<Vec<u64>, Error> {
        self.commit_with_stats(batch, facts, entries, &[])
    }

    /// [`Registry::commit`] with statistical record changes (counters updated under the lock).
    pub(crate) fn commit_with_stats(
        &self,
        mut batch: Batch,
        facts: Vec<PendingFact<'_>>,
        entries: Vec<AuditDraft>,
        stats: &[stats_ops::StatChange],
    ) -> Result<Vec<u64>, Error> {
        let mut inner = self.lock()?;
        let Inner { rng, counters } = &mut *inner;
        self.stage_stats(&mut batch, stats, rng.as_mut())?;
        let mut next_fact = counters.next_fact;
        let mut next_audit = counters.next_audit;
        let mut head = counters.head;
        let now = self.clock.now();
        let mut seqs = Vec::with_capacity(facts.len());
        for f in facts {
            let header = FactHeader {
                format: facts::FORMAT,
                origin: self.origin.clone(),
                seq: next_fact,
                subject: f.subject.0,
                kind: f.kind,
                author: f.author.to_string(),
                time_ms: now.timestamp_millis(),
                base_version: f.base_version,
            };
            let aad = bincode_header(&header);
            let body = serde_json::to_vec(&f.body).map_err(st)?;
            let sealed = crypto::seal(f.key, &aad, &body, rng);
            batch.put(Tree::Facts, facts::fact_key(next_fact).to_vec(), facts::encode_envelope(&header, &sealed));
            batch.put(Tree::Index, index::subject_fact(&f.subject, next_fact), Vec::new());
            seqs.push(next_fact);
            next_fact += 1;
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
        Ok(seqs)
    }

    /// Writes one audit entry on its own.
    pub(crate) fn audit(&self, draft: AuditDraft) -> Result<(), Error> {
        self.commit(Batch::new(), Vec::new(), vec![draft]).map(|_| ())
    }

    /// Records a refusal and returns the error to give the caller.
    pub(crate) fn deny(&self, actor: Option<&str>, action: &str, target: Option<String>, reason: DenyReason) -> Error {
        let code = if matches!(
            reason,
            DenyReason::AccountExpired
                | DenyReason::AccountRevoked
                | DenyReason::AccountLocked
                | DenyReason::AccountNotYetValid
        ) {
            ErrorCode::Unauthenticated
        } else {
            ErrorCode::AccessDenied
        };
        let err = Error::new(code, reason.code());
        match self.audit(AuditDraft::denied(actor, action, target, reason.code())) {
            Ok(()) => err,
            Err(e) => e,
        }
    }

    /// Checks an actor's right to an action on a target; a refusal is audited.
    pub(crate) fn authorize(
        &self,
        actor: &Actor,
        action: Action,
        target: Option<&Target<'_>>,
        op: &str,
        subject: Option<String>,
    ) -> Result<(), Error> {
        access::decide(&self.profile, &self.territories, &actor.principal(), action, target)
            .and_then(|()| self.undertaking_check(actor, action))
            .map_err(|reason| self.deny(Some(&actor.user.id), op, subject, reason))
    }

    /// ACC-6: a user of a role that requires a non-disclosure undertaking touches personal
    /// data only once it is recorded.
    fn undertaking_check(&self, actor: &Actor, action: Action) -> Result<(), DenyReason> {
        let personal =
            matches!(action, Action::Read | Action::Write | Action::Delete | Action::Approve | Action::Archive);
        let required = self.profile.role(&actor.user.data.role).is_some_and(|r| r.undertaking);
        if personal && required && actor.user.undertaking.is_none() {
            return Err(DenyReason::UndertakingMissing);
        }
        Ok(())
    }

    // ---- subject keys and state ----

    /// A new subject: id and data key (wrapped into the batch).
    pub(crate) fn new_subject(&self, batch: &mut Batch) -> Result<(SubjectId, Key), Error> {
        let (id, key) = {
            let mut inner = self.lock()?;
            let mut id = [0u8; 16];
            inner.rng.fill_bytes(&mut id);
            (SubjectId(id), Key::generate(&mut inner.rng))
        };
        self.wrap_key(batch, &id, &key)?;
        Ok((id, key))
    }

    /// Stores a data key for a subject, wrapped by the key-encryption key.
    pub(crate) fn wrap_key(&self, batch: &mut Batch, id: &SubjectId, key: &Key) -> Result<(), Error> {
        let mut inner = self.lock()?;
        let ring = self.keyring.read().map_err(|_| Error::storage("keyring lock"))?;
        let wrapped = ring.wrap(id, key, &mut inner.rng);
        batch.put(Tree::Keys, id.0.to_vec(), wrapped);
        Ok(())
    }

    /// The data key of a subject; `NOT_FOUND/ERASED` when it was destroyed.
    pub(crate) fn subject_key(&self, id: &SubjectId) -> Result<Key, Error> {
        let wrapped =
            self.store.get(Tree::Keys, &id.0).map_err(st)?.ok_or_else(|| Error::new(ErrorCode::NotFound, "ERASED"))?;
        self.keyring.read().map_err(|_| Error::storage("keyring lock"))?.unwrap(id, &wrapped)
    }

    /// The clear header of a subject's state.
    pub(crate) fn state_header(&self, id: &SubjectId) -> Result<Option<(StateHeader, Vec<u8>)>, Error> {
        let Some(bytes) = self.store.get(Tree::State, &id.0).map_err(st)? else { return Ok(None) };
        let (h, _, _) = facts::decode_envelope::<StateHeader>(&bytes)?;
        Ok(Some((h, bytes)))
    }

    /// Decrypts a state envelope.
    pub(crate) fn open_state(
        &self,
        id: &SubjectId,
        bytes: &[u8],
        key: &Key,
    ) -> Result<(StateHeader, StateBody), Error> {
        let (h, aad, sealed) = facts::decode_envelope::<StateHeader>(bytes)?;
        let mut full_aad = id.0.to_vec();
        full_aad.extend_from_slice(aad);
        let plain = crypto::open(key, &full_aad, sealed).map_err(|_| Error::new(ErrorCode::Crypto, "DATA_DAMAGED"))?;
        let body = serde_json::from_slice(&plain).map_err(|_| Error::new(ErrorCode::Storage, "STORE_DAMAGED"))?;
        Ok((h, body))
    }

    /// Seals a state into the batch.
    pub(crate) fn put_state(
        &self,
        batch: &mut Batch,
        id: &SubjectId,
        header: &StateHeader,
        body: &StateBody,
        key: &Key,
    ) -> Result<(), Error> {
        let aad_h = bincode_header(header);
        let mut full_aad = id.0.to_vec();
        full_aad.extend_from_slice(&aad_h);
        let plain = serde_json::to_vec(body).map_err(st)?;
        let sealed = {
            let mut inner = self.lock()?;
            crypto::seal(key, &full_aad, &plain, &mut inner.rng)
        };
        batch.put(Tree::State, id.0.to_vec(), facts::encode_envelope(header, &sealed));
        Ok(())
    }

    /// Reads and decrypts a stored fact.
    pub(crate) fn read_fact(&self, seq: u64, key: &Key) -> Result<(FactHeader, FactBody), Error> {
        let bytes = self
            .store
            .get(Tree::Facts, &facts::fact_key(seq))
            .map_err(st)?
            .ok_or_else(|| Error::new(ErrorCode::Storage, "STORE_DAMAGED").arg("detail", "missing fact"))?;
        let (h, aad, sealed) = facts::decode_envelope::<FactHeader>(&bytes)?;
        let plain = crypto::open(key, aad, sealed).map_err(|_| Error::new(ErrorCode::Crypto, "DATA_DAMAGED"))?;
        let body = serde_json::from_slice(&plain).map_err(|_| Error::new(ErrorCode::Storage, "STORE_DAMAGED"))?;
        Ok((h, body))
    }

    pub(crate) fn target_of<'a>(h: &'a StateHeader) -> Target<'a> {
        Target { territory: &h.territory, organization: &h.organization }
    }

    pub(crate) fn blind(&self, domain: &str, value: &str) -> [u8; 16] {
        crypto::blind(&self.keys.blind, domain, value)
    }

    pub(crate) fn territory_exists(&self, code: &TerritoryCode) -> bool {
        self.territories.contains(code)
    }
}

fn profile_calendar(profile: &Profile) -> Result<crate::calendar::Calendar, Error> {
    let name = profile.workflow.as_ref().map_or("kg", |w| w.calendar.as_str());
    crate::calendar::Calendar::builtin(name)
}

/// Whether the anchor (if any) names an entry the store has, with the same MAC.
fn anchor_matches(store: &dyn Store) -> Result<bool, Error> {
    let Some(a) = store.read_anchor().map_err(st)? else { return Ok(true) };
    if a.len() != 40 {
        return Ok(false);
    }
    let n = u64::from_be_bytes(a[..8].try_into().unwrap_or_default());
    if n == 0 {
        return Ok(true);
    }
    let Some(v) = store.get(Tree::Audit, &(n - 1).to_be_bytes()).map_err(st)? else { return Ok(false) };
    Ok(serde_json::from_slice::<audit::Link>(&v).is_ok_and(|l| l.mac == hex::encode(&a[8..])))
}

impl Drop for Registry {
    fn drop(&mut self) {
        // Best effort: a host that forgot to flush still gets durable data and an anchor.
        let _ = self.flush();
    }
}

fn bincode_header<H: serde::Serialize>(h: &H) -> Vec<u8> {
    // The envelope's header bytes are the AAD; encode exactly as encode_envelope does.
    let env = facts::encode_envelope(h, &[]);
    env[4..].to_vec()
}

/// A fact to append in a commit.
pub(crate) struct PendingFact<'a> {
    pub subject: SubjectId,
    pub kind: SubjectKind,
    pub base_version: u64,
    pub author: &'a str,
    pub body: FactBody,
    pub key: &'a Key,
}

/// An audit entry to append in a commit.
pub(crate) struct AuditDraft {
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub outcome: Outcome,
    pub detail: Option<String>,
}

impl AuditDraft {
    pub(crate) fn allowed(actor: &str, action: &str, target: Option<String>) -> Self {
        AuditDraft {
            actor: Some(actor.to_string()),
            action: action.to_string(),
            target,
            outcome: Outcome::Allowed,
            detail: None,
        }
    }
    pub(crate) fn denied(actor: Option<&str>, action: &str, target: Option<String>, reason: &str) -> Self {
        AuditDraft {
            actor: actor.map(str::to_string),
            action: action.to_string(),
            target,
            outcome: Outcome::Denied { reason: reason.to_string() },
            detail: None,
        }
    }
    pub(crate) fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}
