"""Production settings refuse unsafe defaults and pass `check --deploy` cleanly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "learnstream.settings.production",
    "SECRET_KEY": "x" * 20 + "production-secret-key-for-the-deploy-check-only-0123456789",
    "ALLOWED_HOSTS": "learn.example.com",
    "SITE_URL": "https://learn.example.com",
    "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/learnstream",
    "MONGODB_URI": "mongodb://127.0.0.1:1/learnstream",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "MUX_TOKEN_ID": "id",
    "MUX_TOKEN_SECRET": "secret",
    "MUX_WEBHOOK_SECRET": "whsec",
    "MUX_SIGNING_KEY_ID": "kid",
    "MUX_SIGNING_PRIVATE_KEY": "cGVt",
}


def run_manage(*args: str, **overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    env.update(PRODUCTION_ENV)
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing():
    result = run_manage("check", "--deploy")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": "insecure-local-development-key-change-me"}, "SECRET_KEY"),
        ({"DEBUG": "True"}, "DEBUG must be off"),
    ],
)
def test_production_refuses_unsafe_settings(overrides, message):
    result = run_manage("check", **overrides)
    assert result.returncode != 0
    assert message in result.stderr
