//! Kotlin and Swift bindings of the Kamkor core, made with uniffi proc-macros.
//!
//! The host talks to one object, [`KamkorRegistry`], opened on a sled directory (the device
//! registry) or in memory. Every call but sign-in takes a [`Session`]; every failure is the
//! core's [`Error`], thrown as `KamkorException` in Kotlin and `KamkorError` in Swift with its
//! stable `code`, `reason`, `field`, `args` and a localized `message(lang)`. The clock is the
//! host's, through the [`HostClock`] callback interface.
//!
//! The core's records and enums cross as they are (feature `uniffi` of `kamkor-core`, no mirror
//! types). A few cannot (tuples, `serde_json::Value`, deeply nested case data): those cross as
//! their JSON text, exactly the serde form documented in `tests/scenarios/README.md`:
//!
//! - arguments: `update_child` / `update_family` `changes_json` (`[FieldChange]`, whose value is
//!   any JSON value); `report` `request_json` (`ReportRequest`);
//! - results: `CaseView` (open, get, transition, assessment, visit, programme, plan edits),
//!   `[CaseView]`, `PlanProposal`, `[HistoryEntry]` (child and case history), `Report`;
//! - sync: link secrets as their text (`LinkSecret::to_text`), `Enrolment`, `SyncReport` and
//!   `[Conflict]` as JSON, a conflict's chosen value as JSON; bundles are bytes.
//!
//! Ids, territory codes and dates that a person may type are taken as strings and parsed
//! inside, so a bad one is a coded `VALIDATION` error rather than a uniffi internal error.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use kamkor_core::registry::{
    AuditReport, ChildList, ChildView, DueItem, DueQuery, DuplicateCandidate, ExternalPrincipal, FamilyView,
    ManualMeasure, Match, MeasureChange, MeasureUpdate, NewChild, OpenCase, Registered, SearchQuery, TransitionRequest,
};
use kamkor_core::registry::{LinkInfo, NewLink, ReviewDecision};
use kamkor_core::store::{MemoryStore, SledStore, Store};
use kamkor_core::sync::{Enrolment, LinkSecret};
use kamkor_core::{
    assessment::Assessment,
    audit::AuditEntry,
    backup::BackupSummary,
    case::{Contribution, Decision, Visit},
    territory::LoadSummary,
    users::{Undertaking, UserInfo},
    Child, Env, Error, ErrorCode, Family, Key, NewUser, Provenance, Session, SubjectId, TerritoryCode,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::{Arc, RwLock, RwLockReadGuard};

uniffi::setup_scaffolding!("kamkor_ffi");

/// What every call returns: a value or the core's error (thrown on the foreign side).
pub type FfiResult<T> = Result<T, Arc<Error>>;

fn err(e: Error) -> Arc<Error> {
    Arc::new(e)
}

/// The host's clock: the core never reads the system time itself (DESIGN.md invariant 2).
#[uniffi::export(with_foreign)]
pub trait HostClock: Send + Sync {
    /// The current instant, in milliseconds since 1970-01-01T00:00:00Z.
    fn now_millis(&self) -> i64;
}

struct ClockAdapter(Arc<dyn HostClock>);

impl kamkor_core::Clock for ClockAdapter {
    fn now(&self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.0.now_millis()).single().unwrap_or_default()
    }
}

fn env(clock: Arc<dyn HostClock>, seed: Option<u64>) -> Env {
    let clock: Arc<dyn kamkor_core::Clock> = Arc::new(ClockAdapter(clock));
    match seed {
        Some(s) => Env::seeded(clock, s),
        None => Env::new(clock),
    }
}

fn master_key(bytes: &[u8]) -> FfiResult<Key> {
    let arr: [u8; 32] =
        bytes.try_into().map_err(|_| err(Error::validation("BAD_VALUE", "master_key").arg("detail", "32 bytes")))?;
    Ok(Key::from_bytes(arr))
}

fn store_at(path: Option<String>) -> FfiResult<Arc<dyn Store>> {
    Ok(match path {
        Some(p) => Arc::new(SledStore::open(std::path::Path::new(&p)).map_err(|e| err(Error::storage(e)))?),
        None => Arc::new(MemoryStore::new()),
    })
}

