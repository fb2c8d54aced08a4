"""The SQL of the set-wise PostgreSQL import: the checks that decide a row needs no Python, and the upsert.

The checks are the canonical shapes only (a plate already normalised, a VIN in capitals with its check digit,
a resident id with its check character); anything else is read by vehicles.parsing in Python, which gives
the error messages. Terms (colours, classes, dates, credit codes ...) are read once per distinct text in
Python and joined here, so every message and every reading is the one the row-wise import makes.
"""

from __future__ import annotations

import hashlib

from shared.identifiers.plates import PROVINCE_ABBREVIATIONS
from shared.identifiers.vin import WEIGHTS as VIN_WEIGHTS
from vehicles.commands.registry import FACT_COLUMNS
from vehicles.daos.changes import RECORD_FIELDS
from vehicles.import_stage import STAGE, Stage
from vehicles.parsing import VEHICLE_FIELDS
from vehicles.rules import _ID_WEIGHTS
from vehicles.terms import LEAVING_STATUSES, VehicleStatus

# Fields read once per distinct combination in Python: few distinct values, joined as one key.
COMBO_FIELDS = ("plate_colour", "vehicle_class", "body_type", "fuel", "emission_stage", "operating", "district_code",
                "status", "replaces_plate_colour")  # fmt: skip
# Fields read once per distinct text (a credit code repeats across an owner's fleet; dates repeat).
TERM_FIELDS = ("owner_uscc", "scrap_deadline", "status_date")
# The triple the stage is inferred from; its registration date is read there too.
TRIPLE = ("fuel", "vehicle_class", "registration_date")
REQUIRED = frozenset(name for name, (_, required) in VEHICLE_FIELDS.items() if required)

VALUE_COLUMNS = ("plate", "plate_colour", "plate_raw", "vin", "vehicle_class", "body_type", "fuel", "emission_stage",
                 "stage_inferred", "inference_rule_id", "operating", "owner_uscc", "owner_person_hash",
                 "owner_person_tail", "district_code", "registration_date", "scrap_deadline", "replaces_plate",
                 "replaces_plate_colour")  # fmt: skip
STATUS_COLUMNS = ("status", "status_date", "out_of_service_on", "left_on")
READY_COLUMNS = ("row_no", *VALUE_COLUMNS, *STATUS_COLUMNS, "status_in")
_TYPES = {"stage_inferred": "boolean", "operating": "boolean", "inference_rule_id": "integer",
          "registration_date": "date", "scrap_deadline": "date", "status_date": "date", "out_of_service_on": "date",
          "left_on": "date", "row_no": "bigint", "vid": "integer"}  # fmt: skip

_LETTERS = "A-HJ-NP-Z"
# GA 36 plates as vehicles.parsing stores them: 7 characters, or 8 with the new-energy mark first or last.
PLATE_RE = (f"^[{''.join(sorted(PROVINCE_ABBREVIATIONS))}][{_LETTERS}]"
            f"([{_LETTERS}0-9]{{5}}|[ABCDEFGHJK][{_LETTERS}0-9]{{5}}|[0-9]{{5}}[ABCDEFGHJK])$")
NOT_VIN_RE = "[^0-9A-HJ-NPR-Z]"  # a negated class and a length test cost a fraction of an anchored pattern
# ISO 3779 transliteration: every letter is one digit, so translate() turns a VIN into 17 digits.
_VIN_LETTERS, _VIN_DIGITS = "ABCDEFGHJKLMNPRSTUVWXYZ", "12345678123457923456789"
PERSON_RE = "^[0-9]{17}[0-9X]$"


def _columns(names: tuple[str, ...]) -> str:
    return ", ".join(f"{c} {_TYPES.get(c, 'text')}" for c in names)


