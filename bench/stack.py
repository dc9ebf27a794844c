"""The site as in production: a fake Bot API on loopback, a fresh database, gunicorn servers."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from telegram_login.sandbox.fake_api import FakeBotApi
from telegram_login.sandbox.fake_api_server import FakeBotApiServer

from .client import Connection

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
BOT_TOKEN = "888:BENCH-token"
BOT_USERNAME = "bench_login_bot"
WEBHOOK_SECRET = "bench-webhook-secret-" + "x" * 16
REFERENCE_PATH = "/bench/reference/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeTelegram(FakeBotApiServer):
    """The fake Bot API with the bench's bot, on 127.0.0.1."""

    def __init__(self) -> None:
        super().__init__(FakeBotApi(bot_username=BOT_USERNAME), token=BOT_TOKEN)


@dataclass(frozen=True)
class Backend:
    name: str
    database_url: str
    redis_url: str


@contextmanager
def sqlite_backend(workdir: Path) -> Iterator[Backend]:
    yield Backend("SQLite", f"sqlite:///{workdir / 'bench.sqlite3'}", "")


@contextmanager
def postgres_backend() -> Iterator[Backend]:
    """A fresh database, dropped afterwards, and an emptied Redis database."""
    import psycopg
    import redis

    name = f"tl_bench_{secrets.token_hex(4)}"
    admin = psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')  # the name is ours, not input
    redis.Redis.from_url(REDIS_URL).flushdb()
    try:
        yield Backend("PostgreSQL+Redis", PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, REDIS_URL)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
        redis.Redis.from_url(REDIS_URL).flushdb()


def site_env(backend: Backend, telegram: FakeTelegram, workdir: Path) -> dict[str, str]:
    """The production environment of test_scale_out.py, plus the reference view."""
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": backend.database_url,
        "REDIS_URL": backend.redis_url,
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "TELEGRAM_BOT_USERNAME": BOT_USERNAME,
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "TELEGRAM_API_BASE_URL": telegram.url,
        "STATIC_ROOT": str(workdir / "static"),
        "GUNICORN_ACCESS_LOG": "",
        "BENCH_REFERENCE_VIEW": "1",
        # Behind one load balancer (docs/deploy.md): each simulated browser has its own address
        # in X-Forwarded-For, so the per-IP start limit works as in production.
        "TRUSTED_PROXY_COUNT": "1",
    }
    if not backend.redis_url:
        # The embedded default keeps its cache per process; the bench measures it as it is.
        env["ALLOW_PER_PROCESS_CACHE"] = "true"
    for name in ("DJANGO_SETTINGS_MODULE", "WEB_CONCURRENCY", "GUNICORN_THREADS", "BIND", "PORT"):
        env.pop(name, None)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True, capture_output=True
    )


def prepare_site(env: dict[str, str]) -> None:
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")


def seed_rows(env: dict[str, str], total: int) -> None:
    """Fill the LoginRequest table up to `total` rows with finished requests (bench/seed.py)."""
    subprocess.run(
        [sys.executable, "-m", "bench.seed", str(total)],
        cwd=REPO,
        env={**env, "DJANGO_SETTINGS_MODULE": "site_config.settings"},
        check=True,
    )


class Gunicorn:
    """gunicorn -c site_config/gunicorn.py on a free loopback port."""

    def __init__(self, env: dict[str, str], workdir: Path, *, workers: int | None = None) -> None:
        self.port = free_port()
        env = dict(env)
        if workers is not None:
            env["WEB_CONCURRENCY"] = str(workers)
            # The memory figure needs the same worker before and after: no recycling.
            env["GUNICORN_MAX_REQUESTS"] = "0"
        self.log_path = workdir / f"gunicorn-{self.port}.log"
        self._log = self.log_path.open("wb")
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.process = subprocess.Popen(
            [gunicorn, "-c", "site_config/gunicorn.py", "--bind", f"127.0.0.1:{self.port}"],
            cwd=REPO,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_up(workers or (os.cpu_count() or 1) * 2 + 1)

    def _wait_until_up(self, workers: int) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-3000:]}")
            try:
                status = Connection(self.port, timeout=2).request("GET", REFERENCE_PATH).status
            except OSError:
                status = 0
            if status == 301 and len(self.worker_pids()) >= workers:
                return  # 301: SECURE_SSL_REDIRECT without X-Forwarded-Proto, so Django is up
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


@contextmanager
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="tl-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
