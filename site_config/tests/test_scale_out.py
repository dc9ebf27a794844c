"""Two gunicorn servers on one PostgreSQL and one Redis, each behind nginx with the shipped proxy
configuration (site_config/nginx/): the webhook lands on one server while the browser starts and
polls on the other, and the browser is signed in (then the reverse). Slow clients stall nginx's
cheap connections, never gunicorn's threads. Redis stopped under both servers loses no one's
sign-in (last: it runs on a redis-server of the module's own where one is installed)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
import requests

from telegram_login.sandbox.fake_api import FakeBotApi
from telegram_login.sandbox.fake_api_server import FakeBotApiServer
from telegram_login.tests.redis_support import RedisServer, redis_server_binary

pytestmark = pytest.mark.scale

REPO = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = os.environ.get("SCALE_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("SCALE_REDIS_URL", "redis://127.0.0.1:6379/3")
BOT_TOKEN = "777:SCALE-test-token"
BOT_USERNAME = "scale_login_bot"
WEBHOOK_SECRET = "scale-webhook-secret-" + "x" * 16
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0 Safari/537.36"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def fake_telegram() -> Iterator[tuple[str, FakeBotApi]]:
    """The fake Bot API as a real HTTP server on loopback, for the gunicorn servers to call."""
    server = FakeBotApiServer(FakeBotApi(bot_username=BOT_USERNAME), token=BOT_TOKEN)
    yield server.url, server.api
    server.close()


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    name = f"tl_scale_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(
            PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True
        )
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}")
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory) -> Iterator[RedisServer | None]:
    """A redis-server of the module's own, which the outage test stops and starts (None where
    none is installed: the servers then share SCALE_REDIS_URL's, and that test skips)."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    server = RedisServer(binary, tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def site_env(fake_telegram, database_url, own_redis, tmp_path_factory) -> dict[str, str]:
    """The production environment of every process of the site (DEBUG off)."""
    api_url, _ = fake_telegram
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": own_redis.url if own_redis is not None else REDIS_URL,
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "TELEGRAM_BOT_USERNAME": BOT_USERNAME,
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "TELEGRAM_API_BASE_URL": api_url,
        "STATIC_ROOT": str(tmp_path_factory.mktemp("static")),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_ACCESS_LOG": "",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


@pytest.fixture(scope="module")
def servers(site_env) -> Iterator[list[str]]:
    """Two gunicorn servers, each with two workers and a worker of the bot's message queue,
    sharing PostgreSQL and Redis."""
    env = site_env
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
    )
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    processes, urls = [], []
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    for _ in range(2):
        port = _free_port()
        processes.append(
            subprocess.Popen(
                [gunicorn, "-c", "site_config/gunicorn.py", "--bind", f"127.0.0.1:{port}"],
                cwd=REPO,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
        # What a server's gunicorn stored and could not send (a restart, Telegram down).
        processes.append(
            subprocess.Popen(
                [sys.executable, "manage.py", "telegram_worker", "--no-reload"],
                cwd=REPO,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        )
    try:
        for url, process in zip(urls, processes[::2], strict=True):
            _wait_until_up(url, process)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


NGINX = Path("/usr/sbin/nginx")


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> Certificate:
    """A self-signed certificate for 127.0.0.1, which the test's clients trust."""
    tmp = tmp_path_factory.mktemp("tls")
    made = Certificate(cert=tmp / "cert.pem", key=tmp / "key.pem")
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(made.key), "-out", str(made.cert)),
        ],
        check=True,
        capture_output=True,
    )
    return made


