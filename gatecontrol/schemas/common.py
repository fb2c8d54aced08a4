"""Validators the gatecontrol schemas share: ids, credit codes, division codes, months."""

from __future__ import annotations

from marshmallow import ValidationError, validate

from shared.identifiers import InvalidIdentifier, validate_division_code, validate_uscc
from shared.timeutil import parse_month

ID = validate.Regexp(r"^[A-Za-z0-9_.:\-]{1,64}$", error="use 1-64 letters, digits, '_', '-', '.' or ':'")
SITE_ID = validate.Regexp(r"^[A-Za-z0-9_.\-]{1,32}$", error="use 1-32 letters, digits, '_', '-' or '.'")
COLOUR_SOURCES = ("jtt808", "toll")


def check_uscc(value: str) -> None:
    try:
        validate_uscc(value)
    except InvalidIdentifier as exc:
        raise ValidationError(exc.reason) from exc


def check_division(value: str) -> None:
    try:
        validate_division_code(value)
    except InvalidIdentifier as exc:
        raise ValidationError(exc.reason) from exc


def check_month(value: str, name: str) -> None:
    try:
        parse_month(value)
    except ValueError as exc:
        raise ValidationError(str(exc), name) from exc
