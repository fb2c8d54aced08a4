"""Chinese licence plates (GA 36): tolerant normalisation, validity report, colours, OCR alternatives."""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from shared.identifiers.errors import InvalidIdentifier


class PlateColour(StrEnum):
    """Background colour of the plate; it tells the vehicle class (yellow = large, green = new-energy)."""

    BLUE = "blue"  # 蓝
    YELLOW = "yellow"  # 黄
    GREEN = "green"  # 绿: new-energy; gradient green 渐变绿 is the small-NEV plate
    YELLOW_GREEN = "yellow-green"  # 黄绿: large new-energy vehicles (trucks, buses)
    WHITE = "white"  # 白
    BLACK = "black"  # 黑


class PlateKind(StrEnum):
    """Plate shape, decided from length and suffix character."""

    STANDARD = "standard"  # 普通: province + letter + 5
    NEW_ENERGY = "new_energy"  # 新能源: province + letter + 6
    TRAILER = "trailer"  # 挂
    COACH = "coach"  # 学: driving-school car
    POLICE = "police"  # 警
    EMBASSY = "embassy"  # 使 (embassy) / 领 (consulate)
    UNREADABLE = "unreadable"  # 无牌 / 未识别 / empty camera output


_C = PlateColour

# Numeric colour codes differ between upstream systems, so a bare number is never read without a source.
# jtt808: JT/T 808/809 vehicle-tracking platforms (JT/T 697.7 colour table:
#         1 蓝 2 黄 3 黑 4 白 5 绿; 93 黄绿 and 94 渐变绿 added for new-energy plates).
# toll:   expressway toll / ETC data (联网收费 technical requirements:
#         0 蓝 1 黄 2 黑 3 白 4 渐变绿 5 黄绿双拼; 6 蓝白渐变, 7 临时, 9 未确定, 11 绿, 12 红 are
#         deliberately not mapped).
PLATE_COLOUR_CODE_SOURCES: dict[str, dict[int, PlateColour]] = {
    "jtt808": {
        1: _C.BLUE,
        2: _C.YELLOW,
        3: _C.BLACK,
        4: _C.WHITE,
        5: _C.GREEN,
        93: _C.YELLOW_GREEN,
        94: _C.GREEN,
    },
    "toll": {0: _C.BLUE, 1: _C.YELLOW, 2: _C.BLACK, 3: _C.WHITE, 4: _C.GREEN, 5: _C.YELLOW_GREEN},
}

_COLOUR_NAMES: dict[str, PlateColour] = {
    **{colour.value: colour for colour in PlateColour},
    "yellowgreen": _C.YELLOW_GREEN,
    "蓝": _C.BLUE,
    "黄": _C.YELLOW,
    "绿": _C.GREEN,
    "渐变绿": _C.GREEN,
    "黄绿": _C.YELLOW_GREEN,
    "黄绿双拼": _C.YELLOW_GREEN,
    "白": _C.WHITE,
    "黑": _C.BLACK,
}

# GA 36: one-character abbreviations of the 31 mainland province-level divisions.
PROVINCE_ABBREVIATIONS = frozenset("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼")
_LETTERS = frozenset("ABCDEFGHJKLMNPQRSTUVWXYZ")  # GA 36 never issues I or O: they read as 1 and 0
_DIGITS = frozenset("0123456789")
_SERIAL = _LETTERS | _DIGITS
# GA 36-2018 new-energy plates: D/A/B/C/E mark pure electric, F/G/H/J/K other new-energy (hybrid, fuel cell)
_NEW_ENERGY_MARKS = frozenset("DABCEFGHJK")
_SUFFIX_KINDS = {
    "挂": PlateKind.TRAILER,
    "学": PlateKind.COACH,
    "警": PlateKind.POLICE,
    "领": PlateKind.EMBASSY,
}
_SEPARATORS = re.compile(r"[\s.·•・‧∙\-_‐‑–—/\\|,，。、:;'\"]+")
# What gate cameras and clerks send when there is no plate to read; stored as UNREADABLE, never rejected.
_UNREADABLE_MARKERS = frozenset({
    "", "无牌", "无牌车", "无车牌", "未识别", "未识别车牌", "车牌未识别", "未知", "未知车牌", "无",
    "拒识", "整牌拒识", "UNKNOWN", "NONE", "NULL", "NA", "NOPLATE",
})  # fmt: skip
_MASK_CHARACTERS = frozenset("*?#")

