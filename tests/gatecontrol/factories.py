"""Small builders of gatecontrol test data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

SITE_ID = "S1"
USCC = "91141000MA0KX1234X"
_events = count(1)
# One capture time for every passage a test builds, so a resent body is byte-for-byte the same.
CAPTURED = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)


def site_body(**overrides: Any) -> dict[str, Any]:
    """A key-user steel plant in Yaodu district, Linfen."""
    body = {
        "uscc": USCC,
        "name": "临汾某钢铁有限公司",
        "industry": "steel",
        "district_code": "141002",
        "key_user": True,
        "address": "尧都区",
    }
    body.update(overrides)
    return body


def gate_body(direction: str = "in", **overrides: Any) -> dict[str, Any]:
    body = {"name": f"{direction} gate", "direction": direction}
    body.update(overrides)
    return body


def passage(**overrides: Any) -> dict[str, Any]:
    """A heavy diesel truck entering at G1 a minute ago, as a gate system sends it."""
    body = {
        "event_id": f"ev-{next(_events)}",
        "gate_id": "G1",
        "direction": "in",
        "plate": "晋a 12345",
        "plate_colour": "yellow",
        "captured_at": CAPTURED.isoformat(),
        "emission_stage": "4",
        "fuel": "柴油",
        "vehicle_type": "重型货车",
        "goods": "煤炭",
        "quantity_t": "31.5",
        "photos": ["photo://g1/1.jpg"],
    }
    body.update(overrides)
    return body
