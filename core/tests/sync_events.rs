//! Sync of every fact kind (issue 7, version 2): families and family links, cases with their
//! workflow, assessments, plans and measures travel upstream; events are re-checked at the
//! centre and those no longer valid go to the review queue; merged records are re-validated;
//! children registered twice offline are flagged; importing needs the `sync` grant.

mod common;

use common::*;
use kamkor_core::assessment::{Assessment, Finding};
use kamkor_core::case::{BasisDocument, MeasureStatus};
use kamkor_core::model::{Family, FieldChange};
use kamkor_core::registry::{
    LinkKind, MeasureUpdate, NewLink, OpenCase, ReviewDecision, ReviewKind, TransitionRequest,
};
use kamkor_core::store::MemoryStore;
use kamkor_core::sync::LinkSecret;
use kamkor_core::{Env, ErrorCode, Key, ManualClock, Provenance, Registry, Session, SubjectId};
use rand::SeedableRng;
use std::sync::Arc;

const INN: &str = "00000000000002";
const ALL_DOMAINS: [&str; 7] = ["health", "education", "safety", "family", "housing", "income", "legal"];

struct Device {
    reg: Registry,
    session: Session,
    secret: LinkSecret,
    #[allow(dead_code)]
    clock: Arc<ManualClock>,
}

fn prov() -> Provenance {
    Provenance { source: "specialist".into(), received_on: date("2026-11-20"), reference: None }
}

fn doc() -> BasisDocument {
    BasisDocument {
        kind: "signal_record".into(), number: "17".into(), date: date("2026-11-20"), issuer: "РУСР".into()
    }
}

fn go(t: &str) -> TransitionRequest {
    TransitionRequest { transition: t.into(), ..Default::default() }
}

fn open_req(child: SubjectId) -> OpenCase {
    OpenCase {
        child,
        opening: "identification".into(),
        ground: "signal_danger".into(),
        document: doc(),
        received_at: None,
    }
}

fn family(name: &str) -> Family {
    serde_json::from_value(serde_json::json!({"name": name, "territory": CHUI, "members": [], "circumstances": []}))
        .expect("family")
}

fn device(fx: &Fixture, login: &str, seed: u64) -> Device {
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
                valid_until: date("2027-06-30"),
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
    Device { reg, session, secret, clock }
}

fn upload(fx: &Fixture, d: &Device, from: u64) -> kamkor_core::registry::SyncReport {
    let b = d.reg.export_changes(&d.session, &d.secret, from, None).expect("export");
    fx.reg.import_changes(&fx.admin, &b).expect("import")
}

struct World {
    fx: Fixture,
    worker: Session,
    supervisor: Session,
    children: Vec<SubjectId>,
}

fn world() -> World {
    let fx = Fixture::new();
    let worker = fx.session("field1", "specialist", CHUI, INN);
    fx.reg.add_user(&fx.admin, user("field2", "specialist", CHUI, INN)).expect("field2");
    let supervisor = fx.session("super", "territorial_reader", CHUI, INN);
    let children = ["Асанов", "Бакиров", "Жумабаев"]
        .iter()
        .map(|n| fx.reg.register_child(&worker, child(n, "Айбек", None, CHUI)).expect("register").id)
        .collect();
    World { fx, worker, supervisor, children }
}

/// Works a case offline from opening to a measure done: every kind of case event.
fn work_case(d: &Device, child: SubjectId) -> SubjectId {
    let (reg, s) = (&d.reg, &d.session);
    let id = reg.open_case(s, open_req(child)).expect("open offline").id;
    reg.transition(s, &id, go("record_primary_info")).expect("primary");
    reg.transition(s, &id, go("start_assessment")).expect("assess");
    let finding = |d: &str, c: &str| Finding { domain: d.into(), circumstance: c.into(), severity: None, note: None };
    let mut a = Assessment { findings: vec![finding("family", "parents_labour_migrants")], ..Default::default() };
    reg.save_assessment(s, &id, a.clone()).expect("partial save");
    a.no_concerns = ALL_DOMAINS.iter().filter(|x| **x != "family").map(|x| x.to_string()).collect();
    reg.save_assessment(s, &id, a).expect("complete draft");
    reg.submit_assessment(s, &id).expect("submit");
    reg.transition(s, &id, go("complete_assessment")).expect("to planning");
    let p = reg.propose_plan(s, &id).expect("propose");
    let all: Vec<String> = p.diff.add.iter().map(|m| m.id.clone()).collect();
    assert!(all.len() >= 2, "a plan to work");
    reg.accept_plan(s, &id, all.clone()).expect("accept");
    reg.drop_measure(s, &id, &all[0], "done by the school already").expect("manual change");
    reg.transition(s, &id, go("approve_plans")).expect("in work");
    let done = MeasureUpdate {
        status: MeasureStatus::Done, result: Some("Справка выдана".into()), responsible: None
    };
    reg.update_measure(s, &id, &all[1], done).expect("measure done");
    reg.transition(s, &id, go("start_monitoring")).expect("monitoring");
    id
}

