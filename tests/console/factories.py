"""Small factories for console test data: users of each role."""

from __future__ import annotations

from typing import Any

from flask import Flask

# railshift's demo enterprises (railshift/demo.py): index 0 is in Linfen, 9-11 await review for 2025-12.
DEMO_STEEL_USCC = "91141002MADEM0000E"
PASSWORD = "correct-horse-battery"


def demo_uscc(index: int) -> str:
    """The credit code railshift's demo seed gives its enterprise number `index`."""
    from railshift.demo import ENTERPRISES, _uscc

    return _uscc(index, ENTERPRISES[index][2])


def make_user(app: Flask, role: str, username: str | None = None, **fields: Any) -> Any:
    """A console account (created as the CLI would), password PASSWORD unless given."""
    from console.commands import create_user

    spec = {"username": username or f"{role}-user", "display_name": f"{role} tester", "role": role,
            "password": PASSWORD, **fields}
    with app.app_context():
        return create_user(None, {k: str(v) for k, v in spec.items()})
