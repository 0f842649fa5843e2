//! Bulk import (REG-5) and the household book with screening (INT-1) through the facade.

mod common;

use common::*;
use kamkor_core::import::{Encoding, ImportOptions, ImportReport, Mapping, Mode, ReviewKind};
use kamkor_core::registry::SearchQuery;
use kamkor_core::{Lang, Session};

const MAPPING: &str = r#"
source = "other_agency"
system = "Legacy register 2019"
date_formats = ["%d.%m.%Y", "%d/%m/%Y"]
[columns]
"Фамилия" = "surname"
"Имя" = "given_name"
"Пол" = "sex"
"Дата рождения" = "birth_date"
"ПИН" = "pin"
"Территория" = "identified_in"
"Мать" = "mother_presence"
[values.mother_presence]
"за рубежом" = "abroad_migrant"
"умерла" = "deceased"
"#;

const GOOD: &str = "Фамилия;Имя;Пол;Дата рождения;ПИН;Территория;Мать
Асанова;Айгүл;ж;01.01.2015;1 0101 2015 00011;41711000000000;за рубежом
Токтогулов;Бакыт;м;2014-05-02;;41711000000000;
Исаева;Нургүл;Ж;03/04/2016;;41711000000000;умерла
";

/// Line 3 has an impossible date, line 4 a bad PIN, line 5 repeats line 2's PIN, line 6 is short.
const MIXED: &str = "Фамилия;Имя;Пол;Дата рождения;ПИН;Территория;Мать
Асанова;Айгүл;ж;01.01.2015;10101201500011;41711000000000;за рубежом
Токтогулов;Бакыт;м;31.02.2014;;41711000000000;
Исаева;Нургүл;ж;03.04.2016;12345;41711000000000;
Асанова;Айгуль;ж;01.01.2015;10101201500011;41711000000000;
Омуров;Эрлан;м
";

fn opts(mode: Mode) -> ImportOptions {
    ImportOptions { mode, file_name: "legacy.csv".into(), encoding: None }
}

fn run(f: &Fixture, s: &Session, bytes: &[u8], mode: Mode) -> ImportReport {
    let mapping = Mapping::from_toml(MAPPING).expect("mapping");
    f.reg.import(s, bytes, &mapping, &opts(mode), &mut |_| {}).expect("import")
}

fn total(f: &Fixture, s: &Session) -> usize {
    f.reg.list_children(s, None, 0, 1).expect("list").total
}

#[test]
fn row_by_row_writes_good_rows_and_reports_the_rest_with_lines() {
    let f = Fixture::new();
    let s = f.session("spec", "specialist", BISHKEK, "111");
    let mut calls = Vec::new();
    let mapping = Mapping::from_toml(MAPPING).expect("mapping");
    let r =
        f.reg.import(&s, MIXED.as_bytes(), &mapping, &opts(Mode::RowByRow), &mut |p| calls.push(p)).expect("import");
    assert_eq!(r.rows, 5);
    assert_eq!((r.accepted, r.created), (1, 1));
    let got: Vec<(u64, &str, Option<&str>)> =
        r.rejected.iter().map(|e| (e.line, e.reason.as_str(), e.field.as_deref())).collect();
    assert_eq!(
        got,
        vec![
            (3, "DATE_FORMAT", Some("birth_date")),
            (4, "PIN_LENGTH", Some("pin")),
            (5, "DUPLICATE_ROW", Some("pin")),
            (6, "ROW_TOO_SHORT", Some("row")),
        ],
        "{:?}",
        r.rejected
    );
    assert_eq!(r.rejected[2].args.get("first").map(String::as_str), Some("2"));
    assert!(r.rejected[0].message(Lang::Ru).contains("birth_date"), "{}", r.rejected[0].message(Lang::Ru));
    assert_eq!(calls.last().map(|p| (p.done, p.total)), Some((5, 5)));
    assert_eq!(total(&f, &s), 1);
    // The imported fact carries its provenance: source system, file and row.
    let c = f.reg.find_by_pin(&s, "10101201500011").expect("find").expect("child");
    let h = f.reg.history(&s, &c.id).expect("history");
    let j = serde_json::to_value(&h[0].fact).expect("json");
    assert_eq!(j["provenance"]["reference"], "Legacy register 2019; file legacy.csv; row 2");
    assert_eq!(j["provenance"]["source"], "other_agency");
    assert_eq!(c.record.relatives[0].presence, "abroad_migrant");
}

