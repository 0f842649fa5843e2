//! Offline device registries and conflict-aware sync (issue 7): focused tests of the
//! device, the bundles, every refusal, the merge and the conflict queue.

mod common;

use chrono::Duration;
use common::*;
use kamkor_core::audit::Outcome;
use kamkor_core::model::FieldChange;
use kamkor_core::registry::{LinkKind, NewLink};
use kamkor_core::store::{MemoryStore, Tree};
use kamkor_core::sync::LinkSecret;
use kamkor_core::{Env, ErrorCode, Key, ManualClock, Provenance, Registry, Session, SubjectId};
use rand::SeedableRng;
use std::sync::Arc;

const INN: &str = "00000000000002";

struct Device {
    reg: Registry,
    clock: Arc<ManualClock>,
    session: Session,
    secret: LinkSecret,
}

fn prov() -> Provenance {
    Provenance { source: "specialist".into(), received_on: date("2026-11-20"), reference: None }
}

fn change(field: &str, value: serde_json::Value) -> Vec<FieldChange> {
    vec![FieldChange { field: field.into(), value }]
}

/// Enrols a device for a login at the centre and creates it from its scope download.
fn device(fx: &Fixture, login: &str, seed: u64, until: &str) -> Device {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let secret = LinkSecret::generate(&mut rng);
    let enrolment = fx
        .reg
        .enrol_link(
            &fx.admin,
            NewLink {
                kind: LinkKind::Device,
                login: Some(login.into()),
                territory: None,
                public_key: secret.public_key(),
                valid_until: date(until),
            },
        )
        .expect("enrol");
    let secret = secret.complete(&enrolment, None);
    let scope = fx.reg.export_scope(&fx.admin, &secret.link).expect("scope");
    let clock = clock();
    let reg = Registry::create_device(
        Arc::new(MemoryStore::new()),
        &Key::from_bytes([seed as u8; 32]),
        Env::seeded(clock.clone(), seed),
        &secret,
        &scope,
    )
    .expect("device");
    let session = reg.login(login, PASSWORD).expect("device login");
    Device { reg, clock, session, secret }
}

struct World {
    fx: Fixture,
    worker: Session,
    children: Vec<SubjectId>,
    osh_child: SubjectId,
    supervisor: Session,
}

fn world() -> World {
    let fx = Fixture::new();
    let worker = fx.session("field1", "specialist", CHUI, INN);
    fx.reg.add_user(&fx.admin, user("field2", "specialist", CHUI, INN)).expect("field2");
    let supervisor = fx.session("super", "territorial_reader", CHUI, INN);
    let osh = fx.session("osh1", "specialist", OSH_CITY, INN);
    let mut children = Vec::new();
    for (i, name) in ["Асанов", "Бакиров", "Жумабаев"].iter().enumerate() {
        let mut c = child(name, "Айбек", None, CHUI);
        c.record.needs.insert("school".into(), format!("class {i}"));
        children.push(fx.reg.register_child(&worker, c).expect("register").id);
    }
    let osh_child = fx.reg.register_child(&osh, child("Ошская", "Айым", None, OSH_CITY)).expect("osh").id;
    World { fx, worker, children, osh_child, supervisor }
}

fn failed(fx: &Fixture, action: &str) -> Vec<String> {
    let s = fx.reg.audit_entries(&fx.admin, 0, 100_000).expect("audit");
    s.into_iter()
        .filter(|e| e.action == action)
        .filter_map(|e| match e.outcome {
            Outcome::Failed { reason } | Outcome::Denied { reason } => Some(reason),
            Outcome::Allowed => None,
        })
        .collect()
}

fn fingerprint(fx: &Fixture) -> Vec<(usize, Vec<u8>)> {
    [Tree::Facts, Tree::State, Tree::Keys]
        .iter()
        .map(|t| {
            let n = fx.store.len(*t).expect("len");
            let last = fx.store.last(*t).expect("last").map(|(k, v)| [k, v].concat()).unwrap_or_default();
            (n, last)
        })
        .collect()
}

