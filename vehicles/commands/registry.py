"""Registry commands: create or upsert a vehicle, change its status, record a stage upgrade."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from shared.db import unit_of_work, utcnow
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.timeutil import local_date
from shared.vocab import EmissionStage
from vehicles.daos.changes import append_changes, vehicle_key, vehicle_record
from vehicles.daos.registry import find_vehicle, inference_table
from vehicles.models import Vehicle, VehicleEvent
from vehicles.rules import InferenceRow, StatusState, change_status, infer_stage, merge_stage, person_hash
from vehicles.terms import VehicleStatus

UPSERTED = "vehicle.upserted"
STATUS_CHANGED = "vehicle.status_changed"
# History kind of a change of the operating (营运) flag; in the feed it is a vehicle.upserted like any fact.
OPERATING_CHANGED = "operating_changed"
OPERATING_REASON = "a registry record changed the operating (营运) flag"

# Columns a PUT or an import row sets; anything else (status, history-derived columns) has its own command.
FACT_COLUMNS = (
    "plate_raw", "vin", "vehicle_class", "body_type", "fuel", "emission_stage", "stage_inferred",
    "inference_rule_id", "operating", "owner_uscc", "owner_person_hash", "owner_person_tail", "district_code",
    "registration_date", "scrap_deadline", "replaces_plate", "replaces_plate_colour",
)  # fmt: skip


STATE_COLUMNS = ("status", "status_date", "stage_upgraded_on", "prior_stage")


def fact_values(facts: dict[str, Any], table: Sequence[InferenceRow], secret_key: str) -> dict[str, Any]:
    """Column values of a vehicle from parsed facts: stage recorded or inferred, person id hashed."""
    plate, plate_raw = facts["plate"]
    if "emission_stage" in facts:
        stage, inferred, rule_id = facts["emission_stage"], False, None
    else:
        stage, rule_id = infer_stage(table, facts["fuel"], facts["vehicle_class"], facts["registration_date"])
        inferred = stage is not None
    person = facts.get("owner_person_id")
    return {
        "plate": plate,
        "plate_colour": facts["plate_colour"],
        "plate_raw": plate_raw,
        "vin": facts.get("vin"),
        "vehicle_class": facts["vehicle_class"],
        "body_type": facts["body_type"],
        "fuel": facts["fuel"],
        "emission_stage": stage,
        "stage_inferred": inferred,
        "inference_rule_id": rule_id,
        "operating": facts["operating"],
        "owner_uscc": facts.get("owner_uscc"),
        "owner_person_hash": person_hash(secret_key, person) if person else None,
        "owner_person_tail": person[-4:] if person else None,
        "district_code": facts["district_code"],
        "registration_date": facts["registration_date"],
        "scrap_deadline": facts.get("scrap_deadline"),
        "replaces_plate": facts.get("replaces_plate"),
        "replaces_plate_colour": facts.get("replaces_plate_colour"),
    }


def initial_status(facts: dict[str, Any]) -> dict[str, Any]:
    """Status columns of a new vehicle: active from registration unless the record says otherwise."""
    registered = facts["registration_date"]
    status = VehicleStatus(facts.get("status", VehicleStatus.ACTIVE))
    day = facts.get("status_date") or registered
    state = StatusState(VehicleStatus.ACTIVE.value, registered, None, None)
    if status != VehicleStatus.ACTIVE:
        state = change_status(state, registered, status, day)
    return {
        "status": state.status,
        "status_date": state.status_date,
        "out_of_service_on": state.out_of_service_on,
        "left_on": state.left_on,
    }


def updated_facts(stored: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The columns that change when `values` arrive for a stored vehicle (empty: nothing to do)."""
    merged = dict(values)
    stage, inferred = merge_stage(
        stored["emission_stage"], stored["stage_inferred"], values["emission_stage"], values["stage_inferred"]
    )
    if (stage, inferred) != (values["emission_stage"], values["stage_inferred"]):
        merged.update(emission_stage=stage, stage_inferred=inferred, inference_rule_id=stored["inference_rule_id"])
    upgraded = stored.get("stage_upgraded_on") is not None
    stale = merged["stage_inferred"] or merged["emission_stage"] == stored.get("prior_stage")
    if upgraded and stale and stored["emission_stage"] != merged["emission_stage"]:
        # an upgrade on record outranks an inference, and a record from before the upgrade does not undo it
        merged.update(emission_stage=stored["emission_stage"], stage_inferred=False, inference_rule_id=None)
    return {name: merged[name] for name in FACT_COLUMNS if stored[name] != merged[name]}


