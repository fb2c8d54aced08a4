"""Declarations: drafts, the review workflow, versioned corrections, the audit trail and bad input."""

from __future__ import annotations

import pytest

from tests.railshift.factories import approved, declare, line, rail_split, register, step

MONTH = "2025-03"


def test_a_draft_is_rewritten_whole_by_a_repeated_put(as_role):
    code = register(as_role)
    first = declare(as_role, code, MONTH, rail_split(800, 200),
                    attachments=[{"name": "waybills March", "ref": "doc://waybills/2025-03"}])
    again = declare(as_role, code, MONTH, [line("outbound", "coke", "rail", "10.5")])
    assert again["id"] == first["id"] and again["version"] == 1 and again["status"] == "draft"
    assert again["lines"] == [line("outbound", "coke", "rail", "10.5")]
    assert again["attachments"] == []


def test_submit_return_resubmit_approve_records_each_step_with_actor_and_reasons(as_role):
    code = register(as_role)
    draft = declare(as_role, code, MONTH, rail_split(800, 200))
    assert step(as_role, draft["id"], "submit", "enterprise", code).get_json()["status"] == "submitted"
    returned = step(as_role, draft["id"], "return", "transport", reasons=["rail waybills missing"],
                    comment="attach the rail waybills")
    assert returned.get_json()["status"] == "returned"
    assert returned.get_json()["allowed_transitions"] == ["resubmit"]
    declare(as_role, code, MONTH, rail_split(800, 200), attachments=[{"name": "rail", "ref": "doc://r/1"}])
    assert step(as_role, draft["id"], "resubmit", "enterprise", code).get_json()["status"] == "resubmitted"
    final = step(as_role, draft["id"], "approve", "transport").get_json()
    assert final["status"] == "approved" and final["official"] is True
    assert [(t["action"], t["from_status"], t["to_status"], t["actor_role"]) for t in final["transitions"]] == [
        ("create", None, "draft", "enterprise"),
        ("submit", "draft", "submitted", "enterprise"),
        ("return", "submitted", "returned", "transport"),
        ("resubmit", "returned", "resubmitted", "enterprise"),
        ("approve", "resubmitted", "approved", "transport"),
    ]
    assert final["transitions"][2]["reasons"] == ["rail waybills missing"]
    assert final["transitions"][2]["comment"] == "attach the rail waybills"
    assert all(t["at"] for t in final["transitions"])


def test_an_empty_draft_is_saved_but_not_submitted_and_nothing_changes(as_role):
    code = register(as_role)
    draft = declare(as_role, code, MONTH, [])  # saving progress with no line yet is allowed
    assert (draft["status"], draft["lines"]) == ("draft", [])
    refused = step(as_role, draft["id"], "submit", "enterprise", code)
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["errors"] == [
        {"field": "lines", "reason": "a declaration needs at least one line before it is submitted"}]
    kept = as_role("enterprise", uscc=code).get(f"/api/v1/declarations/{draft['id']}").get_json()
    assert kept["status"] == "draft" and kept["submitted_at"] is None
    assert [t["action"] for t in kept["transitions"]] == ["create"]
    assert as_role("transport").get("/api/v1/reviews/pending").get_json()["items"] == []
    declare(as_role, code, MONTH, rail_split(800, 200))
    assert step(as_role, draft["id"], "submit", "enterprise", code).get_json()["status"] == "submitted"


def test_a_returned_declaration_emptied_of_its_lines_is_not_resubmitted(as_role):
    code = register(as_role)
    draft = declare(as_role, code, MONTH, rail_split(800, 200))
    step(as_role, draft["id"], "submit", "enterprise", code)
    step(as_role, draft["id"], "return", "transport", reasons=["figures do not add up"])
    declare(as_role, code, MONTH, [])
    refused = step(as_role, draft["id"], "resubmit", "enterprise", code)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.get_json()["errors"]] == ["lines"]
    kept = as_role("transport").get(f"/api/v1/declarations/{draft['id']}").get_json()
    assert (kept["status"], kept["allowed_transitions"]) == ("returned", ["resubmit"])
    assert [t["action"] for t in kept["transitions"]][-1] == "return"


def test_approving_a_draft_is_a_409_listing_the_allowed_transitions(as_role):
    code = register(as_role)
    draft = declare(as_role, code, MONTH, rail_split(1, 1))
    response = step(as_role, draft["id"], "approve", "transport")
    assert response.status_code == 409
    assert response.get_json()["allowed_transitions"] == ["submit"]
    assert as_role("enterprise", uscc=code).get(f"/api/v1/declarations/{draft['id']}").get_json()["status"] == "draft"


def test_an_approved_declaration_cannot_be_edited_and_a_correction_is_a_new_reviewed_version(as_role):
    code = register(as_role)
    original = approved(as_role, code, MONTH, rail_split(700, 300))
    edit = as_role("enterprise", uscc=code).put(f"/api/v1/enterprises/{code}/declarations/{MONTH}",
                                               json={"lines": rail_split(900, 100)})
    assert edit.status_code == 409
    assert edit.get_json()["allowed_transitions"] == []
    again = step(as_role, original["id"], "approve", "transport")  # a retry of the approval is harmless
    assert again.status_code == 200 and again.get_json()["status"] == "approved"
    correction = as_role("enterprise", uscc=code).post(f"/api/v1/declarations/{original['id']}/corrections")
    assert correction.status_code == 201
    body = correction.get_json()
    assert (body["version"], body["supersedes_id"], body["status"]) == (2, original["id"], "draft")
    assert body["lines"] == original["lines"]
    retry = as_role("enterprise", uscc=code).post(f"/api/v1/declarations/{original['id']}/corrections")
    assert retry.status_code == 200 and retry.get_json()["id"] == body["id"]
    declare(as_role, code, MONTH, rail_split(900, 100))
    # Until the correction is approved, the official figures remain the first version's.
    official = as_role("transport").get("/api/v1/declarations", query_string={"uscc": code, "official": True})
    assert [d["id"] for d in official.get_json()["items"]] == [original["id"]]
    step(as_role, body["id"], "submit", "enterprise", code)
    step(as_role, body["id"], "approve", "transport")
    official = as_role("transport").get("/api/v1/declarations", query_string={"uscc": code, "official": True})
    assert [d["id"] for d in official.get_json()["items"]] == [body["id"]]
    first = as_role("transport").get(f"/api/v1/declarations/{original['id']}").get_json()
    assert first["status"] == "approved" and first["lines"] == original["lines"] and first["official"] is False


