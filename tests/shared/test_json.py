"""The services' JSON (orjson underneath) writes the documents Flask's own provider writes and reads what it reads."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from webargs import core as webargs_core

from shared.api import BodyParser
from shared.jsonutil import FastJSONProvider, dumps_text


@dataclass
class _Point:
    x: int
    label: str


DOCUMENT = {
    "zeta": [1, 2.5, None, True, (3, 4)],
    "alpha": {"晋L12345": "国三 diesel", "b": {"z": 1, "a": 0.1}},
    "when": datetime(2026, 11, 26, 8, 30, tzinfo=UTC),
    "day": date(2026, 11, 26),
    "amount": Decimal("12.50"),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "point": _Point(1, "东"),
    "counts": {7: "integer keys", 8: "written as strings"},
}


def _providers() -> tuple[FastJSONProvider, DefaultJSONProvider]:
    app = Flask(__name__)
    return FastJSONProvider(app), DefaultJSONProvider(app)


def test_the_same_document_as_flask_writes_compact_with_characters_as_they_are():
    fast, flask = _providers()
    assert fast.dumps(DOCUMENT) == flask.dumps(DOCUMENT, separators=(",", ":"), ensure_ascii=False)


def test_values_orjson_cannot_write_are_written_as_before():
    fast, flask = _providers()
    huge = {"n": 2**70}
    assert fast.dumps(huge) == flask.dumps(huge)
    assert fast.dumps({"x": 1}, indent=2) == flask.dumps({"x": 1}, indent=2)


def test_responses_carry_the_document_flask_would_send():
    app = Flask(__name__)
    fast, flask = FastJSONProvider(app), DefaultJSONProvider(app)
    for value in (DOCUMENT, {"n": 2**70}, [1, "二"], None):
        mine, theirs = fast.response(value), flask.response(value)
        assert mine.get_data() == f"{fast.dumps(value, separators=(',', ':'))}\n".encode()  # Flask's (above)
        assert mine.get_json() == theirs.get_json() and mine.mimetype == theirs.mimetype == "application/json"
    assert fast.response(a=1, b="东").get_json() == {"a": 1, "b": "东"}
    app.debug = True  # indented for reading, as Flask does
    assert fast.response({"x": 1}).get_data() == flask.response({"x": 1}).get_data()


def test_reads_what_flask_reads():
    fast, flask = _providers()
    text = '{"plate": "晋L12345", "n": [1, 2.5, null], "big": 123456789012345678901234567890}'
    assert fast.loads(text) == flask.loads(text) and fast.loads(text)["big"] == 123456789012345678901234567890
    assert fast.loads(text.encode()) == flask.loads(text.encode())
    assert math.isnan(fast.loads('{"x": NaN}')["x"])


def test_json_stored_as_text_keeps_chinese_characters():
    assert dumps_text({"reason": "冒黑烟", "codes": ["a"]}) == '{"reason":"冒黑烟","codes":["a"]}'


def test_a_service_answers_in_utf8_json(client):
    response = client.get("/health")
    assert response.mimetype == "application/json"
    assert response.get_json() == {"status": "ok", "service": "vehicles"}


BODIES = [
    '{"plate": "晋L12345", "n": [1, 2.5, -0, 1E5, 0.1, null, true], "photos": ["oss://a/1.jpg"]}'.encode(),
    b'{"id": 123456789012345678901234567890, "low": -9223372036854775809, "top": 18446744073709551615}',
    b'{"x": NaN, "y": Infinity, "z": -Infinity}',
    b'{"huge": 1e400}',
    b'{"half": "\\ud800"}',
    '\ufeff{"bom": 1}'.encode(),
    b'{"bad": "\xff\xfe"}',
    b'{"a": 1, "a": 2}',
    b"[" * 1500 + b"]" * 1500,
    b'{"nul": "a\\u0000b"}',
    b"",
    b"  {} ",
    b"{",
]


@pytest.mark.parametrize("body", BODIES, ids=[str(i) for i in range(len(BODIES))])
def test_the_body_parser_reads_every_body_as_the_json_module_does(body):
    """orjson reads most bodies; whatever it would read otherwise (a long integer, NaN) is the json module's."""

    def outcome(read):
        try:
            return ("value", repr(read()))
        except (ValueError, RecursionError) as exc:
            return ("refused", type(exc))

    with Flask(__name__).test_request_context(method="POST", data=body, content_type="application/json") as context:
        mine = outcome(lambda: BodyParser()._raw_load_json(context.request))
    assert mine == outcome(lambda: webargs_core.parse_json(body))