fn id(s: &str, field: &str) -> FfiResult<SubjectId> {
    SubjectId::parse(s).map_err(|e| err(e.with_field(field)))
}

fn territory(s: &str, field: &str) -> FfiResult<TerritoryCode> {
    TerritoryCode::parse(s).map_err(|e| err(Error::validation(e.code(), field).arg("value", s)))
}

fn date(s: &str, field: &str) -> FfiResult<NaiveDate> {
    s.parse::<NaiveDate>().map_err(|_| err(Error::validation("BAD_VALUE", field).arg("detail", s)))
}

fn instant(s: &str, field: &str) -> FfiResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| err(Error::validation("BAD_VALUE", field).arg("detail", s)))
}

fn count(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn from_json<T: DeserializeOwned>(text: &str, field: &str) -> FfiResult<T> {
    serde_json::from_str(text).map_err(|e| err(Error::validation("BAD_VALUE", field).arg("detail", e)))
}

fn to_json<T: Serialize>(value: &T) -> FfiResult<String> {
    serde_json::to_string(value).map_err(|e| err(Error::storage(e)))
}

/// The built-in Kyrgyz profile (TOML text), for [`KamkorRegistry::create`].
#[uniffi::export]
pub fn kyrgyz_profile() -> String {
    kamkor_core::profile::KYRGYZSTAN_TOML.to_string()
}

/// Creates a registry: on sled in the directory `path`, or in memory when `path` is null.
/// `master_key` is the host's 32-byte key (from the platform keystore); `seed` makes the
/// random source deterministic and is for tests only (null in production).
///
/// (A function rather than a constructor: uniffi 0.32.2 does not apply the error's rename
/// to constructors.)
#[uniffi::export]
pub fn create_registry(
    path: Option<String>,
    profile_toml: String,
    master_key: Vec<u8>,
    clock: Arc<dyn HostClock>,
    first_admin: NewUser,
    seed: Option<u64>,
) -> FfiResult<Arc<KamkorRegistry>> {
    let key = self::master_key(&master_key)?;
    let reg = kamkor_core::Registry::create(store_at(path)?, &profile_toml, &key, env(clock, seed), first_admin)
        .map_err(err)?;
    Ok(Arc::new(KamkorRegistry { inner: RwLock::new(reg) }))
}

/// Opens the registry kept in the sled directory `path` with the host's master key
/// (`CRYPTO/WRONG_KEY` for another key, `NOT_FOUND/REGISTRY_MISSING` for an empty directory).
#[uniffi::export]
pub fn open_registry(path: String, master_key: Vec<u8>, clock: Arc<dyn HostClock>) -> FfiResult<Arc<KamkorRegistry>> {
    let key = self::master_key(&master_key)?;
    let reg = kamkor_core::Registry::open(store_at(Some(path))?, &key, env(clock, None)).map_err(err)?;
    Ok(Arc::new(KamkorRegistry { inner: RwLock::new(reg) }))
}

/// Creates a device registry from its scope download ([`KamkorRegistry::export_scope`] at the
/// centre), on sled in `path` (in memory when null), under the device's own master key.
/// `secret` is the completed link secret's text.
#[uniffi::export]
pub fn create_device_registry(
    path: Option<String>,
    master_key: Vec<u8>,
    clock: Arc<dyn HostClock>,
    secret: String,
    scope: Vec<u8>,
) -> FfiResult<Arc<KamkorRegistry>> {
    let key = self::master_key(&master_key)?;
    let secret = LinkSecret::from_text(&secret).map_err(err)?;
    let reg =
        kamkor_core::Registry::create_device(store_at(path)?, &key, env(clock, None), &secret, &scope).map_err(err)?;
    Ok(Arc::new(KamkorRegistry { inner: RwLock::new(reg) }))
}

/// A new link secret (its text: keep it like the master key); give its public key
/// ([`link_secret_public_key`]) to the receiver's administrator for enrolment.
#[uniffi::export]
pub fn generate_link_secret() -> String {
    use rand::SeedableRng;
    LinkSecret::generate(&mut rand::rngs::StdRng::from_entropy()).to_text()
}

/// The public key (64 hex digits) of a link secret.
#[uniffi::export]
pub fn link_secret_public_key(secret: String) -> FfiResult<String> {
    Ok(LinkSecret::from_text(&secret).map_err(err)?.public_key())
}

/// Completes a link secret with the receiver's enrolment (its JSON text, from
/// [`KamkorRegistry::enrol_link`]); `origin` is the sender's own origin (null for a device).
#[uniffi::export]
pub fn complete_link_secret(secret: String, enrolment_json: String, origin: Option<String>) -> FfiResult<String> {
    let secret = LinkSecret::from_text(&secret).map_err(err)?;
    let enrolment: Enrolment = from_json(&enrolment_json, "enrolment")?;
    Ok(secret.complete(&enrolment, origin.as_deref()).to_text())
}

/// A built-in profile's TOML text by name (`kyrgyzstan`, `omsk`, `yamal`), or null.
#[uniffi::export]
pub fn builtin_profile(name: String) -> Option<String> {
    kamkor_core::profile::BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, text)| text.to_string())
}

