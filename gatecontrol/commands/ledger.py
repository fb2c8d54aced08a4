"""Reading the ledger: filtered pages, streamed exports, per-site summaries, trips for railshift, audit samples."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Date, cast, func, literal_column, select
from sqlalchemy.orm import Session

from gatecontrol import daos
from gatecontrol.commands.alerts import find_violations
from gatecontrol.models import FLAG_COLUMNS, Passage, Site
from gatecontrol.rules import ELECTRIC, HEAVY_CLASSES, passage_flags
from shared.auth import Principal, Role
from shared.db import database, session
from shared.errors import Forbidden
from shared.pagination import Page, keyset_page
from shared.timeutil import month_bounds, zone
from shared.vocab import FUEL_LABELS_ZH, STAGE_LABELS_ZH, EmissionStage, Fuel

ORDER = (Passage.captured_at, Passage.site_id, Passage.event_id)
FLAG_FILTERS = {
    "incomplete_plate": Passage.plate_complete.is_(False),
    "unknown_vehicle": Passage.vehicle_known.is_(False),
    "stage_mismatch": Passage.stage_mismatch.is_(True),
    "fuel_mismatch": Passage.fuel_mismatch.is_(True),
    "blacklisted": Passage.blacklisted.is_(True),
    "backfill": Passage.backfill.is_(True),
}
# The ledger's export: the fields plans and the national guide require a site to keep (domain.md §7).
EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("captured_at", "通过时间"),
    ("gate_id", "门禁编号"),
    ("direction", "进出方向"),
    ("plate", "号牌号码"),
    ("plate_colour", "号牌颜色"),
    ("plate_complete", "号牌完整"),
    ("vin", "车辆识别代号(VIN)"),
    ("engine_no", "发动机号码"),
    ("registration_date", "注册登记日期"),
    ("stage", "排放阶段"),
    ("reported_stage", "门禁上报排放阶段"),
    ("fuel", "燃料类型"),
    ("vehicle_class", "车辆类型"),
    ("goods", "货物名称"),
    ("quantity_t", "运输量(吨)"),
    ("carrier", "运输单位"),
    ("photos", "照片"),
    ("backfill", "补传"),
    ("event_id", "记录流水号"),
    ("flags", "异常标记"),
]
DIRECTION_ZH = {"in": "进", "out": "出"}
COLOUR_ZH = {"blue": "蓝", "yellow": "黄", "green": "绿", "yellow-green": "黄绿", "white": "白", "black": "黑"}
FLAG_ZH = {
    "incomplete_plate": "号牌不完整",
    "unknown_vehicle": "未登记车辆",
    "stage_mismatch": "排放阶段不符",
    "fuel_mismatch": "燃料类型不符",
    "blacklisted": "黑名单",
    "backfill": "补传",
}


def visible_sites(db_session: Session, principal: Principal) -> list[str] | None:
    """The sites a caller may read: None for the bureaus and services (all), else their own."""
    if principal.role == Role.GATE:
        return [principal.site or ""]
    if principal.role == Role.ENTERPRISE:
        return list(db_session.scalars(select(Site.site_id).where(Site.uscc == principal.uscc)))
    return None


def _filtered(args: dict[str, Any], principal: Principal) -> Any:
    db_session = session()
    query = select(Passage)
    allowed = visible_sites(db_session, principal)
    wanted = args.get("site_id") or []
    if allowed is not None:
        if wanted and not set(wanted) <= set(allowed):
            raise Forbidden("you may read the ledger of your own sites only")
        # an enterprise without sites sees nothing: an empty list must not mean "no filter"
        query = query.where(Passage.site_id.in_(wanted or allowed))
    elif wanted:
        query = query.where(Passage.site_id.in_(wanted))
    if args.get("gate_id"):
        query = query.where(Passage.gate_id == args["gate_id"])
    if args.get("from_"):
        query = query.where(Passage.captured_at >= args["from_"])
    if args.get("to"):
        query = query.where(Passage.captured_at < args["to"])
    if args.get("plate"):
        from shared.identifiers import normalise_plate

        query = query.where(Passage.plate == normalise_plate(args["plate"]).normalised)
    if args.get("stage"):
        query = query.where(Passage.stage == args["stage"])
    if args.get("fuel"):
        query = query.where(Passage.fuel == args["fuel"])
    if args.get("direction"):
        query = query.where(Passage.direction == args["direction"])
    for flag in args.get("flag") or []:
        query = query.where(FLAG_FILTERS[flag])
    return query


def ledger_page(args: dict[str, Any], principal: Principal) -> Page[Any]:
    """One page of the ledger in capture order (keyset pagination)."""
    return keyset_page(session(), _filtered(args, principal), list(ORDER), args["limit"], args.get("cursor"))


def _zh(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "direction":
        return DIRECTION_ZH.get(value, value)
    if name == "plate_colour":
        return COLOUR_ZH.get(value, value)
    if name in ("stage", "reported_stage"):
        return "D(电动)" if value == ELECTRIC else STAGE_LABELS_ZH.get(EmissionStage(value), value)
    if name == "fuel":
        return FUEL_LABELS_ZH.get(Fuel(value), value)
    if name == "photos":
        return " ".join(value)
    return value


def export_rows(site_id: str, month: str, principal: Principal) -> tuple[list[str], Iterator[list[Any]]]:
    """Headers and a lazy row stream of one site-month of the ledger (server-side cursor, constant memory)."""
    db_session = session()
    site = daos.get_site(db_session, site_id)
    allowed = visible_sites(db_session, principal)
    if allowed is not None and site.site_id not in allowed:
        raise Forbidden("you may export the ledger of your own sites only")
    start, end = month_bounds(month)
    # plain rows of the needed columns, not ORM objects: the export is the ledger's biggest read
    wanted = [getattr(Passage, name) for name, _ in EXPORT_COLUMNS if name != "flags"]
    wanted += [getattr(Passage, name) for name in FLAG_COLUMNS if name not in {n for n, _ in EXPORT_COLUMNS}]
    query = (
        select(*wanted)
        .where(Passage.site_id == site_id, Passage.captured_at >= start, Passage.captured_at < end)
        .order_by(*ORDER)
        .execution_options(yield_per=2000)
    )

    def rows() -> Iterator[list[Any]]:
        # Its own session, closed when the stream ends or is abandoned: the request's session is torn
        # down when the view returns, before a streamed body is read.
        with database().sessionmaker() as stream_session:
            yield from _export_rows(row._mapping for row in stream_session.execute(query))

    return [zh for _, zh in EXPORT_COLUMNS], rows()


def _export_rows(passages: Iterable[Mapping[str, Any]]) -> Iterator[list[Any]]:
    for passage in passages:
        row = []
        for name, _ in EXPORT_COLUMNS:
            if name == "flags":
                row.append("、".join(FLAG_ZH[f] for f in passage_flags(passage)))
            else:
                row.append(_zh(name, passage[name]))
        yield row


# ---- summaries -----------------------------------------------------------------------------------------


def local_day(db_session: Session, moment: datetime) -> Any:
    """SQL for the city calendar day of a timestamp column (Asia/Shanghai has had no DST since 1991)."""
    offset = zone().utcoffset(moment.replace(tzinfo=None)) or timedelta(0)
    hours = int(offset.total_seconds() // 3600)
    if db_session.get_bind().dialect.name == "postgresql":
        return cast(Passage.captured_at + literal_column(f"interval '{hours} hours'"), Date)
    return func.date(Passage.captured_at, f"{hours:+d} hours")


def is_heavy_old_truck(vehicle_class: str | None, stage: str | None) -> bool:
    """A heavy truck of 国四 or below: the plans' phase-out target seen at the gate."""
    if vehicle_class not in HEAVY_CLASSES or stage in (None, ELECTRIC):
        return False
    return EmissionStage(stage).at_most(EmissionStage.CHINA_4)


