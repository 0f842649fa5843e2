//! Property tests over random actors, records and operations: no read or write
//! outside scope, and every refusal audited. The oracle is written from the
//! profiles' definitions, independently of `access::decide`.

mod common;
use common::*;
use kamkor_core::audit::{Link, Outcome};
use kamkor_core::registry::{NewChild, SearchQuery};
use kamkor_core::store::{MemoryStore, Store, Tree};
use kamkor_core::{FieldChange, Provenance, Session, SubjectId};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::sync::Arc;

struct Actor {
    session: Session,
    id: String,
    role: String,
    territory: String,
    org: String,
    /// The role requires a non-disclosure undertaking and none is recorded (ACC-6).
    unpledged: bool,
}

struct Rec {
    id: SubjectId,
    territory: String,
    org: String,
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Read,
    Write,
    Search,
}

type Oracle = fn(&Actor, &Rec, bool, &dyn Fn(&str, &str) -> bool) -> Result<(), &'static str>;

fn kyrgyz_oracle(a: &Actor, r: &Rec, write: bool, within: &dyn Fn(&str, &str) -> bool) -> Result<(), &'static str> {
    let inside = within(&r.territory, &a.territory);
    match (a.role.as_str(), write) {
        ("administrator", _) => Err("NO_PERMISSION"),
        ("statistician", false) => Err("PERSONAL_DATA_NOT_ALLOWED"),
        ("statistician", true) => Err("NO_PERMISSION"),
        ("central_reader", false) => Ok(()),
        ("central_reader" | "territorial_reader", true) => Err("READ_ONLY"),
        ("territorial_reader" | "specialist", false) => inside.then_some(()).ok_or("NOT_IN_TERRITORY"),
        ("specialist", true) if !inside => Err("NOT_IN_TERRITORY"),
        ("specialist", true) => (a.org == r.org).then_some(()).ok_or("OTHER_ORGANIZATION"),
        _ => Err("UNEXPECTED ROLE"),
    }
}

fn omsk_oracle(a: &Actor, r: &Rec, _write: bool, within: &dyn Fn(&str, &str) -> bool) -> Result<(), &'static str> {
    let inside = within(&r.territory, &a.territory);
    match (a.role.as_str(), _write) {
        ("regional_operator", _) => Err("NO_PERMISSION"),
        ("region", false) => Ok(()),
        ("region", true) => Err("READ_ONLY"),
        ("curator" | "master" | "district", _) => inside.then_some(()).ok_or("NOT_IN_TERRITORY"),
        ("organization", _) => (a.org == r.org).then_some(()).ok_or("OTHER_ORGANIZATION"),
        _ => Err("UNEXPECTED ROLE"),
    }
}

/// The shipped Omsk profile: the six levels as above, and no personal data for a user whose
/// undertaking is not recorded yet (§21), once the level itself allows the access.
fn omsk_shipped_oracle(
    a: &Actor,
    r: &Rec,
    write: bool,
    within: &dyn Fn(&str, &str) -> bool,
) -> Result<(), &'static str> {
    omsk_oracle(a, r, write, within)?;
    if a.unpledged {
        return Err("UNDERTAKING_MISSING");
    }
    Ok(())
}

fn last_audit(store: &dyn Store) -> Link {
    let (_, v) = store.last(Tree::Audit).expect("last").expect("an entry");
    serde_json::from_slice(&v).expect("link")
}

