"""/api/v1/vehicles: create, upsert by plate + colour, get, search, status changes, stage upgrades, history."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView

from shared.api import Blueprint, ProblemSchema
from shared.auth import Role, current_principal, require_role
from shared.db import session
from shared.errors import NotFound, ValidationFailed
from shared.pagination import page_schema
from vehicles import parsing
from vehicles.commands.registry import ChangeStatus, UpgradeStage, UpsertVehicle
from vehicles.daos.registry import find_vehicle, search_vehicles, vehicle_history
from vehicles.rules import person_hash
from vehicles.schemas.registry import (
    StageUpgradeSchema,
    StatusChangeSchema,
    VehicleEventSchema,
    VehicleInSchema,
    VehicleQuerySchema,
    VehicleSchema,
    VehicleUpsertSchema,
)

blp = Blueprint("vehicles", __name__, url_prefix="/api/v1/vehicles", description="The vehicle registry")

READERS = (Role.ENVIRONMENT, Role.TRANSPORT, Role.POLICE, Role.SERVICE)
# issue 9: police check the registry but change no fact in it (their own checks and roadside tests are theirs)
WRITERS = (Role.TRANSPORT, Role.ENVIRONMENT)


def _secret() -> str:
    return current_app.extensions["lantian.settings"].secret_key


def _key(plate: str, colour: str) -> tuple[str, str]:
    """The normalised plate and colour named in the URL; 422 naming the path parameter."""
    errors = []
    try:
        plate = parsing.plate(plate)[0]
    except ValueError as exc:
        errors.append({"field": "plate", "reason": str(exc), "in": "path"})
    try:
        colour = parsing.plate_colour(colour)
    except ValueError as exc:
        errors.append({"field": "colour", "reason": str(exc), "in": "path"})
    if errors:
        raise ValidationFailed("; ".join(f"{e['field']}: {e['reason']}" for e in errors), errors=errors)
    return plate, colour


@blp.route("")
class Vehicles(MethodView):
    """Search and register vehicles."""

    @blp.arguments(VehicleQuerySchema(), location="query")
    @blp.response(200, page_schema(VehicleSchema, "VehiclePage"))
    @require_role(*READERS)
    def get(self, args: dict[str, Any]) -> Any:
        """Search by plate prefix, owner, district, stage, fuel, status (keyset pagination)."""
        person = args.pop("owner_person_id", None)
        if person:
            args["owner_person_hash"] = person_hash(_secret(), person)
        return search_vehicles(session(), args, args.pop("limit"), args.pop("cursor"))

    @blp.arguments(VehicleInSchema())
    @blp.response(201, VehicleSchema)
    @blp.alt_response(200, schema=VehicleSchema, description="the same vehicle was already registered")
    @blp.alt_response(409, schema=ProblemSchema, description="registered already with other facts")
    @require_role(*WRITERS)
    def post(self, facts: dict[str, Any]) -> Any:
        """Register a vehicle; sending the same one again returns it (200)."""
        vehicle, created = UpsertVehicle(facts, _secret(), current_principal().name, create_only=True).run()
        return vehicle, 201 if created else 200


@blp.route("/<plate>/<colour>")
class VehicleByPlate(MethodView):
    """One vehicle by plate and plate colour."""

    @blp.response(200, VehicleSchema)
    @require_role(*READERS)
    def get(self, plate: str, colour: str) -> Any:
        """One vehicle by plate and plate colour."""
        plate, colour = _key(plate, colour)
        vehicle = find_vehicle(session(), plate, colour)
        if vehicle is None:
            raise NotFound(f"no vehicle {plate} ({colour}) is registered")
        return vehicle

    @blp.arguments(VehicleUpsertSchema())
    @blp.response(200, VehicleSchema)
    @blp.alt_response(201, schema=VehicleSchema, description="created")
    @require_role(*WRITERS)
    def put(self, facts: dict[str, Any], plate: str, colour: str) -> Any:
        """Create or update the vehicle with this plate and colour (idempotent)."""
        url_plate = plate
        plate, colour = _key(plate, colour)
        body_plate = facts.get("plate")
        if body_plate and body_plate[0] != plate:
            raise ValidationFailed(
                f"the body's plate {body_plate[0]} is not the plate in the URL ({plate})",
                errors=[{"field": "plate", "reason": f"must match the URL's {plate}"}],
            )
        if facts.get("plate_colour", colour) != colour:
            raise ValidationFailed(
                "the body's plate colour is not the one in the URL",
                errors=[{"field": "plate_colour", "reason": f"must match the URL's {colour}"}],
            )
        facts = {**facts, "plate": body_plate or (plate, url_plate.strip()), "plate_colour": colour}
        vehicle, created = UpsertVehicle(facts, _secret(), current_principal().name).run()
        return vehicle, 201 if created else 200


@blp.route("/<plate>/<colour>/status")
class VehicleStatusChange(MethodView):
    """Dated status changes of a vehicle."""

    @blp.arguments(StatusChangeSchema())
    @blp.response(201, VehicleSchema)
    @blp.alt_response(200, schema=VehicleSchema, description="the same change was already recorded")
    @blp.alt_response(409, schema=ProblemSchema, description="the current status is final")
    @require_role(*WRITERS)
    def post(self, change: dict[str, Any], plate: str, colour: str) -> Any:
        """Change the status on a date, with a reason; dates before registration are refused."""
        plate, colour = _key(plate, colour)
        command = ChangeStatus(
            plate, colour, change["status"], change["effective_date"], change["reason"], current_principal().name
        )
        vehicle, created = command.run()
        return vehicle, 201 if created else 200


@blp.route("/<plate>/<colour>/stage-upgrades")
class VehicleStageUpgrade(MethodView):
    """Re-registrations of a vehicle at a higher stage."""

    @blp.arguments(StageUpgradeSchema())
    @blp.response(201, VehicleSchema)
    @blp.alt_response(200, schema=VehicleSchema, description="the same upgrade was already recorded")
    @require_role(*WRITERS)
    def post(self, upgrade: dict[str, Any], plate: str, colour: str) -> Any:
        """Record a re-registration at a higher emission stage (the phase-out counts it as eliminated)."""
        plate, colour = _key(plate, colour)
        command = UpgradeStage(
            plate,
            colour,
            upgrade["emission_stage"],
            upgrade["effective_date"],
            upgrade["reason"],
            current_principal().name,
        )
        vehicle, created = command.run()
        return vehicle, 201 if created else 200


@blp.route("/<plate>/<colour>/history")
@blp.response(200, VehicleEventSchema(many=True))
@require_role(*READERS)
def history(plate: str, colour: str) -> Any:
    """The vehicle's dated status changes and stage upgrades, oldest first."""
    plate, colour = _key(plate, colour)
    vehicle = find_vehicle(session(), plate, colour)
    if vehicle is None:
        raise NotFound(f"no vehicle {plate} ({colour}) is registered")
    return vehicle_history(session(), vehicle.id)
