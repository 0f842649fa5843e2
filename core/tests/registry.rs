//! Behaviour of the registry facade: records, identifiers, duplicates, history, accounts.

mod common;
use common::*;
use kamkor_core::registry::SearchQuery;
use kamkor_core::store::{Store, Tree};
use kamkor_core::{ErrorCode, FieldChange, Lang, Provenance};

fn prov() -> Provenance {
    Provenance { source: "education".into(), received_on: date("2026-11-01"), reference: Some("letter 12".into()) }
}

#[test]
fn register_read_update_history() {
    let f = Fixture::new();
    let spec = f.session("spec", "specialist", BISHKEK, "111");
    let r = f.reg.register_child(&spec, child("Асанова", "Айгүл", Some(PIN_A), LENINSKY)).expect("register");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let v = f.reg.get_child(&spec, &r.id).expect("read");
    assert_eq!(v.record.given_name, "Айгүл");
    assert_eq!(v.version, 1);
    let changes = vec![
        FieldChange { field: "legal_status".into(), value: "guardianship".into() },
        FieldChange { field: "needs.school".into(), value: "Не посещает школу".into() },
    ];
    let v2 = f.reg.update_child(&spec, &r.id, changes, prov(), Some("visit".into()), Some(1)).expect("update");
    assert_eq!(v2.version, 2);
    assert_eq!(v2.record.legal_status, "guardianship");
    assert_eq!(v2.record.needs.get("school").map(String::as_str), Some("Не посещает школу"));
    // A stale base version is refused and changes nothing.
    let stale = f.reg.update_child(
        &spec,
        &r.id,
        vec![FieldChange { field: "housing".into(), value: "x".into() }],
        prov(),
        None,
        Some(1),
    );
    assert_eq!(stale.expect_err("stale").reason, "STALE_VERSION");
    let h = f.reg.history(&spec, &r.id).expect("history");
    assert_eq!(h.len(), 2);
    assert_eq!(h[1].base_version, 1);
    assert_eq!(h[1].author, h[0].author);
    match &h[1].fact {
        kamkor_core::facts::FactBody::Changed { provenance, .. } => {
            assert_eq!(provenance.reference.as_deref(), Some("letter 12"))
        }
        other => panic!("unexpected {other:?}"),
    }
    // Current state is derived: the first fact still holds the registered status.
    match &h[0].fact {
        kamkor_core::facts::FactBody::ChildRegistered { record, .. } => assert_eq!(record.legal_status, "with_parents"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn pin_checks_and_flags() {
    let f = Fixture::new();
    let spec = f.session("spec", "specialist", BISHKEK, "111");
    // Male PIN for a child entered as female, with another birth date: warnings, not errors.
    let r =
        f.reg.register_child(&spec, child("Асанова", "Айгүл", Some("2 0202 2014 00001"), LENINSKY)).expect("register");
    let codes: Vec<_> = r.warnings.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(codes, ["PIN_SEX_MISMATCH", "PIN_BIRTH_DATE_MISMATCH"]);
    assert!(r.warnings[0].localized(Lang::Ru).contains("ПИН"));
    // No PIN: allowed and flagged.
    let r = f.reg.register_child(&spec, child("Токтогулова", "Асель", None, LENINSKY)).expect("register");
    assert_eq!(r.warnings[0].code, "NO_PIN");
    assert_eq!(f.reg.get_child(&spec, &r.id).expect("read").flags, ["NO_PIN"]);
}

#[test]
fn bad_input_is_coded_localized_and_changes_nothing() {
    let f = Fixture::new();
    let spec = f.session("spec", "specialist", BISHKEK, "111");
    let before = (f.store.len(Tree::Facts).expect("len"), f.store.len(Tree::State).expect("len"));
    let mut future = child("Асанова", "Айгүл", None, LENINSKY);
    future.record.birth_date = date("2030-01-01");
    let mut unknown_code = child("Асанова", "Айгүл", None, LENINSKY);
    unknown_code.record.legal_status = "pirate".into();
    let cases = [
        (child("Асанова", "Айгүл", Some("123"), LENINSKY), "PIN_LENGTH", "pin"),
        (child("Асанова", "Айгүл", Some("30101201500011"), LENINSKY), "PIN_SEX_DIGIT", "pin"),
        (child("Асанова", "Айгүл", Some("13201201500011"), LENINSKY), "PIN_DATE", "pin"),
        (child("Асанова", "Айгүл", None, "41799999000000"), "UNKNOWN_TERRITORY", "identified_in"),
        (child("", "Айгүл", None, LENINSKY), "REQUIRED", "surname"),
        (future, "DATE_IN_FUTURE", "birth_date"),
        (unknown_code, "UNKNOWN_CODE", "legal_status"),
    ];
    for (c, reason, field) in cases {
        let e = f.reg.register_child(&spec, c).expect_err(reason);
        assert_eq!((e.code, e.reason.as_str(), e.field.as_deref()), (ErrorCode::Validation, reason, Some(field)));
        for lang in Lang::ALL {
            let m = e.localized(lang);
            assert!(!m.is_empty() && !m.contains(&kamkor_core::i18n::reason_message_id(reason)), "{lang:?}: {m}");
        }
    }
    assert_eq!((f.store.len(Tree::Facts).expect("len"), f.store.len(Tree::State).expect("len")), before);
    // A batch with one bad row refuses every row, naming the row.
    let rows = vec![child("Асанова", "Айгүл", Some(PIN_A), LENINSKY), child("Асанова", "Асель", Some("1"), LENINSKY)];
    let e = f.reg.register_children(&spec, rows).expect_err("bad row");
    assert_eq!(e.field.as_deref(), Some("rows[1].pin"));
    assert_eq!(f.store.len(Tree::State).expect("len"), before.1);
}

#[test]
fn duplicates_by_pin_and_by_folded_name() {
    let f = Fixture::new();
    let spec = f.session("spec", "specialist", BISHKEK, "111");
    let first = f.reg.register_child(&spec, child("Асанова", "Айгүл", Some(PIN_A), LENINSKY)).expect("register");
    let e = f.reg.register_child(&spec, child("Другая", "Имя", Some(PIN_A), LENINSKY)).expect_err("dup pin");
    assert_eq!((e.code, e.reason.as_str()), (ErrorCode::Conflict, "DUPLICATE_PIN"));
    assert!(e.args.iter().any(|(k, v)| k == "existing" && *v == first.id.to_string()));
    // Latin spelling, no PIN: registered with a likely-duplicate warning.
    let r = f.reg.register_child(&spec, child("Asanova", "Aigul", None, LENINSKY)).expect("register");
    let w: Vec<_> = r.warnings.iter().map(|w| w.code.as_str()).collect();
    assert!(w.contains(&"LIKELY_DUPLICATE"), "{w:?}");
    // The as-you-type check meets Айгуль / Aigul / Айгүл, and a misspelling with the same birth date.
    let mut probe = child("Асанова", "Айгуль", None, LENINSKY).record;
    let d = f.reg.check_duplicates(&spec, &probe).expect("check");
    assert!(d.iter().any(|c| c.id == Some(first.id)), "{d:?}");
    probe.surname = "Асановаа".into();
    assert!(!f.reg.check_duplicates(&spec, &probe).expect("check").is_empty());
    // Search in Latin finds the Cyrillic record, within scope.
    let found =
        f.reg.search(&spec, &SearchQuery { name: "Aigul Asanova".into(), ..Default::default() }).expect("search");
    assert!(found.iter().any(|m| m.child.id == first.id));
    let by_pin = f.reg.find_by_pin(&spec, "1 0101 2015 00011").expect("pin").expect("found");
    assert_eq!(by_pin.id, first.id);
}

#[test]
fn accounts_terms_revocation_lockout_and_external_login() {
    let f = Fixture::new();
    let _spec = f.session("spec", "specialist", BISHKEK, "111");
    // Wrong passwords lock the account after max_failed_logins (5), audited each time.
    let audit0 = f.audit_len();
    for _ in 0..4 {
        assert_eq!(f.reg.login("spec", "wrong password!").expect_err("bad").reason, "BAD_CREDENTIALS");
    }
    assert_eq!(f.reg.login("spec", "wrong password!").expect_err("lock").reason, "ACCOUNT_LOCKED");
    assert_eq!(f.reg.login("spec", PASSWORD).expect_err("locked").reason, "ACCOUNT_LOCKED");
    assert_eq!(f.audit_len(), audit0 + 6);
    f.clock.advance(chrono::Duration::minutes(31));
    let spec = f.reg.login("spec", PASSWORD).expect("unlocked after lockout");
    // Revocation stops a live session at once.
    let id = f.reg.whoami(&spec).expect("whoami").id;
    f.reg.revoke_user(&f.admin, &id, "left the service").expect("revoke");
    let e = f.reg.list_children(&spec, None, 0, 10).expect_err("revoked");
    assert_eq!((e.code, e.reason.as_str()), (ErrorCode::Unauthenticated, "ACCOUNT_REVOKED"));
    // A term ends by itself.
    let reader = f.session("reader", "central_reader", "41700000000000", "222");
    f.clock.set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2028, 1, 1, 0, 0, 0).single().expect("t"));
    assert_eq!(f.reg.whoami(&reader).expect_err("expired").reason, "SESSION_EXPIRED");
    assert_eq!(f.reg.login("reader", PASSWORD).expect_err("expired").reason, "ACCOUNT_EXPIRED");
}

#[test]
fn external_principal_signs_in_without_password() {
    let f = Fixture::new();
    let mut u = user("ext", "territorial_reader", CHUI, "333");
    u.pin = Some("21505198000123".into());
    u.password = None;
    u.external_login = true;
    f.reg.add_user(&f.admin, u).expect("add");
    let p = kamkor_core::registry::ExternalPrincipal { pin: "21505198000123".into(), issuer: "tunduk-esi".into() };
    let s = f.reg.login_external(&p).expect("external");
    assert_eq!(f.reg.whoami(&s).expect("who").role, "territorial_reader");
    let wrong = kamkor_core::registry::ExternalPrincipal { pin: "21505198000124".into(), issuer: "x".into() };
    assert_eq!(f.reg.login_external(&wrong).expect_err("unknown").reason, "BAD_CREDENTIALS");
}

#[test]
fn families_link_children_once() {
    let f = Fixture::new();
    let spec = f.session("spec", "specialist", BISHKEK, "111");
    let c = f.reg.register_child(&spec, child("Асанова", "Айгүл", Some(PIN_A), LENINSKY)).expect("child");
    let fam: kamkor_core::Family = serde_json::from_value(serde_json::json!({
        "name": "Асановы", "territory": LENINSKY, "circumstances": ["labour_migration", "low_income"],
        "members": [{"surname": "Асанова", "given_name": "Жылдыз", "relation": "mother", "presence": "abroad_migrant"}]
    }))
    .expect("family");
    let fid = f.reg.register_family(&spec, fam.clone(), prov()).expect("family");
    f.reg.link_child(&spec, &c.id, Some(&fid), prov()).expect("link");
    assert_eq!(f.reg.get_family(&spec, &fid).expect("read").children, [c.id]);
    assert_eq!(f.reg.get_child(&spec, &c.id).expect("read").family, Some(fid));
    let other = f.reg.register_family(&spec, fam, prov()).expect("family 2");
    assert_eq!(f.reg.link_child(&spec, &c.id, Some(&other), prov()).expect_err("twice").reason, "ALREADY_IN_FAMILY");
    let mut bad: kamkor_core::Family = f.reg.get_family(&spec, &fid).expect("read").record;
    bad.circumstances.push("aliens".into());
    let e = f.reg.update_family(
        &spec,
        &fid,
        vec![FieldChange { field: "circumstances".into(), value: serde_json::json!(bad.circumstances) }],
        prov(),
        None,
        None,
    );
    assert_eq!(e.expect_err("bad code").reason, "UNKNOWN_CODE");
}

#[test]
fn wrong_key_and_missing_registry() {
    let f = Fixture::new();
    let e = kamkor_core::Registry::open(
        f.store.clone(),
        &kamkor_core::Key::from_bytes([8; 32]),
        kamkor_core::Env::seeded(clock(), 1),
    )
    .expect_err("wrong key");
    assert_eq!((e.code, e.reason.as_str()), (ErrorCode::Crypto, "WRONG_KEY"));
    let empty = std::sync::Arc::new(kamkor_core::store::MemoryStore::new());
    let e = kamkor_core::Registry::open(empty, &key(), kamkor_core::Env::seeded(clock(), 1)).expect_err("missing");
    assert_eq!(e.reason, "REGISTRY_MISSING");
}

#[test]
fn backup_restores_and_damaged_backup_is_refused() {
    let f = Fixture::new();
    let spec = f.session("spec", "specialist", BISHKEK, "111");
    let c = f.reg.register_child(&spec, child("Асанова", "Айгүл", Some(PIN_A), LENINSKY)).expect("child");
    let mut file = Vec::new();
    let summary = f.reg.backup(&f.admin, &mut file).expect("backup");
    assert_eq!(summary.bytes as usize, file.len());
    // A specialist may not back up.
    assert_eq!(f.reg.backup(&spec, &mut Vec::new()).expect_err("denied").reason, "NO_PERMISSION");
    for (i, pos) in [20usize, file.len() / 2, file.len() - 1].into_iter().enumerate() {
        let mut bad = file.clone();
        bad[pos] ^= 0x40;
        let target = std::sync::Arc::new(kamkor_core::store::MemoryStore::new());
        let e = kamkor_core::Registry::restore(
            target.clone(),
            &mut bad.as_slice(),
            &key(),
            kamkor_core::Env::seeded(clock(), 1),
        )
        .expect_err("damaged");
        assert_eq!(e.reason, "BACKUP_DAMAGED", "case {i}");
        assert_eq!(target.len(Tree::Meta).expect("len"), 0, "nothing restored");
    }
    let truncated = &file[..file.len() - 40];
    let target = std::sync::Arc::new(kamkor_core::store::MemoryStore::new());
    assert!(kamkor_core::Registry::restore(target, &mut &truncated[..], &key(), kamkor_core::Env::seeded(clock(), 1))
        .is_err());
    let target = std::sync::Arc::new(kamkor_core::store::SledStore::temporary().expect("sled"));
    let (restored, _) =
        kamkor_core::Registry::restore(target, &mut file.as_slice(), &key(), kamkor_core::Env::seeded(clock(), 9))
            .expect("restore");
    let spec2 = restored.login("spec", PASSWORD).expect("login after restore");
    assert_eq!(restored.get_child(&spec2, &c.id).expect("read").record.surname, "Асанова");
    assert!(restored.verify_audit_chain().expect("verify").ok);
    // Wrong key: refused.
    let target = std::sync::Arc::new(kamkor_core::store::MemoryStore::new());
    let e = kamkor_core::Registry::restore(
        target,
        &mut file.as_slice(),
        &kamkor_core::Key::from_bytes([1; 32]),
        kamkor_core::Env::seeded(clock(), 1),
    )
    .expect_err("key");
    assert_eq!(e.reason, "WRONG_KEY");
}

#[test]
fn classifier_adds_ayil_aimaks_persistently() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = "soate,kind,parent,name_ru,name_ky,name_en\n\
41708206801000,ayil_aimak,41708206000000,Ат-Башинский а/а,Ат-Башы а/а,At-Bashy a/a\n\
41708206802000,ayil_aimak,41708206000000,Бирдикский а/а,Бирдик а/а,Birdik a/a\n";
    {
        let mut f = Fixture::new_in(
            std::sync::Arc::new(kamkor_core::store::SledStore::open(dir.path()).expect("sled")),
            &cheap(KG),
        );
        let spec = f.session("spec", "specialist", CHUI, "111");
        let e = f.reg.load_classifier(&spec, csv.as_bytes(), date("2026-01-01")).expect_err("not for specialists");
        assert_eq!(e.reason, "NO_PERMISSION");
        let bad = format!("{csv}41708206803000,ayil_aimak,41799999000000,X,X,X\n");
        let admin = f.admin.clone();
        let e = f.reg.load_classifier(&admin, bad.as_bytes(), date("2026-01-01")).expect_err("unknown parent");
        assert_eq!((e.reason.as_str(), e.field.as_deref()), ("TERRITORY_UNKNOWN_PARENT", Some("line 4")));
        let s = f.reg.load_classifier(&admin, csv.as_bytes(), date("2026-01-01")).expect("load");
        assert_eq!(s.added, 2);
        let r = f
            .reg
            .register_child(&spec, child("Асанова", "Айгүл", None, "41708206801000"))
            .expect("child in an ayil aimak");
        let _ = r;
    }
    let store = std::sync::Arc::new(kamkor_core::store::SledStore::open(dir.path()).expect("sled"));
    let reg = kamkor_core::Registry::open(store, &key(), kamkor_core::Env::seeded(clock(), 2)).expect("open");
    assert!(reg.territories().is_within(&code("41708206802000"), &code(CHUI)), "replayed on open");
    let spec = reg.login("spec", PASSWORD).expect("login");
    assert_eq!(reg.list_children(&spec, Some(&code("41708206000000")), 0, 10).expect("list").total, 1);
}