CHUNK_COLUMNS = (*READY_COLUMNS, "vid")
TEMP_TABLES = f"""
CREATE TEMP TABLE import_combo (key text, ok boolean, stage_given boolean,
    {", ".join(f"v_{n} text" for n in COMBO_FIELDS)});
{"".join(f"CREATE TEMP TABLE import_term_{n} (raw text PRIMARY KEY, state text, value text);" for n in TERM_FIELDS)}
CREATE TEMP TABLE import_infer (fuel_raw text, class_raw text, date_raw text, ok boolean, registered date, stage text,
    rule_id integer);
CREATE TEMP TABLE import_ready ({_columns(READY_COLUMNS)}, round integer NOT NULL DEFAULT 1);
CREATE TEMP TABLE import_errs (row_no bigint, n integer, field text, reason text, value text);
CREATE TEMP TABLE import_chunk ({_columns(CHUNK_COLUMNS)});
CREATE TEMP TABLE import_cmp (row_no bigint, vid integer, conflict boolean, changed boolean, v_status text,
    v_status_date date, status_in text, plate text, plate_colour text, status text, status_date date,
    {_columns(FACT_COLUMNS)});
"""


def hmac_pads(secret_key: str) -> tuple[bytes, bytes]:
    """The inner and outer HMAC-SHA256 keys (RFC 2104), so SQL's sha256() computes vehicles.rules.person_hash."""
    key = secret_key.encode()
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def _vin_ok(raw: str) -> tuple[str, str]:
    """(select items computing the VIN's two halves as numbers, the check using them): computed a level down,
    behind a fence, so each half is computed once a row."""
    shape = f"octet_length({raw}) = 17 AND {raw} !~ '{NOT_VIN_RE}'"
    halves = ", ".join(f"CASE WHEN {shape} THEN translate(substr({raw}, {at}, 8), '{_VIN_LETTERS}', "
                       f"'{_VIN_DIGITS}')::int END AS vin_{name}" for at, name in ((1, "a"), (10, "b")))
    # digits of the two halves (positions 1-8 and 10-17) by integer arithmetic: cheaper than 16 substr() calls
    terms = [f"mod(s.vin_a / {10 ** (7 - i)}, 10) * {w}" for i, w in enumerate(VIN_WEIGHTS[:8])]
    terms += [f"mod(s.vin_b / {10 ** (7 - i)}, 10) * {w}" for i, w in enumerate(VIN_WEIGHTS[9:])]
    total = " + ".join(terms)
    check = f"CASE mod({total}, 11) WHEN 10 THEN 'X' ELSE mod({total}, 11)::text END"
    return halves, f"(s.vin_a IS NOT NULL AND substr({raw}, 9, 1) = {check})"


def _person_ok(raw: str) -> str:
    total = " + ".join(f"(ascii(substr({raw}, {i}, 1)) - 48) * {w}" for i, w in enumerate(_ID_WEIGHTS, 1))
    return f"({raw} ~ '{PERSON_RE}' AND substr({raw}, 18, 1) = substr('10X98765432', mod({total}, 11) + 1, 1))"


COMBO_SEPARATOR = "\x1f"


def combo_key(columns: list[str]) -> str:
    """SQL: the combo fields of a row as one join key (a single-column join is estimated sanely)."""
    return f"concat_ws(chr(31), {', '.join(f'coalesce({c}, {chr(39)}{chr(39)})' for c in columns)})"