#[test]
fn device_holds_its_scope_and_the_same_access_rules() {
    let w = world();
    let d = device(&w.fx, "field1", 11, "2026-12-31");
    assert_eq!(d.reg.origin(), d.secret.link);
    assert!(d.secret.link.starts_with("d-"));
    let list = d.reg.list_children(&d.session, None, 0, 100).expect("list");
    assert_eq!(list.total, 3, "the Chui children only");
    let c = d.reg.get_child(&d.session, &w.children[0]).expect("read offline");
    assert_eq!(c.record.surname, "Асанов");
    // The Osh child is not on the device at all.
    assert_eq!(d.reg.get_child(&d.session, &w.osh_child).expect_err("absent").code, ErrorCode::NotFound);
    // Same profile, same facade: an edit within scope works, a registration outside is refused.
    d.reg
        .update_child(&d.session, &w.children[0], change("housing", "flat 3".into()), prov(), None, None)
        .expect("offline edit");
    let e = d.reg.register_child(&d.session, child("Чужой", "Бала", None, OSH_CITY)).expect_err("outside");
    assert_eq!((e.code, e.reason.as_str()), (ErrorCode::AccessDenied, "NOT_IN_TERRITORY"));
    // The device knows only its worker: another account cannot sign in there.
    assert!(d.reg.login("admin", PASSWORD).is_err());
}

#[test]
fn the_grant_expires_offline() {
    let w = world();
    let d = device(&w.fx, "field1", 12, "2026-11-30");
    d.reg.get_child(&d.session, &w.children[0]).expect("within term");
    // The worker's own account runs to 2027; on the device it ends with the link's grant.
    d.clock.advance(Duration::days(7));
    let s = d.reg.login("field1", PASSWORD).expect("still within the grant");
    d.reg.get_child(&s, &w.children[0]).expect("read");
    d.clock.advance(Duration::days(2));
    let e = d.reg.get_child(&s, &w.children[0]).expect_err("expired");
    assert_eq!(e.code, ErrorCode::Unauthenticated);
    let e = d.reg.login("field1", PASSWORD).expect_err("expired");
    assert_eq!((e.code, e.reason.as_str()), (ErrorCode::Unauthenticated, "ACCOUNT_EXPIRED"));
}

#[test]
fn changes_travel_once_whatever_is_resent() {
    let w = world();
    let d = device(&w.fx, "field1", 13, "2026-12-31");
    d.reg
        .update_child(&d.session, &w.children[0], change("housing", "flat 3".into()), prov(), None, None)
        .expect("edit");
    let new = d.reg.register_child(&d.session, child("Новая", "Асель", None, CHUI)).expect("register offline").id;
    d.reg.update_child(&d.session, &new, change("needs.food", "parcel".into()), prov(), None, None).expect("edit new");
    let bundle = d.reg.export_changes(&d.session, &d.secret, 0, None).expect("export");
    let r = w.fx.reg.import_changes(&w.fx.admin, &bundle).expect("import");
    assert_eq!((r.applied, r.duplicates, r.acknowledged), (3, 0, 3));
    // Audited per record, in the worker's name.
    let worker_id = w.fx.reg.user_id_by_login(&w.fx.admin, "field1").expect("lookup").expect("id");
    let log = w.fx.reg.audit_entries(&w.fx.admin, 0, 100_000).expect("audit");
    let applied: Vec<_> = log.iter().filter(|e| e.action == "sync.apply").collect();
    let targets: std::collections::BTreeSet<_> = applied.iter().filter_map(|e| e.target.clone()).collect();
    assert_eq!(targets, [w.children[0].to_string(), new.to_string()].into_iter().collect());
    assert!(applied.iter().all(|e| e.actor.as_deref() == Some(worker_id.as_str())));
    assert!(log.iter().any(|e| e.action == "sync.import" && e.outcome == Outcome::Allowed));
    let c = w.fx.reg.get_child(&w.worker, &w.children[0]).expect("read");
    assert_eq!(c.record.housing.as_deref(), Some("flat 3"));
    let n = w.fx.reg.get_child(&w.worker, &new).expect("new child at the centre");
    assert_eq!(n.record.needs.get("food").map(String::as_str), Some("parcel"));
    assert_eq!(n.version, 2);
    let h = w.fx.reg.history(&w.worker, &new).expect("history");
    assert!(h.iter().all(|e| e.origin == d.secret.link), "the device is the origin at the centre");
    assert_eq!(h.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2]);
    // Applying the same bundle again, or a resend from 0, changes nothing.
    let before = fingerprint(&w.fx);
    let r = w.fx.reg.import_changes(&w.fx.admin, &bundle).expect("again");
    assert_eq!((r.applied, r.duplicates), (0, 3), "a bundle below the acknowledged mark is skipped whole");
    let again = d.reg.export_changes(&d.session, &d.secret, 0, None).expect("resend");
    let r = w.fx.reg.import_changes(&w.fx.admin, &again).expect("resend import");
    assert_eq!((r.applied, r.duplicates), (0, 3));
    assert_eq!(fingerprint(&w.fx), before);
    // The centre's statistics and search see the device's child.
    let found = w
        .fx
        .reg
        .search(&w.worker, &kamkor_core::registry::SearchQuery { name: "Новая Асель".into(), ..Default::default() });
    assert_eq!(found.expect("search").first().map(|m| m.child.id), Some(new));
}

