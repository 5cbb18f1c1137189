"""The default mail backend of a local run: print every message to the console (like
Django's console backend) and keep a copy as an .eml file under `EMAIL_FILE_PATH`
(var/mail/), so the links in reset and verification mails can be followed later."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend
from django.utils import timezone


class ConsoleAndFileEmailBackend(ConsoleEmailBackend):
    def __init__(self, *args, file_path: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.directory = Path(file_path or settings.EMAIL_FILE_PATH)

    def write_message(self, message) -> None:
        super().write_message(message)
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
        path = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(message.message().as_bytes())
