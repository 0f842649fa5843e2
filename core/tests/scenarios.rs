//! Cross-language scenarios (DESIGN.md invariant 6): every `tests/scenarios/*.json` is
//! replayed against a fresh in-memory registry and each step's result is checked against the
//! file's expectations; then the results must have exercised every transition and deadline of
//! the Kyrgyz workflow and every rule of its plan. Format: `tests/scenarios/README.md`.
//!
//! `SCENARIO_FILTER=part-of-name` replays only some files (coverage is then not checked);
//! `SCENARIO_TRACE=1` prints every step's result; `SCENARIO_BUGS_FAIL=1` makes the steps marked
//! as known core bugs fail the run instead of being listed.

mod scenario_runner;

use scenario_runner::{coverage, run_all, FileReport};
use std::sync::OnceLock;

fn reports() -> &'static [FileReport] {
    static REPORTS: OnceLock<Vec<FileReport>> = OnceLock::new();
    REPORTS.get_or_init(run_all)
}

#[test]
fn scenarios_replay_as_expected() {
    let reports = reports();
    let bugs_fail = std::env::var("SCENARIO_BUGS_FAIL").is_ok_and(|v| !v.is_empty() && v != "0");
    let mut failures = Vec::new();
    for r in reports {
        let status = if r.failures.is_empty() { "ok" } else { "FAILED" };
        eprintln!("scenario {:<40} {:>4} steps  {status}", r.file, r.steps);
        for b in &r.known_bugs {
            eprintln!("  known core bug (step expected to fail until fixed): {b}");
        }
        failures.extend(r.failures.iter().cloned());
        if bugs_fail {
            failures.extend(r.known_bugs.iter().map(|b| format!("known core bug: {b}")));
        }
    }
    assert!(failures.is_empty(), "{} scenario failure(s):\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn scenarios_cover_the_kyrgyz_workflow_and_plan_rules() {
    if std::env::var("SCENARIO_FILTER").is_ok() {
        eprintln!("SCENARIO_FILTER is set: coverage not checked");
        return;
    }
    let mut seen = coverage::Seen::default();
    for r in reports() {
        r.results.iter().for_each(|v| seen.visit(v));
    }
    let (missing, summary) = coverage::check(&seen);
    eprintln!("scenario coverage: {summary}");
    assert!(missing.is_empty(), "not covered by any scenario result:\n  {}", missing.join("\n  "));
}
