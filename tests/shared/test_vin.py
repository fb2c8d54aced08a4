"""VIN (ISO 3779 / GB 16735) validation and check digit."""

import pytest

from shared.identifiers import InvalidIdentifier, is_valid_vin, validate_vin, vin_check_digit

WIKIPEDIA_EXAMPLE = "1M8GDM9AXKP042788"  # the classic check-digit example; check digit X
HONDA = "1HGCM82633A004352"  # widely used Honda Accord test VIN, check digit verified
HONDA_2 = "JHMCM56557C404453"
# Computed with the GB 16735 algorithm (not a real vehicle): FAW-Volkswagen WMI "LFV".
SYNTHETIC_CHINESE = "LFV2A21K7G3000001"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(WIKIPEDIA_EXAMPLE, WIKIPEDIA_EXAMPLE, id="check-digit-X"),
        pytest.param(HONDA, HONDA, id="honda"),
        pytest.param(HONDA_2, HONDA_2, id="honda-japan"),
        pytest.param(SYNTHETIC_CHINESE, SYNTHETIC_CHINESE, id="computed-chinese-wmi"),
        pytest.param("1m8gdm9axkp042788", WIKIPEDIA_EXAMPLE, id="lowercase"),
        pytest.param(" LFV2A21K7G3000001 ", SYNTHETIC_CHINESE, id="whitespace"),
        pytest.param("ＬＦＶ２Ａ２１Ｋ７Ｇ３０００００１", SYNTHETIC_CHINESE, id="full-width"),
    ],
)
def test_valid_vins_are_normalised(raw: str, expected: str) -> None:
    assert validate_vin(raw) == expected
    assert is_valid_vin(raw) is True


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        pytest.param("1M8GDM9A5KP042788", "should be 'X' but is '5'", id="wrong-check-digit"),
        pytest.param("LFV2A21K0G3000001", "should be '7' but is '0'", id="zero-placeholder-check"),
        pytest.param("1M8GDM9AXKP04278", "17 characters; got 16", id="too-short"),
        pytest.param("1M8GDM9AXKP0427880", "17 characters; got 18", id="too-long"),
        pytest.param("1M8GDM9AXKPO42788", "letter 'O' at position 12", id="letter-O"),
        pytest.param("IM8GDM9AXKP042788", "letter 'I' at position 1", id="letter-I"),
        pytest.param("1M8GDM9AXKQ042788", "letter 'Q' at position 11", id="letter-Q"),
        pytest.param("1M8GDM9AXKP04278*", "'*' at position 17 is not allowed", id="symbol"),
    ],
)
def test_invalid_vins_say_what_is_wrong(raw: str, fragment: str) -> None:
    with pytest.raises(InvalidIdentifier) as error:
        validate_vin(raw)
    assert error.value.kind == "vin"
    assert fragment in error.value.reason
    assert is_valid_vin(raw) is False


@pytest.mark.parametrize(
    ("vin", "digit"),
    [
        pytest.param(WIKIPEDIA_EXAMPLE, "X", id="X"),
        pytest.param(HONDA, "3", id="digit"),
        pytest.param("LFV2A21K0G3000001", "7", id="ignores-current-9th"),
    ],
)
def test_check_digit(vin: str, digit: str) -> None:
    assert vin_check_digit(vin) == digit
