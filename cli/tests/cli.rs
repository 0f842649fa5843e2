//! End-to-end tests of the `kamkor` binary: a registry's life from `init` to
//! `restore`, exit codes, localized errors, and the demo.

// Helpers outside #[test] functions fail the test when something is off, as the tests do.
#![allow(clippy::unwrap_used)]

use serde_json::Value;

mod common;
use common::{add_user, code, fast_profile, init, text, Kamkor, KEY};

const OTHER_KEY: &str = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

const CHILD: &str = r#"{"record": {"surname": "Асанова", "given_name": "Айгүл", "patronymic": "Бакыт кызы", "sex": "female",
  "birth_date": "2015-03-12", "pin": "11203201500123", "identified_on": "2026-01-10", "identified_in": "41708203000000",
  "relatives": [{"relation": "mother", "presence": "abroad_migrant", "surname": "Асанова", "given_name": "Нургүл"}],
  "legal_status": "with_parents", "needs": {"education": "Пропускает занятия"}},
  "provenance": {"source": "education", "received_on": "2026-01-10", "reference": "Письмо школы № 12"}}"#;

#[test]
fn a_registry_from_init_to_restore() {
    let tmp = tempfile::tempdir().unwrap();
    let profile = fast_profile(tmp.path());
    let mut k = Kamkor { registry: tmp.path().join("reg"), key: KEY, session: None, now: None };
    init(&k, &profile);

    // The administrator signs in (session kept in the registry directory) and adds users.
    let out = k.run_with(&["login", "--user", "admin", "--password-stdin"], "admin-password-1\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(k.registry.join(".session").is_file());
    assert_eq!(k.json(&["whoami"])["role"], "administrator");
    add_user(&k, "spec1", "specialist", "41708203000000", "02008199920003");
    add_user(&k, "osh.reader", "territorial_reader", "41721000000000", "02021199920009");
    let users = k.json(&["user", "list"]);
    assert_eq!(users.as_array().unwrap().len(), 3);

    // A specialist registers a child and finds it by a Latin spelling.
    k.session = Some(k.token("spec1", "spec1-password-1"));
    let file = tmp.path().join("child.json");
    std::fs::write(&file, CHILD).unwrap();
    let reg = k.json(&["child", "register", "--file", file.to_str().unwrap()]);
    let id = reg["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32);
    let shown = k.json(&["child", "show", &id]);
    assert_eq!(shown["record"]["given_name"], "Айгүл");
    let human = k.ok(&["child", "show", &id]);
    assert!(human.contains("Alamudun raion") && human.contains("Lives with parents"), "{human}");
    let found = k.json(&["child", "search", "Aigul", "Asanova"]);
    assert_eq!(found[0]["child"]["id"], id.as_str(), "{found}");
    assert_eq!(k.json(&["child", "find-pin", "11203201500123"])["id"], id.as_str());

    // A change of circumstances; the history keeps both facts.
    let updated = k.json(&[
        "child",
        "update",
        &id,
        "--set",
        "legal_status=guardianship",
        "--set",
        "needs.health=Осмотр педиатра",
        "--source",
        "court",
        "--received-on",
        "2026-02-01",
        "--reference",
        "Решение суда 2-11",
    ]);
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["record"]["legal_status"], "guardianship");
    let history = k.json(&["child", "history", &id]);
    assert_eq!(history.as_array().unwrap().len(), 2, "{history}");
    assert_eq!(history[1]["fact"]["provenance"]["source"], "court");
    let list = k.json(&["child", "list"]);
    assert_eq!(list["total"], 1);

    // A family, and the child linked to it.
    let fam = tmp.path().join("family.json");
    std::fs::write(
        &fam,
        r#"{"record": {"name": "Асановы", "territory": "41708203000000", "circumstances": ["labour_migration"],
            "members": [{"surname": "Асанова", "given_name": "Нургүл", "relation": "mother", "presence": "abroad_migrant"}]},
            "provenance": {"source": "specialist", "received_on": "2026-01-11"}}"#,
    )
    .unwrap();
    let family = k.json(&["family", "register", "--file", fam.to_str().unwrap()])["id"].as_str().unwrap().to_string();
    k.ok(&["family", "link", &id, &family, "--source", "specialist", "--received-on", "2026-01-11"]);
    let f = k.json(&["family", "show", &family]);
    assert_eq!(f["children"][0], id.as_str());
    assert!(k.ok(&["family", "show", &family]).contains("Parents are labour migrants"));
    assert_eq!(k.json(&["child", "show", &id])["family"], family.as_str());
    // A likely duplicate spelled in Latin.
    let latin = tmp.path().join("latin.json");
    let latin_child = CHILD
        .replace(r#""surname": "Асанова", "given_name": "Айгүл""#, r#""surname": "Asanova", "given_name": "Aigul""#)
        .replace("11203201500123", "");
    std::fs::write(&latin, latin_child).unwrap();
    let dups = k.json(&["child", "duplicates", "--file", latin.to_str().unwrap()]);
    assert!(dups.as_array().unwrap().iter().any(|d| d["id"] == id.as_str()), "{dups}");

    // A reader of another territory is refused (exit 3), and the refusal is audited.
    let outsider = Kamkor {
        registry: k.registry.clone(),
        key: KEY,
        session: Some(k.token("osh.reader", "osh.reader-password-1")),
        now: None,
    };
    let out = outsider.run(&["child", "show", &id]);
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("NOT_IN_TERRITORY"));
    let out = outsider.run(&["--json", "child", "show", &id]);
    assert_eq!(code(&out), 3);
    let err: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(err["error"]["code"], "ACCESS_DENIED");
    assert_eq!(err["error"]["reason"], "NOT_IN_TERRITORY");

    k.session = Some(k.token("admin", "admin-password-1"));
    let denied = k.json(&["audit", "denied"]);
    let refused_read = denied.as_array().unwrap().iter().any(|e| {
        e["action"] == "child.read" && e["target"] == id.as_str() && e["outcome"]["reason"] == "NOT_IN_TERRITORY"
    });
    assert!(refused_read, "{denied}");
    let verify = k.run(&["audit", "verify"]);
    assert_eq!(code(&verify), 0, "{}", text(&verify.stderr));
    assert_eq!(k.json(&["audit", "verify"])["ok"], true);

    // Backup (never over an existing file), restore into a new directory, read there.
    let backup = tmp.path().join("registry.kbk");
    k.ok(&["backup", backup.to_str().unwrap()]);
    assert!(backup.is_file());
    assert_eq!(code(&k.run(&["backup", backup.to_str().unwrap()])), 6);
    let mut copy = Kamkor { registry: tmp.path().join("restored"), key: KEY, session: None, now: None };
    copy.ok(&["restore", backup.to_str().unwrap()]);
    assert_eq!(code(&copy.run(&["restore", backup.to_str().unwrap()])), 6, "restore into a used directory");
    copy.session = Some(copy.token("spec1", "spec1-password-1"));
    let there = copy.json(&["child", "show", &id]);
    assert_eq!(there["record"]["legal_status"], "guardianship");
    assert_eq!(there["version"], 3, "registered, changed, linked to a family");

    // A wrong key: exit 7; no key at all: a message telling how to give one.
    let wrong = Kamkor { registry: k.registry.clone(), key: OTHER_KEY, session: None, now: None };
    let out = wrong.run(&["whoami"]);
    assert_eq!(code(&out), 7, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("WRONG_KEY"));
    let out = k.command(&["whoami"]).env_remove("KAMKOR_KEY").output().unwrap();
    assert_eq!(code(&out), 7);
    assert!(text(&out.stderr).contains("KAMKOR_KEY"), "{}", text(&out.stderr));

    // Usage errors: exit 2.
    assert_eq!(code(&k.run(&["child", "frobnicate"])), 2);
    assert_eq!(code(&k.run(&["child", "list", "--limit", "many"])), 2);

    // Messages in Russian and Kyrgyz.
    let out = outsider.run(&["--lang", "ru", "child", "show", &id]);
    assert_eq!(code(&out), 3);
    assert!(text(&out.stderr).contains("Запись вне вашей территории"), "{}", text(&out.stderr));
    let out = outsider.run(&["--lang", "ky", "child", "show", &id]);
    assert!(text(&out.stderr).contains("аймагыңыздан тышкары"), "{}", text(&out.stderr));
    let out = k.command(&["--lang", "ky", "whoami"]).env_remove("KAMKOR_KEY").output().unwrap();
    assert!(text(&out.stderr).contains("Башкы ачкыч жок"), "{}", text(&out.stderr));
    std::fs::remove_file(k.registry.join(".session")).unwrap();
    let out = k.command(&["child", "list"]).env("KAMKOR_LANG", "ru").env_remove("KAMKOR_SESSION").output().unwrap();
    assert_eq!(code(&out), 3);
    assert!(text(&out.stderr).contains("Вы не вошли"), "{}", text(&out.stderr));
}

