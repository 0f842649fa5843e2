//! Bulk import throughput (issue 5): a synthetic household book of N members (default
//! 1,000,000) imported through the Rust API, with validation, matching and audit, on the
//! memory store and on sled; and the same rows as a plain mapped CSV import.
//!
//! `cargo bench -p kamkor-core --features synth --bench import -- [MEMBERS] [memory|sled|both]`
//! Prints rows/s per run; the Python figure comes from `bindings/python/bench/import_bench.py`.

#![allow(clippy::disallowed_methods)] // a benchmark measures wall-clock time

use kamkor_core::import::{ImportOptions, Mapping, Mode};
use kamkor_core::store::{MemoryStore, SledStore, Store};
use kamkor_core::synth::Synth;
use kamkor_core::{Env, Key, ManualClock, NewUser, Registry, Territories};
use std::sync::Arc;
use std::time::Instant;

const PROFILE: &str = kamkor_core::profile::KYRGYZSTAN_TOML;

fn user(login: &str, role: &str) -> NewUser {
    serde_json::from_value(serde_json::json!({
        "login": login, "surname": "Асанова", "given_name": "Гүлзат", "position": "Специалист",
        "role": role, "territory": "41700000000000", "agency": "Министерство", "agency_inn": "00000000000001",
        "address": "Бишкек", "valid_from": "2000-01-01", "valid_until": "2099-12-31", "password": "correct horse battery"
    }))
    .expect("user")
}

fn registry(store: Arc<dyn Store>) -> (Registry, kamkor_core::Session) {
    let profile = PROFILE
        .lines()
        .map(|l| {
            let t = l.trim_start();
            if t.starts_with("argon2_memory_kib") {
                "argon2_memory_kib = 64"
            } else if t.starts_with("argon2_iterations") {
                "argon2_iterations = 1"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let clock = Arc::new(ManualClock::new("2026-11-23T09:00:00Z".parse().expect("time")));
    let reg = Registry::create(
        store,
        &profile,
        &Key::from_bytes([7; 32]),
        Env::seeded(clock, 1),
        user("admin", "administrator"),
    )
    .expect("create");
    let admin = reg.login("admin", "correct horse battery").expect("login");
    reg.add_user(&admin, user("national", "specialist")).expect("user");
    let s = reg.login("national", "correct horse battery").expect("login");
    (reg, s)
}

fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()))
        .map(|kib| kib / 1024)
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let members: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let which = args.get(1).cloned().unwrap_or_else(|| "memory".into());
    let territories = Territories::kyrgyzstan();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
    let mut synth = Synth::new(2026, &territories, today);
    let t = Instant::now();
    // About 4.6 members per household.
    let book = synth.household_book(members * 10 / 46);
    let rows = book.lines().count() - 1;
    println!("generated {rows} member rows ({} MiB) in {:.1} s", book.len() >> 20, t.elapsed().as_secs_f64());
    let opts = ImportOptions { mode: Mode::RowByRow, file_name: "book.csv".into(), encoding: None };
    let stores: Vec<&str> = if which == "both" { vec!["memory", "sled"] } else { vec![which.as_str()] };
    for kind in stores {
        let dir = tempfile::tempdir().expect("tmp");
        let store: Arc<dyn Store> = match kind {
            "sled" => Arc::new(SledStore::open(dir.path()).expect("sled")),
            _ => Arc::new(MemoryStore::new()),
        };
        let (reg, s) = registry(store);
        let t = Instant::now();
        let r = reg.import_household_book(&s, book.as_bytes(), &opts, &mut |_| {}).expect("import");
        reg.flush().expect("flush");
        let secs = t.elapsed().as_secs_f64();
        println!(
            "household book, {kind}: {rows} rows in {secs:.1} s = {:.0} rows/s ({} children, {} families, {} signals, {} rejected); peak RSS {} MiB",
            rows as f64 / secs,
            r.created,
            r.families,
            r.signals.len(),
            r.rejected.len(),
            peak_rss_mib()
        );
    }
    // The same members as a plain mapped import (every row a child, no families).
    let mapping = Mapping::from_toml(
        r#"source = "household_book"
system = "bench"
date_formats = ["%d.%m.%Y"]
[columns]
surname = "surname"
given_name = "given_name"
sex = "sex"
birth_date = "birth_date"
pin = "pin"
soate = "identified_in"
"#,
    )
    .expect("mapping");
    let (reg, s) = registry(Arc::new(MemoryStore::new()));
    let t = Instant::now();
    let r = reg.import(&s, book.as_bytes(), &mapping, &opts, &mut |_| {}).expect("import");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "mapped CSV, memory: {rows} rows in {secs:.1} s = {:.0} rows/s ({} created, {} rejected, {} review)",
        rows as f64 / secs,
        r.created,
        r.rejected.len(),
        r.review.len()
    );
}
