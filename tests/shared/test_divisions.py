"""Administrative division codes (GB/T 2260): validation and the shipped list for the four plan cities."""

import pytest

from shared.identifiers import (
    InvalidIdentifier,
    districts_of,
    division_name,
    is_known_division,
    validate_division_code,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("141002", "141002", id="county"),
        pytest.param(141000, "141000", id="int-from-spreadsheet"),
        pytest.param(" 140100 ", "140100", id="whitespace"),
        pytest.param("１３０１００", "130100", id="full-width"),
        pytest.param("110108", "110108", id="beijing-district-not-listed"),
        pytest.param("429004", "429004", id="province-administered-county"),
        pytest.param("810000", "810000", id="hong-kong"),
    ],
)
def test_well_formed_codes_are_accepted(raw: str | int, expected: str) -> None:
    assert validate_division_code(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        pytest.param("14100", "six digits; got 5", id="too-short"),
        pytest.param("1410020", "six digits; got 7", id="too-long"),
        pytest.param("14100A", "'A' is not a digit", id="letter"),
        pytest.param("161000", "digits 1–2 (16) are not a province-level code", id="no-province-16"),
        pytest.param("991000", "digits 1–2 (99) are not a province-level code", id="no-province-99"),
        pytest.param("140002", "digits 5–6 must be 00, not 02", id="province-with-county"),
        pytest.param("110300", "北京市 is a municipality", id="municipality-prefecture"),
        pytest.param("810100", "香港特别行政区 has only the province-level code 810000", id="hong-kong-sub"),
    ],
)
def test_malformed_codes_are_rejected(raw: str, fragment: str) -> None:
    with pytest.raises(InvalidIdentifier) as error:
        validate_division_code(raw)
    assert error.value.kind == "division_code"
    assert fragment in error.value.reason


@pytest.mark.parametrize(
    ("code", "name"),
    [
        pytest.param("140000", "山西省", id="shanxi"),
        pytest.param("130000", "河北省", id="hebei"),
        pytest.param("141000", "临汾市", id="linfen"),
        pytest.param("141002", "尧都区", id="yaodu"),
        pytest.param("141082", "霍州市", id="huozhou"),
        pytest.param("140900", "忻州市", id="xinzhou"),
        pytest.param("140981", "原平市", id="yuanping"),
        pytest.param("140100", "太原市", id="taiyuan"),
        pytest.param("140105", "小店区", id="xiaodian"),
        pytest.param("130100", "石家庄市", id="shijiazhuang"),
        pytest.param("130109", "藁城区", id="gaocheng"),
        pytest.param("110000", "北京市", id="province-level-not-in-yaml"),
    ],
)
def test_known_names(code: str, name: str) -> None:
    assert division_name(code) == name
    assert is_known_division(code) is True


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("110108", id="beijing-haidian"),
        pytest.param("140171", id="nbs-only-development-zone"),
        pytest.param("130103", id="retired-qiaodong"),
    ],
)
def test_well_formed_but_unlisted(code: str) -> None:
    assert division_name(code) is None
    assert is_known_division(code) is False


@pytest.mark.parametrize("code", [pytest.param("abc", id="garbage"), pytest.param("990000", id="bad-province")])
def test_is_known_division_never_raises(code: str) -> None:
    assert is_known_division(code) is False


@pytest.mark.parametrize(
    ("city", "count", "first", "last"),
    [
        pytest.param("141000", 17, ("141002", "尧都区"), ("141082", "霍州市"), id="linfen"),
        pytest.param("140900", 14, ("140902", "忻府区"), ("140981", "原平市"), id="xinzhou"),
        pytest.param("140100", 10, ("140105", "小店区"), ("140181", "古交市"), id="taiyuan"),
        pytest.param("130100", 22, ("130102", "长安区"), ("130184", "新乐市"), id="shijiazhuang"),
        pytest.param("140000", 3, ("140100", "太原市"), ("141000", "临汾市"), id="shanxi-cities"),
    ],
)
def test_districts_of(city: str, count: int, first: tuple[str, str], last: tuple[str, str]) -> None:
    districts = districts_of(city)
    assert (len(districts), districts[0], districts[-1]) == (count, first, last)


def test_districts_of_unlisted_city_is_empty() -> None:
    assert districts_of("140200") == []


def test_districts_of_rejects_a_county_code() -> None:
    with pytest.raises(InvalidIdentifier, match="141002 is a county-level code"):
        districts_of("141002")