#[test]
fn resumable_after_a_cut() {
    let w = world();
    let d = device(&w.fx, "field1", 14, "2026-12-31");
    for (i, id) in w.children.iter().enumerate() {
        d.reg
            .update_child(&d.session, id, change("housing", format!("house {i}").into()), prov(), None, None)
            .expect("edit");
    }
    let first = d.reg.export_changes(&d.session, &d.secret, 0, Some(2)).expect("first");
    let second = d.reg.export_changes(&d.session, &d.secret, 2, None).expect("second");
    let before = fingerprint(&w.fx);
    // The later part first: refused, resend from the acknowledged position.
    let e = w.fx.reg.import_changes(&w.fx.admin, &second).expect_err("gap");
    assert_eq!(
        (e.code, e.reason.as_str(), e.args.get("expected").map(String::as_str)),
        (ErrorCode::Conflict, "SYNC_GAP", Some("0"))
    );
    // A cut transfer is refused whole.
    for cut in [1, 10, first.len() / 2, first.len() - 1] {
        let e = w.fx.reg.import_changes(&w.fx.admin, &first[..cut]).expect_err("cut");
        assert_eq!(e.reason, "BUNDLE_TRUNCATED", "cut at {cut}");
    }
    assert_eq!(fingerprint(&w.fx), before, "nothing applied");
    let r = w.fx.reg.import_changes(&w.fx.admin, &first).expect("first");
    assert_eq!((r.applied, r.acknowledged), (2, 2));
    let r = w.fx.reg.import_changes(&w.fx.admin, &second).expect("then the rest");
    assert_eq!((r.applied, r.acknowledged), (1, 3));
    let reasons = failed(&w.fx, "sync.import");
    assert!(reasons.iter().filter(|r| *r == "BUNDLE_TRUNCATED").count() >= 4);
    assert!(reasons.contains(&"SYNC_GAP".to_string()));
}

