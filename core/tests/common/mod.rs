//! Shared fixtures: a registry with cheap password hashing, users of every role.
#![allow(dead_code)]

use chrono::{NaiveDate, TimeZone, Utc};
use kamkor_core::store::{MemoryStore, Store};
use kamkor_core::territory::TerritoryCode;
use kamkor_core::{Env, Key, ManualClock, NewUser, Registry, Session};
use std::sync::Arc;

pub const KG: &str = kamkor_core::profile::KYRGYZSTAN_TOML;
pub const PASSWORD: &str = "correct horse battery";

/// The Kyrgyz profile with cheap Argon2 settings (tests hash many passwords).
pub fn cheap(profile: &str) -> String {
    profile
        .replace("argon2_memory_kib = 19456", "argon2_memory_kib = 64")
        .replace("argon2_iterations = 2", "argon2_iterations = 1")
}

pub fn code(s: &str) -> TerritoryCode {
    TerritoryCode::parse(s).expect("territory code")
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).single().expect("time")))
}

pub fn key() -> Key {
    Key::from_bytes([7u8; 32])
}

pub fn user(login: &str, role: &str, territory: &str, inn: &str) -> NewUser {
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
        territory: code(territory),
        role: role.into(),
        valid_from: date("2026-01-01"),
        valid_until: date("2027-12-31"),
        password: Some(PASSWORD.into()),
        external_login: false,
    }
}

pub struct Fixture {
    pub reg: Registry,
    pub clock: Arc<ManualClock>,
    pub store: Arc<dyn Store>,
    pub admin: Session,
}

impl Fixture {
    pub fn new_in(store: Arc<dyn Store>, profile: &str) -> Fixture {
        let clock = clock();
        let reg = Registry::create(
            store.clone(),
            profile,
            &key(),
            Env::seeded(clock.clone(), 42),
            user("admin", "administrator", "41700000000000", "00000000000001"),
        )
        .expect("create");
        let admin = reg.login("admin", PASSWORD).expect("admin login");
        Fixture { reg, clock, store, admin }
    }

    pub fn new() -> Fixture {
        Fixture::new_in(Arc::new(MemoryStore::new()), &cheap(KG))
    }

    /// Adds a user and signs them in.
    pub fn session(&self, login: &str, role: &str, territory: &str, inn: &str) -> Session {
        self.reg.add_user(&self.admin, user(login, role, territory, inn)).expect("add user");
        self.reg.login(login, PASSWORD).expect("login")
    }

    pub fn audit_len(&self) -> usize {
        self.store.len(kamkor_core::store::Tree::Audit).expect("len")
    }
}

/// A valid child in a territory.
pub fn child(surname: &str, given: &str, pin: Option<&str>, territory: &str) -> kamkor_core::registry::NewChild {
    let json = serde_json::json!({
        "record": {
            "surname": surname,
            "given_name": given,
            "sex": "female",
            "birth_date": "2015-01-01",
            "pin": pin,
            "identified_on": "2026-10-01",
            "identified_in": territory,
            "legal_status": "with_parents",
            "relatives": [{"relation": "mother", "presence": "abroad_migrant", "surname": "Асанова", "given_name": "Жылдыз"}],
            "disability": {"present": false},
        },
        "provenance": {"source": "specialist", "received_on": "2026-10-01"}
    });
    serde_json::from_value(json).expect("child json")
}

pub const CHUI: &str = "41708000000000";
pub const BISHKEK: &str = "41711000000000";
pub const LENINSKY: &str = "41711201000000";
pub const OSH_CITY: &str = "41721000000000";
/// 1 (female) + 01.01.2015 + serial.
pub const PIN_A: &str = "10101201500011";
pub const PIN_B: &str = "10101201500012";

pub trait NowForTest {
    fn now_for_test(&self) -> chrono::DateTime<chrono::Utc>;
}

impl NowForTest for ManualClock {
    fn now_for_test(&self) -> chrono::DateTime<chrono::Utc> {
        kamkor_core::Clock::now(self)
    }
}
