"""The measurements: each returns its figure and the reference it is compared with."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .client import Connection
from .flow import Browser, SignIn, TelegramUser, expect
from .load import LoadResult, run_load
from .stack import REFERENCE_PATH, FakeTelegram

POLL_INTERVAL = 2.0  # the widget's hx-trigger="every 2s"


def in_threads(
    count: int, threads: int, task: Callable[[Connection, Connection, int], None], port: int
) -> None:
    """Run task(browser connection, telegram connection, i) for i < count on a few threads."""
    lock = threading.Lock()
    next_i = [0]

    def worker() -> None:
        browser, telegram = Connection(port), Connection(port)
        try:
            while True:
                with lock:
                    i = next_i[0]
                    if i >= count:
                        return
                    next_i[0] += 1
                task(browser, telegram, i)
        finally:
            browser.close()
            telegram.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(worker) for _ in range(threads)]:
            future.result()


# -- a waiting poll against the bare view ---------------------------------------------------------


@dataclass
class Waiting:
    polls: list[bytes]
    references: list[bytes]


def start_waiting(port: int, count: int) -> Waiting:
    """`count` browsers that started a sign-in nobody has acted on: their polls answer 204."""
    found: list[tuple[Browser, SignIn]] = []
    lock = threading.Lock()

    def start(connection: Connection, _: Connection, i: int) -> None:
        browser = Browser(connection)
        sign_in = browser.start()
        expect(browser.poll(sign_in), 204)
        with lock:
            found.append((browser, sign_in))

    in_threads(count, 4, start, port)
    polls = [browser.raw_poll(sign_in) for browser, sign_in in found]
    # The reference request carries the same headers and cookies; only the path differs.
    references = [
        raw.replace(sign_in.poll_path.encode(), REFERENCE_PATH.encode(), 1)
        for raw, (_, sign_in) in zip(polls, found, strict=True)
    ]
    return Waiting(polls, references)


@dataclass(frozen=True)
class Throughput:
    poll: float
    reference: float

    @property
    def ratio(self) -> float:
        return self.poll / self.reference


def poll_throughput(
    port: int, waiting: Waiting, *, rounds: int, seconds: float, connections: int
) -> Throughput:
    """Requests per second of the poll and of the bare view, in alternating short rounds, on the
    same connections throughout: each stays with the worker that accepted it, so both kinds
    meet the same spread of connections over the workers (new connections would draw a new
    spread each round, and a round's luck would read as a difference between the two)."""
    pool = [Connection(port) for _ in range(connections)]

    def measure(requests: list[bytes], duration: float) -> LoadResult:
        result = run_load(
            port,
            requests,
            connections=connections,
            seconds=duration,
            max_requests=200_000,
            reuse=pool,
        )
        if set(result.statuses) != {204}:
            raise RuntimeError(f"expected only 204 answers, got {dict(result.statuses)}")
        return result

    try:
        measure(waiting.references, 1.0)  # warm every worker up
        measure(waiting.polls, 1.0)
        totals = {"poll": [0, 0.0], "reference": [0, 0.0]}
        for n in range(rounds):
            order = ["reference", "poll"] if n % 2 == 0 else ["poll", "reference"]
            for kind in order:
                result = measure(waiting.polls if kind == "poll" else waiting.references, seconds)
                totals[kind][0] += result.requests
                totals[kind][1] += result.seconds
    finally:
        for connection in pool:
            connection.close()
    return Throughput(
        poll=totals["poll"][0] / totals["poll"][1],
        reference=totals["reference"][0] / totals["reference"][1],
    )


# -- the webhook with a slow Bot API ---------------------------------------------------------------


@dataclass(frozen=True)
class WebhookFigures:
    updates: int
    seconds: float
    mean_answer: float

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds


def webhook_batch(
    port: int, telegram: FakeTelegram, *, sign_ins: int, connections: int
) -> WebhookFigures:
    """`sign_ins` browsers start; Telegram then sends each one's /start, then each one's press."""
    pairs: list[tuple[SignIn, TelegramUser]] = []
    lock = threading.Lock()

    def start(connection: Connection, _: Connection, i: int) -> None:
        sign_in = Browser(connection).start()
        with lock:
            pairs.append((sign_in, TelegramUser(connection, telegram)))

    in_threads(sign_ins, 4, start, port)
    elapsed = 0.0
    for step in ("start", "press"):

        def act(_: Connection, connection: Connection, i: int, step: str = step) -> None:
            sign_in, user = pairs[i]
            user.connection = connection
            if step == "start":
                user.press_start(sign_in.token)
            else:
                user.press_code(sign_in.code)

        began = time.monotonic()
        in_threads(sign_ins, connections, act, port)
        elapsed += time.monotonic() - began
    answers = [latency for _, user in pairs for latency in user.latencies]
    return WebhookFigures(len(answers), elapsed, statistics.fmean(answers))


# -- from the press in Telegram to the signed-in browser --------------------------------------------


@dataclass(frozen=True)
class Latencies:
    sign_ins: list[float]  # press -> the poll that carries HX-Redirect
    press_answers: list[float]  # the webhook's answer to the press
    completing_polls: list[float]  # the poll that signs the browser in


def sign_in_latencies(port: int, telegram: FakeTelegram, *, sign_ins: int) -> Latencies:
    """Browsers poll every 2 s; each press lands at an evenly spread moment before a poll.

    Starts are spread over 2 s in a shuffled order; the user presses Start after 0.5 s and the
    code at 3 intervals minus (i + 0.5) / sign_ins of an interval, so the wait for the next poll
    covers the whole interval evenly instead of depending on the luck of 50 random draws, and
    the presses, too, are spread over about 4 s rather than landing together.
    """
    latencies: list[float] = [0.0] * sign_ins
    press_answers: list[float] = [0.0] * sign_ins
    completing_polls: list[float] = [0.0] * sign_ins
    errors: list[BaseException] = []
    t0 = time.monotonic() + 0.5

    def at(moment: float) -> None:
        time.sleep(max(0.0, moment - time.monotonic()))

    def one(i: int) -> None:
        began = t0 + (i * 17 % sign_ins) * 2.0 / sign_ins
        browser = Browser(Connection(port))
        at(began)
        sign_in = browser.start()
        started = time.monotonic()
        pressed = threading.Event()
        press_time = [0.0]

        def telegram_side() -> None:
            try:
                user = TelegramUser(Connection(port), telegram)
                at(started + 0.5)
                user.press_start(sign_in.token)
                at(started + 3 * POLL_INTERVAL - POLL_INTERVAL * (i + 0.5) / sign_ins)
                press_time[0] = time.monotonic()
                pressed.set()
                user.press_code(sign_in.code)
                press_answers[i] = user.latencies[-1]
                user.connection.close()
            except BaseException as exc:
                errors.append(exc)
                pressed.set()

        side = threading.Thread(target=telegram_side)
        side.start()
        tick = 1
        while True:
            at(started + tick * POLL_INTERVAL)
            tick += 1
            polled = time.monotonic()
            response = browser.poll(sign_in)
            if "hx-redirect" in response.headers:
                latencies[i] = time.monotonic() - press_time[0]
                completing_polls[i] = time.monotonic() - polled
                break
            if errors or tick > 10:
                raise RuntimeError(f"sign-in {i} did not complete")
        side.join()
        browser.connection.close()

    with ThreadPoolExecutor(max_workers=sign_ins) as pool:
        for future in [pool.submit(one, i) for i in range(sign_ins)]:
            future.result()
    if errors:
        raise errors[0]
    return Latencies(latencies, press_answers, completing_polls)


# -- memory of one worker after many sign-ins ------------------------------------------------------


def drive_sign_ins(
    port: int,
    telegram: FakeTelegram,
    *,
    count: int,
    threads: int,
    people: int = 0,
    deadline: float = float("inf"),
) -> int:
    """Complete sign-ins as fast as the worker takes them: start, /start, press, one poll.

    With `people`, the sign-ins are by that many Telegram users in turn (each comes back),
    numbered from 1_000_000 so they are the same people in every call; without, each sign-in
    is a new user. Stops after `count` or at `deadline` (time.monotonic()); returns how many
    were done.
    """
    done = [0]
    lock = threading.Lock()

    def one(browser_connection: Connection, telegram_connection: Connection, i: int) -> None:
        if time.monotonic() > deadline:
            return
        browser = Browser(browser_connection)
        sign_in = browser.start()
        returning = 1_000_000 + i % people if people else 0
        user = TelegramUser(telegram_connection, telegram, n=returning)
        user.press_start(sign_in.token)
        user.press_code(sign_in.code)
        response = browser.poll(sign_in)
        if "hx-redirect" not in response.headers:
            raise RuntimeError(f"sign-in not completed: {response.status} {response.text[-300:]}")
        with lock:
            done[0] += 1

    in_threads(count, threads, one, port)
    return done[0]


def wait_for_outbox(telegram: FakeTelegram, quiet: float = 1.0, limit: float = 30.0) -> None:
    """Until the workers' after-response Bot API calls have stopped arriving."""
    deadline = time.monotonic() + limit
    seen = -1
    while time.monotonic() < deadline and telegram.served != seen:
        seen = telegram.served
        time.sleep(quiet)
