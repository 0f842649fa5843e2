//! Load benchmark: N synthetic children into a sled-backed registry, then the same
//! children into a plain SQLite table, with the same three measurements on each:
//! batched registration rate, get by PIN latency, likely-match name search latency
//! (and recall), plus peak resident memory and size on disk.
//!
//! ```text
//! KAMKOR_BENCH_N=1000000 KAMKOR_BENCH_BATCH=5000 cargo bench -p kamkor-core --features synth --bench load
//! ```
//!
//! Environment: `KAMKOR_BENCH_N` (default 1,000,000), `KAMKOR_BENCH_BATCH` (default 5000),
//! `KAMKOR_BENCH_SEED` (default 2026), `KAMKOR_BENCH_DIR` (where the temporary databases
//! go; default the system temporary directory), `KAMKOR_BENCH_BREAKDOWN=1` (time every
//! store call and report, per phase, the time in the store versus the registry around
//! it; adds a little overhead). Each engine runs in its own child
//! process (this program re-executed with `KAMKOR_BENCH_PHASE=sled|sqlite`), so that
//! each one's peak RSS is its own. Progress goes to stderr, the report to stdout.
#![allow(clippy::disallowed_methods)] // Instant::now: wall-clock timing is the point of a benchmark.

use chrono::{NaiveDate, TimeZone, Utc};
use kamkor_core::model::Child;
use kamkor_core::names;
use kamkor_core::registry::{NewChild, SearchQuery};
use kamkor_core::store::{Batch, Pair, SideWrite, SledStore, Store, StoreError, Tree};
use kamkor_core::synth::Synth;
use kamkor_core::territory::{Territories, TerritoryCode};
use kamkor_core::{Env, Key, ManualClock, NewUser, Profile, Registry, SubjectId};
use rand::seq::index::sample;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const KG: &str = kamkor_core::profile::KYRGYZSTAN_TOML;
const PASSWORD: &str = "correct horse battery";
const ROOT: &str = "41700000000000";
const PIN_LOOKUPS: usize = 10_000;
const NAME_QUERIES: usize = 1_000;
const LIMIT: usize = 20;

// ---------------------------------------------------------------- configuration

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct Config {
    n: usize,
    batch: usize,
    seed: u64,
}

fn env_num(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v.replace('_', "").parse().unwrap_or_else(|_| panic!("{name} must be a number, got {v:?}")),
        Err(_) => default,
    }
}

impl Config {
    fn from_env() -> Config {
        let n = env_num("KAMKOR_BENCH_N", 1_000_000) as usize;
        let batch = env_num("KAMKOR_BENCH_BATCH", 5000).max(1) as usize;
        let seed = env_num("KAMKOR_BENCH_SEED", 2026);
        Config { n, batch, seed }
    }
}

/// The Kyrgyz profile with cheap Argon2 settings (as the tests do): logins are not measured.
fn cheap_profile() -> String {
    KG.replace("argon2_memory_kib = 19456", "argon2_memory_kib = 64")
        .replace("argon2_iterations = 2", "argon2_iterations = 1")
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).expect("date")
}

fn code(s: &str) -> TerritoryCode {
    TerritoryCode::parse(s).expect("territory code")
}

// ---------------------------------------------------------------- workload

/// A child picked for the read measurements (index = registration order).
#[derive(Clone, Debug)]
struct Picked {
    index: usize,
    pin: Option<String>,
    surname: String,
    given: String,
    birth: NaiveDate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum QueryKind {
    Cyrillic,
    Latin,
    CyrillicDate,
    LatinDate,
}

impl QueryKind {
    const ALL: [QueryKind; 4] = [QueryKind::Cyrillic, QueryKind::Latin, QueryKind::CyrillicDate, QueryKind::LatinDate];
    fn label(self) -> &'static str {
        match self {
            QueryKind::Cyrillic => "Cyrillic name",
            QueryKind::Latin => "Latin name",
            QueryKind::CyrillicDate => "Cyrillic name + birth date",
            QueryKind::LatinDate => "Latin name + birth date",
        }
    }
    fn dated(self) -> bool {
        matches!(self, QueryKind::CyrillicDate | QueryKind::LatinDate)
    }
}

/// One name query built from an existing child.
#[derive(Clone, Debug)]
struct NameQuery {
    kind: QueryKind,
    /// Index of the intended child.
    index: usize,
    name: String,
    birth: Option<NaiveDate>,
    /// Children with the same folded surname and given name (and birth date, if dated).
    same_name: u32,
}

