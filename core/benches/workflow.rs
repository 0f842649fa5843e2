//! Workflow benchmarks (issue 3): working-day arithmetic, plan generation per case, and
//! the due list over many cases in one territory's scope. Prints figures; not a test.
//!
//! `KAMKOR_BENCH_CASES=1000000 cargo bench -p kamkor-core --bench workflow`
#![allow(clippy::disallowed_methods)] // Instant::now: wall-clock timing is the point of a benchmark.
#![allow(missing_docs)]

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use kamkor_core::calendar::Calendar;
use kamkor_core::case::BasisDocument;
use kamkor_core::plan::{generate, Severity, Situation};
use kamkor_core::registry::{DueQuery, OpenCase};
use kamkor_core::store::SledStore;
use kamkor_core::{Env, ManualClock, NewUser, Profile, Registry, TerritoryCode};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn calendar_ops() {
    let cal = Calendar::kyrgyzstan().expect("calendar");
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
    let n = 2_000_000u32;
    let t = Instant::now();
    let mut acc = 0i64;
    for i in 0..n {
        let from = start + Duration::days(i64::from(i % 1000));
        acc += black_box(cal.add_working_days(from, 1 + i % 20)).ordinal() as i64;
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "working-day arithmetic: {:.2} M add_working_days/s (1..20 days, 2025-2027)  [target >= 1 M/s]  ({acc})",
        f64::from(n) / secs / 1e6
    );
}

use chrono::Datelike;

fn plan_generation(profile: &Profile) {
    let plan = profile.plan.as_ref().expect("plan");
    let codes: Vec<&str> = plan.circumstances.iter().map(|c| c.code.as_str()).collect();
    let mut times = Vec::new();
    let mut total = 0usize;
    let t0 = Instant::now();
    for i in 0..20_000usize {
        let circ: Vec<(String, Severity)> =
            (0..5).map(|k| (codes[(i * 7 + k * 11) % codes.len()].to_string(), Severity::High)).collect();
        let s = Situation {
            circumstances: &circ,
            age_years: (i % 18) as u32,
            disability: i % 9 == 0,
            sex: if i % 2 == 0 { "female" } else { "male" },
            legal_status: "with_parents",
        };
        let t = Instant::now();
        total += black_box(generate(plan, &s)).len();
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let all = t0.elapsed().as_secs_f64();
    println!(
        "plan generation (5 circumstances, {} rules): p50 {:.1} µs, p99 {:.1} µs per case, {:.0} cases/s  [target <= 50 µs]  ({total} measures)",
        plan.rules.len(),
        percentile(&mut times.clone(), 0.5),
        percentile(&mut times, 0.99),
        20_000.0 / all
    );
}

fn due_list(profile_text: &str, n: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(SledStore::open(dir.path()).expect("sled"));
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).single().expect("t")));
    let cheap = profile_text
        .replace("argon2_memory_kib = 19456", "argon2_memory_kib = 64")
        .replace("argon2_iterations = 2", "argon2_iterations = 1");
    let user = |login: &str, role: &str, territory: &str| NewUser {
        login: login.into(),
        surname: "Асанова".into(),
        given_name: "Гүлзат".into(),
        patronymic: None,
        pin: None,
        position: "Специалист".into(),
        agency: "Agency".into(),
        agency_inn: "111".into(),
        address: "Бишкек".into(),
        territory: TerritoryCode::parse(territory).expect("code"),
        role: role.into(),
        valid_from: NaiveDate::from_ymd_opt(2026, 1, 1).expect("d"),
        valid_until: NaiveDate::from_ymd_opt(2027, 12, 31).expect("d"),
        password: Some("correct horse battery".into()),
        external_login: false,
    };
    let reg = Registry::create(
        store,
        &cheap,
        &kamkor_core::Key::from_bytes([3; 32]),
        Env::seeded(clock.clone(), 1),
        user("admin", "administrator", "41700000000000"),
    )
    .expect("create");
    let admin = reg.login("admin", "correct horse battery").expect("login");
    reg.add_user(&admin, user("root", "specialist", "41700000000000")).expect("user");
    let root = reg.login("root", "correct horse battery").expect("login");
    let mut synth = kamkor_core::synth::Synth::new(11, reg.territories(), clock.today_for_bench());
    let t = Instant::now();
    let mut ids = Vec::with_capacity(n);
    let mut k = 0usize;
    while ids.len() < n {
        let batch: Vec<_> = (0..5000.min(n - ids.len()))
            .map(|_| {
                let mut c = synth.child();
                k += 1;
                // One in fifty is an adult past the retention age of 28.
                if k % 50 == 0 {
                    c.record.birth_date = NaiveDate::from_ymd_opt(1990, 1, 1 + (k % 28) as u32).expect("d");
                }
                c
            })
            .collect();
        ids.extend(reg.register_children(&root, batch).expect("register").into_iter().map(|r| r.id));
    }
    let reg_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let doc = BasisDocument {
        kind: "agency_letter".into(),
        number: "1".into(),
        date: NaiveDate::from_ymd_opt(2026, 11, 20).expect("d"),
        issuer: "x".into(),
    };
    for (i, id) in ids.iter().enumerate() {
        let opening = if i % 10 == 0 { "signal" } else { "identification" };
        let req = OpenCase {
            child: *id,
            opening: opening.into(),
            ground: "agency_report".into(),
            document: doc.clone(),
            received_at: None,
        };
        reg.open_case(&root, req).expect("open");
        if i % 50_000 == 0 {
            clock.advance(Duration::hours(1));
        }
    }
    let open_secs = t.elapsed().as_secs_f64();
    reg.flush().expect("flush");
    // One district's specialist, and one oblast's territorial reader.
    reg.add_user(&admin, user("alamudun", "specialist", "41708203000000")).expect("user");
    reg.add_user(&admin, user("chui", "territorial_reader", "41708000000000")).expect("user");
    clock.advance(Duration::days(4));
    for who in ["alamudun", "chui"] {
        let s = reg.login(who, "correct horse battery").expect("login");
        let mut times = Vec::new();
        let mut items = 0;
        for _ in 0..30 {
            let t = Instant::now();
            items = reg.due(&s, &DueQuery { limit: Some(100), ..Default::default() }).expect("due").len();
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        println!(
            "due list for {who} over {n} cases: p50 {:.1} ms, p99 {:.1} ms (top {items} of its scope)  [target <= 50 ms]",
            percentile(&mut times.clone(), 0.5),
            percentile(&mut times, 0.99)
        );
    }
    println!("(setup: {n} children registered in {reg_secs:.1} s, {n} cases opened one by one in {open_secs:.1} s = {:.0} cases/s)", n as f64 / open_secs);
    let admin = reg.login("admin", "correct horse battery").expect("login");
    reports_and_retention(&reg, &admin, &clock, n);
}