#[allow(clippy::too_many_arguments)]
fn run(
    profile: &str,
    roles: &[&str],
    places: &[&str],
    registrar_role: &str,
    make: fn(&str, usize) -> NewChild,
    oracle: Oracle,
    cases: u32,
    partial_pledges: bool,
) {
    let parsed = kamkor_core::Profile::from_toml(profile).expect("profile");
    let hierarchy = parsed.territories().expect("territories");
    // A role attached to some territory kinds only gets users there (the profile's `levels`).
    let attachable = |role: &str, place: &str| {
        let levels = &parsed.role(role).expect("role").levels;
        let kind = &hierarchy.get(&code(place)).expect("place").kind;
        levels.is_empty() || levels.contains(kind)
    };
    let pledge = kamkor_core::users::Undertaking {
        reference: "ОБ-1".into(),
        signed_on: date("2026-01-15"),
        kept_by: "curator".into(),
    };
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let admin_role = roles[0];
    let clock = clock();
    let mut admin = user("admin", admin_role, places[0], "1");
    admin.territory = code(places[0]);
    let reg = kamkor_core::Registry::create(store.clone(), profile, &key(), kamkor_core::Env::seeded(clock, 5), admin)
        .expect("create");
    let admin = reg.login("admin", PASSWORD).expect("admin");
    let mut actors = Vec::new();
    for role in roles {
        for place in places.iter().filter(|p| attachable(role, p)) {
            for org in ["111", "222"] {
                let login = format!("{role}-{place}-{org}");
                let info = reg.add_user(&admin, user(&login, role, place, org)).expect("user");
                let needs_pledge = parsed.role(role).is_some_and(|r| r.undertaking);
                let unpledged = needs_pledge && partial_pledges && org == "222";
                if !unpledged {
                    reg.record_undertaking(&admin, &info.id, pledge.clone()).expect("undertaking");
                }
                let session = reg.login(&login, PASSWORD).expect("login");
                let id = reg.whoami(&session).expect("who").id;
                actors.push(Actor {
                    session,
                    id,
                    role: role.to_string(),
                    territory: place.to_string(),
                    org: org.into(),
                    unpledged,
                });
            }
        }
    }
    // Registrars writing everywhere for two organizations.
    let mut recs = Vec::new();
    for org in ["111", "222"] {
        let info =
            reg.add_user(&admin, user(&format!("registrar-{org}"), registrar_role, places[0], org)).expect("registrar");
        reg.record_undertaking(&admin, &info.id, pledge.clone()).expect("undertaking");
        let s = reg.login(&format!("registrar-{org}"), PASSWORD).expect("login");
        let leaves: Vec<String> = reg.territories().leaves().iter().map(|t| t.code.to_string()).collect();
        for (i, t) in leaves.iter().enumerate().filter(|(i, _)| i % 3 == 0 || org == "111") {
            let r = reg.register_child(&s, make(t, i + if org == "111" { 0 } else { 500 })).expect("register");
            recs.push(Rec { id: r.id, territory: t.clone(), org: org.into() });
        }
    }
    let territories = reg.territories().clone();
    let within = move |code: &str, anc: &str| {
        let path = territories.path(&kamkor_core::TerritoryCode::parse(code).expect("c"));
        path.iter().any(|p| p.as_str() == anc)
    };
    // Changes cite a source of the profile's own vocabulary: the one its records are made with.
    let source = make(places[0], 0).provenance.source;
    let prov = Provenance { source, received_on: date("2026-11-01"), reference: None };
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let strategy =
        (0..actors.len(), 0..recs.len(), prop_oneof![Just(Op::Read), Just(Op::Write), Just(Op::Search)], 0u32..1000);
    runner
        .run(&strategy, |(ai, ri, op, n)| {
            let (a, r) = (&actors[ai], &recs[ri]);
            let audit_before = store.len(Tree::Audit).expect("len");
            let result = match op {
                Op::Read => reg.get_child(&a.session, &r.id).map(|_| ()),
                Op::Write => reg
                    .update_child(
                        &a.session,
                        &r.id,
                        vec![FieldChange { field: "needs.visit".into(), value: n.to_string().into() }],
                        prov.clone(),
                        None,
                        None,
                    )
                    .map(|_| ()),
                Op::Search => {
                    let q = SearchQuery { name: "Асанова".into(), limit: Some(1000), ..Default::default() };
                    match reg.search(&a.session, &q) {
                        Ok(found) => {
                            for m in found {
                                let rec = recs.iter().find(|x| x.id == m.child.id).expect("known");
                                prop_assert!(
                                    oracle(a, rec, false, &within).is_ok(),
                                    "search leaked {:?} to {}",
                                    rec.territory,
                                    a.role
                                );
                            }
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                }
            };
            let expected = match op {
                Op::Read | Op::Search => oracle(a, r, false, &within),
                Op::Write => oracle(a, r, true, &within),
            };
            let expected = match op {
                // A search is not about one record: only the role's right to read counts.
                Op::Search => match expected {
                    Err("NOT_IN_TERRITORY" | "OTHER_ORGANIZATION") if a.unpledged => Err("UNDERTAKING_MISSING"),
                    Err("NOT_IN_TERRITORY" | "OTHER_ORGANIZATION") => Ok(()),
                    other => other,
                },
                _ => expected,
            };
            let audited = store.len(Tree::Audit).expect("len");
            prop_assert_eq!(audited, audit_before + 1, "exactly one audit entry per operation");
            let link = last_audit(store.as_ref());
            match (&result, expected) {
                (Ok(()), Ok(())) => prop_assert_eq!(link.entry.outcome, Outcome::Allowed),
                (Err(e), Err(reason)) => {
                    prop_assert_eq!(e.reason.as_str(), reason);
                    prop_assert_eq!(link.entry.outcome, Outcome::Denied { reason: reason.to_string() });
                    prop_assert_eq!(link.entry.actor.as_deref(), Some(a.id.as_str()));
                }
                (got, want) => prop_assert!(
                    false,
                    "{} {:?} on {} ({}): got {:?}, want {:?}",
                    a.role,
                    op,
                    r.territory,
                    r.org,
                    got.as_ref().map_err(|e| &e.reason),
                    want
                ),
            }
            Ok(())
        })
        .expect("no access beyond the profile's definition");
    // Listing shows exactly the records the oracle allows, for every actor.
    for a in &actors {
        let allowed = recs.iter().filter(|r| oracle(a, r, false, &within).is_ok()).count();
        let allowed = if a.unpledged { 0 } else { allowed };
        match reg.list_children(&a.session, None, 0, 0) {
            Ok(kamkor_core::registry::ChildList { total, .. }) => {
                assert_eq!(total, allowed, "{} at {} ({})", a.role, a.territory, a.org)
            }
            Err(e) => assert_eq!(allowed, 0, "{} refused listing: {}", a.role, e.reason),
        }
    }
    assert!(reg.verify_audit_chain().expect("verify").ok);
}

fn kg_child(t: &str, i: usize) -> NewChild {
    let mut c = child("Асанова", "Айгүл", None, t);
    c.record.pin = Some(format!("101012015{:05}", i + 1));
    c
}

fn omsk_child(t: &str, _i: usize) -> NewChild {
    child("Асанова", "Айгүл", None, t)
}

/// The shipped Omsk vocabularies know no labour migrants abroad: the parents live with the child.
fn omsk_shipped_child(t: &str, i: usize) -> NewChild {
    let mut c = omsk_child(t, i);
    for r in &mut c.record.relatives {
        r.presence = "present".into();
    }
    c.provenance.source = "education".into();
    c
}

#[test]
fn kyrgyz_scopes_hold_for_random_actors_records_and_operations() {
    let roles = ["administrator", "central_reader", "territorial_reader", "specialist", "statistician"];
    let places = ["41700000000000", CHUI, "41708206000000", BISHKEK, LENINSKY, OSH_CITY];
    run(&cheap(KG), &roles, &places, "specialist", kg_child, kyrgyz_oracle, 10_000, false);
}

#[test]
fn omsk_six_levels_hold_without_code_change() {
    let roles = ["regional_operator", "region", "curator", "master", "district", "organization"];
    let places = ["52000000000", "52401000000", "52401364000", "52254000000"];
    run(include_str!("profiles/omsk-levels.toml"), &roles, &places, "master", omsk_child, omsk_oracle, 10_000, false);
}

/// The SHIPPED Omsk profile (`core/profiles/omsk.toml`): the six levels of §13 with their
/// attachments (a curator to one district or okrug, a master to the city or the region), and
/// the undertakings of §21 (half of the users have none recorded).
#[test]
fn omsk_shipped_levels_give_no_access_beyond_each_level() {
    let roles = ["regional_operator", "region", "curator", "master", "district", "organization"];
    let places = ["52000000000", "52401000000", "52401364000", "52254000000"];
    let profile = cheap(kamkor_core::profile::OMSK_TOML);
    run(&profile, &roles, &places, "master", omsk_shipped_child, omsk_shipped_oracle, 10_000, true);
}