#[test]
fn errors_are_classified() {
    let tmp = tempfile::tempdir().unwrap();
    let profile = fast_profile(tmp.path());
    let mut k = Kamkor { registry: tmp.path().join("reg"), key: KEY, session: None, now: None };

    // No registry yet: not found.
    let out = k.run(&["whoami"]);
    assert_eq!(code(&out), 5, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("kamkor init"));

    // A profile with a mistake names its line.
    let bad = tmp.path().join("bad.toml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(&profile).unwrap().replace("territory = \"subtree\" }", "territory = \"subtre\" }"),
    )
    .unwrap();
    let out = k.run(&["profile", "check", bad.to_str().unwrap()]);
    assert_eq!(code(&out), 7);
    assert!(text(&out.stderr).contains("line"), "{}", text(&out.stderr));
    assert!(k.ok(&["profile", "check", profile.to_str().unwrap()]).contains("kyrgyzstan"));

    init(&k, &profile);
    k.session = Some(k.token("admin", "admin-password-1"));
    add_user(&k, "spec1", "specialist", "41708203000000", "02008199920003");
    // A duplicate login is a conflict; a bad territory is invalid input.
    let out = k.run_with(
        &[
            "user",
            "add",
            "--login",
            "spec1",
            "--surname",
            "X",
            "--given-name",
            "Y",
            "--position",
            "P",
            "--agency",
            "A",
            "--agency-inn",
            "1",
            "--address",
            "B",
            "--territory",
            "41708203000000",
            "--role",
            "specialist",
            "--password-stdin",
        ],
        "another-password\n",
    );
    assert_eq!(code(&out), 6, "{}", text(&out.stderr));
    k.session = Some(k.token("spec1", "spec1-password-1"));
    let file = tmp.path().join("bad.json");
    std::fs::write(&file, CHILD.replace("41708203000000", "41799999000000")).unwrap();
    let out = k.run(&["--json", "child", "register", "--file", file.to_str().unwrap()]);
    assert_eq!(code(&out), 4);
    let err: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(err["error"]["reason"], "UNKNOWN_TERRITORY");
    assert_eq!(err["error"]["field"], "identified_in");
    std::fs::write(&file, "{not json").unwrap();
    assert_eq!(code(&k.run(&["child", "register", "--file", file.to_str().unwrap()])), 4);
    // Many records at once, all or nothing.
    let lines = tmp.path().join("many.jsonl");
    let one = CHILD.replace('\n', " ");
    let two = one.replace("11203201500123", "11203201500124").replace("Айгүл", "Бермет");
    std::fs::write(&lines, format!("{one}\n{two}\n")).unwrap();
    let done = k.json(&["child", "register", "--file", lines.to_str().unwrap()]);
    assert_eq!(done.as_array().unwrap().len(), 2);
    let out = k.run(&["child", "register", "--file", lines.to_str().unwrap()]);
    assert_eq!(code(&out), 6, "{}", text(&out.stderr));
    assert_eq!(k.json(&["child", "list"])["total"], 2);
    // Unknown ids.
    assert_eq!(code(&k.run(&["child", "show", "00000000000000000000000000000000"])), 5);
    assert_eq!(code(&k.run(&["child", "show", "xyz"])), 4);
    // An account past its term cannot sign in (the clock is set with KAMKOR_NOW).
    let out = k.run_with(&["login", "--user", "spec1", "--password-stdin"], "");
    assert_eq!(code(&out), 4, "no password given: {}", text(&out.stderr));
    let out = k
        .command(&["login", "--user", "spec1"])
        .env("KAMKOR_NOW", "2099-01-01T00:00:00Z")
        .env("KAMKOR_PASSWORD", "spec1-password-1")
        .output()
        .unwrap();
    assert_eq!(code(&out), 3);
    assert!(text(&out.stderr).contains("ACCOUNT_EXPIRED"), "{}", text(&out.stderr));
}