@contextmanager
def nginx_in_front_of(
    backends: list[str], certificate: Certificate, tmp: Path
) -> Iterator[list[str]]:
    """nginx with the shipped limits.conf and proxy.conf: one TLS server per gunicorn, as a load
    balancer in front of each node would be. Yields their https URLs."""
    if not NGINX.exists():
        pytest.fail("nginx is not installed (apt-get install nginx; .ci/run installs it)")
    nginx_dir = REPO / "site_config" / "nginx"
    servers, urls = [], []
    for index, backend in enumerate(backends):
        port = _free_port()
        urls.append(f"https://127.0.0.1:{port}")
        servers.append(
            f"""
    upstream node{index} {{ server {backend.removeprefix("http://")}; keepalive 4; }}
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {certificate.cert};
        ssl_certificate_key {certificate.key};
        include {nginx_dir / "proxy.conf"};
        location / {{ proxy_pass http://node{index}; }}
    }}"""
        )
    temp_paths = "".join(
        f"    {kind}_temp_path {tmp / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root (CI), nginx's workers would otherwise run as nobody, who cannot use tmp.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (tmp / "nginx.conf").write_text(
        f"""{user}worker_processes 1;
pid {tmp / "nginx.pid"};
events {{ worker_connections 1024; }}
http {{
    access_log off;
{temp_paths}    include {nginx_dir / "limits.conf"};
{"".join(servers)}
}}
"""
    )
    process = subprocess.Popen(
        [
            *(str(NGINX), "-e", str(tmp / "error.log"), "-p", str(tmp)),
            *("-c", str(tmp / "nginx.conf"), "-g", "daemon off;"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for url in urls:
            _wait_until_up(url, process, verify=str(certificate.cert))
        yield urls
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture(scope="module")
def proxies(servers, certificate, tmp_path_factory) -> Iterator[list[str]]:
    with nginx_in_front_of(servers, certificate, tmp_path_factory.mktemp("nginx")) as urls:
        yield urls


def _wait_until_up(url: str, process: subprocess.Popen, *, verify: str | bool = True) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url} exited: {process.stderr.read().decode()[-2000:]}")
        try:
            # A worker's first request imports the whole site: on a busy machine, seconds.
            requests.get(
                url + "/", headers={"X-Forwarded-Proto": "https"}, timeout=10, verify=verify
            )
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    pytest.fail(f"{url} did not start")


class Browser:
    """A browser behind the TLS proxy: it says https and sends its (Secure) cookies back."""

    def __init__(self, *, verify: str) -> None:
        self.cookies: dict[str, str] = {}
        self.verify = verify

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        headers = {"X-Forwarded-Proto": "https", "User-Agent": UA, **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = requests.request(
            method,
            url,
            headers=headers,
            allow_redirects=False,
            timeout=10,
            verify=self.verify,
            **kwargs,
        )
        for cookie in response.cookies:
            self.cookies[cookie.name] = cookie.value
        assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR, response.text[-2000:]
        return response

    def start(self, server: str, next_url: str) -> tuple[str, str]:
        self.request("GET", server + "/accounts/login/")
        started = self.request(
            "POST",
            server + "/accounts/telegram-login/login/",
            data={"process": "login", "next": next_url},
            headers={
                "HX-Request": "true",
                "X-CSRFToken": self.cookies["csrftoken"],
                "Referer": server.replace("http:", "https:") + "/",
            },
        )
        assert started.status_code == HTTPStatus.OK, started.text
        token = re.search(
            r"https://t\.me/" + BOT_USERNAME + r"\?start=([A-Za-z0-9_-]{43})", started.text
        ).group(1)
        poll_path = re.search(r'hx-get="([^"]+)"', started.text).group(1).replace("&amp;", "&")
        return token, poll_path


def _telegram_sends(
    server: str, api: FakeBotApi, update: dict[str, Any], *, verify: str
) -> dict[str, Any] | None:
    response = requests.post(
        server + "/telegram/webhook/",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET, "X-Forwarded-Proto": "https"},
        timeout=10,
        verify=verify,
    )
    assert response.status_code == HTTPStatus.OK, response.text
    if response.headers.get("Content-Type") != "application/json":
        return None
    reply = response.json()
    status, body = api.handle(reply.pop("method"), reply)
    assert status == HTTPStatus.OK, body
    return body


def _bot_message_with_buttons(api: FakeBotApi, chat_id: int) -> Any:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [m for m in api.chat(chat_id) if m.from_bot and m.reply_markup]
        if found:
            return found[-1]
        time.sleep(0.05)
    pytest.fail(f"no prompt reached chat {chat_id}")


@pytest.mark.parametrize(("browser_on", "telegram_on"), [(0, 1), (1, 0)])
def test_webhook_on_one_server_signs_in_the_browser_polling_another(
    proxies, certificate, fake_telegram, browser_on, telegram_on
):
    _, api = fake_telegram
    servers = proxies
    browser_server, telegram_server = servers[browser_on], servers[telegram_on]
    verify = str(certificate.cert)
    browser = Browser(verify=verify)
    token, poll_path = browser.start(browser_server, "/accounts/email/")

    user = {"id": 9_100_000 + browser_on, "is_bot": False, "first_name": f"Scale{browser_on}"}
    chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    api.users[user["id"]] = user
    base_update = 10_000 * (browser_on + 1)
    _telegram_sends(
        telegram_server,
        api,
        {
            "update_id": base_update,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": chat,
                "from": user,
                "text": f"/start {token}",
            },
        },
        verify=verify,
    )
    # The prompt goes out through the Bot API just after the webhook answered.
    prompt = _bot_message_with_buttons(api, user["id"])
    claimed = browser.request("GET", browser_server + poll_path, headers={"HX-Request": "true"})
    assert 'data-state="claimed"' in claimed.text
    code = re.search(r'data-testid="match-code">(\d+)<', claimed.text).group(1)
    button = next(b for b in prompt.reply_markup["inline_keyboard"][0] if b["text"] == code)

    _telegram_sends(
        telegram_server,
        api,
        {
            "update_id": base_update + 1,
            "callback_query": {
                "id": f"cq-{browser_on}",
                "from": user,
                "chat_instance": "1",
                "data": button["callback_data"],
                "message": {
                    "message_id": prompt.message_id,
                    "date": 0,
                    "chat": chat,
                    "text": prompt.text,
                },
            },
        },
        verify=verify,
    )
    done = browser.request(
        "GET",
        browser_server + poll_path.replace("shown=pending", "shown=claimed"),
        headers={"HX-Request": "true"},
    )
    assert done.headers.get("HX-Redirect") == "/accounts/email/", done.text
    # Signed in, and the session (Redis + PostgreSQL) is good on either server.
    for server in servers:
        page = browser.request("GET", server + "/accounts/email/")
        assert page.status_code == HTTPStatus.OK
        assert user["first_name"] in page.text
    assert all(not call.problems for call in api.calls)


def test_slow_bodies_stall_nginx_not_gunicorn(servers, certificate, tmp_path):
    """Eighty connections trickling a byte a second once stalled every gunicorn thread (2 workers
    x 4 threads here). Behind the shipped nginx configuration a normal request still gets in.
    The slow clients come from 127.0.0.2, as an attacker's address would differ from a user's."""
    context = ssl.create_default_context(cafile=str(certificate.cert))
    slow: list[socket.socket] = []
    with nginx_in_front_of([servers[0]], certificate, tmp_path) as [url]:
        port = int(url.rsplit(":", 1)[1])
        try:
            for _ in range(80):
                raw = socket.create_connection(
                    ("127.0.0.1", port), timeout=5, source_address=("127.0.0.2", 0)
                )
                sock = context.wrap_socket(raw, server_hostname="127.0.0.1")
                sock.sendall(
                    b"POST /telegram/webhook/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n{"
                )
                slow.append(sock)
            for _ in range(3):
                time.sleep(1)
                for sock in slow:
                    sock.sendall(b" ")
            page = requests.get(
                url + "/accounts/login/",
                headers={"User-Agent": UA},
                timeout=10,
                verify=str(certificate.cert),
            )
            assert page.status_code == HTTPStatus.OK
            assert "Sign in with Telegram" in page.text
        finally:
            for sock in slow:
                sock.close()


def _press(
    server: str,
    api: FakeBotApi,
    user: dict[str, Any],
    message: Any,
    data: str,
    *,
    update_id: int,
    verify: str,
) -> None:
    chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    _telegram_sends(
        server,
        api,
        {
            "update_id": update_id,
            "callback_query": {
                "id": f"cq-{update_id}",
                "from": user,
                "chat_instance": "1",
                "data": data,
                "message": {
                    "message_id": message.message_id,
                    "date": 0,
                    "chat": chat,
                    "text": message.text,
                },
            },
        },
        verify=verify,
    )


def _bot_message_saying(api: FakeBotApi, chat_id: int, words: str) -> Any:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [m for m in api.chat(chat_id) if m.from_bot and words in m.text]
        if found:
            return found[-1]
        time.sleep(0.05)
    pytest.fail(f"the bot never said {words!r} in chat {chat_id}")


def test_not_me_pressed_through_one_server_signs_the_browser_out_on_the_other(
    proxies, certificate, fake_telegram
):
    _, api = fake_telegram
    browser_server, telegram_server = proxies
    verify = str(certificate.cert)
    browser = Browser(verify=verify)
    token, poll_path = browser.start(browser_server, "/accounts/email/")
    user = {"id": 9_200_000, "is_bot": False, "first_name": "Remote"}
    api.users[user["id"]] = user
    chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    _telegram_sends(
        telegram_server,
        api,
        {
            "update_id": 30_000,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": chat,
                "from": user,
                "text": f"/start {token}",
            },
        },
        verify=verify,
    )
    prompt = _bot_message_with_buttons(api, user["id"])
    claimed = browser.request("GET", browser_server + poll_path, headers={"HX-Request": "true"})
    code = re.search(r'data-testid="match-code">(\d+)<', claimed.text).group(1)
    [button] = [b for b in prompt.reply_markup["inline_keyboard"][0] if b["text"] == code]
    _press(
        telegram_server, api, user, prompt, button["callback_data"], update_id=30_001, verify=verify
    )
    done = browser.request(
        "GET",
        browser_server + poll_path.replace("shown=pending", "shown=claimed"),
        headers={"HX-Request": "true"},
    )
    assert done.headers.get("HX-Redirect") == "/accounts/email/"
    assert browser.request("GET", browser_server + "/accounts/email/").status_code == HTTPStatus.OK

    # The prompt becomes the sign-in's alert, with the button that ends that session.
    alert = _bot_message_saying(api, user["id"], "Signed in to")
    not_me = alert.reply_markup["inline_keyboard"][0][0]
    assert not_me["text"] == "Not me: sign this session out"
    _press(
        telegram_server, api, user, alert, not_me["callback_data"], update_id=30_002, verify=verify
    )

    for server in proxies:
        page = browser.request("GET", server + "/accounts/email/")
        assert page.status_code == HTTPStatus.FOUND
        assert "/accounts/login/" in page.headers["Location"]
    assert all(not call.problems for call in api.calls)


