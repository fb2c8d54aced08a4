"""Completeness: silent gaps in operating hours, incomplete plates, unknown vehicles, backfill, delivery delay."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from gatecontrol.commands.completeness import gate_status
from gatecontrol.models import Gate
from gatecontrol.rules import silent_gaps
from tests.gatecontrol.factories import SITE_ID, gate_body, passage

DAY = "2026-10-15"


def at(hhmm: str) -> str:
    return f"{DAY}T{hhmm}:00+08:00"


def test_the_daily_report_lists_silent_gaps_within_operating_hours(env_client, gate):
    env_client.put(f"/api/v1/sites/{SITE_ID}/gates/G1", json=gate_body("in", opens_at="08:00", closes_at="18:00"))
    bodies = [
        passage(event_id=f"p{i}", captured_at=at(t), backfill=True)
        for i, t in enumerate(["07:00", "08:30", "09:00", "12:00", "13:00", "17:30", "19:00"])
    ]
    bodies.append(passage(event_id="noplate", captured_at=at("13:00"), plate="无牌", backfill=False))
    assert gate.post("/api/v1/passages/batch", json={"passages": bodies}).get_json()["counts"] == {"created": 8}
    report = env_client.get(f"/api/v1/sites/{SITE_ID}/completeness", query_string={"day": DAY}).get_json()
    g1 = {g["gate_id"]: g for g in report["gates"]}["G1"]
    # 08:00-08:30 and 17:30-18:00 are within the 60-minute window; 12:00-13:00 is exactly 60: not a gap
    assert [(g["from"], g["to"], g["minutes"]) for g in g1["silent_gaps"]] == [
        ("2026-10-15T01:00:00+00:00", "2026-10-15T04:00:00+00:00", 180),
        ("2026-10-15T05:00:00+00:00", "2026-10-15T09:30:00+00:00", 270),
    ]
    g2 = {g["gate_id"]: g for g in report["gates"]}["G2"]  # around the clock, never heard from
    assert [gap["minutes"] for gap in g2["silent_gaps"]] == [1440]
    assert (report["passages"], report["incomplete_plates"], report["unknown_vehicles"]) == (8, 1, 8)
    assert report["backfilled"] == 7 and report["backfilled_share"] == pytest.approx(0.875)
    assert report["delivery_delay_seconds"]["max"] > 3600 * 24  # the one live passage arrived weeks late


def test_an_enterprise_sees_only_its_own_sites_report(as_role, site):
    other = as_role("enterprise", uscc="91110000600037341L")
    assert other.get(f"/api/v1/sites/{SITE_ID}/completeness", query_string={"day": DAY}).status_code == 403
    assert as_role("environment").get(f"/api/v1/sites/{SITE_ID}/completeness").status_code == 422


def test_silent_gaps_rule_boundaries():
    opens, closes = datetime(2026, 1, 1, 0, 0, tzinfo=UTC), datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
    heard = [datetime(2026, 1, 1, 1, 0, tzinfo=UTC)]
    from datetime import timedelta

    assert silent_gaps(heard, opens, closes, timedelta(minutes=60)) == []
    assert silent_gaps(heard, opens, closes, timedelta(minutes=59)) == [(opens, heard[0]), (heard[0], closes)]


def test_a_gate_is_silent_only_in_its_operating_hours(app):
    day_gate = Gate(
        site_id="S1",
        gate_id="G",
        name="g",
        direction="in",
        opens_at=time(8),
        closes_at=time(18),
    )
    last = datetime(2026, 10, 15, 1, 30, tzinfo=UTC)  # 09:30 local
    with app.app_context():
        assert gate_status(day_gate, last, datetime(2026, 10, 15, 2, 30, tzinfo=UTC))["silent"] is False  # 60 min
        assert gate_status(day_gate, last, datetime(2026, 10, 15, 2, 31, tzinfo=UTC))["silent"] is True
        night = gate_status(day_gate, last, datetime(2026, 10, 15, 12, 0, tzinfo=UTC))  # 20:00 local, closed
        assert (night["operating"], night["silent"]) == (False, False)
        morning = gate_status(day_gate, last, datetime(2026, 10, 16, 0, 30, tzinfo=UTC))  # 08:30 next day
        assert morning["silent"] is False  # the window counts from opening time, not from last night
        overnight = Gate(site_id="S1", gate_id="N", name="n", direction="in", opens_at=time(20), closes_at=time(6))
        assert gate_status(overnight, None, datetime(2026, 10, 15, 20, 0, tzinfo=UTC))["operating"] is True  # 04:00


def test_a_heartbeat_keeps_a_gate_from_being_silent(gate, env_client):
    gate.post("/api/v1/gates/G1/heartbeat", json={})
    gates = {g["gate_id"]: g for g in env_client.get(f"/api/v1/sites/{SITE_ID}/gates").get_json()}
    assert gates["G1"]["silent"] is False and gates["G1"]["operating"] is True
