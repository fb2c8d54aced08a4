"""flat_dumper gives exactly what marshmallow's Schema.dump gives, for every value, typical or not."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from marshmallow import Schema, fields, post_dump

from shared.dumping import flat_dumper


class _Record(Schema):
    name = fields.String()
    known = fields.Boolean()
    count = fields.Integer()
    seen_at = fields.DateTime()
    day = fields.Date(allow_none=True)
    amount = fields.Decimal(as_string=True, allow_none=True)
    tags = fields.List(fields.String())
    extra = fields.Raw()
    renamed = fields.String(data_key="shown_as", attribute="held_as")
    dumped_default = fields.String(dump_default="none given")
    secret = fields.String(load_only=True)
    stamp = fields.DateTime(format="%Y/%m/%d")  # not ISO: the field's own serialize()
    nested = fields.Dict()


TYPICAL = {
    "name": "晋L12345", "known": True, "count": 3,
    "seen_at": datetime(2026, 11, 26, 8, 30, 0, 123456, tzinfo=timezone(timedelta(hours=8))),
    "day": date(2015, 6, 1), "amount": Decimal("31.50"), "tags": ["a", "东"], "extra": {"x": [1]},
    "held_as": "shown", "dumped_default": "given", "secret": "never out",
    "stamp": datetime(2026, 1, 2, tzinfo=UTC), "nested": {"k": 1},
}  # fmt: skip
UNUSUAL = [
    {},
    {key: None for key in TYPICAL},
    {"name": 12, "known": "yes", "count": True, "tags": ("a", 1), "amount": 7},
    {"amount": Decimal("NaN")},
    {"amount": Decimal("1E+3")},
    {"amount": Decimal("-0.0")},
    {"seen_at": datetime(2026, 11, 26, 8, 30)},
    {"seen_at": "2026-11-26T08:30:00+08:00"},
    {"day": datetime(2026, 11, 26, 8, 30, tzinfo=UTC)},
    {"known": 0, "count": 2.0},
    {"tags": []},
    {"held_as": None},
]


def _outcome(dump, record):
    try:
        return dump(record)
    except Exception as exc:  # what marshmallow refuses, the fast dumper refuses alike
        return type(exc)


@pytest.mark.parametrize("change", [{}, *UNUSUAL], ids=["typical", *map(str, range(len(UNUSUAL)))])
def test_dumps_what_marshmallow_dumps(change):
    for record in ({**TYPICAL, **change}, change):
        assert _outcome(flat_dumper(_Record()), record) == _outcome(_Record().dump, record)


def test_the_gate_answer_is_the_documented_record():
    from gatecontrol.schemas import PassageOutSchema

    record = {name: None for name in PassageOutSchema().dump_fields}
    record.update(
        captured_at=datetime(2026, 11, 26, 0, 30, tzinfo=UTC), quantity_t=Decimal("31.5"), photos=["oss://a.jpg"],
        banned_reasons=["blacklist:smoke"], flags=["blacklisted"], registration_date=date(2015, 6, 1),
        plate="晋L12345", plate_complete=True, blacklisted=True,
    )  # fmt: skip
    assert flat_dumper(PassageOutSchema())(record) == PassageOutSchema().dump(record)


def test_schemas_with_dump_hooks_are_refused():
    class Hooked(Schema):
        name = fields.String()

        @post_dump
        def _upper(self, data, **kwargs):
            return data

    with pytest.raises(ValueError, match="not flat"):
        flat_dumper(Hooked())
    with pytest.raises(ValueError, match="not flat"):
        flat_dumper(_Record(many=True))
