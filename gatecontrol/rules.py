"""Pure rules of the gate ledger: fingerprints, enrichment, mismatch flags, time windows, alert response."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from shared.query import area_prefix
from shared.timeutil import local_date, zone
from shared.vocab import EmissionStage, Fuel, UnknownTerm, parse_vehicle_class, stage_code

ELECTRIC = "electric"  # the guide's stage code D: no exhaust standard applies
FUTURE_TOLERANCE = timedelta(minutes=5)  # gate clocks drift; more than this ahead is a wrong clock
ALERT_LEVELS = ("blue", "yellow", "orange", "red")  # 蓝 黄 橙 红, level 1..4 as in policy_rules.yaml
HEAVY_CLASSES = frozenset({"N3"})

# The passage fields a gate sends, as stored: input name -> column name.
INPUT_COLUMNS: dict[str, str] = {
    "gate_id": "gate_id",
    "direction": "direction",
    "plate": "plate_raw",
    "plate_colour": "plate_colour",
    "captured_at": "captured_at",
    "vin": "vin",
    "engine_no": "engine_no",
    "registration_date": "registration_date",
    "emission_stage": "reported_stage",
    "fuel": "reported_fuel",
    "vehicle_type": "reported_vehicle_type",
    "goods": "goods",
    "quantity_t": "quantity_t",
    "carrier": "carrier",
    "photos": "photos",
    "backfill": "backfill",
}


def passage_flags(row: Mapping[str, Any]) -> list[str]:
    """The findings a ledger row carries: incomplete plate, unknown vehicle, mismatches, blacklist, backfill."""
    flags = []
    if not row["plate_complete"]:
        flags.append("incomplete_plate")
    if not row["vehicle_known"]:
        flags.append("unknown_vehicle")
    flags.extend(name for name in ("stage_mismatch", "fuel_mismatch", "blacklisted", "backfill") if row[name])
    return flags


# json.dumps builds an encoder per call when given options; this one is built once (same output)
_FINGERPRINT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_AS_IS = frozenset({str, bool, int, type(None)})  # most of a passage's values: checked first, by exact type
_UTC = zone("UTC")


def _canonical(value: Any) -> Any:
    if type(value) in _AS_IS:
        return value
    if isinstance(value, datetime):
        return value.astimezone(_UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def stored_values(passage: Mapping[str, Any]) -> dict[str, Any]:
    """The gate-sent fields of a normalised passage, keyed by input name, in comparable form."""
    values = {}
    for name in INPUT_COLUMNS:
        value = passage.get(name)
        values[name] = value if type(value) in _AS_IS else _canonical(value)  # the call only when needed
    return values


def fingerprint(passage: Mapping[str, Any]) -> str:
    """SHA-256 of the normalised content: the same event sent twice has the same fingerprint."""
    # INPUT_COLUMNS fixes the key order, so the JSON text is canonical without sorting
    raw = _FINGERPRINT_JSON.encode(stored_values(passage))
    return hashlib.sha256(raw.encode()).hexdigest()


def differing_fields(sent: Mapping[str, Any], stored_row: Mapping[str, Any]) -> list[str]:
    """Input field names whose value differs between a new passage and a stored ledger row."""
    mine = stored_values(sent)
    theirs = {name: _canonical(stored_row.get(column)) for name, column in INPUT_COLUMNS.items()}
    return [name for name in INPUT_COLUMNS if mine[name] != theirs[name]]


def capture_window_problem(captured_at: datetime, now: datetime, ledger_months: int) -> str | None:
    """Why a capture time is refused: further back than the ledger is kept, or more than 5 minutes ahead."""
    if captured_at > now + FUTURE_TOLERANCE:
        return f"is more than {int(FUTURE_TOLERANCE.total_seconds() // 60)} minutes in the future; check the gate clock"
    if captured_at < months_before(now, ledger_months):
        return f"is older than the ledger retention of {ledger_months} months"
    return None


@lru_cache(maxsize=64)  # a batch asks it for the same `now` once per passage
def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock instant `months` calendar months earlier (day clamped to the month's end)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    month += 1
    day = min(moment.day, _days_in_month(year, month))
    return moment.replace(year=year, month=month, day=day)


def _days_in_month(year: int, month: int) -> int:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


# ---- enrichment -------------------------------------------------------------------------------------


@dataclass
class Enrichment:
    """The registry facts a passage keeps, and the flags they raise."""

    vehicle_known: bool = False
    registry_stage: str | None = None
    registry_stage_inferred: bool | None = None
    registry_fuel: str | None = None
    registry_class: str | None = None
    blacklisted: bool = False
    banned_reasons: list[str] = field(default_factory=list)
    stage: str | None = None
    fuel: str | None = None
    vehicle_class: str | None = None
    stage_mismatch: bool = False
    fuel_mismatch: bool = False

    def columns(self) -> dict[str, Any]:
        return dict(self.__dict__)


@lru_cache(maxsize=512)
def class_from_gate(vehicle_type: str | None) -> str | None:
    """The vehicle class a gate's free-text type names ("N3", "重型货车"), or None if it names none."""
    if not vehicle_type:
        return None
    try:
        return parse_vehicle_class(vehicle_type).value
    except UnknownTerm:
        return None


