//! Kamkor for WebAssembly: the registry facade of `kamkor-core` as an ES module for the browser
//! and for Node (wasm-bindgen), over the in-memory backend.
//!
//! - Records cross the boundary as plain JS objects in the JSON (serde) form of the core's
//!   types, the form `tests/scenarios/README.md` describes; `types.d.ts` types them.
//! - Every failure is thrown as a JS `Error` carrying the core's stable `code`, `reason`,
//!   `field` and `args`, with `message` in the registry's language and `messages` in all three.
//! - The clock is the host's: `Date.now()` unless a test fixes or moves it ([`JsClock`]).
//! - The whole state can be written to the native backup format (personal data stay sealed under
//!   the master key) and a registry restored from such a file: a browser session is not lost.

mod clock;
mod reports;
mod workflow;

use clock::JsClock;
use js_sys::{Object, Reflect};
use kamkor_core::registry::{DueQuery, ReportRequest};
use kamkor_core::render::{map, svg};
use kamkor_core::report::{Report, Table};
use kamkor_core::store::MemoryStore;
use kamkor_core::{Env, Error, ErrorCode, Key, Lang, SubjectId, TerritoryCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("types.d.ts");

type JsResult = Result<JsValue, JsValue>;

/// A built-in profile's text by name (`kyrgyzstan`, `omsk`, `yamal`), or `undefined`. The text
/// is the profile's JSON form (generated from its TOML file): this package reads profiles as JSON,
/// and TOML only for the shipped profiles' own texts (recognized by their hash, e.g. in a native
/// backup), to stay small.
#[wasm_bindgen(js_name = builtinProfile, unchecked_return_type = "string | undefined")]
pub fn builtin_profile(name: &str) -> JsValue {
    kamkor_core::profile::builtin_json(name).map(JsValue::from_str).unwrap_or(JsValue::UNDEFINED)
}

/// The built-in Kyrgyz profile (JSON form), the default of `Registry.create`.
#[wasm_bindgen(js_name = kyrgyzstanProfile)]
pub fn kyrgyzstan_profile() -> String {
    kamkor_core::profile::builtin_json("kyrgyzstan").unwrap_or_default().to_string()
}

/// The message of a registration warning (`Registered.warnings[i]`) in ru, ky and en.
#[wasm_bindgen(js_name = warningMessages, unchecked_return_type = "Label")]
pub fn warning_messages(#[wasm_bindgen(unchecked_param_type = "Warning")] warning: JsValue) -> JsResult {
    let w: kamkor_core::Warning = from_js(&warning, "warning").map_err(|e| js_error(&e, Lang::Ru))?;
    let out = Object::new();
    for l in [Lang::Ru, Lang::Ky, Lang::En] {
        set(&out, l.code(), &JsValue::from_str(&w.localized(l)));
    }
    Ok(out.into())
}

/// Reads a JS value as a core type through its JSON form; `undefined` reads as `null`.
fn from_js<T: DeserializeOwned>(value: &JsValue, field: &str) -> Result<T, Error> {
    let text = if value.is_undefined() {
        "null".to_string()
    } else {
        js_sys::JSON::stringify(value)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| Error::validation("BAD_VALUE", field).arg("detail", "not JSON"))?
    };
    // `from_slice`, as the core reads its stored records: the JSON reader is instantiated once per type.
    serde_json::from_slice(text.as_bytes()).map_err(|e| Error::validation("BAD_VALUE", field).arg("detail", e))
}

/// Writes a core value as a plain JS object (its JSON form).
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, Error> {
    let text =
        serde_json::to_string(value).map_err(|e| Error::new(ErrorCode::Storage, "BAD_VALUE").arg("detail", e))?;
    js_sys::JSON::parse(&text).map_err(|_| Error::new(ErrorCode::Storage, "BAD_VALUE").arg("detail", "JSON.parse"))
}

