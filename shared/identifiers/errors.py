"""The single exception raised when an identifier (plate colour, USCC, VIN, division code) is malformed."""

from __future__ import annotations


class InvalidIdentifier(ValueError):
    """An identifier failed validation; `.kind` names the identifier, `.reason` says what to fix."""

    def __init__(self, kind: str, reason: str, value: object = None) -> None:
        self.kind = kind
        self.reason = reason
        self.value = value
        # The str() form is what ends up in logs and API error bodies, so it carries both parts.
        super().__init__(f"invalid {kind}: {reason}")