#[test]
fn the_rejects_csv_can_be_fixed_and_fed_back() {
    let f = Fixture::new();
    let s = f.session("spec", "specialist", BISHKEK, "111");
    let first = run(&f, &s, MIXED.as_bytes(), Mode::RowByRow);
    let headers: Vec<String> = MIXED.lines().next().expect("header").split(';').map(String::from).collect();
    let rejects = first.rejects_csv(&headers, Lang::En).expect("csv");
    assert!(rejects.starts_with("kamkor_line,kamkor_field,kamkor_code,kamkor_reason,kamkor_message,Фамилия"));
    // The user fixes the date and the PIN; the duplicate and the short row are dropped.
    let fixed: String = rejects
        .lines()
        .filter(|l| !l.contains("DUPLICATE_ROW") && !l.contains("ROW_TOO_SHORT"))
        .map(|l| l.replace("31.02.2014", "28.02.2014").replace(",12345,", ",,"))
        .collect::<Vec<_>>()
        .join("\n");
    let again = run(&f, &s, fixed.as_bytes(), Mode::RowByRow);
    assert!(again.rejected.is_empty(), "{:?}", again.rejected);
    assert_eq!(again.created, 2);
    assert_eq!(total(&f, &s), 3);
}

#[test]
fn all_or_nothing_and_validate_change_nothing_when_a_row_is_bad() {
    let f = Fixture::new();
    let s = f.session("spec", "specialist", BISHKEK, "111");
    let audit_before = f.audit_len();
    let r = run(&f, &s, MIXED.as_bytes(), Mode::AllOrNothing);
    assert!(!r.written);
    assert_eq!((r.created, r.rejected.len()), (0, 4));
    assert_eq!(total(&f, &s), 0);
    let v = run(&f, &s, GOOD.as_bytes(), Mode::Validate);
    assert!(!v.written);
    assert_eq!((v.accepted, v.created, v.rejected.len()), (3, 0, 0));
    assert_eq!(total(&f, &s), 0);
    // Both attempts are audited (one entry each), nothing else was written.
    let entries = f.reg.audit_entries(&f.admin, 0, 10_000).expect("audit");
    assert_eq!(entries.iter().filter(|e| e.action == "import.run").count(), 2);
    assert!(f.audit_len() > audit_before);
    let all = run(&f, &s, GOOD.as_bytes(), Mode::AllOrNothing);
    assert!(all.written);
    assert_eq!(all.created, 3);
    assert_eq!(total(&f, &s), 3);
}

#[test]
fn reimport_matches_and_contradictions_are_flagged_not_applied() {
    let f = Fixture::new();
    let s = f.session("spec", "specialist", BISHKEK, "111");
    run(&f, &s, GOOD.as_bytes(), Mode::RowByRow);
    let again = run(&f, &s, GOOD.as_bytes(), Mode::RowByRow);
    assert_eq!(again.created, 0);
    assert_eq!(again.unchanged, 1, "the PIN row matches with the same data");
    // The two rows without PIN match registered children by name and birth date.
    assert_eq!(again.review.iter().filter(|r| r.kind == ReviewKind::LikelyMatch).count(), 2);
    let changed = GOOD.replace("Асанова;Айгүл;ж;01.01.2015", "Асанбекова;Айгүл;ж;01.01.2015");
    let r = run(&f, &s, changed.as_bytes(), Mode::RowByRow);
    let c: Vec<_> = r.review.iter().filter(|r| r.kind == ReviewKind::Contradiction).collect();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].field.as_deref(), Some("surname"));
    assert_eq!((c[0].existing.as_deref(), c[0].imported.as_deref()), (Some("Асанова"), Some("Асанбекова")));
    let child = f.reg.find_by_pin(&s, "10101201500011").expect("find").expect("child");
    assert_eq!(child.record.surname, "Асанова", "never silently overwritten");
    assert_eq!(total(&f, &s), 3);
    assert!(r.review_csv().expect("csv").contains("contradiction"));
}

