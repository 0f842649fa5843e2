//! End-to-end tests of deadlines through the `kamkor` binary: a signal left unattended
//! becomes overdue as the clock moves on, and the demo walks cases so that due lists mean something.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::Value;
use std::process::Command;

#[test]
fn an_unattended_signal_becomes_overdue() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut k, child) = setup(tmp.path());
    let v = open(&k, &child, "signal", "signal_danger", &["--received-at", NOW]);
    let id = v["id"].as_str().unwrap().to_string();
    let due = k.json(&["due"]);
    assert_eq!(due.as_array().unwrap().len(), 1, "{due}");
    assert_eq!((due[0]["case"].as_str(), due[0]["urgent"].as_bool()), (Some(id.as_str()), Some(true)));
    assert_eq!(due[0]["overdue"], false);
    assert_eq!(due[0]["due_at"], "2026-03-03T09:00:00Z", "a signal: 24 hours");
    assert!(!k.ok(&["due"]).contains("OVERDUE"));

    // 25 hours on (a new session: the old one has lapsed), the signal is overdue.
    k.now = Some("2026-03-03T10:00:00Z".into());
    assert_eq!(code(&k.run(&["due"])), 3, "the 8-hour session has expired");
    k.login("spec1");
    let due = k.json(&["due"]);
    assert_eq!(due[0]["overdue"], true, "{due}");
    assert_eq!(due[0]["reason"]["en"], "Primary information on a signal within 24 hours");
    let human = k.ok(&["due"]);
    assert!(human.contains("⚠ OVERDUE (signal)") && human.contains("overdue by 1 h 0 min"), "{human}");
    assert!(human.contains("Alamudun raion") && human.contains(&id), "{human}");
    let ru = k.ok(&["--lang", "ru", "due"]);
    assert!(ru.contains("ПРОСРОЧЕНО") && ru.contains("Аламудунский район"), "{ru}");
    // Filters: another territory shows nothing; a limit of one keeps the most urgent.
    assert_eq!(k.json(&["due", "--territory", "41711000000000"]), serde_json::json!([]));
    assert_eq!(k.json(&["due", "--days", "1", "--limit", "1"]).as_array().unwrap().len(), 1);
    assert_eq!(k.run(&["due", "--days", "1", "--until", NOW]).status.code(), Some(2));
    // Recording the primary information clears it; the next stage is due in working days.
    k.json(&["case", "transition", &id, "record_primary_info"]);
    let due = k.json(&["due", "--days", "30"]);
    assert_eq!((due[0]["reference"].as_str(), due[0]["overdue"].as_bool()), (Some("primary_info"), Some(false)));
}

#[test]
fn the_demo_walks_cases_and_shows_what_is_due() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let k = Kamkor { registry: tmp.path().join("unused"), key: KEY, session: None, now: None };
    let out = k.command(&["--json", "demo", "--dir", dir.to_str().unwrap(), "--children", "200"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cases = &summary["cases"];
    let walk = &cases["walk"];
    assert!(walk["opened"].as_u64().unwrap() >= 50, "about 40% of 200 children: {walk}");
    assert!(walk["signals"].as_u64().unwrap() > 0);
    assert!(cases["due_total"].as_u64().unwrap() > 0, "{cases}");
    assert!(cases["overdue_total"].as_u64().unwrap() > 0, "{cases}");
    let people = cases["people"].as_array().unwrap();
    assert!(people.iter().any(|p| p["overdue"].as_u64().unwrap() > 0 && !p["top"].as_array().unwrap().is_empty()));
    assert!(cases["states"].as_array().unwrap().iter().any(|s| s["state"] == "suspended" || s["state"] == "exited"));
    assert!(cases["sample"]["id"].is_string(), "a case in full: {}", cases["sample"]);
    let checks = summary["checks"].as_array().unwrap();
    for (id, reason) in [("illegal_transition", "TRANSITION_NOT_ALLOWED"), ("specialist_approves", "NO_PERMISSION")] {
        let c = checks.iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("no check {id}"));
        assert_eq!((c["got"].as_str(), c["passed"].as_bool()), (Some(reason), Some(true)), "{c}");
    }
    assert_eq!(summary["all_passed"], true);
    assert_eq!(summary["audit"]["ok"], true);

    // The demo's case workers use the ordinary commands on the walked cases.
    let owner = cases["sample_owner"].as_str().unwrap();
    let sample = cases["sample"]["id"].as_str().unwrap();
    let as_owner = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kamkor"));
        c.args(args)
            .env("KAMKOR_REGISTRY", dir.join("registry"))
            .env("KAMKOR_KEY_FILE", dir.join("demo.key"))
            .env("KAMKOR_LANG", "en")
            .env("KAMKOR_PASSWORD", summary["password"].as_str().unwrap())
            .env_remove("KAMKOR_KEY")
            .env_remove("KAMKOR_NOW")
            .env_remove("KAMKOR_SESSION");
        c.output().unwrap()
    };
    let out = as_owner(&["login", "--user", owner]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = as_owner(&["case", "show", sample]);
    assert!(out.status.success() && text(&out.stdout).contains("Why: rule"), "{}", text(&out.stderr));
    let out = as_owner(&["--json", "due", "--days", "7"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!serde_json::from_slice::<Value>(&out.stdout).unwrap().as_array().unwrap().is_empty());
}
