"""Plate normalisation, validity reports, colour parsing and OCR-confusion alternatives."""

import dataclasses

import pytest

from shared.identifiers import (
    PLATE_COLOUR_CODE_SOURCES,
    InvalidIdentifier,
    PlateColour,
    PlateKind,
    normalise_plate,
    parse_plate_colour,
    plate_alternatives,
)


@pytest.mark.parametrize(
    ("raw", "normalised", "kind"),
    [
        pytest.param("晋L12345", "晋L12345", PlateKind.STANDARD, id="already-clean"),
        pytest.param("晋l12345", "晋L12345", PlateKind.STANDARD, id="lowercase"),
        pytest.param("  晋L 123 45 ", "晋L12345", PlateKind.STANDARD, id="spaces"),
        pytest.param("晋Ｌ　１２３４５", "晋L12345", PlateKind.STANDARD, id="full-width-with-ideographic-space"),
        pytest.param("晋L·12345", "晋L12345", PlateKind.STANDARD, id="middle-dot"),
        pytest.param("晋L.12345", "晋L12345", PlateKind.STANDARD, id="dot"),
        pytest.param("冀A-B2C35", "冀AB2C35", PlateKind.STANDARD, id="hyphen-letters-in-serial"),
        pytest.param("晋L_D12345", "晋LD12345", PlateKind.NEW_ENERGY, id="underscore-new-energy-small"),
        pytest.param("晋LF1234X", "晋LF1234X", PlateKind.NEW_ENERGY, id="new-energy-small-F"),
        pytest.param("晋L12345D", "晋L12345D", PlateKind.NEW_ENERGY, id="new-energy-large-D"),
        pytest.param("晋L12345F", "晋L12345F", PlateKind.NEW_ENERGY, id="new-energy-large-F"),
        pytest.param("晋L·1234挂", "晋L1234挂", PlateKind.TRAILER, id="trailer"),
        pytest.param("晋A1234学", "晋A1234学", PlateKind.COACH, id="coach"),
        pytest.param("晋A·0123警", "晋A0123警", PlateKind.POLICE, id="police"),
        pytest.param("使014578", "使014578", PlateKind.EMBASSY, id="embassy"),
        pytest.param("沪A1234领", "沪A1234领", PlateKind.EMBASSY, id="consulate"),
    ],
)
def test_valid_plates_are_normalised(raw: str, normalised: str, kind: PlateKind) -> None:
    plate = normalise_plate(raw)
    assert (plate.normalised, plate.kind, plate.valid, plate.problems) == (normalised, kind, True, ())
    assert plate.raw == raw


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("无牌", id="no-plate"),
        pytest.param("未识别", id="not-recognised"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param(None, id="none"),
        pytest.param("unknown", id="unknown-english"),
        pytest.param("*******", id="masked"),
        pytest.param("-", id="dash-only"),
    ],
)
def test_unreadable_camera_outputs_are_kept_not_rejected(raw: str | None) -> None:
    plate = normalise_plate(raw)
    assert plate.kind is PlateKind.UNREADABLE
    assert plate.valid is False
    assert plate.raw == raw
    assert plate.problems and "plate" in plate.problems[0]


