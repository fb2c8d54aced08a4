"""Reconciliation against a real gatecontrol: trips posted through its API, the gap railshift computes."""

from __future__ import annotations

import pytest
import requests

from shared.config import Settings
from tests.conftest import make_token
from tests.railshift.factories import declare, line, register, step

pytestmark = pytest.mark.e2e
SITE = "S-RAIL-E2E"


@pytest.fixture(scope="module")
def gatecontrol(start_services):
    return start_services("gatecontrol")["gatecontrol"]


@pytest.fixture(scope="module")
def config(config: Settings, gatecontrol) -> Settings:
    return config.with_changes(service_urls={**config.service_urls, "gatecontrol": gatecontrol.url})


def _call(method: str, url: str, token: str, **kwargs):
    response = requests.request(method, url, headers={"Authorization": f"Bearer {token}"}, timeout=15, **kwargs)
    assert response.status_code < 300, response.text
    return response.json()


def _post_passages(gatecontrol, code: str) -> None:
    """A site with one gate; March 2025 (Shanghai): 10 heavy trucks in and 10 out, and two outside the month."""
    environment = make_token("environment")
    _call("PUT", f"{gatecontrol.url}/api/v1/sites/{SITE}", environment,
          json={"uscc": code, "name": "临汾示范钢铁 东门", "industry": "steel", "district_code": "141002",
                "key_user": True, "address": "尧都区"})
    _call("PUT", f"{gatecontrol.url}/api/v1/sites/{SITE}/gates/G1", environment,
          json={"name": "east gate", "direction": "both"})
    key = _call("POST", f"{gatecontrol.url}/api/v1/sites/{SITE}/keys", environment, json={})["key"]
    passages = []
    for i in range(10):
        for direction in ("in", "out"):
            passages.append({
                "event_id": f"E-{direction}-{i}", "gate_id": "G1", "direction": direction, "plate": f"晋L8{i:04d}",
                "plate_colour": "yellow", "vehicle_type": "N3",
                # the first truck came through ten minutes into March, Shanghai time (still February in UTC)
                "captured_at": "2025-03-01T00:10:00+08:00" if i == 0 else f"2025-03-{10 + i:02d}T08:00:00+08:00",
            })
    passages.append({"event_id": "E-feb", "gate_id": "G1", "direction": "in", "plate": "晋L90001",
                     "plate_colour": "yellow", "vehicle_type": "重型货车", "captured_at": "2025-02-28T23:50:00+08:00"})
    passages.append({"event_id": "E-apr", "gate_id": "G1", "direction": "out", "plate": "晋L90002",
                     "plate_colour": "yellow", "vehicle_type": "N3", "captured_at": "2025-04-01T00:00:00+08:00"})
    result = _call("POST", f"{gatecontrol.url}/api/v1/passages/batch", key, json={"passages": passages})
    assert sum(result["counts"].values()) == len(passages) == len(result["results"]), result
    assert not result["counts"].get("rejected"), result


def test_declared_road_tonnes_are_compared_with_real_gate_trips(as_role, seeded, gatecontrol):
    code = register(as_role, site_ids=[SITE])
    _post_passages(gatecontrol, code)
    # 10 heavy trips in x 30 t = 300 t; declared 310 t by road in (3% off) but nothing by road out.
    lines = [line("inbound", "coal", "rail", 5000), line("inbound", "coal", "china_6_truck", 310),
             line("outbound", "other", "rail", 1000)]
    draft = declare(as_role, code, "2025-03", lines)
    body = step(as_role, draft["id"], "submit", "enterprise", code).get_json()
    assert body["reconciliation_status"] == "gap", body["reconciliation"]
    directions = body["reconciliation"]["directions"]
    assert directions["in"]["trips"] == {"N3": 10}
    assert (directions["in"]["estimated_tonnes"], directions["in"]["gap_percent"]) == ("300", "3.23")
    assert (directions["out"]["estimated_tonnes"], directions["out"]["gap_percent"]) == ("300", "100")
    assert body["reconciliation"]["sites"] == [SITE]
    step(as_role, draft["id"], "return", "transport", reasons=["road haulage out is missing"])
    declare(as_role, code, "2025-03", [*lines, line("outbound", "other", "new_energy_truck", 280)])
    again = step(as_role, draft["id"], "resubmit", "enterprise", code).get_json()
    assert again["reconciliation_status"] == "ok"
    assert again["reconciliation"]["directions"]["out"]["gap_percent"] == "6.67"
    assert step(as_role, draft["id"], "approve", "transport").get_json()["status"] == "approved"
