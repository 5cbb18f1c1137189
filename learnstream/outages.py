"""Which exceptions mean "a backing service is down" (answered 503, never 500)."""

from pymongo.errors import (
    AutoReconnect,
    ConnectionFailure,
    PyMongoError,
    ServerSelectionTimeoutError,
)

try:  # redis is always installed, but keep the check cheap and explicit
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
except ImportError:  # pragma: no cover
    RedisConnectionError = RedisTimeoutError = ()  # type: ignore[assignment,misc]

from learnstream.metrics import backend_error_count

OUTAGE_EXCEPTIONS: tuple[type[BaseException], ...] = (
    ServerSelectionTimeoutError,
    AutoReconnect,
    ConnectionFailure,
    RedisConnectionError,
    RedisTimeoutError,
)


def is_outage(exc: BaseException) -> bool:
    return isinstance(exc, OUTAGE_EXCEPTIONS)


def outage_record(exc: BaseException) -> bool:
    """`is_outage`, and count the outage by backend (the `learnstream_backend_errors_total`
    metric). Called once where an outage is handled (answered 503 or degraded around)."""
    if not is_outage(exc):
        return False
    backend_error_count(backend="mongo" if isinstance(exc, PyMongoError) else "redis")
    return True
