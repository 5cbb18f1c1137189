"""Which exceptions mean "a backing service is down" (answered 503, never 500)."""

from pymongo.errors import AutoReconnect, ConnectionFailure, ServerSelectionTimeoutError

try:  # redis is always installed, but keep the check cheap and explicit
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
except ImportError:  # pragma: no cover
    RedisConnectionError = RedisTimeoutError = ()  # type: ignore[assignment,misc]

OUTAGE_EXCEPTIONS: tuple[type[BaseException], ...] = (
    ServerSelectionTimeoutError,
    AutoReconnect,
    ConnectionFailure,
    RedisConnectionError,
    RedisTimeoutError,
)


def is_outage(exc: BaseException) -> bool:
    return isinstance(exc, OUTAGE_EXCEPTIONS)
