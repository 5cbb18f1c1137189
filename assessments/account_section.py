"""The learner's certificates on their pages: a section of the account page (which
`accounts` renders) and the list on "my learning"."""

from __future__ import annotations

from typing import Any

from accounts.account_sections import AccountSection, account_section_register
from assessments.certificates import certificate_list_for_user
from assessments.credentials import certificate_verify_url


def certificate_links_for(user: Any) -> list[dict[str, Any]]:
    """The learner's certificates with their public verification links, newest first."""
    return [
        {"row": row, "verify_url": certificate_verify_url(row.id)}
        for row in certificate_list_for_user(user=user)
    ]


def _certificates_context(user: Any) -> dict[str, Any]:
    return {"certificates": certificate_links_for(user)}


def register() -> None:
    account_section_register(
        AccountSection(
            name="certificates",
            template="assessments/_account_certificates.html",
            context=_certificates_context,
        )
    )
