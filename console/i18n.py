"""Chinese interface text with English available: the Chinese text is the key, catalogue.py holds English
and the labels of the codes services send."""

from __future__ import annotations

from flask import Flask, g, session

from console.catalogue import CODES, ENGLISH

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


def init_app(app: Flask) -> None:
    """Give templates `_()` and `lang`."""
    app.jinja_env.globals["_"] = translate

    @app.context_processor
    def _language() -> dict[str, object]:
        return {"lang": current_language()}
