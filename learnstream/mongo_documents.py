"""Every mongoengine document class of the project (for index creation and clean-ups)."""

from __future__ import annotations

import importlib

import mongoengine
from mongoengine.base import _document_registry

# Modules that declare documents. mongoengine only knows a class once its module has been
# imported, and a fresh `manage.py mongo_indexes` process imports none of these by itself
# (it used to create the catalogue's indexes only: no unique (user, lesson) index on
# lesson_progress in production).
DOCUMENT_MODULES = (
    "catalog.documents",
    "catalog.lesson_video",
    "playback.captions_documents",
    "tracking.documents",
    "assessments.documents",
    "learnstream.audit",
)


def all_documents() -> list[type[mongoengine.Document]]:

    for module in DOCUMENT_MODULES:
        importlib.import_module(module)

    return [
        document
        for document in _document_registry.values()
        if issubclass(document, mongoengine.Document)
        and not document._meta.get("abstract")
        and document.__module__.split(".")[0]
        in {"catalog", "playback", "tracking", "assessments", "accounts", "learnstream"}
    ]
