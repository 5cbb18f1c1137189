"""Create the Ed25519 key that signs certificate credentials and print the settings lines.

    python manage.py certificate_issuer_key_create                 # prints two lines
    python manage.py certificate_issuer_key_create --write-env var/local.env

Keep the private key secret; publish nothing by hand: the public key is served at
/api/v1/certificates/issuer/jwks once the settings carry it. Replacing the key makes
earlier credentials unverifiable: create it once per deployment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from assessments.credentials import issuer_key_create

KEYS = ("CERTIFICATE_ISSUER_KEY_ID", "CERTIFICATE_ISSUER_PRIVATE_KEY")


class Command(BaseCommand):
    help = "Create the certificate issuer's Ed25519 key and print CERTIFICATE_ISSUER_* lines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--write-env", metavar="PATH", help="also set the lines in this dotenv file"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        key_id, pem = issuer_key_create()
        values = {KEYS[0]: key_id, KEYS[1]: pem.strip().replace("\n", "\\n")}
        if options["write_env"]:
            path = Path(options["write_env"])
            lines = path.read_text().splitlines() if path.exists() else []
            kept = [line for line in lines if line.split("=", 1)[0].strip() not in values]
            kept.extend(f"{key}={value}" for key, value in values.items())
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(kept) + "\n")
            path.chmod(0o600)  # it holds a private key
            self.stderr.write(f"Wrote {', '.join(KEYS)} to {path}")
        for name, value in values.items():
            self.stdout.write(f"{name}={value}")