/// A registry of children and families: the device registry on sled, or one in memory.
#[derive(uniffi::Object)]
pub struct KamkorRegistry {
    inner: RwLock<kamkor_core::Registry>,
}

impl KamkorRegistry {
    fn reg(&self) -> FfiResult<RwLockReadGuard<'_, kamkor_core::Registry>> {
        self.inner.read().map_err(|_| err(Error::storage("registry lock poisoned")))
    }
}

#[uniffi::export]
impl KamkorRegistry {
    /// Makes every change durable (call before the app is suspended).
    pub fn flush(&self) -> FfiResult<()> {
        self.reg()?.flush().map_err(err)
    }

    /// This registry's origin id (the facts it records carry it).
    pub fn origin(&self) -> FfiResult<String> {
        Ok(self.reg()?.origin().to_string())
    }

    // ---- sessions and users

    /// Signs in with a login and password.
    pub fn login(&self, login: String, password: String) -> FfiResult<Arc<Session>> {
        self.reg()?.login(&login, &password).map(Arc::new).map_err(err)
    }
    /// Signs in a person the host's identity system authenticated.
    pub fn login_external(&self, principal: ExternalPrincipal) -> FfiResult<Arc<Session>> {
        self.reg()?.login_external(&principal).map(Arc::new).map_err(err)
    }
    /// Ends a session.
    pub fn logout(&self, session: Arc<Session>) -> FfiResult<()> {
        self.reg()?.logout(&session).map_err(err)
    }
    /// The signed-in user.
    pub fn whoami(&self, session: Arc<Session>) -> FfiResult<UserInfo> {
        self.reg()?.whoami(&session).map_err(err)
    }
    /// Adds a user (administrators).
    pub fn add_user(&self, session: Arc<Session>, user: NewUser) -> FfiResult<UserInfo> {
        self.reg()?.add_user(&session, user).map_err(err)
    }
    /// Every user, sorted by login.
    pub fn list_users(&self, session: Arc<Session>) -> FfiResult<Vec<UserInfo>> {
        self.reg()?.list_users(&session).map_err(err)
    }
    /// Revokes a user's access.
    pub fn revoke_user(&self, session: Arc<Session>, user_id: String, reason: String) -> FfiResult<UserInfo> {
        self.reg()?.revoke_user(&session, &user_id, &reason).map_err(err)
    }
    /// Records a user's signed non-disclosure undertaking (ACC-6).
    pub fn record_undertaking(
        &self,
        session: Arc<Session>,
        user_id: String,
        undertaking: Undertaking,
    ) -> FfiResult<UserInfo> {
        self.reg()?.record_undertaking(&session, &user_id, undertaking).map_err(err)
    }
    /// A user's id by login.
    pub fn user_id_by_login(&self, session: Arc<Session>, login: String) -> FfiResult<Option<String>> {
        self.reg()?.user_id_by_login(&session, &login).map_err(err)
    }

    // ---- children

