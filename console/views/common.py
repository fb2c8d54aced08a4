"""What several areas' views share: query arguments of tables and views, the default month."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from shared.timeutil import zone

DEFAULT_CITY = "141000"  # 临汾市, the demo city
DEFAULT_JURISDICTION = "linfen"  # whose plans the vehicles views judge by, for that city
PAGE_SIZE = 20


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