@pytest.mark.parametrize(
    ("raw", "kind", "problem"),
    [
        pytest.param("晋L123", PlateKind.STANDARD, "plate has 5 characters; a complete plate has 7", id="short"),
        pytest.param("晋L1234567", PlateKind.STANDARD, "plate has 9 characters", id="too-long"),
        pytest.param("晋LO1234", PlateKind.STANDARD, "character 3 is the letter 'O'", id="O-in-serial"),
        pytest.param("晋L1I345", PlateKind.STANDARD, "did you mean 1?", id="I-in-serial"),
        pytest.param("晋I12345", PlateKind.STANDARD, "character 2 is the letter 'I'", id="I-as-office-letter"),
        pytest.param("晋812345", PlateKind.STANDARD, "character 2 '8' must be a letter", id="digit-as-office-letter"),
        pytest.param("X L12345", PlateKind.STANDARD, "first character 'X' is not a province", id="latin-province"),
        pytest.param("台A12345", PlateKind.STANDARD, "first character '台' is not a province", id="not-ga36"),
        pytest.param("晋L12?45", PlateKind.STANDARD, "character 5 '?' is not a letter or digit", id="partial-read"),
        pytest.param("晋L123456", PlateKind.NEW_ENERGY, "needs an energy letter", id="new-energy-without-mark"),
        pytest.param("晋L123挂", PlateKind.TRAILER, "trailer plate has 6 characters", id="short-trailer"),
    ],
)
def test_invalid_plates_report_problems(raw: str, kind: PlateKind, problem: str) -> None:
    plate = normalise_plate(raw)
    assert plate.valid is False
    assert plate.kind is kind
    assert any(problem in p for p in plate.problems), plate.problems


def test_plate_is_frozen() -> None:
    plate = normalise_plate("晋L12345")
    with pytest.raises(dataclasses.FrozenInstanceError):
        plate.normalised = "晋L00000"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("晋LO1234", "晋L01234", id="O-to-0"),
        pytest.param("晋L1I345", "晋L11345", id="I-to-1"),
        pytest.param("晋L1B345", "晋L18345", id="B-to-8"),
        pytest.param("晋L18345", "晋L1B345", id="8-to-B"),
        pytest.param("晋LD2345", "晋L02345", id="D-to-0"),
        pytest.param("晋012345", "晋D12345", id="0-to-D-in-office-letter"),
        pytest.param("晋O12345", "晋D12345", id="O-to-D-in-office-letter"),
        pytest.param("晋l o1234", "晋L01234", id="raw-input-is-normalised-first"),
    ],
)
def test_alternatives_contain_the_intended_plate(raw: str, expected: str) -> None:
    assert expected in plate_alternatives(raw)


def test_alternatives_for_O_in_serial_put_the_single_substitution_first() -> None:
    assert plate_alternatives("晋LO1234") == ["晋L01234", "晋L01Z34"]


def test_alternatives_are_valid_distinct_and_exclude_the_input() -> None:
    alternatives = plate_alternatives("晋L18345", limit=50)
    assert "晋L18345" not in alternatives
    assert len(alternatives) == len(set(alternatives))
    assert all(normalise_plate(a).valid for a in alternatives)
    # One substitution before two, lexicographic within a level.
    assert alternatives[:2] == ["晋L1834S", "晋L1B345"]


def test_alternatives_respect_limit() -> None:
    assert len(plate_alternatives("晋LD2345", limit=3)) == 3
    assert plate_alternatives("晋LD2345", limit=0) == []


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("无牌", id="unreadable"),
        pytest.param("晋L34679", id="nothing-confusable"),
        pytest.param("晋L0000000000000000000", id="too-long-to-ever-be-valid"),
    ],
)
def test_no_alternatives(raw: str) -> None:
    assert plate_alternatives(raw) == []


@pytest.mark.parametrize(
    ("value", "colour"),
    [
        pytest.param("blue", PlateColour.BLUE, id="english"),
        pytest.param(" YELLOW ", PlateColour.YELLOW, id="english-upper"),
        pytest.param("yellow_green", PlateColour.YELLOW_GREEN, id="english-underscore"),
        pytest.param("Yellow-Green", PlateColour.YELLOW_GREEN, id="english-hyphen"),
        pytest.param("蓝", PlateColour.BLUE, id="chinese-short"),
        pytest.param("黄色", PlateColour.YELLOW, id="chinese-with-se"),
        pytest.param("渐变绿", PlateColour.GREEN, id="gradient-green"),
        pytest.param("绿色", PlateColour.GREEN, id="green"),
        pytest.param("黄绿色", PlateColour.YELLOW_GREEN, id="yellow-green-chinese"),
        pytest.param("白", PlateColour.WHITE, id="white"),
        pytest.param("黑色", PlateColour.BLACK, id="black"),
    ],
)
def test_colour_names(value: str, colour: PlateColour) -> None:
    assert parse_plate_colour(value) is colour


