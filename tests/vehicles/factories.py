"""Small builders of vehicles test data: valid identifiers and vehicle bodies a clerk would send."""

from __future__ import annotations

from typing import Any

from shared.identifiers import uscc_check_character, vin_check_digit

PROVINCE_PLATE_PREFIX = "晋L"  # Linfen


def vin(serial: int) -> str:
    """A valid VIN (correct check digit) differing by serial."""
    body = f"LFWSRXRJ0{serial:08d}"[:17]
    return body[:8] + vin_check_digit(body) + body[9:]


def uscc(serial: int) -> str:
    """A valid unified social credit code differing by serial."""
    first17 = f"91141002{serial:09d}"
    return first17 + uscc_check_character(first17)


def plate(serial: int) -> str:
    """A valid 7-character plate, 晋L + 5 digits."""
    return f"{PROVINCE_PLATE_PREFIX}{serial:05d}"


def vehicle(serial: int = 1, **overrides: Any) -> dict[str, Any]:
    """A China IV operating heavy diesel tractor of a Yaodu company, registered 2015-06-01."""
    body: dict[str, Any] = {
        "plate": plate(serial),
        "plate_colour": "yellow",
        "vin": vin(serial),
        "vehicle_class": "N3",
        "body_type": "tractor",
        "fuel": "diesel",
        "emission_stage": "china_4",
        "operating": True,
        "owner_uscc": uscc(1),
        "district_code": "141002",
        "registration_date": "2015-06-01",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def path(body: dict[str, Any]) -> str:
    """The URL of a vehicle body's record."""
    return f"/api/v1/vehicles/{body['plate']}/{body['plate_colour']}"


def register(client: Any, body: dict[str, Any]) -> dict[str, Any]:
    """PUT a vehicle and return the stored record (asserting success)."""
    response = client.put(path(body), json=body)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def change_status(client: Any, body: dict[str, Any], status: str, day: str, reason: str = "test") -> Any:
    """POST a status change."""
    return client.post(path(body) + "/status", json={"status": status, "effective_date": day, "reason": reason})


def list_entry(serial: int = 1, **overrides: Any) -> dict[str, Any]:
    """A blacklist entry for plate(serial) (yellow): over-emission at a roadside check, from 2026-01-01, open-ended."""
    body: dict[str, Any] = {
        "subject_type": "vehicle",
        "plate": plate(serial),
        "plate_colour": "yellow",
        "list_kind": "blacklist",
        "reason_code": "roadside_over_emission",
        "evidence": [f"路检-2026-{serial:04d}"],
        "authority": "临汾市生态环境局",
        "issued_by": "张三",
        "effective_from": "2026-01-01",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def add_entry(client: Any, body: dict[str, Any]) -> dict[str, Any]:
    """POST a list entry and return it (asserting it was created)."""
    response = client.post("/api/v1/list-entries", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()
