//! Statutory reports and the depersonalized data set: golden outputs on a seeded
//! population, scope limits, suppression for statistics readers.

mod common;
use common::*;
use kamkor_core::assessment::{Assessment, Finding};
use kamkor_core::case::BasisDocument;
use kamkor_core::registry::{OpenCase, ReportKind, ReportRequest, TransitionRequest};
use kamkor_core::report::{Cell, Report};
use kamkor_core::{ErrorCode, Session};
use std::collections::BTreeMap;

const DOMAINS: [&str; 7] = ["health", "education", "safety", "family", "housing", "income", "legal"];

/// 240 synthetic children in Chui oblast and Bishkek, a third with cases walked to planning.
fn population() -> (Fixture, Session) {
    let f = Fixture::new();
    let spec = f.session("spec", "specialist", "41700000000000", "111");
    let territories = f.reg.territories().clone();
    let places: Vec<_> = territories
        .leaves()
        .into_iter()
        .filter(|t| t.code.as_str().starts_with("41708") || t.code.as_str().starts_with("41711"))
        .map(|t| t.code.clone())
        .collect();
    let mut synth = kamkor_core::synth::Synth::new(7, &territories, date("2026-11-22"));
    let batch: Vec<_> = (0..240).map(|i| synth.child_in(&places[i % places.len()])).collect();
    let ids: Vec<_> = f.reg.register_children(&spec, batch).expect("register").into_iter().map(|r| r.id).collect();
    let doc = BasisDocument {
        kind: "agency_letter".into(),
        number: "1".into(),
        date: date("2026-11-01"),
        issuer: "x".into(),
    };
    for (i, id) in ids.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        let opening = if i % 2 == 0 { "signal" } else { "identification" };
        let case = f
            .reg
            .open_case(
                &spec,
                OpenCase {
                    child: *id,
                    opening: opening.into(),
                    ground: "agency_report".into(),
                    document: doc.clone(),
                    received_at: None,
                },
            )
            .expect("open")
            .id;
        if i % 6 == 0 {
            continue;
        }
        for t in ["record_primary_info", "start_assessment"] {
            f.reg
                .transition(&spec, &case, TransitionRequest { transition: t.into(), ..Default::default() })
                .expect("move");
        }
        let circ = ["parents_labour_migrants", "low_income_no_benefits", "school_absence"][(i / 3) % 3];
        let domain = ["family", "income", "education"][(i / 3) % 3];
        let a = Assessment {
            findings: vec![Finding { domain: domain.into(), circumstance: circ.into(), severity: None, note: None }],
            no_concerns: DOMAINS.iter().filter(|d| **d != domain).map(|d| d.to_string()).collect(),
            ..Default::default()
        };
        f.reg.save_assessment(&spec, &case, a).expect("assess");
        f.reg.submit_assessment(&spec, &case).expect("submit");
        f.reg
            .transition(
                &spec,
                &case,
                TransitionRequest { transition: "complete_assessment".into(), ..Default::default() },
            )
            .expect("plan");
        let p = f.reg.propose_plan(&spec, &case).expect("propose");
        f.reg.accept_plan(&spec, &case, p.diff.add.iter().map(|m| m.id.clone()).collect()).expect("accept");
    }
    (f, spec)
}

/// A compact, reviewable text form of a report: non-empty rows only; `x` is a hidden cell
/// (small, or hidden so that a small one cannot be recovered from a total).
fn text(r: &Report) -> String {
    let mut out = format!(
        "{} | scope {} | period {:?} | due {:?} | depersonalized {} (threshold {})\n",
        r.title.en, r.scope_name.en, r.period, r.due_date, r.depersonalized, r.threshold
    );
    for t in &r.tables {
        out.push_str(&format!(
            "== {} [{}]\n",
            t.title.en,
            t.columns.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", ")
        ));
        for row in t.rows.iter().chain(t.totals.iter()) {
            if row.cells.iter().all(|c| *c == Cell::Count(0)) {
                continue;
            }
            let cells: Vec<String> = row
                .cells
                .iter()
                .map(|c| match c {
                    Cell::Count(n) => n.to_string(),
                    Cell::Suppressed => "x".into(),
                })
                .collect();
            out.push_str(&format!("  {}: {}\n", row.label.en, cells.join(" ")));
        }
    }
    out
}

fn req(report: ReportKind, territory: Option<&str>, depersonalized: bool) -> ReportRequest {
    ReportRequest { report, territory: territory.map(code), depersonalized }
}