    /// Registers a child.
    pub fn register_child(&self, session: Arc<Session>, child: NewChild) -> FfiResult<Registered> {
        self.reg()?.register_child(&session, child).map_err(err)
    }
    /// Registers children, all or nothing.
    pub fn register_children(&self, session: Arc<Session>, children: Vec<NewChild>) -> FfiResult<Vec<Registered>> {
        self.reg()?.register_children(&session, children).map_err(err)
    }
    /// A child's record.
    pub fn get_child(&self, session: Arc<Session>, id: String) -> FfiResult<ChildView> {
        self.reg()?.get_child(&session, &self::id(&id, "id")?).map_err(err)
    }
    /// The child with a PIN, if any in the caller's scope.
    pub fn find_by_pin(&self, session: Arc<Session>, pin: String) -> FfiResult<Option<ChildView>> {
        self.reg()?.find_by_pin(&session, &pin).map_err(err)
    }
    /// Name search.
    pub fn search(&self, session: Arc<Session>, query: SearchQuery) -> FfiResult<Vec<Match>> {
        self.reg()?.search(&session, &query).map_err(err)
    }
    /// Likely duplicates of a record before registering it.
    pub fn check_duplicates(&self, session: Arc<Session>, child: Child) -> FfiResult<Vec<DuplicateCandidate>> {
        self.reg()?.check_duplicates(&session, &child).map_err(err)
    }
    /// Changes fields of a child's record. `changes_json` is `[{"field": …, "value": …}]`.
    pub fn update_child(
        &self,
        session: Arc<Session>,
        id: String,
        changes_json: String,
        provenance: Provenance,
        note: Option<String>,
        base_version: Option<u64>,
    ) -> FfiResult<ChildView> {
        let changes = from_json(&changes_json, "changes")?;
        self.reg()?.update_child(&session, &self::id(&id, "id")?, changes, provenance, note, base_version).map_err(err)
    }
    /// A child's history as JSON: `[HistoryEntry]`.
    pub fn history_json(&self, session: Arc<Session>, id: String) -> FfiResult<String> {
        to_json(&self.reg()?.history(&session, &self::id(&id, "id")?).map_err(err)?)
    }
    /// A page of the children in scope (optionally under a territory).
    pub fn list_children(
        &self,
        session: Arc<Session>,
        under: Option<String>,
        offset: u64,
        limit: u64,
    ) -> FfiResult<ChildList> {
        let under = under.map(|t| territory(&t, "under")).transpose()?;
        self.reg()?.list_children(&session, under.as_ref(), count(offset), count(limit)).map_err(err)
    }

    // ---- families

    /// Registers a family; returns its id.
    pub fn register_family(&self, session: Arc<Session>, family: Family, provenance: Provenance) -> FfiResult<String> {
        self.reg()?.register_family(&session, family, provenance).map(|i| i.to_string()).map_err(err)
    }
    /// A family's record.
    pub fn get_family(&self, session: Arc<Session>, id: String) -> FfiResult<FamilyView> {
        self.reg()?.get_family(&session, &self::id(&id, "id")?).map_err(err)
    }
    /// Changes fields of a family's record. `changes_json` is `[{"field": …, "value": …}]`.
    pub fn update_family(
        &self,
        session: Arc<Session>,
        id: String,
        changes_json: String,
        provenance: Provenance,
        note: Option<String>,
        base_version: Option<u64>,
    ) -> FfiResult<FamilyView> {
        let changes = from_json(&changes_json, "changes")?;
        self.reg()?.update_family(&session, &self::id(&id, "id")?, changes, provenance, note, base_version).map_err(err)
    }
    /// Links a child to a family, or unlinks it (`family` null).
    pub fn link_child(
        &self,
        session: Arc<Session>,
        child: String,
        family: Option<String>,
        provenance: Provenance,
    ) -> FfiResult<()> {
        let family = family.map(|f| self::id(&f, "family")).transpose()?;
        self.reg()?.link_child(&session, &self::id(&child, "child")?, family.as_ref(), provenance).map_err(err)
    }

    // ---- cases (results are `CaseView` JSON)

