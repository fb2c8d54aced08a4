"""The baseline of the HTTP benchmarks: a bare Flask app answering one small JSON dict.

Serve it exactly like a service (gunicorn, same worker count and class), e.g.
`gunicorn --pythonpath bench --workers 2 --worker-class sync _baseline_app:app`.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index() -> dict[str, Any]:
    """A dict about the size of a service's /health answer."""
    return {"status": "ok", "service": "baseline"}
