//! End-to-end tests of reporting, printing and retention through the `kamkor` binary:
//! reports in every format, depersonalized for statisticians and kept to the reader's scope,
//! the data set, printed cards and certificates, retention runs 30 years on with the archive
//! read back by the master key alone, and loading a territory classifier.
//!
//! `child print` is checked with poppler's `pdftotext` (installed by tests/run).

#![allow(clippy::unwrap_used)]

mod common;

use calamine::{Reader, Xlsx};
use common::*;
use serde_json::Value;
use std::path::Path;

const OTHER_KEY: &str = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(kamkor_core::crypto::sha256(bytes))
}

/// An administrator whose access lasts long enough for the clock to be moved decades on.
fn add_keeper(k: &Kamkor) {
    let out = k.run_with(
        &[
            "user",
            "add",
            "--login",
            "keeper",
            "--surname",
            "Сыдыков",
            "--given-name",
            "Марат",
            "--position",
            "Архивариус",
            "--agency",
            "Министерство (тест)",
            "--agency-inn",
            "01001199910002",
            "--address",
            "г. Бишкек",
            "--territory",
            "41700000000000",
            "--role",
            "administrator",
            "--valid-until",
            "2060-12-31",
            "--password-stdin",
        ],
        "keeper-password-1\n",
    );
    assert!(out.status.success(), "user add keeper: {}", text(&out.stderr));
}

#[test]
fn reports_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let (k, _child) = setup(tmp.path());

    // Text: aligned tables with the labels of the language, the quarter's due date.
    let ru = k.ok(&["--lang", "ru", "report", "consolidated"]);
    assert!(ru.contains("Выявленные дети и семьи в ТЖС") && ru.contains("Аламудунский район"), "{ru}");
    assert!(ru.contains("Итого") && ru.contains("Проживает с родителями"), "{ru}");
    let q = k.ok(&["report", "quarterly", "--year", "2026", "--quarter", "1"]);
    assert!(q.contains("Quarterly report: 2026 Q1") && q.contains("2026-01-01 – 2026-03-31"), "{q}");
    assert!(q.contains("Due:") && q.contains("2026-04-30 (days left: 59)"), "{q}");
    let ky = k.ok(&["--lang", "ky", "report", "quarterly"]);
    assert!(ky.contains("Тапшыруу мөөнөтү") && ky.contains("30.01.2026"), "the last ended quarter, 2025 Q4: {ky}");
    assert_eq!(code(&k.run(&["report", "quarterly", "--year", "2026"])), 2, "--year needs --quarter");

    // JSON: the report model.
    let v = k.json(&["report", "quarterly", "--year", "2026", "--quarter", "1"]);
    assert_eq!((v["id"].as_str(), v["due_date"].as_str()), (Some("quarterly"), Some("2026-04-30")));
    assert_eq!(v["depersonalized"], false);
    assert_eq!(v["tables"][0]["totals"]["cells"][0]["count"], 1, "{}", v["tables"][0]);
    let v = k.json(&["report", "consolidated"]);
    assert_eq!(v["scope"], "41708203000000", "a specialist's own raion");

    // CSV for spreadsheets.
    let csv = tmp.path().join("report.csv");
    k.ok(&["--lang", "ru", "report", "consolidated", "--format", "csv", "--out", p(&csv)]);
    let text_csv = std::fs::read_to_string(&csv).unwrap();
    assert!(text_csv.starts_with('\u{feff}') && text_csv.contains("Территория;Аламудунский район"), "{text_csv}");

    // XLSX needs a file and never overwrites one.
    let xlsx = tmp.path().join("report.xlsx");
    assert_eq!(code(&k.run(&["report", "consolidated", "--format", "xlsx"])), 2);
    let out = k.ok(&["--lang", "ky", "report", "consolidated", "--format", "xlsx", "--out", p(&xlsx)]);
    assert!(out.contains("report.xlsx"), "{out}");
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(std::fs::read(&xlsx).unwrap())).unwrap();
    let first = wb.sheet_names()[0].clone();
    let sheet = wb.worksheet_range(&first).unwrap();
    let cyrillic = sheet.rows().flatten().any(|c| matches!(c, calamine::Data::String(s) if s == "Аламүдүн району"));
    assert!(cyrillic, "{first}");
    assert_eq!(
        k.refused(&["report", "consolidated", "--format", "xlsx", "--out", p(&xlsx)], 6)["reason"],
        "FILE_EXISTS"
    );

    // SVG: the schematic map of the first table, or a bar chart of a table.
    let map = tmp.path().join("map.svg");
    k.ok(&["--lang", "ru", "report", "consolidated", "--format", "svg", "--out", p(&map)]);
    let svg = std::fs::read_to_string(&map).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("Схематическая карта") && svg.contains("Аламудун"), "{svg}");
    let chart = tmp.path().join("chart.svg");
    k.ok(&["--lang", "ru", "report", "consolidated", "--format", "svg", "--chart", "legal_status", "--out", p(&chart)]);
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("Проживает с родителями"), "{svg}");
    let to_stdout = k.ok(&["report", "consolidated", "--format", "map"]);
    assert!(to_stdout.starts_with("<svg"));
    let err = k.refused(&["report", "consolidated", "--format", "map", "--chart", "legal_status"], 4);
    assert_eq!(err["reason"], "NOT_BY_TERRITORY");
    let err = k.refused(&["report", "consolidated", "--format", "svg", "--chart", "nope"], 4);
    assert!(err["message"].as_str().unwrap().contains("legal_status"), "{err}");
}