fn set(obj: &JsValue, key: &str, value: &JsValue) {
    // Setting a property on a fresh object or Error cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// The core's error as a JS `Error` with `code`, `reason`, `field`, `args`, `messages`.
fn js_error(e: &Error, lang: Lang) -> JsValue {
    let err = js_sys::Error::new(&e.localized(lang));
    err.set_name("KamkorError");
    let v: JsValue = err.into();
    set(&v, "code", &JsValue::from_str(e.code.as_str()));
    set(&v, "reason", &JsValue::from_str(&e.reason));
    set(&v, "field", &e.field.as_deref().map_or(JsValue::NULL, JsValue::from_str));
    let args = Object::new();
    for (k, a) in &e.args {
        set(&args, k, &JsValue::from_str(a));
    }
    set(&v, "args", &args);
    let messages = Object::new();
    for l in [Lang::Ru, Lang::Ky, Lang::En] {
        set(&messages, l.code(), &JsValue::from_str(&e.localized(l)));
    }
    set(&v, "messages", &messages);
    v
}

fn parse_lang(lang: Option<String>, default: Lang) -> Result<Lang, Error> {
    match lang {
        None => Ok(default),
        Some(l) => Lang::parse(&l)
            .ok_or_else(|| Error::validation("UNKNOWN_CODE", "lang").arg("code", l).arg("vocabulary", "ru, ky, en")),
    }
}

fn key_of(bytes: &[u8]) -> Result<Key, Error> {
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| Error::validation("BAD_VALUE", "masterKey").arg("detail", "the key is 32 bytes"))?;
    Ok(Key::from_bytes(arr))
}

/// Options of `Registry.create` and `Registry.restore`.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Options {
    /// A fixed clock (RFC 3339); left out: the host's `Date.now()`.
    #[serde(default)]
    now: Option<chrono::DateTime<chrono::Utc>>,
    /// A deterministic random source: for tests and reproducible demos only.
    #[serde(default)]
    seed: Option<u64>,
    /// The language of error messages: `ru`, `ky` or `en` (default `ru`).
    #[serde(default)]
    lang: Option<String>,
}

fn env_of(options: &Options) -> (Arc<JsClock>, Env) {
    let clock = Arc::new(JsClock::new(options.now));
    let env = match options.seed {
        Some(seed) => Env::seeded(clock.clone(), seed),
        None => Env::new(clock.clone()),
    };
    (clock, env)
}

/// An opaque sign-in session (see `Registry.login`).
#[wasm_bindgen]
pub struct Session {
    inner: kamkor_core::Session,
}

#[wasm_bindgen]
impl Session {
    /// The bearer token, for a host that keeps the session (e.g. across page reloads).
    #[wasm_bindgen(getter)]
    pub fn token(&self) -> String {
        self.inner.token().to_string()
    }
    /// A session from a kept token; the registry checks it on every use.
    #[wasm_bindgen(js_name = fromToken)]
    pub fn from_token(token: String) -> Session {
        Session { inner: kamkor_core::Session::from_token(token) }
    }
}

/// A registry of children and families in this page or process (in-memory store).
#[wasm_bindgen(js_name = Registry)]
pub struct WasmRegistry {
    reg: kamkor_core::Registry,
    clock: Arc<JsClock>,
    lang: Lang,
}

impl WasmRegistry {
    fn err(&self, e: Error) -> JsValue {
        js_error(&e, self.lang)
    }
    fn ok<T: Serialize>(&self, r: Result<T, Error>) -> JsResult {
        r.and_then(|v| to_js(&v)).map_err(|e| self.err(e))
    }
    fn arg<T: DeserializeOwned>(&self, v: &JsValue, field: &str) -> Result<T, JsValue> {
        from_js(v, field).map_err(|e| self.err(e))
    }
    fn id(&self, id: &str, field: &str) -> Result<SubjectId, JsValue> {
        self.arg(&JsValue::from_str(id), field)
    }
}

fn count(v: f64, field: &str) -> Result<u64, Error> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= 9_007_199_254_740_991.0 {
        Ok(v as u64)
    } else {
        Err(Error::validation("BAD_VALUE", field).arg("detail", v))
    }
}

