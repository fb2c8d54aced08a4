"""When gatecontrol cannot be reached, the declaration says so and the review goes on."""

from __future__ import annotations

from tests.railshift.factories import declare, rail_split, register, step


def test_an_unreachable_gatecontrol_is_noted_on_the_declaration_and_approval_still_works(as_role, seeded):
    code = register(as_role, site_ids=["S-ACME-1"])
    draft = declare(as_role, code, "2025-03", rail_split(800, 200))
    submitted = step(as_role, draft["id"], "submit", "enterprise", code)
    assert submitted.status_code == 200
    body = submitted.get_json()
    assert body["status"] == "submitted"
    assert body["reconciliation_status"] == "unavailable"
    assert "gatecontrol" in body["reconciliation"]["reason"]
    assert body["reconciliation_as_of"]
    again = as_role("transport").post(f"/api/v1/declarations/{draft['id']}/reconciliation")
    assert again.status_code == 200 and again.get_json()["reconciliation_status"] == "unavailable"
    approved = step(as_role, draft["id"], "approve", "transport")
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"


def test_an_enterprise_without_gate_sites_cannot_be_reconciled_and_says_why(as_role, seeded):
    code = register(as_role, site_ids=[])
    draft = declare(as_role, code, "2025-03", rail_split(800, 200))
    body = step(as_role, draft["id"], "submit", "enterprise", code).get_json()
    assert body["reconciliation_status"] == "unavailable"
    assert "no gate sites" in body["reconciliation"]["reason"]
