//! `kamkor demo`: a registry with synthetic data and users of every role, then a
//! tour of what each role may and may not do, the audit chain and refused attempts.

mod cases_tour;
mod cast;
mod clock;
mod findings;
mod profiles;
mod report;
mod report_cases;
mod scenario;
mod walk;

use crate::app::{self, App};
use crate::args::DemoArgs;
use crate::error::{CliError, CliResult};
use chrono::Duration;
use clock::WalkClock;
use indicatif::{ProgressBar, ProgressStyle};
use kamkor_core::registry::NewChild;
use kamkor_core::synth::Synth;
use kamkor_core::{Clock, ErrorCode, Key, Registry, TerritoryCode};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use walk::{WalkChild, WALK_DAYS};

pub use cast::{Cast, DEMO_PASSWORD};
#[cfg(test)]
pub use scenario::CHECK_IDS;

/// The registry's directory inside the demo directory.
const REGISTRY_DIR: &str = "registry";
/// The key file inside the demo directory.
const KEY_FILE: &str = "demo.key";
/// Children per `register_children` call.
const BATCH: usize = 500;
/// One child in this many gets a family.
const FAMILY_EVERY: usize = 20;
/// Changes of circumstances recorded during setup.
const UPDATES: usize = 12;

/// Where the demo lives.
pub struct Paths {
    /// The demo directory.
    pub dir: PathBuf,
    /// The registry directory.
    pub registry: PathBuf,
    /// The key file.
    pub key: PathBuf,
}

/// What the population step did.
#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
pub struct Population {
    /// Synthetic children registered.
    pub children: usize,
    /// Families registered and linked.
    pub families: usize,
    /// Changes of circumstances recorded.
    pub updates: usize,
    /// Children the tour relies on, registered besides the synthetic population.
    pub extras: usize,
    /// Milliseconds spent registering.
    pub millis: u128,
}

#[allow(clippy::disallowed_methods)] // The CLI is the host: it may time its own run.
fn stopwatch() -> std::time::Instant {
    std::time::Instant::now()
}

/// Runs the demo.
pub fn run(app: &App, a: DemoArgs) -> CliResult {
    match a.profile.as_str() {
        "kyrgyzstan" => {}
        "omsk" | "yamal" => return profiles::run(app, &a.profile),
        other => {
            return Err(CliError::new(ErrorCode::Validation, "UNKNOWN_CODE")
                .with_field("profile")
                .arg("code", other)
                .arg("vocabulary", "kyrgyzstan|omsk|yamal"))
        }
    }
    let started = stopwatch();
    let paths = Paths { registry: a.dir.join(REGISTRY_DIR), key: a.dir.join(KEY_FILE), dir: a.dir.clone() };
    let mut existing = paths.key.is_file() && paths.registry.is_dir();
    if !existing && !app::dir_is_empty_or_missing(&paths.dir) {
        return Err(CliError::new(ErrorCode::Conflict, "DEMO_DIR_NOT_EMPTY").arg("path", paths.dir.display()));
    }
    if existing && a.fresh {
        wipe(&paths)?;
        existing = false;
    }
    // A new demo runs on a clock set back for the walk of cases (see `clock`); from the
    // tour on, that clock is the host's time again.
    let walk_clock = Arc::new(WalkClock::new(app.clock.clone(), Duration::days(WALK_DAYS)));
    let clock: Arc<dyn Clock> = if existing { app.clock.clone() } else { walk_clock.clone() };
    let demo = App { ui: app.ui, dir: app.dir.clone(), key_file: app.key_file.clone(), clock };
    let (reg, cast, population, walk) = if existing {
        let key = app::read_key_file(&paths.key)?;
        let store = app::open_store(&paths.registry)?;
        let reg = Registry::open(Arc::new(store), &key, demo.env())?;
        let cast = Cast::plan(reg.territories(), demo.today());
        (reg, cast, None, None)
    } else {
        let (reg, cast) = create(&demo, &paths)?;
        let (population, children) = populate(&demo, &reg, &cast, a.children, a.seed)?;
        let walk = walk::run(&reg, &cast, &walk_clock, &children, a.seed)?;
        (reg, cast, Some(population), Some(walk))
    };
    let mut summary = scenario::run(&demo, &reg, &cast, &paths, walk)?;
    reg.flush()?;
    summary.existing = existing;
    summary.seed = a.seed;
    summary.population = population;
    summary.elapsed_ms = started.elapsed().as_millis();
    report::print(&app.ui, &summary)
}

