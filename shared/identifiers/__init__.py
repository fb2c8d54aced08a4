"""Chinese identifiers lantian handles: licence plates, USCC, VIN and administrative division codes."""

from shared.identifiers.divisions import (
    PROVINCE_LEVEL_CODES,
    districts_of,
    division_name,
    is_known_division,
    validate_division_code,
)
from shared.identifiers.errors import InvalidIdentifier
from shared.identifiers.plates import (
    PLATE_COLOUR_CODE_SOURCES,
    PROVINCE_ABBREVIATIONS,
    Plate,
    PlateColour,
    PlateKind,
    normalise_plate,
    parse_plate_colour,
    plate_alternatives,
)
from shared.identifiers.uscc import is_valid_uscc, uscc_check_character, validate_uscc
from shared.identifiers.vin import is_valid_vin, validate_vin, vin_check_digit

__all__ = [
    "PLATE_COLOUR_CODE_SOURCES",
    "PROVINCE_ABBREVIATIONS",
    "PROVINCE_LEVEL_CODES",
    "InvalidIdentifier",
    "Plate",
    "PlateColour",
    "PlateKind",
    "districts_of",
    "division_name",
    "is_known_division",
    "is_valid_uscc",
    "is_valid_vin",
    "normalise_plate",
    "parse_plate_colour",
    "plate_alternatives",
    "uscc_check_character",
    "validate_division_code",
    "validate_uscc",
    "validate_vin",
    "vin_check_digit",
]
