"""Vocabulary of blacklists and key-supervision lists: kinds, subjects, reason codes and seasons (from YAML)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


class ListKind(StrEnum):
    """Which list an entry puts its subject on."""

    BLACKLIST = "blacklist"  # 黑名单
    KEY_SUPERVISION = "key_supervision"  # 重点监管


LIST_KIND_LABELS_ZH = {ListKind.BLACKLIST: "黑名单", ListKind.KEY_SUPERVISION: "重点监管"}


class SubjectType(StrEnum):
    """What an entry is about."""

    VEHICLE = "vehicle"  # 机动车: plate + plate colour
    MACHINERY = "machinery"  # 非道路移动机械: its registration code
    ENTERPRISE = "enterprise"  # 企业: unified social credit code


class SeasonArea(StrEnum):
    """Where a seasonal ban applies."""

    URBAN = "urban"  # 市区 (the city planning area)
    CITY = "city"  # 全市


@dataclass(frozen=True)
class Reason:
    """A reason code with its Chinese label, the lists it allows and the plan that names it."""

    code: str
    zh: str
    list_kinds: tuple[str, ...]
    source_document: str
    source_item: str
    source_file: str


@dataclass(frozen=True)
class Season:
    """A named seasonal scope (the autumn-winter campaign): MM-DD to MM-DD, inclusive, possibly across new year."""

    code: str
    zh: str
    start: str
    end: str
    area: str
    source_document: str
    source_item: str

    def scope(self) -> dict[str, str]:
        """The seasonal_scope an entry stores (contract §3 shape)."""
        return {"from": self.start, "to": self.end, "area": self.area}


@lru_cache(maxsize=1)
def _policy() -> dict[str, Any]:
    text = resources.files("vehicles").joinpath("list_policy.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def reasons() -> dict[str, Reason]:
    """Every reason code, by code, in file order."""
    out = {}
    for row in _policy()["reasons"]:
        kinds = tuple(ListKind(k).value for k in row["list_kinds"])
        out[row["code"]] = Reason(row["code"], row["zh"], kinds, row["source_document"], row["source_item"],
                                  row["source_file"])
    return out


@lru_cache(maxsize=1)
def seasons() -> dict[str, Season]:
    """Named seasonal scopes, by code."""
    return {
        row["code"]: Season(row["code"], row["zh"], row["from"], row["to"], SeasonArea(row["area"]).value,
                            row["source_document"], row["source_item"])
        for row in _policy()["seasons"]
    }


@lru_cache(maxsize=1)
def jurisdiction_prefixes() -> dict[str, str]:
    """Phase-out plan jurisdiction -> the division-code prefix of its districts."""
    return {str(k): str(v) for k, v in _policy()["jurisdictions"].items()}


def reason_zh(code: str) -> str:
    """The Chinese label of a reason code (the code itself if unknown)."""
    reason = reasons().get(code)
    return reason.zh if reason else code


class TestKind(StrEnum):
    """How a vehicle's emissions were tested."""

    __test__ = False  # not a pytest class

    ANNUAL_INSPECTION = "annual_inspection"  # 定期排放检验
    ROADSIDE = "roadside"  # 路检路查
    REMOTE_SENSING = "remote_sensing"  # 遥感监测
    OBD = "obd"  # 车载诊断系统


def rule_setting(code: str, day: Any) -> dict[str, Any]:
    """The thresholds of a rule of the rule job in force on `day`; KeyError if none is."""
    for row in _policy()["rules"]:
        if row["code"] == code and row["effective_from"] <= day and (
            row["effective_to"] is None or day <= row["effective_to"]
        ):
            return row
    raise KeyError(f"no setting of rule {code} in force on {day}")
