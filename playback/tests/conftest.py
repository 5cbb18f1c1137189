"""The playback fixtures (simulator, signing key, generated clip) live in
`devtools.fixtures`, registered for the whole suite by the root conftest; the
constants are re-exported here for the tests that import them from this module."""

from devtools.fixtures import TOKEN_ID, TOKEN_SECRET, WEBHOOK_SECRET, MuxSim

__all__ = ["TOKEN_ID", "TOKEN_SECRET", "WEBHOOK_SECRET", "MuxSim"]
