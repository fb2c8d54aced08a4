"""targets.yaml's settings read at run time: which plan jurisdiction an enterprise's city falls under (`cities`:
city code -> name) and whether a lapsed target carries forward (`carry_forward`)."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml


@functools.cache
def _targets_file() -> dict[str, Any]:
    text = resources.files("railshift").joinpath("targets.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text) or {}


@functools.cache
def city_jurisdictions() -> dict[str, str]:
    """City division code -> the jurisdiction name plans use, e.g. '141000' -> 'linfen'."""
    return {str(code): name for name, code in (_targets_file().get("cities") or {}).items()}


def jurisdiction_of(city_code: str) -> str | None:
    """The jurisdiction of a city code, or None when no plan here covers it."""
    return city_jurisdictions().get(city_code)


def carry_forward() -> bool:
    """Whether a target whose rule has lapsed still applies (until a later rule starts), marked carried forward."""
    return _targets_file().get("carry_forward") is True
