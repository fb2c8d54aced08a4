"""Run the console under gunicorn (the services' serving module reads service settings the console has not)."""

from __future__ import annotations

import sys
from typing import Any

from gunicorn.app.base import BaseApplication

from console.config import ConsoleSettings
from shared.logs import configure_logging


class _ConsoleApplication(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from console import create_app

        return create_app()


def serve_console(host: str, port: int, workers: int) -> None:
    """Serve the console on host:port with `workers` sync workers until stopped."""
    settings = ConsoleSettings.from_env()
    configure_logging("console", settings.log_level)
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "timeout": 60,
        "graceful_timeout": 20,
        "proc_name": "lantian-console",
        "accesslog": None,  # lantian.access logs each request as JSON with its request id
    }
    _ConsoleApplication(options).run()


if __name__ == "__main__":
    serve_console(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
