"""The vehicle register template: the columns a CSV/XLSX import carries, in Chinese and English."""

from __future__ import annotations

from shared.tabular import Column, TableSpec
from shared.vocab import EmissionStage, Fuel, VehicleClass
from vehicles.terms import BodyType, VehicleStatus


def _values(enum: type) -> str:
    return ", ".join(member.value for member in enum)  # type: ignore[attr-defined]


VEHICLE_TABLE = TableSpec(
    name="机动车登记 Vehicle register",
    columns=(
        Column("plate", "号牌号码", "Plate", True, ("车牌号", "车牌号码"),
               "7 characters, 8 for new-energy", "晋L12345"),
        Column("plate_colour", "号牌颜色", "Plate colour", True, ("车牌颜色",),
               "blue, yellow, green, yellow-green, white, black or 蓝/黄/绿/渐变绿/黄绿/白/黑", "黄"),
        Column("vin", "车辆识别代号", "VIN", False, ("车架号",), "17 characters with check digit", "LFWSRXRJ1ACD00001"),
        Column("vehicle_class", "车辆类型", "Vehicle class", True, ("车辆类别",),
               f"{_values(VehicleClass)} or 重型货车/中型货车/轻型货车/大型客车/小型客车", "N3"),
        Column("body_type", "使用性质", "Body type", True, ("车身类型", "用途"), _values(BodyType) + " or 中文名称",
               "牵引车"),
        Column("fuel", "燃料种类", "Fuel", True, ("燃料类型",), _values(Fuel) + " or 柴油/汽油/天然气/纯电动…", "柴油"),
        Column("emission_stage", "排放阶段", "Emission stage", False, ("排放标准",),
               f"{_values(EmissionStage)}, 国三/国IV…, 0-6, D (electric); empty: inferred", "国四"),
        Column("operating", "营运", "Operating", True, ("是否营运",), "是/否, 营运/非营运, true/false", "是"),
        Column("owner_uscc", "所有人统一社会信用代码", "Owner credit code", False, ("统一社会信用代码",),
               "18 characters with check character", "911410020000000017"),
        Column("owner_person_id", "所有人身份证号", "Owner person id", False, ("身份证号",),
               "18 characters; stored only as a keyed hash and its last 4", ""),
        Column("district_code", "行政区划代码", "District code", True, ("区县代码",), "6 digits (GB/T 2260)", "141002"),
        Column("registration_date", "注册日期", "Registration date", True, ("初次登记日期",),
               "YYYY-MM-DD", "2015-06-01"),
        Column("scrap_deadline", "强制报废日期", "Scrap deadline", False, ("强制报废期止",), "YYYY-MM-DD", ""),
        Column("status", "状态", "Status", False, ("机动车状态",),
               f"{_values(VehicleStatus)} or 正常/报废/注销/公告牌证作废/转出; new vehicles only", "正常"),
        Column("status_date", "状态日期", "Status date", False, (), "YYYY-MM-DD; default: registration date", ""),
        Column("replaces_plate", "被更新车辆号牌", "Replaces plate", False, (), "the plate this vehicle replaced", ""),
        Column("replaces_plate_colour", "被更新车辆号牌颜色", "Replaces plate colour", False, (), "", ""),
    ),
)  # fmt: skip
