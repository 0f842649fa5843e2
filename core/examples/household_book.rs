//! Writes a synthetic Sanarip aimak household book export (no real person) to stdout:
//! `cargo run -p kamkor-core --features synth --example household_book -- [HOUSEHOLDS] [SEED]`.

use kamkor_core::synth::Synth;
use kamkor_core::Territories;
use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let households: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(200);
    let seed: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(2026);
    let territories = Territories::kyrgyzstan();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).ok_or("date")?;
    let mut synth = Synth::new(seed, &territories, today);
    std::io::stdout().write_all(synth.household_book(households).as_bytes())?;
    Ok(())
}