#[test]
fn statisticians_get_depersonalized_numbers_and_readers_stay_in_scope() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut k, _child) = setup(tmp.path());
    k.login("admin");
    add_user(&k, "stat", "statistician", "41700000000000", "01001199920005");

    // A statistician's report is depersonalized even when not asked to be.
    k.login("stat");
    let v = k.json(&["report", "consolidated"]);
    assert_eq!((v["depersonalized"].as_bool(), v["scope"].as_str()), (Some(true), Some("41700000000000")));
    assert_eq!(v["tables"][0]["totals"]["cells"][0], "suppressed", "one child is fewer than 5");
    let human = k.ok(&["report", "consolidated"]);
    assert!(human.contains("Depersonalized report") && human.contains(" x "), "{human}");
    assert!(human.contains("x — hidden: below 5"), "{human}");
    let ru = k.ok(&["--lang", "ru", "report", "consolidated"]);
    assert!(ru.contains("Чуйская область") && ru.contains("x — скрыто"), "{ru}");
    assert_eq!(k.refused(&["child", "list"], 3)["reason"], "PERSONAL_DATA_NOT_ALLOWED");

    // The depersonalized data set: a group of one child is withheld, and the counts say so.
    let ds = tmp.path().join("dataset.csv");
    let out = k.ok(&["dataset", "--out", p(&ds)]);
    assert!(out.contains("withheld: 1"), "{out}");
    let csv = std::fs::read_to_string(&ds).unwrap();
    assert_eq!(
        csv.lines().next(),
        Some(
            "territory,sex,birth_years,identified_year,disability,migrant_parents,legal_status,case_state,risk,circumstances,monitored"
        )
    );
    let js = tmp.path().join("dataset.json");
    k.ok(&["dataset", "--out", p(&js)]);
    let d: Value = serde_json::from_str(&std::fs::read_to_string(&js).unwrap()).unwrap();
    assert_eq!((d["withheld"].as_u64(), d["threshold"].as_u64()), (Some(1), Some(5)));
    assert_eq!(k.refused(&["dataset", "--out", p(&js)], 6)["reason"], "FILE_EXISTS");

    // The Chui division reads Chui's report, and is refused Bishkek's.
    k.login("chui");
    let v = k.json(&["report", "consolidated"]);
    assert_eq!((v["scope"].as_str(), v["depersonalized"].as_bool()), (Some("41708000000000"), Some(false)));
    assert_eq!(k.json(&["report", "consolidated", "--depersonalized"])["depersonalized"], true);
    let err = k.refused(&["report", "consolidated", "--territory", "41711000000000"], 3);
    assert_eq!(err["reason"], "NOT_IN_TERRITORY");
    let out = k.run(&["--lang", "ru", "report", "quarterly", "--territory", "41711000000000"]);
    assert_eq!(code(&out), 3);
    assert!(text(&out.stderr).contains("вне вашей территории"), "{}", text(&out.stderr));
}

