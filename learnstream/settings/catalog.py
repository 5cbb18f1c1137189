"""Settings of the `catalog` app (imported by base)."""

from learnstream.settings.env import env

# Published listing and course detail are cached this long (and invalidated explicitly on
# publish, restore, archive and when a video becomes ready).
CATALOG_CACHE_TTL_S = env.int("CATALOG_CACHE_TTL_S", default=60)
CATALOG_PAGE_SIZE = env.int("CATALOG_PAGE_SIZE", default=24)
