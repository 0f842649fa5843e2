//! Renderers (feature `render`): CSV, XLSX, SVG chart and schematic map, PDF documents.
//!
//! Text outputs are insta snapshots of a small fixed report (Cyrillic labels, one suppressed
//! cell, a totals row). The XLSX is read back with calamine. The PDF is checked with poppler
//! (`pdftotext`, `pdftoppm`), which must be installed: `apt-get install poppler-utils`.
//!
//! Set `KAMKOR_RENDER_OUT=/some/dir` to also write every output there for a person to look at.
#![cfg(feature = "render")]

use calamine::{Data, Reader, Xlsx};
use chrono::{NaiveDate, TimeZone, Utc};
use kamkor_core::profile::Label;
use kamkor_core::render::{self, csv::report_csv, map, pdf::document_pdf, svg, xlsx::report_xlsx, RenderError};
use kamkor_core::report::{Cell, Column, Document, Report, Row, Section, Table};
use kamkor_core::territory::{Territories, TerritoryCode};
use kamkor_core::Lang;
use std::path::PathBuf;
use std::process::Command;

fn label(ru: &str, ky: &str, en: &str) -> Label {
    Label { ru: ru.into(), ky: ky.into(), en: en.into() }
}

fn code(s: &str) -> TerritoryCode {
    TerritoryCode::parse(s).expect("code")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn row(id: &str, l: Label, territory: Option<&str>, cells: &[Option<u64>]) -> Row {
    Row {
        id: id.into(),
        label: l,
        territory: territory.map(code),
        cells: cells.iter().map(|c| c.map_or(Cell::Suppressed, Cell::Count)).collect(),
    }
}

/// Identified children in Chui oblast and Bishkek, by district and sex; and by reason.
fn report() -> Report {
    let cols = vec![
        Column { id: "female".into(), label: label("Девочки", "Кыздар", "Girls") },
        Column { id: "male".into(), label: label("Мальчики", "Балдар", "Boys") },
        Column { id: "total".into(), label: label("Всего", "Баары", "Total") },
    ];
    let by_district = Table {
        id: "identified_by_district".into(),
        title: label(
            "Выявленные дети по районам и полу",
            "Аныкталган балдар райондор жана жынысы боюнча",
            "Identified children by district and sex",
        ),
        row_header: label("Район", "Район", "District"),
        columns: cols.clone(),
        rows: vec![
            row(
                "41711201000000",
                label("Ленинский район", "Ленин району", "Leninsky district"),
                Some("41711201000000"),
                &[Some(12), Some(17), Some(29)],
            ),
            row(
                "41711202000000",
                label("Октябрьский район", "Октябрь району", "Oktyabrsky district"),
                Some("41711202000000"),
                &[Some(8), Some(11), Some(19)],
            ),
            row(
                "41708203000000",
                label("Аламудунский район", "Аламүдүн району", "Alamudun raion"),
                Some("41708203000000"),
                &[Some(21), Some(24), Some(45)],
            ),
            row(
                "41708213000000",
                label("Кеминский район", "Кемин району", "Kemin raion"),
                Some("41708213000000"),
                &[None, Some(6), Some(9)],
            ),
            row(
                "41708222000000",
                label("Сокулукский район", "Сокулук району", "Sokuluk raion"),
                Some("41708222000000"),
                &[Some(15), Some(13), Some(28)],
            ),
        ],
        totals: Some(row("total", label("Итого", "Жыйынтык", "Total"), None, &[Some(59), Some(71), Some(130)])),
    };
    let by_reason = Table {
        id: "identified_by_reason".into(),
        title: label(
            "Причины трудной жизненной ситуации",
            "Оор турмуштук кырдаалдын себептери",
            "Reasons for the difficult life situation",
        ),
        row_header: label("Причина", "Себеби", "Reason"),
        columns: vec![Column { id: "children".into(), label: label("Детей", "Балдар", "Children") }],
        rows: vec![
            row(
                "parents_abroad",
                label("Родители — трудовые мигранты", "Ата-энеси — эмгек мигранттары", "Parents are labour migrants"),
                None,
                &[Some(52)],
            ),
            row("disability", label("Инвалидность", "Майыптуулук", "Disability"), None, &[Some(23)]),
            row("no_documents", label("Нет документов", "Документтери жок", "No documents"), None, &[None]),
            row(
                "neglect",
                label("Пренебрежение нуждами", "Муктаждыктарына көңүл бурбоо", "Neglect"),
                None,
                &[Some(41)],
            ),
        ],
        totals: Some(row("total", label("Итого", "Жыйынтык", "Total"), None, &[Some(130)])),
    };
    Report {
        id: "kg_quarterly".into(),
        title: label(
            "Дети в трудной жизненной ситуации: I квартал 2026 г.",
            "Оор турмуштук кырдаалдагы балдар: 2026-жылдын I чейреги",
            "Children in difficult life situations: Q1 2026",
        ),
        scope: code("41700000000000"),
        scope_name: label("Кыргызская Республика", "Кыргыз Республикасы", "Kyrgyz Republic"),
        period: Some((date(2026, 1, 1), date(2026, 3, 31))),
        due_date: Some(date(2026, 4, 30)),
        generated_at: Utc.with_ymd_and_hms(2026, 4, 2, 10, 15, 0).single().expect("time"),
        depersonalized: true,
        threshold: 5,
        tables: vec![by_district, by_reason],
    }
}

/// Writes an output for a person to look at when `KAMKOR_RENDER_OUT` is set.
fn keep(name: &str, bytes: &[u8]) {
    if let Some(dir) = std::env::var_os("KAMKOR_RENDER_OUT") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("output dir");
        std::fs::write(dir.join(name), bytes).expect("write output");
    }
}