def stages_differ(reported: str | None, registry: str | None) -> bool:
    """The gate and the registry disagree on the stage, at the guide's one-character precision.

    The guide's code 6 does not tell 国六a from 国六b, so 6 against china_6b is not a disagreement.
    """
    if reported is None or registry is None:
        return False
    return _code(reported) != _code(registry)


def _code(stage: str) -> str:
    return "D" if stage == ELECTRIC else stage_code(EmissionStage(stage))


def enrich(
    passage: Mapping[str, Any], vehicle: Mapping[str, Any] | None, entries: Iterable[Mapping[str, Any]]
) -> Enrichment:
    """The snapshot of registry facts for a passage, with mismatch flags; `entries` are the plate's list entries."""
    reported_stage, reported_fuel = passage.get("emission_stage"), passage.get("fuel")
    result = Enrichment()
    if vehicle is not None:
        result.vehicle_known = True
        result.registry_stage = vehicle.get("emission_stage")
        if result.registry_stage is None and vehicle.get("fuel") and Fuel(vehicle["fuel"]).is_new_energy:
            result.registry_stage = ELECTRIC
        result.registry_stage_inferred = bool(vehicle.get("stage_inferred"))
        result.registry_fuel = vehicle.get("fuel")
        result.registry_class = vehicle.get("vehicle_class")
        status = vehicle.get("status")
        if status and status != "active":
            result.banned_reasons.append(f"registry_status:{status}")
        result.stage_mismatch = stages_differ(reported_stage, result.registry_stage)
        result.fuel_mismatch = bool(reported_fuel and result.registry_fuel and reported_fuel != result.registry_fuel)
    captured_at: datetime = passage["captured_at"]
    for entry in entries:
        if entry_active(entry, captured_at):
            if entry["list_kind"] == "blacklist":
                result.blacklisted = True
            result.banned_reasons.append(f"{entry['list_kind']}:{entry.get('reason_code') or 'unspecified'}")
    result.stage = result.registry_stage or reported_stage
    result.fuel = result.registry_fuel or reported_fuel
    result.vehicle_class = result.registry_class or class_from_gate(passage.get("vehicle_type"))
    return result


def entry_active(entry: Mapping[str, Any], moment: datetime) -> bool:
    """Whether a list entry applies at `moment`: within its dates, not lifted, inside its season if it has one."""
    day = local_date(moment)
    if entry.get("lifted_at") is not None and entry["lifted_at"] <= moment:
        return False
    if entry.get("effective_from") and day < entry["effective_from"]:
        return False
    if entry.get("until") and day > entry["until"]:
        return False
    scope = entry.get("seasonal_scope")
    return not scope or in_season(day, scope.get("from"), scope.get("to"))


def in_season(day: date, season_from: str | None, season_to: str | None) -> bool:
    """Whether a day falls in a MM-DD..MM-DD season, which may wrap the new year (10-01..03-31)."""
    if not season_from or not season_to:
        return True
    mmdd = day.strftime("%m-%d")
    if season_from <= season_to:
        return season_from <= mmdd <= season_to
    return mmdd >= season_from or mmdd <= season_to


# ---- alerts and response rules -----------------------------------------------------------------------


def level_rank(level: str) -> int:
    """blue 1, yellow 2, orange 3, red 4 (the numbering policy_rules.yaml uses for alert_level)."""
    return ALERT_LEVELS.index(level) + 1