/// Deterministic generation in batches: the same seed gives the same children in both
/// phases. PINs are kept unique (the generator's 5-digit serial repeats every 100,000
/// children, so a colliding child is replaced by the next one generated).
struct Generator {
    synth: Synth,
    pins: HashSet<u64>,
    replaced: usize,
    next: usize,
    n: usize,
    wanted: HashSet<usize>,
    picked: Vec<Picked>,
    /// (folded surname, folded given) -> count; ((.., birth)) -> count for the picked keys only.
    pair_counts: HashMap<(String, String), u32>,
    time: Duration,
}

fn pin_number(pin: &str) -> u64 {
    pin.parse().expect("numeric PIN")
}

impl Generator {
    fn new(cfg: &Config, territories: &Territories) -> Generator {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x5eed);
        let want = (PIN_LOOKUPS + PIN_LOOKUPS / 5 + NAME_QUERIES).min(cfg.n);
        let wanted = sample(&mut rng, cfg.n, want).into_iter().collect();
        Generator {
            synth: Synth::new(cfg.seed, territories, today()),
            pins: HashSet::with_capacity(cfg.n),
            replaced: 0,
            next: 0,
            n: cfg.n,
            wanted,
            picked: Vec::new(),
            pair_counts: HashMap::new(),
            time: Duration::ZERO,
        }
    }

    fn batch(&mut self, size: usize) -> Vec<NewChild> {
        let t = Instant::now();
        let end = (self.next + size).min(self.n);
        let mut out = Vec::with_capacity(end - self.next);
        while self.next < end {
            let child = loop {
                let c = self.synth.child();
                match c.record.pin.as_deref() {
                    Some(p) if !self.pins.insert(pin_number(p)) => self.replaced += 1,
                    _ => break c,
                }
            };
            let r = &child.record;
            *self.pair_counts.entry((names::fold(&r.surname), names::fold(&r.given_name))).or_default() += 1;
            if self.wanted.contains(&self.next) {
                self.picked.push(Picked {
                    index: self.next,
                    pin: r.pin.clone(),
                    surname: r.surname.clone(),
                    given: r.given_name.clone(),
                    birth: r.birth_date,
                });
            }
            out.push(child);
            self.next += 1;
        }
        self.time += t.elapsed();
        out
    }

    /// PINs to look up (in random order) and name queries, once everything is generated.
    fn reads(&self, seed: u64) -> (Vec<(usize, String)>, Vec<NameQuery>, usize) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0xbeef);
        let mut picked = self.picked.clone();
        rand::seq::SliceRandom::shuffle(picked.as_mut_slice(), &mut rng);
        let (for_names, for_pins) = picked.split_at(NAME_QUERIES.min(picked.len()));
        let pins: Vec<(usize, String)> =
            for_pins.iter().filter_map(|p| p.pin.clone().map(|pin| (p.index, pin))).take(PIN_LOOKUPS).collect();
        // The ideal recall of an undated query is limit / (children with the same folded
        // names); a dated one is taken as 1 (about 0.1 other children share both name and
        // birth date at N = 1,000,000, far below the limit).
        let mut mismatched = 0;
        let queries = for_names
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let kind = QueryKind::ALL[i % 4];
                let (s, g) = match kind {
                    QueryKind::Cyrillic | QueryKind::CyrillicDate => (p.surname.clone(), p.given.clone()),
                    QueryKind::Latin | QueryKind::LatinDate => (latin(&p.surname), latin(&p.given)),
                };
                if names::fold(&s) != names::fold(&p.surname) || names::fold(&g) != names::fold(&p.given) {
                    mismatched += 1;
                }
                let key = (names::fold(&p.surname), names::fold(&p.given));
                let same_name = if kind.dated() { 1 } else { self.pair_counts.get(&key).copied().unwrap_or(1) };
                NameQuery {
                    kind,
                    index: p.index,
                    name: format!("{s} {g}"),
                    birth: kind.dated().then_some(p.birth),
                    same_name,
                }
            })
            .collect();
        (pins, queries, mismatched)
    }
}