/// The table an SVG shows (by id, else the first) and the column (by id, else `total`).
fn pick<'a>(report: &'a Report, table: Option<&str>, column: Option<&str>) -> Result<(&'a Table, usize), Error> {
    let known = || report.tables.iter().map(|t| t.id.as_str()).collect::<Vec<_>>().join(", ");
    let t = match table {
        Some(id) => report.tables.iter().find(|t| t.id == id),
        None => report.tables.first(),
    }
    .ok_or_else(|| {
        Error::validation("UNKNOWN_CODE", "table").arg("code", table.unwrap_or("-")).arg("vocabulary", known())
    })?;
    let c = match column {
        Some(id) => t.columns.iter().position(|x| x.id == id).ok_or_else(|| {
            let known = t.columns.iter().map(|x| x.id.as_str()).collect::<Vec<_>>().join(", ");
            Error::validation("UNKNOWN_CODE", "column").arg("code", id).arg("vocabulary", known)
        })?,
        None => t.columns.iter().position(|x| x.id == "total").unwrap_or(0),
    };
    Ok((t, c))
}

#[wasm_bindgen(js_class = Registry)]
impl WasmRegistry {
    // ---------------------------------------------------------------- lifecycle and host

    /// Creates a registry in a fresh in-memory store with a profile (its JSON form, see
    /// `builtinProfile`, or a shipped profile's TOML text; left out: the
    /// built-in Kyrgyz profile), the 32-byte master key and the first administrator.
    pub fn create(
        #[wasm_bindgen(unchecked_param_type = "string | null | undefined")] profile: Option<String>,
        master_key: &[u8],
        #[wasm_bindgen(unchecked_param_type = "NewUser")] first_admin: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RegistryOptions | undefined")] options: JsValue,
    ) -> Result<WasmRegistry, JsValue> {
        let build = || -> Result<WasmRegistry, Error> {
            let options: Options = from_js::<Option<Options>>(&options, "options")?.unwrap_or_default();
            let lang = parse_lang(options.lang.clone(), Lang::Ru)?;
            let key = key_of(master_key)?;
            let admin = from_js(&first_admin, "firstAdmin")?;
            let text = profile.unwrap_or_else(kyrgyzstan_profile);
            let (clock, env) = env_of(&options);
            let reg = kamkor_core::Registry::create(Arc::new(MemoryStore::new()), &text, &key, env, admin)?;
            Ok(WasmRegistry { reg, clock, lang })
        };
        build().map_err(|e| js_error(&e, Lang::Ru))
    }

    /// Restores a registry from a state file (`exportState` or a native backup): checks the
    /// file's integrity, the master key and the audit chain first. A damaged file or another
    /// key throws (`STORAGE/BACKUP_DAMAGED`, `CRYPTO/WRONG_KEY`) and nothing is changed.
    pub fn restore(
        file: &[u8],
        master_key: &[u8],
        #[wasm_bindgen(unchecked_param_type = "RegistryOptions | undefined")] options: JsValue,
    ) -> Result<WasmRegistry, JsValue> {
        let mut lang = Lang::Ru;
        let mut build = || -> Result<WasmRegistry, Error> {
            let options: Options = from_js::<Option<Options>>(&options, "options")?.unwrap_or_default();
            lang = parse_lang(options.lang.clone(), Lang::Ru)?;
            let key = key_of(master_key)?;
            let (clock, env) = env_of(&options);
            let mut input = file;
            let (reg, _) = kamkor_core::Registry::restore(Arc::new(MemoryStore::new()), &mut input, &key, env)?;
            Ok(WasmRegistry { reg, clock, lang })
        };
        build().map_err(|e| js_error(&e, lang))
    }

    /// The whole state in the native backup format (sealed personal data; sessions are not
    /// kept). The host's own persistence: the page writes it to IndexedDB or a file.
    #[wasm_bindgen(js_name = exportState)]
    pub fn export_state(&self) -> Result<Vec<u8>, JsValue> {
        let mut out = Vec::new();
        kamkor_core::backup::write_backup(self.reg.store().as_ref(), &mut out).map_err(|e| self.err(e))?;
        Ok(out)
    }

