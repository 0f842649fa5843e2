//! Cases through the facade: the workflow from a signal to exit, assessment, plans with
//! manual edits, measures, monitoring, programmes and deadlines (WF-1 .. WF-6).

mod common;
use chrono::Duration;
use common::*;
use kamkor_core::assessment::{Assessment, Finding};
use kamkor_core::case::{BasisDocument, Contribution, ContributionKind, Decision, DecisionKind, MeasureStatus, Visit};
use kamkor_core::registry::{DueKind, DueQuery, OpenCase, TransitionRequest};
use kamkor_core::{ErrorCode, Session, SubjectId};

fn doc(kind: &str) -> BasisDocument {
    BasisDocument {
        kind: kind.into(), number: "17".into(), date: date("2026-11-20"), issuer: "Ленинский РУСР".into()
    }
}

fn go(t: &str) -> TransitionRequest {
    TransitionRequest { transition: t.into(), ..Default::default() }
}

fn finding(domain: &str, circumstance: &str) -> Finding {
    Finding { domain: domain.into(), circumstance: circumstance.into(), severity: None, note: None }
}

struct World {
    f: Fixture,
    spec: Session,
    reader: Session,
    child: SubjectId,
}

fn world() -> World {
    let f = Fixture::new();
    let spec = f.session("spec", "specialist", BISHKEK, "111");
    let reader = f.session("reader", "territorial_reader", BISHKEK, "222");
    let mut c = child("Асанова", "Айгүл", Some(PIN_A), LENINSKY);
    c.record.disability.present = true;
    let child = f.reg.register_child(&spec, c).expect("child").id;
    World { f, spec, reader, child }
}

fn open(w: &World, opening: &str) -> SubjectId {
    let req = OpenCase {
        child: w.child,
        opening: opening.into(),
        ground: "signal_danger".into(),
        document: doc("signal_record"),
        received_at: None,
    };
    w.f.reg.open_case(&w.spec, req).expect("open").id
}

const ALL_DOMAINS: [&str; 7] = ["health", "education", "safety", "family", "housing", "income", "legal"];

#[test]
fn opening_needs_a_ground_and_a_document() {
    let w = world();
    let mut req = OpenCase {
        child: w.child,
        opening: "signal".into(),
        ground: "nonsense".into(),
        document: doc("signal_record"),
        received_at: None,
    };
    assert_eq!(w.f.reg.open_case(&w.spec, req.clone()).expect_err("ground").reason, "UNKNOWN_CODE");
    req.ground = "signal_danger".into();
    req.document.number = " ".into();
    assert_eq!(w.f.reg.open_case(&w.spec, req.clone()).expect_err("doc").field.as_deref(), Some("document.number"));
    req.document.number = "5".into();
    let e = w.f.reg.open_case(&w.reader, req.clone()).expect_err("read-only");
    assert_eq!((e.code, e.reason.as_str()), (ErrorCode::AccessDenied, "READ_ONLY"));
    let v = w.f.reg.open_case(&w.spec, req.clone()).expect("open");
    assert_eq!(v.case.state, "identified");
    assert_eq!(w.f.reg.open_case(&w.spec, req).expect_err("twice").reason, "CASE_ALREADY_OPEN");
}

#[test]
fn a_signal_is_due_in_24_hours_and_shows_overdue() {
    let w = world();
    // Users created now, signed in again after the clock moves.
    let _ = w.f.session("osh", "specialist", OSH_CITY, "333");
    let _ = w.f.session("stat", "statistician", "41700000000000", "444");
    let id = open(&w, "signal");
    let v = w.f.reg.get_case(&w.spec, &id).expect("case");
    let stage = v.due.iter().find(|d| d.kind == DueKind::Stage).expect("stage due");
    assert_eq!(stage.due_at, w.f.clock.now_for_test() + Duration::hours(24));
    assert!(stage.urgent && !stage.overdue);
    assert!(stage.reason.ru.contains("24"), "{:?}", stage.reason);
    w.f.clock.advance(Duration::hours(25));
    let spec = w.f.reg.login("spec", PASSWORD).expect("sessions last 8 hours: sign in again");
    let due = w.f.reg.due(&spec, &DueQuery::default()).expect("due");
    assert_eq!(due.len(), 1);
    assert!(due[0].overdue && due[0].case == id);
    // Outside the territory, nothing is listed; the statistician may not ask at all.
    let osh = w.f.reg.login("osh", PASSWORD).expect("login");
    assert!(w.f.reg.due(&osh, &DueQuery::default()).expect("due").is_empty());
    let stat = w.f.reg.login("stat", PASSWORD).expect("login");
    assert_eq!(w.f.reg.due(&stat, &DueQuery::default()).expect_err("stat").reason, "PERSONAL_DATA_NOT_ALLOWED");
}