#[test]
fn csv_has_bom_crlf_blocks_and_markers() {
    let r = report();
    let csv = report_csv(&r, Lang::Ru);
    keep("report-ru.csv", csv.as_bytes());
    assert!(csv.starts_with('\u{feff}'), "BOM first");
    assert!(csv.contains("\r\n") && !csv.replace("\r\n", "").contains('\n'), "CRLF line ends only");
    assert!(csv.contains("41708213000000;Кеминский район;x;6;9\r\n"), "{csv}");
    assert!(csv.contains(";Итого;59;71;130\r\n"));
    // Kyrgyz labels keep their letters; a comma separator on request.
    let ky = render::csv::report_csv_with(&r, Lang::Ky, b',');
    assert!(ky.contains("Аламүдүн району,21,24,45") && ky.contains("Муктаждыктарына көңүл бурбоо,41"), "{ky}");
    insta::assert_snapshot!("csv_ru", csv.trim_start_matches('\u{feff}').replace("\r\n", "\n"));
}

#[test]
fn csv_defuses_formulas() {
    let mut r = report();
    r.tables[1].rows[0].label.ru = "=HYPERLINK(\"x\")".into();
    let csv = report_csv(&r, Lang::Ru);
    assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\")\";52"), "{csv}");
}

fn cell_string(range: &calamine::Range<Data>, row: u32, col: u32) -> String {
    range.get_value((row, col)).map(|d| d.to_string()).unwrap_or_default()
}

#[test]
fn xlsx_reads_back_with_cyrillic_and_numbers() {
    let r = report();
    let bytes = report_xlsx(&r, Lang::Ky).expect("xlsx");
    keep("report-ky.xlsx", &bytes);
    assert_eq!(bytes, report_xlsx(&r, Lang::Ky).expect("xlsx again"), "deterministic");
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("open xlsx");
    let names = wb.sheet_names();
    assert_eq!(names, ["Аныкталган балдар райондор жана", "Оор турмуштук кырдаалдын себепт"]);
    let sheet = wb.worksheet_range(&names[0]).expect("sheet 1");
    assert_eq!(cell_string(&sheet, 0, 0), "Оор турмуштук кырдаалдагы балдар: 2026-жылдын I чейреги");
    assert_eq!(cell_string(&sheet, 1, 0), "Аныкталган балдар райондор жана жынысы боюнча");
    assert_eq!((cell_string(&sheet, 2, 0), cell_string(&sheet, 2, 1)), ("Аймак".into(), "Кыргыз Республикасы".into()));
    assert_eq!(cell_string(&sheet, 3, 1), "01.01.2026 – 31.03.2026");
    assert_eq!(cell_string(&sheet, 5, 1), "02.04.2026 10:15 UTC");
    // Heading row, then data: the code column first (territory rows).
    let head = (0..5).find(|r| cell_string(&sheet, *r + 6, 0) == "СОАТЕ коду").map(|r| r + 6).expect("heading row");
    assert_eq!(cell_string(&sheet, head, 1), "Район");
    assert_eq!(cell_string(&sheet, head, 2), "Кыздар");
    assert_eq!(cell_string(&sheet, head + 3, 1), "Аламүдүн району");
    assert_eq!(sheet.get_value((head + 3, 4)), Some(&Data::Float(45.0)));
    assert_eq!(sheet.get_value((head + 4, 2)), Some(&Data::String("x".into())));
    assert_eq!(cell_string(&sheet, head + 6, 1), "Жыйынтык");
    assert_eq!(sheet.get_value((head + 6, 4)), Some(&Data::Float(130.0)));
    assert!(cell_string(&sheet, head + 8, 0).starts_with("x — жашырылган"));
    let reasons = wb.worksheet_range(&names[1]).expect("sheet 2");
    let found =
        reasons.rows().any(|r| r.iter().any(|c| matches!(c, Data::String(s) if s == "Муктаждыктарына көңүл бурбоо")));
    assert!(found);
}

