"""Keyset pagination: opaque cursors over a stable sort key, never OFFSET."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from shared.errors import ValidationFailed

T = TypeVar("T")
MAX_LIMIT = 500


class PageArgsSchema(Schema):
    """`?limit=&cursor=` on every list endpoint."""

    limit = fields.Integer(
        load_default=50,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"page size, 1 to {MAX_LIMIT}"},
    )
    cursor = fields.String(
        load_default=None,
        validate=validate.Length(max=1000),
        metadata={"description": "`next_cursor` of the previous page"},
    )


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        ((kind, raw),) = value.items()
        return {"dt": datetime.fromisoformat, "d": date.fromisoformat, "n": Decimal}[kind](raw)
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor for the sort key of the last row of a page."""
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, width: int) -> list[Any]:
    """The sort key inside a cursor; 422 naming the `cursor` field if it was not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = [_decode_value(v) for v in json.loads(raw)]
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise ValidationFailed(
            "the cursor is not one this service issued",
            errors=[{"field": "cursor", "reason": "not a valid cursor", "in": "query"}],
        ) from exc
    if len(values) != width:
        raise ValidationFailed(
            "the cursor belongs to another listing",
            errors=[{"field": "cursor", "reason": "not a valid cursor", "in": "query"}],
        )
    return values


def keyset_page(
    db_session: Session,
    query: Select[Any],
    order_by: Sequence[InstrumentedAttribute[Any]],
    limit: int,
    cursor: str | None,
) -> Page[Any]:
    """One page of `query` ordered ascending by `order_by` (last column unique), after `cursor`."""
    if cursor:
        after = decode_cursor(cursor, len(order_by))
        # (a, b, c) > (x, y, z) spelled out, because row-value comparison is not portable to SQLite indexes.
        clauses = []
        for i, column in enumerate(order_by):
            equal_prefix = [order_by[j] == after[j] for j in range(i)]
            clauses.append(and_(*equal_prefix, column > after[i]))
        query = query.where(or_(*clauses))
    rows = list(db_session.scalars(query.order_by(*order_by).limit(limit + 1)))
    items = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = encode_cursor([getattr(last, column.key) for column in order_by])
    return Page(items, next_cursor)


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """The response schema of a page of `item_schema`."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "next_cursor": fields.String(
                allow_none=True,
                required=True,
                metadata={"description": "pass as `cursor` for the next page; null at the end"},
            ),
        },
        name=name,
    )
