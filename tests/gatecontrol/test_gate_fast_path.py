"""The fast path for clean passages agrees with PassageSchema on everything it accepts, and leaves the rest to it."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

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
