"""Field parsers shared by the JSON schemas and the bulk importer: one reading of every vehicle field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from shared.identifiers import (
    InvalidIdentifier,
    normalise_plate,
    parse_plate_colour,
    validate_division_code,
    validate_uscc,
    validate_vin,
)
from shared.timeutil import zone
from shared.vocab import UnknownTerm, parse_emission_stage, parse_fuel, parse_vehicle_class
from vehicles.rules import validate_person_id
from vehicles.terms import parse_body_type, parse_status

_TRUE = {"true", "1", "yes", "y", "是", "营运", "operating"}
_FALSE = {"false", "0", "no", "n", "否", "非营运", "non-operating", "non_operating"}


def _reason(exc: Exception) -> str:
    if isinstance(exc, InvalidIdentifier):
        return exc.reason
    return str(exc)


def plate(value: Any) -> tuple[str, str]:
    """(normalised plate, raw text); ValueError listing what is wrong with the plate's shape."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("a plate is required")
    parsed = normalise_plate(value)
    if not parsed.valid:
        raise ValueError("; ".join(parsed.problems))
    return parsed.normalised, value.strip()


def plate_colour(value: Any) -> str:
    """A plate colour name (blue, yellow, 黄 ...)."""
    try:
        return parse_plate_colour(value).value
    except InvalidIdentifier as exc:
        raise ValueError(exc.reason) from exc


def vin(value: Any) -> str:
    """A 17-character VIN with a correct check digit."""
    try:
        return validate_vin(str(value))
    except InvalidIdentifier as exc:
        raise ValueError(exc.reason) from exc


def uscc(value: Any) -> str:
    """A unified social credit code with a correct check character."""
    try:
        return validate_uscc(str(value))
    except InvalidIdentifier as exc:
        raise ValueError(exc.reason) from exc


def division(value: Any) -> str:
    """A six-digit GB/T 2260 division code."""
    try:
        return validate_division_code(value)
    except InvalidIdentifier as exc:
        raise ValueError(exc.reason) from exc


def stage(value: Any) -> str | None:
    """An emission stage ('国四', 'china_4', '4'); None for 'D' (electric)."""
    try:
        parsed = parse_emission_stage(value)
    except UnknownTerm as exc:
        raise ValueError(str(exc)) from exc
    return None if parsed is None else parsed.value


def exhaust_stage(value: Any) -> str:
    """An emission stage that must be one (an upgrade cannot be to 'D', electric)."""
    parsed = stage(value)
    if parsed is None:
        raise ValueError("must be an exhaust stage 国0…国6b, not D (electric)")
    return parsed


def fuel(value: Any) -> str:
    """A fuel ('diesel', '柴油', 'LNG' ...)."""
    try:
        return parse_fuel(value).value
    except UnknownTerm as exc:
        raise ValueError(str(exc)) from exc


def vehicle_class(value: Any) -> str:
    """A vehicle class ('N3', '重型货车' ...)."""
    try:
        return parse_vehicle_class(value).value
    except UnknownTerm as exc:
        raise ValueError(str(exc)) from exc


def body_type(value: Any) -> str:
    """A body/use type ('tractor', '渣土车' ...)."""
    return parse_body_type(value).value


def status(value: Any) -> str:
    """A registry status ('active', '报废' ...)."""
    return parse_status(value).value