#[test]
fn bad_bundles_are_refused_audited_and_change_nothing() {
    let w = world();
    let d = device(&w.fx, "field1", 15, "2026-12-31");
    d.reg.update_child(&d.session, &w.children[1], change("housing", "x".into()), prov(), None, None).expect("edit");
    let good = d.reg.export_changes(&d.session, &d.secret, 0, None).expect("export");
    let before = fingerprint(&w.fx);
    let audit_before = w.fx.audit_len();
    // Forged: a byte of the sealed body flipped, or signed by another key.
    let mut flipped = good.clone();
    let at = flipped.len() - 80;
    flipped[at] ^= 0x20;
    let e = w.fx.reg.import_changes(&w.fx.admin, &flipped).expect_err("forged");
    assert_eq!((e.code, e.reason.as_str()), (ErrorCode::Crypto, "BUNDLE_FORGED"));
    let mut rng = rand::rngs::StdRng::seed_from_u64(99);
    let mut impostor = LinkSecret::generate(&mut rng);
    impostor = impostor.complete(
        &serde_json::from_value(serde_json::json!({
            "link": d.secret.link, "transport": "00".repeat(32), "peer_origin": d.secret.peer_origin, "peer_public": d.secret.peer_public
        }))
        .expect("enrolment"),
        None,
    );
    let fake = d.reg.export_changes(&d.session, &impostor, 0, None).expect("export with another key");
    assert_eq!(w.fx.reg.import_changes(&w.fx.admin, &fake).expect_err("forged").reason, "BUNDLE_FORGED");
    // A newer format.
    let mut newer = good.clone();
    newer[5] = 9;
    let e = w.fx.reg.import_changes(&w.fx.admin, &newer).expect_err("newer");
    assert_eq!((e.code, e.reason.as_str()), (ErrorCode::Validation, "BUNDLE_VERSION"));
    assert!(e.localized(kamkor_core::Lang::Ru).contains('9'));
    // Not a bundle at all.
    assert_eq!(w.fx.reg.import_changes(&w.fx.admin, b"hello world").expect_err("junk").reason, "BUNDLE_NOT_A_BUNDLE");
    assert_eq!(fingerprint(&w.fx), before);
    assert_eq!(w.fx.audit_len(), audit_before + 4, "every refusal audited");
    // A revoked device: even its genuine bundle is refused.
    w.fx.reg.revoke_link(&w.fx.admin, &d.secret.link, "phone lost").expect("revoke");
    let e = w.fx.reg.import_changes(&w.fx.admin, &good).expect_err("revoked");
    assert_eq!((e.code, e.reason.as_str()), (ErrorCode::AccessDenied, "LINK_REVOKED"));
    assert_eq!(fingerprint(&w.fx), before);
    let reasons = failed(&w.fx, "sync.import");
    for r in ["BUNDLE_FORGED", "BUNDLE_VERSION", "BUNDLE_NOT_A_BUNDLE", "LINK_REVOKED"] {
        assert!(reasons.iter().any(|x| x == r), "{r} audited: {reasons:?}");
    }
    // Every refusal has a message in the three languages.
    for lang in [kamkor_core::Lang::Ru, kamkor_core::Lang::Ky, kamkor_core::Lang::En] {
        for reason in [
            "BUNDLE_FORGED",
            "BUNDLE_VERSION",
            "BUNDLE_TRUNCATED",
            "LINK_REVOKED",
            "SYNC_GAP",
            "SYNC_OUT_OF_SCOPE",
            "LINK_EXPIRED",
        ] {
            let e = kamkor_core::Error::new(ErrorCode::Validation, reason);
            let text = e.localized(lang);
            assert!(!text.contains(&reason.to_ascii_lowercase().replace('_', "-")), "{reason} in {lang:?}: {text}");
        }
    }
}

#[test]
fn a_moved_record_is_outside_the_device_scope() {
    let w = world();
    let d = device(&w.fx, "field1", 16, "2026-12-31");
    d.reg.update_child(&d.session, &w.children[2], change("housing", "x".into()), prov(), None, None).expect("edit");
    d.reg.update_child(&d.session, &w.children[0], change("housing", "y".into()), prov(), None, None).expect("edit");
    // Meanwhile at the centre, child 2 moves to Bishkek (outside the worker's Chui scope).
    let admin_writer = w.fx.session("centre-worker", "specialist", "41700000000000", INN);
    w.fx.reg
        .update_child(&admin_writer, &w.children[2], change("identified_in", BISHKEK.into()), prov(), None, None)
        .expect("move");
    let before = fingerprint(&w.fx);
    let bundle = d.reg.export_changes(&d.session, &d.secret, 0, None).expect("export");
    let e = w.fx.reg.import_changes(&w.fx.admin, &bundle).expect_err("out of scope");
    assert_eq!((e.code, e.reason.as_str()), (ErrorCode::AccessDenied, "SYNC_OUT_OF_SCOPE"));
    assert_eq!(fingerprint(&w.fx), before, "the whole bundle refused, child 0's edit too");
    assert!(failed(&w.fx, "sync.import").contains(&"SYNC_OUT_OF_SCOPE".to_string()));
    let c = w.fx.reg.get_child(&w.worker, &w.children[0]).expect("read");
    assert_eq!(c.record.housing, None);
}