#[test]
fn cp1251_xlsx_and_json_lines_are_read() {
    let f = Fixture::new();
    let s = f.session("spec", "specialist", BISHKEK, "111");
    // cp1251 has no ү: legacy files write у.
    let text = GOOD.replace('ү', "у");
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(&text);
    let r = run(&f, &s, &bytes, Mode::Validate);
    assert_eq!((r.encoding.as_str(), r.accepted), ("cp1251", 3), "{:?}", r.rejected);
    // Forced UTF-8 refuses it, naming the line.
    let mapping = Mapping::from_toml(MAPPING).expect("mapping");
    let o = ImportOptions { encoding: Some(Encoding::Utf8), ..opts(Mode::Validate) };
    let e = f.reg.import(&s, &bytes, &mapping, &o, &mut |_| {}).expect_err("not utf-8");
    assert_eq!((e.reason.as_str(), e.args.get("line").map(String::as_str)), ("ENCODING_INVALID", Some("1")));
    // XLSX with a date cell.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (i, h) in ["Фамилия", "Имя", "Пол", "Дата рождения", "ПИН", "Территория", "Мать"].iter().enumerate()
    {
        ws.write_string(0, i as u16, *h).expect("cell");
    }
    ws.write_string(1, 0, "Асанова").expect("cell");
    ws.write_string(1, 1, "Айгүл").expect("cell");
    ws.write_string(1, 2, "ж").expect("cell");
    let fmt = rust_xlsxwriter::Format::new().set_num_format("dd.mm.yyyy");
    let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2015, 1, 1).expect("date");
    ws.write_datetime_with_format(1, 3, &d, &fmt).expect("cell");
    ws.write_string(1, 4, "10101201500011").expect("cell");
    ws.write_string(1, 5, "41711000000000").expect("cell");
    let xlsx = wb.save_to_buffer().expect("xlsx");
    let o = ImportOptions { file_name: "old.xlsx".into(), ..opts(Mode::RowByRow) };
    let r = f.reg.import(&s, &xlsx, &mapping, &o, &mut |_| {}).expect("xlsx import");
    assert_eq!((r.created, r.rejected.len()), (1, 0), "{:?}", r.rejected);
    let c = f.reg.find_by_pin(&s, "10101201500011").expect("find").expect("child");
    assert_eq!(c.record.birth_date, date("2015-01-01"));
    // A damaged workbook is one error and nothing is imported.
    let o = ImportOptions { file_name: "cut.xlsx".into(), ..opts(Mode::RowByRow) };
    let e = f.reg.import(&s, &xlsx[..xlsx.len() / 2], &mapping, &o, &mut |_| {}).expect_err("cut");
    assert_eq!(e.reason, "FILE_DAMAGED");
    // JSON Lines cut off in the middle of its last line.
    let jsonl = "{\"Фамилия\":\"Токтогулов\",\"Имя\":\"Бакыт\",\"Пол\":\"м\",\"Дата рождения\":\"2014-05-02\",\"Территория\":\"41711000000000\"}\n{\"Фамилия\":\"Ис";
    let o = ImportOptions { file_name: "x.jsonl".into(), ..opts(Mode::RowByRow) };
    let r = f.reg.import(&s, jsonl.as_bytes(), &mapping, &o, &mut |_| {}).expect("jsonl");
    assert_eq!(r.created, 1);
    assert_eq!(r.rejected.iter().map(|e| (e.line, e.reason.as_str())).collect::<Vec<_>>(), vec![(2, "ROW_CUT_OFF")]);
    assert_eq!(total(&f, &s), 2);
}