/// A tiny Cyrillic→Latin transliteration (Kyrgyz passport style, with ü and ö).
fn latin(word: &str) -> String {
    let mut out = String::new();
    for (i, c) in word.chars().enumerate() {
        let lower: String = c.to_lowercase().collect();
        let t = match lower.as_str() {
            "а" => "a",
            "б" => "b",
            "в" => "v",
            "г" => "g",
            "д" => "d",
            "е" | "э" => "e",
            "ё" => "yo",
            "ж" => "zh",
            "з" => "z",
            "и" => "i",
            "й" | "ы" => "y",
            "к" => "k",
            "л" => "l",
            "м" => "m",
            "н" => "n",
            "ң" => "ng",
            "о" => "o",
            "ө" => "ö",
            "п" => "p",
            "р" => "r",
            "с" => "s",
            "т" => "t",
            "у" => "u",
            "ү" => "ü",
            "ф" => "f",
            "х" => "kh",
            "ц" => "ts",
            "ч" => "ch",
            "ш" => "sh",
            "щ" => "shch",
            "ъ" | "ь" => "",
            "ю" => "yu",
            "я" => "ya",
            other => other,
        };
        if i == 0 {
            let mut cs = t.chars();
            if let Some(f) = cs.next() {
                out.extend(f.to_uppercase());
                out.push_str(cs.as_str());
            }
        } else {
            out.push_str(t);
        }
    }
    out
}

// ---------------------------------------------------------------- measurements

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Stats {
    count: usize,
    p50: f64,
    p99: f64,
    max: f64,
    mean: f64,
}

