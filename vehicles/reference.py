"""Reference data shipped as YAML: the stage inference table and the phase-out plans, synced idempotently."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.vocab import EmissionStage, Fuel, VehicleClass
from vehicles.machinery_terms import zone_rows
from vehicles.models import LowEmissionZone, PhaseoutPlan, StageInferenceRule


def _yaml(name: str) -> list[dict[str, Any]]:
    return yaml.safe_load(resources.files("vehicles").joinpath(name).read_text(encoding="utf-8")) or []


def _check_terms(row: dict[str, Any], where: str) -> None:
    for name, vocabulary in (("fuels", Fuel), ("classes", VehicleClass)):
        for term in str(row[name]).split(","):
            if term.strip() != "*" and term.strip() not in vocabulary._value2member_map_:
                raise ValueError(f"{where}: {name} has unknown term {term!r}")
    stage = row.get("emission_stage") or row.get("max_stage")
    EmissionStage(stage)


def inference_rows() -> list[dict[str, Any]]:
    """vehicles/stage_inference.yaml, checked."""
    rows = _yaml("stage_inference.yaml")
    for index, row in enumerate(rows, 1):
        _check_terms(row, f"stage_inference.yaml row {index}")
    return rows


def plan_rows() -> list[dict[str, Any]]:
    """vehicles/phaseout_plans.yaml, checked."""
    rows = _yaml("phaseout_plans.yaml")
    for row in rows:
        _check_terms(row, f"phaseout_plans.yaml {row['code']}")
    return rows


def sync_reference(session: Session) -> dict[str, int]:
    """Insert rows missing from the tables and update changed ones (never deletes); returns counts."""
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    existing_rules = {(r.fuels, r.classes, r.registered_from): r for r in session.scalars(select(StageInferenceRule))}
    for row in inference_rows():
        _merge(
            session,
            StageInferenceRule,
            existing_rules.get((row["fuels"], row["classes"], row["registered_from"])),
            row,
            counts,
        )
    existing_plans = {p.code: p for p in session.scalars(select(PhaseoutPlan))}
    for row in plan_rows():
        _merge(session, PhaseoutPlan, existing_plans.get(row["code"]), row, counts)
    session.flush()
    return counts


def sync_zones(session: Session) -> dict[str, int]:
    """The machinery low-emission zones of vehicles/machinery_zones.yaml, synced like the tables above."""
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    existing = {z.zone_id: z for z in session.scalars(select(LowEmissionZone))}
    for row in zone_rows():
        _merge(session, LowEmissionZone, existing.get(row["zone_id"]), row, counts)
    session.flush()
    return counts


def seed_reference(session: Session) -> dict[str, int]:
    """Every reference table (what `lantian policy seed` and `lantian vehicles reference` load).

    vehi_0002 calls sync_reference alone: the zone table only exists from vehi_0004 on.
    """
    counts = sync_reference(session)
    for key, value in sync_zones(session).items():
        counts[key] += value
    return counts


def _merge(session: Session, model: type, stored: Any, row: dict[str, Any], counts: dict[str, int]) -> None:
    if stored is None:
        session.add(model(**row))
        counts["added"] += 1
        return
    changed = {k: v for k, v in row.items() if getattr(stored, k) != v}
    for key, value in changed.items():
        setattr(stored, key, value)
    counts["updated" if changed else "unchanged"] += 1

