"""A marshmallow field that reads its value with one of vehicles.parsing's parsers (the importer uses the same)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import ValidationError, fields


class Parsed(fields.Field):
    """Deserialise with `parser`; its ValueError becomes the field's 422 reason."""

    def __init__(self, parser: Callable[[Any], Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.parser = parser

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        try:
            return self.parser(value)
        except ValueError as exc:
            raise ValidationError(getattr(exc, "reason", None) or str(exc)) from exc

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value.isoformat() if hasattr(value, "isoformat") else value
