"""Emission stages, fuels and classes read the same from a registry export, a gate camera or a clerk."""

from __future__ import annotations

import pytest

from shared.vocab import (
    EmissionStage,
    Fuel,
    UnknownTerm,
    VehicleClass,
    parse_emission_stage,
    parse_fuel,
    parse_vehicle_class,
    stage_code,
    truck_class_for_mass,
)


@pytest.mark.parametrize(
    ("given", "stage"),
    [
        ("国三", EmissionStage.CHINA_3),
        ("国Ⅳ", EmissionStage.CHINA_4),
        ("国 IV", EmissionStage.CHINA_4),
        ("china_4", EmissionStage.CHINA_4),
        ("CHINA V", EmissionStage.CHINA_5),
        ("4", EmissionStage.CHINA_4),
        (3, EmissionStage.CHINA_3),
        ("0", EmissionStage.CHINA_0),
        ("6", EmissionStage.CHINA_6A),
        ("国六b", EmissionStage.CHINA_6B),
        ("国6B", EmissionStage.CHINA_6B),
        ("china_6a", EmissionStage.CHINA_6A),
    ],
)
def test_stage_aliases_from_gates_and_registers(given, stage):
    assert parse_emission_stage(given) is stage


def test_the_guides_d_means_electric_with_no_stage():
    assert parse_emission_stage("D") is None
    assert stage_code(None) == "D"
    assert stage_code(EmissionStage.CHINA_6B) == "6"


@pytest.mark.parametrize("bad", ["7", "国七", "", "X", True, None, 4.5])
def test_unknown_stage_lists_the_allowed_values(bad):
    with pytest.raises(UnknownTerm) as raised:
        parse_emission_stage(bad)
    assert "china_4" in raised.value.allowed


def test_stage_order_is_the_order_of_the_standards():
    assert EmissionStage.CHINA_3.at_most(EmissionStage.CHINA_4)
    assert EmissionStage.CHINA_4.at_most(EmissionStage.CHINA_4)
    assert not EmissionStage.CHINA_5.at_most(EmissionStage.CHINA_4)
    assert EmissionStage.CHINA_6A.rank < EmissionStage.CHINA_6B.rank


@pytest.mark.parametrize(
    ("given", "fuel"),
    [
        ("柴油", Fuel.DIESEL),
        ("LNG", Fuel.NATURAL_GAS),
        ("Battery-Electric", Fuel.BATTERY_ELECTRIC),
        ("phev", Fuel.PLUG_IN_HYBRID),
    ],
)
def test_fuel_aliases(given, fuel):
    assert parse_fuel(given) is fuel


def test_new_energy_fuels_are_electric_hybrid_and_fuel_cell_only():
    assert {f for f in Fuel if f.is_new_energy} == {Fuel.BATTERY_ELECTRIC, Fuel.PLUG_IN_HYBRID, Fuel.FUEL_CELL}


def test_unknown_fuel_and_class_name_the_allowed_values():
    with pytest.raises(UnknownTerm, match="allowed: diesel"):
        parse_fuel("coal")
    with pytest.raises(UnknownTerm, match="N3"):
        parse_vehicle_class("N4")


@pytest.mark.parametrize(
    ("kg", "cls"),
    [(3500, VehicleClass.N1), (3501, VehicleClass.N2), (12000, VehicleClass.N2), (12001, VehicleClass.N3)],
)
def test_truck_class_boundaries_by_gross_mass(kg, cls):
    assert truck_class_for_mass(kg) is cls


def test_vehicle_class_names_from_gates():
    assert parse_vehicle_class("重型货车") is VehicleClass.N3
    assert parse_vehicle_class("n2") is VehicleClass.N2
    assert VehicleClass.N3.is_medium_or_heavy_truck and not VehicleClass.N1.is_medium_or_heavy_truck
