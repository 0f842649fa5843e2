//! `kamkor sync`: a device enrolled, created from its scope download, working offline; its
//! bundle imported at the centre once; a cut bundle refused with a localized message.

#![allow(clippy::unwrap_used)]

mod common;
use common::{code, setup, text, Kamkor};

const DEVICE_KEY: &str = "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899";

#[test]
fn a_device_from_enrolment_to_import() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut k, child) = setup(tmp.path());
    let p = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();

    // On the device: a signing key.
    let keygen = k.json(&["sync", "keygen", "--out", &p("device.secret")]);
    let public = keygen["public_key"].as_str().unwrap().to_string();
    assert_eq!(public.len(), 64);

    // At the centre: enrol it for spec1 and write the scope download.
    k.login("admin");
    let enrolled = k.json(&[
        "sync",
        "enrol",
        "--public-key",
        &public,
        "--until",
        "2026-12-31",
        "--login",
        "spec1",
        "--out",
        &p("enrolment.json"),
    ]);
    let link = enrolled["link"].as_str().unwrap().to_string();
    assert!(link.starts_with("d-"));
    k.ok(&["sync", "complete", "--secret", &p("device.secret"), "--enrolment", &p("enrolment.json")]);
    k.ok(&["sync", "scope", &link, "--out", &p("scope.bin")]);

    // The device registry, its own key, the worker's own password.
    let mut d = Kamkor { registry: tmp.path().join("device"), key: DEVICE_KEY, session: None, now: k.now.clone() };
    let made = d.json(&["sync", "device-init", "--secret", &p("device.secret"), "--scope", &p("scope.bin")]);
    assert_eq!(made["origin"], link.as_str());
    d.login("spec1");
    assert_eq!(d.json(&["child", "list"])["total"], 1);
    let updated = d.json(&[
        "child",
        "update",
        &child,
        "--set",
        "legal_status=guardianship",
        "--source",
        "court",
        "--received-on",
        "2026-02-01",
    ]);
    assert_eq!(updated["record"]["legal_status"], "guardianship");
    d.ok(&["sync", "export", "--secret", &p("device.secret"), "--out", &p("changes.bin")]);

    // Back at the centre: a cut transfer is refused, the whole bundle applies once.
    let bytes = std::fs::read(p("changes.bin")).unwrap();
    std::fs::write(p("cut.bin"), &bytes[..bytes.len() / 2]).unwrap();
    let e = k.refused(&["sync", "import", &p("cut.bin")], 4);
    assert_eq!(e["reason"], "BUNDLE_TRUNCATED");
    let out = k.command(&["sync", "import", &p("cut.bin")]).env("KAMKOR_LANG", "ru").output().unwrap();
    assert_eq!(code(&out), 4);
    assert!(text(&out.stderr).contains("Пакет неполный"), "{}", text(&out.stderr));
    let r = k.json(&["sync", "import", &p("changes.bin")]);
    assert_eq!((r["applied"].as_u64(), r["acknowledged"].as_u64()), (Some(1), Some(1)));
    let r = k.json(&["sync", "import", &p("changes.bin")]);
    assert_eq!(r["applied"], 0);
    let human = k.ok(&["sync", "links"]);
    assert!(human.contains(&link), "{human}");
    k.login("chui");
    assert_eq!(k.json(&["sync", "conflicts"]), serde_json::json!([]));
    k.login("spec1");
    assert_eq!(k.json(&["child", "show", &child])["record"]["legal_status"], "guardianship");

    // A revoked device's bundle is refused.
    k.login("admin");
    k.ok(&["sync", "revoke", &link, "--reason", "phone lost"]);
    let e = k.refused(&["sync", "import", &p("changes.bin")], 3);
    assert_eq!(e["reason"], "LINK_REVOKED");
}
