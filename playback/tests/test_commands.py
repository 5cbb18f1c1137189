"""manage.py mux_signing_key_create against the simulator."""

from __future__ import annotations

import base64
import io

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import CommandError, call_command


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("mux_signing_key_create", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def parse(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def test_prints_the_two_settings_lines(mux_sim):
    values = parse(run())
    assert set(values) == {"MUX_SIGNING_KEY_ID", "MUX_SIGNING_PRIVATE_KEY"}
    pem = base64.b64decode(values["MUX_SIGNING_PRIVATE_KEY"])
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    assert key.key_size == 2048


def test_write_env_updates_the_dotenv_file(mux_sim, tmp_path):
    env_file = tmp_path / "local.env"
    env_file.write_text("SECRET_KEY=keep-me\nMUX_SIGNING_KEY_ID=old\n")
    printed = parse(run("--write-env", str(env_file)))
    written = parse(env_file.read_text())
    assert written == {"SECRET_KEY": "keep-me", **printed}
    assert env_file.stat().st_mode & 0o777 == 0o600


def test_mux_failure_is_a_command_error(mux_sim, tmp_path):
    mux_sim.configure(fail_api=True)
    env_file = tmp_path / "local.env"
    with pytest.raises(CommandError):
        run("--write-env", str(env_file))
    assert not env_file.exists()