def boolean(value: Any) -> bool:
    """true/false, 是/否, 营运/非营运, 1/0."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("must be true or false (是/否, 营运/非营运)")


def day(value: Any) -> date:
    """A calendar day, YYYY-MM-DD (a spreadsheet's '2015-06-01 00:00:00' is read as its day)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for candidate in (text, text[:10]):
        try:
            return date.fromisoformat(candidate.replace("/", "-"))
        except ValueError:
            continue
    raise ValueError(f"must be a date like 2015-06-01, got {text!r}")


def other_plate(value: Any) -> str:
    """The normalised form of a plate named in another field (e.g. the plate a vehicle replaced)."""
    return plate(value)[0]


def person_id(value: Any) -> str:
    """A resident identity number with a correct check character."""
    return validate_person_id(str(value))


# field -> (parser, required); order = the order errors are reported in
VEHICLE_FIELDS: dict[str, tuple[Callable[[Any], Any], bool]] = {
    "plate": (plate, True),
    "plate_colour": (plate_colour, True),
    "vin": (vin, False),
    "vehicle_class": (vehicle_class, True),
    "body_type": (body_type, True),
    "fuel": (fuel, True),
    "emission_stage": (stage, False),
    "operating": (boolean, True),
    "owner_uscc": (uscc, False),
    "owner_person_id": (person_id, False),
    "district_code": (division, True),
    "registration_date": (day, True),
    "scrap_deadline": (day, False),
    "status": (status, False),
    "status_date": (day, False),
    "replaces_plate": (other_plate, False),
    "replaces_plate_colour": (plate_colour, False),
}


def parse_vehicle(values: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str, Any]]]:
    """Parse one vehicle's raw values; returns (facts, [(field, reason, value)]) — facts only if no errors."""
    return RowParser().parse(values)


# Fields whose values repeat across a register (colours, classes, dates, owners): parsed once per distinct text.
_MEMO_FIELDS = frozenset(VEHICLE_FIELDS) - {"plate", "vin", "owner_person_id", "replaces_plate"}
_MEMO_LIMIT = 200_000


class RowParser:
    """parse_vehicle for many rows: remembers the reading of repeated values, so a million-row import spends
    its time on what differs per row (plate, VIN)."""

    def __init__(self) -> None:
        self.memo: dict[tuple[str, Any], tuple[bool, Any]] = {}
        self.today = datetime.now(zone()).date()

    def _read(self, name: str, parser: Callable[[Any], Any], raw: Any) -> tuple[bool, Any]:
        if name not in _MEMO_FIELDS:
            try:
                return True, parser(raw)
            except ValueError as exc:
                return False, _reason(exc)
        key = (name, raw)
        found = self.memo.get(key)
        if found is None:
            try:
                found = (True, parser(raw))
            except ValueError as exc:
                found = (False, _reason(exc))
            if len(self.memo) >= _MEMO_LIMIT:
                self.memo.clear()
            self.memo[key] = found
        return found

    def parse(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str, Any]]]:
        """(facts, [(field, reason, value)]) for one row."""
        facts: dict[str, Any] = {}
        errors: list[tuple[str, str, Any]] = []
        for name, (parser, required) in VEHICLE_FIELDS.items():
            raw = values.get(name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                if required:
                    errors.append((name, "is required", raw))
                continue
            ok, result = self._read(name, parser, raw)
            if ok:
                facts[name] = result
            else:
                errors.append((name, result, raw))
        if not errors:
            errors.extend(check_vehicle(facts, self.today))
        return facts, errors


def check_vehicle(facts: Mapping[str, Any], today: date | None = None) -> list[tuple[str, str, Any]]:
    """Rules across fields of one vehicle."""
    errors: list[tuple[str, str, Any]] = []
    if facts.get("owner_uscc") and facts.get("owner_person_id"):
        errors.append(("owner_person_id", "give the owner's credit code or a person id, not both", None))
    registered, scrap = facts.get("registration_date"), facts.get("scrap_deadline")
    if registered and scrap and scrap < registered:
        errors.append(("scrap_deadline", f"is before the registration date {registered}", scrap.isoformat()))
    status_date = facts.get("status_date")
    if registered and status_date and status_date < registered:
        errors.append(("status_date", f"is before the registration date {registered}", status_date.isoformat()))
    if registered and registered > (today or datetime.now(zone()).date()):
        errors.append(("registration_date", "is in the future", registered.isoformat()))
    if bool(facts.get("replaces_plate")) != bool(facts.get("replaces_plate_colour")):
        errors.append(("replaces_plate_colour", "replaces_plate and replaces_plate_colour go together", None))
    return errors