/// Percentiles (nearest rank) of samples in the unit they are given in.
fn stats(mut v: Vec<f64>) -> Stats {
    if v.is_empty() {
        return Stats::default();
    }
    v.sort_by(f64::total_cmp);
    let rank = |p: f64| v[((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    Stats {
        count: v.len(),
        p50: rank(0.50),
        p99: rank(0.99),
        max: v[v.len() - 1],
        mean: v.iter().sum::<f64>() / v.len() as f64,
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct SearchFigures {
    kind: String,
    latency_ms: Stats,
    /// Queries whose intended child was among the results.
    hits: usize,
    /// Sum over queries of min(1, limit / same-name count): the recall a random pick of
    /// `limit` among the equally good matches would get.
    ideal_hits: f64,
    queries: usize,
    mean_results: f64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Figures {
    engine: String,
    n: usize,
    batch: usize,
    generation_s: f64,
    pins_replaced: usize,
    latin_fold_mismatches: usize,
    register_s: f64,
    flush_ms: f64,
    batch_ms: Stats,
    get_by_pin_us: Stats,
    pin_found: usize,
    search: Vec<SearchFigures>,
    search_all_ms: Stats,
    rss_before_mib: f64,
    peak_rss_mib: f64,
    disk_mib: f64,
    /// Store time per phase (only with `KAMKOR_BENCH_BREAKDOWN=1`).
    #[serde(default)]
    breakdown: Vec<PhaseBreakdown>,
}

impl Figures {
    fn rate(&self) -> f64 {
        self.n as f64 / (self.register_s + self.flush_ms / 1000.0)
    }
}

fn proc_status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| {
            l.strip_prefix(field).and_then(|r| r.trim_start_matches(':').split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn dir_size(path: &Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(path) {
        for e in entries.flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => total += dir_size(&e.path()),
                Ok(m) => {
                    use std::os::unix::fs::MetadataExt;
                    total += m.blocks() * 512;
                }
                Err(_) => {}
            }
        }
    }
    total
}

fn bench_dir() -> tempfile::TempDir {
    let base = std::env::var_os("KAMKOR_BENCH_DIR").map(std::path::PathBuf::from).unwrap_or_else(std::env::temp_dir);
    tempfile::Builder::new().prefix("kamkor-bench-").tempdir_in(base).expect("temporary directory")
}

fn progress(engine: &str, before: usize, done: usize, n: usize, started: Instant) {
    let step = (n / 10).max(1);
    if before / step != done / step || done == n {
        eprintln!("  [{engine}] {done}/{n} registered, {:.0} s", started.elapsed().as_secs_f64());
    }
}

// ---------------------------------------------------------------- kamkor on sled

fn user(login: &str, role: &str, inn: &str) -> NewUser {
    NewUser {
        login: login.into(),
        surname: "Асанова".into(),
        given_name: "Гүлзат".into(),
        patronymic: None,
        pin: None,
        position: "Специалист".into(),
        agency: format!("Agency {inn}"),
        agency_inn: inn.into(),
        address: "Бишкек".into(),
        territory: code(ROOT),
        role: role.into(),
        valid_from: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        valid_until: NaiveDate::from_ymd_opt(2027, 12, 31).expect("date"),
        password: Some(PASSWORD.into()),
        external_login: false,
    }
}

/// Time spent inside the store, per operation kind (with `KAMKOR_BENCH_BREAKDOWN=1`).
#[derive(Debug, Default)]
struct StoreClock {
    /// Nanoseconds and calls: get, scan, apply (batch commit), other (last, len, flush, anchor).
    ns: [AtomicU64; 4],
    calls: [AtomicU64; 4],
}

impl StoreClock {
    fn add(&self, i: usize, t: Instant) {
        self.ns[i].fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        self.calls[i].fetch_add(1, Ordering::Relaxed);
    }
    fn snapshot(&self) -> [(f64, u64); 4] {
        std::array::from_fn(|i| {
            (self.ns[i].load(Ordering::Relaxed) as f64 / 1e9, self.calls[i].load(Ordering::Relaxed))
        })
    }
}

/// A store that forwards to sled and times every call.
struct TimedStore {
    inner: SledStore,
    clock: Arc<StoreClock>,
}

impl Store for TimedStore {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let t = Instant::now();
        let r = self.inner.get(tree, key);
        self.clock.add(0, t);
        r
    }
    fn scan(&self, tree: Tree, prefix: &[u8], start: &[u8], limit: usize) -> Result<Vec<Pair>, StoreError> {
        let t = Instant::now();
        let r = self.inner.scan(tree, prefix, start, limit);
        self.clock.add(1, t);
        r
    }
    fn last(&self, tree: Tree) -> Result<Option<Pair>, StoreError> {
        let t = Instant::now();
        let r = self.inner.last(tree);
        self.clock.add(3, t);
        r
    }
    fn len(&self, tree: Tree) -> Result<usize, StoreError> {
        self.inner.len(tree)
    }
    fn apply(&self, batch: Batch) -> Result<(), StoreError> {
        let t = Instant::now();
        let r = self.inner.apply(batch);
        self.clock.add(2, t);
        r
    }
    fn flush(&self) -> Result<(), StoreError> {
        let t = Instant::now();
        let r = self.inner.flush();
        self.clock.add(3, t);
        r
    }
    fn write_anchor(&self, anchor: &[u8]) -> Result<(), StoreError> {
        let t = Instant::now();
        let r = self.inner.write_anchor(anchor);
        self.clock.add(3, t);
        r
    }
    fn read_anchor(&self) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.read_anchor()
    }
    fn put_side(&self, name: &str, data: &[u8], how: SideWrite) -> Result<(), StoreError> {
        let t = Instant::now();
        let r = self.inner.put_side(name, data, how);
        self.clock.add(3, t);
        r
    }
    fn get_side(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get_side(name)
    }
}

/// Where the time of one phase went: store calls versus the registry around them.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct PhaseBreakdown {
    phase: String,
    total_s: f64,
    /// (operation, seconds, calls)
    store: Vec<(String, f64, u64)>,
}

fn breakdown(phase: &str, total: Duration, before: [(f64, u64); 4], after: [(f64, u64); 4]) -> PhaseBreakdown {
    let names = ["get", "scan", "apply (batch commit)", "flush/anchor/last"];
    PhaseBreakdown {
        phase: phase.to_string(),
        total_s: total.as_secs_f64(),
        store: names
            .iter()
            .zip(before.iter().zip(after.iter()))
            .map(|(n, (b, a))| ((*n).to_string(), a.0 - b.0, a.1 - b.1))
            .collect(),
    }
}

fn run_sled(cfg: Config) -> Figures {
    let rss_before = proc_status_kib("VmRSS");
    let dir = bench_dir();
    let path = dir.path().join("sled");
    let timed = std::env::var("KAMKOR_BENCH_BREAKDOWN").is_ok_and(|v| v == "1");
    let sled = SledStore::open(&path).expect("open sled");
    let clock_in = Arc::new(StoreClock::default());
    let store: Arc<dyn Store> =
        if timed { Arc::new(TimedStore { inner: sled, clock: clock_in.clone() }) } else { Arc::new(sled) };
    let mut phases = Vec::new();
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).single().expect("time")));
    let reg = Registry::create(
        store.clone(),
        &cheap_profile(),
        &Key::from_bytes([7u8; 32]),
        Env::seeded(clock, 42),
        user("admin", "administrator", "00000000000001"),
    )
    .expect("create registry");
    let admin = reg.login("admin", PASSWORD).expect("admin login");
    // A specialist at the republic root: the write grant is subtree + own organization,
    // and every child registered here belongs to this organization, so it may write everywhere.
    reg.add_user(&admin, user("specialist", "specialist", "00000000000002")).expect("add specialist");
    let spec = reg.login("specialist", PASSWORD).expect("specialist login");

    let mut gen = Generator::new(&cfg, reg.territories());
    let mut ids: Vec<SubjectId> = Vec::with_capacity(cfg.n);
    let mut batch_ms = Vec::new();
    let mut register = Duration::ZERO;
    let started = Instant::now();
    let mut store_before = clock_in.snapshot();
    while ids.len() < cfg.n {
        let batch = gen.batch(cfg.batch);
        let t = Instant::now();
        let done = reg.register_children(&spec, batch).expect("register batch");
        let e = t.elapsed();
        register += e;
        batch_ms.push(e.as_secs_f64() * 1e3);
        let before = ids.len();
        ids.extend(done.into_iter().map(|r| r.id));
        progress("kamkor", before, ids.len(), cfg.n, started);
    }
    let t = Instant::now();
    reg.flush().expect("flush");
    let flush = t.elapsed();
    if timed {
        let now = clock_in.snapshot();
        phases.push(breakdown("registration", register + flush, store_before, now));
        store_before = now;
    }

    let (pins, queries, mismatched) = gen.reads(cfg.seed);
    eprintln!("  [kamkor] {} gets by PIN", pins.len());
    let mut pin_us = Vec::with_capacity(pins.len());
    let mut found = 0;
    for (i, pin) in &pins {
        let t = Instant::now();
        let view = reg.find_by_pin(&spec, pin).expect("find by PIN");
        pin_us.push(t.elapsed().as_secs_f64() * 1e6);
        if view.is_some_and(|v| v.id == ids[*i] && v.record.pin.as_deref() == Some(pin.as_str())) {
            found += 1;
        }
    }
    if timed {
        let now = clock_in.snapshot();
        let total = Duration::from_secs_f64(pin_us.iter().sum::<f64>() / 1e6);
        phases.push(breakdown("get by PIN", total, store_before, now));
        store_before = now;
    }
    eprintln!("  [kamkor] {} name searches", queries.len());
    let search = run_queries(&queries, |q| {
        let query = SearchQuery { name: q.name.clone(), birth_date: q.birth, limit: Some(LIMIT) };
        let t = Instant::now();
        let results = reg.search(&spec, &query).expect("search");
        let e = t.elapsed();
        let hit = results.iter().any(|m| m.child.id == ids[q.index]);
        (e, hit, results.len())
    });
    if timed {
        let total = Duration::from_secs_f64(search.1.mean * search.1.count as f64 / 1e3);
        phases.push(breakdown("name search", total, store_before, clock_in.snapshot()));
    }
    reg.flush().expect("flush");
    let peak = proc_status_kib("VmHWM");
    drop(reg);
    drop(store);
    let disk = dir_size(&path);
    let mut figures = finish(
        "kamkor (sled)",
        cfg,
        &gen,
        mismatched,
        register,
        flush,
        batch_ms,
        pin_us,
        found,
        search,
        rss_before,
        peak,
        disk,
    );
    figures.breakdown = phases;
    figures
}