def classify_sql(stage: Stage, sql_checks: bool = True) -> str:
    """INSERT INTO import_ready the rows that pass every check in SQL (params: today, ipad, opad)."""
    e = stage.expr
    combo = [n for n in COMBO_FIELDS if n in stage.columns]
    joins = ["JOIN import_combo c ON c.key = s.combo_key",
             "JOIN import_infer i ON " + " AND ".join(f"i.{k}_raw = {e(n)}" for k, n in
                                                    zip(("fuel", "class", "date"), TRIPLE, strict=True))]
    conditions = ["i.ok"]
    value: dict[str, str] = {n: f"c.v_{n}" if n in stage.columns else "NULL::text" for n in COMBO_FIELDS}
    present: dict[str, str] = {n: f"(c.v_{n} IS NOT NULL)" for n in combo}
    present.update({n: "false" for n in COMBO_FIELDS if n not in stage.columns})
    present["emission_stage"] = "c.stage_given" if "emission_stage" in stage.columns else "false"
    for name in TERM_FIELDS:
        if name not in stage.columns:
            value[name], present[name] = "NULL::text", "false"
            continue
        alias = f"m_{name}"
        joins.append(f"LEFT JOIN import_term_{name} {alias} ON {alias}.raw = {e(name)}")
        conditions.append(f"({e(name)} IS NULL OR {alias}.state IN ('ok', 'missing'))")
        value[name] = f"CASE WHEN {alias}.state = 'ok' THEN {alias}.value END"
        present[name] = f"coalesce({alias}.state = 'ok', false)"
    for name in ("vin", "owner_person_id", "replaces_plate"):
        present[name] = f"(coalesce({e(name)}, '') <> '')"
    vin_halves, vin_check = _vin_ok(e("vin", "s"))
    # The checks of single cells are computed behind a fence (OFFSET 0): left in WHERE, their tiny estimated
    # selectivity would make the planner hash the staging table instead of the small term tables.
    checks = (f"SELECT s.*, {e('plate', 's')} ~ '{PLATE_RE}' AS ok_plate, "
              f"(NOT {present['vin']} OR {vin_check}) AS ok_vin, "
              f"(NOT {present['owner_person_id']} OR {_person_ok(e('owner_person_id', 's'))}) AS ok_person, "
              f"(NOT {present['replaces_plate']} OR {e('replaces_plate', 's')} ~ '{PLATE_RE}') AS ok_replaces, "
              f"{combo_key([e(n, 's') for n in combo])} AS combo_key "
              f"FROM (SELECT s.*, {vin_halves} FROM {STAGE} s OFFSET 0) s OFFSET 0")
    registered = "i.registered"
    conditions += [
        # one clause, so that it is checked at the join and the staging table keeps its full estimate
        "CASE WHEN c.ok THEN s.ok_plate AND s.ok_vin AND s.ok_person AND s.ok_replaces ELSE false END",
        # vehicles.parsing.check_vehicle, the rules across fields
        f"NOT ({present['owner_uscc']} AND {present['owner_person_id']})",
        f"({value['scrap_deadline']})::date IS NULL OR ({value['scrap_deadline']})::date >= {registered}",
        f"({value['status_date']})::date IS NULL OR ({value['status_date']})::date >= {registered}",
        f"{registered} <= %(today)s",
        f"{present['replaces_plate']} = {present['replaces_plate_colour']}",
    ]
    if not sql_checks:
        conditions.append("false")  # every row through vehicles.parsing (tests compare both readings)
    stage_given = present["emission_stage"]
    status = f"coalesce({value['status']}, '{VehicleStatus.ACTIVE.value}')"
    status_day = (f"CASE WHEN {status} = '{VehicleStatus.ACTIVE.value}' THEN {registered} "
                  f"ELSE coalesce(({value['status_date']})::date, {registered}) END")
    leaving = ", ".join(f"'{s.value}'" for s in sorted(LEAVING_STATUSES))
    person = e("owner_person_id")
    columns = {
        "row_no": "s.row_no",
        "plate": e("plate"),
        "plate_colour": value["plate_colour"],
        "plate_raw": e("plate"),
        "vin": f"nullif({e('vin')}, '')",
        "vehicle_class": value["vehicle_class"],
        "body_type": value["body_type"],
        "fuel": value["fuel"],
        "emission_stage": f"CASE WHEN {stage_given} THEN {value['emission_stage']} ELSE i.stage END",
        "stage_inferred": f"CASE WHEN {stage_given} THEN false ELSE i.stage IS NOT NULL END",
        "inference_rule_id": f"CASE WHEN {stage_given} THEN NULL ELSE i.rule_id END",
        "operating": f"({value['operating']})::boolean",
        "owner_uscc": value["owner_uscc"],
        "owner_person_hash": f"CASE WHEN {present['owner_person_id']} THEN encode(sha256(%(opad)s::bytea || "
                             f"sha256(%(ipad)s::bytea || convert_to({person}, 'UTF8'))), 'hex') END",
        "owner_person_tail": f"CASE WHEN {present['owner_person_id']} THEN right({person}, 4) END",
        "district_code": value["district_code"],
        "registration_date": registered,
        "scrap_deadline": f"({value['scrap_deadline']})::date",
        "replaces_plate": f"nullif({e('replaces_plate')}, '')",
        "replaces_plate_colour": value["replaces_plate_colour"],
        "status": status,
        "status_date": status_day,
        "out_of_service_on": f"CASE WHEN {status} = '{VehicleStatus.ACTIVE.value}' THEN NULL ELSE {status_day} END",
        "left_on": f"CASE WHEN {status} IN ({leaving}) THEN {status_day} END",
        "status_in": value["status"],
    }
    return (f"INSERT INTO import_ready ({', '.join(READY_COLUMNS)}) "
            f"SELECT {', '.join(columns[c] for c in READY_COLUMNS)} FROM ({checks}) s "
            f"{' '.join(joins)} WHERE {' AND '.join(f'({c})' for c in conditions)}")


