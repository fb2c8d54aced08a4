"""Administrative division codes (行政区划代码, GB/T 2260): structural validation and a shipped name list."""

from __future__ import annotations

import functools
import unicodedata
from importlib import resources

import yaml

from shared.identifiers.errors import InvalidIdentifier

# GB/T 2260 province-level codes (digits 1–2). This list is closed, so it lives in code, not in the YAML.
PROVINCE_LEVEL_CODES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省",
    "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区", "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}  # fmt: skip
# Municipalities directly under the central government: digits 3–4 are 01 (districts) or 02 (counties).
_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
# GB/T 2260 codes Taiwan, Hong Kong and Macau at province level only.
_PROVINCE_ONLY = frozenset({"71", "81", "82"})
_DIGITS = frozenset("0123456789")
_KIND = "division_code"


def _normalise(code: str | int) -> str:
    # Codes often arrive as integers from spreadsheets, or full-width from Chinese IMEs.
    return unicodedata.normalize("NFKC", str(code)).strip()


def validate_division_code(code: str | int) -> str:
    """Return the six-digit code if it is structurally valid GB/T 2260, else raise InvalidIdentifier."""
    text = _normalise(code)
    bad = next((char for char in text if char not in _DIGITS), None)
    if bad is not None:
        raise InvalidIdentifier(_KIND, f"a division code is six digits; {bad!r} is not a digit", code)
    if len(text) != 6:
        raise InvalidIdentifier(_KIND, f"a division code is six digits; got {len(text)}", code)
    province, prefecture, county = text[:2], text[2:4], text[4:]
    if province not in PROVINCE_LEVEL_CODES:
        raise InvalidIdentifier(
            _KIND,
            f"digits 1–2 ({province}) are not a province-level code; valid ones are 11–15, 21–23, 31–37, "
            "41–46, 50–54, 61–65, 71, 81 and 82",
            code,
        )
    name = PROVINCE_LEVEL_CODES[province]
    if province in _PROVINCE_ONLY and text[2:] != "0000":
        raise InvalidIdentifier(_KIND, f"{name} has only the province-level code {province}0000", code)
    if prefecture == "00" and county != "00":
        raise InvalidIdentifier(
            _KIND,
            f"digits 3–4 are 00 (the province itself), so digits 5–6 must be 00, not {county}",
            code,
        )
    if province in _MUNICIPALITIES and prefecture not in ("00", "01", "02"):
        raise InvalidIdentifier(
            _KIND,
            f"{name} is a municipality: digits 3–4 must be 00, 01 (districts) or 02 (counties), not {prefecture}",
            code,
        )
    return text


@functools.cache
def _listed() -> dict[str, str]:
    text = resources.files("shared.identifiers").joinpath("divisions.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {str(code): str(name) for code, name in data["divisions"].items()}


def division_name(code: str | int) -> str | None:
    """Chinese name of a listed division (or any province-level code); None if well-formed but not listed."""
    text = validate_division_code(code)
    if text in _listed():
        return _listed()[text]
    if text[2:] == "0000":
        return PROVINCE_LEVEL_CODES[text[:2]]
    return None


def is_known_division(code: str | int) -> bool:
    """True if the code is in the shipped list or is a province-level code; False otherwise, never raises."""
    try:
        return division_name(code) is not None
    except InvalidIdentifier:
        return False


def districts_of(city_code: str | int) -> list[tuple[str, str]]:
    """Listed (code, name) pairs under a city code (counties) or a province code (cities), sorted by code."""
    text = validate_division_code(city_code)
    if text[4:] != "00":
        raise InvalidIdentifier(
            _KIND,
            f"{text} is a county-level code; pass a city code (ending in 00) to list its districts",
            city_code,
        )
    listed = sorted(_listed().items())
    if text[2:] == "0000":
        return [
            (code, name) for code, name in listed if code[:2] == text[:2] and code[2:] != "0000" and code[4:] == "00"
        ]
    return [(code, name) for code, name in listed if code[:4] == text[:4] and code[4:] != "00"]