def area_covers(area: str, district_code: str) -> bool:
    """Whether an alert's division code covers a site's district (a city code 141000 covers 1410xx)."""
    return district_code.startswith(area_prefix(area))


def in_jurisdiction(rule: Mapping[str, Any], site: Mapping[str, Any]) -> bool:
    """Whether a site lies where the rule's issuing government governs (a Hebei rule never binds Shanxi).

    An alert over the site and a rule of the site's city, province or district: the alert puts the rule in
    force even when it was declared by a higher level (a province-wide alert starts the city's response).
    """
    return area_covers(rule["jurisdiction"], site.get("district_code") or "")


def rule_applies(rule: Mapping[str, Any], day: date, alert_level: str | None) -> bool:
    """Whether a response rule is in force on a day, given the worst alert level over the site then."""
    if day < rule["effective_from"] or (rule.get("effective_to") and day > rule["effective_to"]):
        return False
    if not in_season(day, rule.get("season_from"), rule.get("season_to")):
        return False
    if rule.get("min_level"):
        return alert_level is not None and level_rank(alert_level) >= level_rank(rule["min_level"])
    return True


def rule_may_apply(rule: Mapping[str, Any], site: Mapping[str, Any], days: Sequence[date]) -> bool:
    """Whether a rule can bind a site on any of these days (its dates, season and site conditions), so a
    month's violation search reads only the passages some rule could catch."""
    if not in_jurisdiction(rule, site):
        return False
    if rule.get("dev_zone_listed_only") and not site.get("dev_zone_listed"):
        return False
    if rule.get("industries") and site.get("industry") not in rule["industries"]:
        return False
    return any(
        day >= rule["effective_from"]
        and not (rule.get("effective_to") and day > rule["effective_to"])
        and in_season(day, rule.get("season_from"), rule.get("season_to"))
        for day in days
    )


def breaks_rule(rule: Mapping[str, Any], passage: Mapping[str, Any], site: Mapping[str, Any]) -> bool:
    """Whether a passage at a site is one the rule forbids (the rule is known to be in force)."""
    if not in_jurisdiction(rule, site):
        return False
    if rule.get("directions") and passage.get("direction") not in rule["directions"]:
        return False
    if rule.get("dev_zone_listed_only") and not site.get("dev_zone_listed"):
        return False
    if rule.get("industries") and site.get("industry") not in rule["industries"]:
        return False
    if rule.get("heavy_trucks_only") and passage.get("vehicle_class") not in HEAVY_CLASSES:
        return False
    if rule.get("fuels") and passage.get("fuel") not in rule["fuels"]:
        return False
    if rule.get("max_stage"):
        stage = passage.get("stage")
        if stage is None or stage == ELECTRIC:
            return False
        if not EmissionStage(stage).at_most(EmissionStage(rule["max_stage"])):
            return False
    if rule.get("goods_keywords"):
        goods = passage.get("goods") or ""
        if not any(keyword in goods for keyword in rule["goods_keywords"]):
            return False
    return True


# ---- completeness ------------------------------------------------------------------------------------


def silent_gaps(
    heard: Sequence[datetime], opens: datetime, closes: datetime, window: timedelta
) -> list[tuple[datetime, datetime]]:
    """Stretches of operating time [opens, closes) longer than `window` in which nothing was heard from a gate."""
    gaps = []
    previous = opens
    for moment in [*(t for t in heard if opens <= t < closes), closes]:
        if moment - previous > window:
            gaps.append((previous, moment))
        previous = max(previous, moment)
    return gaps


def clipped_gaps(
    raw: Iterable[tuple[datetime | None, datetime | None]], opens: datetime, closes: datetime, window: timedelta
) -> list[tuple[datetime, datetime]]:
    """The silent gaps of [opens, closes) given a gate's long gaps between consecutive things heard.

    `raw` holds every stretch longer than `window` between two consecutive moments heard (None: before the
    first / after the last). Cut to the operating hours, the ones still longer than the window are exactly
    what `silent_gaps` finds from the full list of moments: a stretch that short inside was short outside.
    """
    gaps = []
    for earlier, later in raw:
        start = opens if earlier is None else max(earlier, opens)
        end = closes if later is None else min(later, closes)
        if end - start > window:
            gaps.append((start, end))
    return sorted(gaps)

