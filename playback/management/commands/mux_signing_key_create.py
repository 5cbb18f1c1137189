"""Create a Mux signing key (for signed playback tokens) and print the settings lines.

    python manage.py mux_signing_key_create                 # prints two lines for your env
    python manage.py mux_signing_key_create --write-env var/local.env

Mux shows the private key once; with `--write-env` the two lines are added to (or updated
in) a dotenv file, which is how `./dev run` equips a fresh checkout on its first run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from learnstream.errors import ApplicationError
from playback import mux_client

KEYS = ("MUX_SIGNING_KEY_ID", "MUX_SIGNING_PRIVATE_KEY")


def dotenv_update(path: Path, values: dict[str, str]) -> None:
    """Set `values` in a dotenv file, replacing earlier lines for the same keys and keeping
    every other line as it was."""
    lines = path.read_text().splitlines() if path.exists() else []
    kept = [line for line in lines if line.split("=", 1)[0].strip() not in values]
    kept.extend(f"{key}={value}" for key, value in values.items())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(kept) + "\n")
    path.chmod(0o600)  # it holds a private key


class Command(BaseCommand):
    help = "Create a Mux signing key through the API and print MUX_SIGNING_* settings lines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--write-env",
            metavar="PATH",
            help="also add or update the two lines in this dotenv file",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key = mux_client.signing_key_create()
        except ApplicationError as exc:
            raise CommandError(f"Mux refused to create a signing key: {exc.detail}") from exc
        values = {KEYS[0]: key.id, KEYS[1]: key.private_key}
        if options["write_env"]:
            path = Path(options["write_env"])
            dotenv_update(path, values)
            self.stderr.write(f"Wrote {', '.join(KEYS)} to {path}")
        for name, value in values.items():
            self.stdout.write(f"{name}={value}")
