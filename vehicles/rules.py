"""Pure rules of the registry: stage inference, stage merging, status transitions, phase-out arithmetic."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from shared.errors import Conflict, ValidationFailed
from shared.vocab import EmissionStage, Fuel
from vehicles.terms import FINAL_STATUSES, LEAVING_STATUSES, VehicleStatus

# Vehicles with no exhaust: no emission stage applies, so none is inferred.
NO_EXHAUST_FUELS = frozenset({Fuel.BATTERY_ELECTRIC, Fuel.FUEL_CELL})


@dataclass(frozen=True)
class InferenceRow:
    """One row of the stage inference table, as the rules use it."""

    id: int
    fuels: frozenset[str]  # empty = any
    classes: frozenset[str]  # empty = any
    registered_from: date | None
    registered_to: date | None
    emission_stage: str

    @property
    def specificity(self) -> int:
        """How many of fuels and classes the row names (more wins)."""
        return bool(self.fuels) + bool(self.classes)

    def matches(self, fuel: str, vehicle_class: str, registered: date) -> bool:
        """Whether the row applies to this fuel, class and registration date."""
        return (
            (not self.fuels or fuel in self.fuels)
            and (not self.classes or vehicle_class in self.classes)
            and (self.registered_from is None or registered >= self.registered_from)
            and (self.registered_to is None or registered < self.registered_to)
        )


def split_terms(text: str) -> frozenset[str]:
    """'diesel,natural_gas' -> {'diesel', 'natural_gas'}; '*' -> {} (any)."""
    parts = frozenset(p.strip() for p in text.split(",") if p.strip())
    return frozenset() if parts == {"*"} else parts


def infer_stage(
    table: Sequence[InferenceRow], fuel: str, vehicle_class: str, registered: date
) -> tuple[str | None, int | None]:
    """The stage the inference table assigns (and the row's id), or (None, None) for electric or no match."""
    if fuel in NO_EXHAUST_FUELS:
        return None, None
    best: InferenceRow | None = None
    for row in table:
        if row.matches(fuel, vehicle_class, registered) and (best is None or row.specificity > best.specificity):
            best = row
    return (best.emission_stage, best.id) if best else (None, None)


def merge_stage(
    stored_stage: str | None, stored_inferred: bool, incoming_stage: str | None, incoming_inferred: bool
) -> tuple[str | None, bool]:
    """The stage to keep when new facts arrive: a recorded stage is never replaced by an inferred one."""
    if incoming_inferred and stored_stage is not None and not stored_inferred:
        return stored_stage, False
    return incoming_stage, incoming_inferred


def stage_at(current: str | None, prior: str | None, upgraded_on: date | None, day: date) -> str | None:
    """The stage a vehicle had on `day`, given its latest upgrade (prior stage until the upgrade date)."""
    if upgraded_on is not None and upgraded_on > day:
        return prior
    return current


@dataclass(frozen=True)
class StatusState:
    """The status columns of a vehicle, before or after a change."""

    status: str
    status_date: date
    out_of_service_on: date | None
    left_on: date | None


def change_status(state: StatusState, registered: date, new_status: VehicleStatus, day: date,
                  today: date | None = None) -> StatusState:
    """Apply a dated status change; 422 if dated before registration or the current status, or after `today`
    when given (a status records what happened; none is scheduled ahead), 409 if final."""
    if today is not None and day > today:
        raise ValidationFailed(f"effective_date: after today ({today})",
                               errors=[{"field": "effective_date", "reason": f"after today ({today})"}])
    if day < registered:
        raise ValidationFailed(
            f"the status change is dated {day}, before the vehicle's registration on {registered}",
            errors=[{"field": "effective_date", "reason": f"before the registration date {registered}"}],
        )
    if day < state.status_date:
        raise ValidationFailed(
            f"the status change is dated {day}, before the current status ({state.status}) of {state.status_date}",
            errors=[{"field": "effective_date", "reason": f"before the current status date {state.status_date}"}],
        )
    if state.status in FINAL_STATUSES:
        raise Conflict(
            f"the vehicle is {state.status} since {state.status_date}; that status is final",
            errors=[{"field": "status", "reason": f"no change allowed from {state.status}"}],
        )
    if new_status == VehicleStatus.ACTIVE:
        return StatusState(new_status.value, day, None, None)
    out_of_service = state.out_of_service_on or day
    left = state.left_on or (day if new_status in LEAVING_STATUSES else None)
    return StatusState(new_status.value, day, out_of_service, left)


def stages_at_most(max_stage: str) -> list[str]:
    """Every stage value at most `max_stage` (国三 -> 国0..国三), for IN clauses."""
    ceiling = EmissionStage(max_stage)
    return [s.value for s in EmissionStage if s.at_most(ceiling)]


def percent(part: int, whole: int) -> float | None:
    """part / whole as a percentage rounded to 0.01, or None when there is nothing to divide by."""
    return round(100.0 * part / whole, 2) if whole else None


def days_to_deadline(deadline: date | None, day: date) -> int | None:
    """Days left until the deadline (0 on the day itself, negative once it has passed)."""
    return None if deadline is None else (deadline - day).days


def overdue(deadline: date | None, day: date, remaining: int) -> int:
    """After the deadline day every remaining vehicle is overdue."""
    return remaining if deadline is not None and day > deadline else 0


# ---- person owners --------------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def validate_person_id(value: str) -> str:
    """A resident identity number (居民身份证号码, GB 11643): 17 digits and a check character; ValueError says why."""
    text = value.strip().upper()
    if len(text) != 18:
        raise ValueError(f"a resident id has 18 characters; got {len(text)}")
    if not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise ValueError("a resident id is 17 digits followed by a digit or X")
    expected = _ID_CHECK[sum(int(c) * w for c, w in zip(text[:17], _ID_WEIGHTS, strict=True)) % 11]
    if text[17] != expected:
        raise ValueError(f"check character should be {expected!r} but is {text[17]!r}")
    return text


def person_hash(secret_key: str, person_id: str) -> str:
    """A keyed hash of a person's id: finds their vehicles again without storing the id."""
    return hmac.new(secret_key.encode(), person_id.encode(), hashlib.sha256).hexdigest()


def mask_person(tail: str | None) -> str | None:
    """How a person owner is shown: only the last four characters."""
    return None if tail is None else f"**************{tail}"


def load_inference_rows(rows: Iterable[object]) -> list[InferenceRow]:
    """InferenceRow values from StageInferenceRule models."""
    return [
        InferenceRow(
            r.id, split_terms(r.fuels), split_terms(r.classes), r.registered_from, r.registered_to, r.emission_stage
        )  # type: ignore[attr-defined]
        for r in rows
    ]
