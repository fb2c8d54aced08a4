"""Unified social credit code (GB 32100-2015) validation and check character."""

import pytest

from shared.identifiers import InvalidIdentifier, is_valid_uscc, uscc_check_character, validate_uscc

# Published codes of well-known companies; each was checked against GB 32100 before use.
HUAWEI = "914403001922038216"  # 华为技术有限公司 (zh.wikipedia infobox)
PETROCHINA = "91110000710925462X"  # 中国石油天然气股份有限公司 (GLEIF LEI record, registeredAs)
XIAOMI = "91110108551385082Q"  # 小米科技有限责任公司
TENCENT = "91440300708461136T"  # a Shenzhen Tencent company, published as its content-producer ID
# Computed with the standard's algorithm (not a real registration): a Linfen 尧都区 company.
SYNTHETIC_LINFEN = "91141002MA0K00001B"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(HUAWEI, HUAWEI, id="huawei-digit-check"),
        pytest.param(PETROCHINA, PETROCHINA, id="petrochina-X-check"),
        pytest.param(XIAOMI, XIAOMI, id="xiaomi"),
        pytest.param(TENCENT, TENCENT, id="tencent"),
        pytest.param(SYNTHETIC_LINFEN, SYNTHETIC_LINFEN, id="computed-linfen"),
        pytest.param("91110108551385082q", XIAOMI, id="lowercase"),
        pytest.param("  91110000710925462X\n", PETROCHINA, id="surrounding-whitespace"),
        pytest.param("９１４４０３００１９２２０３８２１６", HUAWEI, id="full-width"),
    ],
)
def test_valid_codes_are_normalised(raw: str, expected: str) -> None:
    assert validate_uscc(raw) == expected
    assert is_valid_uscc(raw) is True


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        pytest.param("914403001922038217", "check character is '6' but the code ends in '7'", id="wrong-check"),
        pytest.param("91110108551385082R", "check character is 'Q' but the code ends in 'R'", id="wrong-letter"),
        pytest.param("91110000710925462", "18 characters; got 17", id="too-short"),
        pytest.param("9111000071092546200", "18 characters; got 19", id="too-long"),
        pytest.param("", "18 characters; got 0", id="empty"),
        pytest.param("91110108551385O82Q", "'O' at position 15 is not allowed", id="letter-O"),
        pytest.param("9111010855138508ZQ", "never use the letters I, O, S, V or Z", id="letter-Z"),
        pytest.param("9111A108551385082Q", "position 5 is not allowed: positions 3–8", id="letter-in-division"),
        pytest.param("91110108-55138508Q", "'-' at position 9 is not allowed", id="hyphen"),
    ],
)
def test_invalid_codes_say_what_is_wrong(raw: str, fragment: str) -> None:
    with pytest.raises(InvalidIdentifier) as error:
        validate_uscc(raw)
    assert error.value.kind == "uscc"
    assert fragment in error.value.reason
    assert is_valid_uscc(raw) is False


@pytest.mark.parametrize(
    "code",
    [pytest.param(c, id=c) for c in (HUAWEI, PETROCHINA, XIAOMI, TENCENT, SYNTHETIC_LINFEN)],
)
def test_check_character_matches_the_18th(code: str) -> None:
    assert uscc_check_character(code[:17]) == code[17]


def test_check_character_needs_17_characters() -> None:
    with pytest.raises(InvalidIdentifier, match="computed from 17 characters; got 18"):
        uscc_check_character(HUAWEI)


def test_non_string_is_not_valid() -> None:
    assert is_valid_uscc(914403001922038216) is False
