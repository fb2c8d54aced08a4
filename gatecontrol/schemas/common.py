"""Validators the gatecontrol schemas share: ids, credit codes, division codes."""

from __future__ import annotations

from marshmallow import validate

from shared.query import valid_division, valid_uscc

ID = validate.Regexp(r"^[A-Za-z0-9_.:\-]{1,64}$", error="use 1-64 letters, digits, '_', '-', '.' or ':'")
SITE_ID = validate.Regexp(r"^[A-Za-z0-9_.\-]{1,32}$", error="use 1-32 letters, digits, '_', '-' or '.'")
COLOUR_SOURCES = ("jtt808", "toll")


# The same validators as every service's (shared.query), under the names the gatecontrol schemas use.
check_uscc = valid_uscc
check_division = valid_division
