//! The Rust side of the import benchmark: the same household book import as
//! `bench_import.py`, through the Rust API, for the Python/Rust ratio.
//!
//! `cargo run --release -p kamkor-python --example bench_import -- BOOK [MODE]` prints one JSON
//! line: rows, seconds, rows per second.

use kamkor_core::import::{ImportOptions, Mode};
use kamkor_core::store::MemoryStore;
use kamkor_core::{Env, Key, ManualClock, NewUser, Registry};
use std::sync::Arc;

const PASSWORD: &str = "correct horse battery";

fn user(login: &str, role: &str, inn: &str) -> Result<NewUser, serde_json::Error> {
    serde_json::from_value(serde_json::json!({
        "login": login, "surname": "Асанова", "given_name": "Гүлзат", "position": "Специалист",
        "agency": "Агентство", "agency_inn": inn, "address": "Бишкек", "territory": "41700000000000",
        "role": role, "valid_from": "2000-01-01", "valid_until": "2099-12-31", "password": PASSWORD
    }))
}

// A benchmark host measures wall time: the one place it reads the clock.
#[allow(clippy::disallowed_methods)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).ok_or("usage: bench_import BOOK [validate|all_or_nothing|row_by_row]")?;
    let mode = Mode::parse(args.get(2).map(String::as_str).unwrap_or("row_by_row")).ok_or("bad mode")?;
    let bytes = std::fs::read(path)?;
    let clock = Arc::new(ManualClock::new("2026-11-23T09:00:00Z".parse()?));
    let reg = Registry::create(
        Arc::new(MemoryStore::new()),
        kamkor_core::profile::KYRGYZSTAN_TOML,
        &Key::from_bytes([7u8; 32]),
        Env::seeded(clock, 42),
        user("admin", "administrator", "00000000000001")?,
    )?;
    let admin = reg.login("admin", PASSWORD)?;
    reg.add_user(&admin, user("migration", "specialist", "00000000000002")?)?;
    let session = reg.login("migration", PASSWORD)?;
    let file_name = std::path::Path::new(path).file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let options = ImportOptions { mode, file_name, encoding: None };
    let t0 = std::time::Instant::now();
    let report = reg.import_household_book(&session, &bytes, &options, &mut |_| {})?;
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({"rows": report.rows, "created": report.created, "rejected": report.rejected.len(),
                           "signals": report.signals.len(), "seconds": secs, "rows_per_second": report.rows as f64 / secs})
    );
    Ok(())
}