# Camera/human confusions tried by plate_alternatives. O<->0, I<->1, B<->8, D<->0 are the classic ones;
# Z<->2 and S<->5 are included as well because plate fonts make them just as easy to misread.
_CONFUSIONS = {"O": "0", "0": "DO", "I": "1", "1": "I", "B": "8", "8": "B", "D": "0"} | {
    "Z": "2", "2": "Z", "S": "5", "5": "S",  # the optional pairs
}  # fmt: skip
# The issuing-office position must be a letter, so only digit->letter readings help there (and O, never
# issued, is most likely a misread D).
_LETTER_POSITION_CONFUSIONS = {"0": "D", "8": "B", "2": "Z", "5": "S", "1": "I", "O": "D"}


@dataclass(frozen=True)
class Plate:
    """A plate as received plus its normalised form and a validity report."""

    raw: str | None
    normalised: str
    valid: bool
    kind: PlateKind
    problems: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.normalised


def parse_plate_colour(value: str | int, source: str | None = None) -> PlateColour:
    """Parse an English/Chinese colour name, or a numeric code read through the named source's table."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidIdentifier("plate_colour", f"expected a colour name or numeric code, got {value!r}", value)
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if not (text.isascii() and text.isdigit()):
            return _colour_from_name(text, value)
        code = int(text)
    else:
        code = value
    known = ", ".join(sorted(PLATE_COLOUR_CODE_SOURCES))
    if source is None:
        raise InvalidIdentifier(
            "plate_colour",
            f"numeric colour code {code} means different colours in different systems; pass source= one of: {known}",
            value,
        )
    table = PLATE_COLOUR_CODE_SOURCES.get(source.strip().lower())
    if table is None:
        raise InvalidIdentifier("plate_colour", f"unknown colour code source {source!r}; known sources: {known}", value)
    if code not in table:
        codes = ", ".join(f"{number} {colour.value}" for number, colour in sorted(table.items()))
        raise InvalidIdentifier(
            "plate_colour",
            f"code {code} is not a plate colour in source {source!r}; known codes: {codes}",
            value,
        )
    return table[code]


def _colour_from_name(text: str, original: str) -> PlateColour:
    key = text.lower().replace("_", "-").replace(" ", "-")
    # "黄色牌" / "蓝牌" / "黄绿色": the 色 (colour) and 牌 (plate) endings carry no information.
    key = key.removesuffix("牌").removesuffix("色")
    colour = _COLOUR_NAMES.get(key)
    if colour is None:
        raise InvalidIdentifier(
            "plate_colour",
            f"{original!r} is not a plate colour; use blue, yellow, green, yellow-green, white, black "
            "or 蓝, 黄, 绿, 渐变绿, 黄绿, 白, 黑",
            original,
        )
    return colour


def _clean(raw: str) -> str:
    # NFKC folds full-width ASCII (Ｆ, ０) and the ideographic space to their plain forms.
    text = unicodedata.normalize("NFKC", raw).strip().upper()
    return _SEPARATORS.sub("", text)


def _kind_of(plate: str) -> PlateKind:
    if plate.startswith("使"):
        return PlateKind.EMBASSY
    if plate[-1] in _SUFFIX_KINDS:
        return _SUFFIX_KINDS[plate[-1]]
    return PlateKind.NEW_ENERGY if len(plate) == 8 else PlateKind.STANDARD


def _character_problem(position: int, char: str, allowed: frozenset[str]) -> str | None:
    if char in allowed:
        return None
    if char in "IO":
        hint = "1" if char == "I" else "0"
        return f"character {position} is the letter {char!r}; plates never use I or O (did you mean {hint}?)"
    if allowed is _DIGITS:
        return f"character {position} {char!r} must be a digit"
    if allowed is _LETTERS:
        return f"character {position} {char!r} must be a letter A–Z other than I and O (the issuing office)"
    return f"character {position} {char!r} is not a letter or digit"


def _problems(plate: str, kind: PlateKind) -> list[str]:
    n = len(plate)
    if kind is PlateKind.EMBASSY and plate.startswith("使"):
        # GA 36 embassy plates: 使 + 3-digit mission code + 3-digit serial.
        problems = [] if n == 7 else [f"embassy plate has {n} characters; a complete one has 7 (使 + 6 digits)"]
        problems += [p for i, ch in enumerate(plate[1:], 2) if (p := _character_problem(i, ch, _DIGITS))]
        return problems

    problems: list[str] = []
    suffix = plate[-1] if plate[-1] in _SUFFIX_KINDS else ""
    if suffix:
        # GA 36: province + letter + four characters + the suffix character, 7 in all.
        if n != 7:
            problems.append(f"{kind.value} plate has {n} characters; a complete one has 7 including {suffix}")
    elif n not in (7, 8):
        problems.append(f"plate has {n} characters; a complete plate has 7 (8 for new-energy)")

    if plate[0] not in PROVINCE_ABBREVIATIONS:
        problems.append(f"first character {plate[0]!r} is not a province abbreviation such as 晋 or 冀")
    if n >= 2 and (p := _character_problem(2, plate[1], _LETTERS)):
        problems.append(p)
    serial = plate[2 : n - len(suffix)]
    serial_problems = [p for i, ch in enumerate(serial, 3) if (p := _character_problem(i, ch, _SERIAL))]
    problems += serial_problems

    if kind is PlateKind.NEW_ENERGY and not serial_problems:
        # Lenient GA 36-2018 check: small cars put the energy mark first (D12345), large vehicles last
        # (12345D). The rule that the last four of a small plate are digits is not enforced.
        small = serial[0] in _NEW_ENERGY_MARKS
        large = set(serial[:5]) <= _DIGITS and serial[5] in _NEW_ENERGY_MARKS
        if not (small or large):
            problems.append(
                "new-energy plate needs an energy letter (D, F or A, B, C, E, G, H, J, K) as the first "
                "serial character (small vehicles) or after five digits (large vehicles)"
            )
    return problems


def normalise_plate(raw: str | None) -> Plate:
    """Normalise a plate as sent by a camera or clerk and report its validity; never raises for bad plates."""
    return _normalise_text(raw) if isinstance(raw, str) else _normalise(raw)


# The same trucks pass the same gates all day and a bulk check repeats plates: a Plate is immutable, so the
# answer for a text is kept (17 µs to work out, 0.2 to find; bounded, least recently used dropped first).
@functools.lru_cache(maxsize=16_384)
def _normalise_text(raw: str) -> Plate:
    return _normalise(raw)


# A plate already written as issued (most camera readings), standard or new-energy (small: energy letter first;
# large: five digits, then the letter): valid as it stands, with nothing for the cleaning and per-character
# checks below to change or report (tests/shared/test_plates.py holds the two ways to the same answer).
_AS_ISSUED = re.compile(
    f"[{''.join(sorted(PROVINCE_ABBREVIATIONS))}][A-HJ-NP-Z]"
    "(?:[0-9A-HJ-NP-Z]{5}|[DABCEFGHJK][0-9A-HJ-NP-Z]{5}|[0-9]{5}[DABCEFGHJK])"
)


def _normalise(raw: object) -> Plate:
    if type(raw) is str and _AS_ISSUED.fullmatch(raw):
        return Plate(raw, raw, True, PlateKind.STANDARD if len(raw) == 7 else PlateKind.NEW_ENERGY)
    return _normalise_in_full(raw)


def _normalise_in_full(raw: object) -> Plate:
    normalised = _clean("" if raw is None else str(raw))
    if normalised in _UNREADABLE_MARKERS or set(normalised) <= _MASK_CHARACTERS:
        problem = "no plate was read" if not normalised else f"no readable plate (received {normalised!r})"
        return Plate(raw, normalised, False, PlateKind.UNREADABLE, (problem,))
    kind = _kind_of(normalised)
    problems = tuple(_problems(normalised, kind))
    return Plate(raw, normalised, not problems, kind, problems)


def plate_alternatives(plate: str, limit: int = 10) -> list[str]:
    """Valid plates one or more O/0, I/1, B/8, D/0, Z/2, S/5 confusions away, fewest substitutions first."""
    normalised = normalise_plate(plate)
    # Substitutions never change the length, so only 7- or 8-character plates can become valid; this also
    # keeps the search (at most 3**7 candidates) small for garbage input.
    if normalised.kind is PlateKind.UNREADABLE or limit <= 0 or len(normalised.normalised) not in (7, 8):
        return []
    text = normalised.normalised
    options: list[tuple[int, str]] = []
    for index, char in enumerate(text):
        if index == 0:
            continue  # the province character is never confused with a Latin letter or digit
        if index == 1 and not text.startswith("使"):
            alternatives = _LETTER_POSITION_CONFUSIONS.get(char, "")
        else:
            alternatives = _CONFUSIONS.get(char, "")
        if alternatives:
            options.append((index, alternatives))

    found: list[str] = []
    for count in range(1, len(options) + 1):
        level: list[str] = []
        for chosen in itertools.combinations(options, count):
            for replacement in itertools.product(*(alts for _, alts in chosen)):
                chars = list(text)
                for (index, _), char in zip(chosen, replacement, strict=True):
                    chars[index] = char
                candidate = "".join(chars)
                if normalise_plate(candidate).valid:
                    level.append(candidate)
        # Each position set yields different strings, so candidates are distinct without a set.
        found += sorted(level)
        if len(found) >= limit:
            break
    return found[:limit]
