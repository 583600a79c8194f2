"""Gunicorn settings for Simpul in production: `make serve`, or
`gunicorn -c gunicorn.conf.py 'webapp:create_app()'` (see docs/deploy.md).

Every value can be changed from the environment without editing this file.
"""

from __future__ import annotations

import multiprocessing
import os

# Behind a reverse proxy on the same host: listen on loopback only.
bind = os.environ.get("SIMPUL_BIND", "127.0.0.1:8000")
# Processes × threads: each process has its own database pool and caches; threads share them.
workers = int(os.environ.get("SIMPUL_WORKERS", max(2, multiprocessing.cpu_count())))
threads = int(os.environ.get("SIMPUL_THREADS", "4"))
worker_class = "gthread"
# A request the server has not answered in 30 s is stuck: the process is replaced.
timeout = int(os.environ.get("SIMPUL_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Processes are renewed now and then, so a slow leak never grows without end.
max_requests = 2000
max_requests_jitter = 200
# The app is built in each worker (its database pool must not be shared across a fork).
preload_app = False
# Proxies whose X-Forwarded-* headers are believed (the app's SIMPUL_PROXY_FIX reads them).
forwarded_allow_ips = os.environ.get("SIMPUL_FORWARDED_ALLOW_IPS", "127.0.0.1")
# One line per request with its time in milliseconds; NIK numbers are masked by the app's
# filter on the gunicorn.access logger.
accesslog = os.environ.get("SIMPUL_ACCESS_LOG", "-")
errorlog = os.environ.get("SIMPUL_ERROR_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
loglevel = os.environ.get("SIMPUL_LOG_LEVEL", "info")
proc_name = "simpul"
# gunicorn's control socket has one path per user by default, which several servers on one
# host (blue/green upgrades, the benchmarks) would share: off unless a path is given.
control_socket = os.environ.get("SIMPUL_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