#[test]
fn every_fact_kind_travels_and_the_centre_agrees_with_the_device() {
    let w = world();
    let d = device(&w.fx, "field1", 21);
    // Families and family links.
    let fam = d.reg.register_family(&d.session, family("Асановы"), prov()).expect("family offline");
    d.reg.link_child(&d.session, &w.children[0], Some(&fam), prov()).expect("link offline");
    d.reg
        .update_family(
            &d.session,
            &fam,
            vec![FieldChange { field: "address".into(), value: "с. Ивановка, ул. Ленина 3".into() }],
            prov(),
            None,
            None,
        )
        .expect("family edit offline");
    // A case worked through its whole workflow offline.
    let case = work_case(&d, w.children[0]);
    let r = upload(&w.fx, &d, 0);
    assert_eq!(r.queued, 0, "every event valid at the centre: {:?}", r.review);
    assert!(r.review.is_empty());
    let (central, local) = (
        w.fx.reg.get_case(&w.supervisor, &case).expect("case at the centre"),
        d.reg.get_case(&d.session, &case).expect("case on the device"),
    );
    assert_eq!(central.case, local.case, "the same case, derived from the same events");
    assert_eq!(central.version, local.version);
    assert_eq!(central.case.state, "monitoring");
    assert!(central.case.measures.iter().any(|m| m.status == MeasureStatus::Done));
    assert!(central.case.assessment.as_ref().is_some_and(|a| a.submitted_at.is_some()));
    assert!(!central.due.is_empty(), "deadlines are indexed at the centre");
    let h = w.fx.reg.case_history(&w.supervisor, &case).expect("history");
    assert!(h.iter().all(|e| e.origin == d.secret.link), "recorded with the device's origin");
    let f = w.fx.reg.get_family(&w.supervisor, &fam).expect("family at the centre");
    assert_eq!(f.children, vec![w.children[0]]);
    assert_eq!(f.record.address.as_deref(), Some("с. Ивановка, ул. Ленина 3"));
    assert_eq!(w.fx.reg.get_child(&w.supervisor, &w.children[0]).expect("child").family, Some(fam));
    // Idempotent: the same bundle again changes nothing.
    let again = upload(&w.fx, &d, 0);
    assert_eq!(again.applied, 0);
    assert_eq!(w.fx.reg.get_case(&w.supervisor, &case).expect("case").version, central.version);
    // The device's later work on a case of the centre travels too (cases are in the scope download).
    let centre_case = w.fx.reg.open_case(&w.worker, open_req(w.children[1])).expect("open at the centre").id;
    let d2 = device(&w.fx, "field2", 22);
    d2.reg.transition(&d2.session, &centre_case, go("record_primary_info")).expect("offline on a centre case");
    let r = upload(&w.fx, &d2, 0);
    assert_eq!((r.applied, r.queued), (1, 0));
    assert_eq!(w.fx.reg.get_case(&w.supervisor, &centre_case).expect("case").case.state, "primary_info");
}