fn wipe(paths: &Paths) -> CliResult {
    // Only what the demo made: its registry and its key file.
    std::fs::remove_dir_all(&paths.registry).map_err(|e| CliError::io("FILE_UNWRITABLE", &paths.registry, &e))?;
    std::fs::remove_file(&paths.key).map_err(|e| CliError::io("FILE_UNWRITABLE", &paths.key, &e))
}

fn create(app: &App, paths: &Paths) -> CliResult<(Registry, Cast)> {
    std::fs::create_dir_all(&paths.dir).map_err(|e| CliError::io("FILE_UNWRITABLE", &paths.dir, &e))?;
    let key = Key::generate(&mut rand::rngs::OsRng);
    app::write_private_new(&paths.key, key.to_hex().as_bytes())
        .map_err(|e| CliError::io("FILE_UNWRITABLE", &paths.key, &e))?;
    let store = app::open_store(&paths.registry)?;
    let territories = kamkor_core::Profile::from_toml(crate::commands::KYRGYZSTAN_PROFILE)?.territories()?;
    let cast = Cast::plan(&territories, app.today());
    let admin = cast.new_user(&cast.admin);
    let reg = Registry::create(Arc::new(store), crate::commands::KYRGYZSTAN_PROFILE, &key, app.env(), admin)?;
    cast.register(&reg)?;
    Ok((reg, cast))
}

/// The top-level territory (oblast or city of republican significance) of a place.
pub fn top_level(reg: &Registry, code: &TerritoryCode) -> TerritoryCode {
    let path = reg.territories().path(code);
    path.get(1).or(path.first()).cloned().unwrap_or_else(|| code.clone())
}

fn progress(app: &App, len: usize) -> ProgressBar {
    if app.ui.json || !std::io::stdout().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({elapsed})") {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(app.ui.t("demo-progress"));
    pb
}

/// Registers the synthetic population, in batches: children of the three districts with a
/// specialist of their own by that specialist, the others by the specialist of their oblast
/// or city (whose organization then works their cases); a family for some; a few changes of
/// circumstances.
fn populate(app: &App, reg: &Registry, cast: &Cast, n: usize, seed: u64) -> CliResult<(Population, Vec<WalkChild>)> {
    let started = stopwatch();
    let mut synth = Synth::new(seed, reg.territories(), app.today());
    let workers = walk::case_workers(cast);
    let mut groups: BTreeMap<usize, Vec<NewChild>> = BTreeMap::new();
    for _ in 0..n {
        let c = synth.child();
        let place = &c.record.identified_in;
        let worker = walk::owner_of(reg, &workers, place).ok_or_else(|| {
            CliError::new(ErrorCode::NotFound, "DEMO_NO_REGISTRAR").arg("code", top_level(reg, place))
        })?;
        groups.entry(worker).or_default().push(c);
    }
    let pb = progress(app, n);
    let mut pop = Population::default();
    let mut registered = Vec::with_capacity(n);
    let mut counter = 0usize;
    for (worker, children) in groups {
        let session = cast.sign_in(reg, workers[worker])?;
        for chunk in children.chunks(BATCH) {
            let done = reg.register_children(&session, chunk.to_vec())?;
            for (item, r) in chunk.iter().zip(&done) {
                registered.push(WalkChild { id: r.id, record: item.record.clone() });
                counter += 1;
                if counter % FAMILY_EVERY != 1 {
                    continue;
                }
                let family = synth.family_for(&item.record);
                let fid = reg.register_family(&session, family, item.provenance.clone())?;
                reg.link_child(&session, &r.id, Some(&fid), item.provenance.clone())?;
                pop.families += 1;
                if pop.updates < UPDATES {
                    let change = kamkor_core::FieldChange {
                        field: "needs.social_support".into(),
                        value: serde_json::Value::String(app.ui.t("demo-update-note")),
                    };
                    let prov = kamkor_core::Provenance {
                        source: "specialist".into(),
                        received_on: app.today(),
                        reference: None,
                    };
                    reg.update_child(&session, &r.id, vec![change], prov, None, None)?;
                    pop.updates += 1;
                }
            }
            pop.children += done.len();
            pb.inc(done.len() as u64);
        }
        reg.logout(&session)?;
    }
    pb.finish_and_clear();
    pop.extras = cast.extras(reg, &mut synth)?;
    pop.millis = started.elapsed().as_millis();
    Ok((pop, registered))
}

/// The demo paths as text, for the summary.
pub fn show_path(p: &Path) -> String {
    p.display().to_string()
}