#[test]
fn field_level_merge_and_the_conflict_queue() {
    let w = world();
    let a = device(&w.fx, "field1", 17, "2026-12-31");
    let b = device(&w.fx, "field2", 18, "2026-12-31");
    let x = w.children[0];
    // Different fields: both apply.
    a.reg.update_child(&a.session, &x, change("housing", "flat 1".into()), prov(), None, None).expect("a");
    b.reg.update_child(&b.session, &x, change("needs.food", "parcel".into()), prov(), None, None).expect("b");
    // Same field, same value from both: no conflict.
    a.reg.update_child(&a.session, &x, change("identified_place", "school 5".into()), prov(), None, None).expect("a");
    b.reg.update_child(&b.session, &x, change("identified_place", "school 5".into()), prov(), None, None).expect("b");
    // Same field, different values: a true conflict.
    a.clock.advance(Duration::minutes(5));
    a.reg.update_child(&a.session, &x, change("needs.school", "class 7".into()), prov(), None, None).expect("a");
    b.clock.advance(Duration::minutes(9));
    b.reg.update_child(&b.session, &x, change("needs.school", "class 8".into()), prov(), None, None).expect("b");
    // The centre changes a field too, after the download; device A edits it as well.
    w.fx.reg
        .update_child(&w.worker, &x, change("housing_note_free", "n".into()), prov(), None, None)
        .expect_err("unknown field");
    w.fx.reg
        .update_child(&w.worker, &x, change("legal_status", "without_parental_care".into()), prov(), None, None)
        .expect("centre");
    a.reg.update_child(&a.session, &x, change("legal_status", "orphan".into()), prov(), None, None).expect("a");
    let ba = a.reg.export_changes(&a.session, &a.secret, 0, None).expect("export a");
    let bb = b.reg.export_changes(&b.session, &b.secret, 0, None).expect("export b");
    w.fx.reg.import_changes(&w.fx.admin, &bb).expect("import b");
    let r = w.fx.reg.import_changes(&w.fx.admin, &ba).expect("import a");
    let mut fields: Vec<String> = r.conflicts.iter().map(|(_, f)| f.clone()).collect();
    fields.sort();
    assert_eq!(fields, vec!["legal_status".to_string(), "needs.school".to_string()]);
    let c = w.fx.reg.get_child(&w.worker, &x).expect("read");
    assert_eq!(c.record.housing.as_deref(), Some("flat 1"));
    assert_eq!(c.record.needs.get("food").map(String::as_str), Some("parcel"));
    assert_eq!(c.record.identified_place.as_deref(), Some("school 5"));
    assert_eq!(c.record.needs.get("school").map(String::as_str), Some("class 8"), "the latest is shown meanwhile");
    // The queue: both values, authors and times; never silently dropped.
    let q = w.fx.reg.sync_conflicts(&w.supervisor).expect("queue");
    assert_eq!(q.len(), 2);
    let school = q.iter().find(|c| c.field == "needs.school").expect("school conflict");
    let mut values: Vec<_> =
        school.proposals.iter().map(|p| p.value.as_str().unwrap_or_default().to_string()).collect();
    values.sort();
    assert_eq!(values, vec!["class 7", "class 8"]);
    let authors: std::collections::BTreeSet<_> = school.proposals.iter().map(|p| p.author.clone()).collect();
    assert_eq!(authors.len(), 2, "two people");
    assert!(school.proposals.iter().all(|p| p.change.starts_with("d-")));
    let legal = q.iter().find(|c| c.field == "legal_status").expect("legal conflict");
    assert!(legal.proposals.iter().any(|p| p.change.starts_with("r-") && p.value == "without_parental_care"));
    // Only a supervisor (approve) sees and resolves it.
    let e = w.fx.reg.sync_conflicts(&w.worker).expect_err("a specialist");
    assert_eq!(e.code, ErrorCode::AccessDenied);
    let e = w.fx.reg.resolve_conflict(&w.worker, &x, "needs.school", "class 7".into(), prov(), None).expect_err("no");
    assert_eq!(e.code, ErrorCode::AccessDenied);
    let v =
        w.fx.reg
            .resolve_conflict(
                &w.supervisor,
                &x,
                "needs.school",
                "class 7".into(),
                prov(),
                Some("checked with the school".into()),
            )
            .expect("resolve");
    assert_eq!(v.record.needs.get("school").map(String::as_str), Some("class 7"));
    let q = w.fx.reg.sync_conflicts(&w.supervisor).expect("queue");
    assert_eq!(q.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(), vec!["legal_status"]);
    let e = w.fx.reg.resolve_conflict(&w.supervisor, &x, "housing", "z".into(), prov(), None).expect_err("no conflict");
    assert_eq!((e.code, e.reason.as_str()), (ErrorCode::Conflict, "NO_CONFLICT"));
    w.fx.reg.resolve_conflict(&w.supervisor, &x, "legal_status", "orphan".into(), prov(), None).expect("resolve");
    assert!(w.fx.reg.sync_conflicts(&w.supervisor).expect("queue").is_empty());
    let log = w.fx.reg.audit_entries(&w.fx.admin, 0, 100_000).expect("audit");
    assert_eq!(log.iter().filter(|e| e.action == "sync.resolve" && e.outcome == Outcome::Allowed).count(), 2);
    // A later edit from a device that had not seen the decision reopens it: never lost.
    b.reg.update_child(&b.session, &x, change("needs.school", "class 9".into()), prov(), None, None).expect("b again");
    let bb = b.reg.export_changes(&b.session, &b.secret, 0, None).expect("export b");
    let r = w.fx.reg.import_changes(&w.fx.admin, &bb).expect("import b again");
    assert_eq!(r.applied, 1);
    assert_eq!(r.conflicts, vec![(x, "needs.school".to_string())]);
}