#[test]
fn xlsx_sheet_names_are_unique_and_short() {
    let mut r = report();
    let long = "Очень длинное название таблицы, которое не помещается в имя листа";
    for t in &mut r.tables {
        t.title.ru = long.into();
    }
    r.tables.push(r.tables[0].clone());
    let names = render::xlsx::sheet_names(&r, Lang::Ru);
    assert_eq!(names.len(), 3);
    assert!(names.iter().all(|n| n.chars().count() <= 31), "{names:?}");
    assert_eq!(names[1], "Очень длинное название табл (2)");
    assert_eq!(names[2], "Очень длинное название табл (3)");
    let bytes = report_xlsx(&r, Lang::Ru).expect("xlsx");
    let wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("open");
    assert_eq!(wb.sheet_names(), names);
    // No tables: one sheet with the header.
    r.tables.clear();
    let bytes = report_xlsx(&r, Lang::En).expect("xlsx");
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("open");
    let only = wb.worksheet_range_at(0).expect("a sheet").expect("readable");
    assert_eq!(cell_string(&only, 0, 0), "Children in difficult life situations: Q1 2026");
}

#[test]
fn bar_chart_svg() {
    let r = report();
    let marker = render::suppressed_marker(&r);
    let chart = svg::bar_chart_marked(&r.tables[0], 0, Lang::Ru, &marker);
    keep("chart-ru.svg", chart.as_bytes());
    assert!(chart.starts_with("<svg") && chart.trim_end().ends_with("</svg>"));
    assert!(chart.contains("width=\"720\""));
    assert!(chart.contains(">x</text>"), "suppressed marker shown");
    let escaped = svg::bar_chart_marked(&r.tables[0], 0, Lang::Ru, "<5");
    assert!(escaped.contains(">&lt;5</text>"), "a marker is escaped");
    assert_eq!(chart, svg::bar_chart_marked(&r.tables[0], 0, Lang::Ru, &marker), "deterministic");
    let plain = svg::bar_chart(&r.tables[1], 0, Lang::Ky);
    keep("chart-ky.svg", plain.as_bytes());
    assert!(plain.contains("жашырылган") && plain.contains("Муктаждыктарына"));
    // Unknown column: title, no bars, still an SVG.
    let none = svg::bar_chart(&r.tables[1], 7, Lang::En);
    assert!(none.contains("<svg") && !none.contains("fill=\"#3f72af\""));
    insta::assert_snapshot!("chart_ru", chart);
}

fn map_values() -> Vec<(TerritoryCode, Option<u64>)> {
    let r = report();
    let mut values = map::map_values(&r.tables[0], 2);
    assert_eq!(values.len(), 5);
    // Oblast-level values: Osh oblast as a whole (no district values), Talas hidden; Naryn's
    // value is ignored for colouring its block because one of its districts has a value.
    values.extend([
        (code("41706000000000"), Some(87)),
        (code("41707000000000"), None),
        (code("41704000000000"), Some(40)),
        (code("41704220000000"), Some(14)),
        (code("41721000000000"), Some(33)),
        (code("41702410000010"), Some(0)),
        (code("41705214000000"), Some(61)),
    ]);
    values
}

