//! Profiles in their JSON form (`profile::text`): what the WebAssembly package stores opens in a
//! native build, through `Registry::open` and a backup restored into another store.

mod common;
use common::{clock, key, user, PASSWORD};
use kamkor_core::profile::{self, Profile};
use kamkor_core::store::MemoryStore;
use kamkor_core::{Env, Registry};
use std::sync::Arc;

/// The Kyrgyz profile's JSON form with cheap Argon2 settings, as the browser would give it.
fn json_profile() -> String {
    let mut v: serde_json::Value =
        serde_json::from_str(profile::builtin_json("kyrgyzstan").expect("shipped")).expect("json");
    v["security"]["argon2_memory_kib"] = 64.into();
    v["security"]["argon2_iterations"] = 1.into();
    v.to_string()
}

#[test]
fn a_registry_created_with_a_json_profile_opens_and_restores_natively() {
    let text = json_profile();
    let store = Arc::new(MemoryStore::new());
    let reg = Registry::create(
        store.clone(),
        &text,
        &key(),
        Env::seeded(clock(), 3),
        user("admin", "administrator", "41700000000000", "1"),
    )
    .expect("create");
    let mut file = Vec::new();
    kamkor_core::backup::write_backup(store.as_ref(), &mut file).expect("backup");
    let expected = Profile::from_toml(&common::cheap(profile::KYRGYZSTAN_TOML)).expect("toml");
    assert_eq!(reg.profile(), &expected, "the JSON form reads as the TOML does");
    drop(reg);

    let again = Registry::open(store, &key(), Env::seeded(clock(), 4)).expect("open");
    assert_eq!(again.profile(), &expected);
    again.login("admin", PASSWORD).expect("login");

    let (restored, _) =
        Registry::restore(Arc::new(MemoryStore::new()), &mut file.as_slice(), &key(), Env::seeded(clock(), 5))
            .expect("restore");
    assert_eq!(restored.profile(), &expected);
}

#[test]
fn a_broken_json_profile_is_refused_with_its_line() {
    let result = Registry::create(
        Arc::new(MemoryStore::new()),
        "{\n  \"profile\": {\n    \"id\": 1\n  }\n}",
        &key(),
        Env::seeded(clock(), 3),
        user("admin", "administrator", "41700000000000", "1"),
    );
    let Err(e) = result else { panic!("a broken JSON profile was accepted") };
    assert_eq!(e.reason, "PROFILE_SYNTAX");
    assert_eq!(e.args.get("line").map(String::as_str), Some("3"));
}