    /// Opens a case; returns the `CaseView` as JSON.
    pub fn open_case(&self, session: Arc<Session>, request: OpenCase) -> FfiResult<String> {
        to_json(&self.reg()?.open_case(&session, request).map_err(err)?)
    }
    /// A case, as `CaseView` JSON.
    pub fn get_case(&self, session: Arc<Session>, id: String) -> FfiResult<String> {
        to_json(&self.reg()?.get_case(&session, &self::id(&id, "id")?).map_err(err)?)
    }
    /// A child's cases, as `[CaseView]` JSON.
    pub fn child_cases(&self, session: Arc<Session>, child: String) -> FfiResult<String> {
        to_json(&self.reg()?.child_cases(&session, &self::id(&child, "child")?).map_err(err)?)
    }
    /// Moves a case through the workflow; returns the `CaseView` JSON.
    pub fn transition(&self, session: Arc<Session>, id: String, request: TransitionRequest) -> FfiResult<String> {
        to_json(&self.reg()?.transition(&session, &self::id(&id, "id")?, request).map_err(err)?)
    }
    /// Saves the assessment (partial saves allowed); returns the `CaseView` JSON.
    pub fn save_assessment(&self, session: Arc<Session>, id: String, assessment: Assessment) -> FfiResult<String> {
        to_json(&self.reg()?.save_assessment(&session, &self::id(&id, "id")?, assessment).map_err(err)?)
    }
    /// Submits the assessment; returns the `CaseView` JSON.
    pub fn submit_assessment(&self, session: Arc<Session>, id: String) -> FfiResult<String> {
        to_json(&self.reg()?.submit_assessment(&session, &self::id(&id, "id")?).map_err(err)?)
    }
    /// Records a monitoring visit; returns the `CaseView` JSON.
    pub fn record_visit(&self, session: Arc<Session>, id: String, visit: Visit) -> FfiResult<String> {
        to_json(&self.reg()?.record_visit(&session, &self::id(&id, "id")?, visit).map_err(err)?)
    }
    /// Records a commission decision on the interagency programme; returns the `CaseView` JSON.
    pub fn programme_decision(&self, session: Arc<Session>, id: String, decision: Decision) -> FfiResult<String> {
        to_json(&self.reg()?.programme_decision(&session, &self::id(&id, "id")?, decision).map_err(err)?)
    }
    /// Records an agency's contribution to the programme; returns the `CaseView` JSON.
    pub fn programme_contribution(
        &self,
        session: Arc<Session>,
        id: String,
        contribution: Contribution,
    ) -> FfiResult<String> {
        to_json(&self.reg()?.programme_contribution(&session, &self::id(&id, "id")?, contribution).map_err(err)?)
    }
    /// A case's history as `[HistoryEntry]` JSON.
    pub fn case_history_json(&self, session: Arc<Session>, id: String) -> FfiResult<String> {
        to_json(&self.reg()?.case_history(&session, &self::id(&id, "id")?).map_err(err)?)
    }

    // ---- plans

    /// The plan the rules propose, as `PlanProposal` JSON.
    pub fn propose_plan(&self, session: Arc<Session>, id: String) -> FfiResult<String> {
        to_json(&self.reg()?.propose_plan(&session, &self::id(&id, "id")?).map_err(err)?)
    }
    /// Accepts the proposal's changes with these ids; returns the `CaseView` JSON.
    pub fn accept_plan(&self, session: Arc<Session>, id: String, accepted: Vec<String>) -> FfiResult<String> {
        to_json(&self.reg()?.accept_plan(&session, &self::id(&id, "id")?, accepted).map_err(err)?)
    }
    /// Adds a measure by hand; returns the `CaseView` JSON.
    pub fn add_measure(&self, session: Arc<Session>, id: String, measure: ManualMeasure) -> FfiResult<String> {
        to_json(&self.reg()?.add_measure(&session, &self::id(&id, "id")?, measure).map_err(err)?)
    }
    /// Changes a measure by hand; returns the `CaseView` JSON.
    pub fn change_measure(
        &self,
        session: Arc<Session>,
        id: String,
        measure: String,
        change: MeasureChange,
    ) -> FfiResult<String> {
        to_json(&self.reg()?.change_measure(&session, &self::id(&id, "id")?, &measure, change).map_err(err)?)
    }
    /// Drops a measure with a reason; returns the `CaseView` JSON.
    pub fn drop_measure(
        &self,
        session: Arc<Session>,
        id: String,
        measure: String,
        reason: String,
    ) -> FfiResult<String> {
        to_json(&self.reg()?.drop_measure(&session, &self::id(&id, "id")?, &measure, &reason).map_err(err)?)
    }
    /// Records a measure's execution; returns the `CaseView` JSON.
    pub fn update_measure(
        &self,
        session: Arc<Session>,
        id: String,
        measure: String,
        update: MeasureUpdate,
    ) -> FfiResult<String> {
        to_json(&self.reg()?.update_measure(&session, &self::id(&id, "id")?, &measure, update).map_err(err)?)
    }

