"""Small builders of railshift test data."""

from __future__ import annotations

import itertools
from typing import Any

from shared.identifiers import uscc_check_character

_serial = itertools.count(1)

LINFEN_DISTRICT = "141002"  # 尧都区
XINZHOU_DISTRICT = "140902"  # 忻府区
TAIYUAN_DISTRICT = "140105"  # 小店区


def uscc(district: str = LINFEN_DISTRICT) -> str:
    """A fresh valid unified social credit code registered in `district`."""
    first17 = f"91{district}MA{next(_serial):07d}"
    return first17 + uscc_check_character(first17)


def enterprise_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "临汾示范钢铁有限公司",
        "industry": "steel",
        "district_code": LINFEN_DISTRICT,
        "urban_fringe": False,
        "siding_status": "in_service",
        "annual_bulk_tonnes": "2000000",
        "ultra_low_status": "completed",
        "site_ids": [],
    }
    body.update(overrides)
    return body


def line(direction: str, goods: str, mode: str, tonnes: str | int) -> dict[str, str]:
    return {"direction": direction, "goods": goods, "mode": mode, "tonnes": str(tonnes)}


def rail_split(rail: str | int, road: str | int, goods: str = "coal", road_mode: str = "other_road") -> list[dict]:
    """Inbound `goods` split between rail and one road mode."""
    return [line("inbound", goods, "rail", rail), line("inbound", goods, road_mode, road)]


def register(as_role: Any, district: str = LINFEN_DISTRICT, **overrides: Any) -> str:
    """Register an enterprise through the API as the transport bureau; returns its credit code."""
    code = uscc(district)
    response = as_role("transport").put(f"/api/v1/enterprises/{code}",
                                        json=enterprise_body(district_code=district, **overrides))
    assert response.status_code == 201, response.get_json()
    return code


def declare(as_role: Any, code: str, month: str, lines: list[dict], **extra: Any) -> dict:
    """Write a draft as the enterprise; returns the declaration body."""
    response = as_role("enterprise", uscc=code).put(f"/api/v1/enterprises/{code}/declarations/{month}",
                                                    json={"lines": lines, **extra})
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def step(as_role: Any, declaration_id: int, action: str, role: str, code: str | None = None, **extra: Any):
    """Take a workflow step; returns the response."""
    scope = {"uscc": code} if role == "enterprise" else {}
    return as_role(role, **scope).post(f"/api/v1/declarations/{declaration_id}/transitions",
                                       json={"action": action, **extra})


def approved(as_role: Any, code: str, month: str, lines: list[dict]) -> dict:
    """A declaration taken through submit and approve."""
    declaration = declare(as_role, code, month, lines)
    assert step(as_role, declaration["id"], "submit", "enterprise", code).status_code == 200
    response = step(as_role, declaration["id"], "approve", "transport")
    assert response.status_code == 200, response.get_json()
    return response.get_json()
