"""Chinese interface text with English available: the Chinese text is the key, catalogue.py holds English
and the labels of the codes services send. What a service says in English (a refusal's detail, a ban's detail,
a plan citation, why it is down) is turned into Chinese here, in one place, before a page shows it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, session

from console.catalogue import BAN_DETAILS_ZH, CITATION_ZH, CODES, ENGLISH, FIELD_REASONS_ZH, REASONS_ZH
from console.views.common import area_choices, area_name
from shared.timeutil import zone

LANGUAGES = ("zh", "en")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_URL = re.compile(r"\s*(?:at\s+)?https?://\S+")
_BAN_DETAILS = [(re.compile(pattern), template) for pattern, template in BAN_DETAILS_ZH]
_CITATION = [(re.compile(pattern), replacement) for pattern, replacement in CITATION_ZH]
_REASONS = [(re.compile(pattern), template) for pattern, template in REASONS_ZH]
# "rail (铁路)" in a list of allowed values: the Chinese is what a person picks from
_CODE_WITH_LABEL = re.compile(r"\b[a-z][a-z0-9_]* \(([^()]*[\u4e00-\u9fff][^()]*)\)")
# Which vocabulary a named group of a ban detail's pattern is shown through (a code the catalogue knows).
_GROUP_PREFIX = {"status": "", "stage": "", "fuel": "", "vclass": "vclass.", "area": "", "mstatus": "mstatus.",
                 "mstage": "mstage.", "mfuel": "mfuel.", "mtype": "mtype."}
_AREA_ZH = {"urban": "市区", "city": "全市"}
_STATUS_CODES = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 409: "conflict",
                 413: "payload-too-large", 415: "unsupported-media-type", 422: "validation-failed",
                 429: "too-many-requests"}


def current_language() -> str:
    """The language of this request: the session's choice, else the user's, else Chinese."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    user = g.get("user")
    return user.language if user is not None and user.language in LANGUAGES else "zh"


def translate(text: str, **values: object) -> str:
    """`text` (Chinese) in the request's language, with {name} placeholders filled in."""
    english = current_language() == "en"
    if text in CODES:
        text = CODES[text][1 if english else 0]
    elif english:
        text = ENGLISH.get(text, text)
    return text.format(**values) if values else text


def label(prefix: str, code: object) -> str:
    """A code from a service in the interface language through the catalogue (`prefix` names its vocabulary);
    a code the catalogue does not know is shown as sent."""
    if code is None or code == "":
        return "—"
    key = f"{prefix}{code}"
    return translate(key) if key in CODES else str(code)


def service_label(service: str) -> str:
    """A service as a person reads it: 车辆服务, 运输结构服务 ..."""
    return label("service.", service)


def local_time(value: object) -> str:
    """An instant (ISO text from a service, or a datetime, naive meaning UTC) as the city's wall-clock time
    ("2026-11-26 12:01"); anything else as given."""
    if isinstance(value, datetime):
        moment = value
    elif not isinstance(value, str) or "T" not in value:
        return "—" if value is None else str(value)
    else:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone()).strftime("%Y-%m-%d %H:%M")


def without_urls(text: object) -> str:
    """A reason as an operator wrote it, minus any internal address (those go to the log, not to a page)."""
    return _URL.sub("", str(text or "")).strip()


def field_reason(reason: object) -> str:
    """A field's reason from a service: Chinese where the catalogue knows it (or it is Chinese already)."""
    text = without_urls(reason)
    if current_language() == "en":
        return text
    for english, chinese in FIELD_REASONS_ZH.items():
        if text.startswith(english):
            return chinese
    for pattern, template in _REASONS:
        match = pattern.match(text)
        if match:
            return _CODE_WITH_LABEL.sub(r"\1", template.format(*match.groups())).replace(", ", "、")
    return text


def problem_view(problem: dict[str, Any] | None) -> dict[str, Any] | None:
    """A service's problem+json as a page shows it: a sentence in the interface language chosen by its code
    (else its status), the service's own detail (English: shown only in the English interface) and each
    field's error with the field's label."""
    if not problem:
        return None
    english = current_language() == "en"
    code = str(problem.get("code") or "")
    status = problem.get("status")
    if f"problem.{code}" not in CODES:
        code = _STATUS_CODES.get(status if isinstance(status, int) else 0, "other")
    detail = str(problem.get("detail") or problem.get("title") or "")
    if "status" not in problem and "code" not in problem:
        message, detail = detail, ""  # the console's own words (already in the interface language)
    elif _CJK.search(detail) and not english:
        message = detail  # a service that already speaks Chinese is shown as it spoke
    else:
        message = translate(f"problem.{code}")
    errors = [{**error, "field_label": _field_label(str(error.get("field") or "")),
               "reason_text": field_reason(error.get("reason"))}
              for error in problem.get("errors") or [] if isinstance(error, dict)]
    return {"message": message, "detail": without_urls(detail) if english and detail != message else "",
            "errors": errors, "status": status}


