//! `kamkor import` and `kamkor signals` end to end: a mapping file, a cp1251 CSV with a bad
//! row (row by row: the good rows go in, the rejects file comes back with the row), a dry run,
//! the household book with its signals, and wrong arguments.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;

const MAPPING: &str = r#"
source = "other_agency"
system = "Alamudun register 2019"
date_formats = ["%d.%m.%Y"]
[columns]
"Фамилия" = "surname"
"Имя" = "given_name"
"Пол" = "sex"
"Дата рождения" = "birth_date"
"ПИН" = "pin"
[defaults]
identified_in = "41708203000000"
"#;

const LEGACY: &str = "Фамилия;Имя;Пол;Дата рождения;ПИН
Токтогулов;Бакыт;м;02.05.2014;
Исаева;Нургул;ж;03.04.2016;12345
Омурова;Айжан;ж;30.02.2018;
";

const BOOK: &str = "household_id;soate;address;low_income;member_no;relation;surname;given_name;patronymic;sex;birth_date;pin;abroad;disability;deceased_on;mother_no;father_no
H1;41708203000000;с. Арашан;1;1;head;Асанов;Бакыт;;м;01.01.1985;;1;0;;;
H1;41708203000000;с. Арашан;1;2;spouse;Асанова;Жылдыз;;ж;02.02.1988;;1;0;;;
H1;41708203000000;с. Арашан;1;3;child;Асанова;Айгүл;;ж;01.01.2015;;0;0;;;
";

#[test]
fn a_cp1251_file_is_imported_row_by_row_with_a_rejects_file() {
    let tmp = tempfile::tempdir().unwrap();
    let (k, _) = setup(tmp.path());
    let map = tmp.path().join("map.toml");
    std::fs::write(&map, MAPPING).unwrap();
    let src = tmp.path().join("legacy.csv");
    std::fs::write(&src, encoding_rs::WINDOWS_1251.encode(LEGACY).0).unwrap();
    let m = map.to_str().unwrap();
    let s = src.to_str().unwrap();
    // A dry run writes nothing.
    let out = k.run(&["import", s, "--mapping", m, "--mode", "validate"]);
    assert_eq!(code(&out), 4, "rows were rejected");
    assert!(text(&out.stdout).contains("Nothing written"), "{}", text(&out.stdout));
    assert_eq!(k.json(&["child", "list"])["total"], 1);
    // Row by row: the good row goes in; the two bad ones come back with line and reason.
    let out = k.run(&["--json", "import", s, "--mapping", m, "--mode", "row-by-row"]);
    assert_eq!(code(&out), 4);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["report"]["encoding"], "cp1251");
    assert_eq!(v["report"]["created"], 1);
    let lines: Vec<_> = v["report"]["rejected"].as_array().unwrap().iter().map(|r| r["line"].clone()).collect();
    assert_eq!(lines, vec![serde_json::json!(3), serde_json::json!(4)]);
    assert_eq!(k.json(&["child", "list"])["total"], 2);
    let rejects = std::fs::read_to_string(tmp.path().join("legacy.rejects.csv")).unwrap();
    assert!(rejects.contains("PIN_LENGTH") && rejects.contains("Исаева"), "{rejects}");
    // Human output in Russian names the line and the field.
    let ru = k.run(&["--lang", "ru", "import", s, "--mapping", m, "--mode", "validate"]);
    assert!(text(&ru.stdout).contains("Ничего не записано"), "{}", text(&ru.stdout));
    assert!(text(&ru.stdout).contains("birth_date"), "{}", text(&ru.stdout));
}

#[test]
fn the_household_book_raises_signals_and_wrong_arguments_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (k, _) = setup(tmp.path());
    let book = tmp.path().join("book.csv");
    std::fs::write(&book, BOOK).unwrap();
    let b = book.to_str().unwrap();
    let v = k.json(&["import", b, "--household-book"]);
    assert_eq!((v["report"]["families"].as_u64(), v["report"]["created"].as_u64()), (Some(1), Some(1)));
    let signals = k.json(&["signals"]);
    let rules: Vec<&str> = signals.as_array().unwrap().iter().map(|s| s["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, vec!["both_parents_abroad"]);
    assert!(std::fs::read_to_string(tmp.path().join("book.signals.csv")).unwrap().contains("both_parents_abroad"));
    assert!(k.ok(&["--lang", "ky", "signals"]).contains("Ата-эненин экөө тең чет өлкөдө"));
    let e = k.refused(&["import", b], 4);
    assert_eq!(e["reason"], "IMPORT_SOURCE");
    let e = k.refused(&["import", b, "--household-book", "--mode", "sideways"], 4);
    assert_eq!(e["reason"], "IMPORT_MODE");
    let e = k.refused(&["import", b, "--household-book", "--encoding", "koi8"], 4);
    assert_eq!(e["reason"], "IMPORT_ENCODING");
}
