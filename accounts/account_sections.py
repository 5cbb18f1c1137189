"""Sections other apps add to the learner's account page.

The account page belongs to `accounts`, which imports no app above it; an app that has
something of the learner's to show there (their certificates) registers a section from its
`AppConfig.ready()`: a template and a function giving that template its context for the
signed-in user. The page renders the sections after its own, in registration order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AccountSection:
    name: str
    template: str
    context: Callable[[Any], dict[str, Any]]  # the signed-in user -> template context


_sections: dict[str, AccountSection] = {}


def account_section_register(section: AccountSection) -> None:
    """Register (or, on a repeated `ready()`, replace) the section named `section.name`."""
    _sections[section.name] = section


def account_sections_for(user: Any) -> list[dict[str, Any]]:
    """What the page renders: each section's template with its context for `user`."""
    return [
        {"template": section.template, "context": section.context(user)}
        for section in _sections.values()
    ]