def summaries(site_ids: Sequence[str], month: str, period: str, principal: Principal) -> list[dict[str, Any]]:
    """Per site per day (or month): counts by stage and fuel, in/out balance, complete-plate share, old heavy trucks."""
    db_session = session()
    allowed = visible_sites(db_session, principal)
    if allowed is not None:
        if site_ids and not set(site_ids) <= set(allowed):
            raise Forbidden("you may read summaries of your own sites only")
        site_ids = site_ids or allowed
        if not site_ids:
            return []
    start, end = month_bounds(month)
    columns = [Passage.site_id, Passage.direction, Passage.stage, Passage.fuel, Passage.vehicle_class]
    columns += [Passage.plate_complete]
    if period == "day":
        columns.append(local_day(db_session, start).label("day"))
    # a month's buckets need no day: grouping by it would send back about a row per passage of a city month
    query = (
        select(*columns, func.count().label("n"))
        .where(Passage.captured_at >= start, Passage.captured_at < end)
        .group_by(*columns)
    )
    if site_ids:
        query = query.where(Passage.site_id.in_(site_ids))
    buckets: dict[tuple[str, str], dict[str, Any]] = {}
    for row in db_session.execute(query):
        label = month if period == "month" else str(row.day)[:10]
        bucket = buckets.setdefault((row.site_id, label), _empty_bucket(row.site_id, label))
        bucket["total"] += row.n
        bucket[row.direction] += row.n
        bucket["by_stage"][row.stage or "unknown"] = bucket["by_stage"].get(row.stage or "unknown", 0) + row.n
        bucket["by_fuel"][row.fuel or "unknown"] = bucket["by_fuel"].get(row.fuel or "unknown", 0) + row.n
        bucket["complete_plates"] += row.n if row.plate_complete else 0
        if is_heavy_old_truck(row.vehicle_class, row.stage):
            bucket["heavy_trucks_china4_or_below"] += row.n

    for violation in (
        find_violations(month, sorted({site for site, _ in buckets}), principal, strict=False) if buckets else []
    ):
        label = month if period == "month" else violation.day.isoformat()
        bucket = buckets.get((violation.passage.site_id, label))
        if bucket is not None:
            bucket["violations"] += 1
    out = []
    for key in sorted(buckets):
        bucket = buckets[key]
        bucket["balance"] = bucket["in"] - bucket["out"]
        bucket["complete_plate_share"] = round(bucket["complete_plates"] / bucket["total"], 4)
        out.append(bucket)
    return out


def _empty_bucket(site_id: str, period: str) -> dict[str, Any]:
    return {
        "site_id": site_id,
        "period": period,
        "total": 0,
        "in": 0,
        "out": 0,
        "by_stage": {},
        "by_fuel": {},
        "complete_plates": 0,
        "heavy_trucks_china4_or_below": 0,
        "violations": 0,
    }