fn reports_and_retention(reg: &Registry, admin: &kamkor_core::Session, clock: &ManualClock, n: usize) {
    let user = |login: &str, role: &str| NewUser {
        login: login.into(),
        surname: "Асанова".into(),
        given_name: "Гүлзат".into(),
        patronymic: None,
        pin: None,
        position: "x".into(),
        agency: "x".into(),
        agency_inn: "222".into(),
        address: "x".into(),
        territory: TerritoryCode::parse("41700000000000").expect("code"),
        role: role.into(),
        valid_from: NaiveDate::from_ymd_opt(2026, 1, 1).expect("d"),
        valid_until: NaiveDate::from_ymd_opt(2027, 12, 31).expect("d"),
        password: Some("correct horse battery".into()),
        external_login: false,
    };
    reg.add_user(admin, user("central", "central_reader")).expect("user");
    let central = reg.login("central", "correct horse battery").expect("login");
    let req = kamkor_core::registry::ReportRequest {
        report: kamkor_core::registry::ReportKind::Consolidated,
        territory: None,
        depersonalized: false,
    };
    let mut times = Vec::new();
    for i in 0..10 {
        let t = Instant::now();
        let r = reg
            .report(&central, &kamkor_core::registry::ReportRequest { depersonalized: i % 2 == 1, ..req.clone() })
            .expect("report");
        times.push(t.elapsed().as_secs_f64() * 1e3);
        black_box(r);
    }
    println!(
        "consolidated republic report over {n} children: p50 {:.1} ms, max {:.1} ms  [target <= 500 ms]",
        percentile(&mut times.clone(), 0.5),
        percentile(&mut times, 1.0)
    );
    let before = reg.report(&central, &req).expect("report");
    let t = Instant::now();
    let mut archive = Vec::new();
    let r = reg.retention_run(admin, &mut archive).expect("retention");
    let secs = t.elapsed().as_secs_f64();
    let after = reg.report(&central, &req).expect("report");
    println!(
        "retention run over {n} children: {secs:.1} s, erased {} children and {} cases, archive {:.1} MB, keyring re-wrapped  [target <= 60 s]; reports unchanged: {}",
        r.erased_children,
        r.erased_cases,
        archive.len() as f64 / 1e6,
        before.tables == after.tables
    );
    let _ = clock;
}

trait Today {
    fn today_for_bench(&self) -> NaiveDate;
}
impl Today for ManualClock {
    fn today_for_bench(&self) -> NaiveDate {
        kamkor_core::Clock::today(self)
    }
}

fn main() {
    let n: usize = std::env::var("KAMKOR_BENCH_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    println!("kamkor workflow benchmark: KAMKOR_BENCH_CASES={n} cargo bench -p kamkor-core --bench workflow");
    let profile = Profile::kyrgyzstan().expect("profile");
    calendar_ops();
    plan_generation(&profile);
    due_list(kamkor_core::profile::KYRGYZSTAN_TOML, n);
}
