"""Which plan jurisdiction an enterprise's city falls under (targets.yaml `cities`: city code -> name)."""

from __future__ import annotations

import functools
from importlib import resources

import yaml


@functools.cache
def city_jurisdictions() -> dict[str, str]:
    """City division code -> the jurisdiction name plans use, e.g. '141000' -> 'linfen'."""
    text = resources.files("railshift").joinpath("targets.yaml").read_text(encoding="utf-8")
    return {str(code): name for name, code in (yaml.safe_load(text).get("cities") or {}).items()}


def jurisdiction_of(city_code: str) -> str | None:
    """The jurisdiction of a city code, or None when no plan here covers it."""
    return city_jurisdictions().get(city_code)