    // ---- sync: bundles in and out (bytes; the transport is the host's)

    /// This registry's public sync key (64 hex digits).
    pub fn sync_public_key(&self) -> FfiResult<String> {
        Ok(self.reg()?.sync_public_key())
    }
    /// Enrols a device or an uploading registry; returns the `Enrolment` as JSON text (hand it
    /// once to the sender, like a password, for [`complete_link_secret`]).
    pub fn enrol_link(&self, session: Arc<Session>, link: NewLink) -> FfiResult<String> {
        to_json(&self.reg()?.enrol_link(&session, link).map_err(err)?)
    }
    /// Revokes a link: its bundles are refused from then on.
    pub fn revoke_link(&self, session: Arc<Session>, id: String, reason: String) -> FfiResult<LinkInfo> {
        self.reg()?.revoke_link(&session, &id, &reason).map_err(err)
    }
    /// The enrolled links.
    pub fn links(&self, session: Arc<Session>) -> FfiResult<Vec<LinkInfo>> {
        self.reg()?.links(&session).map_err(err)
    }
    /// A device's initial download of its scope (a signed, sealed bundle).
    pub fn export_scope(&self, session: Arc<Session>, link_id: String) -> FfiResult<Vec<u8>> {
        self.reg()?.export_scope(&session, &link_id).map_err(err)
    }
    /// This registry's changes from a position of its log (what the receiver acknowledged
    /// last; 0 for everything), at most `limit` positions, as a bundle signed with the link's
    /// secret (its text, [`generate_link_secret`]).
    pub fn export_changes(
        &self,
        session: Arc<Session>,
        secret: String,
        from: u64,
        limit: Option<u64>,
    ) -> FfiResult<Vec<u8>> {
        let secret = LinkSecret::from_text(&secret).map_err(err)?;
        self.reg()?.export_changes(&session, &secret, from, limit).map_err(err)
    }
    /// Applies a bundle of changes (idempotent); returns the `SyncReport` as JSON
    /// (`{link, applied, duplicates, erased, conflicts: [[subject, field]…], acknowledged}`).
    pub fn import_changes(&self, session: Arc<Session>, bundle: Vec<u8>) -> FfiResult<String> {
        to_json(&self.reg()?.import_changes(&session, &bundle).map_err(err)?)
    }
    /// On the centre: the changes to the records a device holds since `from` (the device's
    /// [`downstream_position`](Self::downstream_position)), records newly in its scope and erasure
    /// notices, as a signed bundle for that device's link.
    pub fn export_downstream(&self, session: Arc<Session>, link_id: String, from: u64) -> FfiResult<Vec<u8>> {
        self.reg()?.export_downstream(&session, &link_id, from).map_err(err)
    }
    /// On a device: the centre's log position this device has applied up to (send it with the
    /// request for the next downstream bundle).
    pub fn downstream_position(&self, secret: String) -> FfiResult<u64> {
        let secret = LinkSecret::from_text(&secret).map_err(err)?;
        self.reg()?.downstream_position(&secret).map_err(err)
    }
    /// On a device: applies a downstream bundle from the centre (idempotent, all or nothing);
    /// returns the `SyncReport` as JSON.
    pub fn import_downstream(&self, session: Arc<Session>, secret: String, bundle: Vec<u8>) -> FfiResult<String> {
        let secret = LinkSecret::from_text(&secret).map_err(err)?;
        to_json(&self.reg()?.import_downstream(&session, &secret, &bundle).map_err(err)?)
    }
    /// The review queue as `[Review]` JSON: events no longer applicable, records invalid after a
    /// merge, possible duplicates registered offline.
    pub fn sync_reviews_json(&self, session: Arc<Session>) -> FfiResult<String> {
        to_json(&self.reg()?.sync_reviews(&session).map_err(err)?)
    }
    /// Resolves a review entry: `Apply` (an event that has become valid) or `Dismiss`, with a
    /// note; returns the `SyncReport` as JSON.
    pub fn resolve_review(
        &self,
        session: Arc<Session>,
        id: String,
        decision: ReviewDecision,
        note: String,
    ) -> FfiResult<String> {
        to_json(&self.reg()?.resolve_review(&session, &id, decision, &note).map_err(err)?)
    }
    /// The conflict queue as `[Conflict]` JSON (both values, their authors and times).
    pub fn sync_conflicts_json(&self, session: Arc<Session>) -> FfiResult<String> {
        to_json(&self.reg()?.sync_conflicts(&session).map_err(err)?)
    }
    /// Resolves a conflict with a value (`value_json`: any JSON value).
    pub fn resolve_conflict(
        &self,
        session: Arc<Session>,
        id: String,
        field: String,
        value_json: String,
        provenance: Provenance,
        note: Option<String>,
    ) -> FfiResult<ChildView> {
        let value = from_json(&value_json, "value")?;
        self.reg()?.resolve_conflict(&session, &self::id(&id, "id")?, &field, value, provenance, note).map_err(err)
    }