def error_detail(detail: str, status: int, service: str | None = None) -> str:
    """What an error page says under its title: the catalogue's words, else in Chinese a sentence chosen by the
    status (a service's English reason is for the English interface and the log), never an internal address."""
    if detail in CODES or _CJK.search(detail):
        return translate(detail)
    if current_language() == "en":
        return without_urls(detail)
    if status in (502, 503) and service:
        return translate("{service}暂不可用，操作未完成。", service=service_label(service))
    return translate(f"problem.{_STATUS_CODES.get(status, 'other')}")


def problem_text(problem: dict[str, Any] | None) -> str:
    """A refusal on one line (for a flash message): the sentence, then each field's label and reason."""
    view = problem_view(problem)
    if view is None:
        return ""
    parts = [view["message"], view["detail"]]
    parts += [f"{e['field_label']}: {e['reason_text']}" for e in view["errors"]]
    return "；".join(p for p in parts if p)


def _field_label(field: str) -> str:
    """`lines.3.tonnes` -> 申报明细 3 吨数: each part through the field vocabulary, numbers kept."""
    if not field:
        return ""
    return " ".join(part if part.isdigit() else label("field.", part) for part in field.split("."))


def citation(text: object) -> str:
    """A plan citation ("临政办发〔2020〕13号 四(三) item 15") in the interface language: 第15条 in Chinese."""
    out = str(text or "").strip()
    if current_language() == "en":
        return out
    for pattern, replacement in _CITATION:
        out = pattern.sub(replacement, out)
    return out


def ban_detail(reason: dict[str, Any]) -> str:
    """The detail of a ban reason from vehicles (English) said in the interface language; in Chinese, a
    detail of a shape not known here is left out (the reason's Chinese label says why)."""
    detail = str(reason.get("detail") or "")
    if current_language() == "en" or _CJK.search(detail):
        return detail
    for pattern, template in _BAN_DETAILS:
        match = pattern.match(detail)
        if match:
            values = {name: _ban_value(name, value) for name, value in match.groupdict().items()}
            return template.format(**values)
    return ""


def _ban_value(name: str, value: str | None) -> str:
    if value is None or value == "None":
        return "—"
    if name == "area":
        return _AREA_ZH.get(value, value)
    prefix = _GROUP_PREFIX.get(name)
    return value if prefix is None else label(prefix, value)


# A fact's vocabulary by the field that carries it, in answers shown field by field (a machine's facts).
_FACT_PREFIX = {"machine_type": "mtype.", "fuel": "mfuel.", "emission_stage": "mstage.", "status": "mstatus.",
                "follow_up": "follow_up.", "plate_colour": "", "list_kind": "list.", "subject_type": "subject."}


def fact_value(key: object, value: object) -> str:
    """One value of an answer shown field by field: a code through its vocabulary (excavator -> 挖掘机)."""
    prefix = _FACT_PREFIX.get(str(key)) if key is not None else None
    if prefix is None or not isinstance(value, str):
        return str(value)
    if f"{prefix}{value}" not in CODES and f"{value}" in CODES and key in ("emission_stage", "fuel"):
        return translate(value)  # a vehicle's stage or fuel (china_4, diesel), not a machine's
    return label(prefix, value)


def rule_label(code: object) -> str:
    """A gate rule's code ("alert.bulk_diesel_china4_or_below.linfen_2024") by its name, the plan's city and
    year left off; a rule the catalogue does not know is shown as sent."""
    text = str(code or "")
    general = text.rsplit(".", 1)[0]
    return translate(f"rule.{general}") if f"rule.{general}" in CODES else (text or "—")


def audit_detail(detail: object) -> str:
    """An audit row's detail ("role=enterprise uscc=...", "3 failed logins in a row") in the interface language."""
    text = str(detail or "")
    if current_language() == "en" or not text:
        return text
    failures = re.fullmatch(r"(\d+) failed logins in a row", text)
    if failures:
        return f"连续 {failures.group(1)} 次登录失败"
    pairs = dict(part.split("=", 1) for part in text.split() if "=" in part)
    if not pairs or len(pairs) != len(text.split()):
        return text
    names = {"role": ("角色", lambda v: label("", v)), "uscc": ("统一社会信用代码", str)}
    return "，".join(f"{names[k][0]}：{names[k][1](v)}" if k in names else f"{k}={v}" for k, v in pairs.items())


def init_app(app: Flask) -> None:
    """Give templates `_()`, `lang`, the `localtime`, `citation`, `ban_detail` and `service_label` filters,
    and `problem_view()`."""
    app.jinja_env.globals["_"] = translate
    app.jinja_env.globals["problem_view"] = problem_view
    app.jinja_env.globals["label"] = label
    app.jinja_env.globals["fact_value"] = fact_value
    app.jinja_env.globals["area_choices"] = area_choices
    app.jinja_env.filters["area_name"] = area_name
    app.jinja_env.filters["localtime"] = local_time
    app.jinja_env.filters["citation"] = citation
    app.jinja_env.filters["ban_detail"] = ban_detail
    app.jinja_env.filters["service_label"] = service_label
    app.jinja_env.filters["without_urls"] = without_urls
    app.jinja_env.filters["reason"] = field_reason
    app.jinja_env.filters["rule_label"] = rule_label
    app.jinja_env.filters["audit_detail"] = audit_detail

    @app.context_processor
    def _language() -> dict[str, object]:
        return {"lang": current_language()}

