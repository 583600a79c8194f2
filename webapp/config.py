"""Default settings; SIMPUL_* environment variables and a test mapping override them."""

from __future__ import annotations

from datetime import timedelta

ENV = "production"
SECRET_KEY = ""
DATABASE_URL = ""  # empty: an SQLite file under instance/
WORKFLOWS_DIR = ""  # empty: the repository's workflows/ folder
REGIONS_FILE = ""  # empty: the shipped webapp/data/wilayah-kepmendagri-2025.csv.gz

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = True
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SECURE = True
PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = 12 * 3600

BABEL_DEFAULT_LOCALE = "id"
BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
LANGUAGES = ["id", "en"]

# Where wrong-password counters live: memory:// (one process) or redis://host:6379/0 (shared)
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_KEY_PREFIX = ""
# Wrong passwords: per account (one person's) and per address (an office shares one).
LOGIN_FAILURES_PER_ACCOUNT = "5 per 15 minutes"
LOGIN_FAILURES_PER_ADDRESS = "30 per 15 minutes"
PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"
MAX_CONTENT_LENGTH = 8 * 1024 * 1024  # a form with a phone photo; diagrams are capped at 2 MB

# Days an ended import (a village list, a payout file) keeps its file and its rows' full values
# before the worker deletes them; counts and masked rows remain (docs/operations.md).
IMPORT_RETENTION_DAYS = 30

# Mail (notifications). Empty MAIL_SERVER: no mail, the bell only.
MAIL_SERVER = ""
MAIL_PORT = 25
MAIL_USE_TLS = False
MAIL_USERNAME = ""
MAIL_PASSWORD = ""
MAIL_FROM = "Simpul <simpul@localhost>"
BASE_URL = "http://127.0.0.1:5000"  # for links in mails

# Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are believed (0: none;
# 1 behind nginx on the same host). Sign-in limits per address need the client's address.
PROXY_FIX = 0
