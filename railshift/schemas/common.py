"""Validators and field types the railshift schemas share."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import ValidationError, validate

from shared.policy import PlainDecimal
from shared.query import month_or_422, uscc_or_422, valid_division, valid_month

# Month and credit-code checks are every service's (shared.query); re-exported for the railshift schemas.
__all__ = ["MAX_TONNES", "Tonnes", "month_or_422", "one_of", "uscc_or_422", "valid_district", "valid_month",
           "valid_tonnes"]

MAX_TONNES = Decimal("1e12")


def one_of(enum: type) -> validate.OneOf:
    """A validator accepting the values of a StrEnum."""
    return validate.OneOf([member.value for member in enum])


def valid_district(value: str) -> None:
    """A county-level GB/T 2260 code."""
    valid_division(value)
    if value.endswith("00"):
        raise ValidationError("a district (county-level) code is needed, not a city or province code")


def valid_tonnes(value: Decimal) -> None:
    """Not negative; fits NUMERIC(16, 3)."""
    if value < 0:
        raise ValidationError("tonnes cannot be negative")
    if value >= MAX_TONNES or -value.as_tuple().exponent > 3:
        raise ValidationError("at most 12 digits before the point and 3 after it")


Tonnes = PlainDecimal  # a string such as "1234.5" both ways, so no float ever rounds a tonnage
