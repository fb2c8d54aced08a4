"""The app factory every service's create_app() calls: database, auth, errors, docs, metrics, logs."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import swagger_ui_bundle
from flask import Flask, send_from_directory
from prometheus_client import CollectorRegistry
from werkzeug.routing import IntegerConverter

from shared.api import Blueprint, LantianApi, check_content_type, check_role_first, ops_blueprint
from shared.auth import init_auth
from shared.config import Settings
from shared.db import Database
from shared.errors import register_error_handlers
from shared.jsonutil import FastJSONProvider
from shared.logs import init_request_logging
from shared.migrate import script_heads

API_VERSION = "v1"


class RowIdConverter(IntegerConverter):
    """`<int:…>` in a path names a row: at most 2**31-1 (PostgreSQL's integer), so a larger id is a 404 like any
    id that names nothing, not an out-of-range error from the database."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_service_app(
    import_name: str,
    settings: Settings,
    *,
    title: str,
    description: str,
    blueprints: Iterable[Blueprint],
) -> Flask:
    """Build one service's Flask app from its settings and its API blueprints."""
    app = Flask(import_name)
    app.url_map.converters["int"] = RowIdConverter
    app.json = FastJSONProvider(app)
    app.config.update(
        TESTING=settings.testing,
        MAX_CONTENT_LENGTH=settings.max_content_length,
        JSON_SORT_KEYS=False,
        API_TITLE=title,
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        # Served from the package, not a CDN: bureau machines often have no internet.
        OPENAPI_SWAGGER_UI_URL="/docs/assets/",
        API_SPEC_OPTIONS={
            "info": {"description": description},
            "security": [{"bearerAuth": []}],
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
            },
        },
    )
    app.extensions["lantian.settings"] = settings
    settings.ensure_var_dir()

    database = Database(settings.database_url)
    database.init_app(app)
    auth_database = Database(settings.auth_database_url)
    app.extensions["lantian.auth_db"] = auth_database
    init_request_logging(app)  # first, so even a 401 carries its request id
    init_auth(app, auth_database, settings.secret_key, settings.revocation_cache_seconds)
    app.before_request(check_role_first)  # authorisation, then the body's type, then its contents
    app.before_request(check_content_type)

    api = LantianApi(app)
    register_error_handlers(app)
    api.register_blueprint(ops_blueprint(settings.service, script_heads(settings.service)))
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    app.extensions["lantian.api"] = api

    @app.route("/docs/assets/<path:filename>")
    def swagger_assets(filename: str):  # type: ignore[no-untyped-def]
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)

    _init_metrics(app)
    return app


def _init_metrics(app: Flask) -> None:
    """/metrics for Prometheus; under gunicorn the workers' figures are summed (multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

        GunicornInternalPrometheusMetrics(app, group_by="endpoint", defaults_prefix="lantian")
    else:
        from prometheus_flask_exporter import PrometheusMetrics

        # A registry per app, so the tests can build many apps in one process.
        PrometheusMetrics(app, group_by="endpoint", defaults_prefix="lantian", registry=CollectorRegistry())
