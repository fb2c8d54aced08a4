"""Small builders of machinery test data: registration bodies, inspections, and the seeded policy rules."""

from __future__ import annotations

from typing import Any

from shared.db import unit_of_work
from shared.policy import load_rule_file, seed_rules
from tests.vehicles.factories import uscc
from vehicles.models import PolicyRule

YAODU = "141002"  # 尧都区: inside the low-emission zone and the city planning area (machinery_zones.yaml)
HONGDONG = "141024"  # 洪洞县: outside both


def seed_policy(app: Any) -> None:
    """Load vehicles/policy_rules.yaml (the nrmm.* rules the verdicts read)."""
    with app.app_context(), unit_of_work() as session:
        seed_rules(session, PolicyRule, load_rule_file("vehicles"))


def code(serial: int) -> str:
    """A registration code in the accepted shape."""
    return f"LF2019A{serial:05d}"


def machine(serial: int = 1, **overrides: Any) -> dict[str, Any]:
    """A 国三 diesel excavator of a Yaodu company, registered 2019-11-20, working in Yaodu."""
    body: dict[str, Any] = {
        "code": code(serial),
        "machine_type": "excavator",
        "fuel": "diesel",
        "emission_stage": "nonroad_3",
        "engine_model": "YC6J220-T300",
        "engine_number": f"E{serial:08d}",
        "product_id": f"PIN{serial:010d}",
        "manufacture_date": "2018-05-01",
        "owner_uscc": uscc(1),
        "site": "尧都区 滨河西路项目工地",
        "district_code": YAODU,
        "registered_on": "2019-11-20",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def register(client: Any, body: dict[str, Any]) -> dict[str, Any]:
    """POST a machine and return it (asserting it was created or already there)."""
    response = client.post("/api/v1/machinery/machines", json=body)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def inspection(ref: str, serial: int = 1, **overrides: Any) -> dict[str, Any]:
    """An inspection of machine(serial) on 2025-12-10 in Yaodu, checks in order, emission test passed."""
    body: dict[str, Any] = {
        "inspection_ref": ref,
        "code": code(serial),
        "inspected_on": "2025-12-10",
        "on_construction_site": True,
        "disclosure_ok": True,
        "pollution_control_ok": True,
        "registration_ok": True,
        "online_monitoring_ok": True,
        "emission_tested": True,
        "opacity": 0.5,
        "opacity_limit": 0.8,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def record(client: Any, body: dict[str, Any]) -> dict[str, Any]:
    """POST an inspection and return it (asserting it was recorded)."""
    response = client.post("/api/v1/machinery/inspections", json=body)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()
