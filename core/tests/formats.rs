//! Snapshots of every persisted or exchanged format: a change to any of them shows
//! up in review (insta). Deterministic: seeded randomness and an injected clock.

mod common;
use common::*;
use kamkor_core::facts::{decode_envelope, FactHeader, StateHeader};
use kamkor_core::store::Tree;

fn fixture_with_child() -> (Fixture, kamkor_core::SubjectId) {
    let f = Fixture::new();
    let spec = f.session("spec", "specialist", BISHKEK, "111");
    let mut c = child("Асанова", "Айгүл", Some(PIN_A), LENINSKY);
    c.record.needs.insert("school".into(), "Пропускает занятия".into());
    let r = f.reg.register_child(&spec, c).expect("register");
    let _ = f.reg.get_child(&spec, &r.id).expect("read");
    let reader = f.session("reader", "territorial_reader", CHUI, "222");
    let _ = f.reg.get_child(&reader, &r.id).expect_err("outside");
    (f, r.id)
}

#[test]
fn fact_envelope_format() {
    let (f, _) = fixture_with_child();
    let (key, bytes) = f.store.scan_prefix(Tree::Facts, b"").expect("scan").remove(0);
    let (header, header_bytes, sealed) = decode_envelope::<FactHeader>(&bytes).expect("decode");
    insta::assert_snapshot!(format!(
        "key: {}\nheader: {header:#?}\nheader bytes: {}\nsealed body: {} bytes (24-byte nonce, ciphertext, 16-byte tag)",
        hex::encode(key),
        hex::encode(header_bytes),
        sealed.len()
    ));
}

#[test]
fn state_envelope_format() {
    let (f, id) = fixture_with_child();
    let bytes = f.store.get(Tree::State, &id.0).expect("get").expect("state");
    let (header, header_bytes, _) = decode_envelope::<StateHeader>(&bytes).expect("decode");
    insta::assert_snapshot!(format!("header: {header:#?}\nheader bytes: {}", hex::encode(header_bytes)));
}

#[test]
fn audit_link_format() {
    let (f, _) = fixture_with_child();
    let links: Vec<String> = f
        .store
        .scan_prefix(Tree::Audit, b"")
        .expect("scan")
        .into_iter()
        .map(|(k, v)| format!("{} {}", hex::encode(k), String::from_utf8_lossy(&v)))
        .collect();
    insta::assert_snapshot!(links.join("\n"));
}

#[test]
fn fact_body_and_history_format() {
    let (f, id) = fixture_with_child();
    let spec = f.reg.login("spec", PASSWORD).expect("login");
    let h = f.reg.history(&spec, &id).expect("history");
    insta::assert_json_snapshot!(h);
}

#[test]
fn index_key_layout() {
    let (f, _) = fixture_with_child();
    let keys: Vec<String> = f
        .store
        .scan_prefix(Tree::Index, b"")
        .expect("scan")
        .into_iter()
        .map(|(k, _)| format!("{} {}", k[0] as char, hex::encode(&k[1..])))
        .collect();
    insta::assert_snapshot!(keys.join("\n"));
}

#[test]
fn backup_framing() {
    let (f, _) = fixture_with_child();
    let mut file = Vec::new();
    let summary = f.reg.backup(&f.admin, &mut file).expect("backup");
    // Walk the records: tree tag, key length, value length.
    let mut pos = 18usize;
    let mut frames = Vec::new();
    loop {
        let tag = file[pos];
        if tag == 0 {
            break;
        }
        let kl = u32::from_be_bytes(file[pos + 1..pos + 5].try_into().expect("4")) as usize;
        let vl = u32::from_be_bytes(file[pos + 5 + kl..pos + 9 + kl].try_into().expect("4")) as usize;
        frames.push(format!("tree {tag} key {kl} value {vl}"));
        pos += 9 + kl + vl;
    }
    frames.dedup();
    insta::assert_snapshot!(format!(
        "magic: {:?}\nformat: {}\nrecords: {}\nframes (deduplicated):\n{}\ntrailer: {} bytes",
        String::from_utf8_lossy(&file[..14]),
        u32::from_be_bytes(file[14..18].try_into().expect("4")),
        summary.records,
        frames.join("\n"),
        file.len() - pos - 1
    ));
}

#[test]
fn kyrgyz_profile_roles() {
    let p = kamkor_core::Profile::kyrgyzstan().expect("profile");
    insta::assert_json_snapshot!(p.roles);
}

#[test]
fn error_and_record_exchange_json() {
    let f = Fixture::new();
    let spec = f.session("spec", "specialist", BISHKEK, "111");
    let e = f.reg.register_child(&spec, child("Асанова", "Айгүл", Some("12345"), LENINSKY)).expect_err("bad pin");
    let record = child("Асанова", "Айгүл", Some(PIN_A), LENINSKY);
    insta::assert_json_snapshot!(serde_json::json!({ "error": e, "new_child": record }));
}