#[test]
fn territory_list_needs_no_registry() {
    let tmp = tempfile::tempdir().unwrap();
    let k = Kamkor { registry: tmp.path().join("none"), key: KEY, session: None, now: None };
    let out = k.ok(&["--lang", "ky", "territory", "list", "--under", "41708000000000"]);
    assert!(out.contains("Чүй облусу") && out.contains("  Аламүдүн району"), "{out}");
    let all = k.json(&["territory", "list"]);
    assert!(all.as_array().unwrap().len() > 60);
}

#[test]
fn the_demo_shows_every_refusal() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let k = Kamkor { registry: tmp.path().join("unused"), key: KEY, session: None, now: None };
    let summary = k.json(&["demo", "--dir", dir.to_str().unwrap(), "--children", "200"]);
    assert_eq!(summary["existing"], false);
    assert_eq!(summary["population"]["children"], 200);
    let checks = summary["checks"].as_array().unwrap();
    for reason in [
        "NOT_IN_TERRITORY",
        "READ_ONLY",
        "PERSONAL_DATA_NOT_ALLOWED",
        "NO_PERMISSION",
        "OTHER_ORGANIZATION",
        "ACCOUNT_EXPIRED",
        "ACCOUNT_REVOKED",
        "BAD_CREDENTIALS",
        "DUPLICATE_PIN",
        "LIKELY_DUPLICATE",
    ] {
        let c = checks.iter().find(|c| c["expected"] == reason).unwrap_or_else(|| panic!("no check for {reason}"));
        assert_eq!(c["got"], reason, "{c}");
        assert_eq!(c["passed"], true);
    }
    assert_eq!(summary["all_passed"], true);
    assert_eq!(summary["audit"]["ok"], true);
    let denied: Vec<&str> = summary["denied"].as_array().unwrap().iter().filter_map(|d| d["reason"].as_str()).collect();
    for reason in [
        "NOT_IN_TERRITORY",
        "READ_ONLY",
        "PERSONAL_DATA_NOT_ALLOWED",
        "NO_PERMISSION",
        "OTHER_ORGANIZATION",
        "ACCOUNT_EXPIRED",
        "ACCOUNT_REVOKED",
        "BAD_CREDENTIALS",
    ] {
        assert!(denied.contains(&reason), "{reason} not in the audit's refusals: {denied:?}");
    }
    let roles = summary["roles"].as_array().unwrap();
    let central = roles.iter().find(|r| r["role"] == "central_reader").unwrap();
    assert_eq!(central["visible"], summary["children_total"]);
    assert!(summary["children_total"].as_u64().unwrap() >= 200);
    assert!(dir.join("demo.key").is_file());

    // A second run finds the demo and shows it again; --fresh rebuilds it.
    let again = k.json(&["demo", "--dir", dir.to_str().unwrap()]);
    assert_eq!(again["existing"], true);
    assert_eq!(again["all_passed"], true);
    assert_eq!(again["children_total"], summary["children_total"]);
    let fresh = k.json(&["demo", "--dir", dir.to_str().unwrap(), "--children", "50", "--fresh"]);
    assert_eq!(fresh["existing"], false);
    assert_eq!(fresh["population"]["children"], 50);

    // The demo registry works with the ordinary commands.
    let out = k
        .command(&["--json", "login", "--user", "central", "--print-token"])
        .env("KAMKOR_REGISTRY", dir.join("registry"))
        .env("KAMKOR_KEY_FILE", dir.join("demo.key"))
        .env("KAMKOR_PASSWORD", summary["password"].as_str().unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));

    // A directory with other things in it is left alone.
    let other = tmp.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "mine").unwrap();
    let out = k.run(&["demo", "--dir", other.to_str().unwrap(), "--children", "10"]);
    assert_eq!(code(&out), 6);
    assert!(other.join("notes.txt").is_file());
}