#[test]
fn missing_columns_scope_and_rights_are_enforced() {
    let f = Fixture::new();
    let s = f.session("spec", "specialist", BISHKEK, "111");
    let no_pin_col = GOOD.replace("ПИН", "PIN");
    let mapping = Mapping::from_toml(MAPPING).expect("mapping");
    let e = f.reg.import(&s, no_pin_col.as_bytes(), &mapping, &opts(Mode::RowByRow), &mut |_| {}).expect_err("col");
    assert_eq!((e.reason.as_str(), e.args.get("column").map(String::as_str)), ("MISSING_COLUMN", Some("ПИН")));
    // A row outside the importer's territory is rejected, audited, and the rest goes in.
    let osh = GOOD.replacen("41711000000000", OSH_CITY, 1);
    let r = run(&f, &s, osh.as_bytes(), Mode::RowByRow);
    assert_eq!(
        r.rejected.iter().map(|e| (e.line, e.reason.as_str())).collect::<Vec<_>>(),
        vec![(2, "NOT_IN_TERRITORY")]
    );
    assert_eq!(r.created, 2);
    let denied = f.reg.denied_attempts(&f.admin, None).expect("denied");
    assert!(denied.iter().any(|d| d.action == "child.register"));
    // A read-only role may not import at all.
    let reader = f.session("reader", "territorial_reader", BISHKEK, "900");
    let e = f.reg.import(&reader, GOOD.as_bytes(), &mapping, &opts(Mode::Validate), &mut |_| {}).expect_err("ro");
    assert_eq!(e.code.as_str(), "ACCESS_DENIED");
}

const BOOK: &str = "household_id;soate;address;low_income;member_no;relation;surname;given_name;patronymic;sex;birth_date;pin;abroad;disability;deceased_on;mother_no;father_no
H1;41711000000000;ул. Ленина 1;1;1;head;Асанов;Бакыт;;м;01.01.1985;;1;0;;;
H1;41711000000000;ул. Ленина 1;1;2;spouse;Асанова;Жылдыз;;ж;02.02.1988;;1;0;;;
H1;41711000000000;ул. Ленина 1;1;3;child;Асанова;Айгүл;;ж;01.01.2015;10101201500011;0;1;;;
H1;41711000000000;ул. Ленина 1;1;4;child;Асанов;Эрлан;;м;05.06.2017;;0;0;;;
H1;41711000000000;ул. Ленина 1;1;5;child;Асанов;Нурлан;;м;05.06.2019;;0;0;;;
H2;41711000000000;ул. Токтогула 5;0;1;head;Исаев;Марат;;м;01.01.1980;;0;0;12.03.2024;;
H2;41711000000000;ул. Токтогула 5;0;2;spouse;Исаева;Гүлзат;;ж;01.01.1982;;0;0;;;
H2;41711000000000;ул. Токтогула 5;0;3;child;Исаева;Нургүл;;ж;03.04.2016;;0;0;;;
H3;41711000000000;ул. Садовая 2;0;1;head;Омуров;Эрлан;;м;01.01.1990;;0;0;;;
H3;41711000000000;ул. Садовая 2;0;2;child;Омурова;Айжан;;ж;31.02.2018;;0;0;;;
";

#[test]
fn household_book_dry_run_lists_would_be_signals_without_child_ids_and_writes_nothing() {
    let f = Fixture::new();
    let s = f.session("spec", "specialist", BISHKEK, "111");
    let o = ImportOptions { mode: Mode::Validate, file_name: "book.csv".into(), encoding: None };
    let r = f.reg.import_household_book(&s, BOOK.as_bytes(), &o, &mut |_| {}).expect("dry run");
    assert!(!r.written);
    assert!(!r.signals.is_empty(), "the dry run lists the signals it would raise");
    assert!(r.signals.iter().all(|x| x.child.is_none() && x.family.is_none()), "{:?}", r.signals);
    let csv = r.signals_csv(kamkor_core::Lang::En).expect("csv");
    assert!(!csv.contains("00000000000000000000000000000000"), "no made-up id: {csv}");
    assert!(f.reg.signals(&s).expect("signals").is_empty(), "nothing raised");
}