    /// The language of error messages (`ru`, `ky`, `en`).
    #[wasm_bindgen(getter)]
    pub fn lang(&self) -> String {
        self.lang.code().to_string()
    }
    /// Sets the language of error messages.
    #[wasm_bindgen(setter)]
    pub fn set_lang(&mut self, lang: String) -> Result<(), JsValue> {
        self.lang = parse_lang(Some(lang), self.lang).map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The registry's current time (RFC 3339).
    pub fn now(&self) -> String {
        kamkor_core::Clock::now(self.clock.as_ref()).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    }
    /// Fixes the clock at an instant (RFC 3339); `null` returns to the host's `Date.now()`.
    #[wasm_bindgen(js_name = setClock)]
    pub fn set_clock(&self, at: Option<String>) -> Result<(), JsValue> {
        let at = match at {
            Some(t) => Some(self.arg(&JsValue::from_str(&t), "at")?),
            None => None,
        };
        self.clock.set(at);
        Ok(())
    }
    /// Moves the clock by milliseconds (may be negative), fixed or not.
    #[wasm_bindgen(js_name = advanceClock)]
    pub fn advance_clock(&self, ms: f64) {
        self.clock.advance(ms as i64);
    }

    /// The profile in force (roles, vocabularies with ru/ky/en labels, workflow, plan rules).
    #[wasm_bindgen(unchecked_return_type = "Profile")]
    pub fn profile(&self) -> JsResult {
        self.ok(Ok(self.reg.profile()))
    }
    /// Every territory of the hierarchy (with its versions), in tree order.
    #[wasm_bindgen(unchecked_return_type = "Territory[]")]
    pub fn territories(&self) -> JsResult {
        let t = self.reg.territories();
        let all: Vec<_> = t.subtree(t.root()).iter().flat_map(|c| t.versions(c)).cloned().collect();
        self.ok(Ok(all))
    }
    /// Validates a PIN under the profile's scheme: the normalized PIN, or throws
    /// (`VALIDATION` with the PIN's reason) without touching the registry.
    #[wasm_bindgen(js_name = checkPin)]
    pub fn check_pin(&self, pin: String) -> Result<String, JsValue> {
        let ctx = kamkor_core::model::Context {
            profile: self.reg.profile(),
            territories: self.reg.territories(),
            today: kamkor_core::Clock::today(self.clock.as_ref()),
        };
        kamkor_core::model::validate_pin(&pin, &ctx, "pin").map_err(|e| self.err(e))
    }

    // ---------------------------------------------------------------- sessions and users

    /// Signs in with a password.
    pub fn login(&self, login: String, password: String) -> Result<Session, JsValue> {
        self.reg.login(&login, &password).map(|inner| Session { inner }).map_err(|e| self.err(e))
    }
    /// Signs in a person vouched for by an external identity system.
    #[wasm_bindgen(js_name = loginExternal)]
    pub fn login_external(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ExternalPrincipal")] principal: JsValue,
    ) -> Result<Session, JsValue> {
        let p = self.arg(&principal, "principal")?;
        self.reg.login_external(&p).map(|inner| Session { inner }).map_err(|e| self.err(e))
    }
    /// Ends a session.
    pub fn logout(&self, session: &Session) -> Result<(), JsValue> {
        self.reg.logout(&session.inner).map_err(|e| self.err(e))
    }
    /// The signed-in user.
    #[wasm_bindgen(unchecked_return_type = "UserInfo")]
    pub fn whoami(&self, session: &Session) -> JsResult {
        self.ok(self.reg.whoami(&session.inner))
    }
    /// Adds a user (needs `manage_users`).
    #[wasm_bindgen(js_name = addUser, unchecked_return_type = "UserInfo")]
    pub fn add_user(
        &self,
        session: &Session,
        #[wasm_bindgen(unchecked_param_type = "NewUser")] user: JsValue,
    ) -> JsResult {
        let user = self.arg(&user, "user")?;
        self.ok(self.reg.add_user(&session.inner, user))
    }
    /// Every user, sorted by login.
    #[wasm_bindgen(js_name = listUsers, unchecked_return_type = "UserInfo[]")]
    pub fn list_users(&self, session: &Session) -> JsResult {
        self.ok(self.reg.list_users(&session.inner))
    }
    /// Revokes a user with a reason.
    #[wasm_bindgen(js_name = revokeUser, unchecked_return_type = "UserInfo")]
    pub fn revoke_user(&self, session: &Session, user_id: String, reason: String) -> JsResult {
        self.ok(self.reg.revoke_user(&session.inner, &user_id, &reason))
    }
    /// Records a user's signed non-disclosure undertaking (ACC-6).
    #[wasm_bindgen(js_name = recordUndertaking, unchecked_return_type = "UserInfo")]
    pub fn record_undertaking(
        &self,
        session: &Session,
        user_id: String,
        #[wasm_bindgen(unchecked_param_type = "Undertaking")] undertaking: JsValue,
    ) -> JsResult {
        let undertaking = self.arg(&undertaking, "undertaking")?;
        self.ok(self.reg.record_undertaking(&session.inner, &user_id, undertaking))
    }
    /// A user's id by login.
    #[wasm_bindgen(js_name = userIdByLogin, unchecked_return_type = "string | null")]
    pub fn user_id_by_login(&self, session: &Session, login: String) -> JsResult {
        self.ok(self.reg.user_id_by_login(&session.inner, &login))
    }

    // ---------------------------------------------------------------- children and families

    /// Registers a child; warnings (no PIN, likely duplicate, ...) come with the id.
    #[wasm_bindgen(js_name = registerChild, unchecked_return_type = "Registered")]
    pub fn register_child(
        &self,
        session: &Session,
        #[wasm_bindgen(unchecked_param_type = "NewChild")] child: JsValue,
    ) -> JsResult {
        let child = self.arg(&child, "child")?;
        self.ok(self.reg.register_child(&session.inner, child))
    }
    /// Registers several children, all or nothing.
    #[wasm_bindgen(js_name = registerChildren, unchecked_return_type = "Registered[]")]
    pub fn register_children(
        &self,
        session: &Session,
        #[wasm_bindgen(unchecked_param_type = "NewChild[]")] children: JsValue,
    ) -> JsResult {
        let children = self.arg(&children, "children")?;
        self.ok(self.reg.register_children(&session.inner, children))
    }
    /// A child's record.
    #[wasm_bindgen(js_name = getChild, unchecked_return_type = "ChildView")]
    pub fn get_child(&self, session: &Session, id: String) -> JsResult {
        let id = self.id(&id, "id")?;
        self.ok(self.reg.get_child(&session.inner, &id))
    }
    /// The child with a PIN, if any in the reader's scope.
    #[wasm_bindgen(js_name = findByPin, unchecked_return_type = "ChildView | null")]
    pub fn find_by_pin(&self, session: &Session, pin: String) -> JsResult {
        self.ok(self.reg.find_by_pin(&session.inner, &pin))
    }
    /// Name search (folded across scripts).
    #[wasm_bindgen(unchecked_return_type = "Match[]")]
    pub fn search(
        &self,
        session: &Session,
        #[wasm_bindgen(unchecked_param_type = "SearchQuery")] query: JsValue,
    ) -> JsResult {
        let query = self.arg(&query, "query")?;
        self.ok(self.reg.search(&session.inner, &query))
    }
    /// Records that may be the same child (PIN, or name and birth date).
    #[wasm_bindgen(js_name = checkDuplicates, unchecked_return_type = "DuplicateCandidate[]")]
    pub fn check_duplicates(
        &self,
        session: &Session,
        #[wasm_bindgen(unchecked_param_type = "Child")] child: JsValue,
    ) -> JsResult {
        let child = self.arg(&child, "child")?;
        self.ok(self.reg.check_duplicates(&session.inner, &child))
    }
    /// Changes fields of a child's record (`baseVersion`: refuse if the record moved on).
    #[wasm_bindgen(js_name = updateChild, unchecked_return_type = "ChildView")]
    pub fn update_child(
        &self,
        session: &Session,
        id: String,
        #[wasm_bindgen(unchecked_param_type = "FieldChange[]")] changes: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Provenance")] provenance: JsValue,
        note: Option<String>,
        base_version: Option<f64>,
    ) -> JsResult {
        let id = self.id(&id, "id")?;
        let (changes, provenance) = (self.arg(&changes, "changes")?, self.arg(&provenance, "provenance")?);
        let base = base_version.map(|v| count(v, "base_version")).transpose().map_err(|e| self.err(e))?;
        self.ok(self.reg.update_child(&session.inner, &id, changes, provenance, note, base))
    }
    /// A child's facts, oldest first.
    #[wasm_bindgen(unchecked_return_type = "HistoryEntry[]")]
    pub fn history(&self, session: &Session, id: String) -> JsResult {
        let id = self.id(&id, "id")?;
        self.ok(self.reg.history(&session.inner, &id))
    }
    /// A page of the children in the reader's scope (optionally under a territory).
    #[wasm_bindgen(js_name = listChildren, unchecked_return_type = "ChildList")]
    pub fn list_children(&self, session: &Session, under: Option<String>, offset: u32, limit: u32) -> JsResult {
        let under: Option<TerritoryCode> = match under {
            Some(u) => Some(self.arg(&JsValue::from_str(&u), "under")?),
            None => None,
        };
        self.ok(self.reg.list_children(&session.inner, under.as_ref(), offset as usize, limit as usize))
    }
    /// Registers a family.
    #[wasm_bindgen(js_name = registerFamily, unchecked_return_type = "string")]
    pub fn register_family(
        &self,
        session: &Session,
        #[wasm_bindgen(unchecked_param_type = "Family")] family: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Provenance")] provenance: JsValue,
    ) -> JsResult {
        let (family, provenance) = (self.arg(&family, "family")?, self.arg(&provenance, "provenance")?);
        self.ok(self.reg.register_family(&session.inner, family, provenance))
    }
    /// A family's record.
    #[wasm_bindgen(js_name = getFamily, unchecked_return_type = "FamilyView")]
    pub fn get_family(&self, session: &Session, id: String) -> JsResult {
        let id = self.id(&id, "id")?;
        self.ok(self.reg.get_family(&session.inner, &id))
    }
    /// Changes fields of a family's record.
    #[wasm_bindgen(js_name = updateFamily, unchecked_return_type = "FamilyView")]
    pub fn update_family(
        &self,
        session: &Session,
        id: String,
        #[wasm_bindgen(unchecked_param_type = "FieldChange[]")] changes: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Provenance")] provenance: JsValue,
        note: Option<String>,
        base_version: Option<f64>,
    ) -> JsResult {
        let id = self.id(&id, "id")?;
        let (changes, provenance) = (self.arg(&changes, "changes")?, self.arg(&provenance, "provenance")?);
        let base = base_version.map(|v| count(v, "base_version")).transpose().map_err(|e| self.err(e))?;
        self.ok(self.reg.update_family(&session.inner, &id, changes, provenance, note, base))
    }
    /// Links a child to a family (`null` unlinks).
    #[wasm_bindgen(js_name = linkChild)]
    pub fn link_child(
        &self,
        session: &Session,
        child: String,
        family: Option<String>,
        #[wasm_bindgen(unchecked_param_type = "Provenance")] provenance: JsValue,
    ) -> Result<(), JsValue> {
        let child = self.id(&child, "child")?;
        let family = match family {
            Some(f) => Some(self.id(&f, "family")?),
            None => None,
        };
        let provenance = self.arg(&provenance, "provenance")?;
        self.reg.link_child(&session.inner, &child, family.as_ref(), provenance).map_err(|e| self.err(e))
    }
}
