# syntax=docker/dockerfile:1
# Production image: gunicorn serves the site; the same image runs the Celery
# worker and beat (see docker-compose.yml). No secret is baked in: every setting
# comes from the environment at run time.

# --- build: install the pinned runtime packages into a virtual environment
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt

# --- runtime
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    VAR_DIR=/app/var

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY . /app

# The code stays owned by root (read-only to the app user); only var/ (VAR_DIR:
# Celery beat's schedule file, file-based fallbacks) and staticfiles/ are the app's.
RUN python -m compileall -q /app \
    && mkdir -p /app/var /app/staticfiles \
    && chown app:app /app/var /app/staticfiles

USER app

# Static files are collected once, at build time, with throw-away keys and URL that
# exist only for this command (settings refuse to load without them when DEBUG is off).
RUN SECRET_KEY=collectstatic-only-not-a-secret NUMBER_HASH_KEY=collectstatic-only-not-a-secret \
    SITE_URL=http://collectstatic.invalid DEBUG=false python manage.py collectstatic --noinput

EXPOSE 8000
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "config.wsgi:application"]