    // ---- deadlines and reports

    /// What is due (and overdue) in the caller's scope.
    pub fn due(&self, session: Arc<Session>, query: DueQuery) -> FfiResult<Vec<DueItem>> {
        self.reg()?.due(&session, &query).map_err(err)
    }
    /// A statutory report: `request_json` is a `ReportRequest`, e.g.
    /// `{"report": {"kind": "quarterly", "year": 2026, "quarter": 3}}`; the result is the `Report` JSON.
    pub fn report_json(&self, session: Arc<Session>, request_json: String) -> FfiResult<String> {
        let request = from_json(&request_json, "request")?;
        to_json(&self.reg()?.report(&session, &request).map_err(err)?)
    }

    // ---- administration and audit

    /// Loads a territory classifier CSV in force from `effective` (`YYYY-MM-DD`).
    pub fn load_classifier(&self, session: Arc<Session>, csv: String, effective: String) -> FfiResult<LoadSummary> {
        let effective = date(&effective, "effective")?;
        let mut reg = self.inner.write().map_err(|_| err(Error::storage("registry lock poisoned")))?;
        reg.load_classifier(&session, csv.as_bytes(), effective).map_err(err)
    }
    /// Verifies the whole audit chain (no session: the integrity check of the host).
    pub fn verify_audit_chain(&self) -> FfiResult<AuditReport> {
        self.reg()?.verify_audit_chain().map_err(err)
    }
    /// Verifies the audit chain as a user allowed to read the audit.
    pub fn verify_audit(&self, session: Arc<Session>) -> FfiResult<AuditReport> {
        self.reg()?.verify_audit(&session).map_err(err)
    }
    /// A page of the audit log.
    pub fn audit_entries(&self, session: Arc<Session>, from: u64, limit: u64) -> FfiResult<Vec<AuditEntry>> {
        self.reg()?.audit_entries(&session, from, count(limit)).map_err(err)
    }
    /// Refused attempts, optionally since an instant (RFC 3339).
    pub fn denied_attempts(&self, session: Arc<Session>, since: Option<String>) -> FfiResult<Vec<AuditEntry>> {
        let since = since.map(|s| instant(&s, "since")).transpose()?;
        self.reg()?.denied_attempts(&session, since).map_err(err)
    }
    /// Writes an encrypted backup of the store to the file `path`.
    pub fn backup_to_file(&self, session: Arc<Session>, path: String) -> FfiResult<BackupSummary> {
        let mut file = std::fs::File::create(&path).map_err(|e| err(Error::storage(e)))?;
        let summary = self.reg()?.backup(&session, &mut file).map_err(err)?;
        file.sync_all().map_err(|e| err(Error::storage(e)))?;
        Ok(summary)
    }
    /// A backup of the store as bytes (for a host that sends it elsewhere).
    pub fn backup_bytes(&self, session: Arc<Session>) -> FfiResult<Vec<u8>> {
        let mut out = Vec::new();
        self.reg()?.backup(&session, &mut out).map_err(err)?;
        Ok(out)
    }
}