#[test]
fn golden_reports() {
    let (f, _) = population();
    let central = f.session("central", "central_reader", "41700000000000", "2");
    let chui = f.session("chui", "territorial_reader", CHUI, "3");
    let stat = f.session("stat", "statistician", "41700000000000", "4");
    let consolidated = f.reg.report(&central, &req(ReportKind::Consolidated, None, false)).expect("consolidated");
    assert_eq!(consolidated.tables[0].totals.as_ref().map(|t| t.cells[0]), Some(Cell::Count(240)));
    insta::assert_snapshot!("consolidated_republic", text(&consolidated));
    let q = ReportKind::Quarterly { year: 2026, quarter: 3 };
    let quarterly = f.reg.report(&chui, &req(q, None, false)).expect("quarterly");
    assert_eq!(quarterly.due_date, Some(date("2026-10-30")), "30 days after the quarter");
    insta::assert_snapshot!("quarterly_chui", text(&quarterly));
    let monitoring =
        f.reg.report(&chui, &req(ReportKind::Monitoring { year: 2026, quarter: 3 }, None, false)).expect("monitoring");
    assert_eq!(monitoring.due_date, Some(date("2026-10-20")), "the 20th of the following month");
    assert_eq!(monitoring.tables.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["cases", "measures"]);
    // A statistics reader always gets the depersonalized form.
    let dep = f.reg.report(&stat, &req(ReportKind::Consolidated, None, false)).expect("stat");
    assert!(dep.depersonalized);
    assert!(
        dep.tables.iter().flat_map(|t| t.rows.iter()).any(|r| r.cells.contains(&Cell::Suppressed)),
        "small cells hidden"
    );
    insta::assert_snapshot!("consolidated_depersonalized", text(&dep));
    // Depersonalized JSON (the exchange format) is stable too.
    let mut json = serde_json::to_value(&dep).expect("json");
    json["generated_at"] = serde_json::Value::Null;
    json["tables"] = serde_json::Value::Array(json["tables"].as_array().expect("tables")[..1].to_vec());
    insta::assert_json_snapshot!("depersonalized_report_json", json);
}

#[test]
fn reports_stay_within_the_readers_scope() {
    let (f, spec) = population();
    let chui = f.session("chui", "territorial_reader", CHUI, "3");
    let e = f.reg.report(&chui, &req(ReportKind::Consolidated, Some(BISHKEK), false)).expect_err("outside");
    assert_eq!((e.code, e.reason.as_str()), (ErrorCode::AccessDenied, "NOT_IN_TERRITORY"));
    let own = f.reg.report(&chui, &req(ReportKind::Consolidated, None, false)).expect("own");
    let listed = f.reg.list_children(&chui, None, 0, 0).expect("list").total as u64;
    assert_eq!(
        own.tables[0].totals.as_ref().map(|t| t.cells[0]),
        Some(Cell::Count(listed)),
        "report agrees with the list"
    );
    let admin_err = f.reg.report(&f.admin, &req(ReportKind::Consolidated, None, false)).expect_err("admin");
    assert_eq!(admin_err.reason, "NO_PERMISSION");
    let bad = f.reg.report(&chui, &req(ReportKind::Quarterly { year: 2026, quarter: 5 }, None, false)).expect_err("q5");
    assert_eq!(bad.code, ErrorCode::Validation);
    let _ = spec;
}

#[test]
fn depersonalized_dataset_singles_out_no_one() {
    let (f, _) = population();
    let stat = f.session("stat", "statistician", "41700000000000", "4");
    let d = f.reg.depersonalized_dataset(&stat).expect("dataset");
    assert_eq!(d.rows.len() as u64 + d.withheld, 240);
    let mut groups: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for r in &d.rows {
        *groups.entry((r.territory.to_string(), r.sex.clone(), r.birth_years.clone())).or_default() += 1;
    }
    assert!(groups.values().all(|n| *n >= 5), "every quasi-identifier group has at least 5 rows: {groups:?}");
    let json = serde_json::to_string(&d).expect("json");
    for name in ["Асанов", "Айгүл", "Нурлан", "\"pin\"", "surname"] {
        assert!(!json.contains(name), "{name} in the data set");
    }
    // No exact date (YYYY-MM-DD) anywhere: dates are generalized to years and bands.
    let b = json.as_bytes();
    let is_date =
        |w: &[u8]| w.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
    assert!(!b.windows(10).any(is_date), "an exact date leaked");
    let spec = f.reg.login("spec", PASSWORD).expect("login");
    assert!(f.reg.depersonalized_dataset(&spec).is_ok(), "readers of personal data may produce it too");
    assert_eq!(f.reg.depersonalized_dataset(&f.admin).expect_err("admin").reason, "NO_PERMISSION");
}