def _owner_with_password_and_telegram(site_env: dict[str, str], email: str, uid: int) -> None:
    """An account with a verified email, a password and Telegram linked, made as the site
    itself would store it (manage.py shell against the servers' database)."""
    script = (
        "from allauth.account.models import EmailAddress\n"
        "from allauth.socialaccount.models import SocialAccount\n"
        "from django.contrib.auth import get_user_model\n"
        f"u = get_user_model().objects.create_user(username={email.split('@')[0]!r}, "
        f"email={email!r}, password='a-long-Passw0rd-nobody-guesses')\n"
        f"EmailAddress.objects.create(user=u, email={email!r}, verified=True, primary=True)\n"
        f"SocialAccount.objects.create(user=u, provider='telegram_login', uid='{uid}', "
        f"extra_data={{'id': {uid}, 'first_name': 'Owner'}})\n"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=REPO,
        env=site_env,
        check=True,
        capture_output=True,
    )


def _form_post(browser: Browser, server: str, path: str, data: dict[str, str]) -> Any:
    """A form post as the page's own: its CSRF token, over https with the page as Referer."""
    page = browser.request("GET", server + path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return browser.request(
        "POST",
        server + path,
        data={"csrfmiddlewaretoken": token, **data},
        headers={"Referer": server.replace("http:", "https:") + path},
    )


def test_a_stolen_password_neither_disconnects_telegram_nor_escapes_not_me(
    proxies, certificate, fake_telegram, site_env
):
    """The two attacks of the stolen password on the production stack: the intruder cannot
    disconnect Telegram with the password, and after changing it (a new session key) is still
    signed out, on both servers, by "Not me" under the sign-in's alert."""
    _, api = fake_telegram
    browser_server, telegram_server = proxies
    verify = str(certificate.cert)
    owner = {"id": 9_500_000, "is_bot": False, "first_name": "Owner"}
    api.users[owner["id"]] = owner
    email = "owner-scale@example.test"
    _owner_with_password_and_telegram(site_env, email, owner["id"])

    intruder = Browser(verify=verify)
    password = "a-long-Passw0rd-nobody-guesses"
    signed_in = _form_post(
        intruder, browser_server, "/accounts/login/", {"login": email, "password": password}
    )
    assert signed_in.status_code == HTTPStatus.FOUND, signed_in.text[-500:]
    alert = _bot_message_saying(api, owner["id"], "New sign-in to")

    # 1. The password does not let Telegram go: the post waits for a confirmation in Telegram.
    _form_post(intruder, browser_server, "/accounts/reauthenticate/", {"password": password})
    connections = intruder.request("GET", browser_server + "/accounts/3rdparty/")
    account_id = re.search(r'href="\?disconnect=(\d+)"', connections.text).group(1)
    disconnect = _form_post(
        intruder, browser_server, "/accounts/3rdparty/", {"account": account_id}
    )
    assert disconnect.headers["Location"].startswith("/accounts/telegram-login/reauthenticate/")
    still = intruder.request("GET", browser_server + "/accounts/3rdparty/")
    assert f'href="?disconnect={account_id}"' in still.text

    # 2. A new password gives the intruder's session a new key; "Not me" still ends it.
    key_before = intruder.cookies["sessionid"]
    changed = _form_post(
        intruder,
        browser_server,
        "/accounts/password/change/",
        {"oldpassword": password, "password1": "x-" + password, "password2": "x-" + password},
    )
    assert changed.status_code == HTTPStatus.FOUND, changed.text[-500:]
    assert intruder.cookies["sessionid"] != key_before
    _bot_message_saying(api, owner["id"], "was changed.")
    assert intruder.request("GET", browser_server + "/accounts/email/").status_code == HTTPStatus.OK

    not_me = alert.reply_markup["inline_keyboard"][0][0]
    assert not_me["text"] == "Not me: sign this session out"
    _press(
        telegram_server, api, owner, alert, not_me["callback_data"], update_id=50_000, verify=verify
    )

    for server in proxies:
        page = intruder.request("GET", server + "/accounts/email/")
        assert page.status_code == HTTPStatus.FOUND
        assert "/accounts/login/" in page.headers["Location"]
    assert all(not call.problems for call in api.calls)


def test_a_message_a_stopped_process_left_in_the_queue_is_sent_by_the_worker(
    servers, site_env, fake_telegram
):
    _, api = fake_telegram
    user = {"id": 9_300_000, "is_bot": False, "first_name": "Later"}
    api.users[user["id"]] = user
    # A process that stores a message and exits without sending it.
    store = (
        "from telegram_login.messaging import tasks\n"
        "from telegram_login.messaging.client import BotCall\n"
        "from telegram_login.messaging.outbox import Outgoing\n"
        f"call = BotCall('sendMessage', {{'chat_id': {user['id']}, 'text': 'left behind'}})\n"
        "tasks.enqueue(Outgoing(call=call).as_payload(), priority=0)\n"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", store],
        cwd=REPO,
        env=site_env,
        check=True,
        capture_output=True,
    )
    assert _bot_message_saying(api, user["id"], "left behind").text == "left behind"


class Person:
    """Someone signing in through the two servers: the browser on one, Telegram on the other."""

    def __init__(self, number: int, servers: list[str], api: FakeBotApi, verify: str) -> None:
        self.browser_server = servers[number % 2]
        self.telegram_server = servers[1 - number % 2]
        self.api = api
        self.verify = verify
        self.browser = Browser(verify=verify)
        self.user = {"id": 9_400_000 + number, "is_bot": False, "first_name": f"Outage{number}"}
        self.chat = {"id": self.user["id"], "type": "private", "first_name": f"Outage{number}"}
        api.users[self.user["id"]] = self.user
        self.update_id = 40_000 + 100 * number
        self.token, self.poll_path = "", ""

    def start(self) -> None:
        self.token, self.poll_path = self.browser.start(self.browser_server, "/accounts/email/")

    def poll(self, shown: str) -> requests.Response:
        # Browser.request fails the test on any 5xx.
        return self.browser.request(
            "GET",
            self.browser_server + self.poll_path.replace("shown=pending", f"shown={shown}"),
            headers={"HX-Request": "true"},
        )

    def press_start(self) -> None:
        self.update_id += 1
        message = {
            "message_id": 1,
            "date": 0,
            "chat": self.chat,
            "from": self.user,
            "text": f"/start {self.token}",
        }
        _telegram_sends(
            self.telegram_server,
            self.api,
            {"update_id": self.update_id, "message": message},
            verify=self.verify,
        )

    def press_the_code(self) -> None:
        prompt = _bot_message_with_buttons(self.api, self.user["id"])
        claimed = self.poll("pending")
        assert 'data-state="claimed"' in claimed.text, claimed.text
        code = re.search(r'data-testid="match-code">(\d+)<', claimed.text).group(1)
        [button] = [b for b in prompt.reply_markup["inline_keyboard"][0] if b["text"] == code]
        self.update_id += 1
        _press(
            self.telegram_server,
            self.api,
            self.user,
            prompt,
            button["callback_data"],
            update_id=self.update_id,
            verify=self.verify,
        )

    def signed_in(self, servers: list[str]) -> bool:
        done = self.poll("claimed")
        if done.headers.get("HX-Redirect") != "/accounts/email/":
            return False
        pages = [self.browser.request("GET", server + "/accounts/email/") for server in servers]
        return all(
            page.status_code == HTTPStatus.OK and self.user["first_name"] in page.text
            for page in pages
        )


def test_redis_stopped_under_two_servers_loses_no_one(
    proxies, certificate, fake_telegram, own_redis
):
    """Redis stopped while five people wait and confirm: every start, poll and press through
    either server goes on (no 5xx to a browser, a 200 to every update), and everyone is signed
    in, during the outage or right after it."""
    if own_redis is None:
        redis_server_binary()  # skips, or fails where Redis is required
    assert own_redis is not None
    _, api = fake_telegram
    verify = str(certificate.cert)
    people = [Person(number, proxies, api, verify) for number in range(5)]
    for person in people[:4]:
        person.start()
    for person in people[:2]:
        person.press_start()

    own_redis.stop()
    people[4].start()
    for person, shown in zip(people, ["claimed"] * 2 + ["pending"] * 3, strict=True):
        assert person.poll(shown).status_code == HTTPStatus.NO_CONTENT
    for person in people[:2]:
        person.press_the_code()
    for person in people[2:4]:
        person.press_start()
        person.press_the_code()
    for person in people[:4]:
        assert person.signed_in(proxies)

    own_redis.start()
    people[4].press_start()
    people[4].press_the_code()
    assert people[4].signed_in(proxies)
    assert all(not call.problems for call in api.calls)
