"""Registry queries: find by plate and colour, search with keyset pagination, the inference table."""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.pagination import Page, keyset_page
from vehicles.models import StageInferenceRule, Vehicle, VehicleEvent
from vehicles.rules import InferenceRow, load_inference_rows


def find_vehicle(session: Session, plate: str, colour: str, *, for_update: bool = False) -> Vehicle | None:
    """The vehicle with this normalised plate and colour, if registered."""
    query = select(Vehicle).where(Vehicle.plate == plate, Vehicle.plate_colour == colour)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def inference_table(session: Session) -> list[InferenceRow]:
    """The stage inference table, as pure rows."""
    return load_inference_rows(session.scalars(select(StageInferenceRule).order_by(StageInferenceRule.id)))


def search_vehicles(session: Session, filters: dict[str, Any], limit: int, cursor: str | None) -> Page[Vehicle]:
    """Vehicles matching every filter given, ordered by plate and colour."""
    query = select(Vehicle)
    prefix = filters.get("plate_prefix")
    if prefix:
        prefix = unicodedata.normalize("NFKC", prefix).strip().upper().replace(" ", "")
        query = query.where(Vehicle.plate.startswith(prefix, autoescape=True))
    for name in ("owner_uscc", "owner_person_hash", "district_code", "emission_stage", "fuel", "status",
                 "body_type", "vehicle_class", "operating", "stage_inferred"):  # fmt: skip
        if filters.get(name) is not None:
            query = query.where(getattr(Vehicle, name) == filters[name])
    return keyset_page(session, query, [Vehicle.plate, Vehicle.plate_colour], limit, cursor)


def vehicle_history(session: Session, vehicle_id: int) -> list[VehicleEvent]:
    """A vehicle's dated history, oldest first."""
    query = select(VehicleEvent).where(VehicleEvent.vehicle_id == vehicle_id).order_by(VehicleEvent.id)
    return list(session.scalars(query))