def term_sets_sql(stage: Stage) -> tuple[str, list[str], list[str]]:
    """One scan for every distinct combination of the combo fields, (fuel, class, date) triple and term text.

    Returns the query, the combo fields and the term fields present; each result row is
    (combo keys..., triple raws..., term raws..., set index)."""
    combo = [n for n in COMBO_FIELDS if n in stage.columns]
    terms = [n for n in TERM_FIELDS if n in stage.columns]
    combo_keys = [f"coalesce({stage.columns[n]}, '')" for n in combo]
    triple = [stage.columns[n] for n in TRIPLE]
    term_cols = [stage.columns[n] for n in terms]
    sets = [f"({', '.join(combo_keys)})", f"({', '.join(triple)})", *(f"({c})" for c in term_cols)]
    markers = [combo_keys[0], triple[0], *term_cols]
    which = "CASE " + " ".join(f"WHEN GROUPING({m}) = 0 THEN {i}" for i, m in enumerate(markers)) + " END"
    select = ", ".join([*combo_keys, *triple, *term_cols, which])
    return f"SELECT {select} FROM {STAGE} GROUP BY GROUPING SETS ({', '.join(sets)})", combo, terms


def slow_rows_sql(stage: Stage) -> str:
    """The rows the SQL checks did not pass (every file cell, for shared.tabular's blank-row rule)."""
    return (f"SELECT s.row_no, {', '.join('s.' + c for c in stage.file_columns)} FROM {STAGE} s "
            f"WHERE NOT ({stage.blank()}) AND NOT EXISTS (SELECT 1 FROM import_ready r WHERE r.row_no = s.row_no) "
            "ORDER BY s.row_no")


_RANGE = "r.row_no >= %(lo)s AND r.row_no < %(hi)s AND r.round = %(round)s"

# The chunk's rows (one round) with the id of the vehicle already registered under the plate and colour.
FILL_CHUNK = f"""
INSERT INTO import_chunk ({", ".join(CHUNK_COLUMNS)})
SELECT {", ".join("r." + c for c in READY_COLUMNS)}, v.id
FROM import_ready r LEFT JOIN vehicle v ON v.plate = r.plate AND v.plate_colour = r.plate_colour WHERE {_RANGE}"""

