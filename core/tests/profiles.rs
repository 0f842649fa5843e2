//! The shipped Omsk and Yamal profiles (issue 8) and the validation of profiles: references to
//! unknown roles, registers, categories, documents, states, territory kinds and codes, and
//! rights beyond a role's levels are refused at load with the path, line and column.

mod common;
use common::{cheap, clock, code, date, key, user, PASSWORD};
use kamkor_core::profile::{self, Profile, OMSK_TOML, YAMAL_TOML};
use kamkor_core::registry::{ReportKind, ReportRequest};
use kamkor_core::store::MemoryStore;
use kamkor_core::{Env, ErrorCode, Registry};
use std::sync::Arc;

/// Line and column (1-based, in characters) of the `nth` occurrence of `needle`.
fn pos(text: &str, needle: &str, nth: usize) -> (String, String) {
    let mut from = 0;
    let mut at = 0;
    for _ in 0..=nth {
        at = from + text[from..].find(needle).expect("needle in the text");
        from = at + needle.len();
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().expect("line").chars().count() + 1;
    (line.to_string(), column.to_string())
}

/// Replaces the `nth` occurrence of `from` with `to`.
fn broken(text: &str, from: &str, nth: usize, to: &str) -> String {
    let at = text.match_indices(from).nth(nth).expect("occurrence").0;
    format!("{}{}{}", &text[..at], to, &text[at + from.len()..])
}

/// Loads a broken text and checks reason, path and place (of the `nth` occurrence of `place`).
fn refused(text: &str, reason: &str, field: &str, place: &str, nth: usize) {
    let e = Profile::from_toml(text).expect_err("a broken profile is refused");
    assert_eq!(e.code, ErrorCode::Profile);
    assert_eq!((e.reason.as_str(), e.field.as_deref()), (reason, Some(field)), "{e:?}");
    let (line, column) = pos(text, place, nth);
    assert_eq!(
        (e.args.get("line").map(String::as_str), e.args.get("column").map(String::as_str)),
        (Some(line.as_str()), Some(column.as_str())),
        "{field}: {e:?}"
    );
}

#[test]
fn shipped_profiles_load_with_their_registers_categories_and_levels() {
    let omsk = Profile::omsk().expect("omsk");
    assert_eq!(omsk.profile.id, "omsk");
    let roles: Vec<&str> = omsk.roles.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(roles, ["regional_operator", "region", "curator", "master", "district", "organization"]);
    let w = omsk.workflow.as_ref().expect("workflow");
    assert_eq!(w.openings.len(), 7, "§6: seven kinds of registers");
    assert!(w.case_per_opening);
    let grounds = &omsk.vocabularies["inclusion_ground"];
    assert_eq!(grounds.iter().filter(|t| t.code.starts_with('c')).count(), 18, "§7: eighteen categories");
    assert!(grounds.iter().any(|t| t.code == "family_parents_fail_duties"), "§8");
    assert_eq!(w.calendar, "ru");
    assert!(w.deadlines.iter().all(|d| d.working_days == Some(5)), "§§11, 17");
    assert_eq!(omsk.reporting.quarterly_due_days, 30, "§19");
    assert!(omsk.roles.iter().filter(|r| r.undertaking).count() >= 5, "§21");

    let yamal = Profile::yamal().expect("yamal");
    let w = yamal.workflow.as_ref().expect("workflow");
    let exit: Vec<&str> = yamal.vocabularies["exit_ground"].iter().map(|t| t.code.as_str()).collect();
    assert_eq!(exit, ["factors_eliminated", "moved_region", "age_18"], "§4.5");
    assert_eq!(yamal.vocabularies["document_kind"].len(), 5, "§4.3");
    let lift = w.transition("lift_neglect").expect("§4.2");
    let change = lift.change_ground.as_ref().expect("a category change");
    assert_eq!((change.from.as_slice(), change.to.as_str()), (&["neglected".to_string()][..], "environment_unfit"));
    let x = yamal.exchange.as_ref().expect("two levels");
    assert_eq!((x.upload_due_working_days, x.load_due_working_days), (5, 7), "§§4.10-4.11");
    assert_eq!(yamal.reporting.monitoring_due_day, 20, "§5.1");
    for agency in
        ["social_protection", "education", "guardianship", "health", "police", "employment", "youth_culture_sport"]
    {
        let write = yamal.role(agency).and_then(|r| r.grant(kamkor_core::profile::Action::Write)).expect(agency);
        assert!(!write.fields.is_empty(), "§5.2: {agency} writes within its competence");
    }
    assert_eq!(yamal.consent.len(), 1, "§5.2.5");
    assert_eq!(profile::builtin("yamal"), Some(YAMAL_TOML));
    assert!(profile::builtin("mars").is_none());
}

#[test]
fn unknown_references_are_refused_with_line_and_column() {
    let o = OMSK_TOML;
    // An unknown register named by a transition.
    refused(
        &broken(o, "openings = [\"sop\"]", 0, "openings = [\"sopp\"]"),
        "PROFILE_UNKNOWN_REF",
        "workflow.transitions[2].openings[0]",
        "\"sopp\"",
        0,
    );
    // An unknown category accepted by a register.
    refused(
        &broken(o, "\"c05_vagrancy\"", 1, "\"c05_vagrant\""),
        "PROFILE_UNKNOWN_REF",
        "workflow.openings[0].grounds[4]",
        "\"c05_vagrant\"",
        0,
    );
    // An unknown basis document.
    refused(
        &broken(o, "documents = [\"commission_decision\"]", 0, "documents = [\"kdn_decision\"]"),
        "PROFILE_UNKNOWN_REF",
        "workflow.openings[3].documents[0]",
        "\"kdn_decision\"",
        0,
    );
    // An unknown state.
    refused(
        &broken(o, "state = \"decision_received\"\nopening = \"sop\"", 0, "state = \"received\"\nopening = \"sop\""),
        "PROFILE_UNKNOWN_REF",
        "workflow.deadlines[0].state",
        "\"received\"",
        0,
    );
    // An unknown territory kind as a level.
    refused(
        &broken(o, "levels = [\"district\", \"city_district\"]", 0, "levels = [\"raion\", \"city_district\"]"),
        "PROFILE_UNKNOWN_REF",
        "roles[2].levels[0]",
        "\"raion\"",
        0,
    );
    let y = YAMAL_TOML;
    // An unknown role.
    refused(
        &broken(y, "regional_role = \"regional_commission\"", 0, "regional_role = \"kdn\""),
        "PROFILE_UNKNOWN_REF",
        "exchange.regional_role",
        "\"kdn\"",
        0,
    );
    // An unknown category in a category change.
    refused(
        &broken(y, "to = \"environment_unfit\"", 0, "to = \"bad_environment\""),
        "PROFILE_UNKNOWN_REF",
        "workflow.transitions[0].change_ground.to",
        "\"bad_environment\"",
        0,
    );
    // An unknown code (a circumstance of a plan rule).
    refused(
        &broken(y, "circumstance = \"offence\"", 0, "circumstance = \"offense\""),
        "RULE_UNKNOWN_CODE",
        "plan.rules[2].circumstance",
        "\"offense\"",
        0,
    );
    // A consent kept somewhere that is not a record field.
    refused(
        &broken(y, "record = \"needs.consent_health\"", 0, "record = \"consent\""),
        "PROFILE_UNKNOWN_REF",
        "consent[0].record",
        "\"consent\"",
        0,
    );
    // A competence naming no field of the record.
    refused(
        &broken(y, "fields = [\"needs.police_*\"]", 0, "fields = [\"police\"]"),
        "PROFILE_UNKNOWN_REF",
        "roles[7].grants[1].fields[0]",
        "\"police\"",
        1,
    );
}

#[test]
fn rights_beyond_a_roles_scope_are_refused_with_the_place() {
    let o = OMSK_TOML;
    // A curator (one district) reading the whole region.
    let curator_read = "{ action = \"read\", territory = \"subtree\" }";
    let text = broken(o, curator_read, 0, "{ action = \"read\", territory = \"all\" }");
    refused(&text, "PROFILE_BEYOND_SCOPE", "roles[2].grants[0].territory", "\"all\" }", 8);
    // An organization managing users of its organization.
    let text = broken(
        o,
        "{ action = \"write\", territory = \"all\", organization = \"own\" }",
        0,
        "{ action = \"manage_users\", territory = \"all\", organization = \"own\" }",
    );
    refused(&text, "PROFILE_BEYOND_SCOPE", "roles[5].grants[1].organization", "\"own\" }", 1);
    // A competence on a right that is not a write.
    let text = broken(YAMAL_TOML, "{ action = \"read\", territory = \"subtree\" },\n  { action = \"write\", territory = \"subtree\", fields = [\"needs.education_*\"] }", 0, "{ action = \"read\", territory = \"subtree\", fields = [\"needs.education_*\"] },\n  { action = \"write\", territory = \"subtree\", fields = [\"needs.education_*\"] }");
    refused(&text, "PROFILE_SCOPE", "roles[4].grants[0].fields", "[\"needs.education_*\"] },", 0);
    // Backups narrowed to a territory (existing rule, now with its place).
    let text = broken(
        o,
        "{ action = \"backup\", territory = \"all\" }",
        0,
        "{ action = \"backup\", territory = \"subtree\" }",
    );
    refused(&text, "PROFILE_SCOPE", "roles[0].grants[2].territory", "\"subtree\" }", 0);
}

#[test]
fn syntax_errors_carry_line_and_column() {
    let text = broken(
        OMSK_TOML,
        "{ action = \"delete\", territory = \"subtree\" }",
        0,
        "{ action = \"erase\", territory = \"subtree\" }",
    );
    let e = Profile::from_toml(&text).expect_err("unknown action");
    assert_eq!(e.reason, "PROFILE_SYNTAX");
    let (line, column) = pos(&text, "\"erase\"", 0);
    assert_eq!(e.args.get("line"), Some(&line));
    assert_eq!(e.args.get("column"), Some(&column));
}

#[test]
fn locate_finds_paths_of_the_shipped_text() {
    let (line, column) = pos(YAMAL_TOML, "\"regional_commission\"", 0);
    let expected = (line.parse().expect("n"), column.parse().expect("n"));
    assert_eq!(profile::locate(YAMAL_TOML, "exchange.regional_role"), Some(expected));
    assert!(profile::locate(YAMAL_TOML, "exchange.nothing_here").is_some(), "the deepest part found");
    assert_eq!(profile::locate(YAMAL_TOML, "no_such_table"), None);
}

fn registry(text: &str, admin_role: &str, root: &str) -> (Registry, kamkor_core::Session) {
    let reg = Registry::create(
        Arc::new(MemoryStore::new()),
        &cheap(text),
        &key(),
        Env::seeded(clock(), 8),
        user("admin", admin_role, root, "1"),
    )
    .expect("create");
    let admin = reg.login("admin", PASSWORD).expect("admin");
    (reg, admin)
}

fn pledged(reg: &Registry, admin: &kamkor_core::Session, login: &str, role: &str, at: &str) -> kamkor_core::Session {
    let info = reg.add_user(admin, user(login, role, at, "5504")).expect("user");
    let u = kamkor_core::users::Undertaking {
        reference: "ОБ-1".into(),
        signed_on: date("2026-11-01"),
        kept_by: "curator".into(),
    };
    reg.record_undertaking(admin, &info.id, u).expect("undertaking");
    reg.login(login, PASSWORD).expect("login")
}

fn omsk_child(territory: &str) -> kamkor_core::registry::NewChild {
    let mut c = common::child("Петрова", "Анна", None, territory);
    for r in &mut c.record.relatives {
        r.presence = "present".into();
    }
    c.provenance.source = "education".into();
    c
}

/// REP-2 (002 §19): quarterly statistics per district, due by the 30th day after the quarter;
/// a curator's report covers its district only, the ministry's the region.
#[test]
fn omsk_quarterly_statistics_per_district_by_the_30th_day() {
    let (reg, admin) = registry(OMSK_TOML, "regional_operator", "52000000000");
    let kirov = pledged(&reg, &admin, "kirov", "curator", "52401364000");
    let tara = pledged(&reg, &admin, "tara", "curator", "52254000000");
    reg.add_user(&admin, user("ministry", "region", "52000000000", "5503")).expect("ministry");
    let ministry = reg.login("ministry", PASSWORD).expect("login");
    for _ in 0..2 {
        reg.register_child(&kirov, omsk_child("52401364000")).expect("kirov child");
    }
    reg.register_child(&tara, omsk_child("52254000000")).expect("tara child");
    let q4 = ReportRequest {
        report: ReportKind::Quarterly { year: 2026, quarter: 4 },
        territory: None,
        depersonalized: false,
    };
    let r = reg.report(&kirov, &q4).expect("curator's report");
    assert_eq!(r.due_date, Some(date("2027-01-30")), "§19: the 30th day after the quarter");
    assert_eq!(r.scope, code("52401364000"));
    let r = reg.report(&ministry, &q4).expect("ministry's report");
    assert_eq!(r.scope, code("52000000000"));
    let rows: Vec<String> =
        r.tables[0].rows.iter().filter_map(|row| row.territory.as_ref().map(|t| t.to_string())).collect();
    assert!(rows.contains(&"52254000000".to_string()), "per district: {rows:?}");
    let q1 = ReportRequest {
        report: ReportKind::Quarterly { year: 2027, quarter: 1 },
        territory: None,
        depersonalized: false,
    };
    assert_eq!(reg.report(&kirov, &q1).expect("q1").due_date, Some(date("2027-04-30")));
}

/// REP-2 (003 §5.1): the municipal commission's quarterly monitoring results by the 20th of
/// the month after the quarter.
#[test]
fn yamal_quarterly_monitoring_by_the_20th() {
    let (reg, admin) = registry(YAMAL_TOML, "administrator", "71900000000");
    reg.add_user(&admin, user("kdn", "municipal_commission", "71171000000", "8901")).expect("kdn");
    let kdn = reg.login("kdn", PASSWORD).expect("login");
    let req = ReportRequest {
        report: ReportKind::Monitoring { year: 2026, quarter: 3 },
        territory: None,
        depersonalized: false,
    };
    let r = reg.report(&kdn, &req).expect("monitoring");
    assert_eq!(r.due_date, Some(date("2026-10-20")));
    assert_eq!(r.scope, code("71171000000"));
}

/// RET-2 with ACC-6 (002 §21 and the request form): the regional operator moves a card to the
/// archive on an organization's reasoned request only once its own undertaking is recorded;
/// the request is logged.
#[test]
fn omsk_archive_on_request_needs_the_operators_undertaking_and_is_logged() {
    let (reg, admin) = registry(OMSK_TOML, "regional_operator", "52000000000");
    let kirov = pledged(&reg, &admin, "kirov", "curator", "52401364000");
    let child = reg.register_child(&kirov, omsk_child("52401364000")).expect("child").id;
    let request = kamkor_core::archive::ArchiveRequest {
        reason: "Выбыл из образовательной организации".into(),
        requested_by: "Директор БОУ «СОШ № 55»".into(),
        document: "Заявка № 7 от 20.11.2026".into(),
    };
    let mut out = Vec::new();
    let e = reg.archive_on_request(&admin, &child, request.clone(), &mut out).expect_err("no undertaking yet");
    assert_eq!((e.code, e.reason.as_str()), (ErrorCode::AccessDenied, "UNDERTAKING_MISSING"));
    assert!(reg.get_child(&kirov, &child).is_ok(), "nothing archived");
    let me = reg.whoami(&admin).expect("who").id;
    let u = kamkor_core::users::Undertaking {
        reference: "ОБ-0".into(),
        signed_on: date("2026-11-01"),
        kept_by: "Министерство".into(),
    };
    reg.record_undertaking(&admin, &me, u).expect("own undertaking");
    reg.archive_on_request(&admin, &child, request.clone(), &mut out).expect("archived");
    assert!(!out.is_empty(), "an archive package was written");
    assert_eq!(reg.get_child(&kirov, &child).expect_err("gone").code, ErrorCode::NotFound);
    let log = reg.archive_requests(&admin).expect("log");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].request, request);
    assert_eq!(log[0].child, child);
}