type Searches = (Vec<SearchFigures>, Stats);

fn run_queries(queries: &[NameQuery], mut one: impl FnMut(&NameQuery) -> (Duration, bool, usize)) -> Searches {
    let mut by_kind: Vec<(QueryKind, Vec<f64>, usize, f64, usize)> =
        QueryKind::ALL.iter().map(|k| (*k, Vec::new(), 0, 0.0, 0)).collect();
    let mut all = Vec::with_capacity(queries.len());
    for q in queries {
        let (e, hit, n) = one(q);
        let ms = e.as_secs_f64() * 1e3;
        all.push(ms);
        let slot = by_kind.iter_mut().find(|s| s.0 == q.kind).expect("kind");
        slot.1.push(ms);
        slot.2 += usize::from(hit);
        slot.3 += (LIMIT as f64 / f64::from(q.same_name.max(1))).min(1.0);
        slot.4 += n;
    }
    let figures = by_kind
        .into_iter()
        .map(|(kind, times, hits, ideal, results)| {
            let queries = times.len();
            SearchFigures {
                kind: kind.label().to_string(),
                latency_ms: stats(times),
                hits,
                ideal_hits: ideal,
                queries,
                mean_results: results as f64 / queries.max(1) as f64,
            }
        })
        .collect();
    (figures, stats(all))
}

#[allow(clippy::too_many_arguments)]
fn finish(
    engine: &str,
    cfg: Config,
    gen: &Generator,
    mismatched: usize,
    register: Duration,
    flush: Duration,
    batch_ms: Vec<f64>,
    pin_us: Vec<f64>,
    found: usize,
    search: Searches,
    rss_before: u64,
    peak: u64,
    disk: u64,
) -> Figures {
    Figures {
        engine: engine.to_string(),
        n: cfg.n,
        batch: cfg.batch,
        generation_s: gen.time.as_secs_f64(),
        pins_replaced: gen.replaced,
        latin_fold_mismatches: mismatched,
        register_s: register.as_secs_f64(),
        flush_ms: flush.as_secs_f64() * 1e3,
        batch_ms: stats(batch_ms),
        get_by_pin_us: stats(pin_us),
        pin_found: found,
        search: search.0,
        search_all_ms: search.1,
        rss_before_mib: mib(rss_before),
        peak_rss_mib: mib(peak),
        disk_mib: disk as f64 / (1024.0 * 1024.0),
        breakdown: Vec::new(),
    }
}

