"""Where the apps above accounts plug in what they hold about a user.

Accounts knows the user but not what the catalogue or progress tracking store about them,
so each app registers a `PersonalDataHandler` in its `AppConfig.ready()` and the export
(`accounts.export`) and the deletion (`accounts.deletion`) run every registered handler.
A handler's erase steps must be idempotent: a crashed deletion is finished by running it
again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PersonalDataHandler:
    # The export's member for this data ("enrollments", "progress") and the key of its
    # erase count in the deletion result.
    name: str
    export: Callable[[int], Sequence[Any]]
    # Deletion step 2 (MongoDB, outside any SQL transaction) and step 3 (inside the
    # transaction that deletes the user row). Each returns how many records it removed.
    erase_documents: Callable[[int], int] | None = None
    erase_rows: Callable[[int], int] | None = None


@dataclass(frozen=True)
class OwnershipHandler:
    """Things a user owns that must be handed over before the account can go."""

    # Human-readable names (e.g. course slugs) of what `user_id` still owns.
    owned_by: Callable[[int], list[str]]
    transfer: Callable[[int, int], int]  # (from_user_id, to_user_id) -> items moved


_handlers: dict[str, PersonalDataHandler] = {}
_ownership: list[OwnershipHandler] = []


def personal_data_register(handler: PersonalDataHandler) -> None:
    """Register (or, on a repeated `ready()`, replace) the handler named `handler.name`."""
    _handlers[handler.name] = handler


def ownership_register(handler: OwnershipHandler) -> None:
    if handler not in _ownership:
        _ownership.append(handler)


def personal_data_handlers() -> list[PersonalDataHandler]:
    return list(_handlers.values())


def ownership_handlers() -> list[OwnershipHandler]:
    return list(_ownership)