#[test]
fn an_event_no_longer_valid_goes_to_the_review_queue() {
    let w = world();
    let case = w.fx.reg.open_case(&w.worker, open_req(w.children[0])).expect("open").id;
    let d = device(&w.fx, "field1", 31);
    // Offline, the worker records primary information; meanwhile the centre closes the case.
    d.reg.transition(&d.session, &case, go("record_primary_info")).expect("offline move");
    let mut exit = go("exit");
    exit.ground = Some("risk_eliminated".into());
    w.fx.reg.transition(&w.worker, &case, exit).expect("closed at the centre");
    let before = w.fx.reg.get_case(&w.supervisor, &case).expect("case");
    let r = upload(&w.fx, &d, 0);
    assert_eq!((r.applied, r.queued), (0, 1), "not applied, not dropped");
    assert_eq!(r.review, vec![(case, "TRANSITION_NOT_ALLOWED".to_string())]);
    let after = w.fx.reg.get_case(&w.supervisor, &case).expect("case");
    assert_eq!(after, before, "not forced");
    let q = w.fx.reg.sync_reviews(&w.supervisor).expect("queue");
    assert_eq!(q.len(), 1);
    let e = &q[0];
    assert_eq!(
        (e.kind, e.subject, e.reason.as_str()),
        (ReviewKind::EventNotApplicable, case, "TRANSITION_NOT_ALLOWED")
    );
    let worker_id = d.reg.case_history(&d.session, &case).expect("device history").last().expect("move").author.clone();
    assert_eq!(e.author.as_deref(), Some(worker_id.as_str()), "the author of the event");
    assert!(e.change.as_deref().is_some_and(|c| c.starts_with(&d.secret.link)));
    assert!(e.time.is_some() && e.event.is_some());
    // A resend does not queue it twice.
    assert_eq!(upload(&w.fx, &d, 0).queued, 0);
    assert_eq!(w.fx.reg.sync_reviews(&w.supervisor).expect("queue").len(), 1);
    // Still invalid: "apply" is refused with the reason, the entry stays.
    let err = w.fx.reg.resolve_review(&w.supervisor, &e.id, ReviewDecision::Apply, "try").expect_err("still invalid");
    assert_eq!((err.code, err.reason.as_str()), (ErrorCode::Conflict, "EVENT_NOT_APPLICABLE"));
    // A worker may not resolve; a supervisor dismisses with a note, audited.
    let spec_err = w.fx.reg.resolve_review(&w.worker, &e.id, ReviewDecision::Dismiss, "x").expect_err("no approve");
    assert_eq!(spec_err.code, ErrorCode::AccessDenied);
    assert_eq!(
        w.fx.reg.resolve_review(&w.supervisor, &e.id, ReviewDecision::Dismiss, " ").expect_err("note").reason,
        "REQUIRED"
    );
    w.fx.reg
        .resolve_review(&w.supervisor, &e.id, ReviewDecision::Dismiss, "closed at the centre: moved away")
        .expect("dismiss");
    assert!(w.fx.reg.sync_reviews(&w.supervisor).expect("queue").is_empty());
    let audit = w.fx.reg.audit_entries(&w.fx.admin, 0, 100_000).expect("audit");
    assert!(audit
        .iter()
        .any(|a| a.action == "sync.review" && a.detail.as_deref().is_some_and(|d| d.contains("moved away"))));
}

#[test]
fn a_queued_opening_is_applied_once_it_has_become_valid() {
    let w = world();
    let d = device(&w.fx, "field1", 41);
    // Offline, the device opens a case for a child; meanwhile the centre opened one.
    let offline = d.reg.open_case(&d.session, open_req(w.children[2])).expect("offline open").id;
    d.reg.transition(&d.session, &offline, go("record_primary_info")).expect("offline move");
    let centre_case = w.fx.reg.open_case(&w.worker, open_req(w.children[2])).expect("open at the centre").id;
    let r = upload(&w.fx, &d, 0);
    assert_eq!(r.queued, 2, "the opening and the move on the case it opens");
    let mut q = w.fx.reg.sync_reviews(&w.supervisor).expect("queue");
    q.sort_by_key(|e| e.change.clone());
    assert_eq!(q.len(), 2);
    assert!(q.iter().all(|e| e.subject == w.children[2]), "anchored on the child: the case does not exist here");
    assert_eq!(q[0].reason, "CASE_ALREADY_OPEN");
    assert_eq!(q[1].reason, "CASE_NOT_FOUND");
    // The centre's case is closed; now the opening is valid and the supervisor applies it, then the move.
    let mut exit = go("exit");
    exit.ground = Some("risk_eliminated".into());
    w.fx.reg.transition(&w.worker, &centre_case, exit).expect("closed");
    w.fx.reg
        .resolve_review(&w.supervisor, &q[0].id, ReviewDecision::Apply, "the centre's case is closed")
        .expect("apply");
    w.fx.reg.resolve_review(&w.supervisor, &q[1].id, ReviewDecision::Apply, "follows the opening").expect("apply");
    let v = w.fx.reg.get_case(&w.supervisor, &offline).expect("the device's case at the centre");
    assert_eq!(v.case.state, "primary_info");
    let h = w.fx.reg.case_history(&w.supervisor, &offline).expect("history");
    assert_eq!(h.len(), 2);
    assert!(h.iter().all(|e| e.origin == d.secret.link), "the author's events, not the supervisor's");
    assert!(w.fx.reg.sync_reviews(&w.supervisor).expect("queue").is_empty());
}

