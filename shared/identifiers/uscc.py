"""Unified social credit codes (统一社会信用代码, GB 32100-2015): normalisation, check character, checks."""

from __future__ import annotations

import unicodedata

from shared.identifiers.errors import InvalidIdentifier

# GB 32100-2015 clause 4.2 / table 1: 31 code characters; I, O, S, V and Z are excluded to avoid misreading.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Clause 5 (check character, ISO 7064 style): weight of position i is 3**i mod 31.
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18
_VALUES = {char: value for value, char in enumerate(CHARSET)}
_DIGITS = frozenset("0123456789")
# Positions 3–8 (1-based) are the registering authority's GB/T 2260 administrative division code.
_DIVISION_POSITIONS = range(3, 9)


def _normalise(code: str) -> str:
    # NFKC folds full-width characters typed with a Chinese IME (９１１４…) to ASCII.
    return unicodedata.normalize("NFKC", str(code)).strip().upper()


def _check_characters(text: str, original: object) -> None:
    for position, char in enumerate(text, 1):
        if position in _DIVISION_POSITIONS and char not in _DIGITS:
            raise InvalidIdentifier(
                "uscc",
                f"character {char!r} at position {position} is not allowed: positions 3–8 are the "
                "administrative division code and must be digits",
                original,
            )
        if char not in _VALUES:
            if char in "IOSVZ":
                detail = "codes never use the letters I, O, S, V or Z"
            else:
                detail = "codes use only digits and the letters A–H, J–N, P–R, T, U, W–Y"
            raise InvalidIdentifier(
                "uscc", f"character {char!r} at position {position} is not allowed: {detail}", original
            )


def uscc_check_character(first17: str) -> str:
    """Compute the 18th (check) character from the first 17 characters of a USCC."""
    text = _normalise(first17)
    if len(text) != LENGTH - 1:
        raise InvalidIdentifier("uscc", f"the check character is computed from 17 characters; got {len(text)}", first17)
    _check_characters(text, first17)
    total = sum(_VALUES[char] * weight for char, weight in zip(text, WEIGHTS, strict=True))
    # 31 - (sum mod 31), where a result of 31 is written as 0.
    return CHARSET[(31 - total % 31) % 31]


def validate_uscc(code: str) -> str:
    """Return the normalised USCC, or raise InvalidIdentifier saying exactly what is wrong."""
    text = _normalise(code)
    if len(text) != LENGTH:
        raise InvalidIdentifier("uscc", f"a unified social credit code has 18 characters; got {len(text)}", code)
    _check_characters(text, code)
    expected = uscc_check_character(text[:-1])
    if text[-1] != expected:
        # Early pilot-region codes (e.g. some Fujian 91350…M000… codes) predate the standard and fail
        # here; they must be corrected at the registry, not accepted silently.
        raise InvalidIdentifier(
            "uscc",
            f"check character is {expected!r} but the code ends in {text[-1]!r}; "
            "one of the 18 characters is probably mistyped",
            code,
        )
    return text


def is_valid_uscc(code: object) -> bool:
    """True when `code` is a well-formed USCC with a correct check character."""
    if not isinstance(code, str):
        return False
    try:
        validate_uscc(code)
    except InvalidIdentifier:
        return False
    return True
