"""The MongoDB connection: made once at start-up, lazily connected (fork-safe)."""

from __future__ import annotations

import mongoengine
from django.conf import settings
from pymongo import MongoClient

ALIAS = mongoengine.DEFAULT_CONNECTION_NAME


def connect() -> None:
    """Register the connection. `connect=False` defers the socket until first use, so
    pre-fork servers never share a client across processes."""
    mongoengine.disconnect(alias=ALIAS)
    timeout = settings.MONGODB_TIMEOUT_MS
    mongoengine.connect(
        host=settings.MONGODB_URI,
        alias=ALIAS,
        tz_aware=True,
        connect=False,
        uuidRepresentation="standard",
        serverSelectionTimeoutMS=timeout,
        connectTimeoutMS=timeout,
        socketTimeoutMS=max(timeout * 2, 5000),
        retryWrites=True,
    )


def client() -> MongoClient:
    return mongoengine.get_connection(alias=ALIAS)


def database():
    return mongoengine.get_db(alias=ALIAS)


def ping() -> None:
    database().command("ping")
