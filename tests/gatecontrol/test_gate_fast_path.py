"""The fast path for clean passages agrees with PassageSchema on everything it accepts, and leaves the rest to it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import orjson
import pytest
from marshmallow import ValidationError

from gatecontrol.rules import fingerprint
from gatecontrol.rules.passages import stored_values
from gatecontrol.schemas import PassageSchema, fast_load
from tests.gatecontrol.factories import passage

VARIANTS = [
    {},
    {"captured_at": "2026-10-01T08:00:00Z"},
    {"captured_at": "2026-10-01T08:00:00.123456+08:00"},
    {"captured_at": "2026-10-01 08:00:00+08:00"},
    {"captured_at": "2026-10-01T08:00:00"},
    {"plate": None},
    {"plate": "  晋ａ 12345 "},
    {"plate_colour": "黄"},
    {"plate_colour": "yellow-green "},
    {"plate_colour": 2, "plate_colour_source": "jtt808"},
    {"plate_colour": "purple"},
    {"emission_stage": "D"},
    {"emission_stage": " 国Ⅳ "},
    {"emission_stage": 4},
    {"emission_stage": ""},
    {"emission_stage": "国九"},
    {"fuel": "LNG"},
    {"fuel": ""},
    {"fuel": "coal"},
    {"quantity_t": "31"},
    {"quantity_t": "31.25"},
    {"quantity_t": 31.5},
    {"quantity_t": "-1"},
    {"vin": " LFWSRXRJ7A1E00001 "},
    {"vin": "X" * 18},
    {"registration_date": "2015-06-01"},
    {"registration_date": "2015-6-1"},
    {"photos": []},
    {"photos": ["a"] * 21},
    {"photos": "a.jpg"},
    {"backfill": True},
    {"backfill": "yes"},
    {"direction": " in"},
    {"direction": "sideways"},
    {"event_id": " ev-7 "},
    {"event_id": "x" * 65},
    {"gate_id": 7},
    {"carrier": "临汾物流", "goods": "  煤炭 "},
    {"extra_vendor_field": {"x": 1}},
]


@pytest.mark.parametrize("change", VARIANTS, ids=[str(i) for i in range(len(VARIANTS))])
def test_the_fast_path_agrees_with_the_schema_or_defers_to_it(change):
    raw = {**passage(), **change}
    fast = fast_load(raw)
    try:
        slow = PassageSchema().load(raw)
    except ValidationError:
        assert fast is None, "the fast path accepted what the schema refuses"
        return
    if fast is not None:
        assert fast == slow


def test_the_fast_path_takes_the_common_clean_passage():
    assert fast_load(passage()) is not None
    assert fast_load([passage()]) is None


def test_the_per_process_caches_drop_their_oldest_entries_first_and_keep_what_was_just_used():
    from gatecontrol.cache import LastSeen, TTLCache

    seen = LastSeen(max_entries=3)
    for key in "abc":
        seen.put(key, key.upper())
    seen.put("a", "A2")  # put again: now the newest
    seen.put("d", "D")
    assert [seen.get(k) for k in "abcd"] == ["A2", None, "C", "D"]
    cache = TTLCache(seconds=60, max_entries=2)
    assert [cache.get(k, lambda k=k: k * 2) for k in "xyz"] == ["xx", "yy", "zz"]
    assert cache.get("x", lambda: "reloaded") == "reloaded" and cache.get("z", lambda: "stale") == "zz"


def _fingerprint_as_first_written(data):
    """The fingerprint as first computed (every value made canonical, then JSON): stored passages carry it."""
    values = stored_values(data)
    try:
        raw = orjson.dumps(values)
    except orjson.JSONEncodeError:
        raw = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode(values).encode()
    return hashlib.sha256(raw).hexdigest()


def _outcome(compute, data):
    try:
        return compute(data)
    except (TypeError, ValueError) as exc:
        return type(exc)


ODD_VALUES = [
    {"captured_at": datetime(2026, 10, 1, 8, 0, 0, 5, tzinfo=timezone(timedelta(hours=8)))},
    {"captured_at": datetime(2026, 10, 1, 8, 0)},
    {"registration_date": date(15, 6, 1), "quantity_t": Decimal("1E+3")},
    {"quantity_t": Decimal("-0.0"), "photos": ("a", "b")},
    {"photos": [datetime(2026, 1, 1, tzinfo=UTC), Decimal("2.50")]},
    {"goods": "煤炭\\ud800"},
]


@pytest.mark.parametrize("change", VARIANTS + ODD_VALUES, ids=[str(i) for i in range(len(VARIANTS) + len(ODD_VALUES))])
def test_the_fingerprint_is_the_one_stored_passages_carry(change):
    raw = {**passage(), **change}
    try:
        loaded = PassageSchema().load(raw)
    except (ValidationError, TypeError):
        loaded = {**passage(), **change}  # the odd values, as they are
    assert _outcome(fingerprint, loaded) == _outcome(_fingerprint_as_first_written, loaded)


def test_the_fingerprint_of_a_known_passage_never_changes():
    sent = {
        "event_id": "ev-1", "gate_id": "G1", "direction": "in", "plate": "晋a 12345", "plate_colour": "yellow",
        "captured_at": "2026-11-26T16:46:51+00:00", "emission_stage": "4", "fuel": "柴油", "vehicle_type": "重型货车",
        "goods": "煤炭", "quantity_t": "31.5", "photos": ["photo://g1/1.jpg"],
    }  # fmt: skip
    assert fingerprint(PassageSchema().load(sent)) == "09cabb31edb0f5c0f69d30acd0a2c8f04accf7486df308fe07574a899c7331c5"
    assert fingerprint({**PassageSchema().load(sent), "emission_stage": "china_4"}) == fingerprint(
        PassageSchema().load({**sent, "emission_stage": "国四"})
    )
