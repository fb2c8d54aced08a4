"""gatecontrol's own settings: retention months (never below the legal minimum), video storage, silent gates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from flask import current_app

from shared.config import ConfigError, Settings
from shared.policy import load_rule_file

VIDEO_RULE = "retention.video_months"
LEDGER_RULE = "retention.ledger_months"


@lru_cache(maxsize=4)
def _shipped_minimums(today: date) -> dict[str, int]:
    rows = load_rule_file("gatecontrol")
    minimums: dict[str, int] = {}
    for row in rows:
        # A retention duty binds records made while it was in force for their whole life, so a rule
        # keeps counting after its effective_to: the strictest one ever in force is the floor.
        if row["code"] in (VIDEO_RULE, LEDGER_RULE) and row["effective_from"] <= today:
            minimums[row["code"]] = max(minimums.get(row["code"], 0), int(row["value"]))
    return minimums


def legal_minimum(code: str, today: date | None = None) -> int:
    """Months the plans require for `code` (retention.video_months / retention.ledger_months), from policy data."""
    minimums = _shipped_minimums(today or date.today())
    if code not in minimums:
        raise ConfigError(f"gatecontrol/policy_rules.yaml has no {code} rule in force; cannot judge retention")
    return minimums[code]


@dataclass(frozen=True)
class GateSettings:
    """Resolved gatecontrol settings."""

    video_months: int
    ledger_months: int
    video_storage_url: str
    s3_endpoint_url: str | None
    silent_minutes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> GateSettings:
        """Resolve and check; ConfigError if a retention is set below its legal minimum (the service won't start)."""
        video_floor, ledger_floor = legal_minimum(VIDEO_RULE), legal_minimum(LEDGER_RULE)
        video = settings.video_retention_months or video_floor
        ledger = settings.ledger_retention_months or ledger_floor
        if video < video_floor:
            raise ConfigError(
                f"LANTIAN_VIDEO_RETENTION_MONTHS={video} is below the legal minimum of {video_floor} months "
                "(临政办发〔2024〕40号 item 3); refusing to start"
            )
        if ledger < ledger_floor:
            raise ConfigError(
                f"LANTIAN_LEDGER_RETENTION_MONTHS={ledger} is below the legal minimum of {ledger_floor} months "
                "(临政办发〔2024〕40号 item 3); refusing to start"
            )
        if settings.gate_silent_minutes < 1:
            raise ConfigError("LANTIAN_GATE_SILENT_MINUTES must be at least 1")
        storage = settings.video_storage_url or str(Path(settings.var_dir) / "video")
        return cls(video, ledger, storage, settings.s3_endpoint_url, settings.gate_silent_minutes)


def gate_settings() -> GateSettings:
    """The current app's gatecontrol settings."""
    return current_app.extensions["gatecontrol.settings"]