# A plain INSERT: the chunk only holds plates not registered; one registered meanwhile by a clerk makes it fail
# on the unique key and the chunk is run again (it is then found and compared).
INSERT_NEW = f"""
INSERT INTO vehicle ({", ".join((*VALUE_COLUMNS, *STATUS_COLUMNS))}, created_at, updated_at)
SELECT {", ".join("r." + c for c in (*VALUE_COLUMNS, *STATUS_COLUMNS))}, %(now)s, %(now)s
FROM import_chunk r WHERE r.vid IS NULL ORDER BY r.row_no"""

COUNT_NEW = "SELECT count(*) FILTER (WHERE vid IS NULL), count(*) FILTER (WHERE vid IS NOT NULL) FROM import_chunk"

LOCK_STORED = """SELECT count(*) FROM (SELECT v.id FROM vehicle v JOIN import_chunk r ON v.id = r.vid
    ORDER BY v.id FOR UPDATE OF v) locked"""

# vehicles.commands.registry.updated_facts and merge_stage, set-wise: a recorded stage is never replaced by an
# inferred one, and a stage upgrade on record outranks an inference or a record from before the upgrade.
_KEEP_RECORDED = "r.stage_inferred AND v.emission_stage IS NOT NULL AND NOT v.stage_inferred"
_KEEP_UPGRADE = ("v.stage_upgraded_on IS NOT NULL AND (m.mi OR m.ms IS NOT DISTINCT FROM v.prior_stage) "
                 "AND v.emission_stage IS DISTINCT FROM m.ms")
_MERGED = {
    **{c: f"r.{c}" for c in FACT_COLUMNS},
    "emission_stage": f"CASE WHEN {_KEEP_UPGRADE} THEN v.emission_stage ELSE m.ms END",
    "stage_inferred": f"CASE WHEN {_KEEP_UPGRADE} THEN false ELSE m.mi END",
    "inference_rule_id": f"CASE WHEN {_KEEP_UPGRADE} THEN NULL ELSE m.mr END",
}
_CMP_BASE = ("row_no", "vid", "conflict", "v_status", "v_status_date", "status_in", "plate", "plate_colour", "status",
             "status_date")
COMPARE = f"""
INSERT INTO import_cmp (row_no, vid, conflict, v_status, v_status_date, status_in, plate, plate_colour, status,
                        status_date, {", ".join(FACT_COLUMNS)}, changed)
SELECT {", ".join("z." + c for c in (*_CMP_BASE, *FACT_COLUMNS))},
       {" OR ".join(f"z.{c} IS DISTINCT FROM z.v_{c}" for c in FACT_COLUMNS)}
FROM (
    SELECT r.row_no, v.id, coalesce(r.status_in <> v.status, false), v.status, v.status_date, r.status_in, r.plate,
           r.plate_colour, v.status, v.status_date, {", ".join(_MERGED[c] for c in FACT_COLUMNS)},
           {", ".join(f"v.{c} AS v_{c}" for c in FACT_COLUMNS)}
    FROM import_chunk r
    JOIN vehicle v ON v.id = r.vid
    CROSS JOIN LATERAL (SELECT
        CASE WHEN {_KEEP_RECORDED} THEN v.emission_stage ELSE r.emission_stage END AS ms,
        CASE WHEN {_KEEP_RECORDED} THEN false ELSE r.stage_inferred END AS mi,
        CASE WHEN {_KEEP_RECORDED} THEN v.inference_rule_id ELSE r.inference_rule_id END AS mr) m
) z (row_no, vid, conflict, v_status, v_status_date, status_in, plate, plate_colour, status, status_date,
     {", ".join(FACT_COLUMNS)}, {", ".join("v_" + c for c in FACT_COLUMNS)})"""

# vehicles.commands.registry.status_conflict's message, word for word
CONFLICT_ERRORS = """
INSERT INTO import_row_error (job_id, row, field, reason, value)
SELECT %(job)s, row_no, 'status', 'the vehicle is ' || v_status || ' since ' || to_char(v_status_date, 'YYYY-MM-DD')
       || '; change its status with POST /api/v1/vehicles/{plate}/{colour}/status (date and reason)', status_in
FROM import_cmp WHERE conflict ORDER BY row_no"""

