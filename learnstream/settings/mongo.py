"""MongoDB (mongoengine) settings."""

from learnstream.settings.env import env

MONGODB_URI = env.str("MONGODB_URI", default="mongodb://127.0.0.1:27017/learnstream")
# An outage must answer 503 in well under 5 s, never hang a worker.
MONGODB_TIMEOUT_MS = env.int("MONGODB_TIMEOUT_MS", default=2000)
# Production creates indexes in a deploy step (`manage.py mongo_indexes`); dev and tests
# let mongoengine create them on first use.
MONGODB_AUTO_CREATE_INDEX = env.bool("MONGODB_AUTO_CREATE_INDEX", default=True)