// ---------------------------------------------------------------- plain SQLite

fn run_sqlite(cfg: Config) -> Figures {
    use rusqlite::{params, Connection, OptionalExtension};
    let rss_before = proc_status_kib("VmRSS");
    let dir = bench_dir();
    let path = dir.path().join("bench.sqlite");
    let mut db = Connection::open(&path).expect("open sqlite");
    db.pragma_update(None, "journal_mode", "WAL").expect("WAL");
    db.pragma_update(None, "synchronous", "NORMAL").expect("synchronous");
    db.execute_batch(
        "CREATE TABLE children (
            id INTEGER PRIMARY KEY,
            pin TEXT,
            surname TEXT NOT NULL,
            given_name TEXT NOT NULL,
            folded_surname TEXT NOT NULL,
            folded_given TEXT NOT NULL,
            birth_date TEXT NOT NULL,
            territory TEXT NOT NULL,
            record_json TEXT NOT NULL
        );
        CREATE UNIQUE INDEX children_pin ON children(pin);
        CREATE INDEX children_name ON children(folded_surname, folded_given, birth_date);
        CREATE INDEX children_territory ON children(territory);",
    )
    .expect("schema");
    let profile = Profile::from_toml(&cheap_profile()).expect("profile");
    let territories = profile.territories().expect("territories");
    let mut gen = Generator::new(&cfg, &territories);
    let mut done = 0usize;
    let mut batch_ms = Vec::new();
    let mut register = Duration::ZERO;
    let started = Instant::now();
    while done < cfg.n {
        let batch = gen.batch(cfg.batch);
        let t = Instant::now();
        let tx = db.transaction().expect("begin");
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO children (id, pin, surname, given_name, folded_surname, folded_given, birth_date, territory, record_json)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .expect("prepare insert");
            for (i, c) in batch.iter().enumerate() {
                let r = &c.record;
                let json = serde_json::to_string(r).expect("json");
                insert
                    .execute(params![
                        (done + i) as i64,
                        r.pin,
                        r.surname,
                        r.given_name,
                        names::fold(&r.surname),
                        names::fold(&r.given_name),
                        r.birth_date.to_string(),
                        r.identified_in.as_str(),
                        json
                    ])
                    .expect("insert");
            }
        }
        tx.commit().expect("commit");
        let e = t.elapsed();
        register += e;
        batch_ms.push(e.as_secs_f64() * 1e3);
        progress("sqlite", done, done + batch.len(), cfg.n, started);
        done += batch.len();
    }
    let t = Instant::now();
    db.pragma_update(None, "wal_checkpoint", "PASSIVE").expect("checkpoint");
    let flush = t.elapsed();

    let (pins, queries, mismatched) = gen.reads(cfg.seed);
    eprintln!("  [sqlite] {} gets by PIN", pins.len());
    let mut pin_us = Vec::with_capacity(pins.len());
    let mut found = 0;
    {
        let mut get = db.prepare_cached("SELECT id, record_json FROM children WHERE pin = ?1").expect("prepare get");
        for (i, pin) in &pins {
            let t = Instant::now();
            let row: Option<(i64, String)> =
                get.query_row(params![pin], |r| Ok((r.get(0)?, r.get(1)?))).optional().expect("get");
            let child: Option<(i64, Child)> = row.map(|(id, j)| (id, serde_json::from_str(&j).expect("record")));
            pin_us.push(t.elapsed().as_secs_f64() * 1e6);
            if child.is_some_and(|(id, c)| id as usize == *i && c.pin.as_deref() == Some(pin.as_str())) {
                found += 1;
            }
        }
    }
    eprintln!("  [sqlite] {} name searches", queries.len());
    let search = {
        let mut by_name = db
            .prepare_cached("SELECT id, record_json FROM children WHERE folded_surname = ?1 AND folded_given = ?2 ORDER BY id LIMIT ?3")
            .expect("prepare search");
        let mut by_name_date = db
            .prepare_cached(
                "SELECT id, record_json FROM children WHERE folded_surname = ?1 AND folded_given = ?2 AND birth_date = ?3 ORDER BY id LIMIT ?4",
            )
            .expect("prepare search");
        run_queries(&queries, |q| {
            let t = Instant::now();
            // Equivalent semantics: folded exact match on surname and given name (+ birth date).
            let words: Vec<String> = q.name.split_whitespace().map(names::fold).collect();
            let (s, g) = (words.first().cloned().unwrap_or_default(), words.get(1).cloned().unwrap_or_default());
            let map = |r: &rusqlite::Row<'_>| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?));
            let rows: Vec<(i64, String)> = match q.birth {
                Some(d) => by_name_date.query_map(params![s, g, d.to_string(), LIMIT as i64], map),
                None => by_name.query_map(params![s, g, LIMIT as i64], map),
            }
            .expect("search")
            .collect::<Result<_, _>>()
            .expect("rows");
            let results: Vec<(i64, Child)> =
                rows.into_iter().map(|(id, j)| (id, serde_json::from_str(&j).expect("record"))).collect();
            let e = t.elapsed();
            (e, results.iter().any(|(id, _)| *id as usize == q.index), results.len())
        })
    };
    let peak = proc_status_kib("VmHWM");
    db.close().map_err(|(_, e)| e).expect("close");
    let disk = dir_size(dir.path());
    finish(
        "sqlite (plain)",
        cfg,
        &gen,
        mismatched,
        register,
        flush,
        batch_ms,
        pin_us,
        found,
        search,
        rss_before,
        peak,
        disk,
    )
}

