//! Yamal's two levels (seed 003 §§4.10-4.11, INT-2): a municipal bank uploaded each quarter
//! to the regional bank as a signed bundle; loading it again, or a full resend, duplicates
//! nothing, and the next quarter brings only what is new. Both registries run the shipped
//! Yamal profile.

mod common;

use common::*;
use kamkor_core::model::FieldChange;
use kamkor_core::registry::{LinkKind, NewChild, NewLink};
use kamkor_core::store::MemoryStore;
use kamkor_core::sync::LinkSecret;
use kamkor_core::{Env, Provenance, Registry};
use rand::SeedableRng;
use std::sync::Arc;

const SALEKHARD: &str = "71171000000";
const OKRUG: &str = "71900000000";
const NADYM: &str = "71916000000";

fn registry(seed: u64) -> Fixture {
    let store: Arc<dyn kamkor_core::store::Store> = Arc::new(MemoryStore::new());
    let clock = clock();
    let reg = Registry::create(
        store.clone(),
        &cheap(kamkor_core::profile::YAMAL_TOML),
        &key(),
        Env::seeded(clock.clone(), seed),
        user("admin", "administrator", OKRUG, "8901000001"),
    )
    .expect("yamal registry");
    let admin = reg.login("admin", PASSWORD).expect("login");
    Fixture { reg, clock, store, admin }
}

fn child(surname: &str, territory: &str) -> NewChild {
    serde_json::from_value(serde_json::json!({
        "record": {"surname": surname, "given_name": "Илья", "sex": "male", "birth_date": "2013-02-11",
                   "identified_on": "2026-11-20", "identified_in": territory, "legal_status": "with_parents"},
        "provenance": {"source": "commission", "received_on": "2026-11-20"}
    }))
    .expect("child")
}

fn prov() -> Provenance {
    Provenance { source: "commission".into(), received_on: date("2026-11-21"), reference: None }
}

#[test]
fn a_municipal_bank_uploads_to_the_regional_bank_repeatably() {
    let regional = registry(1);
    let muni = registry(2);
    assert_ne!(muni.reg.origin(), regional.reg.origin());
    let kdn = muni.session("kdn", "municipal_commission", SALEKHARD, "8901000100");
    let ids: Vec<_> = ["Салиндер", "Яптунай"]
        .into_iter()
        .map(|s| muni.reg.register_child(&kdn, child(s, SALEKHARD)).expect("register").id)
        .collect();
    // The regional bank enrols the municipal bank for its territory.
    let secret = LinkSecret::generate(&mut rand::rngs::StdRng::seed_from_u64(9));
    let enrolment = regional
        .reg
        .enrol_link(
            &regional.admin,
            NewLink {
                kind: LinkKind::Registry,
                login: None,
                territory: Some(code(SALEKHARD)),
                public_key: secret.public_key(),
                valid_until: date("2027-12-31"),
            },
        )
        .expect("enrol");
    let secret = secret.complete(&enrolment, Some(muni.reg.origin()));
    let q1 = muni.reg.export_changes(&muni.admin, &secret, 0, None).expect("quarter 1");
    let r = regional.reg.import_changes(&regional.admin, &q1).expect("load");
    assert_eq!(r.applied, 2);
    let commission = regional.session("okrug", "regional_commission", OKRUG, "8901000001");
    assert_eq!(regional.reg.list_children(&commission, None, 0, 10).expect("list").total, 2);
    // Loading the same upload again, and a full resend, changes nothing.
    let again = regional.reg.import_changes(&regional.admin, &q1).expect("again");
    assert_eq!(again.applied, 0);
    let full = muni.reg.export_changes(&muni.admin, &secret, 0, None).expect("resend");
    let r = regional.reg.import_changes(&regional.admin, &full).expect("resend load");
    assert_eq!((r.applied, r.duplicates), (0, 2));
    assert_eq!(regional.reg.list_children(&commission, None, 0, 10).expect("list").total, 2);
    // The next quarter carries only what changed.
    let change = vec![FieldChange { field: "housing".into(), value: "общежитие".into() }];
    muni.reg.update_child(&kdn, &ids[1], change, prov(), None, None).expect("change");
    let q2 = muni.reg.export_changes(&muni.admin, &secret, r.acknowledged, None).expect("quarter 2");
    let r = regional.reg.import_changes(&regional.admin, &q2).expect("q2");
    assert_eq!((r.applied, r.duplicates), (1, 0));
    let c = regional.reg.get_child(&commission, &ids[1]).expect("read");
    assert_eq!(c.record.housing.as_deref(), Some("общежитие"));
    // A municipal upload carrying another municipality's record is refused whole.
    let nadym = muni.session("nadym", "municipal_commission", NADYM, "8903000100");
    muni.reg.register_child(&nadym, child("Вануйто", NADYM)).expect("nadym");
    let q3 = muni.reg.export_changes(&muni.admin, &secret, r.acknowledged, None).expect("quarter 3");
    let e = regional.reg.import_changes(&regional.admin, &q3).expect_err("outside");
    assert_eq!(e.reason, "SYNC_OUT_OF_SCOPE");
    assert_eq!(regional.reg.list_children(&commission, None, 0, 10).expect("list").total, 2);
}
