"""Pure rules of a passage as sent: its fingerprint, the fields that differ, its capture window, its flags."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

import orjson

FUTURE_TOLERANCE = timedelta(minutes=5)  # gate clocks drift; more than this ahead is a wrong clock

# The passage fields a gate sends, as stored: input name -> column name.
INPUT_COLUMNS: dict[str, str] = {
    "gate_id": "gate_id",
    "direction": "direction",
    "plate": "plate_raw",
    "plate_colour": "plate_colour",
    "captured_at": "captured_at",
    "vin": "vin",
    "engine_no": "engine_no",
    "registration_date": "registration_date",
    "emission_stage": "reported_stage",
    "fuel": "reported_fuel",
    "vehicle_type": "reported_vehicle_type",
    "goods": "goods",
    "quantity_t": "quantity_t",
    "carrier": "carrier",
    "photos": "photos",
    "backfill": "backfill",
}


def passage_flags(row: Mapping[str, Any]) -> list[str]:
    """The findings a ledger row carries: incomplete plate, unknown vehicle, mismatches, blacklist, backfill."""
    flags = []
    if not row["plate_complete"]:
        flags.append("incomplete_plate")
    if not row["vehicle_known"]:
        flags.append("unknown_vehicle")
    flags.extend(name for name in ("stage_mismatch", "fuel_mismatch", "blacklisted", "backfill") if row[name])
    return flags


# json.dumps builds an encoder per call when given options; this one is built once (same output)
_FINGERPRINT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_AS_IS = frozenset({str, bool, int, type(None)})  # most of a passage's values: checked first, by exact type


def _canonical(value: Any) -> Any:
    if type(value) in _AS_IS:
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def stored_values(passage: Mapping[str, Any]) -> dict[str, Any]:
    """The gate-sent fields of a normalised passage, keyed by input name, in comparable form."""
    values = {}
    for name in INPUT_COLUMNS:
        value = passage.get(name)
        values[name] = value if type(value) in _AS_IS else _canonical(value)  # the call only when needed
    return values


def fingerprint(passage: Mapping[str, Any]) -> str:
    """SHA-256 of the normalised content: the same event sent twice has the same fingerprint."""
    # INPUT_COLUMNS fixes the key order, so the JSON text is canonical without sorting. orjson writes the same
    # text as the json module (compact, characters as they are) several times faster, handing dates, times and
    # decimals to _canonical; what it refuses (a lone surrogate) goes the json module's way, as it always did.
    # The text must never change: a fingerprint stored years ago must equal that of the same content sent today.
    values = {name: passage.get(name) for name in INPUT_COLUMNS}
    try:
        raw = orjson.dumps(values, default=_canonical, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except orjson.JSONEncodeError:
        raw = _FINGERPRINT_JSON.encode(stored_values(passage)).encode()
    return hashlib.sha256(raw).hexdigest()


def differing_fields(sent: Mapping[str, Any], stored_row: Mapping[str, Any]) -> list[str]:
    """Input field names whose value differs between a new passage and a stored ledger row."""
    mine = stored_values(sent)
    theirs = {name: _canonical(stored_row.get(column)) for name, column in INPUT_COLUMNS.items()}
    return [name for name in INPUT_COLUMNS if mine[name] != theirs[name]]


def capture_window_problem(captured_at: datetime, now: datetime, ledger_months: int) -> str | None:
    """Why a capture time is refused: further back than the ledger is kept, or more than 5 minutes ahead."""
    if captured_at > now + FUTURE_TOLERANCE:
        return f"is more than {int(FUTURE_TOLERANCE.total_seconds() // 60)} minutes in the future; check the gate clock"
    if captured_at < months_before(now, ledger_months):
        return f"is older than the ledger retention of {ledger_months} months"
    return None


@lru_cache(maxsize=64)  # a batch asks it for the same `now` once per passage
def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock instant `months` calendar months earlier (day clamped to the month's end)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    month += 1
    day = min(moment.day, _days_in_month(year, month))
    return moment.replace(year=year, month=month, day=day)


def _days_in_month(year: int, month: int) -> int:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day