def operating_word(flag: bool) -> str:
    """How the history spells the operating flag (from_value / to_value)."""
    return "operating" if flag else "non_operating"


def operating_event(vehicle_id: int, before: bool, after: bool, day: date, actor: str, now: Any) -> dict[str, Any]:
    """The history row of a change of the operating flag (bulk paths insert these as dicts)."""
    return {"vehicle_id": vehicle_id, "kind": OPERATING_CHANGED, "effective_date": day,
            "from_value": operating_word(before), "to_value": operating_word(after), "reason": OPERATING_REASON,
            "recorded_at": now, "recorded_by": actor}  # fmt: skip


def city_today() -> date:
    """Today in the city (the day a change with no date of its own is dated)."""
    return local_date(utcnow())


def status_conflict(stored: dict[str, Any], facts: dict[str, Any]) -> str | None:
    """Why a record's status cannot be taken as is for an existing vehicle (statuses change with a date)."""
    if "status" in facts and facts["status"] != stored["status"]:
        return (
            f"the vehicle is {stored['status']} since {stored['status_date']}; change its status with "
            "POST /api/v1/vehicles/{plate}/{colour}/status (date and reason)"
        )
    return None


@dataclass
class UpsertVehicle:
    """Create a vehicle, or bring a registered one up to date (PUT semantics; `create_only` for POST)."""

    facts: dict[str, Any]
    secret_key: str
    actor: str
    create_only: bool = False

    def run(self) -> tuple[Vehicle, bool]:
        """Run the command."""
        for attempt in range(2):
            try:
                return self._run()
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _run(self) -> tuple[Vehicle, bool]:
        with unit_of_work() as session:
            values = fact_values(self.facts, inference_table(session), self.secret_key)
            vehicle = find_vehicle(session, values["plate"], values["plate_colour"], for_update=True)
            if vehicle is None:
                vehicle = Vehicle(**values, **initial_status(self.facts))
                session.add(vehicle)
                session.flush()
                if vehicle.status != VehicleStatus.ACTIVE:
                    session.add(
                        _event(
                            vehicle,
                            "status_changed",
                            vehicle.status_date,
                            None,
                            vehicle.status,
                            "status on the first registry record",
                            self.actor,
                        )
                    )
                append_changes(session, [(UPSERTED, vehicle_key(vehicle), vehicle_record(vehicle))])
                return vehicle, True
            stored = {name: getattr(vehicle, name) for name in (*FACT_COLUMNS, *STATE_COLUMNS)}
            reason = status_conflict(stored, self.facts)
            if reason:
                raise Conflict(reason, errors=[{"field": "status", "reason": "differs from the registry"}])
            changes = updated_facts(stored, values)
            if changes and self.create_only:
                raise Conflict(
                    f"{vehicle.plate} ({vehicle.plate_colour}) is already registered with other facts; "
                    "use PUT to update it",
                    errors=[{"field": name, "reason": "differs from the registered vehicle"} for name in changes],
                )
            if "operating" in changes:
                day = self._operating_day(session, vehicle)
                session.add(VehicleEvent(**operating_event(vehicle.id, vehicle.operating, changes["operating"], day,
                                                           self.actor, utcnow())))
            if changes:
                for name, value in changes.items():
                    setattr(vehicle, name, value)
                vehicle.updated_at = utcnow()
                session.flush()
                append_changes(session, [(UPSERTED, vehicle_key(vehicle), vehicle_record(vehicle))])
            return vehicle, False

    def _operating_day(self, session: Any, vehicle: Vehicle) -> date:
        """The day the operating flag changed: `operating_changed_on` if sent, else today; never before the
        registration or the last recorded change of the flag, never in the future (422 naming the field)."""
        today = city_today()
        day = self.facts.get("operating_changed_on") or today
        last = session.scalar(select(func.max(VehicleEvent.effective_date)).where(
            VehicleEvent.vehicle_id == vehicle.id, VehicleEvent.kind == OPERATING_CHANGED))
        limits = [(day < vehicle.registration_date, f"before the registration date {vehicle.registration_date}"),
                  (last is not None and day < last, f"before the last change of the flag on {last}"),
                  (day > today, f"after today ({today})")]
        for broken, reason in limits:
            if broken:
                raise ValidationFailed(f"operating_changed_on: {reason}",
                                       errors=[{"field": "operating_changed_on", "reason": reason}])
        return day