@pytest.mark.parametrize(
    ("value", "source", "colour"),
    [
        pytest.param(1, "jtt808", PlateColour.BLUE, id="jtt808-1-blue"),
        pytest.param(2, "jtt808", PlateColour.YELLOW, id="jtt808-2-yellow"),
        pytest.param("3", "jtt808", PlateColour.BLACK, id="jtt808-3-black-as-text"),
        pytest.param(93, "jtt808", PlateColour.YELLOW_GREEN, id="jtt808-93-yellow-green"),
        pytest.param(94, "jtt808", PlateColour.GREEN, id="jtt808-94-gradient-green"),
        pytest.param(0, "toll", PlateColour.BLUE, id="toll-0-blue"),
        pytest.param(1, "toll", PlateColour.YELLOW, id="toll-1-yellow"),
        pytest.param("4", "toll", PlateColour.GREEN, id="toll-4-gradient-green"),
        pytest.param(2, "TOLL", PlateColour.BLACK, id="toll-source-any-case"),
    ],
)
def test_colour_codes_per_source(value: int | str, source: str, colour: PlateColour) -> None:
    assert parse_plate_colour(value, source=source) is colour


def test_the_same_code_means_different_colours_per_source() -> None:
    assert parse_plate_colour(1, "jtt808") is not parse_plate_colour(1, "toll")
    assert set(PLATE_COLOUR_CODE_SOURCES) == {"jtt808", "toll"}


@pytest.mark.parametrize(
    ("value", "source", "fragment"),
    [
        pytest.param(2, None, "pass source= one of: jtt808, toll", id="code-without-source"),
        pytest.param("2", None, "pass source= one of: jtt808, toll", id="text-code-without-source"),
        pytest.param(2, "gb", "unknown colour code source 'gb'", id="unknown-source"),
        pytest.param(7, "jtt808", "code 7 is not a plate colour in source 'jtt808'", id="unknown-code"),
        pytest.param("purple", None, "'purple' is not a plate colour", id="unknown-name"),
        pytest.param(True, "toll", "expected a colour name or numeric code", id="bool"),
    ],
)
def test_colour_errors(value: object, source: str | None, fragment: str) -> None:
    with pytest.raises(InvalidIdentifier) as error:
        parse_plate_colour(value, source)  # type: ignore[arg-type]
    assert error.value.kind == "plate_colour"
    assert fragment in error.value.reason


def test_a_plate_as_issued_takes_the_short_way_to_the_same_answer():
    """Readings that are already clean skip cleaning and the per-character checks: the answer must be the same as
    the full way's, for them and for every near miss (wrong letters, I and O, suffixes, lengths, spacing)."""
    import random

    from shared.identifiers.plates import _AS_ISSUED, _normalise, _normalise_in_full

    rng = random.Random(20261126)
    alphabet = "晋冀京使学挂警港ABCDEFGHIJKLMNOPQRSTUVWXYZabcdz0123456789 -·Ｌ１*"
    samples = ["晋L12345", "晋LD12345", "晋L12345D", "晋LF1234X", "晋LI2345", "晋L1234", "晋L123456", "晋L12345学"]
    for _ in range(20_000):
        head = rng.choice(["晋", "冀", "京", "沪", "使", "X", ""]) + rng.choice("ABCDLIOZ1a")
        samples.append(head + "".join(rng.choice(alphabet if rng.random() < 0.3 else "0123456789ADFKZ")
                                      for _ in range(rng.randint(3, 7))))
    short = [raw for raw in samples if _AS_ISSUED.fullmatch(raw)]
    assert len(short) > 500 and len(samples) - len(short) > 5_000  # both ways are exercised
    for raw in samples:
        assert _normalise(raw) == _normalise_in_full(raw), raw
