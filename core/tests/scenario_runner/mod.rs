//! The Rust harness of the cross-language scenarios: loads `tests/scenarios/*.json`, replays
//! each file in a fresh in-memory registry and checks every step's expectation. The format
//! is specified in `tests/scenarios/README.md`; this file follows it section by section.

pub(crate) mod coverage;
pub(crate) mod matcher;
pub(crate) mod ops;

use chrono::{DateTime, Utc};
use kamkor_core::store::MemoryStore;
use kamkor_core::{Env, Key, ManualClock, NewUser, Registry, Session};
use matcher::{short, Vars};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The one password of every scenario user (also the variable `$password`).
pub(crate) const PASSWORD: &str = "correct horse battery";
/// The host's master key: 32 bytes of 7.
const MASTER_KEY: [u8; 32] = [7u8; 32];
/// The seed of the deterministic random source.
const SEED: u64 = 42;

/// A scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Scenario {
    pub(crate) name: String,
    #[allow(dead_code)] // documentation for readers
    pub(crate) description: String,
    pub(crate) profile: String,
    pub(crate) clock: DateTime<Utc>,
    #[serde(default)]
    pub(crate) users: Vec<Map<String, Value>>,
    /// Fields replacing the first administrator's defaults (another profile's role and territory).
    #[serde(default)]
    pub(crate) admin: Map<String, Value>,
    pub(crate) steps: Vec<Step>,
}

/// One step: an actor, an op with arguments, and what should come back.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Step {
    #[serde(default)]
    pub(crate) comment: Option<String>,
    #[serde(default, rename = "as")]
    pub(crate) actor: Option<String>,
    pub(crate) op: String,
    #[serde(default)]
    pub(crate) args: Map<String, Value>,
    /// For `login` / `login_external`: the name the new session is kept under.
    #[serde(default)]
    pub(crate) session: Option<String>,
    #[serde(default)]
    pub(crate) expect: Expect,
    /// A known core bug: the expectation is right and the core currently disagrees.
    #[serde(default)]
    pub(crate) bug: Option<String>,
}

/// The expected outcome.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Expect {
    #[serde(default)]
    pub(crate) ok: Option<bool>,
    #[serde(default)]
    pub(crate) error: Option<Map<String, Value>>,
    #[serde(default, rename = "match")]
    pub(crate) matches: Map<String, Value>,
    #[serde(default)]
    pub(crate) save: Map<String, Value>,
}

/// A registry under replay and what the steps have built up.
pub(crate) struct Ctx {
    pub(crate) reg: Registry,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) sessions: BTreeMap<String, Session>,
    pub(crate) vars: Vars,
    /// The session the last `login`/`login_external` opened.
    pub(crate) last_session: Option<Session>,
}

/// What replaying one file gave.
#[derive(Debug, Default)]
pub(crate) struct FileReport {
    pub(crate) file: String,
    pub(crate) steps: usize,
    pub(crate) failures: Vec<String>,
    pub(crate) known_bugs: Vec<String>,
    /// Successful results (for the coverage check), only for the built-in Kyrgyz profile.
    pub(crate) results: Vec<Value>,
}

/// The scenario directory: `tests/scenarios` at the workspace root.
pub(crate) fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("tests").join("scenarios")
}