#[test]
fn cards_and_certificates_are_printed() {
    let tmp = tempfile::tempdir().unwrap();
    let (k, child) = setup(tmp.path());

    let card = tmp.path().join("card.pdf");
    let out = k.ok(&["--lang", "ru", "child", "print", &child, "--out", p(&card)]);
    assert!(out.contains("card.pdf"), "{out}");
    let bytes = std::fs::read(&card).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let pdf =
        std::process::Command::new("pdftotext").args([p(&card), "-"]).output().expect("pdftotext (poppler-utils)");
    assert!(pdf.status.success(), "{}", text(&pdf.stderr));
    let words = text(&pdf.stdout);
    assert!(words.contains("Асанова") && words.contains("Карточка"), "{words}");
    assert_eq!(k.refused(&["child", "print", &child, "--out", p(&card)], 6)["reason"], "FILE_EXISTS");

    // The certificate: the canonical JSON exactly as issued, and its printed SHA-256.
    let (pdf_file, json_file) = (tmp.path().join("cert.pdf"), tmp.path().join("cert.json"));
    let out = k.ok(&["child", "certificate", &child, "--out", p(&pdf_file), "--json-out", p(&json_file)]);
    let printed = out.lines().find_map(|l| l.strip_prefix("SHA-256: ")).expect("a SHA-256 line").to_string();
    let canonical = std::fs::read(&json_file).unwrap();
    assert_eq!(sha256_hex(&canonical), printed);
    let body: Value = serde_json::from_slice(&canonical).unwrap();
    assert_eq!(body["subject"]["id"], child.as_str());
    assert!(std::fs::read(&pdf_file).unwrap().starts_with(b"%PDF-"));
    // Nothing is issued when a file is in the way.
    let again = tmp.path().join("again.pdf");
    let err = k.refused(&["child", "certificate", &child, "--out", p(&again), "--json-out", p(&json_file)], 6);
    assert_eq!(err["reason"], "FILE_EXISTS");
    assert!(!again.exists());
    let j = k.json(&["child", "certificate", &child, "--out", p(&again)]);
    assert_eq!(j["sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn retention_archives_and_erases_thirty_years_on() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut k, child) = setup(tmp.path());
    // A second child, archived on a reasoned request today.
    let second = tmp.path().join("second.json");
    std::fs::write(&second, CHILD.replace("11203201500123", "11203201500124").replace("Айгүл", "Бермет")).unwrap();
    let other = k.json(&["child", "register", "--file", p(&second)])["id"].as_str().unwrap().to_string();
    k.login("admin");
    add_keeper(&k);
    assert_eq!(k.json(&["retention", "plan"])["due"], serde_json::json!([]));
    let request = tmp.path().join("request.kar");
    let req = ["archive", "request", &other, "--reason", "Переезд", "--requested-by", "Отдел", "--document", "№ 5"];
    let out = k.ok(&[&req[..], &["--archive", p(&request)]].concat());
    assert!(out.contains("children 1") && request.is_file(), "{out}");
    let log = k.json(&["archive", "requests"]);
    assert_eq!((log[0]["child"].as_str(), log[0]["outcome"].as_str()), (Some(other.as_str()), Some("archived")));
    assert!(k.ok(&["--lang", "ru", "archive", "requests"]).contains("передано в архив"));

    // Thirty years on the first child is past 28.
    k.now = Some("2056-03-02T09:00:00Z".into());
    k.login("keeper");
    let plan = k.ok(&["retention", "plan"]);
    assert!(plan.contains(&child) && plan.contains("Alamudun raion") && plan.contains("2043-03-12"), "{plan}");
    // A legal hold keeps it; nothing is written.
    k.ok(&["retention", "hold", &child, "--reason", "Судебное дело 2-11"]);
    assert_eq!(k.json(&["retention", "plan"])["held"][0]["hold"], "Судебное дело 2-11");
    let archive = tmp.path().join("retention.kar");
    assert!(k.ok(&["retention", "run", "--archive", p(&archive)]).contains("Nobody is due (held: 1)"));
    assert!(!archive.exists());
    k.ok(&["retention", "release", &child]);
    let out = k.ok(&["retention", "run", "--archive", p(&archive)]);
    assert!(out.contains("Archived and erased: children 1"), "{out}");
    let sha = out.lines().find_map(|l| l.strip_prefix("SHA-256: ")).unwrap();
    assert_eq!(sha256_hex(&std::fs::read(&archive).unwrap()), sha);
    let plan = k.json(&["retention", "plan"]);
    assert_eq!((plan["due"].as_array().unwrap().len(), plan["held"].as_array().unwrap().len()), (0, 0));
    assert_eq!(k.refused(&["retention", "run", "--archive", p(&archive)], 6)["reason"], "FILE_EXISTS");

    // The package opens with the master key alone: no registry, no sign-in.
    let owner = Kamkor { registry: tmp.path().join("nowhere"), key: KEY, session: None, now: Some(NOW.into()) };
    let shown = owner.ok(&["archive", "open", p(&archive)]);
    assert!(shown.contains(&child) && shown.contains("Асанова Айгүл") && shown.contains("retention"), "{shown}");
    let payload = owner.json(&["archive", "open", p(&archive)]);
    assert_eq!(payload["children"][0]["child"]["id"], child.as_str());
    let shown = owner.ok(&["--lang", "ru", "archive", "open", p(&request)]);
    assert!(shown.contains("Бермет") && shown.contains("по запросу") && shown.contains("№ 5"), "{shown}");
    let out = owner.command(&["--json", "archive", "open", p(&archive)]).env("KAMKOR_KEY", OTHER_KEY).output().unwrap();
    assert_eq!(code(&out), 7, "{}", text(&out.stderr));
    assert_eq!(serde_json::from_slice::<Value>(&out.stdout).unwrap()["error"]["reason"], "ARCHIVE_WRONG_KEY");
}

#[test]
fn territory_load_names_the_bad_line() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut k, _child) = setup(tmp.path());
    k.login("admin");
    let head = "soate,kind,parent,name_ru,name_ky,name_en\n";
    let good = "41708203800000,ayil_aimak,41708203000000,Лебединовский а/а,Лебединовка а/а,Lebedinovka ayil aimak\n";
    let bad = tmp.path().join("bad.csv");
    std::fs::write(&bad, format!("{head}{good}41708203900000,ayil_aimak,41799999000000,Плохой,Жаман,Bad\n")).unwrap();
    let out = k.run(&["territory", "load", p(&bad), "--effective", "2026-01-01"]);
    assert_eq!(code(&out), 4, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("line 3"), "{}", text(&out.stderr));
    let err = k.refused(&["territory", "load", p(&bad), "--effective", "2026-01-01"], 4);
    assert_eq!((err["reason"].as_str(), err["field"].as_str()), (Some("TERRITORY_UNKNOWN_PARENT"), Some("line 3")));
    let ok = tmp.path().join("ok.csv");
    std::fs::write(&ok, format!("{head}{good}")).unwrap();
    assert_eq!(k.json(&["territory", "load", p(&ok), "--effective", "2026-01-01"])["added"], 1);
    let list = k.ok(&["--lang", "ru", "territory", "list", "--under", "41708203000000"]);
    assert!(list.contains("Лебединовский а/а"), "{list}");
    // Only those who configure the registry load classifiers.
    k.login("spec1");
    assert_eq!(k.refused(&["territory", "load", p(&ok), "--effective", "2026-01-01"], 3)["reason"], "NO_PERMISSION");
}
