"""Run a service under gunicorn (its documented custom-application API), with multiprocess metrics."""

from __future__ import annotations

import gc
import importlib
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from shared.config import Settings
from shared.logs import configure_logging


class _FlaskApplication(BaseApplication):  # type: ignore[misc]
    def __init__(self, app_factory: Callable[[], Any], options: dict[str, Any]) -> None:
        self.app_factory = app_factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.app_factory()


def run_gunicorn(name: str, app_factory: Callable[[], Any], host: str, port: int, workers: int, **extra: Any) -> None:
    """Serve the app `app_factory` builds with `workers` sync workers until stopped (the services and the console)."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "timeout": 60,
        "graceful_timeout": 20,
        "proc_name": f"lantian-{name}",
        "accesslog": None,  # lantian.access logs each request as JSON with its request id
        "post_worker_init": _freeze_loaded_heap,
        **extra,
    }
    _FlaskApplication(app_factory, options).run()


def _freeze_loaded_heap(worker: Any) -> None:
    # The app, once loaded, is some 150,000 objects that live as long as the worker: frozen, the cyclic
    # collector's full passes no longer walk them, and such a pass stopped a worker for 50-350 ms (the tail of
    # bench/vehicles_check.py's single check). Requests' own garbage is collected as before.
    gc.freeze()


def _child_exit(server: Any, worker: Any) -> None:
    from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

    GunicornInternalPrometheusMetrics.mark_process_dead_on_child_exit(worker.pid)


def serve_service(service: str, settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve `service` on host:port with `workers` sync workers until stopped (replaces this process)."""
    metrics_dir = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or Path(settings.var_dir) / "prometheus" / service)
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True, exist_ok=True)
    # prometheus_client picks single- or multi-process mode when first imported, and the CLI has
    # imported it already: start a fresh interpreter that sees the directory from the beginning.
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir.resolve())}
    argv = [sys.executable, "-m", "shared.serving", service, host, str(port), str(workers)]
    os.execve(sys.executable, argv, env)


def _run(service: str, host: str, port: int, workers: int) -> None:
    settings = Settings.from_env(service)
    configure_logging(service, settings.log_level)
    module = importlib.import_module(service)
    run_gunicorn(service, module.create_app, host, port, workers, child_exit=_child_exit)


if __name__ == "__main__":
    _run(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
