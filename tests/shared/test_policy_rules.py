"""Policy rules as dated data: add, retry, supersede, conflict, look up as of a day."""

from __future__ import annotations

import pytest

from tests.factories import policy_rule

RULES = "/api/v1/policy-rules"


def test_environment_bureau_adds_a_rule_and_anyone_can_read_it(as_role):
    created = as_role("environment").post(RULES, json=policy_rule())
    assert created.status_code == 201
    rule = created.get_json()
    assert rule["value"] == "80"
    assert rule["created_by"] == "test environment"
    fetched = as_role("police").get(f"{RULES}/{rule['id']}")
    assert fetched.status_code == 200
    assert fetched.get_json()["source_document"] == "临政办发〔2024〕40号"


def test_posting_the_same_rule_again_returns_the_stored_one(as_role):
    first = as_role("environment").post(RULES, json=policy_rule())
    again = as_role("environment").post(RULES, json=policy_rule(value="80.00"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert len(as_role("police").get(RULES).get_json()["items"]) == 1


def test_same_key_with_other_content_is_409_naming_the_fields(as_role):
    as_role("environment").post(RULES, json=policy_rule())
    clash = as_role("environment").post(RULES, json=policy_rule(value="85", source_item="item 4"))
    assert clash.status_code == 409
    problem = clash.get_json()
    assert clash.mimetype == "application/problem+json"
    assert {e["field"] for e in problem["errors"]} == {"value", "source_item"}


def test_a_later_rule_supersedes_the_open_ended_one(as_role):
    env = as_role("environment")
    old = env.post(RULES, json=policy_rule()).get_json()
    new = env.post(RULES, json=policy_rule(value="90", effective_from="2025-07-01")).get_json()
    assert env.get(f"{RULES}/{old['id']}").get_json()["effective_to"] == "2025-06-30"
    in_2024 = env.get(RULES, query_string={"as_of": "2024-12-31"}).get_json()["items"]
    in_2026 = env.get(RULES, query_string={"as_of": "2026-01-01"}).get_json()["items"]
    assert [r["id"] for r in in_2024] == [old["id"]]
    assert [r["id"] for r in in_2026] == [new["id"]]
    # the first rule retried after being superseded is still the same rule, not a conflict
    assert env.post(RULES, json=policy_rule()).status_code == 200


def test_a_rule_inside_a_closed_period_is_a_conflict(as_role):
    env = as_role("environment")
    env.post(RULES, json=policy_rule(effective_to="2024-12-31"))
    overlap = env.post(RULES, json=policy_rule(effective_from="2024-06-01", value="70"))
    assert overlap.status_code == 409
    assert overlap.get_json()["errors"][0]["field"] == "effective_from"


def test_as_of_lookup_respects_both_ends_of_the_period(as_role):
    env = as_role("environment")
    env.post(RULES, json=policy_rule(effective_from="2020-01-01", effective_to="2020-12-31"))
    for day, expected in [("2019-12-31", 0), ("2020-01-01", 1), ("2020-12-31", 1), ("2021-01-01", 0)]:
        found = env.get(RULES, query_string={"as_of": day}).get_json()["items"]
        assert len(found) == expected, day


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (policy_rule(unit="date", value="80", value_date="2020-12-31"), "value"),
        (policy_rule(value=None), "value"),
        (policy_rule(effective_to="2023-01-01"), "effective_to"),
        (policy_rule(code="Rail Share!"), "code"),
        (policy_rule(unit="furlongs"), "unit"),
        (policy_rule(effective_from="2024-13-01"), "effective_from"),
        ({k: v for k, v in policy_rule().items() if k != "source_document"}, "source_document"),
    ],
    ids=["date-with-number", "number-missing", "ends-before-start", "bad-code",
         "unknown-unit", "impossible-date", "no-source"],
)
def test_invalid_rules_are_422_naming_the_field(as_role, body, field):
    response = as_role("environment").post(RULES, json=body)
    assert response.status_code == 422
    assert field in {e["field"] for e in response.get_json()["errors"]}
    assert as_role("environment").get(RULES).get_json()["items"] == []


@pytest.mark.parametrize("role", ["police", "enterprise", "gate", "service"])
def test_only_bureaus_may_add_rules(as_role, role):
    scope = {"uscc": "914403001922038216"} if role == "enterprise" else {"site": "s1"} if role == "gate" else {}
    response = as_role(role, **scope).post(RULES, json=policy_rule())
    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"


def test_a_deadline_the_plan_leaves_undated_is_kept_without_a_date(as_role):
    body = policy_rule(code="diesel_truck.china_iii_phaseout_deadline", unit="date", comparison="by", value=None)
    response = as_role("environment").post(RULES, json=body)
    assert response.status_code == 201
    assert response.get_json()["value_date"] is None


def test_unknown_rule_id_is_404(as_role):
    response = as_role("police").get(f"{RULES}/999999")
    assert response.status_code == 404
    assert response.get_json()["detail"] == "no policy rule with id 999999"


def test_keyset_pages_walk_every_rule_once(as_role):
    env = as_role("environment")
    for year in range(2010, 2017):
        env.post(RULES, json=policy_rule(subject=f"subject {year}", effective_from=f"{year}-01-01"))
    seen, cursor = [], None
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = env.get(RULES, query_string=query).get_json()
        seen.extend(r["subject"] for r in page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"subject {year}" for year in range(2010, 2017)]


def test_a_forged_cursor_is_422(as_role):
    response = as_role("police").get(RULES, query_string={"cursor": "not-a-cursor"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("value", ["1e15", "80.12345", "NaN", "eighty"])
def test_values_the_table_cannot_hold_are_422(as_role, value):
    response = as_role("environment").post(RULES, json=policy_rule(value=value))
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "value"