#[test]
fn a_municipal_upload_is_repeatable_without_duplicates() {
    let regional = Fixture::new();
    // The municipal registry: its own store, keys and users.
    let muni_store: Arc<dyn kamkor_core::store::Store> = Arc::new(MemoryStore::new());
    let muni_reg = Registry::create(
        muni_store.clone(),
        &cheap(KG),
        &key(),
        Env::seeded(clock(), 4242),
        user("admin", "administrator", "41700000000000", "00000000000001"),
    )
    .expect("municipal registry");
    let admin = muni_reg.login("admin", PASSWORD).expect("login");
    let muni = Fixture { reg: muni_reg, clock: clock(), store: muni_store, admin };
    assert_ne!(muni.reg.origin(), regional.reg.origin());
    let clerk = muni.session("clerk", "specialist", CHUI, INN);
    let mut ids = Vec::new();
    for name in ["Абдыкеров", "Сыдыкова"] {
        ids.push(muni.reg.register_child(&clerk, child(name, "Нур", None, CHUI)).expect("muni").id);
    }
    muni.reg.update_child(&clerk, &ids[0], change("housing", "dorm".into()), prov(), None, None).expect("change");
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let secret = LinkSecret::generate(&mut rng);
    let enrolment = regional
        .reg
        .enrol_link(
            &regional.admin,
            NewLink {
                kind: LinkKind::Registry,
                login: None,
                territory: Some(code(CHUI)),
                public_key: secret.public_key(),
                valid_until: date("2027-12-31"),
            },
        )
        .expect("enrol municipal");
    let secret = secret.complete(&enrolment, Some(muni.reg.origin()));
    let q1 = muni.reg.export_changes(&muni.admin, &secret, 0, None).expect("quarter 1");
    let r = regional.reg.import_changes(&regional.admin, &q1).expect("upload");
    assert_eq!(r.applied, 3);
    let reader = regional.session("regreader", "central_reader", "41700000000000", INN);
    let before = fingerprint(&regional);
    assert_eq!(regional.reg.list_children(&reader, None, 0, 10).expect("list").total, 2);
    // The same upload again, and a full resend: no duplicates.
    regional.reg.import_changes(&regional.admin, &q1).expect("again");
    let full = muni.reg.export_changes(&muni.admin, &secret, 0, None).expect("full resend");
    let r = regional.reg.import_changes(&regional.admin, &full).expect("resend");
    assert_eq!((r.applied, r.duplicates), (0, 3));
    assert_eq!(fingerprint(&regional), before);
    // Next quarter: only what is new.
    muni.reg.update_child(&clerk, &ids[1], change("housing", "flat".into()), prov(), None, None).expect("q2 change");
    let q2 = muni.reg.export_changes(&muni.admin, &secret, r.acknowledged, None).expect("quarter 2");
    let r = regional.reg.import_changes(&regional.admin, &q2).expect("q2");
    assert_eq!((r.applied, r.duplicates), (1, 0));
    let c = regional.reg.get_child(&reader, &ids[1]).expect("read");
    assert_eq!(c.record.housing.as_deref(), Some("flat"));
    assert_eq!(regional.reg.list_children(&reader, None, 0, 10).expect("list").total, 2);
    // A municipal upload touching another region is refused whole.
    let osh_clerk = muni.session("oclerk", "specialist", OSH_CITY, INN);
    muni.reg.register_child(&osh_clerk, child("Ошская", "Бегимай", None, OSH_CITY)).expect("osh");
    let q3 = muni.reg.export_changes(&muni.admin, &secret, r.acknowledged, None).expect("quarter 3");
    let e = regional.reg.import_changes(&regional.admin, &q3).expect_err("outside the territory");
    assert_eq!(e.reason, "SYNC_OUT_OF_SCOPE");
}