#[test]
fn territory_map_svg() {
    let t = Territories::kyrgyzstan();
    let values = map_values();
    let svg = map::territory_map(&values, &t, Lang::Ru, "Выявленные дети, I квартал 2026 г.");
    keep("map-ru.svg", svg.as_bytes());
    assert!(svg.contains("Схематическая карта: не в масштабе"), "says it is schematic");
    for name in
        ["Ленинский", "Кеминский", "г. Ош", "Баткенская область", "Ошская область: 87", "Таласская область: скрыто"]
    {
        assert!(svg.contains(name), "{name}");
    }
    // A group (with a tooltip) per district tile, per block, and for Osh city (a block without districts).
    let tiles = t.leaves().len();
    assert_eq!(svg.matches("<g><title>").count(), tiles + 8, "a group per tile and per block");
    assert_eq!(svg, map::territory_map(&values, &t, Lang::Ru, "Выявленные дети, I квартал 2026 г."));
    let en = map::territory_map(&values, &t, Lang::En, "Identified children, Q1 2026");
    keep("map-en.svg", en.as_bytes());
    assert!(en.contains("Schematic map") && en.contains("Jalal-Abad oblast"));
    let ky = map::territory_map(&values, &t, Lang::Ky, "Аныкталган балдар");
    keep("map-ky.svg", ky.as_bytes());
    insta::assert_snapshot!("map_ru", svg);
}

#[test]
fn map_of_another_hierarchy_lays_itself_out() {
    let csv = "code,kind,parent,name_ru,name_ky,name_en\n55,region,,Омская область,,\n\
               5501,district,55,Азовский район,,Azovsky\n5502,district,55,Исилькульский район,,Isilkul\n\
               5503,city,55,г. Омск,,Omsk\n5510,okrug,55,Округ,,Okrug\n551001,district,5510,Первый район,,First\n";
    let t = Territories::from_csv(csv.as_bytes()).expect("hierarchy");
    let svg = map::territory_map(&[(code("5501"), Some(3)), (code("551001"), None)], &t, Lang::Ru, "Омск");
    keep("map-omsk.svg", svg.as_bytes());
    for s in ["Азовский", "г. Омск", "Округ", "Первый"] {
        assert!(svg.contains(s), "{s}");
    }
}

fn card() -> Document {
    let mut lines = vec![
        ("Фамилия".to_string(), "Асанова".to_string()),
        ("Имя".into(), "Айгүл".into()),
        ("Отчество".into(), "Мамытбековна".into()),
        ("Пол".into(), "женский".into()),
        ("Дата рождения".into(), "14.05.2014".into()),
        ("ПИН".into(), "11405201400123".into()),
        ("Место выявления".into(), "Ноокенский район, айыл аймагы Көк-Арт, с. Ыңгайлуу".into()),
        (
            "Место жительства".into(),
            "Жалал-Абадская область, Ноокенский район, с. Массы, ул. Токтогула, д. 14, кв. 3 (проживает у бабушки Өмүрбековой Ү. Т., адрес регистрации другой)".into(),
        ),
    ];
    let relatives = vec![
        ("Мать".to_string(), "Мамытбекова Гүлнара Сейитбековна, ПИН 11203198700045, трудовой мигрант (Российская Федерация, г. Екатеринбург), связь по телефону раз в месяц".to_string()),
        ("Отец".into(), "сведений нет".into()),
        ("Бабушка".into(), "Өмүрбекова Үмүт Токтосуновна, опекун (решение аильной комиссии №12 от 03.02.2026)".into()),
        ("Брат".into(), "Асанов Нурсултан, 2011 г.р.".into()),
    ];
    let mut needs: Vec<(String, String)> = (1..=28)
        .map(|i| {
            (
                format!("Потребность {i}"),
                format!("Запись {i}: посещение семьи, беседа с бабушкой, ребёнок посещает школу №{i} (Ноокен), нуждается в сопровождении психолога; ответственный — специалист ОПСД Ноокенского района Төлөгөнова Ч."),
            )
        })
        .collect();
    needs.push(("Пустое".into(), String::new()));
    lines.push(("Инвалидность".into(), "нет".into()));
    Document {
        title: "Карточка ребёнка, находящегося в трудной жизненной ситуации".into(),
        issuer: "Автоматизированная информационная система «Дети в ТЖС» — Управление социального развития Ноокенского района (ИНН 01234567890123)".into(),
        sections: vec![
            Section { title: "Сведения о ребёнке".into(), lines },
            Section { title: "Родители и близкие родственники".into(), lines: relatives },
            Section { title: "Потребности и мероприятия".into(), lines: needs },
        ],
        printed: "Распечатано 22.11.2026 в 09:00 (UTC+6) пользователем Төлөгөнова Чолпон, специалист ОПСД".into(),
        confidentiality: "Конфиденциально. Персональные данные. Купуя. Жеке маалыматтар.".into(),
        digest: Some("3f8a1c2e9b7d4f6a0c5e8b1d2f4a6c8e0b3d5f7a9c1e2b4d6f8a0c2e4b6d8f0a".into()),
    }
}