UPDATE_CHANGED = f"""
UPDATE vehicle v SET {", ".join(f"{c} = c.{c}" for c in FACT_COLUMNS)}, updated_at = %(now)s
FROM import_cmp c WHERE v.id = c.vid AND c.changed AND NOT c.conflict"""

INSERT_EVENTS = f"""
INSERT INTO vehicle_event (vehicle_id, kind, effective_date, from_value, to_value, reason, recorded_at, recorded_by)
SELECT n.id, 'status_changed', r.status_date, NULL, r.status, 'status on the first registry record', %(now)s,
       %(actor)s
FROM import_chunk r JOIN vehicle n ON n.plate = r.plate AND n.plate_colour = r.plate_colour
WHERE r.vid IS NULL AND r.status <> '{VehicleStatus.ACTIVE.value}' ORDER BY r.row_no"""


def _record(alias: str) -> str:
    return "json_build_object(" + ", ".join(f"'{f}', {alias}.{f}" for f in RECORD_FIELDS) + ")"


# New vehicles first, then the changed ones, each in file order (the row-wise import's order within a batch).
APPEND_FEED = f"""
INSERT INTO change_log (seq, kind, key, data, changed_at)
SELECT %(last)s + row_number() OVER (ORDER BY grp, row_no), %(kind)s,
       json_build_object('plate', plate, 'plate_colour', plate_colour), data, %(now)s
FROM (
    SELECT 0 AS grp, r.row_no, r.plate, r.plate_colour, {_record("r")} AS data
    FROM import_chunk r WHERE r.vid IS NULL
    UNION ALL
    SELECT 1, c.row_no, c.plate, c.plate_colour, {_record("c")}
    FROM import_cmp c WHERE c.changed AND NOT c.conflict
) items"""

CMP_COUNTS = """SELECT count(*) FILTER (WHERE conflict), count(*) FILTER (WHERE changed AND NOT conflict),
    count(*) FILTER (WHERE NOT changed AND NOT conflict) FROM import_cmp"""

CHUNK_COUNTS = """SELECT (SELECT count(*) FROM import_ready WHERE row_no >= %(lo)s AND row_no < %(hi)s),
    (SELECT count(DISTINCT row_no) FROM import_errs WHERE row_no >= %(lo)s AND row_no < %(hi)s)"""

MOVE_ERRORS = """INSERT INTO import_row_error (job_id, row, field, reason, value)
SELECT %(job)s, row_no, field, reason, value FROM import_errs WHERE row_no >= %(lo)s AND row_no < %(hi)s
ORDER BY row_no, n"""

COUNT_JOB = """UPDATE import_job SET rows_read = rows_read + %(read)s, rows_invalid = rows_invalid + %(invalid)s,
    rows_inserted = rows_inserted + %(inserted)s, rows_updated = rows_updated + %(updated)s,
    rows_unchanged = rows_unchanged + %(unchanged)s WHERE id = %(job)s"""

DUPLICATES = """SELECT r.row_no, r.plate, r.plate_colour FROM import_ready r
JOIN (SELECT plate, plate_colour FROM import_ready GROUP BY plate, plate_colour HAVING count(*) > 1) d
  ON d.plate = r.plate AND d.plate_colour = r.plate_colour ORDER BY r.row_no"""


def ordinals_sql(stage: Stage) -> str:
    """The position of given rows among the non-blank rows in the staging table (params: rows)."""
    return (f"SELECT row_no, ord FROM (SELECT s.row_no, row_number() OVER (ORDER BY s.row_no) AS ord FROM {STAGE} s "
            f"WHERE NOT ({stage.blank()})) z WHERE row_no = ANY(%(rows)s)")
