import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from config.celery_app import app as celery_app

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# What requests import on first use, imported as the web worker starts instead: every view and what
# views import (spreadsheets, for exports), the tasks they queue and the broker's client (Redis, which
# the cache and the rate limits use too). Web workers are recycled every couple of thousand requests
# (deploy/gunicorn.conf.py); without this, the first request each new one answers waits half a second.
import_module(settings.ROOT_URLCONF)
celery_app.loader.import_default_modules()
celery_app.connection_for_write().get_transport_cls()
