"""What the in-process benchmark scripts share: a throw-away stack (SecantusDB started for the
run, a test SQL database at DATABASE_URL, the cache at REDIS_URL), a floor view, a signing
key, timing and percentiles.

A script run as `python bench/<name>.py` puts the checkout on `sys.path` itself (two lines
before importing this module) and chooses its settings module before Django is set up.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def percentile(samples: list[float], share: float) -> float:
    """The sample nearest the `share` rank (0.5: the median, 0.95: p95)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def timed_ms(call: Callable[[], object]) -> float:
    """How long `call()` took, in milliseconds."""
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


@contextmanager
def throwaway_stack(*, test_environment: bool = False, indexes: bool = False) -> Iterator[None]:
    """Django set up on an in-memory SecantusDB started for the run and a throw-away test SQL
    database, both gone afterwards. `test_environment`: Django's test environment too (the
    test client's host, in-memory mail, instrumented templates); `indexes`: every MongoDB
    index created first, as a deployment has them."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    from devtools import mongo_server

    port = settings.MONGODB_TEST_SERVER_PORT
    if port is None:
        raise SystemExit("Unset TEST_MONGODB_URI: the benchmark starts its own SecantusDB.")
    mongo = mongo_server.start(port, ":memory:")
    try:
        if test_environment:
            setup_test_environment()
        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            if indexes:
                from learnstream.mongo_documents import all_documents

                for document in all_documents():
                    document.ensure_indexes()
            yield
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    finally:
        mongo_server.stop(mongo)


def stack_label() -> str:
    """ "engine: …, cache: …" for a script's first line of output."""
    from django.conf import settings
    from django.db import connection

    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return f"engine: {connection.vendor}, cache: {backend}"


def signing_key_settings() -> dict[str, str]:
    """Settings with a playback signing key made for the run (token issue is local work:
    no Mux call is involved)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return {
        "MUX_SIGNING_KEY_ID": "bench-key",
        "MUX_SIGNING_PRIVATE_KEY": base64.b64encode(pem).decode(),
    }


def floor_urlconf() -> Any:
    """The site's URLs plus `bench/whoami`, the floor: authentication, the permission check
    and a JSON answer, nothing else. For `override_settings(ROOT_URLCONF=…)`."""
    from django.conf import settings
    from django.urls import include, path
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from accounts.permissions import IsSignedIn
    from accounts.roles import user_id_of

    class WhoAmI(APIView):
        permission_classes = [IsSignedIn]

        def get(self, request: Any) -> Response:
            return Response({"id": user_id_of(request.user)})

    return type(
        "BenchUrls",
        (),
        {
            "urlpatterns": [
                path("bench/whoami", WhoAmI.as_view()),
                path("", include(settings.ROOT_URLCONF)),
            ]
        },
    )