#[test]
fn full_workflow_with_assessment_plan_measures_and_exit() {
    let w = world();
    let (reg, spec) = (&w.f.reg, &w.spec);
    let id = open(&w, "identification");
    // An illegal transition is a coded conflict and changes nothing.
    let e = reg.transition(spec, &id, go("approve_plans")).expect_err("illegal");
    assert_eq!((e.code, e.reason.as_str()), (ErrorCode::Conflict, "TRANSITION_NOT_ALLOWED"));
    reg.transition(spec, &id, go("record_primary_info")).expect("primary");
    let v = reg.transition(spec, &id, go("start_assessment")).expect("assess");
    assert_eq!(v.case.state, "assessment");
    // Partial assessment, saved and resumed.
    let mut a = Assessment { findings: vec![finding("family", "parents_labour_migrants")], ..Default::default() };
    reg.save_assessment(spec, &id, a.clone()).expect("partial");
    let e = reg.submit_assessment(spec, &id).expect_err("incomplete");
    assert_eq!(e.reason, "ASSESSMENT_INCOMPLETE");
    a.findings.push(finding("health", "parents_labour_migrants"));
    assert_eq!(reg.save_assessment(spec, &id, a.clone()).expect_err("domain").reason, "WRONG_DOMAIN");
    a.findings.pop();
    a.findings.push(finding("education", "school_absence"));
    a.no_concerns =
        ALL_DOMAINS.iter().filter(|d| !["family", "education"].contains(d)).map(|d| d.to_string()).collect();
    reg.save_assessment(spec, &id, a).expect("complete draft");
    let resumed = reg.get_case(spec, &id).expect("case").case.assessment.expect("draft");
    assert_eq!(resumed.findings.len(), 2);
    assert!(reg.transition(spec, &id, go("complete_assessment")).is_err(), "needs a submitted assessment");
    let v = reg.submit_assessment(spec, &id).expect("submit");
    assert!(v.case.assessment.as_ref().and_then(|a| a.risk).is_some());
    reg.transition(spec, &id, go("complete_assessment")).expect("to planning");
    // The proposal cites rule and circumstance; the record's disability adds its own rules.
    let p = reg.propose_plan(spec, &id).expect("propose");
    assert!(!p.proposed.is_empty());
    assert!(p.proposed.iter().any(|m| m.circumstance == "parents_labour_migrants"));
    assert!(p.proposed.iter().any(|m| m.circumstance == "disability"), "derived from the record");
    assert!(p.proposed.iter().all(|m| m.id.starts_with(&format!("{}/", m.rule))));
    let all: Vec<String> = p.diff.add.iter().map(|m| m.id.clone()).collect();
    assert!(reg.transition(spec, &id, go("approve_plans")).is_err(), "needs a plan");
    let v = reg.accept_plan(spec, &id, all.clone()).expect("accept");
    assert_eq!(v.case.measures.len(), all.len());
    assert!(v.due.iter().any(|d| d.kind == DueKind::Measure));
    // Manual edits need a reason and survive regeneration.
    let first = all[0].clone();
    assert_eq!(reg.drop_measure(spec, &id, &first, " ").expect_err("reason").reason, "REASON_REQUIRED");
    reg.drop_measure(spec, &id, &first, "already done by the school").expect("drop");
    let again = reg.propose_plan(spec, &id).expect("propose again");
    assert!(again.diff.add.iter().all(|m| m.id != first), "a dropped measure is not proposed again");
    reg.transition(spec, &id, go("approve_plans")).expect("in work");
    // Execution: done needs a result.
    let second = all[1].clone();
    let upd = kamkor_core::registry::MeasureUpdate { status: MeasureStatus::Done, result: None, responsible: None };
    assert_eq!(reg.update_measure(spec, &id, &second, upd.clone()).expect_err("result").reason, "REQUIRED");
    let upd = kamkor_core::registry::MeasureUpdate { result: Some("Справка выдана".into()), ..upd };
    let v = reg.update_measure(spec, &id, &second, upd.clone()).expect("done");
    assert!(v.due.iter().all(|d| d.reference != second), "a done measure is no longer due");
    assert_eq!(reg.update_measure(spec, &id, &second, upd).expect_err("closed").reason, "MEASURE_CLOSED");
    // Monitoring.
    reg.transition(spec, &id, go("start_monitoring")).expect("monitoring");
    let v = reg
        .record_visit(
            spec,
            &id,
            Visit {
                date: date("2026-11-22"), findings: "Ребёнок посещает школу".into(), concerns: vec![]
            },
        )
        .expect("visit");
    assert!(v.case.has_monitoring());
    assert!(v.due.iter().any(|d| d.kind == DueKind::Visit));
    // Exit needs a ground; "other" needs a text.
    assert_eq!(reg.transition(spec, &id, go("exit")).expect_err("ground").reason, "REQUIRED");
    let mut exit = go("exit");
    exit.ground = Some("other".into());
    assert_eq!(reg.transition(spec, &id, exit.clone()).expect_err("text").field.as_deref(), Some("text"));
    exit.ground = Some("risk_eliminated".into());
    let v = reg.transition(spec, &id, exit).expect("exit");
    assert_eq!((v.case.state.as_str(), v.case.exit_ground.as_deref()), ("exited", Some("risk_eliminated")));
    assert!(v.due.is_empty(), "nothing is due in a final state");
    // Reopen, and the whole story is in the history.
    let mut reopen = go("reopen");
    reopen.text = Some("новые обстоятельства".into());
    reg.transition(spec, &id, reopen).expect("reopen");
    let h = reg.case_history(spec, &id).expect("history");
    // open, 2 moves, 3 assessment saves, 1 move, plan, drop, move, done, move, visit, exit, reopen.
    assert_eq!(h.len(), 15);
    assert!(h.iter().all(|e| e.author == h[0].author));
}