def _event(vehicle: Vehicle, kind: str, day: date, before: str | None, after: str, reason: str, actor: str) -> Any:
    return VehicleEvent(
        vehicle_id=vehicle.id,
        kind=kind,
        effective_date=day,
        from_value=before,
        to_value=after,
        reason=reason,
        recorded_by=actor,
    )


def _existing(session: Any, plate: str, colour: str) -> Vehicle:
    vehicle = find_vehicle(session, plate, colour, for_update=True)
    if vehicle is None:
        raise NotFound(f"no vehicle {plate} ({colour}) is registered")
    return vehicle


@dataclass
class ChangeStatus:
    """A dated status change with its reason; the history keeps every one. Retrying the same change is a no-op."""

    plate: str
    colour: str
    status: str
    effective_date: date
    reason: str
    actor: str

    def run(self) -> tuple[Vehicle, bool]:
        """Run the command."""
        with unit_of_work() as session:
            vehicle = _existing(session, self.plate, self.colour)
            if vehicle.status == self.status and vehicle.status_date == self.effective_date:
                return vehicle, False
            before = StatusState(vehicle.status, vehicle.status_date, vehicle.out_of_service_on, vehicle.left_on)
            after = change_status(before, vehicle.registration_date, VehicleStatus(self.status), self.effective_date,
                                  today=city_today())
            session.add(
                _event(
                    vehicle,
                    "status_changed",
                    self.effective_date,
                    vehicle.status,
                    after.status,
                    self.reason,
                    self.actor,
                )
            )
            vehicle.status, vehicle.status_date = after.status, after.status_date
            vehicle.out_of_service_on, vehicle.left_on = after.out_of_service_on, after.left_on
            vehicle.updated_at = utcnow()
            session.flush()
            append_changes(session, [(STATUS_CHANGED, vehicle_key(vehicle), vehicle_record(vehicle))])
            return vehicle, True


@dataclass
class UpgradeStage:
    """Re-registration at a higher emission stage (engine replaced or retrofitted), dated; history kept."""

    plate: str
    colour: str
    emission_stage: str
    effective_date: date
    reason: str
    actor: str

    def run(self) -> tuple[Vehicle, bool]:
        """Run the command."""
        with unit_of_work() as session:
            vehicle = _existing(session, self.plate, self.colour)
            if vehicle.emission_stage == self.emission_stage and vehicle.stage_upgraded_on == self.effective_date:
                return vehicle, False
            self._check(vehicle)
            session.add(
                _event(
                    vehicle,
                    "stage_upgraded",
                    self.effective_date,
                    vehicle.emission_stage,
                    self.emission_stage,
                    self.reason,
                    self.actor,
                )
            )
            vehicle.prior_stage, vehicle.emission_stage = vehicle.emission_stage, self.emission_stage
            vehicle.stage_upgraded_on, vehicle.stage_inferred, vehicle.inference_rule_id = (
                self.effective_date,
                False,
                None,
            )
            vehicle.updated_at = utcnow()
            session.flush()
            append_changes(session, [(UPSERTED, vehicle_key(vehicle), vehicle_record(vehicle))])
            return vehicle, True

    def _check(self, vehicle: Vehicle) -> None:
        field = "effective_date"
        if self.effective_date < vehicle.registration_date:
            raise ValidationFailed(
                f"the upgrade is dated before the registration on {vehicle.registration_date}",
                errors=[{"field": field, "reason": f"before the registration date {vehicle.registration_date}"}],
            )
        if vehicle.stage_upgraded_on and self.effective_date < vehicle.stage_upgraded_on:
            raise ValidationFailed(
                "the upgrade is dated before the vehicle's last upgrade",
                errors=[{"field": field, "reason": f"before the last upgrade on {vehicle.stage_upgraded_on}"}],
            )
        if vehicle.status != VehicleStatus.ACTIVE:
            raise Conflict(
                f"the vehicle is {vehicle.status}; only an active vehicle can be re-registered at a higher stage",
                errors=[{"field": "status", "reason": f"vehicle is {vehicle.status}"}],
            )
        current = vehicle.emission_stage
        if current is not None and EmissionStage(self.emission_stage).rank <= EmissionStage(current).rank:
            raise ValidationFailed(
                f"{self.emission_stage} is not higher than the current stage {current}",
                errors=[{"field": "emission_stage", "reason": f"must be higher than {current}"}],
            )
