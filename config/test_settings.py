"""Test settings: the real settings with fast hashing, in-memory mail, text messages and cache."""

import os
import secrets

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("REQUIRE_2FA", "false")
# Tests never read the settings `make run` left in var/.env, and the workers they start share this run's key.
os.environ.setdefault("ENV_FILE", "")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "sms.backends.locmem.SmsBackend"
if not REDIS_URL:  # noqa: F405
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
