"""Settings for pytest. PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set; MongoDB is the
SecantusDB server that conftest.py starts (it sets MONGODB_URI before Django loads)."""

from devtools import mongo_server
from learnstream.settings.base import *  # noqa: F403
from learnstream.settings.env import env

DEBUG = False
# Hashing cost is measured in bench/, not paid on every test sign-up.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# MongoDB is always a real wire server: the one at TEST_MONGODB_URI (e.g. a real mongod),
# or a SecantusDB on a free port that conftest.py starts for the session.
if env.str("TEST_MONGODB_URI", default=""):
    MONGODB_URI = env.str("TEST_MONGODB_URI")
    MONGODB_TEST_SERVER_PORT = None
else:
    MONGODB_TEST_SERVER_PORT = mongo_server.free_port()
    MONGODB_URI = mongo_server.uri_for(MONGODB_TEST_SERVER_PORT, "learnstream_test")

# Beats are written to MongoDB before they are answered, so tests read documents right
# after a call; write-behind (the production default) has tests of its own that set it
# (app processes started by tests take it from the environment).
PROGRESS_FLUSH_INTERVAL_S = env.float("PROGRESS_FLUSH_INTERVAL_S", default=0.0)
