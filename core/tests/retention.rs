//! Retention and archive (RET-1 .. RET-3): after a run, the erased children's keys cannot
//! be recovered from any byte of the store, the audit chain verifies, and every statistic
//! stays the same; the archive opens with the owner's key only.

mod common;
use common::*;
use kamkor_core::archive::{self, ArchiveRequest};
use kamkor_core::case::BasisDocument;
use kamkor_core::registry::{recoverable_keys, OpenCase, ReportKind, ReportRequest};
use kamkor_core::store::{SledStore, Tree};
use kamkor_core::{ErrorCode, SubjectId};
use std::path::Path;
use std::sync::Arc;

fn raw(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("dir").flatten() {
        if e.path().is_dir() {
            out.extend(raw(&e.path()));
        } else {
            out.extend(std::fs::read(e.path()).expect("read"));
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn born(c: &mut kamkor_core::registry::NewChild, d: &str) {
    c.record.birth_date = date(d);
    c.record.identified_on = date("2014-03-01");
    c.provenance.received_on = date("2014-03-01");
}

fn consolidated(f: &Fixture, who: &kamkor_core::Session, depersonalized: bool) -> serde_json::Value {
    let r = f
        .reg
        .report(who, &ReportRequest { report: ReportKind::Consolidated, territory: None, depersonalized })
        .expect("report");
    let mut v = serde_json::to_value(r).expect("json");
    v["generated_at"] = serde_json::Value::Null;
    v
}

#[test]
fn retention_archives_erases_for_real_and_keeps_statistics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = Fixture::new_in(Arc::new(SledStore::open(dir.path()).expect("sled")), &cheap(KG));
    let spec = f.session("spec", "specialist", BISHKEK, "111");
    let central = f.session("central", "central_reader", "41700000000000", "222");
    // A: 29 years old (due); B: turns 28 next week; C: a child; D: due but held.
    let mut a = child("Жээнбекова", "Канышай", Some("10505199700042"), LENINSKY);
    born(&mut a, "1997-05-05");
    let mut b = child("Токтосунова", "Аруузат", None, LENINSKY);
    born(&mut b, "1998-12-01");
    let c = child("Асанова", "Айгүл", Some(PIN_A), LENINSKY);
    let mut d = child("Курманалиева", "Назира", None, LENINSKY);
    born(&mut d, "1990-01-01");
    let [a, b, c, d] = [a, b, c, d].map(|x| f.reg.register_child(&spec, x).expect("register").id);
    let fam: kamkor_core::Family = serde_json::from_value(
        serde_json::json!({"name": "Жээнбековы", "territory": LENINSKY, "circumstances": ["low_income"]}),
    )
    .expect("family");
    let prov =
        kamkor_core::Provenance { source: "specialist".into(), received_on: date("2026-11-01"), reference: None };
    let fid = f.reg.register_family(&spec, fam, prov.clone()).expect("family");
    f.reg.link_child(&spec, &a, Some(&fid), prov).expect("link");
    let doc = BasisDocument {
        kind: "agency_letter".into(),
        number: "1".into(),
        date: date("2026-11-01"),
        issuer: "x".into(),
    };
    f.reg
        .open_case(
            &spec,
            OpenCase {
                child: a,
                opening: "signal".into(),
                ground: "signal_danger".into(),
                document: doc,
                received_at: None,
            },
        )
        .expect("case");
    f.reg.set_legal_hold(&f.admin, &d, Some("court proceedings No. 2-114".into())).expect("hold");
    assert_eq!(f.reg.set_legal_hold(&spec, &d, None).expect_err("specialist").reason, "NO_PERMISSION");
    f.reg.flush().expect("flush");

    let before = (consolidated(&f, &central, false), consolidated(&f, &central, true));
    let salt = f.store.get(Tree::Meta, b"salt").expect("get").expect("salt");
    let ring_before = f.store.get_side("keyring").expect("side").expect("keyring");
    let raw_before = raw(dir.path());
    assert!(
        recoverable_keys(&raw_before, &key(), &salt, &ring_before, &a).expect("scan") >= 1,
        "the check finds a live key"
    );

    // The plan says what would happen; a specialist may not run it.
    let plan = f.reg.retention_plan(&f.admin).expect("plan");
    assert_eq!(plan.due.iter().map(|x| x.child).collect::<Vec<_>>(), [a]);
    assert_eq!(plan.held.iter().map(|x| x.child).collect::<Vec<_>>(), [d]);
    assert_eq!(f.reg.retention_plan(&spec).expect_err("spec").code, ErrorCode::AccessDenied);
    let mut package = Vec::new();
    let report = f.reg.retention_run(&f.admin, &mut package).expect("run");
    assert_eq!((report.erased_children, report.erased_cases, report.erased_families, report.held), (1, 1, 1, 1));
    assert_eq!(report.erased, [a]);

    // The archive opens with the owner's key, and only with it.
    let opened = archive::open(&package, &key()).expect("open archive");
    assert_eq!(opened.children[0].child.record.surname, "Жээнбекова");
    assert_eq!(opened.children[0].cases.len(), 1);
    assert_eq!(opened.children[0].family.as_ref().map(|x| x.record.name.as_str()), Some("Жээнбековы"));
    assert_eq!(
        archive::open(&package, &kamkor_core::Key::from_bytes([1; 32])).expect_err("wrong key").reason,
        "ARCHIVE_WRONG_KEY"
    );
    let mut bad = package.clone();
    bad[60] ^= 1;
    assert!(archive::open(&bad, &key()).is_err());

    // Erased: gone from the registry, from the indexes, and unrecoverable from the files.
    assert_eq!(f.reg.get_child(&spec, &a).expect_err("erased").code, ErrorCode::NotFound);
    assert!(f.reg.find_by_pin(&spec, "10505199700042").expect("search").is_none());
    let ring_after = f.store.get_side("keyring").expect("side").expect("keyring");
    let raw_after = raw(dir.path());
    assert_eq!(
        recoverable_keys(&raw_after, &key(), &salt, &ring_after, &a).expect("scan"),
        0,
        "no copy of the key opens"
    );
    assert!(!contains(&raw_after, &ring_before), "the old keyring secret was overwritten");
    for needle in ["Жээнбекова", "Канышай", "10505199700042"] {
        assert!(!contains(&raw_after, needle.as_bytes()));
    }
    // Everyone else is intact and readable after the keys were re-wrapped.
    for id in [b, c, d] {
        f.reg.get_child(&spec, &id).expect("kept");
    }
    // The audit chain verifies; the statistics are unchanged.
    assert!(f.reg.verify_audit_chain().expect("verify").ok);
    assert_eq!((consolidated(&f, &central, false), consolidated(&f, &central, true)), before);
    // The store reopens with the rotated keyring.
    let store = f.store.clone();
    drop(f);
    let reg = kamkor_core::Registry::open(store, &key(), kamkor_core::Env::seeded(clock(), 4)).expect("reopen");
    let spec = reg.login("spec", PASSWORD).expect("login");
    reg.get_child(&spec, &c).expect("readable after reopen");
}

#[test]
fn archive_on_a_reasoned_request_is_logged() {
    let f = Fixture::new();
    let spec = f.session("spec", "specialist", BISHKEK, "111");
    let id = f.reg.register_child(&spec, child("Асанова", "Айгүл", Some(PIN_A), LENINSKY)).expect("child").id;
    let held = f.reg.register_child(&spec, child("Асанова", "Асель", Some(PIN_B), LENINSKY)).expect("child").id;
    f.reg.set_legal_hold(&f.admin, &held, Some("суд".into())).expect("hold");
    let req = ArchiveRequest {
        reason: "Выбыл за пределы области".into(),
        requested_by: "Куратор района".into(),
        document: "№ 12 от 20.11.2026".into(),
    };
    let mut empty = req.clone();
    empty.reason = " ".into();
    assert_eq!(
        f.reg.archive_on_request(&f.admin, &id, empty, &mut Vec::new()).expect_err("reason").field.as_deref(),
        Some("reason")
    );
    let e = f.reg.archive_on_request(&f.admin, &held, req.clone(), &mut Vec::new()).expect_err("held");
    assert_eq!(e.reason, "LEGAL_HOLD");
    let mut package = Vec::new();
    let r = f.reg.archive_on_request(&f.admin, &id, req.clone(), &mut package).expect("archive");
    assert_eq!(r.erased_children, 1);
    assert_eq!(archive::open(&package, &key()).expect("open").request, Some(req));
    let log = f.reg.archive_requests(&f.admin).expect("log");
    assert_eq!(log.iter().map(|e| e.outcome.as_str()).collect::<Vec<_>>(), ["refused: LEGAL_HOLD", "archived"]);
    assert_eq!(f.reg.get_child(&spec, &id).expect_err("gone").code, ErrorCode::NotFound);
    let _ = SubjectId([0; 16]);
}
