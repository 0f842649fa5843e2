//! `kamkor init --profile omsk|yamal`, `kamkor profile check` pointing at the line of an
//! error, and `kamkor demo --profile omsk|yamal` (issue 8).

mod common;
use common::*;

fn kamkor(dir: &std::path::Path) -> Kamkor {
    Kamkor { registry: dir.join("reg"), key: KEY, session: None, now: Some(NOW.into()) }
}

#[test]
fn init_starts_a_registry_with_each_built_in_profile() {
    for (profile, role, territory) in
        [("omsk", "regional_operator", "52000000000"), ("yamal", "administrator", "71900000000")]
    {
        let tmp = tempfile::tempdir().unwrap();
        let mut k = kamkor(tmp.path());
        k.registry = tmp.path().join(profile);
        init(&k, std::path::Path::new(profile));
        k.session = Some(k.token("admin", "admin-password-1"));
        let who = k.json(&["whoami"]);
        assert_eq!(who["role"], role, "{who}");
        assert_eq!(who["territory"], territory, "{who}");
        let list = k.json(&["territory", "list"]);
        assert!(list.as_array().unwrap().iter().any(|t| t["code"] == territory), "{list}");
    }
}

#[test]
fn profile_check_names_the_line_and_column_of_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let k = kamkor(tmp.path());
    for builtin in ["omsk", "yamal", "kyrgyzstan"] {
        assert!(k.ok(&["profile", "check", builtin]).contains(builtin));
    }
    let text = kamkor_core::profile::OMSK_TOML.replacen(
        "levels = [\"district\", \"city_district\"]",
        "levels = [\"raion\", \"city_district\"]",
        1,
    );
    let bad = tmp.path().join("omsk-broken.toml");
    std::fs::write(&bad, &text).unwrap();
    let out = k.run(&["profile", "check", bad.to_str().unwrap()]);
    assert_eq!(code(&out), 7);
    let at = text.find("\"raion\"").unwrap();
    let line = text[..at].matches('\n').count() + 1;
    let column = text[..at].rsplit('\n').next().unwrap().chars().count() + 1;
    let err = text_of(&out.stderr);
    assert!(err.contains(&format!("at line {line}, column {column}")), "{err}");
    assert!(err.contains("levels = [\"raion\""), "the line itself: {err}");
    assert!(err.contains("roles[2].levels[0]"), "{err}");
    assert!(err.contains("PROFILE_UNKNOWN_REF"), "{err}");
    // The same in Russian.
    let out = k.command(&["profile", "check", bad.to_str().unwrap()]).env("KAMKOR_LANG", "ru").output().unwrap();
    assert!(text_of(&out.stderr).contains(&format!("строка {line}, столбец {column}")), "{}", text_of(&out.stderr));
}

fn text_of(b: &[u8]) -> String {
    text(b)
}

#[test]
fn demo_shows_the_omsk_and_yamal_flows() {
    let tmp = tempfile::tempdir().unwrap();
    let k = kamkor(tmp.path());
    let omsk = k.ok(&["demo", "--profile", "omsk"]);
    assert!(omsk.contains("Every rule worked as expected"), "{omsk}");
    assert!(!omsk.contains('✗'), "{omsk}");
    assert!(omsk.contains("UNDERTAKING_MISSING") && omsk.contains("OTHER_ORGANIZATION"), "{omsk}");
    assert!(omsk.contains("Quarterly statistics per district for Q1 2026 due by 2026-04-30"), "{omsk}");
    let yamal = k.ok(&["demo", "--profile", "yamal"]);
    assert!(yamal.contains("Every rule worked as expected"), "{yamal}");
    assert!(yamal.contains("OUTSIDE_COMPETENCE") && yamal.contains("CONSENT_REQUIRED"), "{yamal}");
    // Q1 2026 ends on Tuesday 31 March: 5 and 7 Russian working days later.
    assert!(
        yamal.contains("upload by 2026-04-07, regional load by 2026-04-09; monitoring results by 2026-04-20"),
        "{yamal}"
    );
    let out = k.run(&["demo", "--profile", "mars"]);
    assert_eq!(code(&out), 4);
}