// ---------------------------------------------------------------- orchestration and report

fn child_phase(phase: &str) -> Figures {
    let exe = std::env::current_exe().expect("current exe");
    let out = std::process::Command::new(exe)
        .env("KAMKOR_BENCH_PHASE", phase)
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("run phase");
    assert!(out.status.success(), "phase {phase} failed: {}", out.status);
    let text = String::from_utf8_lossy(&out.stdout);
    let line =
        text.lines().find_map(|l| l.strip_prefix("RESULT ")).unwrap_or_else(|| panic!("phase {phase}: no result"));
    serde_json::from_str(line).expect("phase result")
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.2}", a / b)
    } else {
        "-".into()
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

fn report(cfg: Config, k: &Figures, s: &Figures, total: Duration) {
    let argv: Vec<String> = std::env::args().collect();
    println!("Kamkor load benchmark");
    println!("=====================");
    println!(
        "command:  KAMKOR_BENCH_N={} KAMKOR_BENCH_BATCH={} KAMKOR_BENCH_SEED={} cargo bench -p kamkor-core --features synth --bench load",
        cfg.n, cfg.batch, cfg.seed
    );
    println!("argv:     {}", argv.join(" "));
    println!("machine:  {} CPUs, {}", std::thread::available_parallelism().map_or(0, |n| n.get()), cpu_model());
    println!(
        "children: {} synthetic (seed {}), batches of {}, {} replaced for a repeated PIN",
        cfg.n, cfg.seed, cfg.batch, k.pins_replaced
    );
    println!("generation (not counted in rates): {:.1} s per engine", k.generation_s);
    println!();
    let w = 44;
    println!(
        "{:<w$} {:>14} {:>14} {:>10} {:>12} {:>7}",
        "measure", "kamkor(sled)", "sqlite", "k/s ratio", "target", "kamkor"
    );
    println!("{}", "-".repeat(w + 14 + 14 + 10 + 12 + 7 + 5));
    let row = |name: &str, a: f64, b: f64, prec: usize, target: &str, ok: Option<bool>| {
        println!(
            "{:<w$} {:>14.prec$} {:>14.prec$} {:>10} {:>12} {:>7}",
            name,
            a,
            b,
            ratio(a, b),
            target,
            ok.map_or("", verdict)
        );
    };
    row("registration, children/s (incl. flush)", k.rate(), s.rate(), 0, ">= 50000", Some(k.rate() >= 50_000.0));
    row("  batch time p50, ms", k.batch_ms.p50, s.batch_ms.p50, 1, "", None);
    row("  batch time p99, ms", k.batch_ms.p99, s.batch_ms.p99, 1, "", None);
    row("  final flush / checkpoint, ms", k.flush_ms, s.flush_ms, 1, "", None);
    row("get by PIN p50, us", k.get_by_pin_us.p50, s.get_by_pin_us.p50, 1, "", None);
    row(
        "get by PIN p99, us",
        k.get_by_pin_us.p99,
        s.get_by_pin_us.p99,
        1,
        "<= 100",
        Some(k.get_by_pin_us.p99 <= 100.0),
    );
    row("get by PIN max, us", k.get_by_pin_us.max, s.get_by_pin_us.max, 1, "", None);
    row("name search p50, ms (all queries)", k.search_all_ms.p50, s.search_all_ms.p50, 2, "", None);
    row(
        "name search p99, ms (all queries)",
        k.search_all_ms.p99,
        s.search_all_ms.p99,
        2,
        "<= 20",
        Some(k.search_all_ms.p99 <= 20.0),
    );
    for (a, b) in k.search.iter().zip(&s.search) {
        row(&format!("  {} p50, ms", a.kind), a.latency_ms.p50, b.latency_ms.p50, 2, "", None);
        row(&format!("  {} p99, ms", a.kind), a.latency_ms.p99, b.latency_ms.p99, 2, "", None);
    }
    row("peak RSS, MiB", k.peak_rss_mib, s.peak_rss_mib, 0, "<= 1024", Some(k.peak_rss_mib <= 1024.0));
    row("size on disk, MiB", k.disk_mib, s.disk_mib, 0, "", None);
    println!();
    println!("Recall of name search (intended child among the top {LIMIT}; \"ideal\" = a random {LIMIT} among the equally good matches):");
    for (a, b) in k.search.iter().zip(&s.search) {
        println!(
            "  {:<28} kamkor {:>4}/{:<4} sqlite {:>4}/{:<4} ideal {:>6.1}   mean results kamkor {:.1}, sqlite {:.1}",
            a.kind, a.hits, a.queries, b.hits, b.queries, a.ideal_hits, a.mean_results, b.mean_results
        );
    }
    println!(
        "PIN lookups returning the right child: kamkor {}/{}, sqlite {}/{}",
        k.pin_found, k.get_by_pin_us.count, s.pin_found, s.get_by_pin_us.count
    );
    for b in &k.breakdown {
        let in_store: f64 = b.store.iter().map(|(_, t, _)| t).sum();
        println!(
            "Kamkor {} breakdown: {:.2} s total, {:.2} s in the store ({:.0}%), {:.2} s in the registry around it",
            b.phase,
            b.total_s,
            in_store,
            100.0 * in_store / b.total_s.max(1e-9),
            b.total_s - in_store
        );
        for (op, t, calls) in &b.store {
            if *calls > 0 {
                println!("    store {op:<22} {t:>8.2} s  {calls:>9} calls  {:>8.1} us/call", t * 1e6 / *calls as f64);
            }
        }
    }
    println!("Latin queries whose fold differs from the stored name: {}", k.latin_fold_mismatches);
    println!(
        "RSS before loading: kamkor {:.0} MiB, sqlite {:.0} MiB (each engine in its own process; the",
        k.rss_before_mib, s.rss_before_mib
    );
    println!("  harness keeps one batch, a PIN set and the picked children, a few tens of MiB).");
    println!();
    println!("What the comparison is: the same children, the same batch size, the same three operations.");
    println!("What it is not: an equal workload. Kamkor seals every record and fact with XChaCha20-Poly1305");
    println!("  under a per-subject key (itself wrapped), keeps blind HMAC index tokens (PIN, name tokens,");
    println!("  match keys, birth date), checks duplicates (PIN and name+birth date) before each batch,");
    println!("  appends a fact per registration and a hash-chained audit entry per registration, per read");
    println!("  and per search, and checks the session and access rights on every call. Kamkor's search");
    println!("  tolerates misspellings when a birth date is given and scores every candidate. SQLite here");
    println!("  stores plaintext JSON with folded-name columns, no audit, no access checks, and matches");
    println!("  folded names exactly. Ratio = kamkor / sqlite: above 1 for times means Kamkor is slower,");
    println!("  below 1 for the rate means Kamkor is slower.");
    println!();
    println!("total wall time: {:.0} s", total.as_secs_f64());
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("model name").map(|r| r.trim_start_matches([' ', '\t', ':']).to_string()))
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn main() {
    let cfg = Config::from_env();
    match std::env::var("KAMKOR_BENCH_PHASE").as_deref() {
        Ok("sled") => {
            let f = run_sled(cfg);
            println!("RESULT {}", serde_json::to_string(&f).expect("json"));
        }
        Ok("sqlite") => {
            let f = run_sqlite(cfg);
            println!("RESULT {}", serde_json::to_string(&f).expect("json"));
        }
        _ => {
            let t = Instant::now();
            eprintln!("kamkor load benchmark: N={} batch={} seed={}", cfg.n, cfg.batch, cfg.seed);
            eprintln!("phase 1: kamkor on sled");
            let k = child_phase("sled");
            eprintln!("phase 2: plain SQLite");
            let s = child_phase("sqlite");
            report(cfg, &k, &s, t.elapsed());
        }
    }
}
