"""Mail configuration: EMAIL_URL selects a server; without it a local run prints
mail and keeps an .eml copy under var/mail/ so links can be followed."""

from __future__ import annotations

import email
import io

from django.core.mail import EmailMessage

from accounts.mail_backend import ConsoleAndFileEmailBackend
from learnstream.tests.test_settings import run_manage

PRINT = "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT)"


def test_the_local_backend_prints_and_keeps_an_eml_copy(tmp_path):
    stream = io.StringIO()
    backend = ConsoleAndFileEmailBackend(file_path=str(tmp_path / "mail"), stream=stream)
    link = "http://127.0.0.1:8000/accounts/verify/abc:def/"
    sent = backend.send_messages(
        [EmailMessage("Confirm", f"Open {link}", "from@example.com", ["to@example.com"])]
    )
    assert sent == 1
    assert link in stream.getvalue()
    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1
    parsed = email.message_from_bytes(files[0].read_bytes())
    assert (parsed["To"], parsed["Subject"]) == ("to@example.com", "Confirm")
    body = parsed.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert link in body.decode()


def test_without_email_url_local_settings_use_console_and_file():
    result = run_manage(
        "shell", "-c", PRINT, DJANGO_SETTINGS_MODULE="learnstream.settings.local", EMAIL_URL=""
    )
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip()
        .splitlines()[-1]
        .startswith("accounts.mail_backend.ConsoleAndFileEmailBackend")
    )


def test_email_url_selects_an_smtp_server():
    result = run_manage("shell", "-c", PRINT, EMAIL_URL="smtp+tls://u:p@smtp.example.com:587")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "django.core.mail.backends.smtp.EmailBackend smtp.example.com 587"
    )


def test_filemail_url_writes_mail_to_its_path(tmp_path):
    """`EMAIL_URL=filemail:///path` keeps the path it names (not var/mail/), and mail sent
    under it lands there."""
    target = tmp_path / "outbox"
    send = (
        "from django.conf import settings as s; from django.core.mail import send_mail; "
        "print(s.EMAIL_BACKEND, s.EMAIL_FILE_PATH); "
        "send_mail('Hello', 'Body text', 'from@example.com', ['to@example.com'])"
    )
    result = run_manage("shell", "-c", send, EMAIL_URL=f"filemail://{target}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        f"django.core.mail.backends.filebased.EmailBackend {target}"
    )
    files = list(target.iterdir())
    assert len(files) == 1
    assert "Subject: Hello" in files[0].read_text()