fn tool(name: &str) -> Command {
    let probe = Command::new(name).arg("-v").output();
    assert!(
        probe.is_ok(),
        "`{name}` is missing: install poppler-utils (apt-get install -y poppler-utils) to run the PDF tests"
    );
    Command::new(name)
}

#[test]
fn pdf_card_has_text_marks_and_pages() {
    let doc = card();
    let bytes = document_pdf(&doc).expect("pdf");
    keep("card.pdf", &bytes);
    assert!(bytes.starts_with(b"%PDF-") && bytes.len() < 80_000, "size {}", bytes.len());
    assert_eq!(bytes, document_pdf(&doc).expect("again"), "deterministic");
    println!("card PDF: {} bytes", bytes.len());

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("card.pdf");
    std::fs::write(&path, &bytes).expect("write");
    let out = tool("pdftotext").args(["-layout", "-enc", "UTF-8"]).arg(&path).arg("-").output().expect("pdftotext");
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let pages: Vec<&str> = text.split('\u{c}').filter(|p| !p.trim().is_empty()).collect();
    assert!(pages.len() >= 2, "the card continues on a new page ({} pages)", pages.len());
    for (i, page) in pages.iter().enumerate() {
        assert!(page.contains("Конфиденциально. Персональные данные."), "mark on page {}", i + 1);
        // pdftotext may drop the spaces around the slash.
        let compact = page.replace(' ', "");
        assert!(compact.contains(&format!("{}/{}", i + 1, pages.len())), "page number on page {}", i + 1);
        assert!(page.contains("Распечатано 22.11.2026"), "printed line on page {}", i + 1);
    }
    for s in [
        "Карточка ребёнка",
        "Айгүл",
        "Ыңгайлуу",
        "Өмүрбекова Үмүт Токтосуновна",
        "Төлөгөнова Чолпон",
        "Купуя. Жеке маалыматтар.",
        "Потребность 28",
        "SHA-256",
        "3f8a1c2e9b7d4f6a0c5e8b1d2f4a6c8e",
    ] {
        assert!(text.contains(s), "{s:?} not in\n{text}");
    }

    let prefix = dir.path().join("page");
    let status = tool("pdftoppm").args(["-png", "-r", "50"]).arg(&path).arg(&prefix).status().expect("pdftoppm");
    assert!(status.success());
    let mut pngs: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pngs.sort();
    assert_eq!(pngs.len(), pages.len());
    for png in &pngs {
        let data = std::fs::read(png).expect("png");
        assert!(data.starts_with(b"\x89PNG") && data.len() > 2_000, "{png:?}");
        keep(&format!("card-{}", png.file_name().and_then(|n| n.to_str()).unwrap_or("page.png")), &data);
    }
}

#[test]
fn pdf_certificate_without_digest_is_one_page() {
    let doc = Document {
        title: "Справка о персональных данных субъекта".into(),
        issuer: "Kamkor".into(),
        sections: vec![Section {
            title: "Субъект".into(), lines: vec![("ФИО".into(), "Үсөнов Эмил".into())]
        }],
        printed: "Напечатано 01.02.2026 10:00".into(),
        confidentiality: "Конфиденциально".into(),
        digest: None,
    };
    let bytes = document_pdf(&doc).expect("pdf");
    keep("certificate.pdf", &bytes);
    assert!(bytes.len() < 40_000, "{}", bytes.len());
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.pdf");
    std::fs::write(&path, &bytes).expect("write");
    let out = tool("pdftotext").arg(&path).arg("-").output().expect("pdftotext");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.contains("Үсөнов Эмил") && text.replace(' ', "").contains("1/1") && !text.contains("SHA-256"),
        "{text}"
    );
}

#[test]
fn error_codes_are_stable() {
    let cases = [
        (RenderError::Xlsx { message: "x".into() }, "RENDER_XLSX"),
        (RenderError::Font { message: "x".into() }, "RENDER_FONT"),
        (RenderError::Pdf { message: "x".into() }, "RENDER_PDF"),
    ];
    for (e, c) in cases {
        assert_eq!(e.code(), c);
        assert!(!e.to_string().is_empty());
    }
}
