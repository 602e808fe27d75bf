"""Every setting lives here; dev/test/prod only override (STYLE R30)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from polybot import embedded
from polybot.env import env

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-insecure-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "template_partials",
    "channels",
    "django_celery_beat",
    "polybot",
    "accounts",
    "markets",
    "orders",
    "strategies",
    "portfolio",
    "alerts",
]

MIDDLEWARE = [
    "polybot.middleware.RequestIdMiddleware",
    "polybot.api.middleware.CamelCaseQueryMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "polybot.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "polybot.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "polybot.urls"
ASGI_APPLICATION = "polybot.asgi.application"
WSGI_APPLICATION = "polybot.wsgi.application"

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
                "polybot.context_processors.shell",
            ],
        },
    },
]

# --- Data stores --------------------------------------------------------------
# Unset URLs mean the embedded servers (polybot.embedded); set ones are used as
# they are, so the same code runs against compose's postgres:16 and redis:7.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=embedded.DEFAULT_DATABASE_URL),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default=embedded.DEFAULT_REDIS_URL)

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "polybot",
        "TIMEOUT": 300,
    }
}

# A consumer waits for its next message in a blocking BZPOPMIN of up to 5 s
# (channels_redis' brpop_timeout). redis-py 8 reads with a 5 s socket timeout
# by default, so an idle page's consumer (no push for 5 s) died on "Timeout
# reading" and the page fell back to polling: the read must outlast the block.
CHANNEL_LAYER_SOCKET_TIMEOUT = 15
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [
                {"address": REDIS_URL, "socket_timeout": CHANNEL_LAYER_SOCKET_TIMEOUT}
            ],
            "prefix": "polybot:channels",
        },
    }
}

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portfolio:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Security ----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No inline scripts anywhere: every script is a vendored or project file.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)

# AES-256-GCM master key for venue secrets: 32 bytes, urlsafe base64. Keys
# are named by id so old ciphertexts stay readable during rotation:
# POLYBOT_ENCRYPTION_KEYS="k2:<b64>,k1:<b64>", the first one encrypts.
ENCRYPTION_KEY = env.str("ENCRYPTION_KEY", default="")
ENCRYPTION_KEY_ID = env.str("ENCRYPTION_KEY_ID", default="k1")
ENCRYPTION_OLD_KEYS = env.dict("ENCRYPTION_OLD_KEYS", default={})

# Live trading moves real money: off unless the operator turns it on, and
# turning it on without what it needs is a start-up error (STYLE R32).
LIVE_TRADING_ENABLED = env.bool("POLYBOT_LIVE_TRADING_ENABLED", default=False)
if LIVE_TRADING_ENABLED and not ENCRYPTION_KEY:
    raise ImproperlyConfigured(
        "POLYBOT_LIVE_TRADING_ENABLED=True needs ENCRYPTION_KEY to protect wallet keys"
    )

# --- Venue -------------------------------------------------------------------
POLYMARKET_CLOB_URL = env.str(
    "POLYMARKET_CLOB_URL", default="https://clob.polymarket.com"
)
POLYMARKET_GAMMA_URL = env.str(
    "POLYMARKET_GAMMA_URL", default="https://gamma-api.polymarket.com"
)
POLYMARKET_DATA_URL = env.str(
    "POLYMARKET_DATA_URL", default="https://data-api.polymarket.com"
)
POLYMARKET_WS_URL = env.str(
    "POLYMARKET_WS_URL", default="wss://ws-subscriptions-clob.polymarket.com/ws"
)
POLYMARKET_CHAIN_ID = env.int("POLYMARKET_CHAIN_ID", default=137)

# --- Trading defaults (per-user values live in BotSettings) --------------------
PAPER_STARTING_BALANCE = Decimal(
    env.str("POLYBOT_PAPER_STARTING_BALANCE", default="1000.00")
)

# --- Risk engine (server-wide; per-user limits live in BotSettings) -----------
# No new exposure this close to a market's end date (DESIGN §4).
POLYBOT_RISK_NO_NEW_EXPOSURE_HOURS = env.int(
    "POLYBOT_RISK_NO_NEW_EXPOSURE_HOURS", default=1
)
# Marketable orders need a book the stream refreshed at most this long ago.
POLYBOT_RISK_MAX_BOOK_AGE_SECONDS = env.float(
    "POLYBOT_RISK_MAX_BOOK_AGE_SECONDS", default=30.0
)
POLYBOT_RISK_MAX_ORDERS_PER_MINUTE = env.int(
    "POLYBOT_RISK_MAX_ORDERS_PER_MINUTE", default=60
)

# --- Celery ------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "UTC"
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES_NAMES = ("default", "sync", "strategies", "orders")
CELERY_BEAT_SCHEDULER = "polybot.beat:HeartbeatScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 15
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- API ---------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "polybot.api.permissions.ApiKeyScopePermission",
    ],
    "DEFAULT_RENDERER_CLASSES": ["polybot.api.renderers.EnvelopeRenderer"],
    # camelCase JSON only: any other body is a 415 (polybot.api.parsers).
    "DEFAULT_PARSER_CLASSES": ["polybot.api.parsers.JsonParser"],
    "DEFAULT_PAGINATION_CLASS": "polybot.api.pagination.PagePagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "polybot.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "polybot.api.schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["polybot.api.throttling.ApiRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env.str("POLYBOT_API_RATE", default="600/min")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "polybot API",
    "DESCRIPTION": "Markets, orders, positions, strategies and alerts. "
    "Authenticate with the session or `Authorization: Bearer <api key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "CAMELIZE_NAMES": True,
    # Several models have a "status": name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.OrderStatus",
        "PositionStatusEnum": "portfolio.models.PositionStatus",
        "MarketStatusEnum": "markets.models.MarketStatus",
        "SettlementStatusEnum": "orders.models.SettlementStatus",
    },
    "PREPROCESSING_HOOKS": ["polybot.api.schema.preprocess_endpoints"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "drf_spectacular.contrib.djangorestframework_camel_case.camelize_serializer_fields",
        "polybot.api.schema.postprocess_schema",
    ],
    "SWAGGER_UI_DIST": "/static/vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": "/static/img/favicon.svg",
}

# --- Operations ----------------------------------------------------------------
# Seconds after which a process heartbeat counts as missing on /readyz.
HEARTBEAT_STALE_AFTER = env.int("POLYBOT_HEARTBEAT_STALE_AFTER", default=90)
SENTRY_DSN = env.str("SENTRY_DSN", default="")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_JSON = env.bool("LOG_JSON", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "polybot.logging.RequestIdFilter"},
        "redact": {"()": "polybot.logging.RedactSecretsFilter"},
    },
    "formatters": {
        "json": {"()": "polybot.logging.JsonFormatter"},
        "pretty": {
            "format": "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s"
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_JSON else "pretty",
            "filters": ["request_id", "redact"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "celery": {"level": LOG_LEVEL},
    },
}

if SENTRY_DSN:
    import sentry_sdk

    from polybot.logging import sentry_before_send

    # No local variables (a decrypting function holds secrets in them) and
    # every message through the same redaction as the logs.
    sentry_sdk.init(
        dsn=SENTRY_DSN,
        send_default_pii=False,
        traces_sample_rate=0.0,
        include_local_variables=False,
        before_send=sentry_before_send,
        before_breadcrumb=sentry_before_send,
    )

# --- Stream process ------------------------------------------------------------
# Seconds between coalesced pushes of a changed book (a few per second at most).
POLYBOT_STREAM_PUBLISH_INTERVAL = env.float(
    "POLYBOT_STREAM_PUBLISH_INTERVAL", default=0.25
)
# Seconds between MarketSnapshot rows per watched token.
POLYBOT_STREAM_SNAPSHOT_INTERVAL = env.float(
    "POLYBOT_STREAM_SNAPSHOT_INTERVAL", default=60.0
)
# Seconds between re-reading which tokens matter.
POLYBOT_STREAM_INTEREST_REFRESH = env.float(
    "POLYBOT_STREAM_INTEREST_REFRESH", default=5.0
)
# Watch every active market when there are at most this many (0: only those that matter).
POLYBOT_STREAM_WATCH_ALL_UP_TO = env.int("POLYBOT_STREAM_WATCH_ALL_UP_TO", default=0)
# Persist raw market-channel messages for backtests, pruned after N days (0: off).
POLYBOT_BOOK_RECORDER_DAYS = env.int("POLYBOT_BOOK_RECORDER_DAYS", default=0)
# Order rows and account panels are rendered and pushed on a publisher
# thread per process (orders.publisher), not inside the write that changed
# them: a worker's next order does not wait for a browser's fragments.
POLYBOT_PUSH_IN_BACKGROUND = env.bool("POLYBOT_PUSH_IN_BACKGROUND", default=True)
# Seconds after which even a healthy market connection is replaced (0: never).
POLYBOT_STREAM_MAX_CONNECTION_AGE = (
    env.float("POLYBOT_STREAM_MAX_CONNECTION_AGE", default=900.0) or None
)
