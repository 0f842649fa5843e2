//! Sync benchmarks (issue 7): merging 10,000 offline changes from 50 devices into the central
//! registry (target ≤ 1 s) and a device's initial download of a 10,000-child scope (target
//! ≤ 5 s), on the memory store and on sled. Prints figures; not a test.
//!
//! `cargo bench -p kamkor-core --bench sync`
#![allow(clippy::disallowed_methods)] // Instant::now: wall-clock timing is the point of a benchmark.
#![allow(missing_docs)]

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use kamkor_core::model::FieldChange;
use kamkor_core::registry::{LinkKind, NewChild, NewLink};
use kamkor_core::store::{MemoryStore, SledStore, Store};
use kamkor_core::sync::{Enrolment, LinkSecret};
use kamkor_core::{Env, Key, ManualClock, NewUser, Provenance, Registry, Session, SubjectId, TerritoryCode};
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::time::Instant;

const INN: &str = "00000000000002";
const CHUI: &str = "41708000000000";

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn user(login: &str, role: &str, territory: &str) -> NewUser {
    NewUser {
        login: login.into(),
        surname: "Асанова".into(),
        given_name: "Гүлзат".into(),
        patronymic: None,
        pin: None,
        position: "Специалист".into(),
        agency: "Agency".into(),
        agency_inn: INN.into(),
        address: "Бишкек".into(),
        territory: TerritoryCode::parse(territory).expect("territory"),
        role: role.into(),
        valid_from: date("2026-01-01"),
        valid_until: date("2027-12-31"),
        password: Some("correct horse battery".into()),
        external_login: false,
    }
}

fn child(i: usize) -> NewChild {
    serde_json::from_value(serde_json::json!({
        "record": {
            "surname": format!("Фамилия{i}"), "given_name": "Айбек", "sex": "female",
            "birth_date": "2015-01-01", "identified_on": "2026-10-01", "identified_in": CHUI,
            "legal_status": "with_parents", "disability": {"present": false}
        },
        "provenance": {"source": "specialist", "received_on": "2026-10-01"}
    }))
    .expect("child")
}

fn profile() -> String {
    kamkor_core::profile::KYRGYZSTAN_TOML
        .replace("argon2_memory_kib = 19456", "argon2_memory_kib = 64")
        .replace("argon2_iterations = 2", "argon2_iterations = 1")
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).single().expect("time")))
}

struct Centre {
    reg: Registry,
    admin: Session,
    children: Vec<SubjectId>,
    enrolments: Vec<Enrolment>,
    scopes: Vec<Vec<u8>>,
}

/// A centre built identically every time (seeded): `children` in Chui, a device per public key.
fn centre(store: Arc<dyn Store>, children: usize, publics: &[String], scopes: bool) -> Centre {
    let reg = Registry::create(
        store,
        &profile(),
        &Key::from_bytes([7; 32]),
        Env::seeded(clock(), 42),
        user("admin", "administrator", "41700000000000"),
    )
    .expect("create");
    let admin = reg.login("admin", "correct horse battery").expect("login");
    reg.add_user(&admin, user("clerk", "specialist", CHUI)).expect("clerk");
    let clerk = reg.login("clerk", "correct horse battery").expect("login");
    let mut ids = Vec::with_capacity(children);
    for chunk in (0..children).collect::<Vec<_>>().chunks(1000) {
        let batch = chunk.iter().map(|i| child(*i)).collect();
        ids.extend(reg.register_children(&clerk, batch).expect("register").into_iter().map(|r| r.id));
    }
    let mut enrolments = Vec::new();
    let mut out = Vec::new();
    for (d, public) in publics.iter().enumerate() {
        let login = format!("w{d:02}");
        reg.add_user(&admin, user(&login, "specialist", CHUI)).expect("worker");
        let e = reg
            .enrol_link(
                &admin,
                NewLink {
                    kind: LinkKind::Device,
                    login: Some(login),
                    territory: None,
                    public_key: public.clone(),
                    valid_until: date("2027-06-30"),
                },
            )
            .expect("enrol");
        if scopes {
            out.push(reg.export_scope(&admin, &e.link).expect("scope"));
        }
        enrolments.push(e);
    }
    Centre { reg, admin, children: ids, enrolments, scopes: out }
}

fn sled() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SledStore::open(dir.path()).expect("sled");
    (dir, Arc::new(store))
}