#[test]
fn household_book_imports_families_and_raises_signals_by_rule() {
    let f = Fixture::new();
    let s = f.session("spec", "specialist", BISHKEK, "111");
    let o = ImportOptions { mode: Mode::RowByRow, file_name: "book.csv".into(), encoding: None };
    let r = f.reg.import_household_book(&s, BOOK.as_bytes(), &o, &mut |_| {}).expect("import");
    // H3 has an impossible date: both its rows are rejected, the bad one with its reason.
    let rej: Vec<(u64, &str)> = r.rejected.iter().map(|e| (e.line, e.reason.as_str())).collect();
    assert_eq!(rej, vec![(10, "HOUSEHOLD_REJECTED"), (11, "DATE_FORMAT")], "{:?}", r.rejected);
    assert_eq!((r.families, r.created), (2, 4));
    let mut sig: Vec<(String, String)> = r
        .signals
        .iter()
        .map(|x| {
            let c = f.reg.get_child(&s, &x.child.expect("a registered child")).expect("child");
            (c.record.given_name, x.rule.clone())
        })
        .collect();
    sig.sort();
    assert_eq!(
        sig,
        vec![
            ("Айгүл".to_string(), "both_parents_abroad".to_string()),
            ("Айгүл".to_string(), "disability_low_income".to_string()),
            ("Айгүл".to_string(), "many_children_low_income".to_string()),
            ("Нургүл".to_string(), "lost_a_parent".to_string()),
            ("Нурлан".to_string(), "both_parents_abroad".to_string()),
            ("Нурлан".to_string(), "many_children_low_income".to_string()),
            ("Эрлан".to_string(), "both_parents_abroad".to_string()),
            ("Эрлан".to_string(), "many_children_low_income".to_string()),
        ]
    );
    // The child is linked to its family, with its parents as relatives, and the screening in its history.
    let aigul = f.reg.find_by_pin(&s, "10101201500011").expect("find").expect("child");
    let fam = f.reg.get_family(&s, &aigul.family.expect("family")).expect("family");
    assert!(fam.record.circumstances.contains(&"low_income".to_string()));
    assert!(fam.record.circumstances.contains(&"many_children".to_string()));
    assert_eq!(fam.record.members.len(), 2);
    assert!(aigul.record.relatives.iter().all(|r| r.presence == "abroad_migrant"));
    let h = f.reg.history(&s, &aigul.id).expect("history");
    assert!(h
        .iter()
        .any(|e| matches!(&e.fact, kamkor_core::facts::FactBody::Screened { rules, .. } if rules.len() == 3)));
    // Signals are listed for the specialist until a case is opened.
    assert_eq!(f.reg.signals(&s).expect("signals").len(), 8);
    // Importing the same book again duplicates nothing.
    let again = f.reg.import_household_book(&s, BOOK.as_bytes(), &o, &mut |_| {}).expect("again");
    assert_eq!((again.families, again.created, again.unchanged), (0, 0, 1), "{:?}", again.review);
    assert_eq!(total(&f, &s), 4);
    let found = f.reg.search(&s, &SearchQuery { name: "Асанов Эрлан".into(), ..Default::default() }).expect("search");
    assert_eq!(found.len(), 1);
}

#[test]
fn opening_a_case_answers_the_signal() {
    let f = Fixture::new();
    let s = f.session("spec", "specialist", BISHKEK, "111");
    let o = ImportOptions { mode: Mode::AllOrNothing, file_name: "book.csv".into(), encoding: None };
    let good: String = BOOK.lines().filter(|l| !l.starts_with("H3")).map(|l| format!("{l}\n")).collect();
    let r = f.reg.import_household_book(&s, good.as_bytes(), &o, &mut |_| {}).expect("import");
    assert!(r.written);
    let child = r.signals.iter().find(|x| x.rule == "lost_a_parent").expect("signal").child.expect("registered");
    let req = serde_json::from_value(serde_json::json!({
        "child": child, "opening": "signal", "ground": "household_screening",
        "document": {"kind": "signal_record", "number": "1", "date": "2026-11-20", "issuer": "АО"}
    }));
    let view = f.reg.open_case(&s, req.expect("request"));
    assert!(view.is_ok(), "{view:?}");
    let left = f.reg.signals(&s).expect("signals");
    assert!(left.iter().all(|x| x.child != Some(child)));
    assert_eq!(left.len(), 7);
    // A reader of another territory sees none of them.
    let osh = f.session("osh", "specialist", OSH_CITY, "222");
    assert!(f.reg.signals(&osh).expect("signals").is_empty());
}
