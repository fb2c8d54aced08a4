"""What several areas' views share: query arguments of tables and views, the default month, the area boxes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from shared.identifiers import districts_of, division_name
from shared.timeutil import zone

DEFAULT_CITY = "141000"  # 临汾市, the demo city
DEFAULT_JURISDICTION = "linfen"  # whose plans the vehicles views judge by, for that city
PAGE_SIZE = 20


CITY_WORD = "city"  # what the reports service takes for the whole city


def area_choices(city: str | None = None) -> list[tuple[str, str]]:
    """The city (as `city`, or its code) and its districts, (code, name), offered in an area box."""
    return [(city or DEFAULT_CITY, division_name(DEFAULT_CITY) or DEFAULT_CITY), *districts_of(DEFAULT_CITY)]


def area_name(code: object) -> str:
    """The name of an area code ('141002' -> 尧都区), or '' when the code is not a listed division."""
    if not code:
        return ""
    if code == CITY_WORD:
        code = DEFAULT_CITY
    try:
        return division_name(str(code)) or ""
    except ValueError:  # not a well-formed code: the box shows what was typed, the service says why
        return ""


def default_month() -> str:
    """Last month in the city's time zone (the newest month whose declarations can be complete)."""
    today = datetime.now(zone()).date()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def page_args(args: Mapping[str, str], **extra: Any) -> dict[str, Any]:
    """`limit` and the keyset `cursor` a table passes through to the service, plus filters."""
    out: dict[str, Any] = {"limit": PAGE_SIZE}
    if args.get("cursor"):
        out["cursor"] = args["cursor"]
    out.update({k: v for k, v in extra.items() if v not in (None, "")})
    return out


def view_args(args: Mapping[str, str]) -> dict[str, str]:
    """month, area (city or district), period and ratio of a ranking view, with defaults."""
    out = {
        "month": args.get("month") or default_month(),
        "period": args.get("period") or "month",
        "ratio": args.get("ratio") or "rail",
    }
    area = (args.get("area") or DEFAULT_CITY).strip()
    out["city_code" if area.endswith("00") else "district_code"] = area
    return out