/// Scenario and host helpers: the core's records from and to their JSON (serde) form, so a
/// host or a test can keep records as JSON and still call the typed API.
macro_rules! json_codec {
    ($t:ty, $from:ident, $to:ident) => {
        /// The record from its JSON (serde) form; `VALIDATION/BAD_VALUE` when it does not fit.
        #[uniffi::export]
        pub fn $from(json: String) -> FfiResult<$t> {
            from_json(&json, stringify!($t))
        }
        /// The JSON (serde) form of the record.
        #[uniffi::export]
        pub fn $to(value: $t) -> FfiResult<String> {
            to_json(&value)
        }
    };
}

json_codec!(NewUser, new_user_from_json, new_user_to_json);
json_codec!(UserInfo, user_info_from_json, user_info_to_json);
json_codec!(Undertaking, undertaking_from_json, undertaking_to_json);
json_codec!(ExternalPrincipal, external_principal_from_json, external_principal_to_json);
json_codec!(NewChild, new_child_from_json, new_child_to_json);
json_codec!(Child, child_from_json, child_to_json);
json_codec!(Registered, registered_from_json, registered_to_json);
json_codec!(ChildView, child_view_from_json, child_view_to_json);
json_codec!(ChildList, child_list_from_json, child_list_to_json);
json_codec!(SearchQuery, search_query_from_json, search_query_to_json);
json_codec!(Match, match_from_json, match_to_json);
json_codec!(DuplicateCandidate, duplicate_candidate_from_json, duplicate_candidate_to_json);
json_codec!(Provenance, provenance_from_json, provenance_to_json);
json_codec!(Family, family_from_json, family_to_json);
json_codec!(FamilyView, family_view_from_json, family_view_to_json);
json_codec!(OpenCase, open_case_from_json, open_case_to_json);
json_codec!(TransitionRequest, transition_request_from_json, transition_request_to_json);
json_codec!(Assessment, assessment_from_json, assessment_to_json);
json_codec!(Visit, visit_from_json, visit_to_json);
json_codec!(Decision, decision_from_json, decision_to_json);
json_codec!(Contribution, contribution_from_json, contribution_to_json);
json_codec!(ManualMeasure, manual_measure_from_json, manual_measure_to_json);
json_codec!(MeasureChange, measure_change_from_json, measure_change_to_json);
json_codec!(MeasureUpdate, measure_update_from_json, measure_update_to_json);
json_codec!(DueQuery, due_query_from_json, due_query_to_json);
json_codec!(DueItem, due_item_from_json, due_item_to_json);
json_codec!(AuditEntry, audit_entry_from_json, audit_entry_to_json);

/// The JSON form of a `LoadSummary`.
#[uniffi::export]
pub fn load_summary_to_json(value: LoadSummary) -> FfiResult<String> {
    to_json(&value)
}

/// The JSON form of an `AuditReport`.
#[uniffi::export]
pub fn audit_report_to_json(value: AuditReport) -> FfiResult<String> {
    to_json(&value)
}

/// The JSON form of a `BackupSummary`.
#[uniffi::export]
pub fn backup_summary_to_json(value: BackupSummary) -> FfiResult<String> {
    to_json(&value)
}

/// The error class of an error code's stable name (`"ACCESS_DENIED"` → `AccessDenied`).
#[uniffi::export]
pub fn error_code_from_name(name: String) -> Option<ErrorCode> {
    serde_json::from_value(serde_json::Value::String(name)).ok()
}
