"""Settings from the environment: embedded SQLite by default, PostgreSQL by one variable, unsafe setups refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.config import ENV_VARS, SERVICES, ConfigError, Settings


def test_defaults_are_a_sqlite_file_per_service_under_var(tmp_path):
    settings = Settings.from_env("railshift", {"LANTIAN_VAR_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite+pysqlite:///{(tmp_path / 'railshift.sqlite').resolve()}"
    assert settings.auth_database_url.endswith("auth.sqlite")
    assert settings.service_urls["vehicles"] == "http://127.0.0.1:8001"
    assert settings.timezone == "Asia/Shanghai"


def test_one_variable_points_a_service_at_postgresql():
    env = {"LANTIAN_GATECONTROL_DATABASE_URL": "postgresql://postgres@db/gate", "LANTIAN_VEHICLES_URL": "http://v:1"}
    settings = Settings.from_env("gatecontrol", env)
    assert settings.database_url == "postgresql://postgres@db/gate"
    assert settings.service_urls["vehicles"] == "http://v:1"


def test_production_refuses_the_development_key():
    with pytest.raises(ConfigError, match="LANTIAN_SECRET_KEY"):
        Settings.from_env("vehicles", {"LANTIAN_ENV": "production"})
    with pytest.raises(ConfigError, match="at least 32"):
        Settings.from_env("vehicles", {"LANTIAN_SECRET_KEY": "short"})


def test_a_malformed_number_names_the_variable():
    with pytest.raises(ConfigError, match="LANTIAN_HTTP_TIMEOUT"):
        Settings.from_env("reports", {"LANTIAN_HTTP_TIMEOUT": "soon"})


def test_unknown_service_is_refused():
    with pytest.raises(ConfigError, match="unknown service"):
        Settings.from_env("weather", {})


def test_every_variable_the_code_reads_is_listed():
    source = "\n".join(p.read_text() for p in Path(__file__).resolve().parents[2].glob("shared/*.py"))
    for name in SERVICES:
        assert f"LANTIAN_{name.upper()}_DATABASE_URL" in ENV_VARS
    import re

    named = set(re.findall(r'"(LANTIAN_[A-Z_]+)"', source))
    assert named <= set(ENV_VARS), named - set(ENV_VARS)
