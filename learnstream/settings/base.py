"""Settings shared by every environment."""

from datetime import timedelta
from typing import Any

from learnstream.settings.accounts import *  # noqa: F403
from learnstream.settings.catalog import *  # noqa: F403
from learnstream.settings.certificates import *  # noqa: F403
from learnstream.settings.env import BASE_DIR, VAR_DIR, env
from learnstream.settings.mongo import *  # noqa: F403
from learnstream.settings.mux import *  # noqa: F403
from learnstream.settings.ops import *  # noqa: F403
from learnstream.settings.ops import LOG_FORMAT, SENTRY_DSN
from learnstream.settings.playback import *  # noqa: F403
from learnstream.settings.tracking import *  # noqa: F403

INSECURE_DEFAULT_SECRET_KEY = "insecure-local-development-key-change-me"  # noqa: S105

SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEFAULT_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "learnstream.apps.LearnStreamAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "learnstream",
    "accounts",
    "catalog",
    "playback",
    "tracking",
    "assessments",
]

MIDDLEWARE = [
    "learnstream.middleware.RequestIdMiddleware",
    "learnstream.security.SecurityHeadersMiddleware",
    "learnstream.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "learnstream.middleware.ServiceUnavailableMiddleware",
    "learnstream.middleware.DomainRefusalPagesMiddleware",
]

ROOT_URLCONF = "learnstream.urls"
WSGI_APPLICATION = "learnstream.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQL: SQLite under var/ unless DATABASE_URL names a real server.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'learnstream.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and rate limits: Redis when REDIS_URL is set, else this process's memory.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ls",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # A Redis outage must cost milliseconds, not a hung worker.
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                "IGNORE_EXCEPTIONS": False,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "learnstream",
        }
    }

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

PASSWORD_HASHERS = [
    "accounts.hashers.TunedArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_MAX_LENGTH = 1024

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# API bodies are read by DRF's parser, which ignores DATA_UPLOAD_MAX_MEMORY_SIZE; the
# BodySizeLimitMiddleware enforces this instead (413 payload_too_large).
# Requests that waited longer than this for a worker (per the proxy's X-Request-Start) are
# answered at once with 503 / 429 and Retry-After instead of being served late; 0 disables.
REQUEST_QUEUE_BUDGET_S = env.float("REQUEST_QUEUE_BUDGET_S", default=1.0)
# A standing queue: when every request of the last second waited longer than this, the budget
# drops to 3x this until the queue is gone (bursts keep the full budget); 0 disables.
REQUEST_QUEUE_TARGET_S = env.float("REQUEST_QUEUE_TARGET_S", default=0.1)
REQUEST_SHED_RETRY_AFTER_S = env.int("REQUEST_SHED_RETRY_AFTER_S", default=2)
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=1024 * 1024)
CAPTION_UPLOAD_MAX_BODY_BYTES = env.int("CAPTION_UPLOAD_MAX_BODY_BYTES", default=4 * 1024 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Bearer tokens first so a missing/bad token is a 401 with WWW-Authenticate, not 403.
        "accounts.authentication.StatelessJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PARSER_CLASSES": ["learnstream.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "learnstream.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "learnstream.api_schema.ProblemAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

JWT_ISSUER = env.str("JWT_ISSUER", default="learnstream")
JWT_AUDIENCE = env.str("JWT_AUDIENCE", default="learnstream-api")
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=10)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=14)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": False,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
    "AUDIENCE": JWT_AUDIENCE,
    "ISSUER": JWT_ISSUER,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "LEEWAY": 5,
}
# A refresh family (one sign-in and all its rotations) dies this long after the sign-in.
REFRESH_FAMILY_MAX_AGE = timedelta(days=env.int("REFRESH_FAMILY_MAX_DAYS", default=30))

# Behind N trusted reverse proxies the client IP is the Nth address from the right of
# X-Forwarded-For; 0 means use REMOTE_ADDR and ignore the (spoofable) header.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

RATE_LIMITS = {
    "login_account": (env.int("RATE_LOGIN_PER_ACCOUNT", default=10), 60),
    "login_ip": (env.int("RATE_LOGIN_PER_IP", default=60), 60),
    "register_ip": (env.int("RATE_REGISTER_PER_IP", default=60), 60),
    "refresh_family": (env.int("RATE_REFRESH_PER_FAMILY", default=30), 60),
    "heartbeat": (1, env.int("HEARTBEAT_MIN_INTERVAL_S", default=2)),
    # A device sends one batch when it comes back online (and re-sends it on a failure).
    "progress_sync": (env.int("RATE_PROGRESS_SYNC_PER_USER", default=20), 60),
    **ACCOUNT_LIFECYCLE_RATE_LIMITS,  # noqa: F405 - from settings.accounts
}

# Tracking: a lesson counts as complete once this share of it has really been played.
PROGRESS_COMPLETION_THRESHOLD = env.float("PROGRESS_COMPLETION_THRESHOLD", default=0.9)

SPECTACULAR_SETTINGS = {
    "TITLE": "LearnStream API",
    "DESCRIPTION": "Courses, enrolment, signed video playback and progress tracking.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Two `state` fields with different choices: name each enum after what it describes.
    "ENUM_NAME_OVERRIDES": {
        "VideoStateEnum": "catalog.lesson_video.VideoState.ALL",
        "CaptionStateEnum": "playback.captions_documents.CaptionState.ALL",
    },
}

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "learnstream.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "learnstream.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}
CSRF_FAILURE_VIEW = "learnstream.views.csrf_failure"

if SENTRY_DSN:  # never imported, let alone initialised, without a DSN
    from learnstream.error_reporting import sentry_init

    sentry_init()
