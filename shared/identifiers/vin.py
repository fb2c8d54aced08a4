"""Vehicle identification numbers (ISO 3779 / GB 16735): normalisation, check digit, validation."""

from __future__ import annotations

import unicodedata

from shared.identifiers.errors import InvalidIdentifier

LENGTH = 17
CHECK_POSITION = 9  # 1-based; GB 16735 makes the check digit mandatory for vehicles sold in China
# ISO 3779 annex / GB 16735 table: letters map to 1–9; I, O and Q are never used.
_TRANSLITERATION = {
    **{str(digit): digit for digit in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
# Position weights; position 9 (the check digit itself) weighs 0.
WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def _normalise(vin: str) -> str:
    # NFKC folds full-width characters typed with a Chinese IME to ASCII.
    return unicodedata.normalize("NFKC", str(vin)).strip().upper()


def _check_shape(text: str, original: object) -> None:
    if len(text) != LENGTH:
        raise InvalidIdentifier("vin", f"a VIN has 17 characters; got {len(text)}", original)
    for position, char in enumerate(text, 1):
        if char in "IOQ":
            hint = {"I": "1", "O": "0", "Q": "0"}[char]
            raise InvalidIdentifier(
                "vin",
                f"letter {char!r} at position {position} is not allowed: VINs never use I, O or Q "
                f"(did you mean {hint}?)",
                original,
            )
        if char not in _TRANSLITERATION:
            raise InvalidIdentifier(
                "vin",
                f"character {char!r} at position {position} is not allowed: VINs use digits and the "
                "letters A–Z except I, O and Q",
                original,
            )


def vin_check_digit(vin: str) -> str:
    """Compute the check digit (position 9) of a 17-character VIN; the current 9th character is ignored."""
    text = _normalise(vin)
    _check_shape(text, vin)
    return _compute(text)


def _compute(text: str) -> str:
    remainder = sum(_TRANSLITERATION[char] * weight for char, weight in zip(text, WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def validate_vin(vin: str) -> str:
    """Return the normalised VIN, or raise InvalidIdentifier saying exactly what is wrong."""
    text = _normalise(vin)
    _check_shape(text, vin)
    expected = _compute(text)
    found = text[CHECK_POSITION - 1]
    if found != expected:
        raise InvalidIdentifier(
            "vin",
            f"check digit at position 9 should be {expected!r} but is {found!r}; "
            "one of the 17 characters is probably mistyped",
            vin,
        )
    return text


def is_valid_vin(vin: object) -> bool:
    """True when `vin` is a well-formed VIN with a correct check digit."""
    if not isinstance(vin, str):
        return False
    try:
        validate_vin(vin)
    except InvalidIdentifier:
        return False
    return True