#[test]
fn erased_subjects_are_not_revived_by_late_bundles() {
    let w = world();
    let d = device(&w.fx, "field1", 19, "2026-12-31");
    let x = w.children[1];
    d.reg.update_child(&d.session, &x, change("housing", "late".into()), prov(), None, None).expect("edit");
    // The centre erases the child (archive on request) before the device syncs.
    let request = kamkor_core::archive::ArchiveRequest {
        reason: "request of the legal representative".into(),
        requested_by: "mother".into(),
        document: "No 1 of 2026-11-21".into(),
    };
    let mut out = Vec::new();
    w.fx.reg.archive_on_request(&w.fx.admin, &x, request, &mut out).expect("erase");
    let bundle = d.reg.export_changes(&d.session, &d.secret, 0, None).expect("export");
    let r = w.fx.reg.import_changes(&w.fx.admin, &bundle).expect("import");
    assert_eq!((r.applied, r.erased), (0, 1));
    assert_eq!(w.fx.reg.get_child(&w.worker, &x).expect_err("still erased").code, ErrorCode::NotFound);
}

#[test]
fn a_scope_download_opens_only_on_its_device() {
    let w = world();
    let mut rng = rand::rngs::StdRng::seed_from_u64(21);
    let mine = LinkSecret::generate(&mut rng);
    let other = LinkSecret::generate(&mut rng);
    let enrol = |s: &LinkSecret| {
        let e =
            w.fx.reg
                .enrol_link(
                    &w.fx.admin,
                    NewLink {
                        kind: LinkKind::Device,
                        login: Some("field1".into()),
                        territory: None,
                        public_key: s.public_key(),
                        valid_until: date("2026-12-31"),
                    },
                )
                .expect("enrol");
        s.clone().complete(&e, None)
    };
    let (mine, other) = (enrol(&mine), enrol(&other));
    let scope = w.fx.reg.export_scope(&w.fx.admin, &mine.link).expect("scope");
    let create = |s: &LinkSecret, bytes: &[u8]| {
        Registry::create_device(
            Arc::new(MemoryStore::new()),
            &Key::from_bytes([1; 32]),
            Env::seeded(clock(), 1),
            s,
            bytes,
        )
    };
    // Another device's secret: the bundle is not addressed to it.
    assert_eq!(create(&other, &scope).expect_err("other device").reason, "BUNDLE_WRONG_RECEIVER");
    // The right link id but another transport key: the seal does not open.
    let mut wrong = serde_json::to_value(&mine).expect("json");
    wrong["transport"] = serde_json::json!("11".repeat(32));
    let wrong: LinkSecret = serde_json::from_value(wrong).expect("secret");
    assert_eq!(create(&wrong, &scope).expect_err("wrong key").reason, "BUNDLE_FORGED");
    // Cut: refused whole.
    assert_eq!(create(&mine, &scope[..scope.len() - 1]).expect_err("cut").reason, "BUNDLE_TRUNCATED");
    // A revoked device gets no scope.
    w.fx.reg.revoke_link(&w.fx.admin, &other.link, "lost").expect("revoke");
    let e = w.fx.reg.export_scope(&w.fx.admin, &other.link).expect_err("revoked");
    assert_eq!((e.code, e.reason.as_str()), (ErrorCode::AccessDenied, "LINK_REVOKED"));
    // A specialist cannot take a scope download.
    let e = w.fx.reg.export_scope(&w.worker, &mine.link).expect_err("not an administrator");
    assert_eq!(e.code, ErrorCode::AccessDenied);
    create(&mine, &scope).expect("the right device");
}
