"""Sync through the package: enrol a device, create it from its scope, change offline, sync back."""

from __future__ import annotations

import datetime as dt

from conftest import KEY, child
from scenario_harness import PASSWORD, new_user

import kamkor


def test_device_round_trip(reg: kamkor.Registry, admin: kamkor.Session, spec: kamkor.Session,
                           clock: kamkor.ManualClock) -> None:
    r = reg.register_child(spec, child())
    secret = kamkor.link_secret_generate()
    public = kamkor.link_secret_public_key(secret)
    assert len(public) == 64
    enrolment = reg.enrol_link(admin, {"kind": "device", "login": "spec", "public_key": public,
                                       "valid_until": "2027-12-31"})
    secret = kamkor.link_secret_complete(secret, enrolment)
    links = reg.links(admin)
    assert [link["id"] if "id" in link else link.get("link") for link in links] != []
    link_id = enrolment["link"]
    scope = reg.export_scope(admin, link_id)
    assert isinstance(scope, bytes) and scope
    with kamkor.Registry.create_device(None, bytes([9] * 32), secret, scope, clock=clock, seed=5) as dev:
        ds = dev.login("spec", PASSWORD)
        assert dev.get_child(ds, r.id).record.pin == "10101201500011"
        dev.update_child(ds, r.id, [kamkor.FieldChange("housing", "rented")],
                         kamkor.Provenance("specialist", dt.date(2026, 11, 23)))
        bundle = dev.export_changes(ds, secret)
        report = reg.import_changes(admin, bundle)
        assert isinstance(report, dict)
        assert reg.get_child(spec, r.id).record.housing == "rented"
        # The way back: a change at the centre reaches the device once.
        clock.advance(dt.timedelta(hours=1))
        reg.update_child(spec, r.id, [kamkor.FieldChange("housing", "own house")],
                         kamkor.Provenance("specialist", dt.date(2026, 11, 23)))
        start = dev.downstream_position(secret)
        down = reg.export_downstream(admin, link_id, start)
        applied = dev.import_downstream(ds, secret, down)
        assert applied["applied"] >= 1, applied
        assert dev.get_child(ds, r.id).record.housing == "own house"
        assert dev.downstream_position(secret) > start
        assert dev.import_downstream(ds, secret, down)["applied"] == 0
    reg.add_user(admin, new_user({"login": "super", "role": "territorial_reader", "territory": "41711000000000",
                                  "agency_inn": "111"}))
    assert reg.sync_conflicts(reg.login("super", PASSWORD)) == []
    assert report["queued"] == 0 and report["review"] == []
    assert reg.sync_reviews(reg.login("super", PASSWORD)) == []
    try:
        reg.resolve_review(reg.login("super", PASSWORD), "00" * 17, "dismiss", "checked")
        raise AssertionError("no such entry")
    except kamkor.KamkorError as e:
        assert e.code == "NOT_FOUND"
    assert len(reg.sync_public_key()) == 64
    revoked = reg.revoke_link(admin, link_id, "phone lost")
    assert revoked["revoked"]["reason"] == "phone lost"
    try:
        reg.import_changes(admin, bundle)
    except kamkor.KamkorError as e:
        assert e.code in ("ACCESS_DENIED", "CONFLICT", "CRYPTO", "VALIDATION", "UNAUTHENTICATED")
    assert KEY
