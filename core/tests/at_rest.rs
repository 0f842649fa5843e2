//! What lies on disk: no plaintext personal data, and an audit log that cannot be
//! altered, truncated, extended or reordered unnoticed (ACC-7, DESIGN.md invariant 5).

mod common;
use common::*;
use kamkor_core::registry::SearchQuery;
use kamkor_core::store::SledStore;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const SURNAME: &str = "Жээнбекова";
const GIVEN: &str = "Канышай";
const PIN: &str = "10101201577777";
const SPECIALIST_SURNAME: &str = "Асанова";

fn build(dir: &Path) -> Vec<kamkor_core::SubjectId> {
    let f = Fixture::new_in(Arc::new(SledStore::open(dir).expect("sled")), &cheap(KG));
    let spec = f.session("spec", "specialist", BISHKEK, "111");
    let reader = f.session("reader", "territorial_reader", CHUI, "222");
    let mut ids = Vec::new();
    for i in 0..30 {
        let pin = if i == 0 { PIN.to_string() } else { format!("101012015{:05}", i) };
        let given = if i == 0 { GIVEN } else { "Айгүл" };
        let r = f.reg.register_child(&spec, child(SURNAME, given, Some(&pin), LENINSKY)).expect("register");
        ids.push(r.id);
    }
    for id in &ids[..5] {
        f.reg.get_child(&spec, id).expect("read");
        assert!(f.reg.get_child(&reader, id).is_err(), "outside the reader's territory");
    }
    f.reg.search(&spec, &SearchQuery { name: format!("{SURNAME} {GIVEN}"), ..Default::default() }).expect("search");
    f.reg.flush().expect("flush");
    ids
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn raw(dir: &Path) -> Vec<u8> {
    files(dir).iter().flat_map(|p| std::fs::read(p).expect("read")).collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn raw_store_holds_no_plaintext_personal_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    build(dir.path());
    let bytes = raw(dir.path());
    // The scan reads the data: clear, non-personal parts (territory codes, audit actions) are there.
    assert!(contains(&bytes, LENINSKY.as_bytes()), "scan sees the store's content");
    assert!(contains(&bytes, b"child.register"), "scan sees the audit log");
    for needle in [SURNAME, GIVEN, PIN, "Жылдыз", SPECIALIST_SURNAME, "Гүлзат", "10101201500001"] {
        assert!(!contains(&bytes, needle.as_bytes()), "plaintext {needle} found in the store");
    }
    // Lowercase and folded forms do not leak either (the name index is blind).
    for needle in ["jeenbekova", "kanishai", "жээнбекова"] {
        assert!(!contains(&bytes, needle.as_bytes()), "{needle} found");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}

/// Opens a copy after `tamper` and tells whether the audit chain still verifies.
/// `None` means the store refused to open (also a detection).
fn verify_after(original: &Path, tamper: impl FnOnce(&Path)) -> Option<kamkor_core::registry::AuditReport> {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(original, dir.path());
    tamper(dir.path());
    let store = SledStore::open(dir.path()).ok()?;
    let reg = kamkor_core::Registry::open(Arc::new(store), &key(), kamkor_core::Env::seeded(clock(), 3)).ok()?;
    reg.verify_audit_chain().ok()
}

fn with_audit_tree(dir: &Path, f: impl FnOnce(&sled::Tree)) {
    let db = sled::open(dir).expect("sled");
    let t = db.open_tree("audit").expect("tree");
    f(&t);
    db.flush().expect("flush");
}

fn key_of(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

#[test]
fn audit_tampering_through_the_store_is_detected() {
    let original = tempfile::tempdir().expect("tempdir");
    build(original.path());
    let clean = verify_after(original.path(), |_| {}).expect("opens");
    assert!(clean.ok, "untouched chain verifies: {clean:?}");
    assert!(clean.entries > 40);

    let broken = |r: Option<kamkor_core::registry::AuditReport>| r.is_none_or(|r| !r.ok);
    // Alter: turn a refusal into an allowed read.
    let r = verify_after(original.path(), |d| {
        with_audit_tree(d, |t| {
            let (k, v) =
                t.iter().flatten().find(|(_, v)| String::from_utf8_lossy(v).contains("denied")).expect("a denial");
            let forged = String::from_utf8_lossy(&v)
                .replace(r#""result":"denied","reason":"NOT_IN_TERRITORY""#, r#""result":"allowed""#);
            t.insert(k, forged.as_bytes()).expect("insert");
        })
    });
    assert!(broken(r.clone()), "altered entry: {r:?}");
    assert_eq!(r.and_then(|r| r.first_break).map(|b| b.problem), Some("MAC_MISMATCH".to_string()));
    // Remove an entry in the middle.
    let r = verify_after(original.path(), |d| {
        with_audit_tree(d, |t| {
            t.remove(key_of(10)).expect("remove");
        })
    });
    assert_eq!(r.and_then(|r| r.first_break).map(|b| (b.at, b.problem)), Some((10, "SEQUENCE_GAP".to_string())));
    // Reorder two entries (values swapped under their keys).
    let r = verify_after(original.path(), |d| {
        with_audit_tree(d, |t| {
            let a = t.get(key_of(7)).expect("get").expect("7");
            let b = t.get(key_of(8)).expect("get").expect("8");
            t.insert(key_of(7), b).expect("insert");
            t.insert(key_of(8), a).expect("insert");
        })
    });
    assert!(broken(r.clone()), "reordered: {r:?}");
    // Reorder and renumber: the MACs no longer chain.
    let r = verify_after(original.path(), |d| {
        with_audit_tree(d, |t| {
            let a = String::from_utf8_lossy(&t.get(key_of(7)).expect("get").expect("7"))
                .replace(r#""seq":7"#, r#""seq":8"#);
            let b = String::from_utf8_lossy(&t.get(key_of(8)).expect("get").expect("8"))
                .replace(r#""seq":8"#, r#""seq":7"#);
            t.insert(key_of(7), b.as_bytes()).expect("insert");
            t.insert(key_of(8), a.as_bytes()).expect("insert");
        })
    });
    assert!(broken(r.clone()), "renumbered: {r:?}");
    // Remove the tail: the head kept in the metadata no longer matches.
    let r = verify_after(original.path(), |d| {
        with_audit_tree(d, |t| {
            let (k, _) = t.last().expect("last").expect("an entry");
            t.remove(k).expect("remove");
        })
    });
    let p = r.and_then(|r| r.first_break).map(|b| b.problem);
    assert!(matches!(p.as_deref(), Some("HEAD_MISMATCH" | "TRUNCATED")), "{p:?}");
    // Insert a forged entry at the end.
    let r = verify_after(original.path(), |d| {
        with_audit_tree(d, |t| {
            let (k, v) = t.last().expect("last").expect("an entry");
            let next = u64::from_be_bytes(k.as_ref().try_into().expect("8 bytes")) + 1;
            let forged =
                String::from_utf8_lossy(&v).replace(&format!(r#""seq":{}"#, next - 1), &format!(r#""seq":{next}"#));
            t.insert(key_of(next), forged.as_bytes()).expect("insert");
        })
    });
    assert!(broken(r.clone()), "inserted: {r:?}");
}

#[test]
fn audit_tampering_in_the_raw_files_is_detected() {
    let original = tempfile::tempdir().expect("tempdir");
    build(original.path());
    let broken = |r: Option<kamkor_core::registry::AuditReport>| r.is_none_or(|r| !r.ok);
    // Alter bytes of an audit entry in place, in every file that holds one.
    let r = verify_after(original.path(), |d| {
        for p in files(d) {
            let mut bytes = std::fs::read(&p).expect("read");
            // The latest copy in the log is the live one (older copies are superseded).
            let needle = br#""result":"denied""#;
            if let Some(pos) = bytes.windows(needle.len()).rposition(|w| w == needle) {
                bytes[pos + 10..pos + 16].copy_from_slice(b"allowd");
                std::fs::write(&p, bytes).expect("write");
            }
        }
    });
    assert!(broken(r.clone()), "altered bytes: {r:?}");
    // Delete bytes: cut an audit entry out of the file.
    let r = verify_after(original.path(), |d| {
        for p in files(d) {
            let mut bytes = std::fs::read(&p).expect("read");
            let needle = br#""action":"child.read""#;
            if let Some(pos) = bytes.windows(needle.len()).rposition(|w| w == needle) {
                bytes.drain(pos..pos + 60);
                std::fs::write(&p, bytes).expect("write");
            }
        }
    });
    assert!(broken(r.clone()), "deleted bytes: {r:?}");
    // Reorder bytes: swap the latest copies of two audit entries (older copies in sled's
    // log are superseded and never read, so the newest ones are the live data).
    let r = verify_after(original.path(), |d| {
        for p in files(d) {
            let mut bytes = std::fs::read(&p).expect("read");
            let last = |needle: &[u8]| bytes.windows(needle.len()).rposition(|w| w == needle);
            if let (Some(a), Some(b)) = (last(br#"{"seq":5,"#), last(br#"{"seq":11,"#)) {
                let len = 40;
                let first: Vec<u8> = bytes[a..a + len].to_vec();
                let second: Vec<u8> = bytes[b..b + len].to_vec();
                bytes[a..a + len].copy_from_slice(&second);
                bytes[b..b + len].copy_from_slice(&first);
                std::fs::write(&p, bytes).expect("write");
            }
        }
    });
    assert!(broken(r.clone()), "reordered bytes: {r:?}");
}

#[test]
fn a_truncated_store_keeps_its_anchor_as_evidence() {
    let original = tempfile::tempdir().expect("tempdir");
    build(original.path());
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(original.path(), dir.path());
    with_audit_tree(dir.path(), |t| {
        for _ in 0..3 {
            let (k, _) = t.last().expect("last").expect("entry");
            t.remove(k).expect("remove");
        }
    });
    // Opening, working and closing the damaged registry must not overwrite the anchor.
    for _ in 0..2 {
        let reg = kamkor_core::Registry::open(
            Arc::new(SledStore::open(dir.path()).expect("sled")),
            &key(),
            kamkor_core::Env::seeded(clock(), 3),
        )
        .expect("open");
        let _ = reg.login("spec", PASSWORD);
        let report = reg.verify_audit_chain().expect("verify");
        assert!(!report.ok, "{report:?}");
        reg.flush().expect("flush");
    }
}