#[test]
fn a_merged_record_failing_the_cross_field_checks_goes_to_review() {
    let w = world();
    let d = device(&w.fx, "field1", 51);
    let id = w.children[0];
    // Each edit is valid alone: the device moves the birth date later, the centre the
    // identification date earlier; together the child is identified before birth.
    d.reg
        .update_child(
            &d.session,
            &id,
            vec![FieldChange { field: "birth_date".into(), value: "2026-09-15".into() }],
            prov(),
            None,
            None,
        )
        .expect("device edit");
    w.fx.reg
        .update_child(
            &w.worker,
            &id,
            vec![FieldChange { field: "identified_on".into(), value: "2026-09-01".into() }],
            prov(),
            None,
            None,
        )
        .expect("centre edit");
    let r = upload(&w.fx, &d, 0);
    assert_eq!(r.applied, 1);
    assert_eq!(r.review, vec![(id, "IDENTIFIED_BEFORE_BIRTH".to_string())]);
    let q = w.fx.reg.sync_reviews(&w.supervisor).expect("queue");
    assert_eq!(q.len(), 1);
    assert_eq!(
        (q[0].kind, q[0].reason.as_str(), q[0].field.as_deref()),
        (ReviewKind::InvalidAfterMerge, "IDENTIFIED_BEFORE_BIRTH", Some("identified_on"))
    );
    assert_eq!(
        w.fx.reg.resolve_review(&w.supervisor, &q[0].id, ReviewDecision::Apply, "x").expect_err("not an event").reason,
        "REVIEW_NOT_AN_EVENT"
    );
    // A later merge that makes it valid again clears the entry.
    d.reg
        .update_child(
            &d.session,
            &id,
            vec![FieldChange { field: "birth_date".into(), value: "2015-01-01".into() }],
            prov(),
            None,
            None,
        )
        .expect("device fixes it");
    let r = upload(&w.fx, &d, 1);
    assert!(r.review.is_empty());
    assert!(w.fx.reg.sync_reviews(&w.supervisor).expect("queue").is_empty());
}

#[test]
fn children_registered_twice_offline_are_flagged_for_review() {
    let w = world();
    let a = device(&w.fx, "field1", 61);
    let b = device(&w.fx, "field2", 62);
    let one = a.reg.register_child(&a.session, child("Токтогулова", "Нурай", Some(PIN_A), CHUI)).expect("a").id;
    let two = b.reg.register_child(&b.session, child("Токтогулова", "Нурай", Some(PIN_A), CHUI)).expect("b").id;
    // Same folded name and birth date, no PIN on one side.
    let three = b.reg.register_child(&b.session, child("Бакирова", "Айгерим", None, CHUI)).expect("b").id;
    let four = w.fx.reg.register_child(&w.worker, child("БАКИРОВА", "айгерим", Some(PIN_B), CHUI)).expect("centre").id;
    upload(&w.fx, &a, 0);
    let r = upload(&w.fx, &b, 0);
    assert_eq!(r.applied, 2, "both registrations are applied");
    assert_eq!(r.review.len(), 2);
    let q = w.fx.reg.sync_reviews(&w.supervisor).expect("queue");
    let pairs: Vec<(ReviewKind, [SubjectId; 2], String)> = q
        .iter()
        .map(|e| {
            let mut p = [e.subject, e.other.expect("the other child")];
            p.sort();
            (e.kind, p, e.reason.clone())
        })
        .collect();
    let mut p1 = [one, two];
    p1.sort();
    let mut p2 = [three, four];
    p2.sort();
    assert!(pairs.contains(&(ReviewKind::PossibleDuplicate, p1, "DUPLICATE_PIN".into())), "{pairs:?}");
    assert!(pairs.contains(&(ReviewKind::PossibleDuplicate, p2, "LIKELY_MATCH".into())), "{pairs:?}");
    for e in &q {
        w.fx.reg.resolve_review(&w.supervisor, &e.id, ReviewDecision::Dismiss, "checked: siblings").expect("dismiss");
    }
    assert!(w.fx.reg.sync_reviews(&w.supervisor).expect("queue").is_empty());
}

#[test]
fn importing_needs_the_sync_grant() {
    let w = world();
    let d = device(&w.fx, "field1", 71);
    d.reg
        .update_child(
            &d.session,
            &w.children[0],
            vec![FieldChange { field: "housing".into(), value: "a".into() }],
            prov(),
            None,
            None,
        )
        .expect("edit");
    let b = d.reg.export_changes(&d.session, &d.secret, 0, None).expect("export");
    let e = w.fx.reg.import_changes(&w.supervisor, &b).expect_err("no sync grant");
    assert_eq!(e.code, ErrorCode::AccessDenied);
    let profile = kamkor_core::profile::Profile::from_toml(KG).expect("profile");
    let admin = profile.roles.iter().find(|r| r.id == "administrator").expect("administrator");
    assert!(admin.grants.iter().any(|g| g.action == kamkor_core::profile::Action::Sync));
    w.fx.reg.import_changes(&w.fx.admin, &b).expect("the administrator operates the exchange");
}