/// Every `*.json` in the directory, sorted by name.
pub(crate) fn scenario_files() -> Vec<PathBuf> {
    let dir = scenario_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// Lowers the Argon2 cost of a profile: results do not depend on it, and tests hash many passwords.
pub(crate) fn cheap_argon2(profile: &str) -> String {
    profile
        .lines()
        .map(|l| {
            let t = l.trim_start();
            if t.starts_with("argon2_memory_kib") && t.contains('=') {
                "argon2_memory_kib = 64".to_string()
            } else if t.starts_with("argon2_iterations") && t.contains('=') {
                "argon2_iterations = 1".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A new user: the defaults of the README, then the scenario's fields over them.
fn new_user(fields: &Map<String, Value>) -> Result<NewUser, String> {
    let mut u = json!({
        "surname": "Асанова",
        "given_name": "Гүлзат",
        "position": "Специалист",
        "agency": "Агентство",
        "address": "Бишкек",
        "valid_from": "2000-01-01",
        "valid_until": "2099-12-31",
        "password": PASSWORD,
    });
    let obj = u.as_object_mut().ok_or("defaults")?;
    for (k, v) in fields {
        obj.insert(k.clone(), v.clone());
    }
    serde_json::from_value(u).map_err(|e| format!("user {fields:?}: {e}"))
}

fn setup(sc: &Scenario, path: &Path) -> Result<Ctx, String> {
    let text = if let Some(text) = kamkor_core::profile::builtin(&sc.profile) {
        text.to_string()
    } else {
        let p = path.parent().unwrap_or(Path::new(".")).join(&sc.profile);
        std::fs::read_to_string(&p).map_err(|e| format!("profile {}: {e}", p.display()))?
    };
    let clock = Arc::new(ManualClock::new(sc.clock));
    let mut admin_fields =
        json!({"login": "admin", "role": "administrator", "territory": "41700000000000", "agency_inn": "00000000000001"})
            .as_object()
            .ok_or("admin")?
            .clone();
    for (k, v) in &sc.admin {
        admin_fields.insert(k.clone(), v.clone());
    }
    let admin = new_user(&admin_fields)?;
    let reg = Registry::create(
        Arc::new(MemoryStore::new()),
        &cheap_argon2(&text),
        &Key::from_bytes(MASTER_KEY),
        Env::seeded(clock.clone(), SEED),
        admin,
    )
    .map_err(|e| format!("Registry::create: {e:?}"))?;
    let mut ctx = Ctx { reg, clock, sessions: BTreeMap::new(), vars: Vars::new(), last_session: None };
    ctx.vars.insert("password".into(), json!(PASSWORD));
    let admin = ctx.reg.login("admin", PASSWORD).map_err(|e| format!("admin login: {e:?}"))?;
    let admin_id = ctx.reg.whoami(&admin).map_err(|e| format!("admin whoami: {e:?}"))?.id;
    ctx.vars.insert("user.admin".into(), json!(admin_id));
    let mut logins = Vec::new();
    for fields in &sc.users {
        let u = new_user(fields)?;
        let login = u.login.clone();
        let info = ctx.reg.add_user(&admin, u).map_err(|e| format!("add_user {login}: {e:?}"))?;
        ctx.vars.insert(format!("user.{login}"), json!(info.id));
        logins.push(login);
    }
    ctx.sessions.insert("admin".into(), admin);
    for login in logins {
        let s = ctx.reg.login(&login, PASSWORD).map_err(|e| format!("login {login}: {e:?}"))?;
        ctx.sessions.insert(login, s);
    }
    Ok(ctx)
}

/// Replays one file.
pub(crate) fn run_file(path: &Path, trace: bool) -> FileReport {
    let file = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let mut report = FileReport { file: file.clone(), ..FileReport::default() };
    let sc: Scenario = match std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(sc) => sc,
        Err(e) => {
            report.failures.push(format!("{file}: not a scenario: {e}"));
            return report;
        }
    };
    if format!("{}.json", sc.name) != file {
        report.failures.push(format!("{file}: `name` is {:?}; it must be the file name without .json", sc.name));
    }
    let mut ctx = match setup(&sc, path) {
        Ok(c) => c,
        Err(e) => {
            report.failures.push(format!("{file}: setup failed: {e}"));
            return report;
        }
    };
    let builtin = sc.profile == "kyrgyzstan";
    for (i, step) in sc.steps.iter().enumerate() {
        report.steps += 1;
        let at = format!(
            "{file} step {i} `{}`{}",
            step.op,
            step.actor.as_deref().map(|a| format!(" as {a}")).unwrap_or_default()
        );
        match run_step(&mut ctx, step) {
            Ok((doc, ok)) => {
                if trace {
                    eprintln!("[trace] {at}: {} {}", if ok { "ok" } else { "error" }, short(&doc, 4000));
                }
                if let Some(bug) = &step.bug {
                    report.failures.push(format!(
                        "{at}: marked as a known core bug ({bug}) but now behaves as expected: remove the `bug` marker"
                    ));
                    continue;
                }
                if ok && builtin {
                    report.results.push(doc);
                }
            }
            Err(StepError::Mismatch { args, doc, problems }) => {
                let msg = format!(
                    "{at}{}\n    args:     {}\n    expected: {}\n    got:      {}\n    {}",
                    step.comment.as_deref().map(|c| format!(" ({c})")).unwrap_or_default(),
                    short(&args, 1500),
                    short(&expectation(step), 1500),
                    short(&doc, 3000),
                    problems.join("\n    ")
                );
                if let Some(bug) = &step.bug {
                    let got: Vec<String> = problems.iter().map(|p| p.chars().take(300).collect()).collect();
                    report.known_bugs.push(format!("{at}: {bug}\n    {}", got.join("\n    ")));
                    continue;
                }
                report.failures.push(msg);
                break;
            }
            Err(StepError::Scenario(e)) => {
                report.failures.push(format!("{at}: scenario error: {e}"));
                break;
            }
        }
    }
    report
}

fn expectation(step: &Step) -> Value {
    let e = &step.expect;
    let mut out = Map::new();
    if let Some(ok) = e.ok {
        out.insert("ok".into(), json!(ok));
    }
    if let Some(err) = &e.error {
        out.insert("error".into(), Value::Object(err.clone()));
    }
    if !e.matches.is_empty() {
        out.insert("match".into(), Value::Object(e.matches.clone()));
    }
    if out.is_empty() {
        out.insert("ok".into(), json!(true));
    }
    Value::Object(out)
}

enum StepError {
    Mismatch { args: Value, doc: Value, problems: Vec<String> },
    Scenario(String),
}

/// Runs a step; `Ok((result document, succeeded))` when every expectation holds.
fn run_step(ctx: &mut Ctx, step: &Step) -> Result<(Value, bool), StepError> {
    let sc = StepError::Scenario;
    let args = matcher::substitute(&Value::Object(step.args.clone()), &ctx.vars).map_err(sc)?;
    let Value::Object(map) = &args else { return Err(sc("args must be an object".into())) };
    let no_session = ops::NO_SESSION.contains(&step.op.as_str());
    let session = match (&step.actor, no_session) {
        (Some(a), true) => return Err(sc(format!("`{}` takes no `as` (got {a})", step.op))),
        (None, true) => None,
        (None, false) => return Err(sc(format!("`{}` needs `as`", step.op))),
        (Some(a), false) => {
            Some(ctx.sessions.get(a).cloned().ok_or_else(|| sc(format!("no session named {a:?}: sign in first")))?)
        }
    };
    if step.session.is_some() && !matches!(step.op.as_str(), "login" | "login_external") {
        return Err(sc("`session` is only for login and login_external".into()));
    }
    if step.session.is_none() && step.op == "login_external" {
        return Err(sc("login_external needs `session` (the name to keep it under)".into()));
    }
    ctx.last_session = None;
    let answer = ops::call(ctx, session.as_ref(), &step.op, map).map_err(sc)?;
    if let Some(s) = ctx.last_session.take() {
        let name = match (&step.session, map.get("login").and_then(Value::as_str)) {
            (Some(n), _) => n.clone(),
            (None, Some(login)) => login.to_string(),
            (None, None) => return Err(sc("a new session needs a name (`session`)".into())),
        };
        ctx.sessions.insert(name, s);
    }
    let (doc, ok) = match answer {
        Ok(v) => (v, true),
        Err(e) => (serde_json::to_value(&e).unwrap_or(Value::Null), false),
    };
    let mut problems = Vec::new();
    let e = &step.expect;
    let want_ok = e.ok.unwrap_or(e.error.is_none());
    if e.ok == Some(true) && e.error.is_some() {
        return Err(sc("expect has both ok: true and error".into()));
    }
    match (want_ok, ok) {
        (true, false) => problems.push("expected success, got an error".to_string()),
        (false, true) => problems.push("expected an error, got success".to_string()),
        _ => {}
    }
    if let (Some(err), false) = (&e.error, ok) {
        for (k, v) in err {
            if !matches!(k.as_str(), "code" | "reason" | "field") {
                return Err(sc(format!("expect.error takes code, reason, field (got {k})")));
            }
            let v = matcher::substitute(v, &ctx.vars).map_err(sc)?;
            if let Err(p) = matcher::check(&doc, &format!("/{k}"), &v) {
                problems.push(format!("error {p}"));
            }
        }
    }
    if problems.is_empty() {
        // Saves first: `match` may use what this very step saved.
        for (name, pointer) in &e.save {
            let p = pointer.as_str().ok_or_else(|| sc(format!("save.{name} must be a JSON Pointer string")))?;
            match doc.pointer(p) {
                Some(v) => {
                    ctx.vars.insert(name.clone(), v.clone());
                }
                None => problems.push(format!("save {name}: nothing at {p}")),
            }
        }
        for (pointer, expected) in &e.matches {
            let expected = matcher::substitute(expected, &ctx.vars).map_err(sc)?;
            if let Err(p) = matcher::check(&doc, pointer, &expected) {
                problems.push(p);
            }
        }
    }
    if !problems.is_empty() {
        return Err(StepError::Mismatch { args, doc, problems });
    }
    Ok((doc, ok))
}

/// Replays every file (optionally only those whose name contains `SCENARIO_FILTER`).
pub(crate) fn run_all() -> Vec<FileReport> {
    let files = scenario_files();
    assert!(!files.is_empty(), "no scenarios in {}", scenario_dir().display());
    let filter = std::env::var("SCENARIO_FILTER").ok();
    let trace = std::env::var("SCENARIO_TRACE").is_ok_and(|v| !v.is_empty() && v != "0");
    files
        .iter()
        .filter(|p| filter.as_deref().is_none_or(|f| p.to_string_lossy().contains(f)))
        .map(|p| run_file(p, trace))
        .collect()
}
