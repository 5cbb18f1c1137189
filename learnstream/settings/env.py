"""The one django-environ reader every settings module shares."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# `make run` writes generated local values (e.g. the simulator's signing key) here; real
# environment variables always win over the file.
LOCAL_ENV_FILE = VAR_DIR / "local.env"
if LOCAL_ENV_FILE.exists():
    environ.Env.read_env(str(LOCAL_ENV_FILE), overwrite=False)