#[test]
fn suspension_needs_the_territorial_division() {
    let w = world();
    let id = open(&w, "identification");
    let mut req = go("request_suspension");
    assert_eq!(w.f.reg.transition(&w.spec, &id, req.clone()).expect_err("text").reason, "REQUIRED");
    req.text = Some("обстоятельства не требуют оценки".into());
    w.f.reg.transition(&w.spec, &id, req).expect("requested");
    let e = w.f.reg.transition(&w.spec, &id, go("approve_suspension")).expect_err("specialist");
    assert_eq!((e.code, e.reason.as_str()), (ErrorCode::AccessDenied, "NO_PERMISSION"));
    let mut reject = go("reject_suspension");
    reject.text = Some("нужна оценка".into());
    let v = w.f.reg.transition(&w.reader, &id, reject).expect("rejected by the division");
    assert_eq!(v.case.state, "identified", "back to the state before");
    let mut req = go("request_suspension");
    req.text = Some("повторно".into());
    w.f.reg.transition(&w.spec, &id, req).expect("requested again");
    let v = w.f.reg.transition(&w.reader, &id, go("approve_suspension")).expect("approved");
    assert_eq!(v.case.state, "suspended");
    // Personal data stay (001 §20).
    assert_eq!(w.f.reg.get_child(&w.spec, &w.child).expect("child").record.surname, "Асанова");
}

