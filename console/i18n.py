"""Chinese interface text with English available: the Chinese text is the key, catalogue.py holds English
and the labels of the codes services send."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, g, session

from console.catalogue import CODES, ENGLISH
from shared.timeutil import zone

LANGUAGES = ("zh", "en")


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


def local_time(value: object) -> str:
    """An ISO instant from a service shown as the city's wall-clock time ("2026-11-26 12:01"); else as given."""
    if not isinstance(value, str) or "T" not in value:
        return "—" if value is None else str(value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone()).strftime("%Y-%m-%d %H:%M")


def init_app(app: Flask) -> None:
    """Give templates `_()`, `lang` and the `localtime` filter."""
    app.jinja_env.globals["_"] = translate
    app.jinja_env.filters["localtime"] = local_time

    @app.context_processor
    def _language() -> dict[str, object]:
        return {"lang": current_language()}
