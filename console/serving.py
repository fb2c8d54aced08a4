"""Run the console under gunicorn: the services' runner, with the console's own settings (it keeps no metrics)."""

from __future__ import annotations

import sys

from console.config import ConsoleSettings
from shared.logs import configure_logging
from shared.serving import run_gunicorn


def serve_console(host: str, port: int, workers: int) -> None:
    """Serve the console on host:port with `workers` sync workers until stopped."""
    from console import create_app

    configure_logging("console", ConsoleSettings.from_env().log_level)
    run_gunicorn("console", create_app, host, port, workers)


if __name__ == "__main__":
    serve_console(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