#[test]
fn programme_decisions_and_contributions() {
    let w = world();
    let id = open(&w, "identification");
    let reg = &w.f.reg;
    let c = Contribution { agency: "education".into(), kind: ContributionKind::Proposal, text: "Кружок".into() };
    assert_eq!(reg.programme_contribution(&w.spec, &id, c.clone()).expect_err("none").reason, "PROGRAMME_NOT_ACTIVE");
    let decide = |kind, until: Option<&str>, text: Option<&str>| Decision {
        kind,
        document: doc("commission_decision"),
        until: until.map(date),
        text: text.map(str::to_string),
    };
    assert!(
        reg.programme_decision(&w.spec, &id, decide(DecisionKind::Extend, Some("2027-06-01"), None)).is_err(),
        "nothing to extend"
    );
    reg.programme_decision(&w.spec, &id, decide(DecisionKind::Approve, Some("2027-03-01"), None)).expect("approve");
    reg.programme_contribution(&w.spec, &id, c).expect("contribute");
    assert_eq!(
        reg.programme_decision(&w.spec, &id, decide(DecisionKind::Extend, Some("2027-01-01"), None))
            .expect_err("earlier")
            .reason,
        "PROGRAMME_DECISION_NOT_ALLOWED"
    );
    reg.programme_decision(&w.spec, &id, decide(DecisionKind::Extend, Some("2027-06-01"), None)).expect("extend");
    reg.programme_decision(&w.spec, &id, decide(DecisionKind::Change, None, Some("добавлен психолог")))
        .expect("change");
    let v =
        reg.programme_decision(&w.spec, &id, decide(DecisionKind::End, None, Some("цели достигнуты"))).expect("end");
    let p = v.case.programme.expect("programme");
    assert!(!p.active);
    assert_eq!(p.decisions.len(), 4);
    assert_eq!(p.until, Some(date("2027-06-01")));
    assert_eq!(p.contributions.len(), 1);
}

#[test]
fn case_access_follows_the_childs_territory() {
    let w = world();
    let id = open(&w, "signal");
    let osh = w.f.session("osh", "specialist", OSH_CITY, "111");
    let e = w.f.reg.get_case(&osh, &id).expect_err("outside");
    assert_eq!(e.reason, "NOT_IN_TERRITORY");
    let other_org = w.f.session("other", "specialist", BISHKEK, "999");
    assert!(w.f.reg.get_case(&other_org, &id).is_ok(), "reads within the territory");
    assert_eq!(
        w.f.reg.transition(&other_org, &id, go("record_primary_info")).expect_err("write").reason,
        "OTHER_ORGANIZATION"
    );
    let missing = SubjectId([9; 16]);
    assert_eq!(w.f.reg.get_case(&w.spec, &missing).expect_err("missing").code, ErrorCode::NotFound);
}

#[test]
fn the_due_list_top_k_is_the_head_of_the_full_list() {
    let f = Fixture::new();
    let spec = f.session("spec", "specialist", "41700000000000", "111");
    let places = [LENINSKY, "41711202000000", OSH_CITY, "41708203000000"];
    for i in 0..24usize {
        let mut c = child("Асанова", "Айгүл", None, places[i % places.len()]);
        c.record.given_name = format!("Айгүл{}", "а".repeat(i));
        let id = f.reg.register_child(&spec, c).expect("child").id;
        let opening = if i % 5 == 0 { "signal" } else { "identification" };
        let req = OpenCase {
            child: id,
            opening: opening.into(),
            ground: "agency_report".into(),
            document: doc("agency_letter"),
            received_at: None,
        };
        f.reg.open_case(&spec, req).expect("open");
        f.clock.advance(Duration::minutes(7 * (i as i64 % 7)));
    }
    let all = f
        .reg
        .due(
            &spec,
            &DueQuery {
                until: Some(f.clock.now_for_test() + Duration::days(30)),
                limit: Some(1000),
                ..Default::default()
            },
        )
        .expect("all");
    assert_eq!(all.len(), 24);
    assert!(all.windows(2).all(|w| w[0].due_at <= w[1].due_at), "most urgent first");
    for k in [1, 3, 7, 10] {
        let top = f
            .reg
            .due(
                &spec,
                &DueQuery {
                    until: Some(f.clock.now_for_test() + Duration::days(30)),
                    limit: Some(k),
                    ..Default::default()
                },
            )
            .expect("top");
        assert_eq!(top, all[..k].to_vec(), "top {k}");
    }
}
