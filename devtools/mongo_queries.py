"""Count the MongoDB commands a block of code sends (the Mongo twin of Django's
CaptureQueriesContext), for "constant number of queries" tests and benchmarks.

pymongo attaches globally registered listeners only to clients created afterwards, so the
first use registers the listener and reconnects (learnstream.mongo.connect(), which also
makes mongoengine drop its cached collections).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from pymongo import monitoring

from learnstream import mongo

# Handshakes, sessions and index management are not queries the code under test chose.
IGNORED = frozenset(
    {
        "hello",
        "ismaster",
        "isMaster",
        "ping",
        "endSessions",
        "saslStart",
        "saslContinue",
        "buildInfo",
        "buildinfo",
        "createIndexes",
        "listIndexes",
        "killCursors",
    }
)


@dataclass
class MongoCommands:
    names: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.names)

    @property
    def count(self) -> int:
        return len(self.names)


class _Listener(monitoring.CommandListener):
    def __init__(self) -> None:
        self._local = threading.local()

    def _sinks(self) -> list[MongoCommands]:
        if not hasattr(self._local, "sinks"):
            self._local.sinks = []
        return self._local.sinks

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in IGNORED:
            return
        for sink in self._sinks():
            sink.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


_listener = _Listener()
_installed = False
_lock = threading.Lock()


def install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        monitoring.register(_listener)

        mongo.connect()
        _installed = True


@contextmanager
def capture_mongo_commands() -> Iterator[MongoCommands]:
    """Collect the names of the MongoDB commands this thread sends inside the block."""
    install()
    sink = MongoCommands()
    sinks = _listener._sinks()
    sinks.append(sink)
    try:
        yield sink
    finally:
        sinks.remove(sink)
