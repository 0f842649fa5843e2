//! Printed card and data subject certificate (WF-8, INT-3): content, canonical JSON and
//! its digest, scope, audit; and (with the `render` feature) the PDF with Cyrillic text.

mod common;
use common::*;
use kamkor_core::store::Tree;
use kamkor_core::Lang;

#[test]
fn card_and_certificate() {
    let f = Fixture::new();
    let spec = f.session("spec", "specialist", BISHKEK, "111");
    let mut c = child("Өмүрзакова", "Үмүт", Some(PIN_A), LENINSKY);
    c.record.patronymic = Some("Эркин кызы".into());
    c.record.needs.insert("school".into(), "Нуждается в репетиторе".into());
    let id = f.reg.register_child(&spec, c).expect("register").id;
    let audit0 = f.store.len(Tree::Audit).expect("len");
    let card = f.reg.child_card(&spec, &id, Lang::Ky).expect("card");
    assert_eq!(card.title, "Оор турмуш абалындагы баланын карточкасы");
    let all: String = card.sections.iter().flat_map(|s| s.lines.iter().map(|(k, v)| format!("{k}: {v}\n"))).collect();
    assert!(all.contains("Өмүрзакова Үмүт Эркин кызы"), "{all}");
    assert!(all.contains("Ленин району"), "territory in Kyrgyz: {all}");
    assert!(card.printed.contains("2026-11-22 09:00 UTC") && card.printed.contains("Асанова"), "{}", card.printed);
    assert!(card.confidentiality.contains("Купуя"));
    let cert = f.reg.certificate(&spec, &id, Lang::Ru).expect("certificate");
    assert_eq!(cert.sha256, hex::encode(kamkor_core::crypto::sha256(cert.json.as_bytes())));
    let reparsed: serde_json::Value = serde_json::from_str(&cert.json).expect("json");
    assert_eq!(serde_json::to_string(&reparsed).expect("json"), cert.json, "canonical: stable under re-serialization");
    assert_eq!(reparsed["subject"]["record"]["surname"], "Өмүрзакова");
    assert_eq!(cert.document.digest.as_deref(), Some(format!("SHA-256: {}", cert.sha256).as_str()));
    // Both are audited; outside the territory both are refused.
    assert_eq!(f.store.len(Tree::Audit).expect("len"), audit0 + 2);
    let osh = f.session("osh", "specialist", OSH_CITY, "222");
    assert_eq!(f.reg.child_card(&osh, &id, Lang::Ru).expect_err("scope").reason, "NOT_IN_TERRITORY");
    assert_eq!(f.reg.certificate(&osh, &id, Lang::Ru).expect_err("scope").reason, "NOT_IN_TERRITORY");
}

/// Runs a poppler tool; the project's test runner installs poppler-utils.
#[cfg(feature = "render")]
fn poppler(tool: &str, args: &[&std::ffi::OsStr]) -> std::process::Output {
    std::process::Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} is needed (Debian poppler-utils; ./tests/run installs it): {e}"))
}

#[cfg(feature = "render")]
#[test]
fn printed_card_and_certificate_are_real_pdfs_with_cyrillic_text() {
    let f = Fixture::new();
    let spec = f.session("spec", "specialist", BISHKEK, "111");
    let mut c = child("Өмүрзакова", "Үмүт", Some(PIN_A), LENINSKY);
    c.record.patronymic = Some("Эркин кызы".into());
    let id = f.reg.register_child(&spec, c).expect("register").id;
    let dir = tempfile::tempdir().expect("tempdir");
    let card =
        kamkor_core::render::pdf::document_pdf(&f.reg.child_card(&spec, &id, Lang::Ru).expect("card")).expect("pdf");
    let cert = f.reg.certificate(&spec, &id, Lang::Ky).expect("certificate");
    let cert_pdf = kamkor_core::render::pdf::document_pdf(&cert.document).expect("pdf");
    for (name, bytes, expected) in [
        (
            "card.pdf",
            &card,
            vec![
                "Карточка ребёнка",
                "Өмүрзакова Үмүт Эркин кызы",
                "Распечатано 2026-11-22 09:00 UTC",
                "Конфиденциально",
            ],
        ),
        ("cert.pdf", &cert_pdf, vec!["маалымкат", "Өмүрзакова", "Купуя", cert.sha256.as_str()]),
    ] {
        assert!(bytes.starts_with(b"%PDF-"), "{name}");
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let out = poppler("pdftotext", &["-layout".as_ref(), path.as_os_str(), "-".as_ref()]);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        for e in expected {
            assert!(text.contains(e), "{name}: {e:?} not in\n{text}");
        }
        let png = dir.path().join(name.replace(".pdf", ""));
        let out = poppler(
            "pdftoppm",
            &[
                "-png".as_ref(),
                "-r".as_ref(),
                "40".as_ref(),
                "-f".as_ref(),
                "1".as_ref(),
                "-l".as_ref(),
                "1".as_ref(),
                path.as_os_str(),
                png.as_os_str(),
            ],
        );
        assert!(out.status.success(), "{name} renders to an image");
        let rendered = std::fs::read_dir(dir.path())
            .expect("dir")
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "png"));
        assert!(rendered);
    }
}
