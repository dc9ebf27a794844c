"""gunicorn settings for production; each can be changed through the environment."""

import multiprocessing
import os

wsgi_app = "site_config.wsgi:application"
bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Threads keep a worker busy on I/O (database, Redis) from stalling the next poll.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then, staggered, so slow leaks in any library cannot pile up. Under
# the waiting polls a worker answers several hundred requests a second: 200,000 is minutes at
# the peak (20,000 restarted every worker about once a minute there, each a fresh Django start
# and its keep-alive connections dropped), hours otherwise (docs/performance.md).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "200000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
# Only trust X-Forwarded-* from the load balancer in front (see docs/deploy.md).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server: object) -> None:
    """Refuse to start workers that would each keep their own rate-limit counters."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
    from django.conf import settings

    from site_config.deploy_checks import per_process_cache_problem, sandbox_problem

    workers = server.cfg.workers  # type: ignore[attr-defined]
    problem = sandbox_problem(
        sandbox=bool(settings.TELEGRAM_SANDBOX), workers=workers
    ) or per_process_cache_problem(
        caches=settings.CACHES,
        workers=workers,
        debug=settings.DEBUG,
        allowed=os.environ.get("ALLOW_PER_PROCESS_CACHE", "").lower() in {"1", "true", "yes"},
    )
    if problem:
        raise SystemExit(f"Refusing to start: {problem}")
