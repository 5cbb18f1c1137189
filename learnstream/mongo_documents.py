"""Every mongoengine document class of the project (for index creation and clean-ups)."""

from __future__ import annotations

import mongoengine


def all_documents() -> list[type[mongoengine.Document]]:
    from mongoengine.base import _document_registry

    return [
        document
        for document in _document_registry.values()
        if issubclass(document, mongoengine.Document)
        and not document._meta.get("abstract")
        and document.__module__.split(".")[0]
        in {"catalog", "playback", "tracking", "accounts", "learnstream"}
    ]