fn merge(kind: &str, bundles: &[Vec<u8>], publics: &[String]) {
    let (_dir, store): (Option<tempfile::TempDir>, Arc<dyn Store>) = match kind {
        "sled" => {
            let (d, s) = sled();
            (Some(d), s)
        }
        _ => (None, Arc::new(MemoryStore::new())),
    };
    let c = centre(store, 1000, publics, true);
    let t = Instant::now();
    let mut applied = 0;
    let mut conflicts = 0;
    for b in bundles {
        let r = c.reg.import_changes(&c.admin, b).expect("import");
        applied += r.applied;
        conflicts += r.conflicts.len();
    }
    let imported = t.elapsed();
    c.reg.flush().expect("flush");
    let took = t.elapsed();
    println!(
        "merge [{kind}]: {applied} changes from {} bundles of {} devices in {:.3} s ({:.3} s import + {:.3} s flush; {:.0} changes/s), {conflicts} conflict reports",
        bundles.len(),
        publics.len(),
        took.as_secs_f64(),
        imported.as_secs_f64(),
        (took - imported).as_secs_f64(),
        applied as f64 / took.as_secs_f64()
    );
}

fn download(kind: &str, n: usize) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(9);
    let secret = LinkSecret::generate(&mut rng);
    let (_d1, centre_store): (Option<tempfile::TempDir>, Arc<dyn Store>) = match kind {
        "sled" => {
            let (d, s) = sled();
            (Some(d), s)
        }
        _ => (None, Arc::new(MemoryStore::new())),
    };
    let c = centre(centre_store, n, &[secret.public_key()], false);
    let secret = secret.complete(&c.enrolments[0], None);
    let t = Instant::now();
    let scope = c.reg.export_scope(&c.admin, &secret.link).expect("scope");
    let exported = t.elapsed();
    let (_d2, device_store): (Option<tempfile::TempDir>, Arc<dyn Store>) = match kind {
        "sled" => {
            let (d, s) = sled();
            (Some(d), s)
        }
        _ => (None, Arc::new(MemoryStore::new())),
    };
    let t2 = Instant::now();
    let dev =
        Registry::create_device(device_store, &Key::from_bytes([3; 32]), Env::seeded(clock(), 5), &secret, &scope)
            .expect("device");
    dev.flush().expect("flush");
    let created = t2.elapsed();
    let s = dev.login("w00", "correct horse battery").expect("login");
    let total = dev.list_children(&s, None, 0, 1).expect("list").total;
    assert_eq!(total, n);
    println!(
        "download [{kind}]: scope of {n} children, bundle {:.1} MB: export {:.3} s + device creation {:.3} s = {:.3} s",
        scope.len() as f64 / 1e6,
        exported.as_secs_f64(),
        created.as_secs_f64(),
        (exported + created).as_secs_f64()
    );
}

fn main() {
    // 50 devices × 200 offline changes each = 10,000, on a centre of 1,000 children.
    let devices = 50;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let secrets: Vec<LinkSecret> = (0..devices).map(|_| LinkSecret::generate(&mut rng)).collect();
    let publics: Vec<String> = secrets.iter().map(LinkSecret::public_key).collect();
    let base = centre(Arc::new(MemoryStore::new()), 1000, &publics, true);
    let mut bundles = Vec::new();
    for (d, secret) in secrets.iter().enumerate() {
        let secret = secret.clone().complete(&base.enrolments[d], None);
        let clock = clock();
        let dev = Registry::create_device(
            Arc::new(MemoryStore::new()),
            &Key::from_bytes([d as u8 + 1; 32]),
            Env::seeded(clock.clone(), d as u64),
            &secret,
            &base.scopes[d],
        )
        .expect("device");
        let s = dev.login(&format!("w{d:02}"), "correct horse battery").expect("login");
        let prov = Provenance { source: "specialist".into(), received_on: date("2026-11-20"), reference: None };
        for _ in 0..200 {
            // One working day: a session lasts it.
            clock.advance(Duration::seconds(rng.gen_range(1..120)));
            let id = if rng.gen_bool(0.9) {
                base.children[d * 20 + rng.gen_range(0..20)]
            } else {
                base.children[rng.gen_range(0..base.children.len())]
            };
            let field = ["housing", "identified_place", "needs.school", "needs.food"][rng.gen_range(0..4)];
            let value = format!("v{}", rng.gen_range(0..3));
            dev.update_child(
                &s,
                &id,
                vec![FieldChange { field: field.into(), value: value.into() }],
                prov.clone(),
                None,
                None,
            )
            .expect("edit");
        }
        bundles.push(dev.export_changes(&s, &secret, 0, None).expect("export"));
    }
    let size: usize = bundles.iter().map(Vec::len).sum();
    println!("bundles: {} of {:.2} MB in all", bundles.len(), size as f64 / 1e6);
    merge("memory", &bundles, &publics);
    merge("sled", &bundles, &publics);
    let n = std::env::var("KAMKOR_BENCH_SCOPE").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    download("memory", n);
    download("sled", n);
}
