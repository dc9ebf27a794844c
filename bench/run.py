"""`make bench`: start the site as in production and measure its hot paths; print the table.

    python -m bench.run [--backends sqlite,postgres] [--memory-sign-ins 10000]

Everything listens on 127.0.0.1; every load is bounded in requests and in time.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from contextlib import AbstractContextManager
from pathlib import Path

from . import scenarios
from .report import Row, table
from .stack import (
    Backend,
    FakeTelegram,
    Gunicorn,
    postgres_backend,
    prepare_site,
    rss_kib,
    seed_rows,
    site_env,
    sqlite_backend,
    workdir,
)

# Fresh waiting browsers for each throughput phase, enough that none reaches the poll cap
# (TELEGRAM_LOGIN_POLLS_PER_REQUEST, 600) in a phase (8.5 s of polls) at up to 9,000 a second.
WAITING_BROWSERS = 128
SMALL_TABLE, LARGE_TABLE = 1_000, 100_000
THROUGHPUT = {"rounds": 5, "seconds": 1.5, "connections": 16}
WEBHOOK_SIGN_INS, WEBHOOK_CONNECTIONS, SLOW_BOT_API = 60, 8, 0.3
LATENCY_SIGN_INS = 50
MEMORY_WARM_UP = 200
# The memory run's sign-ins are by this many Telegram users, each coming back in turn (as on a
# site in use), after the warm-up has made their accounts.
MEMORY_PEOPLE = 200


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def poll_row(backend: Backend, what: str, measured: scenarios.Throughput) -> Row:
    return Row(
        backend.name,
        f"waiting poll (204), {what}",
        f"{measured.poll:.0f} req/s",
        f"bare 204 view {measured.reference:.0f} req/s",
        measured.ratio,
        ">= 0.80",
        measured.ratio >= 0.8,
    )


def measure_backend(
    backend: Backend,
    telegram: FakeTelegram,
    work: Path,
    memory_sign_ins: int,
    memory_seconds: float,
) -> list[Row]:
    env = site_env(backend, telegram, work)
    log(f"{backend.name}: migrate, collectstatic")
    prepare_site(env)
    rows: list[Row] = []
    server = Gunicorn(env, work)
    try:
        log(f"{backend.name}: {len(server.worker_pids())} workers; waiting polls vs the bare view")
        waiting = scenarios.start_waiting(server.port, WAITING_BROWSERS)
        seed_rows(env, SMALL_TABLE)
        small = scenarios.poll_throughput(server.port, waiting, **THROUGHPUT)
        workers = len(server.worker_pids())
        rows.append(poll_row(backend, f"{workers} workers, {SMALL_TABLE} rows", small))
        log(f"{backend.name}: the same on one worker")
        single = Gunicorn(env, work, workers=1)
        try:
            waiting = scenarios.start_waiting(single.port, WAITING_BROWSERS)
            one_worker = scenarios.poll_throughput(single.port, waiting, **THROUGHPUT)
        finally:
            single.stop()
        rows.append(poll_row(backend, "1 worker", one_worker))
        log(f"{backend.name}: seeding {LARGE_TABLE} login requests")
        seed_rows(env, LARGE_TABLE)
        waiting = scenarios.start_waiting(server.port, WAITING_BROWSERS)
        large = scenarios.poll_throughput(server.port, waiting, **THROUGHPUT)
        growth = large.ratio / small.ratio
        rows.append(
            Row(
                backend.name,
                f"waiting poll, {LARGE_TABLE} rows vs {SMALL_TABLE}",
                f"{large.poll:.0f} req/s ({large.ratio:.2f} of bare)",
                f"{small.poll:.0f} req/s ({small.ratio:.2f} of bare)",
                growth,
                ">= 0.90",
                growth >= 0.9,
            )
        )

        log(f"{backend.name}: webhook with a Bot API of 0 ms and {SLOW_BOT_API * 1000:.0f} ms")
        figures: dict[float, list[scenarios.WebhookFigures]] = {0.0: [], SLOW_BOT_API: []}
        for delay in (0.0, SLOW_BOT_API, 0.0, SLOW_BOT_API):
            telegram.delay = delay
            figures[delay].append(
                scenarios.webhook_batch(
                    server.port,
                    telegram,
                    sign_ins=WEBHOOK_SIGN_INS,
                    connections=WEBHOOK_CONNECTIONS,
                )
            )
        telegram.delay = 0.0
        fast = statistics.fmean(f.mean_answer for f in figures[0.0])
        slow = statistics.fmean(f.mean_answer for f in figures[SLOW_BOT_API])
        fast_rate = sum(f.updates for f in figures[0.0]) / sum(f.seconds for f in figures[0.0])
        slow_rate = sum(f.updates for f in figures[SLOW_BOT_API]) / sum(
            f.seconds for f in figures[SLOW_BOT_API]
        )
        rows.append(
            Row(
                backend.name,
                f"webhook answer, Bot API {SLOW_BOT_API * 1000:.0f} ms/call",
                f"{slow * 1000:.1f} ms ({slow_rate:.0f} updates/s)",
                f"Bot API 0 ms: {fast * 1000:.1f} ms ({fast_rate:.0f} updates/s)",
                slow / fast,
                "<= 1.20",
                slow / fast <= 1.2,
            )
        )
        scenarios.wait_for_outbox(telegram)

        log(f"{backend.name}: {LATENCY_SIGN_INS} sign-ins, browsers polling every 2 s")
        measured = scenarios.sign_in_latencies(server.port, telegram, sign_ins=LATENCY_SIGN_INS)
        latencies = measured.sign_ins
        median, worst = statistics.median(latencies), max(latencies)
        log(
            f"{backend.name}: of which the press's webhook answer "
            f"{statistics.median(measured.press_answers) * 1000:.0f} ms median "
            f"({max(measured.press_answers) * 1000:.0f} ms worst), the completing poll "
            f"{statistics.median(measured.completing_polls) * 1000:.0f} ms median "
            f"({max(measured.completing_polls) * 1000:.0f} ms worst)"
        )
        interval = scenarios.POLL_INTERVAL
        rows += [
            Row(
                backend.name,
                f"press -> signed in, median of {LATENCY_SIGN_INS}",
                f"{median:.2f} s",
                f"poll interval {interval:.0f} s",
                median / interval,
                "<= 0.55 (1.1 s)",
                median <= 1.1,
            ),
            Row(
                backend.name,
                f"press -> signed in, worst of {LATENCY_SIGN_INS}",
                f"{worst:.2f} s",
                f"poll interval {interval:.0f} s",
                worst / interval,
                "<= 1.10 (2.2 s)",
                worst <= 2.2,
            ),
        ]
    finally:
        server.stop()

    if memory_sign_ins:
        log(f"{backend.name}: one worker, {MEMORY_WARM_UP} warm-up sign-ins")
        single = Gunicorn(env, work, workers=1)
        try:
            (worker,) = single.worker_pids()
            scenarios.drive_sign_ins(
                single.port, telegram, count=MEMORY_WARM_UP, threads=4, people=MEMORY_PEOPLE
            )
            scenarios.wait_for_outbox(telegram)
            fresh = rss_kib(worker)
            log(f"{backend.name}: RSS {fresh} KiB; {memory_sign_ins} sign-ins")
            began = time.monotonic()
            # Its own time bound, whatever the phases before it took.
            done = scenarios.drive_sign_ins(
                single.port,
                telegram,
                count=memory_sign_ins,
                threads=4,
                people=MEMORY_PEOPLE,
                deadline=began + memory_seconds,
            )
            rate = done / (time.monotonic() - began)
            scenarios.wait_for_outbox(telegram)
            if single.worker_pids() != [worker]:
                raise RuntimeError("the worker was replaced during the memory run")
            after = rss_kib(worker)
        finally:
            single.stop()
        if done < memory_sign_ins:
            log(f"{backend.name}: time bound reached after {done} of {memory_sign_ins} sign-ins")
        rows.append(
            Row(
                backend.name,
                f"worker RSS after {done} sign-ins",
                f"{after / 1024:.1f} MiB ({rate:.0f} sign-ins/s)",
                f"after warm-up {fresh / 1024:.1f} MiB",
                after / fresh,
                f"<= 1.10 after {memory_sign_ins}",
                after / fresh <= 1.1 and done == memory_sign_ins,
            )
        )
    return rows


def _output(*command: str) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine() -> str:
    """nproc, memory, Python, PostgreSQL and Redis versions, for the table's header."""
    meminfo = Path("/proc/meminfo").read_text().split()
    memory_gib = int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024 / 1024
    postgres = _output("psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version")
    redis_info = _output("redis-cli", "-h", "127.0.0.1", "INFO", "server")
    redis = redis_info.partition("redis_version:")[2].split()[:1] or ["unknown"]
    return (
        f"nproc {os.cpu_count()}, {memory_gib:.1f} GiB RAM, Python {platform.python_version()}, "
        f"PostgreSQL {postgres.split()[0] if postgres else 'unknown'}, Redis {redis[0]}, "
        f"load average at the end {os.getloadavg()[0]:.1f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--memory-sign-ins", type=int, default=1_000)
    parser.add_argument(
        "--memory-on", default="postgres", help="which backends also run the memory figure"
    )
    parser.add_argument(
        "--memory-seconds",
        type=float,
        default=400,
        help="time bound of the memory run's sign-ins (the row says how many it reached)",
    )
    args = parser.parse_args()
    began = time.monotonic()
    rows: list[Row] = []
    telegram = FakeTelegram()
    try:
        for name in args.backends.split(","):
            with workdir() as work:
                context: AbstractContextManager[Backend] = (
                    sqlite_backend(work) if name == "sqlite" else postgres_backend()
                )
                with context as backend:
                    memory = args.memory_sign_ins if name in args.memory_on.split(",") else 0
                    try:
                        rows += measure_backend(
                            backend, telegram, work, memory, args.memory_seconds
                        )
                    except Exception as exc:
                        # Keep the other backend's figures; the failure is a MISS in the table.
                        log(f"{backend.name}: failed: {exc!r}")
                        rows.append(
                            Row(backend.name, "run", "failed", repr(exc)[:60], 0.0, "-", False)
                        )
    finally:
        telegram.close()
    print(f"\nMachine: {machine()}")
    print(
        f"Load: Python keep-alive clients on loopback; wall time {time.monotonic() - began:.0f} s\n"
    )
    print(table(rows))
    return 0 if all(row.passed for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
