"""Load targets.yaml (ratio definitions, target applicability, reconciliation parameters) idempotently."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from railshift.models import Parameter, RatioDefinition, Target
from railshift.terms import Direction, Goods, Industry, Mode, SidingStatus, UltraLowStatus
from shared.db import unit_of_work

_LISTS = {
    "goods": Goods,
    "directions": Direction,
    "industries": Industry,
    "siding_statuses": SidingStatus,
    "ultra_low_statuses": UltraLowStatus,
    "numerator_modes": Mode,
    "denominator_modes": Mode,
}
TARGET_KINDS = frozenset({"share", "siding_obligation", "city_share", "city_siding_connection"})
_TARGET_FIELDS = ("rule_code", "jurisdiction", "kind", "ratio_code", "goods", "directions", "industries",
                  "siding_statuses", "ultra_low_statuses", "urban_fringe", "threshold", "effective_from",
                  "effective_to", "note")


def load_targets_file(filename: str = "targets.yaml") -> dict[str, Any]:
    """Read targets.yaml and check every listed term; ValueError naming the entry and field otherwise."""
    data = yaml.safe_load(resources.files("railshift").joinpath(filename).read_text(encoding="utf-8"))
    for section in ("ratio_definitions", "targets"):
        for entry in data.get(section) or []:
            for name, enum in _LISTS.items():
                unknown = set(entry.get(name) or []) - {member.value for member in enum}
                if unknown:
                    raise ValueError(f"{filename} {section} {entry.get('key') or entry.get('code')}: "
                                     f"{name} has unknown values {sorted(unknown)}")
    if not isinstance(data.get("carry_forward", False), bool):
        raise ValueError(f"{filename}: carry_forward must be true or false")
    ratio_codes = {r["code"] for r in data.get("ratio_definitions") or []}
    for target in data.get("targets") or []:
        if target["kind"] not in TARGET_KINDS:
            raise ValueError(f"{filename} target {target['key']}: kind must be one of {sorted(TARGET_KINDS)}")
        if target["kind"] in ("share", "city_share") and target.get("ratio_code") not in ratio_codes:
            name = target.get("ratio_code")
            raise ValueError(f"{filename} target {target['key']}: ratio_code {name!r} is not defined")
    return data


def _upsert(db_session: Session, model: type, key: dict[str, Any], values: dict[str, Any]) -> str:
    row = db_session.scalars(select(model).filter_by(**key)).one_or_none()
    if row is None:
        db_session.add(model(**key, **values))
        return "added"
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    return "updated" if changed else "unchanged"


def seed_targets(db_session: Session, data: dict[str, Any] | None = None) -> dict[str, int]:
    """Upsert the ratio definitions, targets and parameters of targets.yaml; safe to run again."""
    data = data or load_targets_file()
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    for entry in data.get("ratio_definitions") or []:
        values = {k: entry.get(k) for k in ("name_zh", "numerator_modes", "denominator_modes", "goods", "source",
                                            "description")}
        counts[_upsert(db_session, RatioDefinition, {"code": entry["code"]}, values)] += 1
    db_session.flush()
    for entry in data.get("targets") or []:
        values = {k: entry.get(k) for k in _TARGET_FIELDS}
        values["note"] = values["note"] or ""
        if values["threshold"] is not None:
            values["threshold"] = Decimal(str(values["threshold"]))
        counts[_upsert(db_session, Target, {"key": entry["key"]}, values)] += 1
    for entry in data.get("parameters") or []:
        effective_from = entry["effective_from"]
        if not isinstance(effective_from, date):
            effective_from = date.fromisoformat(str(effective_from))
        values = {"value": Decimal(str(entry["value"])), "unit": entry["unit"], "source": entry["source"],
                  "effective_to": entry.get("effective_to")}
        counts[_upsert(db_session, Parameter, {"code": entry["code"], "effective_from": effective_from}, values)] += 1
    db_session.flush()
    return counts


def seed_all() -> dict[str, int]:
    """seed_targets in its own transaction (the CLI and the demo use it)."""
    with unit_of_work() as db_session:
        return seed_targets(db_session)
