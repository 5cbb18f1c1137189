"""The container image holds no secret and runs unprivileged.

Docker cannot run here, so these read the build inputs: `.dockerignore` must exclude every
path that holds a secret or local state (matched the way Docker matches, from the context
root), and the Dockerfile's final stage must switch to a non-root user before its command.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _ignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _ignored(path: str) -> bool:
    """Whether Docker's context filter drops `path` (a file or a directory's contents):
    a pattern matches the path or one of its parent directories; `!` re-includes."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in _ignore_patterns():
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        stripped = pattern.removeprefix("**/")
        if any(
            fnmatch.fnmatchcase(candidate, pattern)
            or (stripped != pattern and fnmatch.fnmatchcase(candidate.split("/")[-1], stripped))
            for candidate in candidates
        ):
            ignored = not negate
    return ignored


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        "var/local.env",
        "var/mail/message.eml",
        ".venv/bin/python",
        ".git/config",
        "artifacts/bench.json",
        "catalog/__pycache__/documents.cpython-311.pyc",
        ".pytest_cache/v/cache/nodeids",
        ".mypy_cache/3.11/x.json",
        ".ruff_cache/content",
        "staticfiles/css/site.css",
    ],
)
def test_secrets_state_and_caches_stay_out_of_the_image(path: str):
    assert _ignored(path), f"{path} would be copied into the image"


@pytest.mark.parametrize(
    "path", ["manage.py", "catalog/documents.py", "templates/base.html", "requirements.txt"]
)
def test_the_application_still_goes_in(path: str):
    assert (ROOT / path).exists()
    assert not _ignored(path)


def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    steps = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            steps.append((keyword.upper(), rest.strip()))
    return steps


def test_the_image_runs_as_a_non_root_user():
    steps = _instructions()
    final_stage = steps[max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM") :]
    users = [(i, rest) for i, (keyword, rest) in enumerate(final_stage) if keyword == "USER"]
    assert users, "the final stage never leaves root"
    last_user_at, user = users[-1]
    assert user.split(":")[0] not in ("root", "0")
    command_at = max(
        i for i, (keyword, _) in enumerate(final_stage) if keyword in ("CMD", "ENTRYPOINT")
    )
    assert last_user_at < command_at
    # The user exists: created in the image before it is switched to.
    assert any(
        keyword == "RUN" and ("useradd" in rest or "adduser" in rest) and user.split(":")[0] in rest
        for keyword, rest in final_stage[:last_user_at]
    )
    # The code is copied in (root-owned, read-only for the user) before the switch.
    assert not any(keyword == "COPY" for keyword, _ in final_stage[last_user_at:])
