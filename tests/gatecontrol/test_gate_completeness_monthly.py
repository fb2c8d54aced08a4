"""Monthly completeness of every site in an area: silent gates and sites, month cut in city time, totals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.conftest import RoleClient
from tests.gatecontrol.factories import SITE_ID, USCC, gate_body, passage, site_body

MONTH = "2026-10"
OTHER_USCC = "91110000600037341L"
NUMERIC = (
    "gates", "gates_silent", "silent_minutes", "days_without_events",
    "passages", "incomplete_plates", "unknown_vehicles", "backfilled",
)  # fmt: skip
# G1 of S1 works 08:00-18:00; on 10-15 it is heard often enough to leave no gap longer than 60 minutes
BUSY_DAY = ["08:30", "09:20", "10:10", "11:00", "11:50", "12:40", "13:30", "14:20", "15:10", "16:00", "16:50", "17:40"]


def local(day: str, hhmm: str) -> str:
    return f"{day}T{hhmm}+08:00"


def key_for(client, env_client: RoleClient, site_id: str) -> RoleClient:
    response = env_client.post(f"/api/v1/sites/{site_id}/keys", json={"name": "gate PC"})
    assert response.status_code == 201, response.get_json()
    return RoleClient(client, response.get_json()["key"])


@pytest.fixture
def city(client, env_client, gate) -> dict[str, RoleClient]:
    """S1 (Yaodu, busy on 10-15), S3 (Yaodu, last heard in September), S5 (Xiangfen, no gates, never heard),
    SJZ (Shijiazhuang, Hebei)."""
    env_client.put(f"/api/v1/sites/{SITE_ID}/gates/G1", json=gate_body("in", opens_at="08:00", closes_at="18:00"))
    bodies = [passage(event_id=f"busy-{t}", captured_at=local("2026-10-15", t), backfill=True) for t in BUSY_DAY]
    bodies += [
        passage(event_id="first", captured_at=local("2026-10-01", "00:00:00"), plate="无牌"),  # the first instant
        passage(event_id="last", captured_at=local("2026-10-31", "23:59:59")),
        passage(event_id="before", captured_at=local("2026-09-30", "23:59:59")),  # September in the city
        passage(event_id="after", captured_at=local("2026-11-01", "00:00:00")),  # November in the city
    ]
    assert gate.post("/api/v1/passages/batch", json={"passages": bodies}).get_json()["counts"] == {"created": 16}
    for site_id, district, uscc in (("S3", "141002", OTHER_USCC), ("S5", "141023", OTHER_USCC)):
        env_client.put(f"/api/v1/sites/{site_id}", json=site_body(uscc=uscc, district_code=district))
    env_client.put("/api/v1/sites/SJZ", json=site_body(uscc=OTHER_USCC, district_code="130102"))
    for site_id in ("S3", "SJZ"):
        env_client.put(f"/api/v1/sites/{site_id}/gates/G1", json=gate_body("in"))
    september = passage(event_id="sep", captured_at=local("2026-09-30", "12:00:00"))
    assert key_for(client, env_client, "S3").post("/api/v1/passages", json=september).status_code == 201
    return {"S1": gate}


def monthly(role_client: RoleClient, **query) -> dict:
    response = role_client.get("/api/v1/completeness/monthly", query_string={"month": MONTH, **query})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_every_site_of_the_area_is_listed_and_the_silent_ones_are_counted(env_client, city):
    report = monthly(env_client, area="141000")
    assert (report["month"], report["area"], report["silent_window_minutes"]) == (MONTH, "141000", 60)
    items = {item["site_id"]: item for item in report["items"]}
    assert list(items) == ["S1", "S3", "S5"]  # the Hebei site is outside Linfen

    s1 = items[SITE_ID]
    # G1: 30 days of 600 silent operating minutes (10-15 was covered); G2 (around the clock): never heard
    assert (s1["gates"], s1["gates_silent"], s1["silent_minutes"]) == (2, 2, 30 * 600 + 31 * 1440)
    assert (s1["passages"], s1["incomplete_plates"], s1["unknown_vehicles"], s1["backfilled"]) == (14, 1, 14, 12)
    assert s1["days_without_events"] == 31 - 3  # passages on 10-01, 10-15 and 10-31 (city days)
    assert s1["last_event_at"] == "2026-10-31T15:59:59+00:00"
    assert (s1["name"], s1["district_code"], s1["key_user"]) == ("临汾某钢铁有限公司", "141002", True)

    s3 = items["S3"]  # a gate that never posted in October: listed, silent, last heard in September
    assert (s3["gates"], s3["gates_silent"], s3["silent_minutes"], s3["passages"]) == (1, 1, 31 * 1440, 0)
    assert s3["days_without_events"] == 31 and s3["last_event_at"] == "2026-09-30T04:00:00+00:00"
    s5 = items["S5"]  # no gates registered and nothing ever received
    assert (s5["gates"], s5["passages"], s5["days_without_events"], s5["last_event_at"]) == (0, 0, 31, None)

    totals = report["totals"]
    for name in NUMERIC:
        assert totals[name] == sum(item[name] for item in report["items"]), name
    assert (totals["sites"], totals["sites_silent"]) == (3, 3)


def test_the_area_is_a_district_city_or_province_and_omitted_means_all(env_client, city):
    def listed(**query) -> list[str]:
        return [item["site_id"] for item in monthly(env_client, **query)["items"]]

    assert listed(area="141002") == ["S1", "S3"]
    assert listed(area="140000") == ["S1", "S3", "S5"]
    assert listed(area="130000") == ["SJZ"]
    assert listed() == ["S1", "S3", "S5", "SJZ"]
    assert monthly(env_client)["area"] is None
    empty = monthly(env_client, area="150000")
    assert empty["items"] == [] and empty["totals"]["sites"] == 0 and empty["totals"]["passages"] == 0


def test_monthly_silent_minutes_are_the_sum_of_the_daily_reports(env_client, city):
    minutes = 0
    first = date(2026, 10, 1)
    for offset in range(31):
        day = (first + timedelta(days=offset)).isoformat()
        daily = env_client.get(f"/api/v1/sites/{SITE_ID}/completeness", query_string={"day": day}).get_json()
        minutes += sum(gap["minutes"] for g in daily["gates"] for gap in g["silent_gaps"])
    s1 = monthly(env_client, area="141002")["items"][0]
    assert s1["site_id"] == SITE_ID and s1["silent_minutes"] == minutes


def test_a_night_shift_heard_after_midnight_is_not_silent(env_client, gate):
    env_client.put(f"/api/v1/sites/{SITE_ID}/gates/G1", json=gate_body("in", opens_at="22:00", closes_at="02:00"))
    times = [("2026-10-14", "22:30"), ("2026-10-14", "23:20"), ("2026-10-15", "00:10"), ("2026-10-15", "01:00")]
    bodies = [passage(event_id=f"n{i}", captured_at=local(d, t)) for i, (d, t) in enumerate(times)]
    assert gate.post("/api/v1/passages/batch", json={"passages": bodies}).get_json()["counts"] == {"created": 4}
    daily = env_client.get(f"/api/v1/sites/{SITE_ID}/completeness", query_string={"day": "2026-10-14"}).get_json()
    g1 = {g["gate_id"]: g for g in daily["gates"]}["G1"]
    assert g1["silent_gaps"] == []  # 01:00-02:00 is exactly the window; what came after midnight counts
    s1 = monthly(env_client, area="141002")["items"][0]
    assert s1["silent_minutes"] == 30 * 240 + 31 * 1440  # G1: the other 30 nights; G2 around the clock


def test_an_enterprise_sees_only_its_own_sites(as_role, city):
    own = monthly(as_role("enterprise", uscc=USCC))
    assert [item["site_id"] for item in own["items"]] == [SITE_ID] and own["totals"]["sites"] == 1
    other = monthly(as_role("enterprise", uscc=OTHER_USCC), area="141000")
    assert [item["site_id"] for item in other["items"]] == ["S3", "S5"]
    assert as_role("police").get("/api/v1/completeness/monthly", query_string={"month": MONTH}).status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [({"month": "2026-13"}, "month"), ({"month": "202610"}, "month"), ({}, "month"),
     ({"month": MONTH, "area": "14100"}, "area"), ({"month": MONTH, "area": "Linfen"}, "area")],
)  # fmt: skip
def test_a_bad_month_or_area_is_422_naming_it(as_role, site, query, field):
    response = as_role("service").get("/api/v1/completeness/monthly", query_string=query)
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == [field]
