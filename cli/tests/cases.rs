//! End-to-end tests of the case workflow through the `kamkor` binary: a case from opening
//! to exit, and the refusals of the workflow and of access.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;

#[test]
fn a_case_from_opening_to_exit() {
    let tmp = tempfile::tempdir().unwrap();
    let (k, child) = setup(tmp.path());
    let v = open(&k, &child, "identification", "identified_by_specialist", &[]);
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(state(&v), "identified");
    assert!(v["available"].as_array().unwrap().iter().any(|t| t == "record_primary_info"), "{v}");
    assert_eq!(v["due"][0]["kind"], "stage");
    assert_eq!(v["due"][0]["overdue"], false);
    let listed = k.json(&["case", "list", &child]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    // A second open case for the same child is a conflict.
    let err = k.refused(
        &{
            let mut a = vec!["case", "open", &child, "--opening", "identification", "--ground", "application"];
            a.extend_from_slice(&DOC);
            a
        },
        6,
    );
    assert_eq!(err["reason"], "CASE_ALREADY_OPEN");

    assert_eq!(state(&k.json(&["case", "transition", &id, "record_primary_info"])), "primary_info");
    assert_eq!(state(&k.json(&["case", "transition", &id, "start_assessment"])), "assessment");

    // The assessment: saved in parts, then submitted; incomplete submission is refused.
    let draft = k.json(&[
        "case",
        "assess",
        &id,
        "--finding",
        "family:parents_labour_migrants",
        "--finding",
        "education:school_absence:medium:Пропускает: 20 дней",
    ]);
    let a = &draft["case"]["assessment"];
    assert_eq!(a["findings"].as_array().unwrap().len(), 2);
    assert_eq!(a["findings"][1]["note"], "Пропускает: 20 дней");
    assert!(a["submitted_at"].is_null());
    let err = k.refused(&["case", "assess", &id, "--submit"], 4);
    assert_eq!(err["reason"], "ASSESSMENT_INCOMPLETE");
    assert_eq!(k.refused(&["case", "assess", &id, "--finding", "health"], 4)["reason"], "FINDING_SYNTAX");
    let done = k.json(&[
        "case",
        "assess",
        &id,
        "--no-concerns",
        "health",
        "--no-concerns",
        "safety",
        "--no-concerns",
        "housing",
        "--no-concerns",
        "income",
        "--no-concerns",
        "legal",
        "--submit",
    ]);
    let a = &done["case"]["assessment"];
    assert_eq!(a["findings"].as_array().unwrap().len(), 2, "the draft's findings are kept: {a}");
    assert_eq!(a["risk"], "medium");
    assert!(a["submitted_at"].is_string());
    assert_eq!(state(&k.json(&["case", "transition", &id, "complete_assessment"])), "planning");

    // The rules propose measures, each with its reason; all are accepted.
    let p = k.json(&["case", "plan", "propose", &id]);
    let add = p["diff"]["add"].as_array().unwrap();
    assert!(!add.is_empty());
    for m in add {
        assert!(m["rule"].is_string() && m["circumstance"].is_string() && m["need"]["en"].is_string(), "{m}");
    }
    assert!(add.iter().any(|m| m["circumstance"] == "parents_labour_migrants"));
    let human = k.ok(&["case", "plan", "propose", &id]);
    assert!(human.contains("To add") && human.contains("Why: rule R08-migrants-caregiver"), "{human}");
    let v = k.json(&["case", "plan", "accept", &id, "--all"]);
    let measures = v["case"]["measures"].as_array().unwrap();
    assert_eq!(measures.len(), add.len());
    assert_eq!(v["case"]["rules_version"], p["rules_version"]);
    let first = measures[0]["measure"]["id"].as_str().unwrap().to_string();
    let second = measures[1]["measure"]["id"].as_str().unwrap().to_string();
    assert!(k.ok(&["case", "plan", "propose", &id]).contains("nothing to add, drop or change"));

    // Hand edits need a reason (exit 4 without one).
    let v = k.json(&[
        "case",
        "plan",
        "add",
        &id,
        "--title",
        "Записать в кружок",
        "--agency",
        "youth_culture_sport",
        "--plan",
        "child",
        "--due-days",
        "10",
        "--reason",
        "Просьба ребёнка",
    ]);
    let manual = v["case"]["measures"].as_array().unwrap().iter().find(|m| m["measure"]["id"] == "manual/1").cloned();
    assert_eq!(manual.unwrap()["measure"]["manual"]["kind"], "added");
    let err = k.refused(&["case", "plan", "drop", &id, &second], 4);
    assert_eq!((err["code"].as_str(), err["reason"].as_str()), (Some("VALIDATION"), Some("REASON_REQUIRED")));
    let out = k.run(&["case", "plan", "drop", &id, &second, "--reason", "  "]);
    assert_eq!(code(&out), 4, "a blank reason is no reason");
    let v = k.json(&["case", "plan", "drop", &id, &second, "--reason", "Выполняется другой службой"]);
    let dropped = v["case"]["measures"].as_array().unwrap().iter().find(|m| m["measure"]["id"] == second.as_str());
    assert_eq!(dropped.unwrap()["measure"]["dropped"], true);
    let v = k.json(&["case", "plan", "change", &id, &first, "--due-days", "3", "--reason", "Срочно"]);
    let changed = v["case"]["measures"].as_array().unwrap().iter().find(|m| m["measure"]["id"] == first.as_str());
    assert_eq!(changed.unwrap()["measure"]["manual"]["kind"], "changed");
    assert_eq!(state(&k.json(&["case", "transition", &id, "approve_plans"])), "in_work");

    // Execution: done needs a result.
    let err = k.refused(&["case", "measure", "update", &id, &first, "--status", "done"], 4);
    assert_eq!(err["field"], "result");
    let v = k.json(&[
        "case",
        "measure",
        "update",
        &id,
        &first,
        "--status",
        "done",
        "--result",
        "Опекун назначен",
        "--responsible",
        "Иванова А.",
    ]);
    let m = v["case"]["measures"].as_array().unwrap().iter().find(|m| m["measure"]["id"] == first.as_str()).cloned();
    let m = m.unwrap();
    assert_eq!((m["status"].as_str(), m["responsible"].as_str()), (Some("done"), Some("Иванова А.")));
    assert_eq!(k.run(&["case", "measure", "update", &id, &first, "--status", "later"]).status.code(), Some(2));

    // Monitoring and the interagency programme.
    let v = k.json(&[
        "case",
        "monitor",
        &id,
        "--date",
        "2026-03-02",
        "--findings",
        "Ребёнок посещает школу",
        "--concern",
        "school_absence",
    ]);
    assert_eq!(v["case"]["visits"][0]["concerns"][0], "school_absence");
    let v = k.json(&[
        "case",
        "programme",
        "decide",
        &id,
        "--kind",
        "approve",
        "--doc-kind",
        "commission_decision",
        "--doc-number",
        "5",
        "--doc-date",
        "2026-03-02",
        "--doc-issuer",
        "КДД",
        "--until",
        "2026-09-01",
    ]);
    assert_eq!(v["case"]["programme"]["active"], true);
    let v = k.json(&[
        "case",
        "programme",
        "contribute",
        &id,
        "--agency",
        "education",
        "--kind",
        "planned_measure",
        "--text",
        "Занятия с репетитором",
    ]);
    assert_eq!(v["case"]["programme"]["contributions"].as_array().unwrap().len(), 1);
    let v = k.json(&["case", "transition", &id, "start_monitoring"]);
    assert_eq!(state(&v), "monitoring");
    assert!(v["due"].as_array().unwrap().iter().any(|d| d["kind"] == "visit"), "{}", v["due"]);

    // The full view for people: both plans, reasons, the hand edits.
    let shown = k.ok(&["case", "show", &id]);
    for part in [
        "Monitoring",
        "Individual child protection plan",
        "Family work plan",
        "Why: rule R08-migrants-caregiver (2026.1)",
        "Added by hand",
        "Dropped by hand",
        "Асанова Айгүл",
        "Interagency programme: in force",
    ] {
        assert!(shown.contains(part), "{part} missing in:\n{shown}");
    }
    let ru = k.ok(&["--lang", "ru", "case", "show", &id]);
    assert!(ru.contains("План работы с семьёй") && ru.contains("Мониторинг"), "{ru}");
    let ky = k.ok(&["--lang", "ky", "case", "due", &id]);
    assert!(ky.contains("Мониторинг"), "{ky}");

    // Exit needs a ground; then nothing is due and the case can only be reopened.
    assert_eq!(k.refused(&["case", "transition", &id, "exit"], 4)["field"], "ground");
    let v = k.json(&["case", "transition", &id, "exit", "--ground", "risk_eliminated", "--text", "Семья справляется"]);
    assert_eq!(state(&v), "exited");
    assert_eq!(v["case"]["exit_ground"], "risk_eliminated");
    assert_eq!(v["available"], serde_json::json!(["reopen"]));
    assert_eq!(k.json(&["case", "due", &id]), serde_json::json!([]));
    let history = k.json(&["case", "history", &id]);
    assert_eq!(history.as_array().unwrap().len() as u64, v["version"].as_u64().unwrap());
    assert_eq!(history[0]["fact"]["event"]["event"], "opened");
    assert!(k.ok(&["case", "history", &id]).contains("Exit the difficult situation: Monitoring → Exited"));
}

#[test]
fn the_workflow_refuses_what_it_does_not_allow() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut k, child) = setup(tmp.path());
    let id = open(&k, &child, "identification", "agency_report", &[])["id"].as_str().unwrap().to_string();

    // Not from this state: CONFLICT, exit 6, in the user's language.
    let err = k.refused(&["case", "transition", &id, "approve_plans"], 6);
    assert_eq!((err["code"].as_str(), err["reason"].as_str()), (Some("CONFLICT"), Some("TRANSITION_NOT_ALLOWED")));
    let out = k.run(&["--lang", "ru", "case", "transition", &id, "approve_plans"]);
    assert_eq!(code(&out), 6);
    assert!(text(&out.stderr).contains("TRANSITION_NOT_ALLOWED"), "{}", text(&out.stderr));
    assert_eq!(k.refused(&["case", "transition", &id, "fly_away"], 4)["reason"], "UNKNOWN_CODE");
    assert_eq!(
        k.refused(&["case", "assess", &id, "--finding", "health:disability"], 6)["reason"],
        "TRANSITION_NOT_ALLOWED"
    );
    assert_eq!(k.refused(&["case", "show", "00000000000000000000000000000000"], 5)["reason"], "CASE_NOT_FOUND");

    // Suspension: asked by the specialist, who may not consent; the territorial division does.
    assert_eq!(k.refused(&["case", "transition", &id, "request_suspension"], 4)["field"], "text");
    let v = k.json(&["case", "transition", &id, "request_suspension", "--text", "Семья выехала на сезонные работы"]);
    assert_eq!(state(&v), "suspension_requested");
    let err = k.refused(&["case", "transition", &id, "approve_suspension"], 3);
    assert_eq!((err["code"].as_str(), err["reason"].as_str()), (Some("ACCESS_DENIED"), Some("NO_PERMISSION")));
    k.login("chui");
    assert_eq!(k.refused(&["case", "transition", &id, "exit", "--ground", "moved_out"], 3)["reason"], "READ_ONLY");
    let due = k.json(&["due"]);
    assert!(due.as_array().unwrap().iter().any(|d| d["reference"] == "suspension_requested"), "{due}");
    assert_eq!(state(&k.json(&["case", "transition", &id, "approve_suspension"])), "suspended");
}