def test_another_enterprise_touching_a_declaration_gets_403(as_role):
    mine, other = register(as_role), register(as_role)
    draft = declare(as_role, mine, MONTH, rail_split(1, 1))
    intruder = as_role("enterprise", uscc=other)
    assert intruder.get(f"/api/v1/declarations/{draft['id']}").status_code == 403
    assert intruder.put(f"/api/v1/enterprises/{mine}/declarations/{MONTH}",
                        json={"lines": []}).status_code == 403
    assert step(as_role, draft["id"], "submit", "enterprise", other).status_code == 403
    assert intruder.get("/api/v1/declarations").get_json()["items"] == []


def test_an_enterprise_cannot_approve_its_own_declaration(as_role):
    code = register(as_role)
    draft = declare(as_role, code, MONTH, rail_split(1, 1))
    step(as_role, draft["id"], "submit", "enterprise", code)
    assert step(as_role, draft["id"], "approve", "enterprise", code).status_code == 403


def test_pending_reviews_are_ordered_by_age_and_leave_the_queue_when_decided(as_role):
    codes = [register(as_role) for _ in range(3)]
    ids = []
    for code in codes:
        draft = declare(as_role, code, MONTH, rail_split(1, 1))
        step(as_role, draft["id"], "submit", "enterprise", code)
        ids.append(draft["id"])
    queue = as_role("transport").get("/api/v1/reviews/pending").get_json()["items"]
    assert [d["id"] for d in queue] == ids
    assert queue[0]["waiting_days"] == 0
    step(as_role, ids[0], "return", "transport", reasons=["figures do not add up"])
    step(as_role, ids[0], "resubmit", "enterprise", codes[0])
    queue = as_role("transport").get("/api/v1/reviews/pending").get_json()["items"]
    assert [d["id"] for d in queue] == [ids[1], ids[2], ids[0]]  # resubmitted: waits from its resubmission
    step(as_role, ids[1], "approve", "transport")
    queue = as_role("transport").get("/api/v1/reviews/pending", query_string={"limit": 1}).get_json()
    assert [d["id"] for d in queue["items"]] == [ids[2]] and queue["next_cursor"]
    rest = as_role("transport").get("/api/v1/reviews/pending",
                                    query_string={"limit": 1, "cursor": queue["next_cursor"]})
    assert [d["id"] for d in rest.get_json()["items"]] == [ids[0]] and rest.get_json()["next_cursor"] is None


@pytest.mark.parametrize(
    ("month", "lines", "field"),
    [
        (MONTH, [line("inbound", "coal", "rail", "-1")], "lines.0.tonnes"),
        (MONTH, [line("inbound", "coal", "rail", "abc")], "lines.0.tonnes"),
        (MONTH, [line("inbound", "coal", "barge", "1")], "lines.0.mode"),
        (MONTH, [line("inbound", "sand", "rail", "1")], "lines.0.goods"),
        (MONTH, [line("sideways", "coal", "rail", "1")], "lines.0.direction"),
        (MONTH, [line("inbound", "coal", "rail", "1"), line("inbound", "coal", "rail", "2")], "lines.1"),
        ("2099-01", [line("inbound", "coal", "rail", "1")], "month"),
        ("2025-13", [line("inbound", "coal", "rail", "1")], "month"),
    ],
)
def test_bad_declarations_are_422_naming_the_field_and_store_nothing(as_role, month, lines, field):
    code = register(as_role)
    response = as_role("enterprise", uscc=code).put(f"/api/v1/enterprises/{code}/declarations/{month}",
                                                   json={"lines": lines})
    assert response.status_code == 422, response.get_json()
    assert field in [e["field"] for e in response.get_json()["errors"]]
    assert as_role("transport").get("/api/v1/declarations").get_json()["items"] == []


def test_returning_without_a_reason_is_422(as_role):
    code = register(as_role)
    draft = declare(as_role, code, MONTH, rail_split(1, 1))
    step(as_role, draft["id"], "submit", "enterprise", code)
    response = step(as_role, draft["id"], "return", "transport")
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["reasons"]


def test_drafts_are_visible_to_their_enterprise_only(as_role):
    code = register(as_role)
    draft = declare(as_role, code, MONTH, rail_split(1, 1))
    assert as_role("enterprise", uscc=code).get(f"/api/v1/declarations/{draft['id']}").status_code == 200
    assert as_role("transport").get(f"/api/v1/declarations/{draft['id']}").status_code == 403
    assert as_role("transport").get("/api/v1/declarations").get_json()["items"] == []
    assert as_role("transport").get(f"/api/v1/enterprises/{code}/ratios",
                                    query_string={"month": MONTH, "include_drafts": True}).status_code == 403
    step(as_role, draft["id"], "submit", "enterprise", code)
    assert [d["id"] for d in as_role("transport").get("/api/v1/declarations").get_json()["items"]] == [draft["id"]]