#[test]
fn downstream_bundles_bring_the_centres_changes_new_records_and_erasure_notices() {
    let w = world();
    let d = device(&w.fx, "field1", 81);
    let housing = |reg: &Registry, s: &Session, id: &SubjectId| reg.get_child(s, id).expect("child").record.housing;
    // Offline work on the device; meanwhile at the centre: an edit, a new child in the scope,
    // a new case of a child the device holds, and a child moved out of the worker's scope.
    d.reg
        .update_child(
            &d.session,
            &w.children[0],
            vec![FieldChange { field: "needs.school".into(), value: "class 9".into() }],
            prov(),
            None,
            None,
        )
        .expect("offline edit");
    w.fx.reg
        .update_child(
            &w.worker,
            &w.children[0],
            vec![FieldChange { field: "housing".into(), value: "дом".into() }],
            prov(),
            None,
            None,
        )
        .expect("centre edit");
    let newcomer = w.fx.reg.register_child(&w.worker, child("Жаңы", "Бала", None, CHUI)).expect("new child").id;
    let case = w.fx.reg.open_case(&w.worker, open_req(w.children[1])).expect("case").id;
    let region = w.fx.session("centre-worker", "specialist", "41700000000000", INN);
    w.fx.reg
        .update_child(
            &region,
            &w.children[2],
            vec![FieldChange { field: "identified_in".into(), value: BISHKEK.into() }],
            prov(),
            None,
            None,
        )
        .expect("moved away");
    assert!(d.reg.get_child(&d.session, &w.children[2]).is_ok());
    let from = d.reg.downstream_position(&d.secret).expect("position");
    let bundle = w.fx.reg.export_downstream(&w.fx.admin, &d.secret.link, from).expect("downstream");
    let r = d.reg.import_downstream(&d.session, &d.secret, &bundle).expect("applied on the device");
    assert_eq!(r.applied, 1, "the centre's edit of a record the device holds");
    assert_eq!(housing(&d.reg, &d.session, &w.children[0]).as_deref(), Some("дом"));
    let merged = d.reg.get_child(&d.session, &w.children[0]).expect("child");
    assert_eq!(merged.record.needs.get("school").map(String::as_str), Some("class 9"), "the offline edit is kept");
    assert!(d.reg.get_child(&d.session, &newcomer).is_ok(), "newly in scope, with its data key");
    assert_eq!(d.reg.get_case(&d.session, &case).expect("the new case").case.state, "identified");
    let gone = d.reg.get_child(&d.session, &w.children[2]).expect_err("destroyed on the device");
    assert_eq!(gone.code, ErrorCode::NotFound);
    // Idempotent, and nothing new the next time.
    let again = d.reg.import_downstream(&d.session, &d.secret, &bundle).expect("again");
    assert_eq!(again.applied, 0);
    let pos = d.reg.downstream_position(&d.secret).expect("position");
    assert!(pos > from);
    let next = w.fx.reg.export_downstream(&w.fx.admin, &d.secret.link, pos).expect("next");
    let r = d.reg.import_downstream(&d.session, &d.secret, &next).expect("next applied");
    assert_eq!((r.applied, r.erased), (0, 0));
    // A bundle from ahead of the acknowledged position is refused; a cut one too.
    let cut = &next[..next.len() - 3];
    assert_eq!(d.reg.import_downstream(&d.session, &d.secret, cut).expect_err("cut").reason, "BUNDLE_TRUNCATED");
    // The device's upload carries only its own work (not the centre's changes back).
    let up = upload(&w.fx, &d, 0);
    assert_eq!((up.applied, up.duplicates), (1, 0), "the offline edit only");
    assert!(up.conflicts.is_empty());
    let c = w.fx.reg.get_child(&w.supervisor, &w.children[0]).expect("child at the centre");
    assert_eq!(c.record.needs.get("school").map(String::as_str), Some("class 9"));
    assert_eq!(c.record.housing.as_deref(), Some("дом"));
    assert!(w
        .fx
        .reg
        .audit_entries(&w.fx.admin, 0, 100_000)
        .expect("audit")
        .iter()
        .any(|a| a.action == "sync.downstream"));
}
