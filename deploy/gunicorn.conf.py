"""Gunicorn settings for the container image (`gunicorn --config deploy/gunicorn.conf.py`).

Every value can be changed with an environment variable, so one image serves
small and large hosts.
"""

import os


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")

# Sync workers: the usual 2 x CPUs + 1, capped so a container on a big host does
# not open more database connections than PostgreSQL allows. The CPU count seen in
# a container is the host's unless the container is pinned to CPUs, so set
# WEB_CONCURRENCY explicitly on shared hosts.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * _cpus() + 1, 9))

# A screening upload may be up to SCREENING_MAX_BYTES (50 MB by default); give a
# slow client time to send it before the worker is killed.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200

# The heartbeat file on tmpfs: a container's overlay file system can stall it.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - tmpfs owned by the container, only for heartbeats

# No control socket: nothing in the container uses gunicornc.
control_socket_disable = True

# Logs to stdout/stderr. The access log leaves out the query string, the referrer
# and the user agent: query strings may hold phone numbers (the staff API's `q`
# filter), and the product keeps no more about people than it needs.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
